"""vApps and VMs of the lab Cloud Director: what a replication recovers into an org VDC, and the
cloud-to-cloud sources of a replication.

Served (contract: docs/api/vcd-nsx.md#sessions-and-versions conventions, the vCloud API ``VApp``/``Vm``/query records):

    GET    /api/vApp/vapp-{uuid} | /api/vApp/vm-{uuid}          VApp / Vm XML (status, NetworkConnectionSection,
                                                                GuestCustomizationSection, StorageProfile)
    POST   /api/vApp/{vapp|vm}-{uuid}/power/action/{powerOn|powerOff|shutdown}     202 Task
    DELETE /api/vApp/vapp-{uuid}                                 202 Task (the vApp must be powered off)
    GET    /api/vdcStorageProfile/{uuid}                         VdcStorageProfile XML
    GET    /api/query?type=vm|adminVM|vApp|adminVApp|orgVdcStorageProfile   (through ``QUERY_TYPES``)

In-process service functions (``create_vapp``, ``delete_vapp``, ``set_power``, ``storage_profiles``, …) are what
the VCDA emulator's replication engine calls on the destination site's vCD: a real Cloud Director
Availability uses its own, non-public integration with Cloud Director. Lab-only: ``POST /_lab/vapps`` seeds a
vApp (cloud-to-cloud sources), ``GET /_lab/vapps`` lists them.

Inferred [I] (kept here, listed in lab/README.md): the storage profiles of a seeded VDC (``Standard`` default,
``Performance``) unless the VDC record carries ``storageProfiles``; MAC addresses ``00:50:56:xx``; status
codes 4 (POWERED_ON) / 8 (POWERED_OFF); the element subset of VApp/Vm bodies.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any, Dict, List, Optional

from flask import Response, request
from lxml import etree

from ..common.appliance import Endpoint
from ..common.errors import ApiError
from ..common.xmlbody import xml_response
from . import inferred
from .api_sessions import link, submit_task, task_xml, vroot, vsub
from .media import xml_type

OVF_NS = "http://schemas.dmtf.org/ovf/envelope/1"
DEFAULT_PROFILES = (("Standard", True), ("Performance", False))  # [I]
STATUS = {"POWERED_ON": 4, "POWERED_OFF": 8}
IP_MODES = ("DHCP", "POOL", "MANUAL", "NONE")
_LOCK = threading.RLock()


# ----- lookups (in-process) ------------------------------------------------------------------------
def _tail(value: str, kind: str) -> str:
    value = str(value or "")
    for prefix in ("urn:vcloud:%s:" % kind, "%s-" % kind):
        if value.startswith(prefix):
            return value[len(prefix):]
    return value


def find_vdc(vcd, ident: str, org: Optional[str] = None, state=None) -> Optional[Dict[str, Any]]:
    """A VDC by uuid, URN or name (optionally in org ``org`` given by name)."""
    state = state or vcd.state
    ident = _tail(ident, "vdc")
    for vdc in state["vdcs"].values():
        if vdc["id"] == ident or vdc["name"] == ident:
            if org is None or state["orgs"][vdc["org"]]["name"].lower() == org.lower():
                return vdc
    return None


def org_name(vcd, org_id: str, state=None) -> str:
    return (state or vcd.state)["orgs"][org_id]["name"]


def vdc_view(vcd, vdc, state=None) -> Dict[str, Any]:
    return {"id": vdc["id"], "name": vdc["name"], "org": org_name(vcd, vdc["org"], state)}


def list_vdcs(vcd, org: Optional[str] = None) -> List[Dict[str, Any]]:
    state = vcd.state
    out = [vdc_view(vcd, v, state) for v in state["vdcs"].values()]
    return sorted([v for v in out if org is None or v["org"].lower() == org.lower()], key=lambda v: v["name"])


def storage_profiles(vcd, vdc_id: str, state=None) -> List[Dict[str, Any]]:
    state = state or vcd.state
    vdc = state["vdcs"].get(vdc_id)
    if vdc is None:
        return []
    if vdc.get("storageProfiles"):
        return [dict(p, vdc=vdc_id) for p in vdc["storageProfiles"]]
    return [{"id": vcd.oid("storage-profile", "%s:%s" % (vdc["name"], name)), "name": name, "default": default, "vdc": vdc_id}
            for name, default in DEFAULT_PROFILES]


def find_storage_profile(vcd, vdc_id: str, ident: Optional[str]) -> Optional[Dict[str, Any]]:
    """``*`` / None = the VDC default; else by id (uuid or URN) or name."""
    profiles = storage_profiles(vcd, vdc_id)
    if ident in (None, "", "*"):
        return next((p for p in profiles if p["default"]), profiles[0] if profiles else None)
    ident = _tail(ident, "vdcstorageProfile")
    return next((p for p in profiles if ident in (p["id"], p["name"])), None)


def networks(vcd, vdc_id: str, state=None) -> List[Dict[str, Any]]:
    state = state or vcd.state
    return sorted(({"id": n["id"], "name": n["name"], "vdcId": vdc_id} for n in state["networks"].values() if n["vdc"] == vdc_id),
                  key=lambda n: n["name"])


def find_network(vcd, vdc_id: str, ident: str) -> Optional[Dict[str, Any]]:
    ident = _tail(ident, "network")
    return next((n for n in networks(vcd, vdc_id) if ident in (n["id"], n["name"])), None)


def _vapps(state):
    return state.get("vapps") or {}


def _vms(state):
    return state.get("vms") or {}


def get_vm(vcd, vm_id: str, state=None) -> Optional[Dict[str, Any]]:
    return _vms(state or vcd.state).get(_tail(_tail(vm_id, "vm"), "vm"))


def get_vapp(vcd, vapp_id: str, state=None) -> Optional[Dict[str, Any]]:
    return _vapps(state or vcd.state).get(_tail(_tail(vapp_id, "vapp"), "vapp"))


def vm_view(vcd, vm, state=None) -> Dict[str, Any]:
    """The VM as the VCDA inventory describes it."""
    state = state or vcd.state
    vapp = _vapps(state).get(vm["vapp"]) or {}
    vdc = state["vdcs"].get(vm["vdc"]) or {}
    return {"id": vm["id"], "name": vm["name"], "vappId": vm["vapp"], "vappName": vapp.get("name"), "vdcId": vm["vdc"],
            "vdcName": vdc.get("name"), "org": org_name(vcd, vm["org"], state), "powerState": vm["powerState"],
            "diskBytes": sum(d["sizeBytes"] for d in vm["disks"]), "cpu": vm["cpu"], "memoryMB": vm["memoryMB"],
            "guestOs": vm["guestOs"], "networks": [n["network"] for n in vm["nics"]],
            "nics": [dict(n) for n in vm["nics"]], "disks": [dict(d) for d in vm["disks"]],
            "storageProfile": vm["storageProfile"]}


def vapp_view(vcd, vapp, state=None) -> Dict[str, Any]:
    state = state or vcd.state
    vdc = state["vdcs"].get(vapp["vdc"]) or {}
    return {"id": vapp["id"], "name": vapp["name"], "vdcId": vapp["vdc"], "vdcName": vdc.get("name"),
            "org": org_name(vcd, vapp["org"], state), "vmIds": list(vapp["vms"]), "status": vapp_status(vapp, state)}


def list_vms(vcd, org: Optional[str] = None) -> List[Dict[str, Any]]:
    state = vcd.state
    out = [vm_view(vcd, vm, state) for vm in _vms(state).values()]
    return [v for v in out if org is None or v["org"].lower() == org.lower()]


def list_vapps(vcd, org: Optional[str] = None) -> List[Dict[str, Any]]:
    state = vcd.state
    out = [vapp_view(vcd, v, state) for v in _vapps(state).values()]
    return [v for v in out if org is None or v["org"].lower() == org.lower()]


def vapp_status(vapp, state) -> str:
    vms = [_vms(state)[i] for i in vapp["vms"] if i in _vms(state)]
    return "POWERED_ON" if any(v["powerState"] == "POWERED_ON" for v in vms) else "POWERED_OFF"


# ----- changes (in-process) ------------------------------------------------------------------------
def _mac(vcd, seed: str) -> str:
    raw = uuid.uuid5(uuid.NAMESPACE_OID, vcd.name + seed).bytes
    return "00:50:56:%02x:%02x:%02x" % (raw[0] & 0x3F, raw[1], raw[2])


def create_vapp(vcd, *, vdc_id: str, name: str, vms: List[Dict[str, Any]], power_on: bool = False,
                description: str = "", created_by: Optional[str] = None) -> Dict[str, Any]:
    """Create a vApp with ``vms`` in the VDC; returns its view. Each VM: ``name``, ``cpu``, ``memoryMB``,
    ``guestOs``, ``disks`` ([bytes]), ``nics`` ([{"network": name|id|None, "connected", "ipMode", "ip", "mac"}]),
    ``primaryNic``, ``storageProfile`` (id / name / ``*``), ``computerName``, ``guestCustomization``.
    Raises ApiError (vCD error shape) before changing anything when a name, network or profile is wrong."""
    with _LOCK:
        state = vcd.state
        vdc = state["vdcs"].get(vdc_id)
        if vdc is None:
            raise inferred.not_found("urn:vcloud:vdc:%s" % vdc_id)
        if any(v["name"] == name and v["vdc"] == vdc_id for v in _vapps(state).values()):
            raise inferred.error(400, "DUPLICATE_NAME", "The VAPP name \"%s\" is already in use in the VDC %s." % (name, vdc["name"]), name)
        vapp_id = str(uuid.uuid4())
        new_vms = []
        for spec in vms:
            profile = find_storage_profile(vcd, vdc_id, spec.get("storageProfile"))
            if profile is None:
                raise inferred.bad_request("No storage profile %s in the VDC %s." % (spec.get("storageProfile"), vdc["name"]),
                                           spec.get("storageProfile"))
            vm_id = str(uuid.uuid4())
            nics = []
            for index, nic in enumerate(spec.get("nics") or []):
                net_name = None
                if nic.get("network") not in (None, "", "none"):
                    found = find_network(vcd, vdc_id, nic["network"])
                    if found is None:
                        raise inferred.bad_request("The network %s does not exist in the VDC %s." % (nic["network"], vdc["name"]),
                                                   nic["network"])
                    net_name = found["name"]
                mode = (nic.get("ipMode") or ("DHCP" if net_name else "NONE")).upper()
                if mode not in IP_MODES:
                    raise inferred.bad_request("Bad IP address allocation mode %s." % mode, mode)
                ip = nic.get("ip")
                if mode == "MANUAL" and not ip:
                    raise inferred.bad_request("NIC %d: MANUAL needs an IP address." % index)
                if mode == "POOL" and not ip:
                    ip = _pool_ip(state, net_name, vm_id, index)
                nics.append({"index": index, "network": net_name or "none", "connected": bool(nic.get("connected", True)) and bool(net_name),
                             "mac": nic.get("mac") or _mac(vcd, vm_id + str(index)), "ipMode": mode,
                             "ip": ip if mode in ("MANUAL", "POOL") else None, "adapterType": nic.get("adapterType") or "VMXNET3"})
            new_vms.append({"id": vm_id, "name": spec["name"], "vapp": vapp_id, "vdc": vdc_id, "org": vdc["org"],
                            "powerState": "POWERED_OFF", "cpu": int(spec.get("cpu") or 1), "memoryMB": int(spec.get("memoryMB") or 1024),
                            "guestOs": spec.get("guestOs") or "otherGuest64",
                            "disks": [{"key": 2000 + i, "sizeBytes": int(b)} for i, b in enumerate(spec.get("disks") or [])],
                            "nics": nics, "primaryNic": int(spec.get("primaryNic") or 0), "storageProfile": profile["id"],
                            "guestCustomization": {"enabled": bool(spec.get("guestCustomization")),
                                                   "computerName": spec.get("computerName") or spec["name"][:15]},
                            "createdBy": created_by})
        with vcd.store.edit() as draft:
            draft.setdefault("vapps", {})[vapp_id] = {"id": vapp_id, "name": name, "vdc": vdc_id, "org": vdc["org"],
                                                      "description": description or "", "vms": [v["id"] for v in new_vms],
                                                      "createdBy": created_by}
            for vm in new_vms:
                if power_on:
                    vm["powerState"] = "POWERED_ON"
                draft.setdefault("vms", {})[vm["id"]] = vm
        return vapp_view(vcd, get_vapp(vcd, vapp_id))


def _pool_ip(state, net_name, vm_id, index) -> Optional[str]:
    net = next((n for n in state["networks"].values() if n["name"] == net_name), None)
    if not net or not net.get("ipRanges"):
        return None
    used = {n.get("ip") for vm in _vms(state).values() for n in vm["nics"] if n.get("network") == net_name}
    start, end = net["ipRanges"][0]["startAddress"], net["ipRanges"][0]["endAddress"]
    import ipaddress  # pylint: disable=import-outside-toplevel
    addr, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
    while addr <= last:
        if str(addr) not in used:
            return str(addr)
        addr += 1
    return None


def set_power(vcd, ident: str, on: bool) -> None:
    """Power a VM (``vm-…``/uuid) or every VM of a vApp (``vapp-…``) on or off."""
    with _LOCK:
        with vcd.store.edit() as draft:
            ids = _targets(draft, ident)
            for vm_id in ids:
                draft["vms"][vm_id]["powerState"] = "POWERED_ON" if on else "POWERED_OFF"


def _targets(state, ident: str) -> List[str]:
    ident = str(ident)
    if ident.startswith("vapp-") or ident.startswith("urn:vcloud:vapp:"):
        vapp = _vapps(state).get(_tail(_tail(ident, "vapp"), "vapp"))
        if vapp is None:
            raise inferred.not_found(ident)
        return list(vapp["vms"])
    vm_id = _tail(_tail(ident, "vm"), "vm")
    if vm_id not in _vms(state):
        raise inferred.not_found(ident)
    return [vm_id]


def delete_vapp(vcd, vapp_id: str, force: bool = True) -> bool:
    """Remove a vApp and its VMs (``force``: power them off first). False when it does not exist."""
    with _LOCK:
        vapp_id = _tail(_tail(vapp_id, "vapp"), "vapp")
        with vcd.store.edit() as draft:
            vapp = _vapps(draft).get(vapp_id)
            if vapp is None:
                return False
            if not force and vapp_status(vapp, draft) == "POWERED_ON":
                raise inferred.bad_request("The vApp %s is powered on; power it off before deleting it." % vapp["name"], vapp["name"])
            for vm_id in vapp["vms"]:
                draft["vms"].pop(vm_id, None)
            del draft["vapps"][vapp_id]
        return True


def remove_vm(vcd, vm_id: str) -> None:
    """Remove one VM (its vApp too when it becomes empty): a reversed cloud-to-cloud replication's old source."""
    with _LOCK:
        with vcd.store.edit() as draft:
            vm = _vms(draft).pop(_tail(vm_id, "vm"), None)
            if vm is None:
                return
            vapp = _vapps(draft).get(vm["vapp"])
            if vapp is not None:
                vapp["vms"] = [v for v in vapp["vms"] if v != vm["id"]]


