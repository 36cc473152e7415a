"""Lab vcsim patch 0008 (DVS ports, port reconfiguration, merging port group reconfiguration)
checked with a real pyvmomi client, on a private instance ("dvstest", 127.0.0.1:8996)."""
import pytest
from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from test_vcsim import _connect, state, vcsim_sh

NAME, ADDR = "dvstest", "127.0.0.1:8996"
SINK = "com.vmware.etherswitch.port.extraEthFRP"


@pytest.fixture(scope="module")
def content():
    vcsim_sh("build")
    vcsim_sh("stop", NAME, check=False)
    vcsim_sh("start", NAME, ADDR)
    si = _connect(state(NAME))
    yield si.RetrieveContent()
    Disconnect(si)
    vcsim_sh("stop", NAME, check=False)


def find(content, vimtype, name):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
    try:
        return [o for o in view.view if o.name == name][0]
    finally:
        view.Destroy()


def add_trunk(content, name, **kwargs):
    dvs = find(content, vim.DistributedVirtualSwitch, "DVS0")
    setting = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(
        vlan=vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec(
            inherited=False, vlanId=[vim.NumericRange(start=1, end=100), vim.NumericRange(start=200, end=300)]),
        securityPolicy=vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(
            inherited=False, allowPromiscuous=vim.BoolPolicy(inherited=False, value=True)))
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name=name, type="earlyBinding",
                                                          defaultPortConfig=setting, **kwargs)
    WaitForTask(dvs.AddDVPortgroup_Task([spec]))
    return dvs, find(content, vim.dvs.DistributedVirtualPortgroup, name)


def vm_on(content, name, portgroup):
    dvs = portgroup.config.distributedVirtualSwitch
    backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
        port=vim.dvs.PortConnection(switchUuid=dvs.uuid, portgroupKey=portgroup.key))
    nic = vim.vm.device.VirtualVmxnet3(key=-1, backing=backing)
    spec = vim.vm.ConfigSpec(name=name, guestId="otherGuest", files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"),
                             deviceChange=[vim.vm.device.VirtualDeviceSpec(operation="add", device=nic)])
    dc = find(content, vim.Datacenter, "DC0")
    pool = find(content, vim.ClusterComputeResource, "DC0_C0").resourcePool
    WaitForTask(dc.vmFolder.CreateVM_Task(config=spec, pool=pool))
    vm = find(content, vim.VirtualMachine, name)
    return vm, [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)][0]


def test_vm_adapters_get_unique_ports(content):
    dvs = find(content, vim.DistributedVirtualSwitch, "DVS0")
    keys = []
    for name in ("DC0_H0_VM0", "DC0_H0_VM1"):
        vm = find(content, vim.VirtualMachine, name)
        nic = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)][0]
        key = nic.backing.port.portKey
        ports = dvs.FetchDVPorts(vim.dvs.PortCriteria(portKey=[key]))
        assert len(ports) == 1
        assert ports[0].connectee.connectedEntity == vm
        assert ports[0].connectee.nicKey == str(nic.key)
        keys.append(key)
    assert keys[0] != keys[1]
    pg0 = find(content, vim.dvs.DistributedVirtualPortgroup, "DC0_DVPG0")
    inside = dvs.FetchDVPorts(vim.dvs.PortCriteria(portgroupKey=[pg0.key], inside=True))
    assert {p.key for p in inside} >= set(keys)
    assert all(p.portgroupKey == pg0.key for p in inside)


def test_trunk_portgroup_reconfigure_merges_and_checks_version(content):
    dvs, pg = add_trunk(content, "lab-trunk-merge", numPorts=4)
    assert pg.config.configVersion == "0"
    assert [(r.start, r.end) for r in pg.config.defaultPortConfig.vlan.vlanId] == [(1, 100), (200, 300)]
    assert pg.config.defaultPortConfig.securityPolicy.forgedTransmits.value is False  # filled from defaults
    assert len(dvs.FetchDVPorts(vim.dvs.PortCriteria(portgroupKey=[pg.key], inside=True))) == 4
    security = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(
        inherited=False, forgedTransmits=vim.BoolPolicy(inherited=False, value=True))
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion="0", numPorts=6,
        defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(securityPolicy=security))
    WaitForTask(pg.ReconfigureDVPortgroup_Task(spec))
    setting = pg.config.defaultPortConfig
    assert setting.securityPolicy.forgedTransmits.value is True
    assert setting.securityPolicy.allowPromiscuous.value is True  # left alone
    assert [(r.start, r.end) for r in setting.vlan.vlanId] == [(1, 100), (200, 300)]
    assert pg.config.name == "lab-trunk-merge" and pg.config.configVersion == "1"
    assert pg.config.numPorts == 6 and len(pg.portKeys) == 6
    with pytest.raises(vim.fault.ConcurrentAccess):
        WaitForTask(pg.ReconfigureDVPortgroup_Task(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(configVersion="0")))


def test_port_vendor_config_needs_override_and_persists(content):
    dvs, pg = add_trunk(content, "lab-trunk-sink", numPorts=2)
    vm, nic = vm_on(content, "lab-sink-vm", pg)
    key = nic.backing.port.portKey
    assert key in pg.portKeys

    def sink_spec(version, inherited=False):
        vendor = vim.dvs.DistributedVirtualPort.VendorSpecificConfig(
            inherited=inherited, keyValue=[] if inherited else [vim.dvs.KeyedOpaqueBlob(key=SINK, opaqueData="SINK")])
        return vim.dvs.DistributedVirtualPort.ConfigSpec(
            operation="edit", key=key, configVersion=version,
            setting=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(vendorSpecificConfig=vendor))

    with pytest.raises(vmodl.fault.InvalidArgument) as err:
        WaitForTask(dvs.ReconfigureDVPort_Task([sink_spec("0")]))
    assert "vendorSpecificConfig" in str(err.value.invalidProperty)
    policy = pg.config.policy
    policy.vendorConfigOverrideAllowed = True
    WaitForTask(pg.ReconfigureDVPortgroup_Task(vim.dvs.DistributedVirtualPortgroup.ConfigSpec(policy=policy)))
    WaitForTask(dvs.ReconfigureDVPort_Task([sink_spec("0")]))
    port = dvs.FetchDVPorts(vim.dvs.PortCriteria(portKey=[key]))[0]
    assert [(b.key, b.opaqueData) for b in port.config.setting.vendorSpecificConfig.keyValue] == [(SINK, "SINK")]
    assert port.config.configVersion == "1"
    other = [k for k in pg.portKeys if k != key][0]
    assert not dvs.FetchDVPorts(vim.dvs.PortCriteria(portKey=[other]))[0].config.setting.vendorSpecificConfig.keyValue
    with pytest.raises(vim.fault.ConcurrentAccess):
        WaitForTask(dvs.ReconfigureDVPort_Task([sink_spec("0")]))
    # the port group cannot go while the VM uses a port; the VM going frees it
    with pytest.raises(vim.fault.ResourceInUse):
        WaitForTask(pg.Destroy_Task())
    WaitForTask(dvs.ReconfigureDVPort_Task([sink_spec("1", inherited=True)]))
    assert not dvs.FetchDVPorts(vim.dvs.PortCriteria(portKey=[key]))[0].config.setting.vendorSpecificConfig.keyValue
    WaitForTask(vm.Destroy_Task())
    assert dvs.FetchDVPorts(vim.dvs.PortCriteria(portKey=[key]))[0].connectee is None
    WaitForTask(pg.Destroy_Task())
    assert not dvs.FetchDVPorts(vim.dvs.PortCriteria(portKey=[key]))
