"""Replications (no network): reading items, the plan of every state transition, the pre-checks (all problems
at once), the request bodies, and whole runs against a small stateful site behind the scripted transport —
including one list request per site per poll for many VMs, resuming after an interrupt without a duplicate,
and cutover batches."""
import json
import re

import pytest
import requests

from fake_http import ScriptedAdapter
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as _vcda
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication as rep
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication_run as run
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError, TaskFailed

TP = "SHA-256:" + ":".join(["AB", "CD", "EF", "01", "23", "45", "67", "89"] * 4)


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeSite(object):
    """A cloud site (site1) with a paired site2 and the on-prem site onprem1: replications, tasks, inventory."""

    def __init__(self, sync_steps=2, policy=None, fail=None):
        self.items = {}
        self.tasks = {}
        self.sync_steps = sync_steps
        self.fail = fail or {}
        self.policy = dict({"id": "gold", "displayName": "Gold", "allowIncomingMigrations": True,
                            "allowIncomingProtections": True, "minRpo": 15, "maxIncoming": -1, "maxInstances": 24},
                           **(policy or {}))
        self.count = 0
        self.extended = set()

    def task(self, resource, action, then=None, error=None):
        self.count += 1
        task_id = "task-%d" % self.count
        self.tasks[task_id] = {"id": task_id, "state": "RUNNING", "progress": 0, "workflowInfo": {
            "type": action, "resourceType": "vmReplication", "resourceId": resource}, "then": then, "error": error}
        return (202, self._public(self.tasks[task_id]), None)

    @staticmethod
    def _public(task):
        return dict((k, v) for k, v in task.items() if k != "then")

    def _finish_tasks(self):
        for task in self.tasks.values():
            if task["state"] == "RUNNING":
                if task.get("error"):
                    task.update(state="FAILED", error={"code": "BadUserInput", "msg": task["error"]})
                else:
                    task["state"] = "SUCCEEDED"
                    if task["then"]:
                        task["then"]()
                    task["result"] = self.items.get(task["workflowInfo"]["resourceId"])

    def _sync(self):
        for item in self.items.values():
            state = item["sourceState"]["progress"]
            if item["dataConnectionState"] == "INITIAL_SYNCING":
                state["progress"] = min(100, state["progress"] + 100 // self.sync_steps)
                if state["progress"] >= 100:
                    item["dataConnectionState"] = "OK"
                    item["destinationState"]["latestInstance"] = {"key": "i-1", "timestamp": 1}
            for sub in item.get("vmReplications") or []:
                sub.update(dataConnectionState=item["dataConnectionState"], sourceState=item["sourceState"],
                           destinationState={"latestInstance": item["destinationState"].get("latestInstance")})

    def __call__(self, method, path, query, body):
        if method == "POST" and path == "/sessions":
            return (200, {"user": "admin1@org1", "roles": ["EVERYONE"],
                          "authenticatedSites": [{"org": "org1", "site": "site1"}]}, {"X-VCAV-Auth": "tok"})
        if method == "DELETE" and path == "/sessions":
            return (204, None, None)
        if path == "/sessions/extend":
            self.extended.add(body["site"])
            return (200, {"authenticatedSites": [{"org": "org1", "site": s} for s in ["site1"] + sorted(self.extended)]},
                    None)
        if path == "/sites":
            return (200, [{"site": "site1", "isLocal": True}, {"site": "site2", "isLocal": False}], None)
        if path == "/inventory/vdcs":
            return (200, {"items": [{"id": "vdc-1", "name": "org1-vdc", "org": "org1"}], "total": 1}, None)
        if path == "/inventory/vdcs/vdc-1/networks":
            return (200, {"items": [{"id": "net-1", "name": "company-network"}], "total": 1}, None)
        if path == "/inventory/vdcs/vdc-1/storage-profiles":
            return (200, {"items": [{"id": "sp-1", "name": "Gold-SP"}], "total": 1}, None)
        if path == "/policies":
            return (200, [self.policy], None)
        if path == "/tasks" and method == "GET":
            self._finish_tasks()
            tasks = [self._public(t) for t in self.tasks.values()]
            return (200, {"items": tasks, "total": len(tasks)}, None)
        match = re.match(r"^/tasks/(.+)$", path)
        if match:
            self._finish_tasks()
            return (200, self._public(self.tasks[match.group(1)]), None)
        if path in ("/vm-replications", "/vapp-replications") and method == "GET":
            self._sync()
            kind = "vapp" if "vapp" in path else "vm"
            items = [i for i in self.items.values() if rep.kind_of(i) == kind]
            return (200, {"items": items, "total": len(items)}, None)
        if path in ("/vm-replications", "/vapp-replications") and method == "POST":
            return self._create(path, body)
        match = re.match(r"^/(vm|vapp)-replications/([^/]+)(/.*)?$", path)
        if match:
            return self._operate(method, match.group(2), match.group(3) or "", body)
        raise AssertionError("unexpected %s %s" % (method, path))

    def _create(self, path, body):
        source = body["source"]
        if self.fail.get("create"):
            return (400, {"code": "BadUserInput", "msg": self.fail["create"]}, None)
        prefix = "C4VAPP-" if "vapp" in path else "C4-"
        rid = "%s%04d" % (prefix, len(self.items) + 1)
        item = {"id": rid, "isMigration": body["isMigration"], "isPaused": False, "isReversed": False,
                "overallHealth": "GREEN", "dataConnectionState": "INITIAL_SYNCING",
                "source": dict(source, org="org1"),
                "destination": {"site": body["destination"]["site"], "org": "org1", "vdcId": "vdc-1",
                                "vdcName": "org1-vdc"},
                "settings": {"rpo": body["rpo"], "description": body["description"], "quiesced": body["quiesced"],
                             "retentionPolicy": body["retentionPolicy"]},
                "sourceState": {"progress": {"progress": 0}},
                "destinationState": {"recoveryInfo": {"recoveryState": "NOT_STARTED"}}, "body": body}
        if source["type"] == "vcVm":
            item["source"]["vmName"] = {"vm-1": "web-01", "vm-2": "web-02", "vm-3": "db-01"}.get(source["vmId"])
        if source["type"] == "vcVapp":
            item["vmReplications"] = [{"id": "C4-%s" % v, "source": {"vmId": v}} for v in source["vmIds"]]
        self.items[rid] = item
        return self.task(rid, "start")

    def _operate(self, method, rid, action, body):
        item = self.items[rid]
        info = item["destinationState"]["recoveryInfo"]
        if method == "GET" and not action:
            return (200, item, None)
        if method == "DELETE" and not action:
            return self.task(rid, "delete", lambda: self.items.pop(rid))
        if method == "DELETE" and action == "/failover-test":
            return self.task(rid, "testCleanup", lambda: info.update(recoveryState="NOT_STARTED"))
        if method == "PATCH":
            return self.task(rid, "update", lambda: item["settings"].update(body))
        if action in ("/migrate", "/failover"):
            if not item["destinationState"].get("latestInstance"):
                return self.task(rid, action[1:], error="no instance to recover yet")
            item["last_recovery_body"] = body
            return self.task(rid, action[1:], lambda: info.update(recoveryState="COMPLETE", vAppId="vapp-9"))
        if action == "/failover-test":
            return self.task(rid, "test", lambda: info.update(recoveryState="TEST"))
        if action == "/reverse":
            def reverse():
                item["isReversed"] = not item["isReversed"]
                info["recoveryState"] = "NOT_STARTED"
                item["source"]["site"], item["destination"]["site"] = item["destination"]["site"], item["source"]["site"]
            return self.task(rid, "reverse", reverse)
        if action in ("/pause", "/resume"):
            return self.task(rid, action[1:], lambda: item.update(isPaused=action == "/pause"))
        raise AssertionError("unexpected operation %s %s" % (method, action))


class RoutedAdapter(ScriptedAdapter):
    """The scripted transport answering from a FakeSite: records (method, path, query, body)."""

    def __init__(self, site):
        super(RoutedAdapter, self).__init__([])
        self.site = site
        adapter = self

        class Script(list):
            def pop(self, index=-1):
                method, path, query, body = adapter.calls[-1]
                return adapter.site(method, path, query, body)
        self.script = Script()

    def record(self, request):
        url = requests.utils.urlparse(request.url)
        body = json.loads(request.body) if request.body else None
        return (request.method, url.path, url.query, body)


def make(site=None):
    site = site or FakeSite()
    clock = Clock()
    client = _vcda.VcdaClient("https://vcda.example:8046", username="admin1@org1", password="Org1-Secret!",
                              auth_type="vcd", thumbprint=TP, api_version="4.7", timeout=60, sleep=clock.sleep,
                              clock=clock)
    adapter = RoutedAdapter(site)
    client.http.session.mount("https://", adapter)
    client.http.sleep = clock.sleep
    lines = []
    service = rep.ReplicationService(client, progress=lines.append, clock=clock, sleep=clock.sleep)
    return service, adapter, site, lines


def source(ref, moref, power="poweredOn", networks=("DC0_DVPG0",)):
    return {"id": moref, "name": ref, "vc_uuid": "vc-uuid-1", "power_state": power, "networks": list(networks)}


SOURCES = {"web-01": source("web-01", "vm-1"), "web-02": source("web-02", "vm-2"),
           "db-01": source("db-01", "vm-3", power="poweredOff")}


def spec(vms=("web-01",), **extra):
    out = {"vms": list(vms), "source_site": "onprem1", "destination_site": "site1", "vdc": "org1-vdc",
           "storage_profile": "Gold-SP", "network_mappings": [{"source": "DC0_DVPG0", "destination": "company-network"}],
           "nics": [], "type": "migration", "migration_mode": "warm", "rpo": 30, "power_on": True,
           "on_premises": True, "vapp_name": None}
    out.update(extra)
    return out


@pytest.fixture(autouse=True)
def fake_vcenter(monkeypatch):
    def lookup(vsphere, refs, datacenter=None):
        return dict((r, SOURCES[r]) for r in refs if r in SOURCES), sorted(SOURCES)
    monkeypatch.setattr(rep, "vcenter_sources", lookup)


def converge(service, specs, state, **kwargs):
    kwargs.setdefault("vsphere", object())
    return run.Run(service, **kwargs).converge(specs, state)


def lists(adapter, since=0):
    return [c for c in adapter.calls[since:] if c[0] == "GET" and c[1] in ("/vm-replications", "/vapp-replications")]


def writes(adapter, since=0):
    return [c for c in adapter.calls[since:] if c[0] in ("POST", "PATCH", "DELETE") and c[1] not in (
        "/sessions", "/sessions/extend")]


# ----- reading items ---------------------------------------------------------------------------
def item(**extra):
    base = {"id": "C4-1", "isMigration": True, "isPaused": False, "isReversed": False,
            "source": {"site": "onprem1", "vmId": "vm-1", "vmName": "web-01"}, "destination": {"site": "site1"},
            "destinationState": {"recoveryInfo": {"recoveryState": "NOT_STARTED"}}}
    base.update(extra)
    return base


@pytest.mark.parametrize("extra,phase,state", [
    ({}, "replicating", "present"),
    ({"isPaused": True}, "paused", "paused"),
    ({"destinationState": {"recoveryInfo": {"recoveryState": "TEST"}}}, "test", "test_failover"),
    ({"destinationState": {"recoveryInfo": {"recoveryState": "COMPLETE"}}}, "recovered", "migrated"),
    ({"isMigration": False, "destinationState": {"recoveryInfo": {"recoveryState": "COMPLETE"}}}, "recovered", "failed_over"),
    ({"isReversed": True}, "reversed", "reversed"),
    ({"isReversed": True, "destinationState": {"recoveryInfo": {"recoveryState": "COMPLETE"}}}, "recovered_back",
     "failed_back"),
])
def test_phase_and_state_of_an_item(extra, phase, state):
    assert rep.phase(item(**extra)) == phase
    assert rep.state_of(item(**extra)) == state
    assert rep.state_of(None) == "absent"


def test_find_by_name_or_moref_in_either_direction_and_refuses_duplicates():
    a = item()
    reversed_ = item(id="C4-2", source={"site": "site1", "vmId": "vm-7", "vmName": "db-01"},
                     destination={"site": "onprem1"}, isReversed=True)
    other_site = item(id="C4-3", destination={"site": "site2"})
    items = [a, reversed_, other_site]
    assert rep.find(items, ["web-01"], "onprem1", "site1") is a
    assert rep.find(items, ["vm-1"], "onprem1", "site1") is a
    assert rep.find(items, ["db-01"], "onprem1", "site1") is reversed_
    assert rep.find(items, ["web-01"], "onprem1", "site2") is other_site
    assert rep.find(items, ["nope"], "onprem1", "site1") is None
    with pytest.raises(InputError, match="several replications.*C4-1, C4-4"):
        rep.find(items + [item(id="C4-4")], ["web-01"], "onprem1", "site1")


def test_vapp_items_name_every_member_and_are_synced_only_when_all_are():
    vapp = {"id": "C4VAPP-1", "source": {"site": "onprem1", "vmIds": ["vm-1", "vm-2"], "vappName": "WebApp"},
            "destination": {"site": "site1"},
            "vmReplications": [
                {"source": {"vmId": "vm-1", "vmName": "web-01"}, "dataConnectionState": "OK",
                 "destinationState": {"latestInstance": {"key": 1}}, "sourceState": {"progress": {"progress": 100}}},
                {"source": {"vmId": "vm-2", "vmName": "web-02"}, "dataConnectionState": "INITIAL_SYNCING",
                 "destinationState": {}, "sourceState": {"progress": {"progress": 40}}}]}
    assert rep.kind_of(vapp) == "vapp"
    assert rep.vm_refs(vapp) == ({"vm-1", "vm-2"}, {"web-01", "web-02"})
    assert not rep.is_synced(vapp)
    assert rep.progress_of(vapp) == 40
    vapp["vmReplications"][1].update(dataConnectionState="OK", destinationState={"latestInstance": {"key": 2}})
    assert rep.is_synced(vapp)
    # a vApp item carries its recovery state per member
    assert rep.state_of(dict(vapp, isMigration=True)) == "present"
    for sub in vapp["vmReplications"]:
        sub["destinationState"]["recoveryInfo"] = {"recoveryState": "COMPLETE"}
    assert rep.state_of(dict(vapp, isMigration=True)) == "migrated"
    vapp["vmReplications"][0]["destinationState"]["recoveryInfo"] = {"recoveryState": "IN_PROGRESS"}
    assert rep.recovery_state(vapp) == "IN_PROGRESS"


# ----- plan ------------------------------------------------------------------------------------
@pytest.mark.parametrize("extra,state,steps", [
    (None, "present", ["create"]),
    (None, "migrated", ["create", "wait_synced", "migrate"]),
    (None, "test_failover", ["create", "wait_synced", "test"]),
    (None, "absent", []),
    ({}, "present", []),
    ({}, "paused", ["pause"]),
    ({}, "migrated", ["wait_synced", "migrate"]),
    ({"isPaused": True}, "migrated", ["resume", "wait_synced", "migrate"]),
    ({"isMigration": False}, "failed_over", ["wait_synced", "failover"]),
    ({"isMigration": False, "destinationState": {"recoveryInfo": {"recoveryState": "TEST"}}}, "present", ["test_cleanup"]),
    ({"destinationState": {"recoveryInfo": {"recoveryState": "TEST"}}}, "absent", ["test_cleanup", "delete"]),
    ({"destinationState": {"recoveryInfo": {"recoveryState": "COMPLETE"}}}, "migrated", []),
    ({"isMigration": False, "destinationState": {"recoveryInfo": {"recoveryState": "COMPLETE"}}}, "reversed", ["reverse"]),
    ({"isMigration": False, "isReversed": True}, "failed_back", ["wait_synced", "failover"]),
    ({"isMigration": False, "isReversed": True, "destinationState": {"recoveryInfo": {"recoveryState": "COMPLETE"}}},
     "present", ["reverse"]),
])
def test_plan(extra, state, steps):
    live = None if extra is None else item(**extra)
    assert rep.plan(live, state) == steps


@pytest.mark.parametrize("extra,state,message", [
    ({"destinationState": {"recoveryInfo": {"recoveryState": "COMPLETE"}}}, "present", "cutover is done"),
    ({"isMigration": False, "destinationState": {"recoveryInfo": {"recoveryState": "COMPLETE"}}}, "present",
     "reverse it"),
    ({"isMigration": False, "isReversed": True}, "present", "fail back first"),
    ({"isMigration": False}, "migrated", "it is a protection"),
    (None, "reversed", "nothing to reverse"),
])
def test_plan_refuses_one_way_transitions_clearly(extra, state, message):
    live = None if extra is None else item(**extra)
    with pytest.raises(InputError, match=message) as error:
        rep.plan(live, state)
    assert error.value.option == "state"


def test_plan_refuses_a_type_change():
    with pytest.raises(InputError, match="cannot change") as error:
        rep.plan(item(), "present", "protection")
    assert error.value.option == "type"


# ----- input and bodies ------------------------------------------------------------------------
def test_validate_reports_every_problem_at_once():
    problems = rep.validate(spec(vms=["a", "b", "a"], rpo=2, vapp_name=None, initial_sync_time="tomorrow",
                                 retention_rules=[{"instances": 0, "distance": 60}],
                                 network_mappings=[{"source": "x"}]))
    options = [p[0] for p in problems]
    assert options == ["rpo", "retention_rules", "vms", "vapp_name", "network_mappings", "initial_sync_time"]
    with pytest.raises(InputError) as error:
        rep.raise_problems(problems)
    assert error.value.option == "rpo" and "initial_sync_time" in str(error.value)


def test_start_time_forms():
    assert rep.parse_start_time("2026-12-02T01:00:00Z") == 1796173200000
    assert rep.parse_start_time("1796173200") == 1796173200000
    assert rep.parse_start_time("now") == 0 and rep.parse_start_time(None) is None


def test_policy_problems_direction_rpo_count_and_instances():
    policy = {"displayName": "Gold", "allowIncomingMigrations": False, "minRpo": 30, "maxIncoming": 3, "maxInstances": 4}
    problems = rep.policy_problems(policy, spec(rpo=15, retention_rules=[{"instances": 5, "distance": 60}]), 2, 2)
    assert [p[0] for p in problems] == ["type", "rpo", "vms", "retention_rules"]
    assert "below the minimum RPO 30" in problems[1][1] and "allows 3 replicated VMs; 2 exist and 2 more" in problems[2][1]
    assert rep.policy_problems(dict(policy, allowIncomingMigrations=True, maxIncoming=-1), spec(rpo=30), 100, 5) == []


def test_warm_needs_a_running_vm_and_cold_a_stopped_one():
    assert rep.source_problems(spec(), [SOURCES["db-01"]])[0][0] == "migration_mode"
    assert rep.source_problems(spec(migration_mode="cold"), [SOURCES["web-01"]])[0][1].startswith(
        "migration_mode: cold migration needs 'web-01' powered off")
    assert rep.source_problems(spec(migration_mode="cold"), [SOURCES["db-01"]]) == []
    assert rep.source_problems(spec(type="protection"), [SOURCES["db-01"]]) == []


def test_create_bodies_vcvm_and_vcvapp():
    kind, body = rep.create_body(spec(disk_type="thick", initial_sync_time="2026-12-02T01:00:00Z", quiesce=True,
                                      description="wave 1"), [SOURCES["web-01"]], {"id": "vdc-1"}, {"id": "sp-1"}, (4, 7))
    assert kind == "vm"
    assert body["source"] == {"type": "vcVm", "site": "onprem1", "vcUuid": "vc-uuid-1", "vmId": "vm-1", "vappName": "web-01"}
    assert body["destination"] == {"type": "vm", "site": "site1", "vdc": "vdc-1", "storageProfile": "sp-1"}
    assert (body["targetDiskType"], body["initialSyncTime"], body["isMigration"], body["quiesced"], body["rpo"]) == (
        "PREALLOCATED", 1796173200000, True, True, 30)
    kind, body = rep.create_body(spec(vms=["web-01", "web-02"], vapp_name="WebApp"),
                                 [SOURCES["web-01"], SOURCES["web-02"]], {"id": "vdc-1"}, None, (4, 7))
    assert kind == "vapp"
    assert body["source"] == {"type": "vcVapp", "site": "onprem1", "vcUuid": "vc-uuid-1", "vappName": "WebApp",
                              "vmIds": ["vm-1", "vm-2"]}
    assert body["destination"]["type"] == "vapp" and body["destination"]["storageProfile"] == "*"
    assert rep.create_body(spec(), [SOURCES["web-01"]], {"id": "v"}, None, (4, 2))[1]["destination"]["type"] == "vcloud"


def test_network_settings_map_source_networks_by_name():
    nets = {"company-network": {"id": "net-1", "name": "company-network"}}
    vm, vapp = rep.network_settings(spec(nics=[{"index": 0, "ip_mode": "pool"}]), [SOURCES["web-01"]], nets)
    assert vapp["networkMappings"] == [{"sourceNetworkName": "DC0_DVPG0",
                                        "destinationOrgVdcNetwork": {"id": "net-1", "name": "company-network"}}]
    assert vm["nics"] == [{"nicIndex": 0, "isConnected": True, "network": "company-network",
                           "ipAddressAllocationMode": "POOL", "ipAddress": None, "resetMacAddress": False}]


# ----- whole runs ------------------------------------------------------------------------------
def test_migration_from_nothing_to_cutover_then_rerun_changes_nothing():
    service, adapter, site, lines = make()
    changed, results = converge(service, [spec()], "migrated")
    assert changed and results[0]["state"] == "migrated" and results[0]["steps"] == ["create", "migrate"]
    (item_,) = site.items.values()
    assert item_["body"]["destination"] == {"type": "vm", "site": "site1", "vdc": "vdc-1", "storageProfile": "sp-1"}
    assert item_["last_recovery_body"]["powerOn"] is True
    assert item_["last_recovery_body"]["vAppNetworkSettings"]["networkMappings"][0]["destinationOrgVdcNetwork"] == {
        "id": "net-1", "name": "company-network"}
    assert any("ready" in line for line in lines)
    since = len(adapter.calls)
    changed, results = converge(service, [spec()], "migrated")
    assert not changed and results[0]["steps"] == [] and results[0]["before"] == "migrated"
    assert writes(adapter, since) == []
    with pytest.raises(InputError, match="cutover is done"):
        converge(service, [spec()], "present")
    assert len(site.items) == 1


def test_check_mode_predicts_and_writes_nothing():
    service, adapter, site, _lines = make()
    changed, results = converge(service, [spec()], "migrated", check_mode=True)
    assert changed and results[0]["state"] == "migrated" and results[0]["steps"] == ["create", "migrate"]
    assert writes(adapter) == [] and site.items == {}


def test_every_problem_is_reported_at_once_and_nothing_is_created():
    site = FakeSite(policy={"minRpo": 60})
    service, adapter, _site, _lines = make(site)
    bad = [spec(vms=["ghost"]),
           spec(vms=["db-01"], vdc="org1-vdc", storage_profile="Silver", rpo=30,
                network_mappings=[{"source": "DC0_DVPG0", "destination": "nowhere"}])]
    with pytest.raises(InputError) as error:
        converge(service, bad, "present")
    text = str(error.value)
    assert "source VM 'ghost' not found in vCenter; these exist: db-01, web-01" in text
    assert "storage profile 'Silver' not found" in text and "these exist: Gold-SP" in text
    assert "org VDC network 'nowhere' not found" in text and "company-network" in text
    assert "warm migration replicates a running VM; 'db-01' is powered off" in text
    assert "30 minutes is below the minimum RPO 60" in text
    assert writes(adapter) == [] and site.items == {}


def test_unknown_vdc_is_named():
    service, adapter, site, _lines = make()
    with pytest.raises(InputError, match="vdc: VDC 'nope' not found; these exist: org1-vdc"):
        converge(service, [spec(vdc="nope")], "present")
    assert writes(adapter) == []


def test_wave_of_many_vms_uses_one_list_per_site_per_poll_and_cuts_over_in_batches():
    site = FakeSite(sync_steps=4)
    names = ["vm%02d" % i for i in range(12)]
    for i, name in enumerate(names):
        SOURCES[name] = source(name, "vm-%d" % (100 + i))
    service, adapter, site, lines = make(site)
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", batch_size=5)
    assert changed and all(r["state"] == "migrated" for r in results)
    task_reads = [c for c in adapter.calls if c[1].startswith("/tasks/")]
    assert task_reads == []  # many tasks are waited for with GET /tasks, never one by one
    # every poll is one vm list for the site, whatever the VM count: 4 sync polls + the reads around the steps
    assert all(c[1] == "/vm-replications" for c in lists(adapter))
    assert len(lists(adapter)) < len(names)
    migrate_batches = [line for line in lines if line.startswith("migrate batch")]
    assert [line.split(":")[0] for line in migrate_batches] == ["migrate batch 1/3", "migrate batch 2/3",
                                                                "migrate batch 3/3"]
    since = len(adapter.calls)
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", batch_size=5)
    assert not changed and writes(adapter, since) == []
    assert len(lists(adapter, since)) == 2  # the first read and the final read


def test_a_run_interrupted_after_create_resumes_without_a_duplicate():
    service, adapter, site, _lines = make()
    changed, results = converge(service, [spec()], "present", wait=False)
    assert changed and len(site.items) == 1
    assert results[0]["state"] == "present"
    changed, results = converge(service, [spec()], "migrated")
    assert changed and results[0]["steps"] == ["migrate"] and len(site.items) == 1


def test_wait_false_leaves_the_cutover_pending():
    service, _adapter, site, _lines = make(FakeSite(sync_steps=50))
    changed, results = converge(service, [spec()], "migrated", wait=False)
    assert changed and results[0]["steps"] == ["create"] and results[0]["pending"] == ["wait_synced", "migrate"]


def test_outside_the_cutover_window_nothing_is_cut_over():
    import datetime
    service, _adapter, site, lines = make()
    changed, results = converge(service, [spec()], "migrated", cutover_window={"start": "22:00", "end": "02:00"},
                                now=datetime.datetime(2026, 12, 1, 12, 0))
    assert results[0]["state"] == "present" and results[0]["pending"] == ["migrate"]
    assert any("outside the cutover window" in line for line in lines)
    assert run.in_window({"start": "22:00", "end": "02:00"}, datetime.datetime(2026, 12, 1, 1, 0))


def test_protection_cycle_test_failover_cleanup_failover_reverse_failback():
    service, adapter, site, _lines = make()
    protect = spec(type="protection", rpo=15)
    states = []
    for state in ("present", "test_failover", "present", "failed_over", "reversed", "failed_back", "present"):
        changed, results = converge(service, [protect], state)
        assert changed, state
        states.append(results[0]["state"])
        changed, results = converge(service, [protect], state)
        assert not changed, state
    assert states == ["present", "test_failover", "present", "failed_over", "reversed", "failed_back", "present"]
    assert len(site.items) == 1
    changed, _results = converge(service, [protect], "absent")
    assert changed and site.items == {}


def test_changed_settings_are_patched():
    service, adapter, site, _lines = make()
    converge(service, [spec(type="protection")], "present")
    changed, results = converge(service, [spec(type="protection", rpo=60, description="new")], "present")
    assert changed and results[0]["steps"] == ["update"]
    (item_,) = site.items.values()
    assert item_["settings"]["rpo"] == 60 and item_["settings"]["description"] == "new"


def test_grouped_vapp_replication():
    service, adapter, site, _lines = make()
    group = spec(vms=["web-01", "web-02"], vapp_name="WebApp")
    changed, results = converge(service, [group], "migrated")
    assert changed and results[0]["replication"]["kind"] == "vapp"
    (item_,) = site.items.values()
    assert item_["id"].startswith("C4VAPP-") and set(item_["last_recovery_body"]["vmNetworkSettings"]) == {"vm-1", "vm-2"}
    changed, _results = converge(service, [group], "migrated")
    assert not changed


def test_a_sync_that_never_finishes_times_out_with_the_last_progress():
    service, adapter, site, _lines = make()
    converge(service, [spec()], "present")
    (item_,) = site.items.values()
    item_["dataConnectionState"] = "INITIAL_SYNCING"
    item_["destinationState"].pop("latestInstance", None)
    item_["sourceState"]["progress"]["progress"] = 0
    site.sync_steps = 10 ** 6  # never finishes
    with pytest.raises(Exception, match=r"timed out after 30s waiting for the initial sync.*0/1 ready"):
        converge(service, [spec()], "migrated", timeout=30)


def test_wait_tasks_lists_every_failure():
    service, adapter, site, _lines = make()
    tasks = [site.task("C4-x", "migrate", error="boom %d" % i)[1] for i in range(3)]
    with pytest.raises(TaskFailed, match="3 of 3 failed.*boom 0.*boom 2"):
        service.wait_tasks(tasks, 30)


def test_extend_session_to_a_paired_site_only_once():
    service, adapter, site, _lines = make()
    assert service.extend(["site1", "site2"], "admin1@org1", "pw") == ["site2"]
    assert service.extend(["site2"], "admin1@org1", "pw") == []
    body = [c for c in adapter.calls if c[1] == "/sessions/extend"][0][3]
    assert body == {"type": "credentials", "site": "site2", "vcdUsername": "admin1@org1", "vcdPassword": "pw"}
    with pytest.raises(InputError) as error:
        make()[0].extend(["site2"])
    assert error.value.option == "remote_username"


def test_query_filters_in_the_service():
    service, adapter, site, _lines = make()
    converge(service, [spec(), spec(vms=["web-02"], type="protection")], "present")
    assert [r["vm_names"] for r in map(rep.summary, service.query(destination_site="site1", type="protection"))] == [
        ["web-02"]]
    assert len(service.query(destination_site="site1", org="ORG1")) == 2
    assert service.query(destination_site="site1", vm="vm-1")[0]["source"]["vmName"] == "web-01"


# ----- what the modules share ------------------------------------------------------------------
def test_unit_spec_takes_wave_defaults_and_entry_overrides():
    params = dict((k, None) for k in run.SPEC_KEYS)
    params.update(source_site="onprem1", destination_site="site1", vdc="org1-vdc", storage_profile="Standard",
                  source_vcenter={"hostname": "vc", "datacenter": "DC0"})
    spec_ = run.unit_spec(params, ["web-01"], label="web-01", overrides={"storage_profile": "Performance", "rpo": None})
    assert (spec_["storage_profile"], spec_["vdc"], spec_["on_premises"], spec_["datacenter"]) == (
        "Performance", "org1-vdc", True, "DC0")
    assert run.unit_spec(dict(params, source_vcenter=None), ["vm-x"])["on_premises"] is False


def test_wave_entries_are_parsed_and_bad_ones_named():
    from ansible_collections.cloudmove.vcda.plugins.modules import vcda_migration_wave as wave
    params = dict((k, None) for k in run.SPEC_KEYS)
    params.update(source_site="onprem1", destination_site="site1", source_vcenter={"hostname": "vc"},
                  vms=["a", {"name": "b", "storage_profile": "Performance"}, {"vms": ["c", "d"], "vapp_name": "CD"}])
    specs = wave.units(params)
    assert [(s["vms"], s["label"], s["storage_profile"]) for s in specs] == [
        (["a"], "a", None), (["b"], "b", "Performance"), (["c", "d"], "CD", None)]
    with pytest.raises(InputError, match=r"vms\[0\]: unknown keys colour"):
        wave.units(dict(params, vms=[{"name": "x", "colour": "red"}]))


def test_progress_lines_are_written_for_the_action_plugin(tmp_path):
    path = str(tmp_path / "progress.json")
    ticks = iter([100.0, 101.0, 104.5])
    progress = run.Progress(path, clock=lambda: next(ticks))
    progress("1/2 ready")
    progress("2/2 ready")
    assert progress.lines == ["[   1s] 1/2 ready", "[   4s] 2/2 ready"]
    with open(path) as handle:
        assert json.load(handle) == {"lines": progress.lines, "count": 2}


def test_cutover_window_times_are_validated():
    with pytest.raises(InputError, match="cutover_window.start: '25:00'"):
        run.in_window({"start": "25:00", "end": "02:00"})
    import datetime
    assert not run.in_window({"start": "01:00", "end": "02:00"}, datetime.datetime(2026, 12, 1, 2, 0))
    assert run.in_window(None)


def test_a_wave_asked_for_present_leaves_migrated_vms_alone():
    service, adapter, site, _lines = make()
    converge(service, [spec()], "migrated")
    since = len(adapter.calls)
    changed, results = converge(service, [spec(), spec(vms=["web-02"])], "present", skip_recovered=True)
    assert changed and results[0]["steps"] == [] and results[0]["state"] == "migrated"
    assert results[1]["steps"] == ["create"]


VCENTER_SOURCES = rep.vcenter_sources  # the real one (the autouse fixture above replaces it in every test)


def test_vcenter_sources_reads_the_vms_once_and_each_network_name_once():
    """One property-collector read for every VM; the port group many VMs share is named with one read, not one per
    VM (a 50-VM wave on one network: 1 read instead of 50)."""
    class Net(object):
        reads = 0

        def __init__(self, moid, name):
            self._moId, self._name = moid, name

        @property
        def name(self):
            Net.reads += 1
            return self._name

    class Obj(object):
        def __init__(self, moid, props):
            self.obj = type("Ref", (), {"_moId": moid})()
            self.propSet = [type("Prop", (), {"name": k, "val": v})() for k, v in props.items()]

    shared, other = Net("dvportgroup-1", "DC0_DVPG0"), Net("network-7", "VM Network")
    objs = [Obj("vm-%d" % i, {"name": "web-%02d" % i, "runtime.powerState": "poweredOn", "config.template": False,
                              "network": [shared] + ([other] if i == 3 else [])}) for i in range(50)]
    objs.append(Obj("vm-99", {"name": "tmpl", "runtime.powerState": "poweredOff", "config.template": True, "network": [shared]}))

    from pyVmomi import vim

    class View(vim.view.ContainerView):
        def Destroy(self):  # noqa: N802 (the vSphere method name)
            pass

    class Content(object):
        rootFolder = object()
        about = type("About", (), {"instanceUuid": "vc-uuid"})()
        viewManager = type("VM", (), {"CreateContainerView": lambda self, *a: View("session[1]view-1")})()
        propertyCollector = type("PC", (), {"calls": 0, "RetrieveContents": lambda self, specs: objs})()

    vsphere = type("Vsphere", (), {"content": Content()})()
    found, names = VCENTER_SOURCES(vsphere, ["web-00", "vm-3", "web-49", "ghost"])
    assert sorted(found) == ["vm-3", "web-00", "web-49"]
    assert found["vm-3"] == {"id": "vm-3", "name": "web-03", "vc_uuid": "vc-uuid", "power_state": "poweredOn",
                             "networks": ["DC0_DVPG0", "VM Network"]}
    assert found["web-49"]["networks"] == ["DC0_DVPG0"]
    assert "tmpl" not in names and len(names) == 50
    assert Net.reads == 2


# ----- concurrency: the requests of a wave from a bounded pool ------------------------------------------------
class ConcurrentAdapter(RoutedAdapter):
    """The FakeSite behind a transport that several threads may use at once: each request is answered from its
    own content (not from the last one recorded); ``slow`` methods take ``delay`` real seconds outside the site's
    lock, and the most requests ever in flight at once are counted. ``lose`` (a count) loses the replies of
    that many creates after the site carried them out; ``refuse`` answers that many creates 503 before;
    ``lose_cutover`` and ``refuse_cutover`` do the same to ``POST .../migrate``."""

    def __init__(self, site, delay=0.05, slow=("POST",)):
        super(ConcurrentAdapter, self).__init__(site)
        import threading
        self.lock = threading.Lock()
        self.delay, self.slow = delay, slow
        self.inflight = self.peak = 0
        self.lose = self.refuse = 0
        self.lose_cutover = self.refuse_cutover = 0
        self.refused = []  # the paths answered 503, in the order they were answered
        self.threads = set()

    def send(self, request, **kwargs):
        import threading
        import time
        call = self.record(request)
        creating = call[0] == "POST" and call[1] in ("/vm-replications", "/vapp-replications")
        cutover = call[0] == "POST" and call[1].endswith("/migrate")
        with self.lock:
            self.calls.append(call)
            self.threads.add(threading.current_thread().name)
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)
        try:
            if call[0] in self.slow:
                time.sleep(self.delay)
            with self.lock:
                if creating and self.refuse:
                    self.refuse -= 1
                    answer = (503, {"code": "ServiceUnavailable", "msg": "busy"}, None)
                elif cutover and self.refuse_cutover:
                    self.refuse_cutover -= 1
                    self.refused.append(call[1])
                    answer = (503, {"code": "ServiceUnavailable", "msg": "busy"}, {"Retry-After": "1"})
                else:
                    answer = self.site(*call)
                    if creating and self.lose:
                        self.lose -= 1
                        answer = requests.exceptions.ConnectionError("Connection reset by peer")
                    elif cutover and self.lose_cutover:
                        self.lose_cutover -= 1
                        answer = requests.exceptions.ConnectionError("Connection reset by peer")
        finally:
            with self.lock:
                self.inflight -= 1
        return self._reply(request, answer)

    def _reply(self, request, answer):
        if isinstance(answer, Exception):
            raise answer
        status, payload, headers = answer
        resp = requests.Response()
        resp.status_code = status
        resp.headers["Content-Type"] = self.json_type
        resp._content = json.dumps(payload).encode() if payload is not None else b""
        resp.headers.update(headers or {})
        resp.url = request.url
        resp.request = request
        return resp


