"""ovf_deploy's decisions through its real main() against the fake vCenter and a real OVA from the lab's generator:
a complete VM is left alone, a half-imported one (import marker) is removed and deployed again, wrong property
values are corrected in place while secret ones are never shown, the power state, a VM without vApp options,
check mode, removal, and input refused before any change. The NFC upload itself is the integration target's: here
the import (``OvfImporter.run``) is a stand-in that creates the VM as vCenter would at the end of a good import."""
import os
import subprocess
import sys

import pytest

from fake_module import MASK, run_module, text, warnings
from fake_vsphere import PASSWORD, VC_ARGS, FakeVcenter, nic

from ansible_collections.cloudmove.vcda.plugins.modules import ovf_deploy
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_import

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ROOT_PW = "guestinfo.cis.appliance.root.password"
IP = "guestinfo.cis.appliance.net.ip0"
SSH = "guestinfo.cis.appliance.ssh.enabled"
SECRET = "Initial-Root-1!"
SIZING = {"cloud": (4, 6144), "replicator": (4, 8192), "tunnel": (2, 2048), "combined": (8, 12288)}


@pytest.fixture(scope="module")
def ova(tmp_path_factory):
    out = tmp_path_factory.mktemp("ova") / "vcda.ova"
    subprocess.run([sys.executable, os.path.join(ROOT, "lab", "ova", "make_ova.py"), "--kind", "vcda", "--disks", "1M",
                    "--format", "ova", "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return str(out)


def appliance_properties(option="cloud", **values):
    props = {"guestinfo.cis.appliance.deployment_option": ("", option), "guestinfo.cis.appliance.role": ("", option),
             IP: "", ROOT_PW: "", SSH: ("", "False")}
    props.update(values)
    return props


@pytest.fixture
def vc(monkeypatch):
    fake = FakeVcenter().install(monkeypatch)
    fake.dc = fake.datacenter()
    fake.net = fake.network(fake.dc, "DC0_DVPG0")
    store = fake.datastore(fake.dc)
    fake.cluster(fake.dc, datastores=[store])
    fake.imports = []

    def imported(importer, spec, pool, folder, host=None):
        """What vCenter holds after ImportVApp, the uploads and HttpNfcLeaseComplete (the marker cleared)."""
        params = fake.last_import_params
        option = params.deploymentOption or importer.source.descriptor.default_option
        values = appliance_properties(option)
        values.update((m.key, m.value) for m in params.propertyMapping)
        fake.imports.append(params.entityName)
        cpu, memory = SIZING[option]
        return fake.vm(folder, params.entityName, properties=values, cpu=cpu, memory=memory,
                       nics=[nic("Network adapter 1", 4000, m.network) for m in params.networkMapping])
    monkeypatch.setattr(ovf_import.OvfImporter, "run", imported)
    return fake


def args(ova, **kw):
    base = dict(VC_ARGS, name="vcda-cloud-01", source=ova, deployment_option="cloud",
                networks={"VM Network": "DC0_DVPG0"}, properties={IP: "10.0.0.10", ROOT_PW: SECRET})
    base.update(kw)
    return base


def existing(vc, name="vcda-cloud-01", power="poweredOff", marker=False, **props):
    cpu, memory = SIZING["cloud"]
    return vc.vm(vc.dc.vmFolder, name, power=power, cpu=cpu, memory=memory, nics=[nic("Network adapter 1", 4000, vc.net)],
                 properties=appliance_properties(**dict({IP: "10.0.0.10", ROOT_PW: "Changed-By-The-Appliance-7"},
                                                        **props)),
                 extra={ovf_import.IMPORT_MARKER: "incomplete"} if marker else None)


def test_deploys_when_missing_then_a_second_run_changes_nothing(vc, ova):
    result = run_module(ovf_deploy, args(ova), diff=True)
    assert not result.get("failed"), result
    assert result["changed"]
    assert vc.imports == ["vcda-cloud-01"] and vc.last_import_params.deploymentOption == "cloud"
    sent = dict((m.key, m.value) for m in vc.last_import_params.propertyMapping)
    assert sent == {IP: "10.0.0.10", ROOT_PW: SECRET}  # the secret goes to vCenter, never to the result
    assert result["vm"]["properties"][ROOT_PW] == MASK and result["vm"]["deployment_option"] == "cloud"
    assert result["diff"]["after"]["properties"][ROOT_PW] == MASK and SECRET not in text(result)
    vc.writes[:] = []
    again = run_module(ovf_deploy, args(ova))
    assert not again["changed"] and vc.writes == [] and vc.imports == ["vcda-cloud-01"]
    assert again["drift"] == [] and SECRET not in text(again)


def test_a_complete_vm_is_left_alone_even_when_its_secret_property_differs(vc, ova):
    existing(vc)
    result = run_module(ovf_deploy, args(ova), diff=True)
    assert not result["changed"] and vc.writes == [] and vc.imports == []
    assert result["vm"]["properties"][ROOT_PW] == MASK  # the appliance's own value is not shown either
    assert "Changed-By-The-Appliance-7" not in text(result) and SECRET not in text(result)


def test_a_half_imported_vm_is_removed_and_deployed_again_never_accepted(vc, ova):
    old = existing(vc, marker=True)
    predicted = run_module(ovf_deploy, args(ova), check_mode=True)
    assert predicted["changed"] and predicted["replaced_incomplete"] and vc.writes == [] and vc.imports == []
    assert any("did not finish" in w and "would be removed" in w for w in warnings(predicted))
    result = run_module(ovf_deploy, args(ova))
    assert result["changed"] and result["replaced_incomplete"] and vc.imports == ["vcda-cloud-01"]
    assert ("Destroy_Task", old._moId) in vc.writes and old._moId not in vc.props
    assert result["vm"]["moid"] != old._moId
    assert "replaced_incomplete" not in run_module(ovf_deploy, args(ova))


def test_a_wrong_property_value_is_corrected_in_place_once(vc, ova):
    vm = existing(vc, **{IP: "10.0.0.99"})
    predicted = run_module(ovf_deploy, args(ova), check_mode=True, diff=True)
    assert predicted["changed"] and vc.writes == []
    result = run_module(ovf_deploy, args(ova), diff=True)
    assert result["changed"] and vc.writes == [("ReconfigVM_Task", vm._moId)]
    values = dict((p.id, p.value) for p in vc.state(vm)["config"].vAppConfig.property)
    assert values[IP] == "10.0.0.10" and values[ROOT_PW] == "Changed-By-The-Appliance-7"  # the secret not re-sent
    assert predicted["vm"] == result["vm"] and predicted["diff"] == result["diff"]
    assert result["diff"]["before"]["properties"][IP] == "10.0.0.99"
    assert result["diff"]["after"]["properties"][IP] == "10.0.0.10"
    assert any("corrected in place" in w for w in warnings(result))
    assert not run_module(ovf_deploy, args(ova))["changed"]


@pytest.mark.parametrize("state,power,calls,after", [
    ("poweredon", "poweredOff", ["PowerOnVM_Task"], "poweredOn"),
    ("poweredoff", "poweredOn", ["PowerOffVM_Task"], "poweredOff"),
    ("present", "poweredOn", [], "poweredOn"),
    ("present", "poweredOff", [], "poweredOff"),
])
def test_the_power_state_is_enforced_only_when_asked(vc, ova, state, power, calls, after):
    vm = existing(vc, power=power)
    result = run_module(ovf_deploy, args(ova, state=state))
    assert [method for method, _moid in vc.writes] == calls and result["changed"] == bool(calls)
    assert str(vc.state(vm)["runtime"].powerState) == after == result["vm"]["power_state"]
    vc.writes[:] = []
    assert not run_module(ovf_deploy, args(ova, state=state))["changed"] and vc.writes == []


def test_a_different_deployment_option_or_network_is_drift_reported_not_changed(vc, ova):
    existing(vc)
    other = vc.network(vc.dc, "DC0_DVPG1")
    result = run_module(ovf_deploy, args(ova, deployment_option="tunnel", networks={"VM Network": other.name}))
    assert not result["changed"] and vc.writes == []
    assert result["drift"] == [
        "deployment_option: deployed as 'cloud', requested 'tunnel' (redeploy to change it)",
        "networks: OVF network 'VM Network' is on 'DC0_DVPG0', requested 'DC0_DVPG1' (not changed by this module)"]


def test_a_vm_without_vapp_options_is_not_comparable_and_nothing_changes(vc, ova):
    vc.vm(vc.dc.vmFolder, "vcda-cloud-01", power="poweredOff")
    result = run_module(ovf_deploy, args(ova, state="poweredon"))
    assert not result["changed"] and result["comparable"] is False and vc.writes == []
    assert any("no vApp options" in w for w in warnings(result))


def test_absent_powers_off_and_removes_then_changes_nothing(vc, ova):
    vm = existing(vc, power="poweredOn")
    predicted = run_module(ovf_deploy, dict(VC_ARGS, name="vcda-cloud-01", state="absent"), check_mode=True)
    assert predicted["changed"] and vc.writes == []
    result = run_module(ovf_deploy, dict(VC_ARGS, name="vcda-cloud-01", state="absent"))
    assert result["changed"] and [method for method, _moid in vc.writes] == ["PowerOffVM_Task", "Destroy_Task"]
    assert vm._moId not in vc.props and result["vm"] is None
    vc.writes[:] = []
    assert not run_module(ovf_deploy, dict(VC_ARGS, name="vcda-cloud-01", state="absent"))["changed"]
    assert vc.writes == []


def test_check_mode_runs_create_import_spec_and_fails_where_the_real_run_would(vc, ova):
    vc.import_spec["errors"] = ["Invalid value '%s' for property %s" % (SECRET, ROOT_PW)]
    result = run_module(ovf_deploy, args(ova), check_mode=True)
    assert result["failed"] and "CreateImportSpec rejected the deployment" in result["msg"]
    assert SECRET not in text(result) and vc.writes == [] and vc.imports == []
    vc.import_spec = {"errors": [], "warnings": ["Property %s has value %s" % (ROOT_PW, SECRET)]}
    predicted = run_module(ovf_deploy, args(ova), check_mode=True)
    assert predicted["changed"] and len(predicted["import_spec_warnings"]) == 1 and vc.imports == []
    assert SECRET not in text(predicted)


@pytest.mark.parametrize("kw,option,words,hidden", [
    (dict(properties={SSH: "maybe"}), "properties", "must be a boolean (accepted: true, false), got 'maybe'", None),
    (dict(properties={ROOT_PW: "short"}), "properties", "8 to 64 characters", "short"),
    (dict(properties={IP: "10.0.0.1", "nope": 1}), "properties", "declares no property nope", None),
    (dict(deployment_option="huge"), "deployment_option", "cloud, replicator, tunnel, combined", None),
    (dict(networks={"Other": "DC0_DVPG0"}), "networks", "no network named Other", None),
    (dict(networks={"VM Network": "ghost"}), "networks", "these exist: DC0_DVPG0", None),
    (dict(secret_properties=["nope"]), "secret_properties", "declares no property nope", None),
    (dict(upload_retries=-1), "upload_retries", "0 or more", None),
    (dict(upload_workers=0), "upload_workers", "1 or more", None),
    (dict(wait_for_ip_timeout=0), "wait_for_ip_timeout", "1 or more", None),
    (dict(source="/nonexistent/vcda.ova"), "source", "/nonexistent/vcda.ova", None),
    (dict(datacenter="DC9"), "datacenter", "these exist: DC0", None),
])
def test_bad_input_is_refused_before_any_change(vc, ova, kw, option, words, hidden):
    result = run_module(ovf_deploy, args(ova, **kw))
    assert result["failed"] and result["msg"].startswith(option + ":") and result["option"] == option and words in result["msg"], result
    assert vc.writes == [] and vc.imports == [] and "Traceback" not in text(result)
    assert hidden is None or hidden not in text(result)
    assert SECRET not in text(result) and PASSWORD not in text(result)


def test_a_failure_inside_ansibles_own_checks_echoes_the_properties_masked(vc, ova):
    result = run_module(ovf_deploy, args(ova, cluster="DC0_C0", resource_pool="Resources"))
    assert result["failed"] and "mutually exclusive" in result["msg"]
    assert result["invocation"]["module_args"]["properties"] == {IP: MASK, ROOT_PW: MASK}
    assert SECRET not in text(result)


def test_a_secret_property_named_by_secret_properties_is_never_shown(vc, ova):
    host = "guestinfo.cis.appliance.net.hostname"
    result = run_module(ovf_deploy, args(ova, properties={host: "secret-host.example"}, secret_properties=[host]),
                        diff=True)
    assert result["changed"] and result["vm"]["properties"][host] == MASK
    assert "secret-host.example" not in text(result)
