"""ovf_deploy on an operator's bad day: kill -9 of the whole process tree mid-upload, an NFC upload reset by
the server after its last byte.

The module runs as Ansible runs it (a Python process reading its arguments from a JSON file).
"""
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

from lab_paths import OUTPUT, ROOT

KILLED = "it-ovf-killed"
RESET = "it-ovf-reset"


def _lab(facts, path, body=None, method=None):
    context = ssl.create_default_context(cafile=facts["cert_file"])
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(facts["lab_url"] + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, context=context) as resp:
        text = resp.read()
    return json.loads(text) if text else None


def _leases(facts, name):
    return [lease for lease in _lab(facts, "/nfc/uploads")["leases"] if lease.get("vm_name") == name]


def _client(facts):
    sys.path.insert(0, os.path.join(OUTPUT, "collections"))
    from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.client import VsphereClient
    return VsphereClient(facts["hostname"], facts["username"], facts["password"], facts["port"],
                         thumbprint=facts["thumbprint"])


def _vm_state(facts, name, remove=False):
    """None, or {"marker": value or None, "power": ...} of the VM ``name``."""
    client = _client(facts)
    try:
        vm = client.vm_in_folder(client.datacenter("DC0").vmFolder, name)
        if vm is None:
            return None
        if remove:
            if str(vm.runtime.powerState) == "poweredOn":
                client.wait_for_task(vm.PowerOffVM_Task())
            client.wait_for_task(vm.Destroy_Task())
            return None
        extra = dict((o.key, o.value) for o in vm.config.extraConfig or [])
        return {"marker": extra.get("cloudmove.vcda.import"), "power": str(vm.runtime.powerState), "moid": vm._moId}
    finally:
        client.close()


def _args(facts, name, source, **extra):
    args = {"hostname": facts["hostname"], "port": facts["port"], "username": facts["username"],
            "password": facts["password"], "thumbprint": facts["thumbprint"], "name": name, "cluster": "DC0_C0",
            "source": source}
    args.update(extra)
    return args


