"""What the replication engine acts on: the sites' vCenters and Cloud Directors.

* An **on-premises site**'s vCenter is the one behind its appliance's lookup service (the tenant vcsim), reached
  with pyVmomi and the SSO administrator credentials given at setup, its certificate pinned to the lookup
  service thumbprint (``Vcenter``). Unit tests swap ``VCENTER_FACTORY``.
* A **cloud site**'s Cloud Director is the lab vCD emulator its appliance is configured with
  (``POST /config/vcloud``), driven in-process through ``lab/emulators/vcd/api_vapps.py`` (a real VCDA uses its
  own, non-public integration with Cloud Director) (``Vcd``).
* Sites are found among the lab's appliances (``common.fabric``): the cloud or on-prem appliance whose site name
  it is.
"""
from __future__ import annotations

import ssl
import threading
import time
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from ..common import fabric
from ..common.errors import ApiError
from . import checks, inferred


# ----- sites --------------------------------------------------------------------------------------------
def vcda_appliances(anchor) -> List[Any]:
    return fabric.peers(anchor, "vcda")


def site_appliance(anchor, site: str, kind: Optional[str] = None):
    """The cloud (or on-prem) appliance serving ``site``, or None."""
    for appliance in vcda_appliances(anchor):
        if appliance.spec.type in ("cloud", "onprem") and (kind is None or appliance.spec.type == kind):
            try:
                if appliance.local_site() == site:
                    return appliance
            except Exception:  # pylint: disable=broad-except  # an appliance being reset
                continue
    return None


def site_kinds(anchor) -> Dict[str, str]:
    """``{site name: "cloud" | "onprem"}`` of the lab's VCDA appliances, read once."""
    out = {}
    for appliance in vcda_appliances(anchor):
        if appliance.spec.type in ("cloud", "onprem"):
            site = (appliance.store.peek("site") or {}).get("name")
            if site:
                out[site] = appliance.spec.type
    return out


def site_kind(anchor, site: str) -> Optional[str]:
    appliance = site_appliance(anchor, site)
    return appliance.spec.type if appliance is not None else None


# ----- Cloud Director ------------------------------------------------------------------------------------
class Vcd:
    """The lab vCD of a cloud site."""

    def __init__(self, appliance, vcd):
        self.site_appliance = appliance
        self.vcd = vcd
        from ..vcd import api_vapps  # pylint: disable=import-outside-toplevel
        self.api = api_vapps

    def vdc(self, ident: str, org: Optional[str] = None):
        return self.api.find_vdc(self.vcd, ident, org)

    def vdc_view(self, vdc):
        return self.api.vdc_view(self.vcd, vdc)

    def vdcs(self, org=None):
        return self.api.list_vdcs(self.vcd, org)

    def networks(self, vdc_id):
        return self.api.networks(self.vcd, vdc_id)

    def network(self, vdc_id, ident):
        return self.api.find_network(self.vcd, vdc_id, ident)

    def storage_profiles(self, vdc_id):
        return self.api.storage_profiles(self.vcd, vdc_id)

    def storage_profile(self, vdc_id, ident):
        return self.api.find_storage_profile(self.vcd, vdc_id, ident)

    def vms(self, org=None):
        return self.api.list_vms(self.vcd, org)

    def vapps(self, org=None):
        return self.api.list_vapps(self.vcd, org)

    def vm(self, vm_id):
        found = self.api.get_vm(self.vcd, vm_id)
        return self.api.vm_view(self.vcd, found) if found else None

    def vapp(self, vapp_id):
        found = self.api.get_vapp(self.vcd, vapp_id)
        return self.api.vapp_view(self.vcd, found) if found else None

    def create_vapp(self, **kwargs):
        return self.api.create_vapp(self.vcd, **kwargs)

    def delete_vapp(self, vapp_id):
        return self.api.delete_vapp(self.vcd, vapp_id)

    def power(self, ident, on):
        self.api.set_power(self.vcd, ident, on)

    def remove_vm(self, vm_id):
        self.api.remove_vm(self.vcd, vm_id)