def concurrent_site(names, site=None, **kwargs):
    site = site or FakeSite(sync_steps=1)
    for i, name in enumerate(names):
        SOURCES[name] = source(name, "vm-%d" % (200 + i))
    service, _adapter, site, lines = make(site)
    adapter = ConcurrentAdapter(site, **kwargs)
    service.client.http.session.mount("https://", adapter)
    return service, adapter, site, lines


def test_pool_runs_every_item_with_at_most_limit_in_flight_and_returns_errors_in_order():
    import threading
    import time
    from ansible_collections.cloudmove.vcda.plugins.module_utils._common import pool
    state = {"now": 0, "peak": 0}
    lock = threading.Lock()

    def work(item):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        if item % 5 == 0:
            raise ValueError("item %d refused" % item)
        return item * 10

    out = pool.each(work, range(20), 4)
    assert state["peak"] == 4  # bounded, and really concurrent
    assert [r for r, _e in out] == [None if i % 5 == 0 else i * 10 for i in range(20)]
    assert [str(e) for _r, e in out if e is not None] == ["item %d refused" % i for i in (0, 5, 10, 15)]
    seen = []
    pool.each(lambda item: seen.append(threading.current_thread().name), range(3), 1)
    assert seen == [threading.current_thread().name] * 3  # limit 1: in the calling thread, one after the other


