# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replications, migrations and their operations (contract: docs/api/vcda.md#replications).

The service behind ``vcda_replication``, ``vcda_migration_wave`` and ``vcda_replication_info``.
Knows nothing of Ansible: it works over a ``VcdaClient`` and plain dicts.

* **Finding**: a replication is found by its source VM (name or MoRef at the source site) and the pair of
  sites, from *one* list of the site's replications, so a re-run or a run after an interrupt resumes the
  replication it made instead of creating a second one (a reversed replication keeps the same pair).
* **Phases**: a list item is read as one of ``replicating``, ``paused``, ``test``, ``recovered``,
  ``reversed``, ``recovered_back``; the modules' states map onto them and :func:`plan` gives the steps
  from the live phase to the wanted one. One-way transitions (a cutover) are states: asking ``present``
  of a migrated replication is an error, not a re-creation.
* **Waiting**: many replications are watched with one list request per site per poll (:class:`Watcher`),
  many tasks with one ``GET /tasks`` per poll; one task goes through the client's task waiter.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import re
import threading
import time

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import TASK_DONE
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ApiError,
    InputError,
    NotFoundError,
    TaskFailed,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller

PATHS = {"vm": "/vm-replications", "vapp": "/vapp-replications"}
STATES = ("present", "paused", "test_failover", "migrated", "failed_over", "reversed", "failed_back", "absent")
STATE_PHASE = {"present": "replicating", "paused": "paused", "test_failover": "test", "migrated": "recovered",
               "failed_over": "recovered", "reversed": "reversed", "failed_back": "recovered_back"}
TYPES = ("migration", "protection")
DISK_TYPES = {"thin": "THIN", "thick": "PREALLOCATED", "thick_eager_zeroed": "PREALLOCATED_ZEROS"}
DATA_CONNECTION_TYPES = {"plain": "PLAIN", "encrypted": "ENCRYPTED", "encrypted_compressed": "ENCRYPTED_COMPRESSED"}
IP_MODES = {"dhcp": "DHCP", "pool": "POOL", "manual": "MANUAL", "none": "NONE"}
MIN_RPO, MAX_RPO = 5, 1440
DEFAULT_RPO = 60
RECOVERY_COMPLETE, RECOVERY_TEST = "COMPLETE", "TEST"
POWERED_ON = ("poweredon", "powered_on", "on")


# ----- reading items ------------------------------------------------------------------------------
def kind_of(item):
    """``vapp`` for a vApp replication item (``C4VAPP-`` id or per-VM list), else ``vm``."""
    if str(item.get("id") or "").upper().startswith("C4VAPP-") or inferred.VAPP_VM_ITEMS_KEY in item:
        return "vapp"
    return "vm"


def _first(obj, keys):
    for key in keys:
        if (obj or {}).get(key) not in (None, ""):
            return obj[key]
    return None


def vm_refs(item):
    """``(ids, names)`` of the source VMs an item replicates (both sets of strings)."""
    ids, names = set(), set()
    source = item.get("source") or {}
    for holder in [item, source] + list(item.get(inferred.VAPP_VM_ITEMS_KEY) or []):
        src = holder.get("source") if holder is not item and isinstance(holder.get("source"), dict) else holder
        for obj in (holder, src):
            value = _first(obj, inferred.SOURCE_VM_ID_KEYS)
            if value and obj is not item:
                ids.add(str(value))
            name = _first(obj, inferred.SOURCE_VM_NAME_KEYS)
            if name and obj is not item:
                names.add(str(name))
    for value in source.get(inferred.SOURCE_VM_IDS_KEY) or []:
        ids.add(str(value))
    computer = item.get("computerName")
    if computer and not names:
        names.add(str(computer))
    return ids, names


def sites_of(item):
    return (item.get("source") or {}).get("site"), (item.get("destination") or {}).get("site")


def org_of(item):
    return (item.get("destination") or {}).get("org") or (item.get("source") or {}).get("org")


def recovery_state(item):
    """``recoveryState`` of a VM item; a vApp item's is its members' (IN_PROGRESS while any member recovers, the
    common state when they agree, NOT_STARTED when they do not)."""
    info = ((item.get("destinationState") or {}).get("recoveryInfo") or {})
    if info.get("recoveryState"):
        return info["recoveryState"]
    members = [recovery_state(sub) for sub in item.get(inferred.VAPP_VM_ITEMS_KEY) or []]
    if not members:
        return "NOT_STARTED"
    if "IN_PROGRESS" in members:
        return "IN_PROGRESS"
    return members[0] if len(set(members)) == 1 else "NOT_STARTED"


def phase(item):
    """The item as one of: replicating, paused, test, recovered, reversed, recovered_back (None: no item)."""
    if item is None:
        return None
    rec = recovery_state(item)
    reversed_ = bool(item.get("isReversed"))
    if rec == RECOVERY_COMPLETE:
        return "recovered_back" if reversed_ else "recovered"
    if rec == RECOVERY_TEST:
        return "test"
    if reversed_:
        return "reversed"
    if item.get("isPaused"):
        return "paused"
    return "replicating"


def state_of(item):
    """The module state an item is in (``absent`` when None)."""
    current = phase(item)
    if current is None:
        return "absent"
    if current == "recovered":
        return "migrated" if item.get("isMigration") else "failed_over"
    return {"replicating": "present", "paused": "paused", "test": "test_failover", "reversed": "reversed",
            "recovered_back": "failed_back"}[current]


def progress_of(item):
    """Initial-sync progress 0-100 (None when the item carries none)."""
    state = item.get(inferred.SOURCE_STATE_KEY) or {}
    progress = (state.get("progress") or {}).get("progress")
    if progress is None:
        for sub in item.get(inferred.VAPP_VM_ITEMS_KEY) or []:
            value = progress_of(sub)
            if value is not None:
                progress = value if progress is None else min(progress, value)
    return progress


