"""vsphere_vm_guard logic: annotation handling, guarded/released states, the calls made, the SOAP bodies."""
import json
from types import SimpleNamespace as NS

import pytest
from pyVmomi import VmomiSupport, vim, vmodl

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import client as _client
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import vm_guard as _guard

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import result as _result

DEST = "org1 / vdc1 / WebApp (site1)"


def shaped(pair):
    """The module's result (diff mode) of what ``VmGuard.run()`` returns: the outcome and the rest."""
    outcome, extra = pair
    return _result(outcome, True, **extra)


def test_annotation_keeps_the_users_notes():
    line = _guard.note_line(DEST, "2026-12-01T00:00:00Z")
    text = _guard.join_annotation("owner: app team\nsecond line", line)
    assert text == "owner: app team\nsecond line\n\n" + line
    assert _guard.split_annotation(text) == ("owner: app team\nsecond line", line)
    assert _guard.split_annotation("") == ("", None)
    assert _guard.join_annotation("", line) == line
    assert _guard.join_annotation("notes", None) == "notes"


def nic(label, connected=True):
    return vim.vm.device.VirtualVmxnet3(key=4000, deviceInfo=vim.Description(label=label, summary="VM Network"),
                                        connectable=vim.vm.device.VirtualDevice.ConnectInfo(startConnected=connected))


class FakeVm(object):
    _moId = "vm-1"

    def __init__(self, power="poweredOff", annotation="notes", disabled=(), record=None, custom=None):
        extra = [vim.option.OptionValue(key="govcsim", value="TRUE")]
        if record is not None:
            extra.append(vim.option.OptionValue(key=_guard.GUARD_KEY, value=json.dumps(record)))
        self.name = "web01"
        self.runtime = NS(powerState=power)
        self.disabledMethod = list(disabled)
        self.customValue = [NS(key=k, value=v) for k, v in (custom or {}).items()]
        self.config = NS(annotation=annotation, extraConfig=extra,
                         hardware=NS(device=[nic("Network adapter 1"), nic("Network adapter 2", False)]))
        self.specs = []

    def ReconfigVM_Task(self, spec):  # noqa: N802 - vSphere's name
        self.specs.append(spec)
        return "task"


class FakeClient(object):
    def __init__(self, vm, field_key=None):
        self._vm = vm
        self.field_key = field_key
        self.calls = []

    def datacenter(self, name):
        return "dc"

    def vm(self, datacenter, name, option="vm"):
        return self._vm

    def custom_field_key(self, name, create=False):
        if self.field_key is None and create:
            self.field_key = 101
            self.calls.append(("create_field", name))
        return self.field_key

    def set_custom_field(self, entity, key, value):
        self.calls.append(("set_field", key, value))

    def disable_methods(self, entities, methods, source, reason=None):
        self.calls.append(("disable", tuple(methods), source))

    def enable_methods(self, entities, methods, source):
        self.calls.append(("enable", tuple(methods), source))

    def wait_for_task(self, task, timeout=None, what=None):
        self.calls.append(("reconfig",))


def params(**kw):
    base = dict(name="web01", datacenter=None, folder=None, destination=DEST, migrated_at=None, attribute=None,
                disconnect_nics=True, timeout=300, state="guarded")
    base.update(kw)
    return base


def test_guard_disables_power_on_first_then_records_everything():
    vm = FakeVm()
    client = FakeClient(vm)
    result = shaped(_guard.VmGuard(params(migrated_at="T1"), client).run())
    assert result["changed"]
    assert result["changed_keys"] == ["annotation", "attribute", "guard_record", "nics_start_connected",
                                      "power_on_disabled"]
    assert client.calls[0] == ("disable", ("PowerOnVM_Task",), "cloudmove.vcda")
    assert ("create_field", "cloudmove.vcda.migrated_to") in client.calls
    assert ("set_field", 101, DEST + " (T1)") in client.calls
    spec = vm.specs[0]
    assert spec.annotation.startswith("notes\n\n[cloudmove.vcda guard] Migrated to " + DEST + " at T1")
    # only the adapter that connected at power-on is changed; the record keeps both previous values
    assert [d.device.connectable.startConnected for d in spec.deviceChange] == [False]
    record = json.loads(spec.extraConfig[0].value)
    assert record == {"destination": DEST, "at": "T1",
                      "nics": {"Network adapter 1": True, "Network adapter 2": False}}


def test_check_mode_predicts_and_calls_nothing():
    vm = FakeVm()
    client = FakeClient(vm)
    result = shaped(_guard.VmGuard(params(), client, check_mode=True).run())
    assert result["changed"] and result["vm"]["guarded"] and result["vm"]["power_on_disabled"]
    assert client.calls == [] and vm.specs == []
    assert result["diff"]["before"]["power_on_disabled"] is False
    assert result["diff"]["after"]["nics_start_connected"] == {"Network adapter 1": False, "Network adapter 2": False}


def guarded_vm(at="T1"):
    line = _guard.note_line(DEST, at)
    vm = FakeVm(annotation="notes\n\n" + line, disabled=["PowerOnVM_Task"],
                record={"destination": DEST, "at": at, "nics": {"Network adapter 1": True, "Network adapter 2": False}},
                custom={7: _guard.attribute_value(DEST, at)})
    for device in vm.config.hardware.device:
        device.connectable.startConnected = False
    return vm


def test_guarded_vm_is_unchanged_and_keeps_its_time():
    client = FakeClient(guarded_vm(), field_key=7)
    result = shaped(_guard.VmGuard(params(), client).run())
    assert not result["changed"] and client.calls == []
    assert result["vm"]["migrated_at"] == "T1"