def test_a_wave_sends_its_creates_and_cutovers_with_at_most_concurrency_in_flight():
    names = ["cc%02d" % i for i in range(12)]
    service, adapter, site, lines = concurrent_site(names)
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=4,
                                keep_going=True)
    assert changed and [r["state"] for r in results] == ["migrated"] * 12 and all(r["error"] is None for r in results)
    assert adapter.peak == 4 and len(adapter.threads) >= 4
    creates = [c for c in adapter.calls if c[0] == "POST" and c[1] == "/vm-replications"]
    migrates = [c for c in adapter.calls if c[0] == "POST" and c[1].endswith("/migrate")]
    assert len(creates) == 12 and len(migrates) == 12 and len(site.items) == 12
    assert sorted(c[3]["source"]["vmId"] for c in creates) == sorted("vm-%d" % (200 + i) for i in range(12))
    # the waits stay in one thread: the tasks of all 12 with GET /tasks, the syncs with one list per poll
    assert [c for c in adapter.calls if c[1].startswith("/tasks/")] == []
    assert len(lists(adapter)) < 12
    assert len([line for line in lines if line.endswith(": creating the replication")]) == 12


def test_batches_bound_the_cutovers_even_with_more_threads():
    names = ["cb%02d" % i for i in range(6)]
    service, adapter, site, lines = concurrent_site(names, slow=())
    converge(service, [spec(vms=[n], label=n) for n in names], "present", concurrency=8, keep_going=True)
    adapter.slow, adapter.peak = ("POST",), 0
    since = len(adapter.calls)
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=8,
                                keep_going=True, batch_size=2)
    assert changed and all(r["state"] == "migrated" for r in results)
    assert adapter.peak == 2  # a batch of 2 is sent with 2 in flight, the next batch after it ended
    order = [c[1] for c in adapter.calls[since:] if c[1].endswith("/migrate") or c[1] == "/tasks"]
    assert order.count("/tasks") >= 3 and order.index("/tasks") == 2  # batch 1's two requests, then its wait


