"""Replications, migrations and operations (docs/api/vcda.md#replications), ``POST /sessions/extend``
(docs/api/vcda.md#sessions) and the inventory helpers (docs/api/vcda.md#inventory); the lab's replication controls under ``/_lab/replications``.

Served by cloud appliances and by the on-premises appliance; all of them share one engine
(``replication_engine``), so a replication created at ``onprem1`` is the one ``site1`` shows. Replications act
on the lab's other systems (``replication_backends``): the tenant vcsim (pyVmomi) for on-premises VMs, the lab
vCD of a cloud site for org VDCs and recovered vApps. The API shape is written down in ``lab/README.md``
("Replications"); every choice the contract leaves open is in ``inferred.py`` (issue 10 block).
"""
from __future__ import annotations

import base64
import copy
import json
import random
import time
import uuid
from typing import Any, Dict, Optional

from flask import Response, request

from ..common import fabric
from ..common.appliance import Endpoint
from ..common.errors import ApiError, ValidationError
from ..common.schema import Bool, Field, Int, List as ListF, Obj, OneOf, Schema, Str
from . import api_policies, api_sites, checks, inferred
from . import replication_backends as backends
from . import replication_engine as engine_mod
from .replication_engine import ceil_minutes, evaluate, latest, new_id, new_sync

TENANT = {"admin": False}


