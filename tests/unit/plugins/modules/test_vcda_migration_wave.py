"""vcda_migration_wave through its real main(), against the cloud site of the replication tests and the fake tenant
vCenter. Asserted on what is sent and what comes back, not on how the module schedules it: one create and one
cutover per VM, the list requests independent of the number of VMs, per-VM results, a re-run that skips what is
migrated, the cutover window, check mode, and every problem of every VM reported before any write."""
import datetime

import pytest

from fake_module import run_module, text
from fake_vcda import virtual_time
from fake_vsphere import FakeVcenter
from test_vcda_replication import Clock, ConcurrentAdapter, FakeSite  # the stateful cloud site those tests use
from test_vcda_replication_module import BASE, ORG_PASSWORD, VC_PASSWORD

from ansible_collections.cloudmove.vcda.plugins.modules import vcda_migration_wave as module

WAVE = dict(BASE, vms=["web-01", "web-02"])
del WAVE["vms"]


def make(monkeypatch, count=3, sync_steps=2, off=()):
    """A site and a tenant vCenter with ``count`` running VMs app-00.. (the ones in ``off`` powered off)."""
    site = FakeSite(sync_steps=sync_steps)
    site.adapter = ConcurrentAdapter(site, delay=0, slow=())  # the wave sends from several threads
    vc = FakeVcenter(password=VC_PASSWORD).install(monkeypatch)
    dc = vc.datacenter()
    net = vc.network(dc, "DC0_DVPG0")
    names = ["app-%02d" % i for i in range(count)]
    site.names, site.moids = names, {}
    for name in names:
        vm = vc.vm(dc.vmFolder, name, power="poweredOff" if name in off else "poweredOn", networks=[net])
        site.moids[vm._moId] = name
    site.clock = virtual_time(monkeypatch, Clock())
    return site


def run(site, monkeypatch, check_mode=False, diff=False, **args):
    args = dict(WAVE, **args)
    args.setdefault("vms", list(site.names))
    return run_module(module, args, site.adapter, check_mode=check_mode, diff=diff, monkeypatch=monkeypatch)


def sent(site, since=0):
    """The writes as (method, path) - creates, cutovers - in any order."""
    return sorted((m, p) for m, p, _q, _b in site.adapter.calls[since:]
                  if m in ("POST", "PATCH", "DELETE") and p not in ("/sessions", "/sessions/extend"))


def lists(site, since=0):
    return [p for m, p, _q, _b in site.adapter.calls[since:]
            if m == "GET" and p in ("/vm-replications", "/vapp-replications")]


def ids(site):
    """VM name to the id of its replication."""
    return dict((site.moids[i["source"]["vmId"]], i["id"]) for i in site.items.values())


def test_a_wave_creates_and_cuts_over_each_vm_once_with_per_vm_results(monkeypatch):
    site = make(monkeypatch)
    result = run(site, monkeypatch, diff=True)
    assert not result.get("failed"), result
    assert result["changed"] and result["migrated"] == site.names
    assert [(r["name"], r["before"], r["state"], r["changed"], r["steps"]) for r in result["vms"]] == [
        (n, "absent", "migrated", True, ["create", "migrate"]) for n in site.names]
    creates = [b["source"]["vmId"] for m, p, _q, b in site.adapter.calls if (m, p) == ("POST", "/vm-replications")]
    assert sorted(creates) == sorted(v["body"]["source"]["vmId"] for v in site.items.values()) and len(creates) == 3
    assert sent(site) == sorted([("POST", "/vm-replications")] * 3 +
                                [("POST", "/vm-replications/%s/migrate" % i) for i in site.items])
    assert all(r["replication"]["id"] in site.items for r in result["vms"])
    assert result["diff"]["before"] == dict((n, "absent") for n in site.names)
    assert result["diff"]["after"] == dict((n, "migrated") for n in site.names)
    assert ORG_PASSWORD not in text(result) and VC_PASSWORD not in text(result)

    since = len(site.adapter.calls)
    again = run(site, monkeypatch)
    assert not again["changed"] and sent(site, since) == [] and again["migrated"] == site.names
    assert all(r["steps"] == [] and r["before"] == "migrated" for r in again["vms"])


