"""A signal (SIGTERM from a job runner, SIGINT) during an upload aborts the lease and leaves no VM.

The module runs as Ansible runs it (a Python process reading its arguments from a JSON file),
so the test can signal exactly that process.
"""
import glob
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

import pytest

from lab_paths import OUTPUT, ROOT

NAME = "it-ovf-signal"


def _uploads(lab_url):
    context = ssl._create_unverified_context()  # lab-only endpoint of the local simulator
    with urllib.request.urlopen(lab_url + "/nfc/uploads", context=context) as resp:
        return [lease for lease in json.load(resp)["leases"] if lease.get("vm_name") == NAME]


def _vm_exists(facts, remove=False):
    sys.path.insert(0, os.path.join(OUTPUT, "collections"))
    from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.client import VsphereClient
    client = VsphereClient(facts["hostname"], facts["username"], facts["password"], facts["port"],
                           thumbprint=facts["thumbprint"])
    try:
        vm = client.vm_in_folder(client.datacenter("DC0").vmFolder, NAME)
        if vm is not None and remove:
            client.wait_for_task(vm.Destroy_Task())
        return vm is not None
    finally:
        client.close()


def _progress(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _start_module(facts, ovas, ova_http, tag, **popen):
    """Run ovf_deploy as Ansible does (arguments in a JSON file) on a slowly served OVA."""
    args = {"ANSIBLE_MODULE_ARGS": {
        "hostname": facts["hostname"], "port": facts["port"], "username": facts["username"],
        "password": facts["password"], "thumbprint": facts["thumbprint"], "name": NAME, "cluster": "DC0_C0",
        "source": "%s/slow/%s" % (ova_http, os.path.basename(ovas["vcda_big_ova"])),
    }}
    args_file = os.path.join(OUTPUT, "ovf-%s-args.json" % tag)
    with open(args_file, "w") as handle:
        json.dump(args, handle)
    progress = os.path.join(OUTPUT, "ovf-%s-progress.json" % tag)
    if os.path.exists(progress):
        os.unlink(progress)
    env = dict(os.environ, PYTHONPATH=os.path.join(OUTPUT, "collections"), CLOUDMOVE_PROGRESS_FILE=progress)
    proc = subprocess.Popen([sys.executable, "-m", "ansible_collections.cloudmove.vcda.plugins.modules.ovf_deploy",
                             args_file], cwd=ROOT, env=env, **popen)
    return proc, progress


def _wait_until_uploading(progress):
    deadline = time.monotonic() + 60
    while _progress(progress).get("done", 0) <= 16 << 20:
        assert time.monotonic() < deadline, "the upload never started"
        time.sleep(0.2)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_mid_upload_leaves_nothing(signum, vcsim, ovas, ova_http):
    facts = vcsim["provider"]
    _vm_exists(facts, remove=True)  # a failed earlier run may have left one
    earlier = set(lease["lease"] for lease in _uploads(facts["lab_url"]))
    proc, progress = _start_module(facts, ovas, ova_http, "signal", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
    try:
        _wait_until_uploading(progress)
        assert _vm_exists(facts), "the VM exists while it is being imported"
        assert _progress(progress)["done"] < _progress(progress)["total"]
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    result = json.loads(out)
    assert proc.returncode == 1 and result["failed"], out + err
    assert "interrupted" in result["msg"] and "partial VM removed" in result["msg"]
    assert facts["password"] not in out
    assert not _vm_exists(facts)
    leases = [lease for lease in _uploads(facts["lab_url"]) if lease["lease"] not in earlier]
    assert len(leases) == 1 and leases[0]["state"] == "error", leases
    assert not leases[0]["devices"]["disk-0.vmdk"]["complete"]


def test_controller_gone_mid_upload_leaves_nothing(vcsim, ovas, ova_http):
    """Ansible does not forward Ctrl-C to module processes: a closed result pipe must stop the import."""
    facts = vcsim["provider"]
    _vm_exists(facts, remove=True)
    proc, progress = _start_module(facts, ovas, ova_http, "gone", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        _wait_until_uploading(progress)
        proc.stdout.close()  # the worker that read the module's result is gone
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _progress(progress)["done"] < _progress(progress)["total"]
    assert not _vm_exists(facts)


PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - cloudmove.vcda.ovf_deploy:
        hostname: "{{ vcsim_provider.hostname }}"
        port: "{{ vcsim_provider.port }}"
        username: "{{ vcsim_provider.username }}"
        password: "{{ vcsim_provider.password }}"
        thumbprint: "{{ vcsim_provider.thumbprint }}"
        name: %s
        cluster: DC0_C0
        source: "{{ ova_http_url }}/slow/{{ ovas.vcda_big_ova | basename }}"
""" % NAME


def test_ctrl_c_of_ansible_playbook_leaves_nothing(vcsim, lab_vars):
    """Ctrl-C on ansible-playbook (SIGINT to its process group, as a terminal sends it)."""
    facts = vcsim["provider"]
    _vm_exists(facts, remove=True)
    playbook = os.path.join(OUTPUT, "ovf-ctrl-c.yml")
    with open(playbook, "w") as handle:
        handle.write(PLAY)
    # The progress file goes to the run's own TMPDIR: other lab runs on the machine write theirs to /tmp too,
    # and signalling on another run's progress would interrupt this one before its upload started.
    tmpdir = os.path.join(OUTPUT, "ovf-ctrl-c-tmp")
    shutil.rmtree(tmpdir, ignore_errors=True)
    os.makedirs(tmpdir)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(OUTPUT, "collections"),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, TMPDIR=tmpdir)
    proc = subprocess.Popen(["ansible-playbook", "-i", "localhost,", "-c", "local", playbook, "-e", "@" + lab_vars],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        progress = None
        while progress is None or _progress(progress).get("done", 0) <= 16 << 20:
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.2)
            new = set(glob.glob(os.path.join(tmpdir, "cloudmove-ovf-progress-*.json")))
            progress = progress or (sorted(new)[0] if new else None)
        os.killpg(proc.pid, signal.SIGINT)
        out = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "User interrupted execution" in out
    deadline = time.monotonic() + 30
    while _vm_exists(facts):  # the module notices its closed result pipe within a second
        assert time.monotonic() < deadline, "the partial VM was left behind:\n" + out[-2000:]
        time.sleep(0.5)
