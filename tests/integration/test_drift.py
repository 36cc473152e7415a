"""Drift on a converged site: six things changed behind the collection's back are found and fixed.

playbooks/site.yml (provider sites, tenants, the migration wave, the report) converges the lab, given back first
(lab/reset.py: emulators at first boot, no workload VM an earlier migration left guarded in the tenant vcsim), from
its generated inventory (lab/inventory.py, the shape of playbooks/inventory/example/). Then six changes are made the way an operator would make them by hand -
through the appliances' own state (the lab's /_lab/state control, which is what their UIs change) and
through pyVmomi against the tenant vCenter:

1. a policy field: Gold's minimum RPO on site1;
2. an org assignment: org1 taken off Gold on site2 (back to the default policy);
3. a right: one of org1's legacy organization rights removed in Cloud Director;
4. a peer site disabled: the NSX-V L2 VPN server's peer site onprem1;
5. a port group security flag: forged transmits off on the tenant's L2 VPN trunk port group;
6. a replicator description: site1's replicator registration at the Manager Service.

Check mode then predicts exactly those six tasks as changed, the real run changes exactly those six (and the
lab's state shows each one fixed) while the migrated wave and the report have nothing to do, and the next run is
changed=0. The lab is given back at the end.
"""
import json
import os
import re
import ssl
import subprocess
import sys

import pytest
import requests
import urllib3

from lab_paths import OUTPUT, ROOT, RUN, reset_lab

INVENTORY = os.path.join(OUTPUT, "inventory", "lab")
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
TASK = re.compile(r"^TASK \[(.+?)\] \*+$")
CHANGED = re.compile(r"^changed: \[([^\]]+)\]")

EXPECTED = {
    ("site1", "cloudmove.vcda.replication_policies : Policies and their organizations"),
    ("site2", "cloudmove.vcda.replication_policies : Policies and their organizations"),
    ("site1", "cloudmove.vcda.provider_site : Register the replicator with the Manager Service"),
    ("org1", "cloudmove.vcda.tenant_rights : Legacy organization rights of the organization org1"),
    ("org1", "cloudmove.vcda.l2vpn_server : L2 VPN servers (NSX-V edge) and SERVER tunnels (NSX-T edge)"),
    ("org1", "cloudmove.vcda.l2vpn_client : Trunk port groups for the standalone clients' sink interfaces"),
}
DESCRIPTION = "changed by hand"


PLAYBOOKS = ["playbooks/site.yml"]


