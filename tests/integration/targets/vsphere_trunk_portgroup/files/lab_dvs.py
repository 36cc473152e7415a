"""Changes behind the module's back for the vsphere_trunk_portgroup target (plain pyvmomi).

  lab_dvs.py VC_JSON vm-create NAME PG [PG...]   VM in DC0_C0 with one adapter per port group
  lab_dvs.py VC_JSON vm-delete NAME
  lab_dvs.py VC_JSON security PG KEY true|false  set allowPromiscuous/forgedTransmits/macChanges
  lab_dvs.py VC_JSON show PG [VM]                the port group (and the VM's ports) as JSON

VC_JSON is the lab's connection facts (vcsim_tenant) as JSON.
"""
import json
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim

SINK_KEY = "com.vmware.etherswitch.port.extraEthFRP"


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


def vm_create(content, name, groups):
    datacenter = find(content, vim.Datacenter, "DC0")
    cluster = find(content, vim.ClusterComputeResource, "DC0_C0")
    changes = []
    for index, group in enumerate(groups):
        portgroup = find(content, vim.dvs.DistributedVirtualPortgroup, group)
        switch = portgroup.config.distributedVirtualSwitch
        backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
            port=vim.dvs.PortConnection(switchUuid=switch.uuid, portgroupKey=portgroup.key))
        label = "Network adapter %d" % (index + 1)  # what vCenter calls them
        nic = vim.vm.device.VirtualVmxnet3(key=-(index + 1), backing=backing,
                                           deviceInfo=vim.Description(label=label, summary=group))
        changes.append(vim.vm.device.VirtualDeviceSpec(operation="add", device=nic))
    spec = vim.vm.ConfigSpec(name=name, guestId="otherGuest", numCPUs=1, memoryMB=64, deviceChange=changes,
                             files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"))
    WaitForTask(datacenter.vmFolder.CreateVM_Task(config=spec, pool=cluster.resourcePool))


def vm_delete(content, name):
    vm = find(content, vim.VirtualMachine, name)
    if vm is not None:
        WaitForTask(vm.Destroy_Task())


def security(content, group, key, value):
    portgroup = find(content, vim.dvs.DistributedVirtualPortgroup, group)
    attr = {"promiscuous": "allowPromiscuous", "forged_transmits": "forgedTransmits", "mac_changes": "macChanges"}[key]
    policy = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(inherited=False)
    setattr(policy, attr, vim.BoolPolicy(inherited=False, value=value == "true"))
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion=portgroup.config.configVersion,
        defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(securityPolicy=policy))
    WaitForTask(portgroup.ReconfigureDVPortgroup_Task(spec))


def policy_value(security_policy, attr):
    policy = getattr(security_policy, attr, None) if security_policy is not None else None
    return policy.value if policy is not None else None


def show(content, group, vm_name=None):
    portgroup = find(content, vim.dvs.DistributedVirtualPortgroup, group)
    if portgroup is None:
        return {"exists": False}
    setting = portgroup.config.defaultPortConfig
    security_policy = setting.securityPolicy
    vlan = setting.vlan
    out = {
        "exists": True,
        "config_version": portgroup.config.configVersion,
        "num_ports": portgroup.config.numPorts,
        "type": portgroup.config.type,
        "vlan": [[r.start, r.end] for r in vlan.vlanId] if isinstance(vlan.vlanId, list) else vlan.vlanId,
        "promiscuous": policy_value(security_policy, "allowPromiscuous"),
        "forged_transmits": policy_value(security_policy, "forgedTransmits"),
        "mac_changes": policy_value(security_policy, "macChanges"),
        "vendor_config_override_allowed": portgroup.config.policy.vendorConfigOverrideAllowed,
    }
    if vm_name:
        vm = find(content, vim.VirtualMachine, vm_name)
        switch = portgroup.config.distributedVirtualSwitch
        ports = {}
        for device in vm.config.hardware.device:
            port = getattr(getattr(device, "backing", None), "port", None)
            if port is None or not port.portKey:
                continue
            live = switch.FetchDVPorts(vim.dvs.PortCriteria(portKey=[port.portKey]))[0]
            values = dict((b.key, b.opaqueData) for b in live.config.setting.vendorSpecificConfig.keyValue or [])
            ports[device.deviceInfo.label] = {"port_key": port.portKey, "portgroup_key": live.portgroupKey,
                                              "sink": values.get(SINK_KEY)}
        out["vm_ports"] = ports
    return out


def main(argv):
    facts = json.loads(argv[1])
    command, args = argv[2], argv[3:]
    si = connect(facts)
    try:
        content = si.RetrieveContent()
        if command == "vm-create":
            vm_create(content, args[0], args[1:])
        elif command == "vm-delete":
            vm_delete(content, args[0])
        elif command == "security":
            security(content, *args)
        elif command == "show":
            print(json.dumps(show(content, *args)))
        else:
            raise SystemExit("unknown command %s" % command)
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main(sys.argv)