# ----- XML --------------------------------------------------------------------------------------------
def _ovf_info(parent, text):
    node = etree.SubElement(parent, "{%s}Info" % OVF_NS, nsmap={"ovf": OVF_NS})
    node.text = text
    return node


def _vm_xml(parent, vcd, vm, media, state):
    href = vcd.href("/api/vApp/vm-" + vm["id"])
    mtype = xml_type("vcloud.vm", media)
    attrs = dict(status=STATUS[vm["powerState"]], name=vm["name"], id="urn:vcloud:vm:" + vm["id"], href=href, type=mtype,
                 deployed=vm["powerState"] == "POWERED_ON")
    node = vroot("Vm", **attrs) if parent is None else vsub(parent, "Vm", **attrs)
    link(node, "up", vcd.href("/api/vApp/vapp-" + vm["vapp"]), xml_type("vcloud.vApp", media))
    action = "powerOff" if vm["powerState"] == "POWERED_ON" else "powerOn"
    link(node, "power:" + action, href + "/power/action/" + action, None)
    vsub(node, "Description", "")
    ncs = vsub(node, "NetworkConnectionSection", href=href + "/networkConnectionSection/",
               type=xml_type("vcloud.networkConnectionSection", media))
    ncs.set("{%s}required" % OVF_NS, "false")
    _ovf_info(ncs, "Specifies the available VM network connections")
    vsub(ncs, "PrimaryNetworkConnectionIndex", vm["primaryNic"])
    for nic in vm["nics"]:
        conn = vsub(ncs, "NetworkConnection", network=nic["network"], needsCustomization=False)
        vsub(conn, "NetworkConnectionIndex", nic["index"])
        if nic.get("ip"):
            vsub(conn, "IpAddress", nic["ip"])
        vsub(conn, "IsConnected", nic["connected"])
        vsub(conn, "MACAddress", nic["mac"])
        vsub(conn, "IpAddressAllocationMode", nic["ipMode"])
        vsub(conn, "NetworkAdapterType", nic.get("adapterType") or "VMXNET3")
    gcs = vsub(node, "GuestCustomizationSection", href=href + "/guestCustomizationSection/",
               type=xml_type("vcloud.guestCustomizationSection", media))
    gcs.set("{%s}required" % OVF_NS, "false")
    _ovf_info(gcs, "Specifies Guest OS Customization Settings")
    vsub(gcs, "Enabled", vm["guestCustomization"]["enabled"])
    vsub(gcs, "ComputerName", vm["guestCustomization"]["computerName"])
    vsub(node, "VAppScopedLocalId", vm["name"])
    profile = next((p for p in storage_profiles(vcd, vm["vdc"], state) if p["id"] == vm["storageProfile"]), None)
    vsub(node, "StorageProfile", href=vcd.href("/api/vdcStorageProfile/" + vm["storageProfile"]),
         name=profile["name"] if profile else "", type=xml_type("vcloud.vdcStorageProfile", media))
    return node