def _start(args, tag, **popen):
    path = os.path.join(OUTPUT, "ovf-%s-args.json" % tag)
    with open(path, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    progress = os.path.join(OUTPUT, "ovf-%s-progress.json" % tag)
    if os.path.exists(progress):
        os.unlink(progress)
    env = dict(os.environ, PYTHONPATH=os.path.join(OUTPUT, "collections"), CLOUDMOVE_PROGRESS_FILE=progress)
    proc = subprocess.Popen([sys.executable, "-m", "ansible_collections.cloudmove.vcda.plugins.modules.ovf_deploy",
                             path], cwd=ROOT, env=env, **popen)
    return proc, progress


def _run(args, tag):
    proc, dummy = _start(args, tag, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=600)
    try:
        return json.loads(out)
    except ValueError:
        raise AssertionError("module output is not JSON:\n" + out[-3000:] + err[-3000:])


def _progress(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def test_kill_9_mid_upload_is_never_accepted(vcsim, ovas, ova_http):
    """kill -9 of the module's whole process tree leaves a half-imported VM; the re-run replaces it."""
    facts = vcsim["provider"]
    _vm_state(facts, KILLED, remove=True)
    slow = "%s/slow/%s" % (ova_http, os.path.basename(ovas["vcda_big_ova"]))
    proc, progress = _start(_args(facts, KILLED, slow), "killed", stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _progress(progress).get("done", 0) <= 32 << 20:
            assert time.monotonic() < deadline, "the upload never started"
            assert proc.poll() is None, "the module ended before the upload"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)  # no handler runs: nothing is cleaned up
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    left = _vm_state(facts, KILLED)
    assert left is not None and left["marker"] == "incomplete", left
    lease = _leases(facts, KILLED)[-1]
    assert lease["state"] == "ready" and not lease["devices"]["disk-0.vmdk"]["complete"], lease

    # The re-run (same request, fast local source) must not accept the half-imported VM.
    again = _run(_args(facts, KILLED, ovas["vcda_big_ova"]), "killed-rerun")
    assert again.get("failed") is not True, again
    assert again["changed"] and again["replaced_incomplete"], again
    now = _vm_state(facts, KILLED)
    assert now is not None and now["marker"] is None and now["moid"] != left["moid"], (left, now)
    newest = _leases(facts, KILLED)[-1]
    assert newest["state"] == "done" and newest["devices"]["disk-0.vmdk"]["complete"], newest

    third = _run(_args(facts, KILLED, ovas["vcda_big_ova"]), "killed-third")
    assert third["changed"] is False and not third.get("replaced_incomplete"), third
    _vm_state(facts, KILLED, remove=True)


def test_nfc_reset_after_the_last_byte_is_retried(vcsim, ovas):
    facts = vcsim["provider"]
    _vm_state(facts, RESET, remove=True)
    _lab(facts, "/faults/nfc", method="DELETE")
    armed = _lab(facts, "/faults/nfc", {"reset_after_bytes": 1 << 40, "count": 1, "target": "disk-0.vmdk"})
    assert armed["armed"]
    try:
        result = _run(_args(facts, RESET, ovas["vcda_ova"]), "reset")
    finally:
        state = _lab(facts, "/faults/nfc")
        _lab(facts, "/faults/nfc", method="DELETE")
    assert state["fired"] == 1, state
    assert result.get("failed") is not True, result
    assert result["changed"], result
    lease = _leases(facts, RESET)[-1]
    disk = lease["devices"]["disk-0.vmdk"]
    assert lease["state"] == "done" and disk["complete"] and disk["attempts"] == 2 and disk["resets"] == 1, lease
    assert facts["password"] not in json.dumps(result)
    _vm_state(facts, RESET, remove=True)


def test_nfc_503_answers_are_retried_after_retry_after(vcsim, ovas):
    """vCenter's NFC answers 503 (with Retry-After) to the first two disk uploads: each disk is sent again."""
    facts = vcsim["provider"]
    _vm_state(facts, RESET, remove=True)
    _lab(facts, "/faults/nfc", {"seed": 1, "error503Rate": 1.0, "retryAfter": 1, "latencyMs": 20, "limit": 2},
         method="PUT")
    try:
        started = time.monotonic()
        result = _run(_args(facts, RESET, ovas["vcda_ova"]), "nfc503")
        seconds = time.monotonic() - started
    finally:
        state = _lab(facts, "/faults/nfc")
        _lab(facts, "/faults/nfc", method="DELETE")
    assert state["kinds"] == {"nfc503": 2}, state
    assert result.get("failed") is not True, result
    assert result["changed"], result
    lease = _leases(facts, RESET)[-1]
    devices = lease["devices"].values()
    assert lease["state"] == "done" and all(d["complete"] for d in devices), lease
    assert sum(d["refused"] for d in devices) == 2 and sum(d["attempts"] for d in devices) == len(devices) + 2, lease
    assert seconds >= 1.0  # the server's Retry-After was waited
    assert _vm_state(facts, RESET)["marker"] is None
    _vm_state(facts, RESET, remove=True)


def test_nfc_resets_beyond_the_retries_fail_and_clean_up(vcsim, ovas):
    facts = vcsim["provider"]
    _vm_state(facts, RESET, remove=True)
    _lab(facts, "/faults/nfc", {"reset_after_bytes": 1 << 20, "count": 3, "target": "disk-0.vmdk"})
    try:
        result = _run(_args(facts, RESET, ovas["vcda_ova"], upload_retries=1), "reset-fail")
    finally:
        _lab(facts, "/faults/nfc", method="DELETE")
    assert result.get("failed"), result
    assert "after 2 attempts" in result["msg"], result
    assert _vm_state(facts, RESET) is None


DAMAGED = "it-ovf-damaged"


def _damaged_ova(what):
    """A package whose .mf manifest holds a wrong digest of its first disk (or of its descriptor)."""
    out = os.path.join(ROOT, "lab", "build", "ova", "vcda-damaged-%s.ova" % what)
    subprocess.run([sys.executable, "lab/ova/make_ova.py", "--kind", "vcda", "--disks", "16M", "--fill", "random",
                    "--manifest", "both", "--corrupt-manifest", what, "--format", "ova", "--out", out],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return out


def test_a_disk_that_does_not_match_the_manifest_aborts_the_import(vcsim):
    """The disk is checked while it streams: the lease is aborted before the disk is whole, no VM is left."""
    facts = vcsim["provider"]
    _vm_state(facts, DAMAGED, remove=True)
    result = _run(_args(facts, DAMAGED, _damaged_ova("disk")), "damaged-disk")
    assert result.get("failed"), result
    assert "vcda-lab-disk1.vmdk does not match the manifest vcda-lab.mf" in result["msg"], result
    assert "the import was aborted and the partial VM removed" in result["msg"], result
    assert "Traceback" not in json.dumps(result) and "unexpected error" not in result["msg"]
    assert _vm_state(facts, DAMAGED) is None
    lease = _leases(facts, DAMAGED)[-1]
    assert lease["state"] != "done" and not lease["devices"]["disk-0.vmdk"]["complete"], lease


def test_a_descriptor_that_does_not_match_the_manifest_is_refused_before_any_change(vcsim):
    facts = vcsim["provider"]
    _vm_state(facts, DAMAGED, remove=True)
    before = len(_leases(facts, DAMAGED))
    result = _run(_args(facts, DAMAGED, _damaged_ova("descriptor")), "damaged-descriptor")
    assert result.get("failed") and result.get("option") == "source", result
    assert "the descriptor vcda-lab.ovf does not match the manifest vcda-lab.mf" in result["msg"], result
    assert _vm_state(facts, DAMAGED) is None and len(_leases(facts, DAMAGED)) == before