def test_one_failed_create_does_not_stop_the_others_and_a_rerun_resumes_it():
    names = ["cf%02d" % i for i in range(6)]
    site = FakeSite(sync_steps=1)
    real_create = site._create

    def create(path, body):
        if body["source"]["vmId"] == "vm-202":
            return (400, {"code": "BadUserInput", "msg": "datastore of cf02 is full"}, None)
        return real_create(path, body)
    site._create = create
    service, adapter, site, lines = concurrent_site(names, site=site)
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=3,
                                keep_going=True)
    by_name = dict((r["name"], r) for r in results)
    assert changed and by_name["cf02"]["state"] == "absent" and "datastore of cf02 is full" in by_name["cf02"]["error"]
    assert by_name["cf02"]["error"].startswith("create: ")
    assert by_name["cf02"]["pending"] == ["create", "wait_synced", "migrate"]
    assert [n for n in names if by_name[n]["state"] == "migrated"] == [n for n in names if n != "cf02"]
    assert any(line == "cf02: create failed: " + by_name["cf02"]["error"][len("create: "):] for line in lines)
    site._create = real_create
    since = len(adapter.calls)
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=3,
                                keep_going=True)
    assert changed and all(r["state"] == "migrated" and r["error"] is None for r in results)
    assert [(c[0], c[3]["source"]["vmId"]) for c in writes(adapter, since) if c[1] == "/vm-replications"] == [
        ("POST", "vm-202")]
    assert len(site.items) == 6