def test_the_same_requests_and_results_one_at_a_time_or_concurrently(monkeypatch):
    outcomes = []
    for concurrency in (1, 8):
        site = make(monkeypatch, count=4)
        result = run(site, monkeypatch, concurrency=concurrency)
        assert not result.get("failed"), result
        outcomes.append(([(r["name"], r["state"], r["steps"]) for r in result["vms"]],
                         [(m, p.split("/")[-1] if p.endswith("/migrate") else p) for m, p in sent(site)]))
    assert outcomes[0] == outcomes[1]


def test_list_requests_do_not_grow_with_the_number_of_vms(monkeypatch):
    counts = {}
    for count in (2, 8):
        site = make(monkeypatch, count=count, sync_steps=3)
        result = run(site, monkeypatch)
        assert result["migrated"] == site.names
        assert set(lists(site)) == {"/vm-replications"}  # no vApp list: no entry groups VMs
        assert not [p for m, p, _q, _b in site.adapter.calls if m == "GET" and p.startswith("/tasks/")] or count == 1
        counts[count] = (len(lists(site)), result["polls"])
        tasks = [p for m, p, _q, _b in site.adapter.calls if (m, p) == ("GET", "/tasks")]
        assert result["requests"] == len(lists(site)) + len(tasks)
    assert counts[2] == counts[8], counts  # one list per site per poll, whatever the wave's size


def test_a_rerun_after_an_interrupt_skips_migrated_vms_and_finishes_the_others(monkeypatch):
    site = make(monkeypatch)
    run(site, monkeypatch, vms=site.names[:1])  # app-00 migrated
    run(site, monkeypatch, vms=site.names[1:2], wait=False)  # app-01 created, its cutover never sent
    migrated, created = ids(site)["app-00"], ids(site)["app-01"]
    since = len(site.adapter.calls)
    result = run(site, monkeypatch)
    assert result["changed"] and result["migrated"] == site.names
    steps = dict((r["name"], (r["before"], r["steps"], r["changed"])) for r in result["vms"])
    assert steps == {"app-00": ("migrated", [], False), "app-01": ("present", ["migrate"], True),
                     "app-02": ("absent", ["create", "migrate"], True)}
    new = ids(site)["app-02"]
    assert sent(site, since) == sorted([("POST", "/vm-replications"), ("POST", "/vm-replications/%s/migrate" % created),
                                        ("POST", "/vm-replications/%s/migrate" % new)])
    assert migrated not in "".join(p for _m, p in sent(site, since))


def test_present_replicates_and_leaves_migrated_vms_alone(monkeypatch):
    site = make(monkeypatch)
    run(site, monkeypatch, vms=site.names[:1])
    since = len(site.adapter.calls)
    result = run(site, monkeypatch, state="present")
    assert result["changed"] and result["migrated"] == ["app-00"]
    assert [(r["name"], r["state"], r["steps"]) for r in result["vms"]] == [
        ("app-00", "migrated", []), ("app-01", "present", ["create"]), ("app-02", "present", ["create"])]
    assert sent(site, since) == [("POST", "/vm-replications")] * 2
    assert not run(site, monkeypatch, state="present")["changed"]


def test_batches_cut_over_every_vm_once(monkeypatch):
    site = make(monkeypatch, count=5)
    result = run(site, monkeypatch, batch_size=2)
    assert result["migrated"] == site.names
    migrates = [p for m, p in sent(site) if p.endswith("/migrate")]
    assert sorted(migrates) == sorted("/vm-replications/%s/migrate" % i for i in site.items)
    assert len([line for line in result["progress"] if "migrate batch" in line]) == 3