def vapp_xml(vcd, vapp, media, state=None):
    state = state or vcd.state
    href = vcd.href("/api/vApp/vapp-" + vapp["id"])
    status = vapp_status(vapp, state)
    root = vroot("VApp", status=STATUS[status], name=vapp["name"], id="urn:vcloud:vapp:" + vapp["id"], href=href,
                 type=xml_type("vcloud.vApp", media), deployed=status == "POWERED_ON")
    link(root, "up", vcd.href("/api/vdc/" + vapp["vdc"]), xml_type("vcloud.vdc", media))
    action = "powerOff" if status == "POWERED_ON" else "powerOn"
    link(root, "power:" + action, href + "/power/action/" + action, None)
    if status == "POWERED_OFF":
        link(root, "remove", href, None)
    vsub(root, "Description", vapp.get("description") or "")
    vsub(root, "InMaintenanceMode", False)
    kids = vsub(root, "Children")
    for vm_id in vapp["vms"]:
        vm = _vms(state).get(vm_id)
        if vm is not None:
            _vm_xml(kids, vcd, vm, media, state)
    return root


# ----- HTTP ------------------------------------------------------------------------------------------
def _visible(call, org_id) -> bool:
    return call.principal["system"] or org_id == call.principal["orgId"]


def get_entity(call, ref):
    vcd = call.appliance
    state = vcd.state
    if ref.startswith("vapp-"):
        vapp = get_vapp(vcd, ref, state)
        if vapp is None or not _visible(call, vapp["org"]):
            raise inferred.not_found("urn:vcloud:vapp:" + _tail(ref, "vapp"))
        return xml_response(200, vapp_xml(vcd, vapp, call.media, state), xml_type("vcloud.vApp", call.media))
    if ref.startswith("vm-"):
        vm = get_vm(vcd, ref, state)
        if vm is None or not _visible(call, vm["org"]):
            raise inferred.not_found("urn:vcloud:vm:" + _tail(ref, "vm"))
        return xml_response(200, _vm_xml(None, vcd, vm, call.media, state), xml_type("vcloud.vm", call.media))
    raise inferred.not_found(ref)