def test_one_failed_cutover_task_is_reported_and_the_others_are_cut_over():
    names = ["ct%02d" % i for i in range(4)]
    site = FakeSite(sync_steps=1)
    real_operate = site._operate

    def operate(method, rid, action, body):
        if action == "/migrate" and site.items[rid]["source"]["vmId"] == "vm-201":
            return site.task(rid, "migrate", error="the source VM ct01 did not shut down")
        return real_operate(method, rid, action, body)
    site._operate = operate
    service, adapter, site, lines = concurrent_site(names, site=site)
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=4,
                                keep_going=True)
    by_name = dict((r["name"], r) for r in results)
    assert "did not shut down" in by_name["ct01"]["error"] and by_name["ct01"]["error"].startswith("migrate: task ")
    assert by_name["ct01"]["state"] == "present" and by_name["ct01"]["pending"] == ["migrate"]
    assert sorted(n for n, r in by_name.items() if r["state"] == "migrated") == ["ct00", "ct02", "ct03"]
    # without keep_going (vcda_replication: one unit) the failure is raised as before
    site._operate = operate
    with pytest.raises(TaskFailed, match="did not shut down"):
        converge(service, [spec(vms=["ct01"], label="ct01")], "migrated")


def test_a_lost_create_reply_is_found_by_a_re_read_and_never_sent_twice():
    names = ["cl%02d" % i for i in range(5)]
    service, adapter, site, lines = concurrent_site(names)
    adapter.lose = 2  # two creates carried out, their replies lost
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=5,
                                keep_going=True)
    assert changed and all(r["state"] == "migrated" and r["error"] is None for r in results)
    creates = [c for c in adapter.calls if c[0] == "POST" and c[1] == "/vm-replications"]
    assert len(creates) == 5 and len(site.items) == 5  # re-read instead of a second POST
    assert sorted(c[3]["source"]["vmId"] for c in creates) == sorted("vm-%d" % (200 + i) for i in range(5))


