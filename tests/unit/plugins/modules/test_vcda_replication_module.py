"""vcda_replication through its real main(): the cloud site of the replication tests (scripted transport) and the
on-premises vCenter of the module tests (the source VMs read with one property-collector call). A migration
converges once and then changes nothing, check mode predicts and writes nothing, one-way states are refused
clearly, every pre-check fails before a write naming the option, and no password shows."""
import pytest

from fake_module import run_module, text
from fake_vcda import virtual_time
from fake_vsphere import FakeVcenter
from test_vcda_replication import TP, Clock, FakeSite, RoutedAdapter  # the stateful cloud site those tests use

from ansible_collections.cloudmove.vcda.plugins.modules import vcda_replication as module

ORG_PASSWORD = "Org1-Secret!"
VC_PASSWORD = "Vc-Tenant-Secret-2"
BASE = dict(url="https://vcda.example:8046", thumbprint=TP, auth_type="vcd", username="admin1@org1",
            password=ORG_PASSWORD, api_version="4.7", source_site="onprem1", destination_site="site1",
            source_vcenter={"hostname": "vc.tenant.example", "username": "administrator@vsphere.local",
                            "password": VC_PASSWORD},
            vdc="org1-vdc", storage_profile="Gold-SP", rpo=30,
            network_mappings=[{"source": "DC0_DVPG0", "destination": "company-network"}], vms=["web-01"])


def tenant_vcenter(monkeypatch):
    """The on-premises vCenter: web-01 and web-02 running, db-01 off (the moids the cloud site knows)."""
    vc = FakeVcenter(password=VC_PASSWORD).install(monkeypatch)
    dc = vc.datacenter()
    net = vc.network(dc, "DC0_DVPG0")
    for moid, name, power in (("vm-1", "web-01", "poweredOn"), ("vm-2", "web-02", "poweredOn"),
                              ("vm-3", "db-01", "poweredOff")):
        vc.vm(dc.vmFolder, name, power=power, networks=[net], moid=moid)
    return vc


@pytest.fixture
def site(monkeypatch):
    site = FakeSite(sync_steps=1)
    site.adapter = RoutedAdapter(site)
    site.vcenter = tenant_vcenter(monkeypatch)
    site.clock = virtual_time(monkeypatch, Clock())
    return site


def run(site, monkeypatch, check_mode=False, diff=False, **args):
    return run_module(module, dict(BASE, **args), site.adapter, check_mode=check_mode, diff=diff,
                      monkeypatch=monkeypatch)


def writes(site):
    return [(m, p) for m, p, _q, _b in site.adapter.calls
            if m in ("POST", "PATCH", "DELETE") and p not in ("/sessions", "/sessions/extend")]


def test_migrated_from_nothing_then_a_second_run_changes_nothing(site, monkeypatch):
    result = run(site, monkeypatch, state="migrated", diff=True)
    assert not result.get("failed"), result
    assert result["changed"] and result["steps"] == ["create", "migrate"] and result["state"] == "migrated"
    assert result["diff"] == {"before": {"state": "absent"}, "after": {"state": "migrated"}}
    (item,) = site.items.values()
    assert writes(site) == [("POST", "/vm-replications"), ("POST", "/vm-replications/%s/migrate" % item["id"])]
    source = item["body"]["source"]  # the moid and vCenter instance read from the source vCenter
    assert (source["type"], source["site"], source["vcUuid"], source["vmId"]) == ("vcVm", "onprem1", "vc-uuid-1", "vm-1")
    assert result["replication"]["id"] == item["id"] and result["replication"]["vm_names"] == ["web-01"]
    assert site.vcenter.logins == 1 and site.vcenter.writes == []  # the source vCenter is only read
    since = len(writes(site))
    again = run(site, monkeypatch, state="migrated")
    assert not again["changed"] and again["steps"] == [] and again["before"] == "migrated"
    assert writes(site)[since:] == []