def _entity_org(call, ref):
    state = call.appliance.state
    entity = get_vapp(call.appliance, ref, state) if ref.startswith("vapp-") else get_vm(call.appliance, ref, state)
    if entity is None or not _visible(call, entity["org"]):
        raise inferred.not_found(ref)
    return entity


def _task_reply(call, task):
    return xml_response(202, task_xml(call.appliance, task, call.media), xml_type("vcloud.task", call.media),
                        {"Location": call.appliance.href("/api/task/" + task["id"])})


def power_action(call, ref, action):
    if action not in ("powerOn", "powerOff", "shutdown"):
        raise inferred.not_found("/api/vApp/%s/power/action/%s" % (ref, action))
    entity = _entity_org(call, ref)
    vcd = call.appliance

    def work():
        set_power(vcd, ref, action == "powerOn")
        return {"details": None}

    kind = "vApp" if ref.startswith("vapp-") else "vm"
    return _task_reply(call, submit_task(call, work, "%s%s" % (kind, action[0].upper() + action[1:]), entity["org"], kind, entity["id"]))


def delete_entity(call, ref):
    if not ref.startswith("vapp-"):
        raise inferred.bad_request("Only vApps can be deleted here; remove a VM through its vApp.", ref)
    vapp = _entity_org(call, ref)
    vcd = call.appliance
    if vapp_status(vapp, vcd.state) == "POWERED_ON":
        raise inferred.bad_request("The vApp %s is powered on; power it off before deleting it." % vapp["name"], vapp["name"])

    def work():
        delete_vapp(vcd, vapp["id"], force=False)
        return {"details": None}

    return _task_reply(call, submit_task(call, work, "vdcDeleteVapp", vapp["org"], "vApp", vapp["id"]))


