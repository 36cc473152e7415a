"""VLAN trunk ranges, the managed view of a port group and the specs sent to vCenter."""
from types import SimpleNamespace as NS

import pytest
from pyVmomi import vim

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import dvs as _dvs
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import compute_delta
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError


@pytest.mark.parametrize("value, expected", [
    ("1-100,200", [(1, 100), (200, 200)]),
    (" 200 , 1 - 100 ", [(1, 100), (200, 200)]),
    ("0-4094", [(0, 4094)]),
    ([{"start": 1, "end": 4094}], [(1, 4094)]),
    ([{"start": 7}], [(7, 7)]),
    ([300, "10-20", {"start": 1, "end": 5}], [(1, 5), (10, 20), (300, 300)]),
    (["1-100,200-300"], [(1, 100), (200, 300)]),
    ("1-100,101-200,202", [(1, 200), (202, 202)]),  # adjacent ranges are joined
    (42, [(42, 42)]),
])
def test_parse_accepts_the_documented_forms(value, expected):
    assert _dvs.parse_vlan_ranges(value) == expected


def test_parse_none_means_unset():
    assert _dvs.parse_vlan_ranges(None) is None


@pytest.mark.parametrize("value, words", [
    ("1-100,50-60", "overlap"),
    ([{"start": 1, "end": 10}, {"start": 10, "end": 20}], "overlap"),
    ("4095", "out of range"),
    ([{"start": 0, "end": 4095}], "out of range"),
    ("-1", "cannot read"),
    ("100-1", "ends before it starts"),
    ("a-b", "cannot read"),
    ("1,,2", "empty element"),
    ([], "at least one"),
    ([{"first": 1}], "needs 'start'"),
    ([True], "cannot read"),
    (3.5, "cannot read"),
])
def test_parse_rejects_bad_input_naming_the_option(value, words):
    with pytest.raises(InputError) as err:
        _dvs.parse_vlan_ranges(value, option="vlan_trunk")
    assert err.value.option == "vlan_trunk"
    assert words in str(err.value)
    assert str(err.value).startswith("vlan_trunk:")
    assert "accepted: VLAN IDs 0-4094" in str(err.value)


def test_merge_and_text_forms():
    assert _dvs.merge_ranges([(5, 9), (1, 4), (20, 30), (25, 40)]) == [(1, 9), (20, 40)]
    assert _dvs.ranges_to_text([(1, 9), (20, 20)]) == "1-9,20"
    assert _dvs.ranges_to_list([(1, 9)]) == [{"start": 1, "end": 9}]


def _config(vlan=None, forged=False, promiscuous=True, mac=None, binding="earlyBinding", override=False):
    security = NS(allowPromiscuous=NS(value=promiscuous), forgedTransmits=NS(value=forged),
                  macChanges=None if mac is None else NS(value=mac))
    return NS(name="trunk", numPorts=8, type=binding, configVersion="3",
              policy=NS(vendorConfigOverrideAllowed=override),
              defaultPortConfig=NS(vlan=vlan, securityPolicy=security))


def test_live_state_normalises_trunk_ranges():
    vlan = NS(vlanId=[NS(start=101, end=200), NS(start=1, end=100), NS(start=300, end=300)])
    state = _dvs.portgroup_state(_config(vlan=vlan), "DVS0")
    assert state["vlan_trunk"] == [{"start": 1, "end": 200}, {"start": 300, "end": 300}]
    assert state["forged_transmits"] is False
    assert state["promiscuous"] is True
    assert state["mac_changes"] is None
    assert state["port_binding"] == "static"
    assert state["switch"] == "DVS0"


def test_live_state_single_vlan_is_not_a_trunk():
    ranges, desc = _dvs.live_vlan(NS(vlan=NS(vlanId=100)))
    assert ranges is None and desc == "VLAN 100"