def sync_error(item):
    """The error text of a failing replication, or None."""
    dest = item.get("destinationState") or {}
    error = dest.get("lastError")
    if error:
        return error.get("msg") if isinstance(error, dict) else str(error)
    if item.get("dataConnectionState") in inferred.SYNC_ERROR_STATES:
        return "data connection state %s" % item.get("dataConnectionState")
    return None


def is_synced(item):
    """Initial sync done ("cutover ready"): an instance exists and the first sync is not running."""
    subs = item.get(inferred.VAPP_VM_ITEMS_KEY)
    if subs:
        return all(is_synced(sub) for sub in subs)
    latest = (item.get("destinationState") or {}).get("latestInstance")
    return bool(latest) and item.get("dataConnectionState") not in inferred.INITIAL_SYNC_STATES


def summary(item):
    """What the modules return for one item."""
    if item is None:
        return None
    ids, names = vm_refs(item)
    src, dst = sites_of(item)
    dest = item.get("destination") or {}
    settings = item.get("settings") or {}
    info = (item.get("destinationState") or {}).get("recoveryInfo") or {}
    return {
        "id": item.get("id"), "kind": kind_of(item), "state": state_of(item), "phase": phase(item),
        "type": "migration" if item.get("isMigration") else "protection",
        "source_site": src, "destination_site": dst, "org": org_of(item),
        "vm_ids": sorted(ids), "vm_names": sorted(names), "vapp_name": (item.get("source") or {}).get("vappName"),
        "vdc": dest.get("vdcName"), "vdc_id": dest.get("vdcId"),
        "synced": is_synced(item), "progress": progress_of(item), "health": item.get("overallHealth"),
        "data_connection_state": item.get("dataConnectionState"), "paused": bool(item.get("isPaused")),
        "reversed": bool(item.get("isReversed")), "recovery_state": recovery_state(item),
        "recovered_vapp_id": info.get("vAppId") or dest.get("recoveredVappId"), "recovered_vm_id": info.get("vcdVmId"),
        "rpo": settings.get("rpo"), "description": settings.get("description"), "quiesced": settings.get("quiesced"),
        "rpo_violation": (item.get("destinationState") or {}).get("currentRpoViolation"),
        "last_error": sync_error(item),
    }


def is_member(item):
    """True for the member VM of a vApp replication listed by ``GET /vm-replications``."""
    return bool(item.get(inferred.VAPP_MEMBER_KEY))


def matches(item, refs, site_a, site_b):
    """True when ``item`` runs between ``site_a`` and ``site_b`` (either direction) and replicates any of ``refs``."""
    if is_member(item):
        return False
    pair = set(sites_of(item))
    if pair != set([site_a, site_b]) and not (site_a == site_b and pair == set([site_a])):
        return False
    ids, names = vm_refs(item)
    return any(str(ref) in ids or str(ref) in names for ref in refs)


def find(items, refs, source_site, destination_site):
    """The one item replicating any of ``refs`` between the two sites; None; InputError if several do."""
    found = [item for item in items if matches(item, refs, source_site, destination_site)]
    if len(found) > 1:
        raise InputError("vms: %s is replicated by several replications between %s and %s (%s); remove the "
                         "extra ones first" % (", ".join(str(r) for r in refs), source_site, destination_site,
                                               ", ".join(str(i.get("id")) for i in found)), option="vms")
    return found[0] if found else None


def filter_items(items, source_site=None, destination_site=None, org=None, type=None, vm=None, kind=None,
                 state=None, members=False):
    """The items matching every filter given (None: not filtered). ``vm`` is a name or an id. The member VMs of
    vApp replications are left out unless ``members``."""
    out = []
    for item in items:
        if is_member(item) and not members:
            continue
        src, dst = sites_of(item)
        if source_site and src != source_site:
            continue
        if destination_site and dst != destination_site:
            continue
        if org and (org_of(item) or "").lower() != org.lower():
            continue
        if type and ("migration" if item.get("isMigration") else "protection") != type:
            continue
        if kind and kind_of(item) != kind:
            continue
        if state and state_of(item) != state:
            continue
        if vm:
            ids, names = vm_refs(item)
            if vm not in ids and vm not in names and item.get("id") != vm:
                continue
        out.append(item)
    return out


# ----- plan ----------------------------------------------------------------------------------------
def _refuse(item, state, why):
    raise InputError("state: %s cannot become %s: %s" % (describe(item), state, why), option="state")


def describe(item):
    ids, names = vm_refs(item)
    src, dst = sites_of(item)
    return "replication %s (%s, %s -> %s, now %s)" % (item.get("id"), ", ".join(sorted(names or ids)) or "?",
                                                      src, dst, state_of(item))


def recover_step(item, state):
    if state == "migrated":
        return "migrate"
    if state == "failed_over":
        return "failover"
    return "migrate" if item is not None and item.get("isMigration") else "failover"