def get_storage_profile(call, profile_id):
    vcd = call.appliance
    state = vcd.state
    for vdc in state["vdcs"].values():
        if not _visible(call, vdc["org"]):
            continue
        for profile in storage_profiles(vcd, vdc["id"], state):
            if profile["id"] == profile_id:
                mtype = xml_type("vcloud.vdcStorageProfile", call.media)
                root = vroot("VdcStorageProfile", name=profile["name"], id="urn:vcloud:vdcstorageProfile:" + profile["id"],
                             href=vcd.href("/api/vdcStorageProfile/" + profile["id"]), type=mtype)
                link(root, "up", vcd.href("/api/vdc/" + vdc["id"]), xml_type("vcloud.vdc", call.media))
                vsub(root, "Enabled", True)
                vsub(root, "Units", "MB")
                vsub(root, "Limit", 0)
                vsub(root, "Default", profile["default"])
                return xml_response(200, root, mtype)
    raise inferred.not_found("urn:vcloud:vdcstorageProfile:" + profile_id)


# ----- query records (registered in api_sessions.QUERY_TYPES) -----------------------------------------
def _vm_records(call, admin):
    vcd = call.appliance
    state = vcd.state
    out = []
    for vm in _vms(state).values():
        if not _visible(call, vm["org"]):
            continue
        vapp = _vapps(state).get(vm["vapp"]) or {}
        profile = next((p for p in storage_profiles(vcd, vm["vdc"], state) if p["id"] == vm["storageProfile"]), {})
        primary = next((n for n in vm["nics"] if n["index"] == vm["primaryNic"]), None)
        rec = {"name": vm["name"], "containerName": vapp.get("name", ""), "container": vcd.href("/api/vApp/vapp-" + vm["vapp"]),
               "vdc": vcd.href("/api/vdc/" + vm["vdc"]), "isVAppTemplate": False, "guestOs": vm["guestOs"],
               "numberOfCpus": vm["cpu"], "memoryMB": vm["memoryMB"], "status": vm["powerState"],
               "storageProfileName": profile.get("name", ""), "networkName": primary["network"] if primary else "",
               "ipAddress": (primary or {}).get("ip") or "", "isDeployed": vm["powerState"] == "POWERED_ON",
               "href": vcd.href("/api/vApp/vm-" + vm["id"])}
        if admin:
            rec["org"] = vcd.href("/api/org/" + vm["org"])
        out.append(rec)
    return out