def test_delta_only_what_the_user_set_and_differs():
    vlan = NS(vlanId=[NS(start=1, end=100), NS(start=101, end=4094)])
    live = _dvs.portgroup_state(_config(vlan=vlan), "DVS0")
    ranges = _dvs.parse_vlan_ranges("1-4094")
    same = _dvs.desired_state({"promiscuous": True, "forged_transmits": None}, ranges)
    assert compute_delta(live, same) == {}
    changed = _dvs.desired_state({"forged_transmits": True, "mac_changes": False}, ranges)
    assert compute_delta(live, changed) == {"forged_transmits": True, "mac_changes": False}
    sink = _dvs.desired_state({"sink_vm": "edge"}, None)
    assert compute_delta(live, sink) == {"vendor_config_override_allowed": True}


def test_reconfigure_spec_carries_only_the_delta():
    spec = _dvs.portgroup_spec(vim, {"forged_transmits": True}, "trunk", config_version="3")
    assert spec.configVersion == "3"
    assert spec.name == "trunk"
    security = spec.defaultPortConfig.securityPolicy
    assert security.forgedTransmits.value is True and security.forgedTransmits.inherited is False
    assert security.allowPromiscuous is None and security.macChanges is None
    assert spec.defaultPortConfig.vlan is None
    assert spec.policy is None and spec.type is None and spec.numPorts is None


def test_reconfigure_spec_trunk_binding_ports_and_policy():
    live_policy = vim.dvs.VmwareDistributedVirtualSwitch.VMwarePortgroupPolicy(blockOverrideAllowed=False)
    delta = {"vlan_trunk": [{"start": 1, "end": 100}, {"start": 200, "end": 200}], "num_ports": 16,
             "port_binding": "ephemeral", "vendor_config_override_allowed": True}
    spec = _dvs.portgroup_spec(vim, delta, "trunk", "1", live_policy)
    assert [(r.start, r.end) for r in spec.defaultPortConfig.vlan.vlanId] == [(1, 100), (200, 200)]
    assert spec.defaultPortConfig.securityPolicy is None
    assert spec.numPorts == 16 and spec.type == "ephemeral"
    assert spec.policy.vendorConfigOverrideAllowed is True
    assert spec.policy.blockOverrideAllowed is False  # the live policy is kept


def test_create_spec_defaults():
    spec = _dvs.create_spec(vim, "trunk", {"vlan_trunk": [{"start": 0, "end": 4094}], "promiscuous": None})
    assert spec.type == "earlyBinding" and spec.numPorts == 8
    assert spec.defaultPortConfig.vlan.vlanId[0].end == 4094


def test_sink_port_spec_and_detection():
    spec = _dvs.sink_port_spec(vim, "12", "2")
    assert spec.operation == "edit" and spec.key == "12" and spec.configVersion == "2"
    blob = spec.setting.vendorSpecificConfig.keyValue[0]
    assert (blob.key, blob.opaqueData) == ("com.vmware.etherswitch.port.extraEthFRP", "SINK")
    assert spec.setting.vendorSpecificConfig.inherited is False
    port = NS(config=NS(setting=spec.setting))
    assert _dvs.port_is_sink(port)
    assert not _dvs.port_is_sink(NS(config=NS(setting=NS(vendorSpecificConfig=None))))
    other = NS(keyValue=[NS(key=_dvs.SINK_KEY, opaqueData="NONE")])
    assert not _dvs.port_is_sink(NS(config=NS(setting=NS(vendorSpecificConfig=other))))


def test_pick_nic_by_label_or_position():
    nics = [NS(deviceInfo=NS(label="Network adapter 1")), NS(deviceInfo=NS(label="Network adapter 2"))]
    assert _dvs.pick_nic(nics, "network adapter 2") is nics[1]
    assert _dvs.pick_nic(nics, "1") is nics[0]
    assert _dvs.pick_nic(nics, 2) is nics[1]
    with pytest.raises(InputError) as err:
        _dvs.pick_nic(nics, "3")
    assert err.value.option == "sink_nic" and "Network adapter 1, Network adapter 2, 1-2" in str(err.value)
    with pytest.raises(InputError):
        _dvs.pick_nic(nics, "Network adapter 9")


def test_num_ports_range():
    _dvs.validate_num_ports(None)
    _dvs.validate_num_ports(0)
    with pytest.raises(InputError) as err:
        _dvs.validate_num_ports(-1)
    assert err.value.option == "num_ports"
