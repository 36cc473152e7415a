"""vcda_replication killed (SIGKILL of the whole ansible-playbook process tree, as a lost CI runner's is) during
the initial sync and during the cutover: the re-run resumes the same replication - no duplicate, converged to
``migrated`` with the VM recovered once in site1's VDC - and a third run changes nothing.

Where the run is when it is killed is read from the lab engine's truth (``GET /_lab/replications``): the record
exists and is syncing; the migrate task has started (``recovery.state`` IN_PROGRESS, held there by the lab's
``cutoverDelaySeconds``)."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from lab_paths import OUTPUT, ROOT, TARGETS
from lab.proctree import kill_tree

SYNC_VM, CUT_VM = "it-kill-sync-01", "it-kill-cut-01"
DEFAULTS = """
      url: "{{ repl_tenant.url }}"
      thumbprint: "{{ repl_tenant.thumbprint }}"
      auth_type: vcd
      username: admin1@org1
      password: Org1-Admin-1!
      source_site: onprem1
      source_vcenter: "{{ repl_vcenter }}"
      destination_site: site1
      vdc: org1-vdc
      network_mappings: [{source: DC0_DVPG0, destination: company-network}]
      rpo: 15
      wait_timeout: 300
"""


def _env():
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(OUTPUT, "collections"), ANSIBLE_NOCOLOR="1",
                ANSIBLE_ROLES_PATH="%s:%s" % (TARGETS, os.path.join(ROOT, "roles")), ANSIBLE_STDOUT_CALLBACK="default",
                ANSIBLE_PYTHON_INTERPRETER=sys.executable)


def _playbook(name, tasks, setup=False):
    path = os.path.join(OUTPUT, "interrupt-%s.yml" % name)
    roles = "  roles:\n    - role: setup_replication\n      vars:\n        repl_vms: {'on': [%s, %s]}\n" % (SYNC_VM, CUT_VM) \
        if setup else ""
    with open(path, "w") as handle:
        handle.write("- hosts: localhost\n  gather_facts: false\n%s  tasks:\n"
                     "    - {name: Lab facts, ansible.builtin.import_role: {name: setup_vcda}}\n"
                     "    - {name: Facts, ansible.builtin.include_role: {name: setup_replication, tasks_from: facts}}\n%s"
                     % (roles, tasks))
    return path


def _migrate(vm, register="result"):
    module = "cloudmove.vcda.vcda_replication"
    return """
    - name: Migrate %s
      %s: {vms: [%s], state: migrated}
      module_defaults:
        %s:%s
      register: %s
    - {name: Result, ansible.builtin.debug: {msg: "RESULT={{ %s | to_json }}"}}