def _vapp_records(call, admin):
    vcd = call.appliance
    state = vcd.state
    out = []
    for vapp in _vapps(state).values():
        if not _visible(call, vapp["org"]):
            continue
        vdc = state["vdcs"].get(vapp["vdc"]) or {}
        status = vapp_status(vapp, state)
        rec = {"name": vapp["name"], "vdc": vcd.href("/api/vdc/" + vapp["vdc"]), "vdcName": vdc.get("name", ""), "status": status,
               "isDeployed": status == "POWERED_ON", "isEnabled": True, "numberOfVMs": len(vapp["vms"]),
               "href": vcd.href("/api/vApp/vapp-" + vapp["id"])}
        if admin:
            rec["org"] = vcd.href("/api/org/" + vapp["org"])
        out.append(rec)
    return out


def _profile_records(call, _admin):
    vcd = call.appliance
    state = vcd.state
    out = []
    for vdc in state["vdcs"].values():
        if not _visible(call, vdc["org"]):
            continue
        for profile in storage_profiles(vcd, vdc["id"], state):
            out.append({"name": profile["name"], "vdc": vcd.href("/api/vdc/" + vdc["id"]), "vdcName": vdc["name"],
                        "isDefaultStorageProfile": profile["default"], "isEnabled": True,
                        "href": vcd.href("/api/vdcStorageProfile/" + profile["id"])})
    return out