def vcd_for(anchor, site: str) -> Vcd:
    """The Cloud Director of cloud site ``site`` (ApiError when the site or its vCD is not there)."""
    appliance = site_appliance(anchor, site, "cloud")
    if appliance is None:
        raise inferred.site_not_found(site)
    vcloud = appliance.state.get("vcloud")
    if not vcloud:
        raise inferred.prerequisite_missing("replicate to or from site '%s'" % site,
                                            "configure its Cloud Director (POST /config/vcloud)")
    spec = checks._vcd_emulator(appliance.lab, vcloud["vcdUrl"])  # pylint: disable=protected-access
    vcd = next((p for p in fabric.peers(anchor, "vcd") if spec is not None and p.name == spec.name), None)
    if vcd is None:
        raise inferred.unreachable(vcloud["vcdUrl"], "no lab Cloud Director serves this URL")
    return Vcd(appliance, vcd)


# ----- vCenter (pyVmomi) -----------------------------------------------------------------------------------
class Vcenter:
    """A vCenter reached with pyVmomi; one cached connection per URL, used by many request and task threads at
    once (a real VCDA serves requests in parallel): the lock guards only the connection (connect, reconnect),
    never a SOAP call - pyVmomi's stub keeps a pool of HTTP connections and is safe for concurrent calls."""

    def __init__(self, url: str, thumbprint: str, user: str, password: str, timeout: float = 5.0):
        self.url, self.thumbprint, self.user, self.password, self.timeout = url, thumbprint, user, password, timeout
        self.lock = threading.RLock()
        self.si = None
        self.service_content = None
        from pyVmomi import vim, vmodl  # pylint: disable=import-outside-toplevel
        self.vim, self.vmodl = vim, vmodl

    def _connect(self):
        from pyVim.connect import SmartConnect  # pylint: disable=import-outside-toplevel
        checks.check_tls(self.url, self.thumbprint, timeout=self.timeout)
        parts = urlsplit(self.url)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # pinned just above (check_tls)
        try:
            self.si = SmartConnect(host=parts.hostname, port=parts.port or 443, user=self.user, pwd=self.password,
                                   sslContext=context, connectionPoolTimeout=-1)
            self.service_content = self.si.RetrieveContent()
        except self.vim.fault.InvalidLogin:
            raise inferred.remote_authentication_failure(self.url, "the vCenter refused the SSO credentials") from None
        except ApiError:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            raise inferred.unreachable(self.url, str(exc)) from None

    def _session(self):
        """``(si, content)``, connecting first when there is no connection."""
        with self.lock:
            if self.si is None:
                self._connect()
            return self.si, self.service_content

    def _call(self, work):
        """``work(si, content)``; when it fails for another reason than an ApiError (the session was lost: vcsim
        restarted), once more on a new connection - made by the first thread that sees the failure."""
        si, content = self._session()
        try:
            return work(si, content)
        except ApiError:
            raise
        except Exception:  # pylint: disable=broad-except
            with self.lock:
                if self.si is si:
                    self.si = None
            si, content = self._session()
            return work(si, content)

    def content(self):
        return self._session()[1]

    def instance_uuid(self) -> str:
        return self.content().about.instanceUuid

    def _vm(self, moid):
        """``(vm, content)``; ``vm`` None when it does not exist."""
        missing = self.vmodl.fault.ManagedObjectNotFound

        def probe(si, _content):
            obj = self.vim.VirtualMachine(moid, si._stub)  # pylint: disable=protected-access
            try:
                obj.name  # pylint: disable=pointless-statement
            except missing:
                return None
            return obj
        try:
            return self._call(probe), self.service_content
        except ApiError:
            raise
        except Exception:  # pylint: disable=broad-except
            return None, self.service_content

    VM_PROPERTIES = ["name", "runtime.powerState", "config.hardware.numCPU", "config.hardware.memoryMB",
                     "config.hardware.device", "config.guestId", "config.instanceUuid", "guest.toolsRunningStatus",
                     "parent", "network"]

    def vm_info(self, moid: str) -> Optional[Dict[str, Any]]:
        """The source VM as the engine keeps it, from one property-collector read (the VM's properties and the
        names of its networks, through the VM's ``network`` property): one SOAP round trip instead of one per
        property. None when the VM does not exist."""
        vim, vmodl = self.vim, self.vmodl

        def read(si, content):
            pc = vmodl.query.PropertyCollector
            spec = pc.FilterSpec(
                objectSet=[pc.ObjectSpec(obj=vim.VirtualMachine(moid, si._stub), skip=False,  # pylint: disable=protected-access
                                         selectSet=[pc.TraversalSpec(name="nets", type=vim.VirtualMachine, path="network",
                                                                     skip=False)])],
                propSet=[pc.PropertySpec(type=vim.VirtualMachine, pathSet=self.VM_PROPERTIES),
                         pc.PropertySpec(type=vim.Network, pathSet=["name"])])
            try:
                return content.propertyCollector.RetrieveContents([spec])
            except vmodl.fault.ManagedObjectNotFound:
                return None
        result = self._call(read)
        props, networks = None, {}
        for obj in result or []:
            values = {p.name: p.val for p in obj.propSet}
            if isinstance(obj.obj, vim.VirtualMachine):
                props = values
            else:
                networks[obj.obj._moId] = values.get("name")  # pylint: disable=protected-access
        if props is None or "name" not in props:
            return None
        disks, nics = [], []
        for dev in props.get("config.hardware.device") or []:
            if isinstance(dev, vim.vm.device.VirtualDisk):
                disks.append({"key": dev.key, "sizeBytes": int(dev.capacityInBytes or dev.capacityInKB * 1024), "label": dev.deviceInfo.label})
            elif isinstance(dev, vim.vm.device.VirtualEthernetCard):
                backing = dev.backing
                if isinstance(backing, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo):
                    # a port group's key is its MoRef value
                    name = networks.get(backing.port.portgroupKey, backing.port.portgroupKey)
                elif isinstance(backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
                    name = backing.deviceName
                else:
                    name = None
                nics.append({"index": len(nics), "key": dev.key, "network": name, "mac": dev.macAddress})
        parent = props.get("parent")
        return {"moid": moid, "name": props["name"], "powerState": str(props.get("runtime.powerState")),
                "cpu": props.get("config.hardware.numCPU"), "memoryMB": props.get("config.hardware.memoryMB"),
                "guestOs": props.get("config.guestId"), "disks": disks, "nics": nics,
                "diskBytes": sum(d["sizeBytes"] for d in disks), "instanceUuid": props.get("config.instanceUuid"),
                "toolsRunning": str(props.get("guest.toolsRunningStatus") or "") == "guestToolsRunning",
                "folder": parent._moId if parent is not None else None}  # pylint: disable=protected-access

    def _wait(self, task):
        deadline = time.monotonic() + 120
        while task.info.state in ("queued", "running"):
            if time.monotonic() > deadline:
                raise inferred.server_failure("vCenter task %s did not finish" % task._moId)  # pylint: disable=protected-access
            time.sleep(0.05)
        if task.info.state == "error":
            raise self._fault(task.info.error)
        return task.info.result

    def _fault(self, fault) -> ApiError:
        name = type(fault).__name__.split(".")[-1]
        msg = getattr(fault, "msg", None) or str(fault)
        return inferred.vcenter_fault(self.url, name, msg)

    def power_off(self, moid: str, guest_seconds: float) -> str:
        """Guest shutdown (when tools run), then power off after ``guest_seconds``. Returns what was done."""
        vm = self._vm(moid)[0]
        if vm is None:
            raise inferred.source_vm_gone(moid)
        if str(vm.runtime.powerState) == "poweredOff":
            return "already off"
        done = "powerOff"
        try:
            vm.ShutdownGuest()
            done = "shutdownGuest"
        except Exception:  # pylint: disable=broad-except  # ToolsUnavailable, not implemented: hard power-off
            pass
        deadline = time.monotonic() + guest_seconds
        while done == "shutdownGuest" and time.monotonic() < deadline:
            if str(vm.runtime.powerState) == "poweredOff":
                return done
            time.sleep(0.05)
        if str(vm.runtime.powerState) != "poweredOff":
            try:
                self._wait(vm.PowerOffVM_Task())
            except self.vim.fault.InvalidPowerState:
                pass
            done = done + "+powerOff" if done != "powerOff" else done
        return done

    def power_on(self, moid: str) -> None:
        vm = self._vm(moid)[0]
        if vm is None:
            raise inferred.source_vm_gone(moid)
        if str(vm.runtime.powerState) == "poweredOn":
            return
        try:
            self._wait(vm.PowerOnVM_Task())
        except ApiError:
            raise
        except Exception as exc:  # pylint: disable=broad-except  # MethodDisabled and friends
            raise self._fault(exc) from None

    def create_vm(self, placement: Dict[str, Any], name: str, cpu: int, memory_mb: int, guest_os: str,
                  disks: List[int], nics: List[Dict[str, Any]], power_on: bool) -> str:
        """A new VM in the on-prem placement (folder, cluster's root pool, datastore, network)."""
        vim = self.vim
        si = self._session()[0]
        stub = si._stub  # pylint: disable=protected-access
        folder = vim.Folder(placement["vmFolder"], stub)
        cluster = vim.ClusterComputeResource(placement["cluster"], stub)
        datastore = vim.Datastore(placement["datastore"], stub)
        if str(placement["network"]).startswith("dvportgroup-"):
            network = vim.dvs.DistributedVirtualPortgroup(placement["network"], stub)
        else:
            network = vim.Network(placement["network"], stub)
        devices = []
        ctrl = vim.vm.device.VirtualDeviceSpec(operation="add", device=vim.vm.device.ParaVirtualSCSIController(
            key=1000, busNumber=0, sharedBus="noSharing"))
        devices.append(ctrl)
        for unit, size in enumerate(disks):
            flat = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(diskMode="persistent", thinProvisioned=True)
            disk = vim.vm.device.VirtualDisk(key=2000 + unit, controllerKey=1000, unitNumber=unit, capacityInKB=max(1, size // 1024),
                                             backing=flat)
            devices.append(vim.vm.device.VirtualDeviceSpec(operation="add", fileOperation="create", device=disk))
        for index, _nic in enumerate(nics):
            if isinstance(network, vim.dvs.DistributedVirtualPortgroup):
                port = vim.dvs.PortConnection(switchUuid=network.config.distributedVirtualSwitch.uuid, portgroupKey=network.key)
                backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port)
            else:
                backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=network.name, network=network)
            card = vim.vm.device.VirtualVmxnet3(key=4000 + index, backing=backing, connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                startConnected=True, connected=False, allowGuestControl=True))
            devices.append(vim.vm.device.VirtualDeviceSpec(operation="add", device=card))
        spec = vim.vm.ConfigSpec(name=name, numCPUs=cpu, memoryMB=memory_mb, guestId=guest_os or "otherGuest64",
                                 files=vim.vm.FileInfo(vmPathName="[%s]" % datastore.name), deviceChange=devices)
        vm = self._wait(folder.CreateVM_Task(config=spec, pool=cluster.resourcePool))
        if power_on:
            self._wait(vm.PowerOnVM_Task())
        return vm._moId  # pylint: disable=protected-access


_VCENTERS: Dict[tuple, Vcenter] = {}
_VCENTERS_LOCK = threading.Lock()


def _default_factory(url, thumbprint, user, password, timeout):
    key = (url, thumbprint, user)
    with _VCENTERS_LOCK:
        found = _VCENTERS.get(key)
        if found is None or found.password != password:
            found = _VCENTERS[key] = Vcenter(url, thumbprint, user, password, timeout)
        return found


VCENTER_FACTORY = _default_factory


def vcenter_for(anchor, site: str):
    """The vCenter of on-prem site ``site`` (its appliance's lookup service + SSO credentials)."""
    appliance = site_appliance(anchor, site, "onprem")
    if appliance is None:
        raise inferred.site_not_found(site)
    ls = appliance.state.get("lookupService") or {}
    if not ls or not ls.get("sso"):
        raise inferred.prerequisite_missing("replicate from or to the on-premises site '%s'" % site,
                                            "configure its lookup service with SSO administrator credentials")
    parts = urlsplit(ls["url"])
    url = "https://%s:%d/sdk" % (parts.hostname, parts.port or 443)
    return VCENTER_FACTORY(url, ls["thumbprint"], ls["sso"]["user"], ls["sso"]["password"], appliance.peer_timeout)