def test_present_asked_of_a_migrated_replication_fails_clearly(site, monkeypatch):
    run(site, monkeypatch, state="migrated")
    since = len(writes(site))
    for state in ("present", "paused", "test_failover"):
        result = run(site, monkeypatch, state=state)
        assert result["failed"] and result["option"] == "state" and "cutover is done" in result["msg"], result
        assert "Traceback" not in text(result)
    assert writes(site)[since:] == [] and len(site.items) == 1


def test_check_mode_predicts_the_steps_and_writes_nothing(site, monkeypatch):
    predicted = run(site, monkeypatch, state="migrated", check_mode=True, diff=True)
    assert predicted["changed"] and predicted["steps"] == ["create", "migrate"] and predicted["state"] == "migrated"
    assert writes(site) == [] and site.items == {}
    real = run(site, monkeypatch, state="migrated", diff=True)
    assert (real["steps"], real["state"], real["diff"]) == (predicted["steps"], predicted["state"], predicted["diff"])


def test_an_interrupted_run_resumes_without_a_duplicate(site, monkeypatch):
    first = run(site, monkeypatch, state="migrated", wait=False)
    assert first["changed"] and first["pending"] == ["wait_synced", "migrate"] and len(site.items) == 1
    resumed = run(site, monkeypatch, state="migrated")
    assert resumed["changed"] and resumed["steps"] == ["migrate"] and len(site.items) == 1
    assert [p for m, p in writes(site)].count("/vm-replications") == 1


def test_a_protection_through_test_failover_and_back(site, monkeypatch):
    states = []
    for state in ("present", "test_failover", "present", "absent"):
        result = run(site, monkeypatch, type="protection", rpo=15, state=state)
        assert result["changed"], (state, result)
        states.append(result["state"])
        assert not run(site, monkeypatch, type="protection", rpo=15, state=state)["changed"], state
    assert states == ["present", "test_failover", "present", "absent"] and site.items == {}


@pytest.mark.parametrize("args,option,words", [
    (dict(vms=["ghost"]), "vms", "source VM 'ghost' not found in vCenter; these exist: db-01, web-01, web-02"),
    (dict(vms=["db-01"]), "migration_mode", "'db-01' is powered off"),
    (dict(vdc="nope"), "vdc", "VDC 'nope' not found; these exist: org1-vdc"),
    (dict(storage_profile="Silver"), "storage_profile", "these exist: Gold-SP"),
    (dict(rpo=2), "rpo", "rpo"),
])
def test_bad_input_fails_before_any_write_naming_the_option(site, monkeypatch, args, option, words):
    result = run(site, monkeypatch, state="migrated", **args)
    assert result["failed"] and words in result["msg"], result
    assert result.get("option") == option or result["msg"].startswith(option + ":") or \
        ("%s:" % option) in result["msg"], result
    assert writes(site) == [] and site.items == {} and "Traceback" not in text(result)


def test_every_problem_is_reported_at_once(site, monkeypatch):
    result = run(site, monkeypatch, state="migrated", vms=["db-01"], storage_profile="Silver",
                 network_mappings=[{"source": "DC0_DVPG0", "destination": "nowhere"}])
    assert result["failed"] and writes(site) == []
    for words in ("storage profile 'Silver' not found", "org VDC network 'nowhere' not found", "'db-01' is powered off"):
        assert words in result["msg"]


def test_no_password_shows_anywhere(site, monkeypatch):
    results = [run(site, monkeypatch, state="migrated", diff=True, remote_username="admin1@org1",
                   remote_password="Remote-Secret-3"),
               run(site, monkeypatch, vms=["ghost"], remote_password="Remote-Secret-3"),
               run(site, monkeypatch, source_vcenter=dict(BASE["source_vcenter"], password="Wrong-Vc-Secret-4"))]
    assert "rejected the login" in results[2]["msg"]
    for secret in (ORG_PASSWORD, VC_PASSWORD, "Remote-Secret-3", "Wrong-Vc-Secret-4"):
        assert all(secret not in text(r) for r in results), secret
