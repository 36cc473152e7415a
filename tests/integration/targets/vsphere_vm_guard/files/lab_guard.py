"""Plain pyVmomi checks for the vsphere_vm_guard target (what a user or another tool would do).

  lab_guard.py VC_JSON create NAME          powered-off VM in DC0_C0 with two adapters (on VM Network)
  lab_guard.py VC_JSON delete NAME
  lab_guard.py VC_JSON power-on NAME        {"ok": true} or {"fault": "MethodDisabled", "source": ...}
  lab_guard.py VC_JSON power-off NAME
  lab_guard.py VC_JSON show NAME            annotation, custom values, disabledMethod, adapters


VC_JSON is the lab's connection facts (vcsim_tenant) as JSON.
"""
import json
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim


def connect(facts):
    context = ssl.create_default_context(cafile=facts["cert_file"])
    return SmartConnect(host=facts["hostname"], port=int(facts["port"]), user=facts["username"],
                        pwd=facts["password"], sslContext=context)


def find(content, vimtype, name):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
    try:
        for obj in view.view:
            if obj.name == name:
                return obj
    finally:
        view.Destroy()
    return None


def create(content, name):
    if find(content, vim.VirtualMachine, name) is not None:
        return {"created": False}
    datacenter = find(content, vim.Datacenter, "DC0")
    cluster = find(content, vim.ClusterComputeResource, "DC0_C0")
    network = find(content, vim.Network, "VM Network")
    changes = []
    for index in range(2):
        backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(network=network, deviceName=network.name)
        nic = vim.vm.device.VirtualVmxnet3(
            key=-(index + 1), backing=backing,
            deviceInfo=vim.Description(label="Network adapter %d" % (index + 1), summary=network.name),
            connectable=vim.vm.device.VirtualDevice.ConnectInfo(startConnected=True, allowGuestControl=True))
        changes.append(vim.vm.device.VirtualDeviceSpec(operation="add", device=nic))
    spec = vim.vm.ConfigSpec(name=name, guestId="otherGuest", numCPUs=1, memoryMB=64, deviceChange=changes,
                             annotation="WebApp tier, owner: app team",
                             files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"))
    WaitForTask(datacenter.vmFolder.CreateVM_Task(config=spec, pool=cluster.resourcePool))
    return {"created": True}


def show(content, name):
    vm = find(content, vim.VirtualMachine, name)
    fields = dict((f.key, f.name) for f in content.customFieldsManager.field or [])
    return {
        "power_state": str(vm.runtime.powerState),
        "annotation": vm.config.annotation,
        "disabled_methods": list(vm.disabledMethod or []),
        "custom_values": dict((fields.get(v.key, str(v.key)), v.value) for v in vm.customValue or []),
        "start_connected": [bool(d.connectable.startConnected) for d in vm.config.hardware.device
                            if isinstance(d, vim.vm.device.VirtualEthernetCard)],
        "extra_config": dict((o.key, o.value) for o in vm.config.extraConfig or []),
    }


def main():
    facts = json.loads(sys.argv[1])
    action, name = sys.argv[2], sys.argv[3]
    si = connect(facts)
    content = si.RetrieveContent()
    try:
        if action == "create":
            out = create(content, name)
        elif action == "delete":
            vm = find(content, vim.VirtualMachine, name)
            if vm is not None:
                if vm.runtime.powerState == "poweredOn":
                    WaitForTask(vm.PowerOffVM_Task())
                WaitForTask(vm.Destroy_Task())
            out = {"deleted": vm is not None}
        elif action == "power-on":
            vm = find(content, vim.VirtualMachine, name)
            try:
                if vm.runtime.powerState != "poweredOn":
                    WaitForTask(vm.PowerOnVM_Task())
                out = {"ok": True}
            except vim.fault.MethodDisabled as fault:
                out = {"fault": "MethodDisabled", "source": fault.source, "msg": fault.msg}
        elif action == "power-off":
            vm = find(content, vim.VirtualMachine, name)
            if vm.runtime.powerState == "poweredOn":
                WaitForTask(vm.PowerOffVM_Task())
            out = {"ok": True}
        elif action == "show":
            out = show(content, name)
        else:
            raise SystemExit("unknown action %s" % action)
    finally:
        Disconnect(si)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