def _site(*extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(OUTPUT, "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_ROLES_PATH=os.path.join(ROOT, "roles"))
    result = subprocess.run(["ansible-playbook", "-i", INVENTORY] + PLAYBOOKS + list(extra), cwd=ROOT,
                            env=env, capture_output=True, text=True, check=False)
    recap = dict((m.group(1), [int(x) for x in m.groups()[1:]]) for m in RECAP.finditer(result.stdout))
    return result, recap


def changed_tasks(stdout):
    """``{(host, task name)}`` of every task that reported a change on a host (a loop counts once)."""
    found, task = set(), None
    for line in stdout.splitlines():
        header = TASK.match(line)
        if header:
            task = header.group(1)
            continue
        hit = CHANGED.match(line)
        if hit and task:
            found.add((hit.group(1), task))
    return found


class Lab(object):
    """The lab's appliances by name and their /_lab/ control (their state, as their own UIs change it)."""

    def __init__(self):
        with open(os.path.join(RUN, "emulators.json")) as handle:
            facts = json.load(handle)
        self.apps = dict((a["name"], a) for a in facts["appliances"])
        self.headers = {"X-Lab-Token": facts["labToken"]}

    def state(self, name):
        reply = requests.get(self.apps[name]["url"] + "/_lab/state", headers=self.headers, verify=False, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def patch(self, name, ops):
        reply = requests.patch(self.apps[name]["url"] + "/_lab/state", headers=self.headers, json=ops, verify=False,
                               timeout=30)
        assert reply.status_code in (200, 204), reply.text[:300]

    def org1_id(self):
        return [o for o in self.apps["site1-vcd"]["orgs"] if o["name"] == "org1"][0]["id"]

    def nsxv_edge_id(self):
        edge = [g for g in self.apps["site1-vcd"]["edgeGateways"] if g["name"] == "org1-edge-nsxv"][0]
        return edge["id"].rsplit(":", 1)[-1]


def gold(state):
    """``(JSON pointer of Gold, Gold)`` in a VCDA state (policies by id, or a list)."""
    policies = state.get("policies") or {}
    items = policies.items() if isinstance(policies, dict) else enumerate(policies)
    for key, policy in items:
        if policy.get("displayName") == "Gold":
            return "/policies/%s" % key, policy
    raise AssertionError("no policy Gold: %s" % policies)


def trunk_portgroup(change_forged=None):
    """The tenant vcsim's trunk port group's forged-transmits flag, optionally changed first (pyVmomi)."""
    from pyVim.connect import Disconnect, SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim
    with open(os.path.join(RUN, "vcsim-tenant.json")) as handle:
        vc = json.load(handle)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the lab's self-signed vcsim; only this test's own drift goes there
    si = SmartConnect(host=vc["hostname"], port=int(vc["port"]), user=vc["username"], pwd=vc["password"],
                      sslContext=context)
    try:
        view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [vim.dvs.DistributedVirtualPortgroup],
                                                          True)
        pg = [p for p in view.view if p.name == "l2vpn-trunk"][0]
        view.Destroy()
        if change_forged is not None:
            spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
                configVersion=pg.config.configVersion,
                defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(
                    securityPolicy=vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(
                        forgedTransmits=vim.BoolPolicy(value=change_forged, inherited=False))))
            WaitForTask(pg.ReconfigureDVPortgroup_Task(spec))
        return pg.config.defaultPortConfig.securityPolicy.forgedTransmits.value
    finally:
        Disconnect(si)


def _build_ovas():
    for kind, name, disks in (("vcda", "vcda-lab.ova", ["--disks", "64M"]),
                              ("onprem", "vcda-onprem-lab.ova", ["--disks", "64M"]),
                              ("l2vpn-client", "l2vpn-client-lab.ova", [])):
        command = [sys.executable, "lab/ova/make_ova.py", "--kind", kind] + disks
        command += ["--format", "ova", "--out", os.path.join("lab", "build", "ova", name)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def converged(vcsim, vcda_lab):
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the lab's /_lab/ control only
    _build_ovas()
    reset_lab()
    subprocess.run([sys.executable, "lab/inventory.py", "--out", INVENTORY], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    try:
        first, recap = _site()
        assert first.returncode == 0, first.stdout[-6000:]
        assert sum(v[1] for v in recap.values()) > 0, recap
        # the wave was migrated on this run: its tasks changed
        migrated = [t for h, t in changed_tasks(first.stdout) if h == "org1" and "workload_migration" in t]
        assert any("Cut over" in t for t in migrated), sorted(changed_tasks(first.stdout))
        yield Lab()
    finally:
        reset_lab(check=False)


def test_six_changes_behind_the_collections_back_are_reported_and_fixed(converged):
    lab = converged
    org1 = lab.org1_id()
    edge = lab.nsxv_edge_id()
    # the converged state each drift starts from
    pointer, policy = gold(lab.state("site1-cloud"))
    assert policy["minRpo"] == 15
    assert lab.state("site2-cloud")["policyAssignments"].get("org1") == gold(lab.state("site2-cloud"))[1]["id"]
    rights = lab.state("site1-vcd")["orgs"][org1]["rights"]
    assert rights
    peer = lab.state("site1-vcd")["edges"][edge]["l2vpn"]["peerSites"][0]
    assert peer["enabled"] is True and peer["name"] == "onprem1"
    assert trunk_portgroup() is True
    assert lab.state("site1-manager")["replicators"][0]["description"] == "site1 replicator"

    # ---- six changes behind the collection's back
    lab.patch("site1-cloud", [{"op": "replace", "path": pointer + "/minRpo", "value": 30}])
    lab.patch("site2-cloud", [{"op": "remove", "path": "/policyAssignments/org1"}])
    lab.patch("site1-vcd", [{"op": "remove", "path": "/orgs/%s/rights/0" % org1},
                            {"op": "replace", "path": "/edges/%s/l2vpn/peerSites/0/enabled" % edge, "value": False}])
    assert trunk_portgroup(change_forged=False) is False
    lab.patch("site1-manager", [{"op": "replace", "path": "/replicators/0/description", "value": DESCRIPTION}])

    # ---- check mode predicts exactly those six
    check, recap = _site("--check")
    assert check.returncode == 0, check.stdout[-6000:]
    assert changed_tasks(check.stdout) == EXPECTED, sorted(changed_tasks(check.stdout))
    assert sum(v[1] for v in recap.values()) == 6, recap
    assert gold(lab.state("site1-cloud"))[1]["minRpo"] == 30  # check mode changed nothing

    # ---- the run fixes exactly those six
    fix, recap = _site()
    assert fix.returncode == 0, fix.stdout[-6000:]
    assert changed_tasks(fix.stdout) == EXPECTED, sorted(changed_tasks(fix.stdout))
    assert sum(v[1] for v in recap.values()) == 6, recap
    assert gold(lab.state("site1-cloud"))[1]["minRpo"] == 15
    site2 = lab.state("site2-cloud")
    assert site2["policyAssignments"].get("org1") == gold(site2)[1]["id"]
    assert sorted(lab.state("site1-vcd")["orgs"][org1]["rights"]) == sorted(rights)
    assert lab.state("site1-vcd")["edges"][edge]["l2vpn"]["peerSites"][0]["enabled"] is True
    assert trunk_portgroup() is True
    assert lab.state("site1-manager")["replicators"][0]["description"] == "site1 replicator"

    # ---- and the next run has nothing to do
    again, recap = _site()
    assert again.returncode == 0, again.stdout[-6000:]
    assert recap and all(v[1] == 0 for v in recap.values()), sorted(changed_tasks(again.stdout))