# ===== schemas ===================================================================================================
class MapOf(Field):
    """A JSON object whose keys are free (ids) and values follow ``item``."""

    json_name = "object"

    def __init__(self, item: Field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def _validate_type(self, value, path):
        if not isinstance(value, dict):
            raise self._wrong_type(value, path)
        return {k: self.item.validate(v, "%s.%s" % (path, k)) for k, v in value.items()}


_REF = Schema({"id": Str(nullable=True), "name": Str(nullable=True)})
_NIC = Schema({"nicIndex": Int(required=True, minimum=0, maximum=9), "isConnected": Bool(nullable=True),
               "resetMacAddress": Bool(nullable=True), "network": Str(nullable=True, allow_empty=True),
               "ipAddress": Str(nullable=True, allow_empty=True),
               "ipAddressAllocationMode": Str(nullable=True, enum=["DHCP", "POOL", "MANUAL", "NONE", None]),
               "externalIpAddress": Str(nullable=True, allow_empty=True), "macAddress": Str(nullable=True, allow_empty=True)})
VM_NETWORK = Schema({"primaryNicIndex": Int(nullable=True, minimum=0), "nics": ListF(Obj(_NIC), nullable=True),
                     "copySourceNicSettings": Bool(nullable=True), "computerName": Str(nullable=True, allow_empty=True),
                     "enableGuestCustomization": Bool(nullable=True)})
_MAPPING = Schema({"sourceNetworkName": Str(required=True), "sourceOrgVdcNetwork": Obj(_REF, nullable=True),
                   "destinationOrgVdcNetwork": Obj(_REF, nullable=True)})
VAPP_NETWORK = Schema({"networkMappings": ListF(Obj(_MAPPING), nullable=True), "copySourceNetworks": Bool(nullable=True),
                       "bridgeOrgVdcNetworks": ListF(Obj(_REF), nullable=True), "bulkConnectVmNics": Bool(nullable=True)})


def _vm_net(kind):
    return MapOf(Obj(VM_NETWORK), nullable=True) if kind == "vapp" else Obj(VM_NETWORK, nullable=True)


_RULE = Schema({"numberOfInstances": Int(required=True, minimum=1), "distance": Int(required=True, minimum=1)})
RETENTION = Schema({"rules": ListF(Obj(_RULE), required=True)})
_STARTUP = Schema({"order": Int(nullable=True), "startAction": Str(nullable=True), "startDelay": Int(nullable=True),
                   "stopAction": Str(nullable=True), "stopDelay": Int(nullable=True)})
_DISKS = ListF(Int(), nullable=True)

SOURCES = {
    "vcVm": Schema({"type": Str(required=True), "site": Str(required=True), "vcUuid": Str(required=True), "vmId": Str(required=True),
                    "vappName": Str(nullable=True), "excludedDisks": _DISKS, "vmStartupInfo": Obj(_STARTUP, nullable=True)}),
    "vm": Schema({"type": Str(required=True), "site": Str(required=True), "vappId": Str(nullable=True), "vmId": Str(required=True),
                  "excludedDisks": _DISKS, "excludedDiskKeys": _DISKS}),
    "vcVapp": Schema({"type": Str(required=True), "site": Str(required=True), "vcUuid": Str(required=True),
                      "vappName": Str(required=True), "vmIds": ListF(Str(), required=True),
                      "vmExcludedDisks": MapOf(_DISKS, nullable=True)}),
    "vapp": Schema({"type": Str(required=True), "site": Str(required=True), "vappId": Str(required=True),
                    "vmExcludedDisks": MapOf(_DISKS, nullable=True)}),
}
_CLOUD_DEST = {"type": Str(required=True), "site": Str(required=True), "vdc": Str(required=True),
               "storageProfile": Str(nullable=True), "placementPolicy": Str(nullable=True), "sizingPolicy": Str(nullable=True)}
_ONPREM_DEST = Schema({"type": Str(required=True), "site": Str(required=True), "vdc": Str(nullable=True),
                       "storageProfile": Str(nullable=True),
                       "seedVm": Obj(Schema({"moId": Str(required=True), "vcId": Str(required=True)}), nullable=True)})


def destination_schema(appliance, kind) -> OneOf:
    """One Cloud Director discriminator per API version ([I] ``inferred.DESTINATION_TYPES_FROM``)."""
    seed = {"seedVmId": Str(nullable=True)} if kind == "vm" else {"seedVappId": Str(nullable=True)}
    name = kind if appliance.features.v >= inferred.DESTINATION_TYPES_FROM else "vcloud"
    variants = {name: Schema(dict(_CLOUD_DEST, **seed))}
    if kind == "vm":
        variants["vcVm"] = _ONPREM_DEST
    return OneOf("type", variants)


def create_schema(appliance, kind) -> Schema:
    sources = {k: v for k, v in SOURCES.items() if (k in ("vcVm", "vm")) == (kind == "vm")}
    return Schema({"source": Obj(OneOf("type", sources), required=True), "destination": Obj(destination_schema(appliance, kind), required=True),
                   "description": Str(nullable=True, allow_empty=True), "rpo": Int(required=True, minimum=1),
                   "slaProfileId": Str(nullable=True), "dataConnectionType": Str(nullable=True, enum=["PLAIN", "ENCRYPTED", "ENCRYPTED_COMPRESSED", None]),
                   "quiesced": Bool(nullable=True), "retentionPolicy": Obj(RETENTION, nullable=True),
                   "targetDiskType": Str(nullable=True, enum=["THIN", "PREALLOCATED", "PREALLOCATED_ZEROS", None]),
                   "initialSyncTime": Int(nullable=True, minimum=0), "isMigration": Bool(nullable=True),
                   "vmNetworkSettings": _vm_net(kind), "vAppNetworkSettings": Obj(VAPP_NETWORK, nullable=True)})


PATCH = Schema({"description": Str(nullable=True, allow_empty=True), "rpo": Int(nullable=True, minimum=1), "quiesced": Bool(nullable=True),
                "dataConnectionType": Str(nullable=True, enum=["PLAIN", "ENCRYPTED", "ENCRYPTED_COMPRESSED", None]),
                "retentionPolicy": Obj(RETENTION, nullable=True), "initialSyncTime": Int(nullable=True, minimum=0),
                "slaProfileId": Str(nullable=True), "targetDiskType": Str(nullable=True, enum=["THIN", "PREALLOCATED", "PREALLOCATED_ZEROS", None]),
                "destinationReconfigure": Obj(Schema({}), nullable=True), "sourceReconfigure": Obj(Schema({}), nullable=True)})

_REC_TYPE = Str(required=True, enum=["vcloud", "vcenter"])


def op_schema(op, kind) -> Schema:
    common = {"type": _REC_TYPE, "powerOn": Bool(nullable=True), "vmNetworkSettings": _vm_net(kind),
              "vAppNetworkSettings": Obj(VAPP_NETWORK, nullable=True)}
    instance = {"instanceId": Str(nullable=True)} if kind == "vm" else {"instanceMap": MapOf(Str(nullable=True), nullable=True)}
    if op == "migrate":
        fields = dict(common, consolidate=Bool(nullable=True), connectVmNics=Bool(nullable=True))
    elif op == "failover":
        fields = dict(common, consolidate=Bool(nullable=True), snapshotOptions=Str(nullable=True, enum=["CONSOLIDATE", "DO_NOTHING", "EXPOSE_PITS", None]),
                      placementPolicy=Str(nullable=True), sizingPolicy=Str(nullable=True), copySecurityTags=Bool(nullable=True),
                      connectVmNics=Bool(nullable=True), **instance)
    else:  # failover-test
        fields = dict(common, sync=Bool(nullable=True), connectVmNics=Bool(nullable=True), **instance)
    return Schema(fields)


_FAILOVER_SETTINGS = Schema({"vAppNetworkSettings": Obj(VAPP_NETWORK, nullable=True), "vmNetworkSettings": Field(nullable=True)})
NETWORK_SETTINGS = Schema({"failoverSettings": Obj(_FAILOVER_SETTINGS, nullable=True), "failoverTestSettings": Obj(_FAILOVER_SETTINGS, nullable=True)})

EXTEND = OneOf("type", {
    "credentials": Schema({"type": Str(required=True), "site": Str(required=True), "vcdUsername": Str(required=True),
                           "vcdPassword": Str(required=True)}),
    "cookie": Schema({"type": Str(required=True), "site": Str(required=True), "cookie": Str(required=True)}),
    "vcdAccessToken": Schema({"type": Str(required=True), "site": Str(required=True), "vcdAccessToken": Str(required=True)}),
    "multisite": Schema({"type": Str(required=True), "site": Str(required=True), "org": Str(required=True)}),
})


# ===== who may do what =============================================================================================
def _engine(appliance):
    eng = engine_mod.engine_for(appliance)
    fabric.register(appliance)

    now = time.monotonic()
    if now - getattr(eng, "_last_prune", 0.0) > 1.0:
        eng._last_prune = now  # pylint: disable=protected-access
        instances = {a.name: a.store.peek("instanceId") for a in backends.vcda_appliances(appliance)}
        eng.prune(lambda rec: instances.get(rec.get("managerAppliance"), rec.get("managerInstance")) == rec.get("managerInstance"))
    return eng


def _is_system(principal) -> bool:
    return "ADMINISTRATORS" in principal.get("roles", []) or str(principal.get("org", "")).lower() == "system"


def _extended(principal) -> set:
    return {e["site"] for e in principal.get("extendedSites") or []}


def _local(appliance) -> str:
    site = appliance.local_site()
    if site is None:
        raise inferred.prerequisite_missing("manage replications", "set the site name (POST /config/site)")
    return site


def _session_org(call) -> Optional[str]:
    """The org acting: a tenant's org; None for System (root/SSO) on a cloud site; on-prem: the paired org."""
    appliance = call.appliance
    if appliance.spec.type == "onprem":
        cloud = appliance.state.get("cloudSite")
        if not cloud:
            raise inferred.prerequisite_missing("manage replications", "pair the on-premises site with a cloud site")
        return cloud["org"]
    return None if _is_system(call.principal) else call.principal.get("org")


def _require_reach(call, sites, touches_onprem=()):
    """Cross-site rules: at a cloud appliance another cloud site needs the extended session; an on-prem site it
    acts on needs "allow access from cloud" or ``On-Prem-Auth``. At an on-prem appliance: its paired cloud only."""
    appliance = call.appliance
    local = _local(appliance)
    for site in sites:
        if site == local or site is None:
            continue
        kind = backends.site_kind(appliance, site)
        if kind is None:
            raise inferred.site_not_found(site)
        if appliance.spec.type == "onprem":
            cloud = appliance.state.get("cloudSite") or {}
            if kind == "cloud" and cloud.get("site") != site:
                raise inferred.not_extended(site)
            continue
        if kind == "cloud" and site not in _extended(call.principal):
            raise inferred.not_extended(site)
        if kind == "onprem":
            rec = next((r for r in appliance.state.get("vcSites") or [] if r["site"] == site), None)
            if rec is None:
                raise inferred.site_not_found(site)
            if site in touches_onprem and not rec.get(inferred.CLOUD_ACCESS_KEY) and not _onprem_auth_ok(call, site):
                raise inferred.onprem_access_denied(site)


def _onprem_auth_ok(call, site) -> bool:
    value = call.header(inferred.ONPREM_AUTH_HEADER) or ""
    if not value.lower().startswith("basic "):
        return False
    try:
        user, _sep, password = base64.b64decode(value[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    onprem = backends.site_appliance(call.appliance, site, "onprem")
    ls = (onprem.state.get("lookupService") or {}) if onprem else {}
    return checks.check_sso_credentials(call.appliance.lab, ls.get("url", ""), user, password)


class Viewer:
    """Who looks, computed once per request: the local site and the org filter."""

    def __init__(self, appliance, principal):
        state = appliance.state
        self.local = (state.get("site") or {}).get("name")
        if appliance.spec.type == "onprem":
            self.org = ((state.get("cloudSite") or {}).get("org") or "").lower() or None
            self.all_orgs = False
        else:
            self.all_orgs = _is_system(principal)
            self.org = str(principal.get("org", "")).lower()

    def sees(self, rec) -> bool:
        if self.local not in (rec["source"]["site"], rec["destination"]["site"]):
            return False
        return self.all_orgs or rec["owner"].lower() == self.org


def _visible(appliance, principal, rec) -> bool:
    return Viewer(appliance, principal).sees(rec)


def _find(call, kind, rec_id):
    eng = _engine(call.appliance)
    rec = eng.get(rec_id)
    if rec is None or rec["kind"] != kind or not _visible(call.appliance, call.principal, rec):
        raise inferred.replication_not_found(kind, rec_id)
    return eng, rec


# ===== policies ====================================================================================================
def _policy(cloud, org):
    state = cloud.state
    pid = api_policies.org_policy_id(state, org)
    return api_policies.policies(cloud, state).get(pid) or api_policies.policies(cloud, state)[inferred.DEFAULT_POLICY_ID]


def _flag(policy, split_name, old_name):
    return policy.get(split_name, policy.get(old_name, False))


def check_policy(eng, anchor, *, org, source_site, dest_site, is_migration, rpo, retention, new_vms, exclude_ids=()):
    """Raise the refusal a site gives when the org's policies do not allow this replication."""
    what = "migrations" if is_migration else "protections"
    dest = backends.site_appliance(anchor, dest_site, "cloud")
    src = backends.site_appliance(anchor, source_site, "cloud")
    if dest is not None:
        policy = _policy(dest, org)
        name = policy["displayName"]
        field = "allowIncomingMigrations" if is_migration else "allowIncomingProtections"
        if not _flag(policy, field, "allowIncoming"):
            raise inferred.policy_refused(name, org, dest_site, field if field in policy else "allowIncoming", "false", None,
                                          "does not allow incoming %s" % what)
        if rpo is not None and rpo < policy["minRpo"]:
            raise inferred.policy_refused(name, org, dest_site, "minRpo", rpo, policy["minRpo"], "does not allow an RPO below %d minutes"
                                          % policy["minRpo"])
        instances = sum(r["numberOfInstances"] for r in (retention or {}).get("rules") or []) if retention else None
        if instances is not None and instances > policy["maxInstances"]:
            raise inferred.policy_refused(name, org, dest_site, "maxInstances", instances, policy["maxInstances"],
                                          "does not allow more than %d retained instances" % policy["maxInstances"])
        if new_vms and policy["maxIncoming"] >= 0:
            with eng.lock:
                current = sum(1 for r in eng.vm_records() if r["owner"].lower() == org.lower()
                              and r["destination"]["site"] == dest_site and r["id"] not in exclude_ids)
            if current + new_vms > policy["maxIncoming"]:
                raise inferred.policy_refused(name, org, dest_site, "maxIncoming", current + new_vms, policy["maxIncoming"],
                                              "does not allow more than %d incoming VM replications" % policy["maxIncoming"])
    if src is not None and new_vms:
        policy = _policy(src, org)
        onprem_dest = dest is None
        if onprem_dest:
            field = "allowOutgoingOnpremMigrations" if is_migration else "allowOutgoingOnpremProtections"
        else:
            field = "allowOutgoingMigrations" if is_migration else "allowOutgoingProtections"
        if not _flag(policy, field, "allowOutgoing"):
            raise inferred.policy_refused(policy["displayName"], org, source_site, field if field in policy else "allowOutgoing",
                                          "false", None, "does not allow outgoing %s%s" % ("on-premises " if onprem_dest else "", what))


# ===== views =====================================================================================================
def vm_view(eng, rec, now=None) -> Dict[str, Any]:
    now = eng.now() if now is None else now
    tl = eng.timeline(rec)
    frozen = bool(rec.get("paused") or rec.get("finished") or rec.get("error"))
    ev = evaluate(rec, now, tl, frozen=frozen, keep=1)
    last = latest(ev)
    retained = min(tl.retained(rec), last["sequenceNumber"]) if last else 0
    if rec.get("finished"):
        dcs, src_state, dst_state = inferred.FINISHED_CONNECTION_STATE, "none", "idle"
    elif rec.get("error"):
        dcs, src_state, dst_state = "ERROR", "error", "unknown"
    elif rec.get("paused"):
        dcs, src_state, dst_state = "PAUSED", "paused", "paused"
    elif ev["phase"] == "waiting":
        dcs, src_state, dst_state = "INITIAL_SYNCING", "none", "idle"
    elif ev["phase"] == "initial":
        dcs, src_state, dst_state = "INITIAL_SYNCING", "syncing", "fullsync"
    elif ev["syncing"]:
        dcs, src_state, dst_state = "SYNCING", "syncing", "lwd"
    else:
        dcs, src_state, dst_state = "OK", "idle", "idle"
    if ev["phase"] in ("waiting", "initial"):
        done = ev["done"]
        progress = {"bytesToTransfer": tl.total, "bytesTransferred": done, "checksumComparedBytes": done,
                    "checksumTotalBytes": tl.total, "progress": int(100 * done / tl.total)}
    elif ev["syncing"] and not frozen:
        moved = int(tl.delta * ev["deltaFraction"])
        progress = {"bytesToTransfer": int(tl.delta), "bytesTransferred": moved, "checksumComparedBytes": tl.total,
                    "checksumTotalBytes": tl.total, "progress": int(100 * ev["deltaFraction"])}
    else:
        progress = {"bytesToTransfer": 0, "bytesTransferred": 0, "checksumComparedBytes": tl.total,
                    "checksumTotalBytes": tl.total, "progress": 100 if last else int(100 * ev["done"] / tl.total)}
    shown = dict(last, timestamp=eng.clock.to_real(last["timestamp"])) if last else None
    violation = 0
    if last and not rec.get("finished"):
        violation = ceil_minutes(now - last["timestamp"] - tl.rpo_ms)
    health = "RED" if rec.get("lastError") else "YELLOW" if violation > 0 or rec.get("paused") else "GREEN"
    state_age = max(0, now - int(ev["since"]))
    recovery = _recovery_view(rec)
    src = dict(rec["source"])
    src["powerState"] = rec["vm"].get("powerState")
    dst = {k: v for k, v in rec["destination"].items() if k != "seedVm"}
    dst["recoveredVappId"] = recovery.get("vAppId")
    return {
        "id": rec["id"], "owner": rec["owner"], "vmName": rec["vm"]["name"], "computerName": rec["vm"]["name"],
        "storageProfileName": rec["destination"].get("storageProfileName"), "vappReplicationId": rec.get("parent"),
        "isMigration": rec["isMigration"], "isPaused": bool(rec.get("paused")), "isReversed": bool(rec.get("isReversed")),
        "overallHealth": health, "dataConnectionState": dcs, "lastUpdated": eng.clock.to_real(rec.get("lastUpdated") or 0),
        "metadata": {}, "slaProfile": None, "source": src, "destination": dst, "settings": dict(rec["settings"]),
        "sourceState": {"state": src_state, "stateAge": state_age, "progress": progress},
        "destinationState": {"state": dst_state, "currentRpoViolation": violation,
                             "spaceRequirement": int(tl.total + tl.delta * max(0, retained - 1)), "stateAge": state_age,
                             "isMovingReplica": False, "lastError": rec.get("lastError"), "latestInstance": shown,
                             "recoveryInfo": recovery},
    }


def _recovery_view(rec):
    out = {"recoveryState": rec["recovery"]["state"]}
    out.update((k, v) for k, v in rec["recovery"].items() if k != "state")
    return out


_SEVERITY = {"GREEN": 0, "YELLOW": 1, "RED": 2}
_DCS_ORDER = ["OK", "FINISHED", "SYNCING", "INITIAL_SYNCING", "PAUSED", "ERROR"]


def vapp_view(eng, rec, now=None) -> Dict[str, Any]:
    now = eng.now() if now is None else now
    vms = [vm_view(eng, c, now) for c in eng.children(rec)]
    health = max((v["overallHealth"] for v in vms), key=lambda h: _SEVERITY[h], default="GREEN")
    dcs = max((v["dataConnectionState"] for v in vms), key=_DCS_ORDER.index, default="OK")
    dst = {k: v for k, v in rec["destination"].items() if k != "seedVm"}
    dst["recoveredVappId"] = rec["recovery"].get("vAppId")
    return {"id": rec["id"], "owner": rec["owner"], "isMigration": rec["isMigration"],
            "isPaused": bool(vms) and all(v["isPaused"] for v in vms), "isReversed": bool(rec.get("isReversed")),
            "overallHealth": health, "dataConnectionState": dcs, "lastUpdated": eng.clock.to_real(rec.get("lastUpdated") or 0),
            "metadata": {}, "source": dict(rec["source"]), "destination": dst, "settings": dict(rec["settings"]),
            "recoveryInfo": _recovery_view(rec), "vmReplications": vms}


def view(eng, rec, now=None):
    return vapp_view(eng, rec, now) if rec["kind"] == "vapp" else vm_view(eng, rec, now)


# ===== create ======================================================================================================
def _vm_snapshot(info, source_kind) -> Dict[str, Any]:
    """What the engine keeps of a source VM (vcsim ``vm_info`` or vCD ``vm_view``)."""
    if source_kind == "vcenter":
        power = info["powerState"]
    else:
        power = "poweredOn" if info["powerState"] == "POWERED_ON" else "poweredOff"
    return {"name": info["name"], "cpu": info.get("cpu") or 1, "memoryMB": info.get("memoryMB") or 1024,
            "guestOs": info.get("guestOs") or "otherGuest64",
            "disks": [d["sizeBytes"] for d in info.get("disks") or []] or [info.get("diskBytes") or 1],
            "diskBytes": max(1, int(info.get("diskBytes") or sum(d["sizeBytes"] for d in info.get("disks") or []) or 1)),
            "nics": [{"index": i, "network": n["network"] if isinstance(n, dict) else n,
                      "mac": n.get("mac") if isinstance(n, dict) else None} for i, n in enumerate(info.get("nics") or [])],
            "powerState": power}


def _resolve_sources(call, body, kind, org):
    """``(org, [(vm snapshot, source fields)])`` for the source of a create body; ApiError 400 when not found."""
    appliance = call.appliance
    src = body["source"]
    site = src["site"]
    skind = backends.site_kind(appliance, site)
    if skind is None:
        raise inferred.site_not_found(site)
    out = []
    if src["type"] in ("vcVm", "vcVapp"):
        if skind != "onprem":
            raise inferred.bad_input("Field 'source.site': '%s' is not an on-premises site; use type 'vm'/'vapp' for "
                                     "Cloud Director VMs." % site, "source.site", site)
        onprem = backends.site_appliance(appliance, site, "onprem")
        cloud_org = (onprem.state.get("cloudSite") or {}).get("org")
        if org is None:
            org = cloud_org
        elif cloud_org and cloud_org.lower() != org.lower():
            raise inferred.forbidden("The on-premises site '%s' belongs to organization '%s'." % (site, cloud_org))
        vcenter = backends.vcenter_for(appliance, site)
        vc_uuid = vcenter.instance_uuid()
        if src["vcUuid"] != vc_uuid:
            raise inferred.bad_input("Field 'source.vcUuid': '%s' is not the vCenter of site '%s' (%s)." % (src["vcUuid"], site, vc_uuid),
                                     "source.vcUuid", src["vcUuid"])
        ids = [src["vmId"]] if src["type"] == "vcVm" else src["vmIds"]
        if not ids:
            raise inferred.bad_input("Field 'source.vmIds' must name at least one VM.", "source.vmIds")
        for moid in ids:
            info = vcenter.vm_info(moid)
            if info is None:
                raise inferred.bad_input("The source VM '%s' was not found in the vCenter of site '%s'." % (moid, site), "source.vmId", moid)
            snap = _vm_snapshot(info, "vcenter")
            out.append((snap, {"type": "vcVm", "site": site, "org": org, "vcUuid": vc_uuid, "vmId": moid, "vmName": info["name"],
                               "vappId": None, "vappName": src.get("vappName"), "vdcId": None, "vdcName": None}))
        return org, out
    if skind != "cloud":
        raise inferred.bad_input("Field 'source.site': '%s' is not a cloud site; use type 'vcVm'/'vcVapp' for on-premises VMs." % site,
                                 "source.site", site)
    vcd = backends.vcd_for(appliance, site)
    if src["type"] == "vm":
        vms = [vcd.vm(src["vmId"])]
        if vms[0] is None:
            raise inferred.bad_input("The source VM '%s' was not found at site '%s'." % (src["vmId"], site), "source.vmId", src["vmId"])
    else:
        vapp = vcd.vapp(src["vappId"])
        if vapp is None:
            raise inferred.bad_input("The source vApp '%s' was not found at site '%s'." % (src["vappId"], site), "source.vappId", src["vappId"])
        vms = [vcd.vm(v) for v in vapp["vmIds"]]
    for info in vms:
        if org is None:
            org = info["org"]
        elif info["org"].lower() != org.lower():
            raise inferred.bad_input("The source VM '%s' belongs to another organization." % info["id"], "source.vmId", info["id"])
        out.append((_vm_snapshot(info, "vcd"), {"type": "vm", "site": site, "org": info["org"], "vcUuid": None, "vmId": info["id"],
                                                "vmName": info["name"], "vappId": info["vappId"], "vappName": info["vappName"],
                                                "vdcId": info["vdcId"], "vdcName": info["vdcName"]}))
    return org, out


def _resolve_destination(call, body, org):
    appliance = call.appliance
    dst = body["destination"]
    site = dst["site"]
    skind = backends.site_kind(appliance, site)
    if skind is None:
        raise inferred.site_not_found(site)
    if dst["type"] == "vcVm":
        if skind != "onprem":
            raise inferred.bad_input("Field 'destination.site': '%s' is not an on-premises site." % site, "destination.site", site)
        onprem = backends.site_appliance(appliance, site, "onprem")
        if not onprem.state.get("placement") and not dst.get("seedVm"):
            raise inferred.prerequisite_missing("replicate to the on-premises site '%s'" % site, "configure its placement")
        return {"type": "vcVm", "site": site, "org": org, "vdcId": None, "vdcName": None, "storageProfile": None,
                "storageProfileName": None, "seedVm": dst.get("seedVm")}
    if skind != "cloud":
        raise inferred.bad_input("Field 'destination.site': '%s' is not a cloud site." % site, "destination.site", site)
    vcd = backends.vcd_for(appliance, site)
    vdc = vcd.vdc(dst["vdc"], org)
    if vdc is None:
        raise inferred.bad_input("Field 'destination.vdc': no VDC '%s' of organization '%s' at site '%s'." % (dst["vdc"], org, site),
                                 "destination.vdc", dst["vdc"])
    profile = vcd.storage_profile(vdc["id"], dst.get("storageProfile"))
    if profile is None:
        raise inferred.bad_input("Field 'destination.storageProfile': no storage profile '%s' in VDC '%s'." % (
            dst.get("storageProfile"), vdc["name"]), "destination.storageProfile", dst.get("storageProfile"))
    return {"type": dst["type"], "site": site, "org": org, "vdcId": vdc["id"], "vdcName": vdc["name"],
            "storageProfile": dst.get("storageProfile") or "*", "storageProfileName": profile["name"],
            "placementPolicy": dst.get("placementPolicy"), "sizingPolicy": dst.get("sizingPolicy")}


def _settings(body) -> Dict[str, Any]:
    return {"rpo": body["rpo"], "description": body.get("description"), "quiesced": bool(body.get("quiesced")),
            "dataConnectionType": body.get("dataConnectionType") or "ENCRYPTED",
            "retentionPolicy": body.get("retentionPolicy") or {"rules": [{"numberOfInstances": 1, "distance": body["rpo"]}]},
            "initialSyncTime": body.get("initialSyncTime") or 0, "targetDiskType": body.get("targetDiskType") or "THIN"}


def _manager(appliance, source, destination):
    site = destination["site"] if backends.site_kind(appliance, destination["site"]) == "cloud" else source["site"]
    cloud = backends.site_appliance(appliance, site, "cloud")
    return site, cloud.name, cloud.store.peek("instanceId")


def _copy_settings(settings):
    out = dict(settings)
    rules = (settings.get("retentionPolicy") or {}).get("rules")
    if rules is not None:
        out["retentionPolicy"] = {"rules": [dict(r) for r in rules]}
    return out


def new_record(kind, *, rec_id=None, owner, user, now, manager, is_migration, settings, source, destination, vm=None,
               parent=None, synthetic=False, start_at=None):
    """An engine record; ``start_at``: the lab time the initial sync may start (``initialSyncTime`` mapped)."""
    start = max(now, int(start_at if start_at is not None else 0))
    return {"id": rec_id or new_id(kind), "kind": kind, "parent": parent, "children": [], "owner": owner, "createdBy": user,
            "created": now, "lastUpdated": now, "manager": manager[0], "managerAppliance": manager[1], "managerInstance": manager[2],
            "isMigration": bool(is_migration), "isReversed": False, "settings": _copy_settings(settings), "source": source,
            "destination": destination, "vm": vm, "synthetic": synthetic, "sync": new_sync(start), "paused": False,
            "finished": False, "error": False, "lastError": None, "busy": None, "orig": None,
            "recovery": {"state": "NOT_STARTED", "vAppId": None, "vcdVmId": None, "testVAppId": None, "vcVmId": None},
            "networkSettings": {"failoverSettings": None, "failoverTestSettings": None}}


def create(kind):
    def handler(call):
        appliance = call.appliance
        body = call.body
        eng = _engine(appliance)
        local = _local(appliance)
        if local not in (body["source"]["site"], body["destination"]["site"]):
            raise inferred.bad_input("Create the replication at its source or destination site (this is '%s')." % local, local)
        _require_reach(call, [body["source"]["site"], body["destination"]["site"]], touches_onprem=[body["source"]["site"]])
        org, members = _resolve_sources(call, body, kind, _session_org(call))
        destination = _resolve_destination(call, body, org)
        is_migration = bool(body.get("isMigration"))
        # The source VMs were read from vCenter and the destination from Cloud Director without the engine lock
        # (requests are served side by side); the checks against the other replications - the policy's VM count
        # and "this VM is replicated already" - and the new record are one step under it, so two creates of the
        # same VM sent at once give one replication and one refusal.
        with eng.lock:
            check_policy(eng, appliance, org=org, source_site=body["source"]["site"], dest_site=destination["site"],
                         is_migration=is_migration, rpo=body["rpo"], retention=body.get("retentionPolicy"),
                         new_vms=len(members))
            for snap, src in members:
                for other in eng.vm_records():
                    if other["source"]["vmId"] == src["vmId"] and other["source"]["site"] == src["site"] \
                            and other["destination"]["site"] == destination["site"] and not other.get("finished"):
                        raise inferred.already_replicated(src["vmName"], other.get("parent") or other["id"])
            now = eng.now()
            manager = _manager(appliance, members[0][1], destination)
            settings = _settings(body)
            start_at = eng.clock.to_lab(settings["initialSyncTime"]) if settings["initialSyncTime"] else None
            user = call.principal["user"]
            net = {"failoverSettings": {"vmNetworkSettings": body.get("vmNetworkSettings"), "vAppNetworkSettings": body.get("vAppNetworkSettings")},
                   "failoverTestSettings": None}
            if kind == "vm":
                snap, src = members[0]
                rec = new_record("vm", owner=org, user=user, now=now, manager=manager, is_migration=is_migration, settings=settings,
                                 source=src, destination=destination, vm=snap, start_at=start_at)
                rec["networkSettings"] = net
                eng.add(rec)
            else:
                src = {"type": body["source"]["type"].replace("vcVapp", "vcVapp"), "site": body["source"]["site"], "org": org,
                       "vcUuid": members[0][1].get("vcUuid"), "vappId": body["source"].get("vappId"),
                       "vappName": body["source"].get("vappName") or members[0][1].get("vappName"),
                       "vmIds": [m[1]["vmId"] for m in members]}
                rec = new_record("vapp", owner=org, user=user, now=now, manager=manager, is_migration=is_migration, settings=settings,
                                 source=src, destination=destination)
                rec["networkSettings"] = net
                for snap, vsrc in members:
                    child = new_record("vm", owner=org, user=user, now=now, manager=manager, is_migration=is_migration,
                                       settings=settings, source=dict(vsrc, vappName=src["vappName"]), destination=dict(destination),
                                       vm=snap, parent=rec["id"], start_at=start_at)
                    rec["children"].append(child["id"])
                    eng.records[child["id"]] = child
                eng.add(rec)
        rec_id = rec["id"]
        return 202, _submit(call, kind, rec_id, inferred.REPLICATION_WORKFLOW[kind], lambda: None)
    return handler


def _submit(call, kind, rec_id, workflow, work):
    appliance = call.appliance
    eng = engine_mod.engine_for(appliance)

    def run():
        work()
        rec = eng.get(rec_id)
        return view(eng, rec) if rec is not None else None

    return appliance.tasks.submit(run, user=call.principal["user"], site=appliance.local_site(), workflow_type=workflow,
                                  result_type=inferred.REPLICATION_RESULT_TYPE[kind],
                                  resource_type=inferred.REPLICATION_RESOURCE_TYPE[kind], resource_id=rec_id)


# ===== read ========================================================================================================
def _bool_arg(args, name):
    value = args.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise inferred.bad_input("Query parameter '%s' must be true or false." % name, name)
    return value.lower() == "true"


_FIELD_FILTERS = {  # query key -> (part of the record, key)
    "sourceSite": ("source", "site"), "site": ("destination", "site"), "sourceOrg": ("source", "org"),
    "destinationOrg": ("destination", "org"), "destinationVdcId": ("destination", "vdcId"),
    "destinationVdcName": ("destination", "vdcName"), "sourceVdcId": ("source", "vdcId"), "sourceVdcName": ("source", "vdcName"),
}


def _like_re(pattern: str):
    import fnmatch  # pylint: disable=import-outside-toplevel
    import re  # pylint: disable=import-outside-toplevel
    return re.compile(fnmatch.translate(pattern.lower().replace("%", "*").replace("_", "?")))


def matcher(kinds, args, kind):
    """A predicate for the list filters present in ``args`` (PSC's query keys), compiled once per request."""
    tests = []
    for name, (part, key) in _FIELD_FILTERS.items():
        if args.get(name):
            tests.append(lambda r, p=part, k=key, w=args[name].lower(): str(r[p].get(k) or "").lower() == w)
    if args.get("owner"):
        owner = args["owner"].split("@")[0].lower()
        tests.append(lambda r: r["owner"].lower() == owner)
    if args.get("ids"):
        ids = set(args["ids"].split(","))
        tests.append(lambda r: r["id"] in ids)
    for name, part in (("sourceSiteType", "source"), ("destinationSiteType", "destination")):
        if args.get(name):
            tests.append(lambda r, p=part, w=args[name]: ("vcenter" if kinds.get(r[p]["site"]) == "onprem" else "vcloud") == w)
    if kind == "vm" and args.get("vmId"):
        tests.append(lambda r, w=args["vmId"]: r["source"].get("vmId") == w)
    if kind == "vm" and args.get("vmName"):
        tests.append(lambda r, rx=_like_re(args["vmName"]): rx.match(r["vm"]["name"].lower()) is not None)
    if args.get("vappId"):
        tests.append(lambda r, w=args["vappId"]: w in (r["source"].get("vappId"), r.get("parent"), r["id"]))
    if args.get("vappName"):
        tests.append(lambda r, rx=_like_re(args["vappName"]): rx.match((r["source"].get("vappName") or "").lower()) is not None)
    migration = _bool_arg(args, "isMigration")
    if migration is not None:
        tests.append(lambda r: r["isMigration"] == migration)
    return lambda rec: all(t(rec) for t in tests)


def _paging(args):
    try:
        offset = int(args.get("offset", 0))
        limit = int(args.get("limit", inferred.LIST_DEFAULT_LIMIT))
    except ValueError:
        raise inferred.bad_input("offset and limit must be integers.", "offset") from None
    if offset < 0 or not 1 <= limit <= inferred.LIST_MAX_LIMIT:
        raise inferred.bad_input("offset must be >= 0 and limit between 1 and %d." % inferred.LIST_MAX_LIMIT, "limit")
    return offset, limit


def list_replications(kind):
    def handler(call):
        appliance = call.appliance
        args = call.request.args.to_dict()  # a plain dict: MultiDict.get is slow over thousands of records
        offset, limit = _paging(args)
        eng = _engine(appliance)
        local = appliance.local_site()
        if local is None:
            return {"items": [], "total": 0}
        with eng.lock:
            now = eng.now()
            viewer = Viewer(appliance, call.principal)
            kinds = backends.site_kinds(appliance)
            match = matcher(kinds, args, kind)
            found = [r for r in eng.records.values() if r["kind"] == kind and viewer.sees(r) and match(r)]
            found.sort(key=lambda r: (r["created"], r["id"]))
            health = args.get("overallHealth")
            if health:
                views = [v for v in (view(eng, r, now) for r in found) if v["overallHealth"] == health.upper()]
                return {"items": views[offset:offset + limit], "total": len(views)}
            return {"items": [view(eng, r, now) for r in found[offset:offset + limit]], "total": len(found)}
    return handler


def get_replication(kind):
    def handler(call, rec_id):
        eng, rec = _find(call, kind, rec_id)
        with eng.lock:
            return view(eng, rec)
    return handler


def list_instances(call, rec_id):
    eng, rec = _find(call, "vm", rec_id)
    with eng.lock:
        tl = eng.timeline(rec)
        frozen = bool(rec.get("paused") or rec.get("finished") or rec.get("error"))
        ev = evaluate(rec, eng.now(), tl, frozen=frozen, keep=tl.retained(rec))
        return [dict(i, timestamp=eng.clock.to_real(i["timestamp"])) for i in reversed(ev["instances"][-tl.retained(rec):])]


def get_network_settings(kind):
    def handler(call, rec_id):
        _eng, rec = _find(call, kind, rec_id)
        settings = rec.get("networkSettings") or {}
        empty = {"vAppNetworkSettings": None, "vmNetworkSettings": None}
        return {"failoverSettings": settings.get("failoverSettings") or dict(empty),
                "failoverTestSettings": settings.get("failoverTestSettings") or dict(empty)}
    return handler


def put_network_settings(kind):
    def handler(call, rec_id):
        eng, rec = _find(call, kind, rec_id)
        _require_reach(call, [rec["source"]["site"], rec["destination"]["site"]])
        body = call.body
        for part in ("failoverSettings", "failoverTestSettings"):
            vmnet = (body.get(part) or {}).get("vmNetworkSettings")
            if vmnet is not None:
                try:
                    _vm_net(kind).validate(vmnet, "%s.vmNetworkSettings" % part)
                except ValidationError as exc:
                    raise inferred.bad_input(exc.msg, *exc.error_args) from None
        with eng.lock:
            rec["networkSettings"] = {"failoverSettings": body.get("failoverSettings"), "failoverTestSettings": body.get("failoverTestSettings")}
            eng.touch()
        return 202, _submit(call, kind, rec_id, "updateNetworkSettings", lambda: None)
    return handler


# ===== modify ======================================================================================================
def patch_replication(kind):
    def handler(call, rec_id):
        eng, rec = _find(call, kind, rec_id)
        _require_reach(call, [rec["source"]["site"], rec["destination"]["site"]])
        body = {k: v for k, v in call.body.items() if v is not None and k not in ("destinationReconfigure", "sourceReconfigure")}
        check_policy(eng, call.appliance, org=rec["owner"], source_site=rec["source"]["site"], dest_site=rec["destination"]["site"],
                     is_migration=rec["isMigration"], rpo=body.get("rpo"), retention=body.get("retentionPolicy"), new_vms=0)
        with eng.lock:
            now = eng.now()
            for vm in eng.vm_members(rec):
                engine_mod.materialize(vm, now, eng.timeline(vm))
            for target in [rec] + (eng.children(rec) if kind == "vapp" else []):
                target["settings"].update(body)
                target["lastUpdated"] = now
                if "initialSyncTime" in body and target["kind"] == "vm" and \
                        evaluate(target, now, eng.timeline(target))["phase"] == "waiting":  # not started yet: reschedule
                    target["sync"]["start"] = max(now, eng.clock.to_lab(body["initialSyncTime"]))
            for vm in eng.vm_members(rec):  # the next instance follows the new RPO
                sync = vm["sync"]
                if sync["grid"] is not None and not vm.get("paused") and not vm.get("finished"):
                    tl = eng.timeline(vm)
                    last = sync["instances"][-1]["timestamp"] if sync["instances"] else now
                    sync["grid"] = max(last + tl.p_ms, now + tl.d_ms)
            eng.touch()
        return 202, _submit(call, kind, rec_id, "reconfigureReplication", lambda: None)
    return handler


STORAGE_PROFILE = Schema({"storageProfileId": Str(required=True)})


def change_storage_profile(kind):
    """``POST /{vm|vapp}-replications/{id}/storage-profile`` ``{"storageProfileId"}`` [C: PSC] → task."""
    def handler(call, rec_id):
        eng, rec = _find(call, kind, rec_id)
        _require_reach(call, [rec["source"]["site"], rec["destination"]["site"]])
        dst = rec["destination"]
        if dst["type"] == "vcVm":
            raise inferred.bad_input("An on-premises destination has no storage profile; it uses the site's placement.", rec_id)
        profile = backends.vcd_for(call.appliance, dst["site"]).storage_profile(dst["vdcId"], call.body["storageProfileId"])
        if profile is None:
            raise inferred.bad_input("Field 'storageProfileId': no storage profile '%s' in VDC '%s'." % (
                call.body["storageProfileId"], dst["vdcName"]), "storageProfileId", call.body["storageProfileId"])
        with eng.lock:
            for target in [rec] + eng.children(rec):
                target["destination"].update(storageProfile=profile["id"], storageProfileName=profile["name"])
            eng.touch()
        return 202, _submit(call, kind, rec_id, "changeStorageProfile", lambda: None)
    return handler


# ===== operations ==================================================================================================
def _fail_next(eng, operation, step):
    rule = eng.settings.get("failNext")
    if not rule or rule.get("operation") not in (None, operation) or rule.get("step", "recover") != step:
        return
    with eng.lock:
        count = int(rule.get("count", 1)) - 1
        eng.settings["failNext"] = dict(rule, count=count) if count > 0 else None
        eng.touch()
    raise ApiError(500, rule.get("code") or "GeneralServerFailure", rule.get("msg") or "Injected failure (lab) at %s of %s." % (step, operation))


def _sleep_lab(eng, lab_ms, cap=60.0):
    time.sleep(min(cap, eng.clock.real_seconds(lab_ms)))


def _network_name(vcd, vdc_id, ref, what):
    if ref in (None, "", "none"):
        return None
    found = vcd.network(vdc_id, ref)
    if found is None:
        names = ", ".join(n["name"] for n in vcd.networks(vdc_id)) or "none"
        raise inferred.bad_input("%s: no org VDC network '%s' in the destination VDC (these exist: %s)." % (what, ref, names), ref)
    return found["name"]


def _mapped(mappings, source_network):
    for mapping in mappings or []:
        if mapping.get("sourceNetworkName") == source_network:
            target = mapping.get("destinationOrgVdcNetwork") or {}
            return target.get("id") or target.get("name") or "none"
    return None


def _vm_settings_for(kind, vm_rec, vmnet):
    if vmnet is None:
        return None
    if kind == "vapp":
        return vmnet.get(vm_rec["source"]["vmId"]) or vmnet.get(vm_rec["id"])
    return vmnet


def nic_plan(vcd, vdc_id, kind, vm_rec, body, stored, connect_default=True):
    """The NICs of the recovered VM: per NIC, body ``vmNetworkSettings`` → body ``vAppNetworkSettings`` mapping by
    source network name → the stored network settings → disconnected."""
    body_vm = _vm_settings_for(kind, vm_rec, (body or {}).get("vmNetworkSettings"))
    stored_vm = _vm_settings_for(kind, vm_rec, (stored or {}).get("vmNetworkSettings"))
    mappings = ((body or {}).get("vAppNetworkSettings") or {}).get("networkMappings") or []
    stored_maps = ((stored or {}).get("vAppNetworkSettings") or {}).get("networkMappings") or []
    per_index = {}
    for source in (stored_vm, body_vm):
        for nic in (source or {}).get("nics") or []:
            per_index[nic["nicIndex"]] = dict(per_index.get(nic["nicIndex"], {}), **{k: v for k, v in nic.items() if v is not None})
    indexes = sorted({n["index"] for n in vm_rec["vm"]["nics"]} | set(per_index))
    plan = []
    for index in indexes:
        source_nic = next((n for n in vm_rec["vm"]["nics"] if n["index"] == index), {})
        override = per_index.get(index, {})
        ref = override.get("network")
        if ref is None and source_nic.get("network") is not None:
            ref = _mapped(mappings, source_nic["network"]) or _mapped(stored_maps, source_nic["network"])
        name = _network_name(vcd, vdc_id, ref, "NIC %d of VM '%s'" % (index, vm_rec["vm"]["name"]))
        mode = override.get("ipAddressAllocationMode") or ("DHCP" if name else "NONE")
        if mode == "MANUAL" and not override.get("ipAddress"):
            raise inferred.bad_input("NIC %d of VM '%s': ipAddressAllocationMode MANUAL needs ipAddress." % (index, vm_rec["vm"]["name"]),
                                     "ipAddress")
        plan.append({"network": name, "connected": bool(override.get("isConnected", connect_default)) and name is not None,
                     "ipMode": mode, "ip": override.get("ipAddress") or None,
                     "mac": None if override.get("resetMacAddress") else (override.get("macAddress") or source_nic.get("mac"))})
    guest = {"computerName": (body_vm or {}).get("computerName") or (stored_vm or {}).get("computerName"),
             "enableGuestCustomization": (body_vm or {}).get("enableGuestCustomization",
                                                             (stored_vm or {}).get("enableGuestCustomization"))}
    primary = (body_vm or {}).get("primaryNicIndex") or (stored_vm or {}).get("primaryNicIndex") or 0
    return plan, guest, primary


def _recover(call, eng, rec, body, test, stored):
    """Create the recovered objects at the destination; returns ``{"vAppId", "vms": {rec id: vm id}}``."""
    appliance = call.appliance
    dst = rec["destination"]
    members = eng.vm_members(rec)
    power_on = bool((body or {}).get("powerOn"))
    time.sleep(float(eng.settings.get("recoverySeconds") or 0))
    if dst["type"] == "vcVm":
        vcenter = backends.vcenter_for(appliance, dst["site"])
        onprem = backends.site_appliance(appliance, dst["site"], "onprem")
        result = {"vAppId": None, "vms": {}}
        for vm in members:
            seed = (vm["destination"].get("seedVm") or {}).get("moId")
            if seed and vcenter.vm_info(seed) is not None:
                if power_on:
                    vcenter.power_on(seed)
                result["vms"][vm["id"]] = seed
                continue
            placement = onprem.state.get("placement")
            if not placement:
                raise inferred.prerequisite_missing("recover at '%s'" % dst["site"], "configure its placement")
            snap = vm["vm"]
            result["vms"][vm["id"]] = vcenter.create_vm(placement, snap["name"] + (inferred.TEST_VAPP_SUFFIX if test else ""),
                                                        snap["cpu"], snap["memoryMB"], snap["guestOs"], snap["disks"],
                                                        snap["nics"], power_on)
        return result
    vcd = backends.vcd_for(appliance, dst["site"])
    specs = []
    for vm in members:
        plan, guest, primary = nic_plan(vcd, dst["vdcId"], rec["kind"], vm, body, stored,
                                        connect_default=(body or {}).get("connectVmNics", True) is not False)
        snap = vm["vm"]
        specs.append({"name": snap["name"], "cpu": snap["cpu"], "memoryMB": snap["memoryMB"], "guestOs": snap["guestOs"],
                      "disks": snap["disks"], "nics": plan, "primaryNic": primary, "storageProfile": dst.get("storageProfile"),
                      "computerName": guest["computerName"], "guestCustomization": bool(guest["enableGuestCustomization"])})
    name = rec["source"].get("vappName") or rec["vm"]["name"] if rec["kind"] == "vm" else rec["source"].get("vappName")
    name = (name or rec["id"]) + (inferred.TEST_VAPP_SUFFIX if test else "")
    try:
        vapp = vcd.create_vapp(vdc_id=dst["vdcId"], name=name, vms=specs, power_on=power_on,
                               description="%s by replication %s" % ("Test failover" if test else "Recovered", rec["id"]),
                               created_by=rec["id"])
    except ApiError as exc:
        raise inferred.vcd_refused(dst["site"], exc) from None
    return {"vAppId": vapp["id"], "vms": dict(zip([m["id"] for m in members], vapp["vmIds"]))}


def _validate_networks(call, eng, rec, body, stored):
    dst = rec["destination"]
    if dst["type"] == "vcVm":
        return
    vcd = backends.vcd_for(call.appliance, dst["site"])
    for vm in eng.vm_members(rec):
        nic_plan(vcd, dst["vdcId"], rec["kind"], vm, body, stored)


def _power_off_source(call, eng, rec):
    appliance = call.appliance
    src = rec["source"]
    guest = float(eng.settings.get("guestShutdownSeconds") or 0)
    if src["type"] in ("vcVm", "vcVapp"):
        vcenter = backends.vcenter_for(appliance, src["site"])
        for vm in eng.vm_members(rec):
            if not vm.get("synthetic"):
                vcenter.power_off(vm["source"]["vmId"], guest)
            vm["vm"]["powerState"] = "poweredOff"
    else:
        vcd = backends.vcd_for(appliance, src["site"])
        for vm in eng.vm_members(rec):
            if not vm.get("synthetic"):
                vcd.power(vm["source"]["vmId"], False)
            vm["vm"]["powerState"] = "poweredOff"


def _set_recovery(eng, rec, **changes):
    with eng.lock:
        now = eng.now()
        for target in [rec] + (eng.children(rec) if rec["kind"] == "vapp" else []):
            target["recovery"].update(changes)
            target["lastUpdated"] = now
        eng.touch()


def _members_state(eng, rec):
    return {m["recovery"]["state"] for m in [rec] + eng.children(rec)}


def _precheck(eng, rec, op, body):
    state = rec["recovery"]["state"]
    if rec.get("busy"):
        raise inferred.replication_busy(rec["id"], rec["busy"])
    if op in ("migrate", "failover", "failover-test"):
        if state in ("TEST", "COMPLETE", "IN_PROGRESS"):
            raise inferred.wrong_recovery_state(op, state, "NOT_STARTED")
        if op == "failover-test" and body.get("sync") and (body.get("instanceId") or body.get("instanceMap")):
            raise inferred.bad_input("sync and instanceId/instanceMap are mutually exclusive.", "sync")
        wanted = {rec["id"]: body["instanceId"]} if body.get("instanceId") else dict(body.get("instanceMap") or {})
        for vm in eng.vm_members(rec):
            instance = wanted.get(vm["id"]) or wanted.get(vm["source"]["vmId"])
            if instance:
                tl = eng.timeline(vm)
                frozen = bool(vm.get("paused") or vm.get("error"))
                kept = evaluate(vm, eng.now(), tl, frozen=frozen, keep=tl.retained(vm))["instances"][-tl.retained(vm):]
                if instance not in {i["id"] for i in kept}:
                    raise inferred.bad_input("Instance '%s' is not a retained instance of replication '%s'." % (instance, vm["id"]),
                                             "instanceId", instance)
        if op == "migrate" and rec.get("paused"):
            raise inferred.bad_input("Cannot migrate a paused replication; resume it first.", rec["id"])
        if not (op == "failover-test" and body.get("sync")):
            with eng.lock:
                now = eng.now()
                for vm in eng.vm_members(rec):
                    frozen = bool(vm.get("paused") or vm.get("error"))
                    if latest(evaluate(vm, now, eng.timeline(vm), frozen=frozen, keep=1)) is None:
                        raise inferred.not_synced(rec["id"], op)
    elif op == "failover-test-cleanup" and state != "TEST":
        raise inferred.wrong_recovery_state("clean up a test failover", state, "TEST")
    elif op == "reverse" and state != "COMPLETE":
        raise inferred.wrong_recovery_state("reverse", state, "COMPLETE")
    elif op == "sync":
        if rec.get("paused"):
            raise inferred.bad_input("Cannot sync a paused replication; resume it first.", rec["id"])
        if state == "COMPLETE" or rec.get("finished"):
            raise inferred.wrong_recovery_state("sync", state, "NOT_STARTED or TEST")


def _reverse(call, eng, rec, recovered):
    """Swap source and destination: the recovered VMs become the source, the old source the seed."""
    appliance = call.appliance
    old_src_kind = rec["source"]["type"]
    with eng.lock:
        if rec.get("orig") is None:
            rec["orig"] = {"source": copy.deepcopy(rec["source"]), "destination": copy.deepcopy(rec["destination"])}
        members = eng.vm_members(rec)
        for vm in members:
            src, dst = vm["source"], vm["destination"]
            if dst["type"] == "vcVm":  # back to the cloud: the original cloud destination again
                orig_dst = (rec["orig"] or {}).get("source") if rec["source"]["type"] == "vm" else None
                new_src = {"type": "vcVm", "site": dst["site"], "org": vm["owner"], "vcUuid": (dst.get("seedVm") or {}).get("vcId"),
                           "vmId": vm["recovery"].get("vcVmId"), "vmName": vm["vm"]["name"], "vappId": None,
                           "vappName": src.get("vappName"), "vdcId": None, "vdcName": None}
                back = vm.get("cloudDestination") or orig_dst or {}
                new_dst = dict(back, type=back.get("type", "vm"), site=src["site"], org=vm["owner"])
            else:
                vcd = backends.vcd_for(appliance, dst["site"])
                vcd_vm = vcd.vm(vm["recovery"]["vcdVmId"]) or {}
                new_src = {"type": "vm", "site": dst["site"], "org": vm["owner"], "vcUuid": None, "vmId": vm["recovery"]["vcdVmId"],
                           "vmName": vm["vm"]["name"], "vappId": vm["recovery"].get("vAppId"), "vappName": vcd_vm.get("vappName"),
                           "vdcId": dst.get("vdcId"), "vdcName": dst.get("vdcName")}
                vm["cloudDestination"] = {k: v for k, v in dst.items() if k not in ("site", "org")}
                if src["type"] == "vcVm":
                    new_dst = {"type": "vcVm", "site": src["site"], "org": vm["owner"], "vdcId": None, "vdcName": None,
                               "storageProfile": None, "storageProfileName": None,
                               "seedVm": {"moId": src["vmId"], "vcId": src.get("vcUuid")}}
                else:
                    new_dst = {"type": "vm", "site": src["site"], "org": vm["owner"], "vdcId": src.get("vdcId"),
                               "vdcName": src.get("vdcName"), "storageProfile": "*", "storageProfileName": None}
                    old = backends.vcd_for(appliance, src["site"])
                    profile = old.storage_profile(src.get("vdcId") or "", "*")
                    new_dst["storageProfileName"] = profile["name"] if profile else None
            vm["source"], vm["destination"] = new_src, new_dst
            vm["vm"]["powerState"] = "poweredOn" if vm["recovery"].get("vcdVmId") or vm["recovery"].get("vcVmId") else "poweredOff"
            vm["isReversed"] = not vm.get("isReversed")
            vm["recovery"] = {"state": "NOT_STARTED", "vAppId": None, "vcdVmId": None, "testVAppId": None, "vcVmId": None}
        if rec["kind"] == "vapp":
            first = members[0]
            rec["source"] = {"type": "vapp" if first["source"]["type"] == "vm" else "vcVapp", "site": first["source"]["site"],
                             "org": rec["owner"], "vcUuid": first["source"].get("vcUuid"), "vappId": first["source"].get("vappId"),
                             "vappName": rec["source"].get("vappName"), "vmIds": [m["source"]["vmId"] for m in members]}
            rec["destination"] = dict(first["destination"])
            rec["isReversed"] = not rec.get("isReversed")
            rec["recovery"] = {"state": "NOT_STARTED", "vAppId": None, "vcdVmId": None, "testVAppId": None, "vcVmId": None}
        eng.restart_sync(rec, float(eng.settings.get("reverseSeedShare") or 0.05))
    if old_src_kind in ("vm", "vapp"):  # PSC: "The original source VMs will be removed."
        vcd = backends.vcd_for(appliance, rec["destination"]["site"])
        for vm in eng.vm_members(rec):
            seed_id = (recovered or {}).get(vm["id"])
            if seed_id:
                vcd.remove_vm(seed_id)


def operation(kind, op):
    def handler(call, rec_id):
        eng, rec = _find(call, kind, rec_id)
        body = call.body if isinstance(call.body, dict) else {}
        touches = []
        if op in ("migrate",):
            touches.append(rec["source"]["site"])
        if op in ("migrate", "failover", "failover-test") and rec["destination"]["type"] == "vcVm":
            touches.append(rec["destination"]["site"])
        _require_reach(call, [rec["source"]["site"], rec["destination"]["site"], call.request.args.get("site")], touches_onprem=touches)
        if kind == "vm" and rec.get("parent") and op not in ("pause", "resume", "sync"):
            raise inferred.bad_input("VM replication '%s' belongs to vApp replication '%s': operate on the vApp replication." % (
                rec_id, rec["parent"]), rec["parent"])
        stored = (rec.get("networkSettings") or {}).get("failoverTestSettings" if op == "failover-test" else "failoverSettings")
        with eng.lock:
            _precheck(eng, rec, op, body)
            if op in ("migrate", "failover", "failover-test"):
                _validate_networks(call, eng, rec, body, stored)
            rec["busy"] = op
            if op in ("migrate", "failover"):
                for target in [rec] + eng.children(rec):
                    target["recovery"]["state"] = "IN_PROGRESS"
            eng.touch()

        def work():
            try:
                _run(call, eng, rec, op, body, stored)
            except BaseException:
                if op in ("migrate", "failover"):
                    _set_recovery(eng, rec, state="NOT_STARTED")
                raise
            finally:
                with eng.lock:
                    rec["busy"] = None
                    eng.touch()

        return 202, _submit(call, kind, rec_id, op if op != "failover-test-cleanup" else "failoverTestCleanup", work)
    return handler


def _run(call, eng, rec, op, body, stored):
    if op == "pause":
        eng.pause(rec)
    elif op == "resume":
        eng.resume(rec)
    elif op == "sync":
        _sleep_lab(eng, eng.force_sync(rec))
    elif op == "migrate":
        _fail_next(eng, op, "powerOff")
        _power_off_source(call, eng, rec)
        time.sleep(float(eng.settings.get("cutoverDelaySeconds") or 0))
        _sleep_lab(eng, eng.force_sync(rec))
        _fail_next(eng, op, "recover")
        result = _recover(call, eng, rec, body, False, stored)
        eng.finish(rec)
        _complete(eng, rec, result)
    elif op == "failover":
        time.sleep(float(eng.settings.get("cutoverDelaySeconds") or 0))
        _fail_next(eng, op, "recover")
        result = _recover(call, eng, rec, body, False, stored)
        eng.finish(rec)
        _complete(eng, rec, result)
    elif op == "failover-test":
        if body.get("sync"):
            _sleep_lab(eng, eng.force_sync(rec))
        _fail_next(eng, op, "recover")
        result = _recover(call, eng, rec, body, True, stored)
        with eng.lock:
            for vm in eng.vm_members(rec):
                vm["recovery"].update(state="TEST", testVAppId=result["vAppId"], testVmId=result["vms"].get(vm["id"]))
            if rec["kind"] == "vapp":
                rec["recovery"].update(state="TEST", testVAppId=result["vAppId"])
            eng.touch()
    elif op == "failover-test-cleanup":
        test_vapp = rec["recovery"].get("testVAppId")
        if rec["destination"]["type"] == "vcVm":
            pass  # a test VM on-prem: left to the vCenter admin [I]
        elif test_vapp:
            backends.vcd_for(call.appliance, rec["destination"]["site"]).delete_vapp(test_vapp)
        with eng.lock:
            for target in [rec] + eng.children(rec):
                target["recovery"].update(state="NOT_STARTED", testVAppId=None)
                target["recovery"].pop("testVmId", None)
            eng.touch()
    elif op == "reverse":
        recovered = {vm["id"]: vm["source"]["vmId"] for vm in eng.vm_members(rec)}
        _reverse(call, eng, rec, recovered)
    elif op == "delete":
        test_vapp = rec["recovery"].get("testVAppId")
        if test_vapp and rec["destination"]["type"] != "vcVm":
            backends.vcd_for(call.appliance, rec["destination"]["site"]).delete_vapp(test_vapp)
        eng.remove(rec["id"])


def _complete(eng, rec, result):
    with eng.lock:
        for vm in eng.vm_members(rec):
            vm_id = result["vms"].get(vm["id"])
            if rec["destination"]["type"] == "vcVm":
                vm["recovery"].update(state="COMPLETE", vcVmId=vm_id)
            else:
                vm["recovery"].update(state="COMPLETE", vAppId=result["vAppId"], vcdVmId=vm_id)
        if rec["kind"] == "vapp":
            rec["recovery"].update(state="COMPLETE", vAppId=result["vAppId"])
        rec["lastUpdated"] = eng.now()
        eng.touch()


def delete_replication(kind):
    op_handler = operation(kind, "delete")

    def handler(call, rec_id):
        return op_handler(call, rec_id)
    return handler


# ===== sessions/extend =============================================================================================
def extend_session(call):
    appliance = call.appliance
    body = call.body
    local = _local(appliance)
    site = body["site"]
    principal = call.principal
    sites = [{"org": principal.get("org", "System"), "site": local}] + list(principal.get("extendedSites") or [])
    if site != local:
        rec = api_sites.find_record(appliance, site)
        if rec is None:
            raise inferred.site_not_found(site)
        if body["type"] == "cookie":
            raise inferred.remote_authentication_failure(rec["apiUrl"], "the lab cannot vouch for a vCD cookie")
        if body["type"] == "multisite":
            raise inferred.bad_input("Lab: multisite session extension is not emulated; use credentials or vcdAccessToken.", "type")
        if body["type"] == "credentials":
            login = {"type": "vcdCredentials", "vcdUser": body["vcdUsername"], "vcdPassword": body["vcdPassword"]}
        else:
            login = {"type": "vcdAccessToken", "vcdAccessToken": body["vcdAccessToken"], "context": None}
        peer = checks.Peer(rec["apiUrl"], rec["apiThumbprint"], timeout=appliance.peer_timeout)
        code, _headers, reply = peer.call("POST", "/sessions", login)
        if code != 200:
            raise inferred.remote_authentication_failure(rec["apiUrl"], "site '%s' refused the credentials" % site)
        org = ((reply or {}).get("authenticatedSites") or [{}])[0].get("org") or str((reply or {}).get("user", "@")).rsplit("@", 1)[-1]
        entry = {"org": org, "site": site}
        principal["extendedSites"] = [e for e in principal.get("extendedSites") or [] if e["site"] != site] + [entry]
        sites = [s for s in sites if s["site"] != site] + [entry]
    return {"roles": list(principal["roles"]), "user": principal["user"], "authenticatedSites": sites}


# ===== inventory ===================================================================================================
def _inventory_vcd(call):
    appliance = call.appliance
    site = call.request.args.get("site") or _local(appliance)
    _require_reach(call, [site])
    return backends.vcd_for(appliance, site), site


def _page(call, items):
    offset, limit = _paging(call.request.args)
    return {"items": items[offset:offset + limit], "total": len(items)}


def _org_filter(call):
    return None if _is_system(call.principal) else call.principal.get("org")


def inv_vdcs(call):
    vcd, site = _inventory_vcd(call)
    name = call.request.args.get("name")
    items = [dict(v, site=site) for v in vcd.vdcs(_org_filter(call)) if not name or v["name"] == name]
    return _page(call, items)


def _vdc_or_404(call, vcd, vdc_id):
    vdc = vcd.vdc(vdc_id, _org_filter(call))
    if vdc is None:
        raise inferred.entity_not_found("Vdc", vdc_id)
    return vdc


def inv_networks(call, vdc_id):
    vcd, _site = _inventory_vcd(call)
    vdc = _vdc_or_404(call, vcd, vdc_id)
    return _page(call, vcd.networks(vdc["id"]))


def inv_storage_profiles(call, vdc_id):
    vcd, _site = _inventory_vcd(call)
    vdc = _vdc_or_404(call, vcd, vdc_id)
    return _page(call, [{"id": p["id"], "name": p["name"], "isDefault": p["default"], "vdcId": vdc["id"]}
                        for p in vcd.storage_profiles(vdc["id"])])


def inv_vms(call):
    vcd, _site = _inventory_vcd(call)
    keys = ("id", "name", "vappId", "vappName", "vdcId", "vdcName", "org", "powerState", "diskBytes", "networks")
    return _page(call, [{k: v[k] for k in keys} for v in vcd.vms(_org_filter(call))])


def inv_vapps(call):
    vcd, _site = _inventory_vcd(call)
    return _page(call, vcd.vapps(_org_filter(call)))


# ===== endpoints ===================================================================================================
def endpoints(appliance):
    if appliance.spec.type not in ("cloud", "onprem"):
        return []
    fabric.register(appliance)
    eps = []
    for kind, base in (("vm", "/vm-replications"), ("vapp", "/vapp-replications")):
        eps += [
            Endpoint("GET", base, list_replications(kind), flags=TENANT),
            Endpoint("POST", base, create(kind), body="json", schema=create_schema(appliance, kind), flags=TENANT),
            Endpoint("GET", base + "/<rec_id>", get_replication(kind), flags=TENANT),
            Endpoint("PATCH", base + "/<rec_id>", patch_replication(kind), body="json", schema=PATCH, flags=TENANT),
            Endpoint("DELETE", base + "/<rec_id>", delete_replication(kind), flags=TENANT),
            Endpoint("GET", base + "/<rec_id>/network-settings", get_network_settings(kind), flags=TENANT),
            Endpoint("PUT", base + "/<rec_id>/network-settings", put_network_settings(kind), body="json", schema=NETWORK_SETTINGS,
                     flags=TENANT),
            Endpoint("POST", base + "/<rec_id>/failover-test", operation(kind, "failover-test"), body="json",
                     schema=op_schema("failover-test", kind), flags=TENANT),
            Endpoint("DELETE", base + "/<rec_id>/failover-test", operation(kind, "failover-test-cleanup"), flags=TENANT),
            Endpoint("POST", base + "/<rec_id>/storage-profile", change_storage_profile(kind), body="json", schema=STORAGE_PROFILE,
                     flags=TENANT),
        ]
        for op in ("migrate", "failover"):
            eps.append(Endpoint("POST", "%s/<rec_id>/%s" % (base, op), operation(kind, op), body="json", schema=op_schema(op, kind),
                                flags=TENANT))
        for op in ("reverse", "pause", "resume", "sync"):
            eps.append(Endpoint("POST", "%s/<rec_id>/%s" % (base, op), operation(kind, op), flags=TENANT))
    eps.append(Endpoint("GET", "/vm-replications/<rec_id>/instances", list_instances, flags=TENANT))
    if appliance.spec.type == "cloud":
        eps += [
            Endpoint("POST", "/sessions/extend", extend_session, body="json", schema=EXTEND, flags=TENANT),
            Endpoint("GET", "/inventory/vdcs", inv_vdcs, flags=TENANT),
            Endpoint("GET", "/inventory/vdcs/<vdc_id>/networks", inv_networks, flags=TENANT),
            Endpoint("GET", "/inventory/vdcs/<vdc_id>/storage-profiles", inv_storage_profiles, flags=TENANT),
            Endpoint("GET", "/inventory/vms", inv_vms, flags=TENANT),
            Endpoint("GET", "/inventory/vapps", inv_vapps, flags=TENANT),
        ]
    return eps


# ===== lab controls (/_lab/replications, NOT part of the VCDA API) =================================================
SETTINGS_SCHEMA = Schema({
    "clockRate": Field(nullable=True), "defaultBandwidthMbps": Field(nullable=True), "bandwidthMbps": Field(nullable=True),
    "changeRatePercentPerHour": Field(nullable=True), "guestShutdownSeconds": Field(nullable=True),
    "recoverySeconds": Field(nullable=True), "cutoverDelaySeconds": Field(nullable=True), "failNext": Field(nullable=True),
    "reverseSeedShare": Field(nullable=True), "labNow": Field(nullable=True), "realNow": Field(nullable=True)})


def _number(value, name, low=0.0, high=None, strict=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or (strict and value == low) \
            or (high is not None and value > high):
        upper = "" if high is None else " and <= %s" % high
        raise ApiError(400, "BadUserInput", "%s must be a number %s %s%s." % (name, ">" if strict else ">=", low, upper), [name])
    return float(value)


def _check_settings(body):
    try:
        body = SETTINGS_SCHEMA.validate(body)
    except ValidationError as exc:
        raise ApiError(400, "BadUserInput", exc.msg, exc.error_args) from None
    out = {}
    for key, value in body.items():
        if value is None and key != "failNext" or key in ("labNow", "realNow"):
            continue
        if key == "bandwidthMbps":
            if not isinstance(value, dict):
                raise ApiError(400, "BadUserInput", "bandwidthMbps must map site names to Mbit/s (null removes a site).", [key])
            out[key] = {s: None if v is None else _number(v, "bandwidthMbps.%s" % s, strict=True) for s, v in value.items()}
        elif key == "failNext":
            if value is not None and (not isinstance(value, dict) or value.get("step", "recover") not in ("powerOff", "recover")):
                raise ApiError(400, "BadUserInput", "failNext: {\"operation\", \"count\", \"step\": powerOff|recover, \"code\", \"msg\"} or null.",
                               [key])
            out[key] = value
        elif key in ("clockRate", "defaultBandwidthMbps"):
            out[key] = _number(value, key, strict=True, high=1e7)
        else:
            out[key] = _number(value, key, high=1e6)
    return out


def seed(appliance, body) -> Dict[str, Any]:
    """``count`` synthetic replications (no vcsim VMs behind them) for reporting and load tests."""
    started = time.monotonic()
    eng = engine_mod.engine_for(appliance)
    try:
        count = int(body.get("count", 100))
    except (TypeError, ValueError):
        raise ApiError(400, "BadUserInput", "count must be an integer.", ["count"]) from None
    if not 1 <= count <= 100000:
        raise ApiError(400, "BadUserInput", "count must be between 1 and 100000.", ["count"])
    src_site = body.get("sourceSite") or "onprem1"
    dst_site = body.get("destinationSite") or appliance.local_site() or "site1"
    org = body.get("org") or "org1"
    vcd = backends.vcd_for(appliance, dst_site)
    vdc = vcd.vdc(str(body.get("vdc") or "%s-vdc" % org), org)
    if vdc is None:
        raise ApiError(400, "BadUserInput", "No VDC %s of %s at %s." % (body.get("vdc"), org, dst_site), ["vdc"])
    profile = vcd.storage_profile(vdc["id"], "*")
    manager = _manager(appliance, {"site": src_site}, {"site": dst_site})
    rng = random.Random(body.get("seed"))  # deterministic when a seed is given
    prefix = str(body.get("prefix") or "seed-vm-")
    shares = {k: float(body.get(k, d)) for k, d in (("migrationShare", 0.3), ("pausedShare", 0.05), ("errorShare", 0.02),
                                                    ("slowShare", 0.05), ("completedShare", 0.05))}
    synced = body.get("synced", True)
    src_type = "vcVm" if backends.site_kind(appliance, src_site) != "cloud" else "vm"
    now = eng.now()
    ids = []
    with eng.lock:
        for index in range(count):
            is_migration = rng.random() < shares["migrationShare"]
            rpo = rng.choice([15, 30, 60, 240, 1440]) if not is_migration else rng.choice([15, 60])
            disks = [rng.choice([10, 20, 40, 80, 200, 500]) * 1024 ** 3]
            name = "%s%05d" % (prefix, index)
            settings = {"rpo": rpo, "description": "lab seed", "quiesced": False, "dataConnectionType": "ENCRYPTED",
                        "retentionPolicy": {"rules": [{"numberOfInstances": rng.choice([1, 3, 6, 12]), "distance": rpo}]},
                        "initialSyncTime": 0, "targetDiskType": "THIN"}
            vm = {"name": name, "cpu": rng.choice([1, 2, 4]), "memoryMB": rng.choice([2048, 4096, 8192]), "guestOs": "otherGuest64",
                  "disks": disks, "diskBytes": sum(disks), "nics": [{"index": 0, "network": "VM Network", "mac": None}],
                  "powerState": "poweredOn"}
            source = {"type": src_type, "site": src_site, "org": org, "vcUuid": None, "vmId": "seed-%08x-%d" % (rng.getrandbits(32), index),
                      "vmName": name, "vappId": None, "vappName": None, "vdcId": None, "vdcName": None}
            destination = {"type": "vm", "site": dst_site, "org": org, "vdcId": vdc["id"], "vdcName": vdc["name"], "storageProfile": "*",
                           "storageProfileName": profile["name"] if profile else None}
            rec = new_record("vm", rec_id="C4-%s" % uuid.UUID(int=rng.getrandbits(128), version=4), owner=org, user="lab-seed",
                             now=now, manager=manager, is_migration=is_migration, settings=settings,
                             source=source, destination=destination, vm=vm, synthetic=True)
            if synced:
                rec["sync"] = new_sync(now - rng.randint(2, 72) * 3600 * 1000)
            if rng.random() < shares["slowShare"]:
                rec["bandwidthMbps"] = 0.01
            eng.records[rec["id"]] = rec
            roll = rng.random()
            if roll < shares["pausedShare"]:
                engine_mod.materialize(rec, now, eng.timeline(rec))
                rec["paused"] = True
            elif roll < shares["pausedShare"] + shares["errorShare"]:
                engine_mod.materialize(rec, now, eng.timeline(rec))
                rec["error"] = True
                rec["lastError"] = {"code": "ReplicatorConnectionFailure", "msg": "Lab: the replicator lost the connection.", "args": [],
                                    "stacktrace": None}
            elif is_migration and roll < shares["pausedShare"] + shares["errorShare"] + shares["completedShare"] and synced:
                engine_mod.materialize(rec, now, eng.timeline(rec))
                rec["finished"] = True
                rec["recovery"].update(state="COMPLETE", vAppId=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                       vcdVmId=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
            ids.append(rec["id"])
        eng.touch()
    return {"created": len(ids), "firstId": ids[0], "lastId": ids[-1], "seconds": round(time.monotonic() - started, 3)}


def control_routes(appliance, bp) -> None:
    if appliance.spec.type not in ("cloud", "onprem"):
        return

    def reply(payload, status=200):
        return Response(json.dumps(payload, indent=1), status=status, content_type="application/json")

    def body():
        raw = request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "BadUserInput", "The body is not valid JSON: %s" % exc) from None
        if not isinstance(data, dict):
            raise ApiError(400, "BadUserInput", "The body must be a JSON object.")
        return data

    @bp.get("/replications/settings")
    def repl_settings():
        return reply(engine_mod.engine_for(appliance).describe_settings())

    @bp.put("/replications/settings")
    def repl_put_settings():
        return reply(engine_mod.engine_for(appliance).update_settings(_check_settings(body())))

    @bp.post("/replications/seed")
    def repl_seed():
        return reply(seed(appliance, body()), 201)

    @bp.get("/replications")
    def repl_truth():
        eng = engine_mod.engine_for(appliance)
        with eng.lock:
            now = eng.now()
            items = [r for r in eng.records.values() if (not request.args.get("id") or r["id"] == request.args["id"])
                     and (not request.args.get("site") or request.args["site"] in (r["source"]["site"], r["destination"]["site"]))]
            return reply({"labNow": now, "total": len(items),
                          "items": [{"id": r["id"], "record": r, "view": view(eng, r, now)} for r in items]})

    @bp.delete("/replications")
    def repl_forget():
        eng = engine_mod.engine_for(appliance)
        site = request.args.get("site")
        with eng.lock:
            gone = [i for i, r in eng.records.items() if not site or site in (r["source"]["site"], r["destination"]["site"])]
            for rec_id in gone:
                eng.records.pop(rec_id, None)
            eng.touch()
        return reply({"forgotten": len(gone)})

    def _rec(rec_id):
        eng = engine_mod.engine_for(appliance)
        rec = eng.get(rec_id)
        if rec is None:
            raise ApiError(404, "NotFound", "No replication %s." % rec_id, [rec_id])
        return eng, rec

    @bp.post("/replications/<rec_id>/error")
    def repl_error(rec_id):
        eng, rec = _rec(rec_id)
        data = body()
        eng.set_error(rec, {"code": str(data.get("code") or "GeneralServerFailure"), "msg": str(data.get("msg") or "Lab-injected error."),
                            "args": [], "stacktrace": None})
        return reply(view(eng, rec))

    @bp.delete("/replications/<rec_id>/error")
    def repl_clear_error(rec_id):
        eng, rec = _rec(rec_id)
        eng.set_error(rec, None)
        return reply(view(eng, rec))

    @bp.patch("/replications/<rec_id>")
    def repl_drift(rec_id):
        eng, rec = _rec(rec_id)
        data = body()
        with eng.lock:
            _merge(rec, data)
            eng.touch()
            return reply({"record": rec, "view": view(eng, rec)})


def _merge(target, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif value is None:
            target.pop(key, None)
        else:
            target[key] = value