def test_outside_the_cutover_window_the_vms_are_replicated_and_the_cutovers_left_pending(monkeypatch):
    site = make(monkeypatch, count=2)
    now = datetime.datetime.utcnow()
    window = {"start": (now + datetime.timedelta(hours=2)).strftime("%H:%M"),
              "end": (now + datetime.timedelta(hours=3)).strftime("%H:%M")}
    result = run(site, monkeypatch, cutover_window=window)
    assert result["changed"] and result["migrated"] == []
    assert [(r["state"], r["steps"], r["pending"]) for r in result["vms"]] == [("present", ["create"], ["migrate"])] * 2
    assert [p for _m, p in sent(site)] == ["/vm-replications"] * 2
    assert any("outside the cutover window" in line for line in result["progress"])


def test_check_mode_predicts_each_vm_and_writes_nothing(monkeypatch):
    site = make(monkeypatch)
    run(site, monkeypatch, vms=site.names[:1])
    since = len(site.adapter.calls)
    predicted = run(site, monkeypatch, check_mode=True)
    assert predicted["changed"] and sent(site, since) == [] and len(site.items) == 1
    assert [(r["name"], r["changed"], r["steps"], r["state"]) for r in predicted["vms"]] == [
        ("app-00", False, [], "migrated"), ("app-01", True, ["create", "migrate"], "migrated"),
        ("app-02", True, ["create", "migrate"], "migrated")]
    real = run(site, monkeypatch)
    assert [(r["name"], r["changed"], r["steps"], r["state"]) for r in real["vms"]] == [
        (r["name"], r["changed"], r["steps"], r["state"]) for r in predicted["vms"]]


def test_a_grouped_entry_and_per_entry_overrides(monkeypatch):
    site = make(monkeypatch, count=3, off=("app-02",))
    result = run(site, monkeypatch, vms=[{"vms": ["app-00", "app-01"], "vapp_name": "WebApp"},
                                         {"name": "app-02", "migration_mode": "cold"}])
    assert not result.get("failed"), result
    assert [(r["name"], r["vms"], r["state"]) for r in result["vms"]] == [
        ("WebApp", ["app-00", "app-01"], "migrated"), ("app-02", ["app-02"], "migrated")]
    assert sorted(p for m, p in sent(site) if not p.endswith("/migrate")) == ["/vapp-replications", "/vm-replications"]


def test_every_problem_of_every_vm_is_reported_before_any_write(monkeypatch):
    site = make(monkeypatch, off=("app-02",))
    result = run(site, monkeypatch, vms=["app-00", "ghost", {"name": "app-01", "storage_profile": "Silver"}, "app-02"])
    assert result["failed"] and sent(site) == [] and site.items == {}
    for words in ("source VM 'ghost' not found in vCenter", "storage profile 'Silver' not found",
                  "'app-02' is powered off"):
        assert words in result["msg"], result["msg"]
    assert "Traceback" not in text(result)


@pytest.mark.parametrize("args,option,words", [
    (dict(vms=["app-00", {"name": "app-01", "colour": "red"}]), "vms", "vms[1]: unknown keys colour"),
    (dict(vms=["app-00", {"storage_profile": "Gold-SP"}]), "vms", "vms[1]: give a VM name"),
    (dict(batch_size=0), "batch_size", "1 or more"),
    (dict(cutover_window={"start": "25:00", "end": "02:00"}), "cutover_window", "'25:00' is not a time"),
    (dict(state="failed_over"), "state", "failed_over"),
])
def test_bad_input_names_the_option_before_any_write(monkeypatch, args, option, words):
    site = make(monkeypatch)
    result = run(site, monkeypatch, **args)
    assert result["failed"] and words in result["msg"], result
    assert result.get("option") == option or option in result["msg"], result
    assert sent(site) == [] and site.items == {}
