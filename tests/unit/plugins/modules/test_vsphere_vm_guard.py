"""vsphere_vm_guard through its real main() against the fake vCenter: the guard's four parts on the first run and
nothing on the second, check mode, diff, an exact release that leaves another component's lock alone, bad input."""
import json

import pytest

from fake_module import run_module, text, warnings
from fake_vsphere import PASSWORD, VC_ARGS, FakeVcenter, nic

from ansible_collections.cloudmove.vcda.plugins.modules import vsphere_vm_guard

DEST = "org1 / org1-vdc / WebApp (site1)"
GUARD = dict(VC_ARGS, name="web-01", destination=DEST)


@pytest.fixture
def vc(monkeypatch):
    fake = FakeVcenter().install(monkeypatch)
    dc = fake.datacenter()
    net = fake.network(dc)
    fake.web = fake.vm(dc.vmFolder, "web-01", annotation="owner: team A\n", nics=[
        nic("Network adapter 1", 4000, net), nic("Network adapter 2", 4001, net, connected=False)])
    fake.vm(dc.vmFolder, "db-01", power="poweredOn")
    return fake


def live(vc):
    state = vc.state(vc.web)
    attribute = [v.value for v in state["customValue"]]
    nics = dict((d.deviceInfo.label, d.connectable.startConnected) for d in state["config"].hardware.device)
    return {"locks": vc.locks.get(vc.web._moId, {}), "annotation": state["config"].annotation, "attribute": attribute,
            "nics": nics, "extra": vc.extra(vc.web)}


def test_guard_sets_every_part_then_a_second_run_changes_nothing(vc):
    result = run_module(vsphere_vm_guard, dict(GUARD, migrated_at="2026-12-02T01:00:00Z"))
    assert result["changed"] and not result.get("failed"), result
    assert result["changed_keys"] == ["annotation", "attribute", "guard_record", "nics_start_connected",
                                      "power_on_disabled"]
    now = live(vc)
    assert now["locks"] == {"cloudmove.vcda": {"PowerOnVM_Task"}}
    assert now["annotation"].startswith("owner: team A\n\n[cloudmove.vcda guard] Migrated to %s at 2026-12-02T01:00:00Z"
                                        % DEST)
    assert now["attribute"] == ["%s (2026-12-02T01:00:00Z)" % DEST]
    assert now["nics"] == {"Network adapter 1": False, "Network adapter 2": False}
    assert json.loads(now["extra"]["cloudmove.vcda.guard"]) == {
        "destination": DEST, "at": "2026-12-02T01:00:00Z", "nics": {"Network adapter 1": True, "Network adapter 2": False}}
    assert result["vm"]["guarded"] and result["vm"]["destination"] == DEST and result["vm"]["power_on_disabled"]

    vc.writes[:] = []
    again = run_module(vsphere_vm_guard, GUARD)  # no migrated_at: the first guard's time is kept
    assert not again["changed"] and again["changed_keys"] == [] and vc.writes == []
    assert again["vm"]["migrated_at"] == "2026-12-02T01:00:00Z"


def test_check_mode_predicts_the_real_run_and_writes_nothing(vc):
    before = live(vc)
    predicted = run_module(vsphere_vm_guard, dict(GUARD, migrated_at="T1"), check_mode=True, diff=True)
    assert predicted["changed"] and vc.writes == [] and live(vc) == before
    real = run_module(vsphere_vm_guard, dict(GUARD, migrated_at="T1"), diff=True)
    assert predicted["vm"] == real["vm"] and predicted["changed_keys"] == real["changed_keys"]
    assert predicted["diff"] == real["diff"]
    assert real["diff"]["before"]["power_on_disabled"] is False and real["diff"]["after"]["power_on_disabled"] is True
    assert real["diff"]["after"]["nics_start_connected"] == {"Network adapter 1": False, "Network adapter 2": False}
    assert PASSWORD not in text(real)


def test_a_new_destination_updates_the_note_but_keeps_the_original_nic_values(vc):
    run_module(vsphere_vm_guard, dict(GUARD, migrated_at="T1"))
    moved = run_module(vsphere_vm_guard, dict(GUARD, destination="org1 / other (site2)", migrated_at="T2"))
    assert moved["changed"] and moved["changed_keys"] == ["annotation", "attribute", "guard_record"]
    record = json.loads(vc.extra(vc.web)["cloudmove.vcda.guard"])
    assert record["nics"] == {"Network adapter 1": True, "Network adapter 2": False}  # not the guard's own False
    assert live(vc)["annotation"].count("[cloudmove.vcda guard]") == 1


def test_release_restores_exactly_and_leaves_another_components_lock_alone(vc):
    original = live(vc)
    run_module(vsphere_vm_guard, dict(GUARD, migrated_at="T1"))
    vc.locks[vc.web._moId]["com.vmware.vcDr"] = {"PowerOnVM_Task"}  # another component's lock, same method
    released = run_module(vsphere_vm_guard, dict(VC_ARGS, name="web-01", state="released"))
    assert released["changed"] and not released["vm"]["guarded"]
    now = live(vc)
    assert now["locks"] == {"com.vmware.vcDr": {"PowerOnVM_Task"}}
    assert now["annotation"] == original["annotation"].rstrip("\n") and now["nics"] == original["nics"]
    assert now["attribute"] == [""] and "cloudmove.vcda.guard" not in now["extra"]
    assert released["vm"]["power_on_disabled"]  # still disabled, by the other component
    assert any("another component" in w for w in warnings(released))
    vc.writes[:] = []
    again = run_module(vsphere_vm_guard, dict(VC_ARGS, name="web-01", state="released"))
    assert not again["changed"] and vc.writes == []


def test_release_of_a_vm_never_guarded_changes_nothing(vc):
    result = run_module(vsphere_vm_guard, dict(VC_ARGS, name="web-01", state="released"))
    assert not result["changed"] and vc.writes == []


@pytest.mark.parametrize("args,option,words", [
    (dict(name="db-01"), "name", "db-01 is poweredOn"),
    (dict(name="ghost"), "name", "db-01, web-01"),
    (dict(folder="nope"), "folder", "not found"),
])
def test_bad_input_fails_naming_the_option_before_any_change(vc, args, option, words):
    result = run_module(vsphere_vm_guard, dict(GUARD, **args))
    assert result["failed"] and result["msg"].startswith(option + ":") and result["option"] == option and words in result["msg"], result
    assert "Traceback" not in text(result) and vc.writes == []


def test_guarded_without_destination_names_it(vc):
    result = run_module(vsphere_vm_guard, dict(VC_ARGS, name="web-01"))
    assert result["failed"] and "destination" in result["msg"] and vc.writes == []


def test_a_wrong_vcenter_password_is_a_clear_error_without_the_password(vc):
    result = run_module(vsphere_vm_guard, dict(GUARD, password="Wrong-Secret-9"))
    assert result["failed"] and "rejected the login" in result["msg"]
    assert "Wrong-Secret-9" not in text(result) and vc.writes == []