def test_a_create_refused_before_it_was_carried_out_is_sent_again_after_a_re_read():
    names = ["cr%02d" % i for i in range(3)]
    service, adapter, site, lines = concurrent_site(names)
    adapter.refuse = 1
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=3,
                                keep_going=True)
    assert all(r["state"] == "migrated" for r in results) and len(site.items) == 3
    assert len([c for c in adapter.calls if c[0] == "POST" and c[1] == "/vm-replications"]) == 4


def test_a_lost_cutover_reply_is_found_by_its_task_and_never_sent_twice():
    names = ["lc%02d" % i for i in range(4)]
    service, adapter, site, lines = concurrent_site(names)
    adapter.lose_cutover = 2  # two cutovers carried out, their replies lost
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=4,
                                keep_going=True)
    assert changed and all(r["state"] == "migrated" and r["error"] is None for r in results), results
    cutovers = [c for c in adapter.calls if c[0] == "POST" and c[1].endswith("/migrate")]
    assert len(cutovers) == 4 and len(set(c[1] for c in cutovers)) == 4  # the re-read found them: no second POST
    assert len([t for t in site.tasks.values() if t["workflowInfo"]["type"] == "migrate"]) == 4


def test_a_cutover_answered_503_is_sent_again_after_a_re_read():
    names = ["rc%02d" % i for i in range(3)]
    service, adapter, site, lines = concurrent_site(names)
    adapter.refuse_cutover = 1
    changed, results = converge(service, [spec(vms=[n], label=n) for n in names], "migrated", concurrency=3,
                                keep_going=True)
    assert all(r["state"] == "migrated" and r["error"] is None for r in results), results
    cutovers = [c for c in adapter.calls if c[0] == "POST" and c[1].endswith("/migrate")]
    assert len(cutovers) == 4 and len(set(c[1] for c in cutovers)) == 3
    # the one refused (not necessarily the first recorded: the threads are answered in any order)
    refused = adapter.refused[0].rsplit("/", 1)[0]
    assert [c for c in adapter.calls if c[0] == "GET" and c[1] == refused]  # re-read: had it started?