def plan(item, state, wanted_type=None):
    """Steps from the live item (None: none exists) to ``state``; InputError for a transition that is not
    allowed (one-way transitions, a type that cannot change). Steps: create, resume, pause, wait_synced,
    test, test_cleanup, migrate, failover, reverse, delete."""
    if state not in STATES:
        raise InputError("state: '%s' is not a replication state" % state, option="state", choices=STATES)
    if state == "absent":
        if item is None:
            return []
        return (["test_cleanup"] if phase(item) == "test" else []) + ["delete"]
    want = STATE_PHASE[state]
    if item is None:
        if want in ("reversed", "recovered_back"):
            raise InputError("state: no replication exists, so there is nothing to %s; create it with state=present "
                             "first" % ("reverse" if want == "reversed" else "fail back"), option="state")
        steps = ["create"]
        if want == "paused":
            steps.append("pause")
        elif want == "test":
            steps += ["wait_synced", "test"]
        elif want == "recovered":
            steps += ["wait_synced", recover_step(None, state)]
        return steps
    live_type = "migration" if item.get("isMigration") else "protection"
    if wanted_type and wanted_type != live_type:
        raise InputError("type: %s is a %s, not a %s; the type of a replication cannot change (delete it with "
                         "state=absent and create it again)" % (describe(item), live_type, wanted_type), option="type")
    if state == "migrated" and live_type != "migration":
        _refuse(item, state, "it is a protection; use state=failed_over")
    current = phase(item)
    if current == want:
        return []
    table = {
        ("replicating", "paused"): ["pause"],
        ("replicating", "test"): ["wait_synced", "test"],
        ("replicating", "recovered"): ["wait_synced", recover_step(item, state)],
        ("paused", "replicating"): ["resume"],
        ("paused", "test"): ["resume", "wait_synced", "test"],
        ("paused", "recovered"): ["resume", "wait_synced", recover_step(item, state)],
        ("test", "replicating"): ["test_cleanup"],
        ("test", "paused"): ["test_cleanup", "pause"],
        ("test", "recovered"): ["test_cleanup", recover_step(item, state)],
        ("recovered", "reversed"): ["reverse"],
        ("reversed", "recovered_back"): ["wait_synced", recover_step(item, state)],
        ("recovered_back", "replicating"): ["reverse"],
    }
    steps = table.get((current, want))
    if steps is not None:
        return steps
    hints = {
        "recovered": "the %s is done and cannot be undone; %s" % (
            "cutover" if live_type == "migration" else "failover",
            "nothing replicates any more (state=absent removes the record)" if live_type == "migration"
            else "reverse it (state=reversed), then fail back (state=failed_back)"),
        "reversed": "it replicates back to %s; fail back first (state=failed_back), then state=present" % (
            sites_of(item)[1] if item.get("isReversed") else sites_of(item)[0]),
        "recovered_back": "it has failed back; state=present reverses it to the original direction",
    }
    _refuse(item, state, hints.get(current, "recover it first (state=%s)" % (
        "migrated" if live_type == "migration" else "failed_over")))
    return []  # pragma: no cover


