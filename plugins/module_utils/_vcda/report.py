# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reporting over replications: what every tenant replicates, how much it stores, what is late.

Knows nothing of Ansible; behind ``vcda_replication_info`` (filters, paging, ``summary``, ``query``) and the
``replication_summary`` / ``replication_csv`` filters of the ``replication_report`` role.

* **Paging**: :func:`pages` reads a list endpoint one ``offset``/``limit`` page per request until ``total``
  (docs/api/vcda.md#replications [C: PSC ``Get-vCAVReplications``]); the caller keeps only the compact rows of each page, so memory
  grows with the rows, not with the API items.
* **Rows**: :func:`vm_rows` turns one list item into one row per replicated VM (a vApp replication gives one row
  per member VM), with the storage, instances, RPO lateness and health the list item carries (no request per VM).
* **Summary**: :func:`summarize` groups rows per organization and destination site; rows read from several sites
  are counted once (a cloud-to-cloud replication is listed by both of its sites).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication as rep
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

try:
    import jmespath
    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None
except ImportError as _error:  # pragma: no cover - jmespath is a runtime requirement
    jmespath = None
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = _error

HEALTHS = ("GREEN", "YELLOW", "RED")
DIRECTIONS = ("incoming", "outgoing")
ROW_KEYS = ("id", "replication_id", "kind", "vm", "type", "state", "org", "source_site", "destination_site",
            "site", "vdc", "health", "paused", "rpo", "rpo_violation_minutes", "storage_bytes", "instances",
            "last_sync", "data_connection_state")


# ----- paging ----------------------------------------------------------------------------------------
def pages(client, path, params=None, page_size=inferred.LIST_PAGE_DEFAULT):
    """Yield the items of each page of a ``{"items","total"}`` list, one request per page; a plain array
    (a server that does not page) is one page."""
    offset = 0
    while True:
        body = client.get(path, params=dict(params or {}, offset=offset, limit=page_size))
        if isinstance(body, list):
            yield body
            return
        chunk = list((body or {}).get("items") or [])
        yield chunk
        offset += len(chunk)
        if not chunk or offset >= int((body or {}).get("total") or 0):
            return


def check_page_size(value):
    if value is None:
        return inferred.LIST_PAGE_DEFAULT
    if not 1 <= int(value) <= inferred.LIST_PAGE_MAX:
        raise InputError("page_size: give a number of items per request between 1 and %d, got %s"
                         % (inferred.LIST_PAGE_MAX, value), option="page_size")
    return int(value)


# ----- filters -------------------------------------------------------------------------------------------
def server_filters(source_site=None, destination_site=None, source_org=None, destination_org=None, vdc=None):
    """The list query keys the contract names (docs/api/vcda.md#read [C: PSC]); everything else is filtered locally."""
    params = {}
    if source_site:
        params["sourceSite"] = source_site
    if destination_site:
        params["site"] = destination_site
    if source_org:
        params["sourceOrg"] = source_org
    if destination_org:
        params["destinationOrg"] = destination_org
    if vdc:
        params["destinationVdcName"] = vdc
    return params


class Filter(object):
    """The local filters of the reporting module, applied to each item (None: not filtered)."""

    def __init__(self, local_site=None, org=None, source_org=None, destination_org=None, vdc=None, direction=None,
                 type=None, health=None, rpo_violation=None, paused=None, kind=None, state=None, vm=None,
                 source_site=None, destination_site=None):
        if direction and not local_site:
            raise InputError("direction: the local site of the session is unknown, so incoming and outgoing cannot be "
                             "told apart; filter with source_site or destination_site instead", option="direction")
        self.local_site = local_site
        self.org = org
        self.source_org = source_org
        self.destination_org = destination_org
        self.vdc = vdc
        self.direction = direction
        self.health = [h.upper() for h in health] if health else None
        self.rpo_violation = rpo_violation
        self.paused = paused
        self.basic = dict(source_site=source_site, destination_site=destination_site, type=type, kind=kind, state=state,
                          vm=vm)

    def item(self, item):
        """Whether an API item passes the item-level filters."""
        if not rep.filter_items([item], org=self.org, **self.basic):
            return False
        src = item.get("source") or {}
        dst = item.get("destination") or {}
        if self.source_org and (src.get("org") or "").lower() != self.source_org.lower():
            return False
        if self.destination_org and (dst.get("org") or "").lower() != self.destination_org.lower():
            return False
        if self.vdc and self.vdc not in (dst.get("vdcName"), dst.get("vdcId")):
            return False
        if self.direction == "incoming" and dst.get("site") != self.local_site:
            return False
        if self.direction == "outgoing" and src.get("site") != self.local_site:
            return False
        return True

    def row(self, row):
        """Whether a VM row passes the VM-level filters (health, lateness, paused)."""
        if self.health and row["health"] not in self.health:
            return False
        if self.rpo_violation is not None and (row["rpo_violation_minutes"] > 0) != self.rpo_violation:
            return False
        if self.paused is not None and row["paused"] != self.paused:
            return False
        return True


# ----- rows --------------------------------------------------------------------------------------------
def _retained(settings):
    rules = ((settings or {}).get("retentionPolicy") or {}).get("rules") or []
    return sum(int(rule.get("numberOfInstances") or 0) for rule in rules) or 1


def _vm_row(parent, item, item_kind):
    dest_state = item.get("destinationState") or {}
    latest = dest_state.get("latestInstance") or {}
    settings = item.get("settings") or parent.get("settings") or {}
    src, dst = rep.sites_of(parent)
    sequence = latest.get(inferred.INSTANCE_SEQUENCE_KEY)
    instances = min(_retained(settings), int(sequence)) if sequence else (1 if latest else 0)
    ids, names = rep.vm_refs(item)
    late = int(dest_state.get(inferred.RPO_VIOLATION_KEY) or 0)
    return {
        "id": item.get("id"), "replication_id": parent.get("id"), "kind": item_kind,
        "vm": item.get("vmName") or item.get("computerName") or (sorted(names)[0] if names else None)
        or (sorted(ids)[0] if ids else None),
        "type": "migration" if parent.get("isMigration") else "protection", "state": rep.state_of(parent),
        "org": rep.org_of(parent), "source_site": src, "destination_site": dst, "site": dst,
        "vdc": (parent.get("destination") or {}).get("vdcName"),
        "health": item.get("overallHealth") or parent.get("overallHealth"),
        "paused": bool(item.get("isPaused", parent.get("isPaused"))),
        "rpo": settings.get("rpo"), "rpo_violation_minutes": max(0, late),
        "storage_bytes": int(dest_state.get(inferred.STORAGE_KEY) or 0), "instances": instances,
        "last_sync": latest.get("timestamp"), "data_connection_state": item.get("dataConnectionState"),
    }


def vm_rows(item):
    """One row per replicated VM of an API list item (the member VMs of a vApp replication)."""
    members = item.get(inferred.VAPP_VM_ITEMS_KEY)
    if members:
        return [_vm_row(item, member, "vapp") for member in members]
    return [_vm_row(item, item, rep.kind_of(item))]


def iso(ms):
    """Epoch milliseconds as ISO 8601 UTC (None stays None)."""
    if ms in (None, "", 0):
        return None
    return datetime.datetime.fromtimestamp(int(ms) / 1000.0, _UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Utc(datetime.tzinfo):
    def utcoffset(self, dt):
        return datetime.timedelta(0)

    def dst(self, dt):
        return datetime.timedelta(0)

    def tzname(self, dt):
        return "UTC"


_UTC = _Utc()


# ----- summary -------------------------------------------------------------------------------------------
def _empty(org=None, site=None):
    out = {"vms": 0, "protections": 0, "migrations": 0, "protected": 0, "migrated": 0, "migrating": 0,
           "failed_over": 0, "paused": 0, "storage_bytes": 0, "instances": 0, "rpo_violations": 0,
           "max_rpo_violation_minutes": 0, "health": dict((h, 0) for h in HEALTHS), "last_sync": None,
           "last_sync_time": None}
    if org is not None:
        out["org"] = org
    if site is not None:
        out["site"] = site
    return out


def _add(acc, row):
    acc["vms"] += 1
    if row["type"] == "migration":
        acc["migrations"] += 1
        acc["migrated" if row["state"] == "migrated" else "migrating"] += 1
    else:
        acc["protections"] += 1
        acc["failed_over" if row["state"] in ("failed_over", "failed_back") else "protected"] += 1
    acc["paused"] += 1 if row["paused"] else 0
    acc["storage_bytes"] += row["storage_bytes"]
    acc["instances"] += row["instances"]
    if row["rpo_violation_minutes"] > 0:
        acc["rpo_violations"] += 1
        acc["max_rpo_violation_minutes"] = max(acc["max_rpo_violation_minutes"], row["rpo_violation_minutes"])
    if row["health"] in acc["health"]:
        acc["health"][row["health"]] += 1
    if row["last_sync"] and (acc["last_sync"] is None or row["last_sync"] > acc["last_sync"]):
        acc["last_sync"] = row["last_sync"]
        acc["last_sync_time"] = iso(row["last_sync"])


def unique_rows(rows):
    """Rows counted once: a replication between two reported sites is listed by both (same VM replication id)."""
    seen, out = set(), []
    for row in rows:
        key = (row.get("id"), row.get("replication_id"))
        if key in seen:
            continue
        seen.add(key)
        out.append(row)
    return out


def summarize(rows):
    """The summary of VM rows: per organization and destination site (``by_org_site``), per organization
    (``by_org``), in total, and the RPO violations (latest first by lateness)."""
    rows = unique_rows(rows)
    by_pair, by_org, totals = {}, {}, _empty()
    violations = []
    for row in rows:
        org, site = row.get("org") or "", row.get("site") or ""
        _add(by_pair.setdefault((org, site), _empty(org, site)), row)
        _add(by_org.setdefault(org, _empty(org)), row)
        _add(totals, row)
        if row["rpo_violation_minutes"] > 0:
            keys = ("org", "site", "vm", "id", "replication_id", "type", "rpo", "rpo_violation_minutes", "health",
                    "last_sync")
            entry = dict((k, row[k]) for k in keys)
            entry["last_sync_time"] = iso(row["last_sync"])
            violations.append(entry)
    violations.sort(key=lambda v: (-v["rpo_violation_minutes"], v["org"] or "", v["vm"] or ""))
    return {"by_org_site": [by_pair[k] for k in sorted(by_pair)], "by_org": [by_org[k] for k in sorted(by_org)],
            "totals": totals, "rpo_violations": violations, "sites": sorted(set(k[1] for k in by_pair)),
            "orgs": sorted(by_org)}


# ----- query ---------------------------------------------------------------------------------------------
def query(expression, data):
    """A JMESPath ``expression`` applied to ``data``; InputError naming ``query`` when it does not compile."""
    try:
        compiled = jmespath.compile(expression)
    except jmespath.exceptions.JMESPathError as error:
        raise InputError("query: %r is not a JMESPath expression: %s" % (expression, error), option="query")
    try:
        return compiled.search(data)
    except jmespath.exceptions.JMESPathError as error:
        raise InputError("query: %r failed on the result: %s" % (expression, error), option="query")


# ----- CSV -------------------------------------------------------------------------------------------------
CSV_COLUMNS = ("month", "org", "site", "vms", "protections", "migrations", "protected", "migrated", "migrating",
               "failed_over", "paused", "storage_bytes", "storage_gib", "instances", "rpo_violations",
               "max_rpo_violation_minutes", "health_green", "health_yellow", "health_red", "last_sync_time")


def csv_rows(summary, org, month):
    """The billing rows of ``org`` for ``month``: one per site, in ``CSV_COLUMNS`` order."""
    out = []
    for entry in summary.get("by_org_site") or []:
        if entry.get("org") != org:
            continue
        health = entry.get("health") or {}
        values = dict(entry, month=month, storage_gib="%.2f" % (entry["storage_bytes"] / 1024.0 ** 3),
                      health_green=health.get("GREEN", 0), health_yellow=health.get("YELLOW", 0),
                      health_red=health.get("RED", 0))
        out.append([values.get(column) for column in CSV_COLUMNS])
    return out


def _csv_cell(value):
    text = "" if value is None else str(value)
    if any(ch in text for ch in ',"\r\n') or text != text.strip():
        text = '"%s"' % text.replace('"', '""')
    return text


def csv_text(summary, org, month):
    """The CSV of ``org`` for ``month`` (header line, one line per site, ``\\n`` line ends)."""
    lines = [",".join(CSV_COLUMNS)]
    for row in csv_rows(summary, org, month):
        lines.append(",".join(_csv_cell(value) for value in row))
    return "\n".join(lines) + "\n"