def _admin_only(fn):
    def handler(call, admin):
        call.appliance.require_system(call)
        return fn(call, admin)
    return handler


# type -> (record element, items(call, admin), admin)
QUERY_TYPES = {
    "vm": ("VMRecord", _vm_records, False),
    "adminVM": ("AdminVMRecord", _admin_only(_vm_records), True),
    "vApp": ("VAppRecord", _vapp_records, False),
    "adminVApp": ("AdminVAppRecord", _admin_only(_vapp_records), True),
    "orgVdcStorageProfile": ("OrgVdcStorageProfileRecord", _profile_records, False),
}


def query_items(call, qtype):
    """``(record element name, items)`` for the query types of this module, or None."""
    entry = QUERY_TYPES.get(qtype)
    if entry is None:
        return None
    record, fn, admin = entry
    return record, fn(call, admin)


def endpoints(appliance):
    x = appliance.xml_media
    return [
        Endpoint("GET", "/api/vApp/<ref>", get_entity, media=x),
        Endpoint("DELETE", "/api/vApp/<ref>", delete_entity, media=x),
        Endpoint("POST", "/api/vApp/<ref>/power/action/<action>", power_action, media=x),
        Endpoint("GET", "/api/vdcStorageProfile/<profile_id>", get_storage_profile, media=x),
    ]


# ----- lab-only ------------------------------------------------------------------------------------------
def control_routes(vcd, blueprint) -> None:
    import json  # pylint: disable=import-outside-toplevel

    def reply(payload, status=200):
        return Response(json.dumps(payload, indent=1), status=status, content_type="application/json")

    @blueprint.get("/vapps")
    def lab_list_vapps():
        return reply({"vapps": list_vapps(vcd), "vms": list_vms(vcd)})

    @blueprint.post("/vapps")
    def lab_seed_vapp():
        body = request.get_json(silent=True) or {}
        vdc = find_vdc(vcd, str(body.get("vdc") or ""))
        if vdc is None or not body.get("name") or not isinstance(body.get("vms"), list):
            raise ApiError(400, "BadUserInput", "Give vdc (name or id), name and vms [{name, network, diskGb, cpu, memoryMB}].")
        specs = [{"name": v["name"], "cpu": v.get("cpu", 1), "memoryMB": v.get("memoryMB", 1024), "guestOs": v.get("guestOs"),
                  "disks": [int(float(v.get("diskGb", 1)) * 1024 ** 3)],
                  "nics": [{"network": v.get("network"), "connected": True, "ipMode": v.get("ipMode", "DHCP")}] if v.get("network") else [],
                  "storageProfile": v.get("storageProfile", "*")} for v in body["vms"]]
        return reply(create_vapp(vcd, vdc_id=vdc["id"], name=body["name"], vms=specs, power_on=bool(body.get("powerOn", True)),
                                 description=body.get("description") or "", created_by="lab"), 201)