def test_new_destination_updates_note_and_time_but_keeps_the_original_nic_values():
    vm = guarded_vm()
    client = FakeClient(vm, field_key=7)
    result = shaped(_guard.VmGuard(params(destination="site2", migrated_at="T2"), client).run())
    assert result["changed_keys"] == ["annotation", "attribute", "guard_record"]
    assert ("disable", ("PowerOnVM_Task",), "cloudmove.vcda") not in client.calls
    assert json.loads(vm.specs[0].extraConfig[0].value)["nics"] == {"Network adapter 1": True,
                                                                    "Network adapter 2": False}


def test_release_restores_exactly_and_enables_last():
    vm = guarded_vm()
    client = FakeClient(vm, field_key=7)
    result = shaped(_guard.VmGuard(params(state="released", destination=None), client).run())
    assert result["changed"]
    spec = vm.specs[0]
    assert spec.annotation == "notes"
    assert [d.device.connectable.startConnected for d in spec.deviceChange] == [True]
    assert spec.extraConfig[0].key == _guard.GUARD_KEY and spec.extraConfig[0].value == ""
    assert ("set_field", 7, "") in client.calls
    assert client.calls[-1] == ("enable", ("PowerOnVM_Task",), "cloudmove.vcda")


def test_release_leaves_another_components_lock_alone():
    vm = FakeVm(disabled=["PowerOnVM_Task"])
    client = FakeClient(vm)
    result = shaped(_guard.VmGuard(params(state="released", destination=None), client).run())
    assert not result["changed"] and client.calls == []
    assert result["vm"]["power_on_disabled"] and not result["vm"]["guarded"]


def test_release_of_an_unguarded_vm_is_a_no_op():
    client = FakeClient(FakeVm())
    assert not shaped(_guard.VmGuard(params(state="released"), client).run())["changed"]


@pytest.mark.parametrize("kw,option,words", [
    (dict(destination=None), "destination", "required with state=guarded"),
    (dict(destination=""), "destination", "required with state=guarded"),
])
def test_bad_input(kw, option, words):
    with pytest.raises(InputError) as err:
        shaped(_guard.VmGuard(params(**kw), FakeClient(FakeVm())).run())
    assert err.value.option == option and words in str(err.value)


def test_a_running_vm_is_refused():
    with pytest.raises(InputError) as err:
        shaped(_guard.VmGuard(params(), FakeClient(FakeVm(power="poweredOn"))).run())
    assert err.value.option == "name" and "poweredOn" in str(err.value)


def test_a_running_vm_after_a_predicted_cutover_is_predicted_in_check_mode():
    warned = []
    client = FakeClient(FakeVm(power="poweredOn"))
    result = shaped(_guard.VmGuard(params(), client, True, warned.append).run())
    assert result["changed"] and result["vm"]["guarded"]
    assert len(warned) == 1 and "predicted to be guarded once a cutover powers it off" in warned[0]


class FakeConn(object):
    def __init__(self, status, body):
        self.status, self.body, self.sent = status, body, None

    def request(self, method, path, body, headers):
        self.sent = (method, path, body.decode("utf-8"), headers)

    def getresponse(self):
        return NS(status=self.status, read=lambda: self.body)

    def close(self):
        pass


def fake_client(conn):
    stub = NS(version=VmomiSupport.newestVersions.GetName("vim"), cookie='vmware_soap_session="abc"', versionId='"urn:vim25/7.0"', path="/sdk",
              GetConnection=lambda: conn, ReturnConnection=lambda c: None, DropConnections=lambda: None)
    client = _client.VsphereClient.__new__(_client.VsphereClient)
    client.si = NS(_stub=stub)
    client.content = NS(authorizationManager=vim.AuthorizationManager("AuthorizationManager"))
    return client


def test_disable_methods_body_is_govmomis_internal_request():
    conn = FakeConn(200, b"")
    fake_client(conn).disable_methods([vim.VirtualMachine("vm-65")], ["PowerOnVM_Task"], "cloudmove.vcda", "r<1>")
    method, path, body, headers = conn.sent
    assert (method, path, headers["SOAPAction"]) == ("POST", "/sdk", '"urn:vim25/7.0"')
    assert headers["Cookie"] == 'vmware_soap_session="abc"'
    assert '<DisableMethods xmlns="urn:internalvim25">' in body
    assert '<_this type="AuthorizationManager">AuthorizationManager</_this>' in body
    assert '<entity type="VirtualMachine">vm-65</entity>' in body
    assert "<method><method>PowerOnVM_Task</method><reasonId>r&lt;1&gt;</reasonId></method>" in body
    assert "<sourceId>cloudmove.vcda</sourceId>" in body


def test_enable_methods_raises_the_servers_fault():
    fault = (b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/'
             b'soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
             b'<faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail>'
             b'<InvalidArgumentFault xmlns="urn:vim25" xsi:type="InvalidArgument"><invalidProperty>sourceId'
             b'</invalidProperty></InvalidArgumentFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>')
    conn = FakeConn(500, fault)
    with pytest.raises(vmodl.fault.InvalidArgument) as err:
        fake_client(conn).enable_methods([vim.VirtualMachine("vm-65")], ["PowerOnVM_Task"], "")
    assert getattr(err.value, "invalidProperty", None) == "sourceId"
    assert "<EnableMethods xmlns=\"urn:internalvim25\">" in conn.sent[2]
    assert "<method>PowerOnVM_Task</method>" in conn.sent[2]
