"""vsphere_trunk_portgroup through its real main() against the fake vCenter: create with the trunk defaults, update
only what differs, check mode, the sink port of an edge's adapter, removal, and bad input naming the option."""
import pytest

from fake_module import run_module, text
from fake_vsphere import PASSWORD, VC_ARGS, FakeVcenter, nic

from ansible_collections.cloudmove.vcda.plugins.modules import vsphere_trunk_portgroup as module
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import dvs

TRUNK = dict(VC_ARGS, name="l2vpn-trunk", switch="DVS0", forged_transmits=True, promiscuous=False)


@pytest.fixture
def vc(monkeypatch):
    fake = FakeVcenter().install(monkeypatch)
    fake.dc = fake.datacenter()
    fake.dvs = fake.switch(fake.dc)
    fake.other = fake.portgroup(fake.dvs, "DC0_DVPG0")
    return fake


def group(vc, name="l2vpn-trunk"):
    found = [s for s in vc.props.values() if s.get("switch") == vc.dvs and s["name"] == name]
    return found[0]["config"] if found else None


def test_create_with_the_trunk_defaults_then_nothing_changes(vc):
    result = run_module(module, TRUNK)
    assert result["changed"] and result["changed_keys"] == ["portgroup"], result
    config = group(vc)
    assert [(r.start, r.end) for r in config.defaultPortConfig.vlan.vlanId] == [(0, 4094)]
    assert (config.numPorts, config.type) == (8, "earlyBinding")
    security = config.defaultPortConfig.securityPolicy
    assert security.forgedTransmits.value is True and security.allowPromiscuous.value is False
    assert security.macChanges is None  # unset: left to the switch
    assert result["portgroup"]["moid"] == config.key and result["portgroup"]["vlan_trunk"] == [{"start": 0, "end": 4094}]
    vc.writes[:] = []
    again = run_module(module, TRUNK)
    assert not again["changed"] and again["changed_keys"] == [] and vc.writes == []


def test_update_sends_only_what_differs_and_is_idempotent(vc):
    run_module(module, TRUNK)
    version = group(vc).configVersion
    result = run_module(module, dict(TRUNK, vlan_trunk="100-200,300", num_ports=16), diff=True)
    assert result["changed"] and result["changed_keys"] == ["num_ports", "vlan_trunk"]
    config = group(vc)
    assert [(r.start, r.end) for r in config.defaultPortConfig.vlan.vlanId] == [(100, 200), (300, 300)]
    assert config.numPorts == 16 and config.defaultPortConfig.securityPolicy.forgedTransmits.value is True
    assert config.configVersion != version
    assert result["diff"]["before"]["vlan_trunk"] == [{"start": 0, "end": 4094}]
    assert result["diff"]["after"]["vlan_trunk"] == [{"start": 100, "end": 200}, {"start": 300, "end": 300}]
    assert not run_module(module, dict(TRUNK, vlan_trunk=[{"start": 100, "end": 200}, 300], num_ports=16))["changed"]


def test_check_mode_predicts_creation_and_writes_nothing(vc):
    predicted = run_module(module, TRUNK, check_mode=True, diff=True)
    assert predicted["changed"] and vc.writes == [] and group(vc) is None
    real = run_module(module, TRUNK, diff=True)
    assert predicted["portgroup"] == dict((k, v) for k, v in real["portgroup"].items()
                                          if k not in ("config_version", "moid", "key"))  # vCenter assigns those
    assert predicted["diff"] == real["diff"] and real["diff"]["after"]["num_ports"] == 8
    assert predicted["changed_keys"] == real["changed_keys"] == ["portgroup"]
    assert PASSWORD not in text(predicted) + text(real)


def sink_vm(vc, port_key="12", group_name="l2vpn-trunk"):
    pg = [s["_obj"] for s in vc.props.values() if s.get("switch") == vc.dvs and s["name"] == group_name][0]
    vc.port(vc.dvs, pg, port_key)
    net = vc.network(vc.dc)
    return vc.vm(vc.dc.vmFolder, "edge-01", power="poweredOn", nics=[
        nic("Network adapter 1", 4000, net), nic("Network adapter 2", 4001, port=(vc.dvs, pg, port_key))])


def test_the_sink_port_of_the_edges_adapter_is_set_once(vc):
    run_module(module, TRUNK)
    sink_vm(vc)
    args = dict(TRUNK, sink_vm="edge-01", sink_nic="2")
    result = run_module(module, args)
    assert result["changed"] and sorted(result["changed_keys"]) == ["sink_port", "vendor_config_override_allowed"]
    (port,) = vc.ports[vc.dvs._moId]
    assert dvs.port_is_sink(port) and group(vc).policy.vendorConfigOverrideAllowed is True
    assert result["sink_port"] == {"vm": "edge-01", "nic": "Network adapter 2", "port_key": "12", "sink": True}
    vc.writes[:] = []
    again = run_module(module, dict(args, sink_nic="Network adapter 2"))
    assert not again["changed"] and vc.writes == []


def test_a_sink_adapter_on_another_network_is_refused_naming_sink_nic(vc):
    run_module(module, TRUNK)
    sink_vm(vc)
    vc.writes[:] = []
    result = run_module(module, dict(TRUNK, sink_vm="edge-01", sink_nic="1"))
    assert result["failed"] and result["option"] == "sink_nic" and "network 'VM Network'" in result["msg"]
    assert vc.writes == []
    result = run_module(module, dict(TRUNK, sink_vm="edge-01", sink_nic="7"))
    assert result["failed"] and result["option"] == "sink_nic" and vc.writes == []


def test_absent_removes_then_changes_nothing(vc):
    run_module(module, TRUNK)
    result = run_module(module, dict(TRUNK, state="absent"), diff=True)
    assert result["changed"] and group(vc) is None and result["portgroup"] is None
    assert result["diff"]["after"] in (None, {})
    vc.writes[:] = []
    assert not run_module(module, dict(TRUNK, state="absent"))["changed"] and vc.writes == []


def test_a_failed_vsphere_task_is_reported(vc):
    vc.fail["AddDVPortgroup_Task"] = "the switch is busy"
    result = run_module(module, TRUNK)
    assert result["failed"] and "creating port group 'l2vpn-trunk'" in result["msg"] and "busy" in result["msg"]


@pytest.mark.parametrize("args,option,words", [
    (dict(vlan_trunk="10-5000"), "vlan_trunk", "4094"),
    (dict(vlan_trunk="1-100,50-60"), "vlan_trunk", "overlap"),
    (dict(num_ports=9000), "num_ports", "8192"),
    (dict(switch="DVS9"), "switch", "these exist: DVS0"),
    (dict(sink_vm="ghost", sink_nic="1"), "sink_vm", "not found"),
])
def test_bad_input_names_the_option_and_changes_nothing(vc, args, option, words):
    result = run_module(module, dict(TRUNK, **args))
    assert result["failed"] and result["msg"].startswith(option + ":") and result["option"] == option and words in result["msg"], result
    assert vc.writes == [] and group(vc) is None
