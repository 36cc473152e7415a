# -*- coding: utf-8 -*-
"""Lab helper (not part of the collection): the tenant's workload VMs in a lab vcsim, as sources of migrations.

    python3 lab/tenant_vms.py [--vcsim lab/run/vcsim-tenant.json] ensure NAME... [--power on|off] [--network DC0_DVPG0]
    python3 lab/tenant_vms.py [--vcsim ...] power NAME... --power on|off
    python3 lab/tenant_vms.py [--vcsim ...] delete NAME...
    python3 lab/tenant_vms.py [--vcsim ...] reset

``ensure`` creates the missing VMs (one VMXNET3 NIC on the port group, one thin disk of ``--disk-mb``) in DC0/DC0_C0
with the power state asked, each marked as a lab workload (``extraConfig`` key ``MARK``); existing VMs are left alone
(a migrated, guarded source stays as it is). ``power`` sets the power state of existing VMs, first re-enabling a
power-on a guard disabled (tests start from clean VMs). ``delete`` removes the VMs named, ``reset`` every VM this
helper created, whatever a migration left them as (powered off, power-on disabled, noted, NICs disconnected): the
next wave finds its VMs new, as on a fresh lab (lab/reset.py, the whole lab given back). The vcsim's own inventory
(``DC0_H0_VM0``, ...) and what the playbooks deploy (the L2 VPN client, port groups) are not touched.
Prints JSON ``{"created", "powered", "deleted"}``.
"""
import argparse
import json
import ssl
import sys

from pyVim.connect import SmartConnect, Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim

MARK = "cloudmove.lab.workload"  # extraConfig key of the VMs this helper created (reset deletes them)


def connect(state_file):
    with open(state_file) as handle:
        facts = json.load(handle)
    context = ssl.create_default_context(cafile=facts["cert_file"])
    return SmartConnect(host=facts["hostname"], port=facts["port"], user=facts["username"], pwd=facts["password"],
                        sslContext=context)


def vms_by_name(content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return dict((vm.name, vm) for vm in view.view)
    finally:
        view.Destroy()


def find(content, vimtype, name):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
    try:
        return next(o for o in view.view if o.name == name)
    finally:
        view.Destroy()


def create(content, name, network, disk_mb):
    datacenter = find(content, vim.Datacenter, "DC0")
    cluster = find(content, vim.ClusterComputeResource, "DC0_C0")
    portgroup = find(content, vim.Network, network)
    nic = vim.vm.device.VirtualVmxnet3()
    if isinstance(portgroup, vim.dvs.DistributedVirtualPortgroup):
        nic.backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
            port=vim.dvs.PortConnection(portgroupKey=portgroup.key,
                                        switchUuid=portgroup.config.distributedVirtualSwitch.uuid))
    else:
        nic.backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=network, network=portgroup)
    nic.key = -1
    controller = vim.vm.device.ParaVirtualSCSIController(key=-2, busNumber=0,
                                                         sharedBus=vim.vm.device.VirtualSCSIController.Sharing.noSharing)
    disk = vim.vm.device.VirtualDisk(key=-3, controllerKey=-2, unitNumber=0, capacityInKB=disk_mb * 1024,
                                     backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
                                         diskMode="persistent", thinProvisioned=True, fileName=""))
    changes = [vim.vm.device.VirtualDeviceSpec(operation="add", device=nic),
               vim.vm.device.VirtualDeviceSpec(operation="add", device=controller),
               vim.vm.device.VirtualDeviceSpec(operation="add", device=disk, fileOperation="create")]
    spec = vim.vm.ConfigSpec(name=name, memoryMB=512, numCPUs=1, guestId="otherLinux64Guest", deviceChange=changes,
                             files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"),
                             extraConfig=[vim.option.OptionValue(key=MARK, value="lab/tenant_vms.py")])
    WaitForTask(datacenter.vmFolder.CreateVM_Task(config=spec, pool=cluster.resourcePool))


def marked(vm):
    """Whether ``vm`` is a workload this helper created."""
    try:
        return any(option.key == MARK for option in vm.config.extraConfig or [])
    except AttributeError:  # a VM being destroyed meanwhile
        return False


def delete(vm):
    if vm.runtime.powerState == "poweredOn":
        WaitForTask(vm.PowerOffVM_Task())
    WaitForTask(vm.Destroy_Task())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vcsim", default="lab/run/vcsim-tenant.json")
    parser.add_argument("action", choices=["ensure", "power", "delete", "reset"])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--power", choices=["on", "off"], default="on")
    parser.add_argument("--network", default="DC0_DVPG0")
    parser.add_argument("--disk-mb", type=int, default=256)
    args = parser.parse_args()
    if not args.names and args.action != "reset":
        parser.error("%s needs the names of the VMs" % args.action)
    si = connect(args.vcsim)
    out = {"created": [], "powered": [], "deleted": []}
    try:
        content = si.RetrieveContent()
        existing = vms_by_name(content)
        if args.action == "reset":
            args.names = sorted(name for name, vm in existing.items() if marked(vm))
        for name in args.names:
            vm = existing.get(name)
            if args.action in ("delete", "reset"):
                if vm is not None:
                    delete(vm)
                    out["deleted"].append(name)
                continue
            if vm is None and args.action == "ensure":
                create(content, name, args.network, args.disk_mb)
                vm = vms_by_name(content)[name]
                out["created"].append(name)
            elif args.action == "ensure" or vm is None:
                continue
            try:
                content.authorizationManager.EnableMethods([vm], ["PowerOnVM_Task"], "cloudmove.vcda")
            except Exception:  # pylint: disable=broad-except  # not guarded, or vcsim without EnableMethods
                pass
            wanted = "poweredOn" if args.power == "on" else "poweredOff"
            if vm.runtime.powerState != wanted:
                WaitForTask(vm.PowerOnVM_Task() if args.power == "on" else vm.PowerOffVM_Task())
                out["powered"].append(name)
    finally:
        Disconnect(si)
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