def test_a_vm_in_two_entries_of_a_wave_is_refused_before_anything_is_written():
    service, adapter, site, _lines = make()
    with pytest.raises(InputError, match=r"vms: vm-1 is in more than one entry \(web-01, first\)"):
        converge(service, [spec(vms=["web-01"], label="web-01"), spec(vms=["web-01"], label="first")], "present",
                 keep_going=True)
    assert writes(adapter) == [] and site.items == {}


def test_threads_refused_with_the_same_expired_token_log_in_once():
    """Six threads sent with a token the site dropped are all refused (401): one of them logs in, the others
    resend with the new token instead of opening sessions of their own."""
    import threading
    service, adapter, site, _lines = concurrent_site([], slow=())
    client = service.client
    client.login()
    logins = len([c for c in adapter.calls if c[1] == "/sessions"])
    client.token = "expired"
    barrier = threading.Barrier(6)
    real_send = adapter.send

    def send(request, **kwargs):
        if request.headers.get("X-VCAV-Auth") == "expired":
            barrier.wait(5)  # every thread is refused with the same token
            return adapter._reply(request, (401, {"code": "Unauthorized", "msg": "expired"}, None))
        return real_send(request, **kwargs)
    adapter.send = send
    from ansible_collections.cloudmove.vcda.plugins.module_utils._common import pool
    out = pool.each(lambda _n: client.call("GET", "/sites"), range(6), 6)
    assert [e for _r, e in out] == [None] * 6 and all(r[0]["site"] == "site1" for r, _e in out)
    assert len([c for c in adapter.calls if c[1] == "/sessions"]) == logins + 1