""" % (vm, module, vm, module, DEFAULTS.replace("\n      ", "\n          "), register, register)


def _result(stdout):
    for line in stdout.splitlines():
        if "RESULT=" in line:
            return json.loads(json.loads('"%s' % line.split('"RESULT=', 1)[1].rsplit('"', 1)[0] + '"'))
    raise AssertionError("no result in:\n" + stdout[-3000:])


def _run(path, lab_vars):
    done = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", path, "-e", "@" + lab_vars],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    return done.stdout


class Site1(object):
    def __init__(self, vcda_lab):
        app = next(a for a in vcda_lab["appliances"] if a["name"] == "site1-cloud")
        self.url, self.token = app["url"], vcda_lab["labToken"]
        vcd = next(a for a in vcda_lab["appliances"] if a["name"] == "site1-vcd")
        self.vcd_url = vcd["url"]
        certs = os.path.join(vcda_lab["stateDir"], "certs")  # the appliances' own (self-signed) certificates
        self.verify = {self.url: os.path.join(certs, "site1-cloud.crt"), self.vcd_url: os.path.join(certs, "site1-vcd.crt")}

    def call(self, method, path, body=None, url=None):
        base = url or self.url
        reply = requests.request(method, base + path, json=body, headers={"X-Lab-Token": self.token},
                                 verify=self.verify[base], timeout=30)
        reply.raise_for_status()
        return reply.json() if reply.content else None

    def records(self, vm):
        items = self.call("GET", "/_lab/replications")["items"]
        return [i["record"] for i in items if (i["record"].get("vm") or {}).get("name") == vm
                or (i["record"].get("source") or {}).get("vmName") == vm]

    def settings(self, **changes):
        return self.call("PUT", "/_lab/replications/settings", changes)

    def vcd_vms(self, name):
        return [v for v in self.call("GET", "/_lab/vapps", url=self.vcd_url)["vms"] if v.get("name") == name]


def _start_and_kill(path, lab_vars, reached, what, timeout=120):
    """Start the run, wait until ``reached()``, then SIGKILL the whole process tree (controller, worker, module)."""
    proc = subprocess.Popen(["ansible-playbook", "-i", "localhost,", "-c", "local", path, "-e", "@" + lab_vars],
                            cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = []
    try:
        deadline = time.monotonic() + timeout
        while not reached():
            assert proc.poll() is None, "the run ended before %s" % what
            assert time.monotonic() < deadline, "the run never reached %s" % what
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            killed = kill_tree(proc.pid)
        proc.wait()
    assert len(killed) >= 3, "controller, worker and module should have been running: %s" % killed
    return proc.returncode


@pytest.fixture(scope="module")
def site1(vcda_lab, lab_vars):
    _run(_playbook("setup", "", setup=True), lab_vars)
    return Site1(vcda_lab)


def test_killed_during_the_sync_the_rerun_resumes_the_same_replication(site1, lab_vars):
    site1.settings(clockRate=1, bandwidthMbps={"onprem1": 0.01})  # the sync outlasts the run
    path = _playbook("sync", _migrate(SYNC_VM))

    def syncing():
        recs = site1.records(SYNC_VM)
        return bool(recs) and recs[0]["recovery"]["state"] == "NOT_STARTED"
    assert _start_and_kill(path, lab_vars, syncing, "the sync") == -signal.SIGKILL
    first = site1.records(SYNC_VM)
    assert len(first) == 1 and first[0]["recovery"]["state"] == "NOT_STARTED"
    site1.settings(clockRate=600, bandwidthMbps={"onprem1": 1000}, cutoverDelaySeconds=0)
    resumed = _result(_run(path, lab_vars))
    assert resumed["changed"] and resumed["state"] == "migrated" and resumed["before"] == "present", resumed
    assert "create" not in resumed["steps"] and resumed["replication"]["id"] == first[0]["id"], resumed
    after = site1.records(SYNC_VM)
    assert [r["id"] for r in after] == [first[0]["id"]] and after[0]["recovery"]["state"] == "COMPLETE"
    assert len(site1.vcd_vms(SYNC_VM)) == 1
    again = _result(_run(path, lab_vars))
    assert not again["changed"] and again["state"] == "migrated"


def test_killed_during_the_cutover_the_rerun_waits_for_it_and_converges(site1, lab_vars):
    site1.settings(clockRate=600, bandwidthMbps={"onprem1": 1000}, cutoverDelaySeconds=8)
    path = _playbook("cutover", _migrate(CUT_VM))

    def cutting_over():
        recs = site1.records(CUT_VM)
        return bool(recs) and recs[0]["recovery"]["state"] == "IN_PROGRESS"
    try:
        assert _start_and_kill(path, lab_vars, cutting_over, "the cutover") == -signal.SIGKILL
        first = site1.records(CUT_VM)
        assert len(first) == 1 and first[0]["recovery"]["state"] in ("IN_PROGRESS", "COMPLETE")
        resumed = _result(_run(path, lab_vars))
    finally:
        site1.settings(cutoverDelaySeconds=0)
    # the migrate task the killed run started is waited for, not started again
    assert resumed["state"] == "migrated" and "create" not in resumed["steps"] and "migrate" not in resumed["steps"], resumed
    assert resumed["replication"]["id"] == first[0]["id"], resumed
    after = site1.records(CUT_VM)
    assert [r["id"] for r in after] == [first[0]["id"]] and after[0]["recovery"]["state"] == "COMPLETE"
    assert len(site1.vcd_vms(CUT_VM)) == 1  # recovered once, not twice
    again = _result(_run(path, lab_vars))
    assert not again["changed"] and again["state"] == "migrated"
