import json
import os
import subprocess
import sys

import pytest
from types import SimpleNamespace

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_source as _ovf
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.ovf_deploy import OvfDeployment, progress_writer
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


@pytest.fixture(scope="module")
def descriptor(tmp_path_factory):
    out = tmp_path_factory.mktemp("ova") / "vcda.ova"
    subprocess.run([sys.executable, os.path.join(ROOT, "lab", "ova", "make_ova.py"), "--kind", "vcda", "--disks", "1M",
                    "--format", "ova", "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return _ovf.open_source(str(out)).descriptor


def params(**kw):
    base = dict(name="vm", state="present", deployment_option=None, properties={}, networks={}, secret_properties=[],
                power_on=False)
    base.update(kw)
    return base


@pytest.mark.parametrize("kw,option,accepted", [
    (dict(deployment_option="huge"), "deployment_option", "cloud, replicator, tunnel, combined"),
    (dict(properties={"nope": 1}), "properties", "guestinfo.cis.appliance.net.ip0"),
    (dict(networks={"Other": "pg"}), "networks", "VM Network"),
    (dict(secret_properties=["nope"]), "secret_properties", "guestinfo.cis.appliance.root.password"),
])
def test_validate_names_option_and_choices(descriptor, kw, option, accepted):
    with pytest.raises(InputError) as err:
        OvfDeployment(params(**kw), client=None).validate(descriptor)
    assert err.value.option == option
    assert str(err.value).startswith(option + ":")
    assert accepted in str(err.value)


def test_password_properties_become_secret(descriptor):
    deployment = OvfDeployment(params(secret_properties=["guestinfo.cis.appliance.net.hostname"]), client=None)
    deployment.validate(descriptor)
    assert deployment.secret_keys == {"guestinfo.cis.appliance.net.hostname", "guestinfo.cis.appliance.root.password"}
    masked = deployment.masked({"guestinfo.cis.appliance.root.password": "pw", "guestinfo.cis.appliance.net.ip0": "1.2.3.4",
                                "guestinfo.cis.appliance.net.hostname": "h"})
    assert masked == {"guestinfo.cis.appliance.root.password": "********", "guestinfo.cis.appliance.net.ip0": "1.2.3.4",
                      "guestinfo.cis.appliance.net.hostname": "********"}


def test_desired_defaults(descriptor):
    desired = OvfDeployment(params(state="poweredon", properties={"guestinfo.cis.appliance.ssh.enabled": True}),
                            client=None).desired(descriptor)
    assert desired == {"deployment_option": "cloud", "properties": {"guestinfo.cis.appliance.ssh.enabled": "True"},
                       "networks": {}, "power_state": "poweredOn"}
    assert OvfDeployment(params(), client=None).desired(descriptor)["power_state"] is None
    assert OvfDeployment(params(power_on=True), client=None).desired(descriptor)["power_state"] == "poweredOn"


def test_progress_writer(tmp_path):
    path = str(tmp_path / "p.json")
    write = progress_writer(path, "vm1")
    write(50, 100, 1.0)
    assert json.load(open(path)) == {"name": "vm1", "done": 50, "total": 100, "elapsed": 1.0}
    write(60, 100, 1.1)  # throttled: less than half a second later
    assert json.load(open(path))["done"] == 50
    write(100, 100, 1.2)  # the end is always written
    assert json.load(open(path))["done"] == 100
    assert progress_writer(None, "x") is None


class _NoVappVm(object):
    """A VM of the requested name that was not made from an OVF (or whose vApp options were dropped)."""
    _moId = "vm-99"
    name = "vm"

    def __init__(self, cpus=1, memory=32, power="poweredOn"):
        hardware = SimpleNamespace(device=[], numCPU=cpus, memoryMB=memory)
        self.config = SimpleNamespace(vAppConfig=None, hardware=hardware)
        self.runtime = SimpleNamespace(powerState=power)
        self.guest = None

    def ReconfigVM_Task(self, spec):  # noqa: N802
        raise AssertionError("nothing may be reconfigured")

    def PowerOnVM_Task(self):  # noqa: N802
        raise AssertionError("nothing may be powered")

    PowerOffVM_Task = PowerOnVM_Task


@pytest.mark.parametrize("state,power", [("present", "poweredOn"), ("poweredon", "poweredOff"),
                                         ("poweredoff", "poweredOn")])
def test_vm_without_vapp_options_is_reported_not_changed(descriptor, state, power):
    warnings = []
    deployment = OvfDeployment(params(state=state, deployment_option="replicator",
                                      properties={"guestinfo.cis.appliance.net.ip0": "10.0.0.1",
                                                  "guestinfo.cis.appliance.root.password": "Secret-pw-1"}),
                               client=None, warn=warnings.append)
    deployment.validate(descriptor)
    vm = _NoVappVm(power=power)
    outcome, result = deployment.correct(vm, descriptor, deployment.desired(descriptor))
    assert outcome.changed is False and outcome.before == outcome.after
    assert result["comparable"] is False
    assert result["vm"]["properties"] is None and result["vm"]["deployment_option"] is None
    assert result["vm"]["power_state"] == power
    assert len(warnings) == 1 and "cannot be compared" in warnings[0] and "nothing was changed" in warnings[0]
    assert "Secret-pw-1" not in repr(result) + repr(outcome.diff()) + repr(warnings)


@pytest.mark.parametrize("props,words,hidden", [
    ({"guestinfo.cis.appliance.root.password": "abc"}, "'guestinfo.cis.appliance.root.password' must be 8 to 64 "
     "characters (password; value not shown), got 3", "abc"),
    ({"guestinfo.cis.appliance.ssh.enabled": "maybe"}, "'guestinfo.cis.appliance.ssh.enabled' must be a boolean "
     "(accepted: true, false), got 'maybe'", None),
])
def test_property_values_are_checked_against_the_descriptor(descriptor, props, words, hidden):
    secrets = []
    with pytest.raises(InputError) as err:
        OvfDeployment(params(properties=props), client=None, add_secret=secrets.append).validate(descriptor)
    assert err.value.option == "properties"
    assert words in str(err.value)
    if hidden:
        assert hidden not in str(err.value) and secrets == [hidden]


def test_good_property_values_pass(descriptor):
    OvfDeployment(params(properties={"guestinfo.cis.appliance.ssh.enabled": True,
                                     "guestinfo.cis.appliance.root.password": "Long-enough-1"}),
                  client=None).validate(descriptor)


def test_integer_and_value_map_qualifiers():
    prop = _ovf.Property("k", "uint16", None, False, None, "MinValue(10),MaxValue(20)")
    assert prop.problem("15") is None
    assert "from 10 to 20" in prop.problem("21") and "from 10 to 20" in prop.problem("x")
    assert "from 0 to 255" in _ovf.Property("k", "uint8", None, False, None, None).problem("256")
    choice = _ovf.Property("k", "string", None, False, None, 'ValueMap{"AES128-GCM-SHA256", "AES256-SHA"}')
    assert choice.problem("AES256-SHA") is None
    assert "accepted: AES128-GCM-SHA256, AES256-SHA" in choice.problem("RC4")


class _Networks(object):
    """A vCenter with one port group."""

    def network(self, datacenter, name, option="networks"):
        from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import NotFoundError
        if name != "VM Network":
            raise NotFoundError("network", name, ["VM Network"], option=option)
        return "network-7"


def test_a_port_group_only_predicted_is_left_out_in_check_mode_only():
    warned = []
    wanted = params(networks={"VM Network": "l2vpn-trunk", "Other": "VM Network"})
    deployment = OvfDeployment(wanted, client=_Networks(), check_mode=True, warn=warned.append)
    assert deployment.networks("dc") == {"Other": "network-7"}
    assert len(warned) == 1 and "'l2vpn-trunk'" in warned[0] and "check mode" in warned[0]
    with pytest.raises(Exception) as err:   # a real run fails on a network that does not exist
        OvfDeployment(wanted, client=_Networks(), check_mode=False, warn=warned.append).networks("dc")
    assert "networks: network 'l2vpn-trunk' not found" in str(err.value)