# ----- the module: concurrency option, every failed VM named --------------------------------------------------
def wave_module(monkeypatch, site, names, **args):
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "modules"))
    from fake_module import run_module
    from ansible_collections.cloudmove.vcda.plugins.modules import vcda_migration_wave

    class Vcenter(object):
        def close(self):
            pass
    monkeypatch.setattr(run, "open_vcenter", lambda params: Vcenter())
    for i, name in enumerate(names):
        SOURCES[name] = source(name, "vm-%d" % (300 + i))
    adapter = ConcurrentAdapter(site, delay=0.02)
    params = dict(url="https://vcda.example:8046", thumbprint=TP, auth_type="vcd", username="admin1@org1",
                  password="Org1-Secret!", api_version="4.7", source_site="onprem1", destination_site="site1",
                  source_vcenter={"hostname": "vc.example", "username": "u", "password": "p"}, vdc="org1-vdc",
                  network_mappings=[{"source": "DC0_DVPG0", "destination": "company-network"}], rpo=30, vms=names)
    params.update(args)
    return run_module(vcda_migration_wave, params, adapter, monkeypatch=monkeypatch), adapter


@pytest.mark.parametrize("value", [0, 33])
def test_the_wave_module_refuses_a_concurrency_out_of_range_before_any_call(monkeypatch, value):
    result, adapter = wave_module(monkeypatch, FakeSite(), ["mw01"], concurrency=value)
    assert result["failed"] and result["option"] == "concurrency" and "between 1 and 32" in result["msg"]
    assert adapter.calls == []


def test_the_wave_module_fails_naming_each_failed_vm_and_returns_every_vm(monkeypatch):
    site = FakeSite(sync_steps=1)
    real_create = site._create

    def create(path, body):
        if body["source"]["vmId"] in ("vm-301", "vm-303"):
            return (400, {"code": "BadUserInput", "msg": "no room for %s" % body["source"]["vmId"]}, None)
        return real_create(path, body)
    site._create = create
    names = ["mw%02d" % i for i in range(5)]
    result, adapter = wave_module(monkeypatch, site, names, concurrency=5)
    assert result["failed"] and result["changed"]
    assert result["msg"].startswith("2 of 5 entries failed") and "mw01: create: " in result["msg"] and \
        "no room for vm-303" in result["msg"]
    assert sorted(result["migrated"]) == ["mw00", "mw02", "mw04"]
    assert [v["error"] is None for v in result["vms"]] == [True, False, True, False, True]
    assert adapter.peak > 1 and len(site.items) == 3