# ----- input --------------------------------------------------------------------------------------
def parse_start_time(value, now=None):
    """``initial_sync_time``: epoch milliseconds, ``now`` or ISO 8601 UTC (``2026-12-02T01:00:00Z``) -> ms."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.lower() == "now":
        return 0
    if re.match(r"^\d{10,}$", text):
        number = int(text)
        return number if number > 10 ** 11 else number * 1000
    match = re.match(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(Z|[+-]00:?00)?$", text)
    if not match:
        raise InputError("initial_sync_time: '%s' is neither 'now', epoch milliseconds nor an ISO 8601 UTC time such "
                         "as 2026-12-02T01:00:00Z" % value, option="initial_sync_time")
    parts = [int(p or 0) for p in match.groups()[:6]]
    return calendar.timegm(tuple(parts) + (0, 0, 0)) * 1000


def validate(spec):
    """Checks that need no call: every problem as ``(option, message)``."""
    problems = []
    rpo = spec.get("rpo")
    if rpo is not None and not MIN_RPO <= rpo <= MAX_RPO:
        problems.append(("rpo", "rpo: must be between %d and %d minutes, got %s" % (MIN_RPO, MAX_RPO, rpo)))
    for index, rule in enumerate(spec.get("retention_rules") or []):
        if (rule.get("instances") or 0) < 1 or (rule.get("distance") or 0) < 1:
            problems.append(("retention_rules", "retention_rules[%d]: instances and distance (minutes) must be 1 or "
                                                "more, got %s" % (index, rule)))
    vms = spec.get("vms") or []
    if not vms:
        problems.append(("vms", "vms: give at least one source VM (name or MoRef)"))
    if len(set(vms)) != len(vms):
        problems.append(("vms", "vms: listed more than once: %s" % ", ".join(sorted(set(v for v in vms if vms.count(v) > 1)))))
    if len(vms) > 1 and not spec.get("vapp_name"):
        problems.append(("vapp_name", "vapp_name: several VMs are grouped into one destination vApp; name it"))
    if len(vms) > 1 and not spec.get("on_premises", True):
        problems.append(("vms", "vms: grouping several VMs into one vApp is for on-premises sources (vcVapp); "
                                "replicate cloud VMs one by one"))
    for mapping in spec.get("network_mappings") or []:
        if not mapping.get("source") or not mapping.get("destination"):
            problems.append(("network_mappings", "network_mappings: every entry needs source and destination, got %s"
                             % mapping))
    try:
        parse_start_time(spec.get("initial_sync_time"))
    except InputError as error:
        problems.append(("initial_sync_time", str(error)))
    if spec.get("source_site") and spec.get("source_site") == spec.get("destination_site"):
        problems.append(("destination_site", "destination_site: must differ from source_site (%s)" % spec["source_site"]))
    return problems


def raise_problems(problems):
    """One InputError naming every problem (the first one's option)."""
    if problems:
        raise InputError("; ".join(p[1] for p in problems), option=problems[0][0])


def policy_problems(policy, spec, existing, adding):
    """Problems of ``spec`` against the org's policy at the destination site (4.x split flags or 3.x flags).

    ``existing``: VMs the org already replicates to that site; ``adding``: VMs this run adds."""
    if policy is None:
        return []
    problems = []
    name = policy.get("displayName") or policy.get("id")
    migration = spec.get("type") == "migration"
    flag = "allowIncomingMigrations" if migration else "allowIncomingProtections"
    if flag not in policy and "allowIncoming" in policy:
        flag = "allowIncoming"
    if policy.get(flag) is False:
        problems.append(("type", "type: the policy '%s' at %s does not allow incoming %ss" % (
            name, spec.get("destination_site"), spec.get("type"))))
    min_rpo = policy.get("minRpo")
    if spec.get("rpo") is not None and min_rpo is not None and spec["rpo"] < min_rpo:
        problems.append(("rpo", "rpo: %s minutes is below the minimum RPO %s of the policy '%s' at %s" % (
            spec["rpo"], min_rpo, name, spec.get("destination_site"))))
    limit = policy.get("maxIncoming")
    if isinstance(limit, int) and limit >= 0 and adding and existing + adding > limit:
        problems.append(("vms", "vms: the policy '%s' at %s allows %d replicated VMs; %d exist and %d more were asked" % (
            name, spec.get("destination_site"), limit, existing, adding)))
    max_instances = policy.get("maxInstances")
    rules = spec.get("retention_rules") or []
    total = sum(int(r.get("instances") or 0) for r in rules)
    if max_instances is not None and total > max_instances:
        problems.append(("retention_rules", "retention_rules: %d instances in total, the policy '%s' allows %d" % (
            total, name, max_instances)))
    return problems


def source_problems(spec, sources):
    """Power-state checks of resolved on-premises sources: warm needs them on, cold off (creation only)."""
    problems = []
    if spec.get("type") != "migration":
        return problems
    for src in sources:
        on = str(src.get("power_state") or "").lower() in POWERED_ON
        if spec.get("migration_mode") == "cold" and on:
            problems.append(("migration_mode", "migration_mode: cold migration needs '%s' powered off; it is powered on "
                                               "(power it off, or use migration_mode=warm)" % src["name"]))
        if spec.get("migration_mode", "warm") == "warm" and not on:
            problems.append(("migration_mode", "migration_mode: warm migration replicates a running VM; '%s' is powered "
                                               "off (use migration_mode=cold)" % src["name"]))
    return problems


# ----- bodies -------------------------------------------------------------------------------------
def destination_type(version, kind):
    """The destination discriminator for this API version (rows of ``inferred.REPLICATION_DESTINATION_TYPES``)."""
    for minimum, types in inferred.REPLICATION_DESTINATION_TYPES:
        if tuple(version or (0,)) >= minimum:
            return types[kind]
    raise KeyError(kind)  # pragma: no cover - the table ends with (0,)


def create_body(spec, sources, vdc, storage_profile, version):
    """``POST /vm-replications`` / ``/vapp-replications`` body and the kind (docs/api/vcda.md#create)."""
    site = spec["source_site"]
    if spec.get("on_premises", True):
        vc_uuid = sources[0].get("vc_uuid")
        if len(sources) > 1:
            kind = "vapp"
            source = {"type": "vcVapp", "site": site, "vcUuid": vc_uuid, "vappName": spec["vapp_name"],
                      "vmIds": [s["id"] for s in sources]}
        else:
            kind = "vm"
            source = {"type": "vcVm", "site": site, "vcUuid": vc_uuid, "vmId": sources[0]["id"],
                      "vappName": spec.get("vapp_name") or sources[0]["name"]}
    else:
        kind = "vm"
        source = {"type": "vm", "site": site, "vappId": sources[0].get("vapp_id"), "vmId": sources[0]["id"]}
    body = {
        "source": source,
        "destination": {"type": destination_type(version, kind), "site": spec["destination_site"], "vdc": vdc["id"],
                        "storageProfile": storage_profile["id"] if storage_profile else "*"},
        "description": spec.get("description"),
        "rpo": spec.get("rpo") or DEFAULT_RPO,
        "dataConnectionType": DATA_CONNECTION_TYPES[spec.get("data_connection_type") or "encrypted"],
        "quiesced": bool(spec.get("quiesce")),
        "retentionPolicy": retention_policy(spec),
        "targetDiskType": DISK_TYPES[spec.get("disk_type") or "thin"],
        "initialSyncTime": parse_start_time(spec.get("initial_sync_time")) or 0,
        "isMigration": spec.get("type") == "migration",
    }
    return kind, body


def retention_policy(spec):
    rules = spec.get("retention_rules") or [{"instances": 1, "distance": spec.get("rpo") or 60}]
    return {"rules": [{"numberOfInstances": int(r["instances"]), "distance": int(r["distance"])} for r in rules]}


def settings_delta(item, spec):
    """The ``PATCH`` body for the settings the user set that differ from the item's (empty: none)."""
    live = item.get("settings") or {}
    delta = {}
    for option, key in (("rpo", "rpo"), ("description", "description"), ("quiesce", "quiesced")):
        value = spec.get(option)
        if value is not None and live.get(key) != value:
            delta[key] = value
    if spec.get("retention_rules") is not None:
        wanted = retention_policy(spec)
        have = live.get("retentionPolicy") or {}
        if sorted((r.get("numberOfInstances"), r.get("distance")) for r in have.get("rules") or []) != sorted(
                (r["numberOfInstances"], r["distance"]) for r in wanted["rules"]):
            delta["retentionPolicy"] = wanted
    return delta


def network_settings(spec, sources, networks):
    """``(vmNetworkSettings, vAppNetworkSettings)`` of a recovery from the user's mappings and NIC settings.

    ``networks`` maps org VDC network names to their inventory items. A source NIC whose network has no
    mapping keeps the default behaviour of the site (None)."""
    mappings = spec.get("network_mappings") or []
    by_source = dict((m["source"], m["destination"]) for m in mappings)
    vapp = None
    if mappings:
        vapp = {"networkMappings": [
            {"sourceNetworkName": m["source"],
             "destinationOrgVdcNetwork": {"id": (networks.get(m["destination"]) or {}).get("id"), "name": m["destination"]}}
            for m in mappings], "copySourceNetworks": False, "bulkConnectVmNics": True}
    per_vm = {}
    nic_options = dict((n.get("index", 0), n) for n in spec.get("nics") or [])
    for src in sources:
        nics = []
        for index, net in enumerate(src.get("networks") or []):
            option = nic_options.get(index, {})
            target = option.get("network") or by_source.get(net)
            if target is None and not option:
                continue
            nic = {"nicIndex": index, "isConnected": option.get("connected", True), "network": target,
                   "ipAddressAllocationMode": IP_MODES[option.get("ip_mode") or "dhcp"],
                   "ipAddress": option.get("ip_address"), "resetMacAddress": bool(option.get("reset_mac"))}
            nics.append(nic)
        if nics:
            per_vm[src["id"]] = {"primaryNicIndex": 0, "nics": nics, "copySourceNicSettings": False,
                                 "computerName": None, "enableGuestCustomization": bool(spec.get("guest_customization"))}
    if not per_vm:
        return None, vapp
    if len(sources) == 1 and not spec.get("grouped"):
        return per_vm[sources[0]["id"]], vapp
    return per_vm, vapp


def recovery_body(step, spec, vm_settings, vapp_settings, kind):
    body = {"type": inferred.RECOVERY_BODY_TYPE, "powerOn": bool(spec.get("power_on", True)),
            "vmNetworkSettings": vm_settings, "vAppNetworkSettings": vapp_settings}
    if step == "migrate":
        body.update(consolidate=False, connectVmNics=True)
    elif step == "failover":
        body.update(consolidate=False, snapshotOptions="DO_NOTHING")  # the latest instance (no instanceId)
    elif step == "test":
        body.update(sync=bool(spec.get("test_sync")))
    return body


# ----- the service --------------------------------------------------------------------------------
class ReplicationService(object):
    """Replications over one ``VcdaClient`` session (the cloud site the modules talk to)."""

    def __init__(self, client, progress=None, clock=time.monotonic, sleep=time.sleep):
        self.client = client
        self.progress = progress or (lambda message: None)
        self.clock = clock
        self.sleep = sleep
        self.requests = 0
        self.polls = 0
        self.warnings = []
        self.count_lock = threading.Lock()  # the counters are also bumped by the threads of a wave

    def counted(self):
        """One more replication list or task list request."""
        with self.count_lock:
            self.requests += 1

    def poller(self, timeout, **rhythm):
        """The one ``Poller`` of this service's waits, on its (injectable) clock and sleep."""
        return Poller(timeout, clock=self.clock, sleep=self.sleep, **rhythm)

    # sessions ---------------------------------------------------------------------------------
    def authenticated_sites(self):
        if self.client.token is None:
            self.client.login()
        session = self.client.session or {}
        return set(entry.get("site") for entry in session.get("authenticatedSites") or [])

    def extend(self, sites, username=None, password=None):
        """``POST /sessions/extend`` for each cloud site in ``sites`` the session lacks (docs/api/vcda.md#sessions); ``sites``
        are cloud sites only (an on-premises site is reached through the cloud site it is registered with)."""
        have = self.authenticated_sites()
        extended = []
        for site in sorted(set(s for s in sites if s) - have):
            if not username or password is None:
                raise InputError("remote_username: the session must be extended to site %s for this operation; give "
                                 "remote_username and remote_password (a Cloud Director user of that site)" % site,
                                 option="remote_username")
            body = {"type": "credentials", "site": site, "vcdUsername": username, "vcdPassword": password}
            session = self.client.call("POST", "/sessions/extend", body, idempotent=True)
            if isinstance(session, dict) and session.get("authenticatedSites"):
                self.client.session = session
            extended.append(site)
        return extended

    # listing ----------------------------------------------------------------------------------
    def list(self, kind="vm", site=None, filters=None):
        """Every item of one kind (paging through the whole list), at ``site`` when given."""
        params = dict(filters or {})
        if site:
            params["site"] = site
        self.counted()
        return self.client.list_all(PATHS[kind], params=params)

    def list_all(self, site=None, kinds=("vm", "vapp"), filters=None):
        items = []
        for kind in kinds:
            items.extend(self.list(kind, site, filters))
        return items

    def query(self, site=None, source_site=None, destination_site=None, org=None, type=None, vm=None, kind=None,
              state=None):
        """The items matching the filters (server-side where the contract names a query key, then locally)."""
        filters = {}
        if source_site:
            filters["sourceSite"] = source_site
        kinds = (kind,) if kind else ("vm", "vapp")
        items = self.list_all(site or destination_site, kinds, filters)
        return filter_items(items, source_site, destination_site, org, type, vm, kind, state)

    def get(self, kind, replication_id, site=None):
        return self.client.get("%s/%s" % (PATHS[kind], replication_id), params={"site": site} if site else None)

    # inventory --------------------------------------------------------------------------------
    def vdcs(self, site):
        return self.client.list_all("/inventory/vdcs", params={"site": site})

    def vdc(self, site, name, option="vdc"):
        items = self.vdcs(site)
        for item in items:
            if item.get("name") == name or item.get("id") == name:
                return item
        raise NotFoundError("VDC", name, [i.get("name") for i in items], option=option)

    def vdc_networks(self, site, vdc_id):
        return self.client.list_all("/inventory/vdcs/%s/networks" % vdc_id, params={"site": site})

    def storage_profiles(self, site, vdc_id):
        return self.client.list_all("/inventory/vdcs/%s/storage-profiles" % vdc_id, params={"site": site})

    def cloud_vms(self, site):
        return self.client.list_all("/inventory/vms", params={"site": site})

    def org_policy(self, site, org):
        """The replication policy of ``org`` at ``site`` (None when it cannot be read)."""
        params = {"site": site}
        try:
            policies = self.client.list_all("/policies", params=params)
        except ApiError as error:
            if error.status in (401, 403):  # a tenant that may not read policies: the site still enforces them
                self.warnings.append("the policy of %s at %s could not be read (%s); its limits are checked by the "
                                     "site when replications are created" % (org, site, error.status))
                return None
            raise
        if not policies:
            return None
        if len(policies) == 1 and inferred.TENANT_SEES_OWN_POLICY:
            return policies[0]
        default = None
        for policy in policies:
            if policy.get("id") == inferred.DEFAULT_POLICY_ID:
                default = policy
            status = self.client.get(inferred.POLICY_STATUS_PATH % policy["id"], params=params) or {}
            orgs = status.get(inferred.POLICY_STATUS_ORGS_KEY) if isinstance(status, dict) else [
                s.get("org") for s in status if isinstance(s, dict)]
            if org in (orgs or []):
                return policy
        return default

    # preflight --------------------------------------------------------------------------------
    def preflight(self, specs, sources_by_spec, items):
        """Everything that can be checked before a write, for many specs at once (one destination site):
        the VDC, storage profile and networks exist, the policy allows the type, RPO and VM count, the sources
        are in the right power state. Returns ``(problems, resolved)``; ``resolved`` per spec index:
        ``{"vdc", "storage_profile", "networks"}``."""
        problems, resolved = [], {}
        cache = {}
        new_vms = {}
        for index, spec in enumerate(specs):
            site = spec["destination_site"]
            label = "%s: " % spec["label"] if len(specs) > 1 and spec.get("label") else ""
            if getattr(self.client, "predicted_fresh", False) is True:
                # check mode on a fresh site (its root password change only predicted): the site knows no Cloud
                # Director inventory yet, so the VDC, storage profile and networks are predicted, not checked
                note = ("check mode: %s is a fresh site; the VDC, storage profile and networks are checked once an "
                        "earlier task registers its Cloud Director" % site)
                if note not in self.warnings:
                    self.warnings.append(note)
                resolved[index] = {"vdc": {"name": spec["vdc"], "id": None}, "storage_profile": None, "networks": {}}
                if spec.get("creating"):
                    problems.extend((o, label + m) for o, m in source_problems(spec, sources_by_spec.get(index) or []))
                continue
            try:
                if ("vdc", site, spec["vdc"]) not in cache:
                    cache[("vdc", site, spec["vdc"])] = self.vdc(site, spec["vdc"])
                vdc = cache[("vdc", site, spec["vdc"])]
            except NotFoundError as error:
                problems.append(("vdc", label + str(error)))
                continue
            key = ("profiles", site, vdc["id"])
            if key not in cache:
                cache[key] = self.storage_profiles(site, vdc["id"])
            profile = None
            if spec.get("storage_profile") not in (None, "*"):
                profile = next((p for p in cache[key] if spec["storage_profile"] in (p.get("name"), p.get("id"))), None)
                if profile is None:
                    problems.append(("storage_profile", label + str(NotFoundError(
                        "storage profile", spec["storage_profile"], [p.get("name") for p in cache[key]],
                        option="storage_profile")) + " (in VDC %s)" % vdc.get("name")))
            key = ("networks", site, vdc["id"])
            if key not in cache:
                cache[key] = self.vdc_networks(site, vdc["id"])
            networks = dict((n.get("name"), n) for n in cache[key])
            wanted = [m["destination"] for m in spec.get("network_mappings") or []] + [
                n["network"] for n in spec.get("nics") or [] if n.get("network")]
            for name in wanted:
                if name not in networks:
                    problems.append(("network_mappings", label + str(NotFoundError(
                        "org VDC network", name, list(networks), option="network_mappings")) + " (in VDC %s)" % vdc.get("name")))
            sources = sources_by_spec.get(index) or []
            for mapping in spec.get("network_mappings") or []:
                used = set(n for s in sources for n in s.get("networks") or [])
                if sources and sources[0].get("networks") is not None and mapping["source"] not in used:
                    problems.append(("network_mappings", "%snetwork_mappings: source network '%s' is not used by %s "
                                     "(their networks: %s)" % (label, mapping["source"], ", ".join(s["name"] for s in sources),
                                                               ", ".join(sorted(used)) or "none")))
            resolved[index] = {"vdc": vdc, "storage_profile": profile, "networks": networks}
            if spec.get("creating"):
                problems.extend((o, label + m) for o, m in source_problems(spec, sources))
                group = (site, vdc.get(inferred.INVENTORY_ORG_KEY), spec.get("type"), spec.get("rpo"),
                         tuple(sorted((r.get("instances"), r.get("distance")) for r in spec.get("retention_rules") or [])))
                new_vms.setdefault(group, [spec, 0])[1] += max(1, len(spec.get("vms") or []))
        for (site, org, _type, _rpo, _rules), (spec, adding) in sorted(new_vms.items(), key=lambda kv: repr(kv[0])):
            policy_key = ("policy", site, org)
            if policy_key not in cache:
                cache[policy_key] = self.org_policy(site, org)
            existing = sum(max(1, len(vm_refs(i)[0])) for i in items
                           if sites_of(i)[1] == site and (org is None or org_of(i) in (None, org)))
            policy = cache[policy_key]
            if policy and policy.get("minRpo") is not None:
                for other in specs:
                    if other.get("creating") and other.get("rpo") is None and other["destination_site"] == site:
                        other["rpo"] = max(DEFAULT_RPO, policy["minRpo"])
            for problem in policy_problems(policy, spec, existing, adding):
                if problem not in problems:
                    problems.append(problem)
        return problems, resolved

    # writes -----------------------------------------------------------------------------------
    def start_create(self, kind, body, refs, source_site, destination_site):
        """``POST`` a new replication; its task. Never a second replication of the same VM: after a transient
        failure (lost reply, reset, 5xx) the site's list is read again first, and a replication of ``refs``
        between the two sites found there is the answer (the first POST went through); only when none is
        listed is the POST sent again."""
        def find_existing():
            return find(self.list(kind), refs, source_site, destination_site)
        return self.client.call("POST", PATHS[kind], body, find_existing=find_existing)

    def create(self, kind, body, wait=True):
        """``POST`` the replication; the new item (from the task's result, or the task itself when not waited)."""
        task = self.client.call("POST", PATHS[kind], body)
        if not wait:
            return task
        result = self.client.wait_task(task, "creating the replication of %s" % _names(body))
        return result if isinstance(result, dict) and result.get("id") else self._by_task(kind, task, body)

    def _by_task(self, kind, task, body):
        resource = ((task or {}).get("workflowInfo") or {}).get("resourceId")
        if resource:
            return self.get(kind, resource)
        return None

    def operation(self, item, step, body=None, site=None):
        """Start one operation (docs/api/vcda.md#operations); returns the task."""
        kind = kind_of(item)
        base = "%s/%s" % (PATHS[kind], item["id"])
        params = {"site": site} if site else None
        if step == "delete":
            return self.client.call("DELETE", base, params=params)
        if step == "test_cleanup":
            return self.client.call("DELETE", base + "/failover-test", params=params)
        if step == "update":
            return self.client.call("PATCH", base, body, params=params)
        if step == "storage_profile":
            return self.client.call("POST", base + "/storage-profile", body, params=params)
        path = {"test": "/failover-test"}.get(step, "/" + step)
        return self.client.call("POST", base + path, body, params=params,
                                find_existing=self._operation_started(kind, item, step, site))

    def _operation_started(self, kind, item, step, site):
        """After a transient failure of ``POST .../<step>`` (503, reset, lost reply): did the operation start? Its
        running task (``inferred.TASK_OPERATION_WORKFLOW`` on this replication), or, for a cutover or failover that
        already ended, the replication re-read in its recovered state; None: not started, send it again."""
        workflow = inferred.TASK_OPERATION_WORKFLOW.get(step)
        if workflow is None:
            return None

        def find_existing():
            task = self.client.running_task(workflow, item["id"])
            if task is not None:
                return task
            if step in ("migrate", "failover"):
                fresh = self.get(kind, item["id"], site)
                if isinstance(fresh, dict) and recovery_state(fresh) in ("IN_PROGRESS", "COMPLETE"):
                    return fresh
            return None
        return find_existing

    def run(self, item, step, body=None, site=None, timeout=None):
        task = self.operation(item, step, body, site)
        what = "%s of %s" % (step.replace("_", " "), describe(item))
        self.progress("%s: started" % what)
        return self.client.maybe_wait(task, what) if timeout is None else self._wait_one(task, what, timeout)

    def _wait_one(self, task, what, timeout):
        if not self.client.is_task(task):
            return task
        return self.client.wait_task(task, what, timeout)

    def wait_tasks(self, tasks, timeout, what="the operations", raise_failed=True):
        """Wait for many tasks with one ``GET /tasks`` per poll; ``{task id: final task}``; TaskFailed lists every
        failed one (after all ended; with ``raise_failed`` False they are returned with their state and error
        instead), TimeoutExpired the ones still running."""
        pending = dict((t["id"], t) for t in tasks if self.client.is_task(t) and t.get("state") not in TASK_DONE)
        done = dict((t["id"], t) for t in tasks if self.client.is_task(t) and t.get("state") in TASK_DONE)
        if len(pending) == 1 and not done:
            only = list(pending.values())[0]
            try:
                result = self.client.wait_task(only, what, timeout)
            except TaskFailed as error:
                if raise_failed:
                    raise
                return {only["id"]: dict(only, state="FAILED", failure=str(error))}
            return {only["id"]: dict(only, state="SUCCEEDED", result=result)}

        def probe():
            self.counted()
            for task in self.client.list_all(inferred.TASK_LIST_PATH):
                if task.get("id") in pending and task.get("state") in TASK_DONE:
                    done[task["id"]] = task
                    del pending[task["id"]]
            return len(pending)
        # the tasks were just read: the first list follows the first pause
        self.poller(timeout, first=0.3, cap=3.0, factor=1.5).until(
            probe, lambda left: not left, what, first=len(pending),
            last_state=lambda left: "%d task(s) still running" % left)
        failed = [t for t in done.values() if t.get("state") != "SUCCEEDED"]
        if failed and raise_failed:
            raise TaskFailed("%s: %d of %d failed: %s" % (what, len(failed), len(done), "; ".join(
                "task %s %s: %s" % (t.get("id"), t.get("state"), (t.get("error") or {}).get("msg")
                                    if isinstance(t.get("error"), dict) else t.get("error")) for t in failed)))
        return done


class Watcher(object):
    """Waits for many replications with one list request per (site, kind) per poll.

    ``targets``: ``{key: (site, kind, replication id)}``; ``ready(item)`` says when one is done. Progress lines
    go to ``service.progress`` when the picture changes (and at least every ``heartbeat`` seconds)."""

    def __init__(self, service, targets, timeout, heartbeat=15.0):
        self.service = service
        self.targets = dict(targets)
        self.timeout = timeout
        self.heartbeat = heartbeat
        self.polls = 0
        self.last = {}

    def snapshot(self):
        """``{key: item or None}`` from one list per (site, kind)."""
        groups = {}
        for key, (site, kind, _rid) in self.targets.items():
            groups.setdefault((site, kind), []).append(key)
        out = {}
        for (site, kind), keys in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
            by_id = dict((i.get("id"), i) for i in self.service.list(kind, site))
            for key in keys:
                out[key] = by_id.get(self.targets[key][2])
        self.polls += 1
        self.service.polls += 1
        return out

    def wait(self, ready, what="the replications"):
        shown = {"line": None, "time": self.service.clock()}

        def probe():
            items = self.snapshot()
            self.last = items
            missing = sorted(k for k, v in items.items() if v is None)
            errors = dict((k, sync_error(v)) for k, v in items.items() if v is not None and sync_error(v))
            done = sorted(k for k, v in items.items() if v is not None and ready(v))
            line = self.line(items, done)
            if line != shown["line"] or self.service.clock() - shown["time"] >= self.heartbeat:
                self.service.progress(line)
                shown.update(line=line, time=self.service.clock())
            if missing:
                raise TaskFailed("%s vanished while waiting: %s" % (what, ", ".join(str(k) for k in missing)))
            if errors and not set(errors) <= set(done):
                raise TaskFailed("%s: %s" % (what, "; ".join("%s: %s" % kv for kv in sorted(errors.items()))))
            return items, done, line
        items, _done, _line = self.service.poller(self.timeout, first=0.5, cap=5.0, factor=1.5).until(
            probe, lambda seen: len(seen[1]) == len(seen[0]), what, last_state=lambda seen: seen[2])
        return items

    @staticmethod
    def line(items, done):
        waiting = [v for k, v in items.items() if v is not None and k not in done]
        values = [progress_of(v) for v in waiting if progress_of(v) is not None]
        text = "%d/%d ready" % (len(done), len(items))
        if waiting:
            text += ", %d syncing" % len(waiting)
            if values:
                text += " (%d%% average, lowest %d%%)" % (sum(values) // len(values), min(values))
        return text


def task_error(task):
    """What a failed task says: ``task ID STATE code: message``."""
    if (task or {}).get("failure"):
        return task["failure"]
    error = (task or {}).get("error")
    message = error.get("msg") if isinstance(error, dict) else error
    code = error.get("code") if isinstance(error, dict) else None
    return "task %s %s%s: %s" % ((task or {}).get("id"), (task or {}).get("state") or "FAILED", " %s" % code if code else "",
                                 message or "no error message")


def task_resource(task):
    """The replication id a create task names (``workflowInfo.resourceId``, else ``result.id``)."""
    task = task or {}
    resource = (task.get("workflowInfo") or {}).get("resourceId")
    result = task.get("result")
    return resource or (result.get("id") if isinstance(result, dict) else None)


def _names(body):
    source = body.get("source") or {}
    return source.get("vappName") or source.get("vmId") or ", ".join(source.get("vmIds") or [])


# ----- on-premises sources through vCenter ------------------------------------------------------
def vcenter_sources(vsphere, refs, datacenter=None):
    """Resolve VM names or MoRefs in a ``VsphereClient``'s inventory with one property-collector read:
    ``{ref: {"id": moref, "name", "vc_uuid", "power_state", "networks": [names of NIC backings]}}``; missing
    refs are absent from it; also every VM name (for "not found, these exist"). Imports pyVmomi only when called."""
    from pyVmomi import vim, vmodl  # pylint: disable=import-outside-toplevel
    content = vsphere.content
    container = content.rootFolder
    if datacenter:
        container = vsphere.datacenter(datacenter).vmFolder
    view = content.viewManager.CreateContainerView(container, [vim.VirtualMachine], True)
    try:
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
                obj=view, skip=True, selectSet=[vmodl.query.PropertyCollector.TraversalSpec(
                    name="view", path="view", skip=False, type=vim.view.ContainerView)])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(
                type=vim.VirtualMachine, pathSet=["name", "runtime.powerState", "network", "config.template"])])
        result = content.propertyCollector.RetrieveContents([spec])
    finally:
        view.Destroy()
    vc_uuid = content.about.instanceUuid
    wanted = set(str(r) for r in refs)
    found, names, network_names = {}, [], {}
    for obj in result or []:
        props = dict((p.name, p.val) for p in obj.propSet)
        if props.get("config.template"):
            continue
        moref = obj.obj._moId
        name = props.get("name")
        names.append(name)
        key = moref if moref in wanted else name if name in wanted else None
        if key is None:
            continue
        networks = []
        for net in props.get("network") or []:
            if net._moId not in network_names:  # one read per network, not per VM (a wave's VMs share them)
                try:
                    network_names[net._moId] = net.name
                except Exception:  # pylint: disable=broad-except
                    network_names[net._moId] = net._moId
            networks.append(network_names[net._moId])
        found[key] = {"id": moref, "name": name, "vc_uuid": vc_uuid, "power_state": str(props.get("runtime.powerState")),
                      "networks": networks}
    return found, sorted(n for n in names if n)


def cloud_sources(service, site, refs):
    """Resolve cloud VMs (cloud-to-cloud sources) through ``/inventory/vms?site=``; same shape as vCenter's."""
    found = {}
    items = service.cloud_vms(site)
    for item in items:
        for ref in refs:
            if ref in (item.get("id"), item.get("name")):
                found[ref] = {"id": item.get("id"), "name": item.get("name"), "vapp_id": item.get("vappId"),
                              "power_state": item.get(inferred.INVENTORY_POWER_KEY), "networks": item.get("networks")}
    return found, sorted(i.get("name") for i in items if i.get("name"))
