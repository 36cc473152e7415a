# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bring many replication *units* (one VM, or several VMs grouped into one vApp) to a state together.

The engine of ``vcda_replication`` (one unit) and ``vcda_migration_wave`` (many): validate everything,
resolve the sources, read the live replications with one list per site, plan each unit
(``replication.plan``), run every pre-check and report every problem at once, then (outside check mode)
execute the plans step by step for all units together: each write is started for all units (from up to
``concurrency`` threads at once: ``_common.pool``), then the tasks are waited for with one ``GET /tasks`` per
poll in the calling thread; syncs are watched with one list per site per poll; cutovers go in batches.
With ``keep_going`` (the wave) a unit whose write or task fails is reported with its error and left out of
the later steps while the others go on; without it (one unit) the first error is raised.
Knows nothing of Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication as rep
from ansible_collections.cloudmove.vcda.plugins.module_utils._common import pool
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError, NotFoundError, TaskFailed


def argument_spec():
    """The options ``vcda_replication`` and ``vcda_migration_wave`` share (doc fragment ``vcda_replication``)."""
    return dict(
        source_site=dict(type="str", required=True),
        source_vcenter=dict(type="dict", options=dict(
            hostname=dict(type="str", required=True), port=dict(type="int", default=443),
            username=dict(type="str", required=True), password=dict(type="str", required=True, no_log=True),
            thumbprint=dict(type="str"), validate_certs=dict(type="bool", default=True),
            datacenter=dict(type="str"))),
        destination_site=dict(type="str", required=True),
        vdc=dict(type="str"),
        storage_profile=dict(type="str"),
        network_mappings=dict(type="list", elements="dict", options=dict(
            source=dict(type="str", required=True), destination=dict(type="str", required=True))),
        nics=dict(type="list", elements="dict", options=NIC_OPTIONS),
        guest_customization=dict(type="bool", default=False),
        type=dict(type="str", default="migration", choices=list(rep.TYPES)),
        migration_mode=dict(type="str", default="warm", choices=["warm", "cold"]),
        rpo=dict(type="int"),
        retention_rules=dict(type="list", elements="dict", options=dict(
            instances=dict(type="int", required=True), distance=dict(type="int", required=True))),
        disk_type=dict(type="str", default="thin", choices=sorted(rep.DISK_TYPES)),
        initial_sync_time=dict(type="str"),
        description=dict(type="str"),
        quiesce=dict(type="bool"),
        data_connection_type=dict(type="str", default="encrypted", choices=sorted(rep.DATA_CONNECTION_TYPES)),
        power_on=dict(type="bool", default=True),
        remote_username=dict(type="str"),
        remote_password=dict(type="str", no_log=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
    )


NIC_OPTIONS = dict(index=dict(type="int", default=0), network=dict(type="str"),
                   ip_mode=dict(type="str", default="dhcp", choices=sorted(rep.IP_MODES)),
                   ip_address=dict(type="str"), connected=dict(type="bool", default=True),
                   reset_mac=dict(type="bool", default=False))
SPEC_KEYS = ("source_site", "destination_site", "vdc", "storage_profile", "network_mappings", "nics",
             "guest_customization", "type", "migration_mode", "rpo", "retention_rules", "disk_type",
             "initial_sync_time", "description", "quiesce", "data_connection_type", "power_on")


def unit_spec(params, vms, vapp_name=None, label=None, overrides=None):
    """A unit's spec from module parameters (plain dict), optionally with per-unit overrides."""
    spec = dict((k, params.get(k)) for k in SPEC_KEYS)
    spec.update((k, v) for k, v in (overrides or {}).items() if v is not None)
    spec.update(vms=list(vms), vapp_name=vapp_name, label=label, on_premises=bool(params.get("source_vcenter")),
                datacenter=(params.get("source_vcenter") or {}).get("datacenter"))
    return spec


WRITE_STEPS = ("create", "update", "pause", "resume", "test", "test_cleanup", "migrate", "failover", "reverse", "delete")
RECOVERY_STEPS = ("migrate", "failover")


def in_window(window, now=None):
    """True when ``now`` (UTC) is inside ``{"start": "HH:MM", "end": "HH:MM"}`` (a window may span midnight)."""
    if not window:
        return True
    now = now or datetime.datetime.utcnow()

    def minutes(text, option):
        try:
            hours, mins = [int(x) for x in str(text).split(":")]
            if not (0 <= hours < 24 and 0 <= mins < 60):
                raise ValueError(text)
        except ValueError:
            raise InputError("cutover_window.%s: '%s' is not a time HH:MM (UTC)" % (option, text),
                             option="cutover_window")
        return hours * 60 + mins
    start, end = minutes(window.get("start"), "start"), minutes(window.get("end"), "end")
    current = now.hour * 60 + now.minute
    if start <= end:
        return start <= current < end
    return current >= start or current < end


class Unit(object):
    """One replication the run manages: its spec, sources, live item, plan and outcome."""

    def __init__(self, index, spec):
        self.index = index
        self.spec = spec
        self.name = spec.get("label") or spec.get("vapp_name") or ", ".join(spec["vms"])
        self.sources = []
        self.item = None
        self.before = "absent"
        self.steps = []
        self.done = []
        self.pending = []
        self.resolved = {}
        self.task = None
        self.known = []
        self.error = None

    @property
    def refs(self):
        refs = list(self.spec["vms"])
        for src in self.sources:
            refs += [src["id"], src["name"]]
        return refs

    def result(self):
        item = rep.summary(self.item) if self.item else None
        return {"name": self.name, "vms": list(self.spec["vms"]), "before": self.before,
                "state": item["state"] if item else ("absent" if not self.done or "delete" in self.done else "unknown"),
                "changed": bool([s for s in self.done if s in WRITE_STEPS]), "steps": list(self.done),
                "pending": list(self.pending), "replication": item, "error": self.error}


class Run(object):
    """``Run(service, check_mode).converge(specs, state)`` -> ``(changed, [unit results])``."""

    def __init__(self, service, check_mode=False, wait=True, timeout=3600, vsphere=None, batch_size=None,
                 cutover_window=None, now=None, skip_recovered=False, concurrency=1, keep_going=False):
        self.service = service
        self.concurrency = concurrency
        self.keep_going = keep_going
        self.check_mode = check_mode
        self.wait = wait
        self.timeout = timeout
        self.vsphere = vsphere
        self.batch_size = batch_size
        self.cutover_window = cutover_window
        self.now = now
        self.skip_recovered = skip_recovered
        self.units = []

    # ----- reading ----------------------------------------------------------------------------
    def kinds(self):
        """The list endpoints the units need: vApp replications only when a unit groups VMs."""
        grouped = any(len(u.spec["vms"]) > 1 or (u.item and rep.kind_of(u.item) == "vapp") for u in self.units)
        return ("vm", "vapp") if grouped else ("vm",)

    def refresh(self):
        """One list per kind of the appliance's replications (source or destination at its site, so a reversed
        replication is still seen); matches units to items."""
        items = self.service.list_all(None, self.kinds())
        self.items = items
        for unit in self.units:
            if unit.item is not None:
                unit.item = next((i for i in items if i.get("id") == unit.item.get("id")), None)
            else:
                unit.item = rep.find(items, unit.refs, unit.spec["source_site"], unit.spec["destination_site"])
        return items

    def resolve_sources(self):
        """Every unit's source VMs, with one vCenter read for the on-premises ones and one inventory list per
        cloud source site."""
        onprem = [u for u in self.units if u.spec.get("on_premises", True)]
        if onprem:
            if self.vsphere is None:
                raise InputError("source_vcenter: on-premises sources are looked up in their vCenter; give "
                                 "source_vcenter", option="source_vcenter")
            refs = [r for u in onprem for r in u.spec["vms"]]
            found, names = rep.vcenter_sources(self.vsphere, refs, onprem[0].spec.get("datacenter"))
            for unit in onprem:
                unit.sources = [found[r] for r in unit.spec["vms"] if r in found]
                unit.known = names
        for site in sorted(set(u.spec["source_site"] for u in self.units if not u.spec.get("on_premises", True))):
            units = [u for u in self.units if not u.spec.get("on_premises", True) and u.spec["source_site"] == site]
            found, names = rep.cloud_sources(self.service, site, [r for u in units for r in u.spec["vms"]])
            for unit in units:
                unit.sources = [found[r] for r in unit.spec["vms"] if r in found]
                unit.known = names

    def missing_source_problems(self):
        problems = []
        for unit in self.units:
            names = set(s["name"] for s in unit.sources) | set(s["id"] for s in unit.sources)
            missing = [r for r in unit.spec["vms"] if r not in names]
            if missing and "create" in unit.steps:
                for ref in missing:
                    where = "vCenter" if unit.spec.get("on_premises", True) else "site %s" % unit.spec["source_site"]
                    problems.append(("vms", str(NotFoundError("source VM", ref, unit.known, option="vms"))
                                     .replace("not found", "not found in %s" % where, 1)))
        return problems

    def shared_source_problems(self):
        """A VM in more than one entry (by name or MoRef): its replications would be created side by side, and
        a site replicates a VM once."""
        owners = {}
        for unit in self.units:
            for src in unit.sources:
                owners.setdefault((unit.spec["source_site"], src["id"]), []).append(unit.name)
        return [("vms", "vms: %s is in more than one entry (%s); list each VM once" % (ident, ", ".join(names)))
                for (_site, ident), names in sorted(owners.items()) if len(names) > 1]

    # ----- converge ---------------------------------------------------------------------------
    def converge(self, specs, state):
        self.units = [Unit(i, s) for i, s in enumerate(specs)]
        in_window(self.cutover_window, self.now)  # its times are checked before any write, not at the first cutover
        problems = []
        for unit in self.units:
            problems.extend(rep.validate(unit.spec))
        rep.raise_problems(problems)
        self.resolve_sources()
        self.refresh()
        self._wait_recoveries()
        for unit in self.units:
            unit.before = rep.state_of(unit.item)
            if self.skip_recovered and state == "present" and rep.phase(unit.item) == "recovered":
                unit.steps = []  # a wave's "replicated and synced" is behind a VM that is already migrated
                continue
            try:
                unit.steps = rep.plan(unit.item, state, unit.spec.get("type"))
            except InputError as error:
                problems.append((error.option, "%s%s" % ("%s: " % unit.name if len(self.units) > 1 else "", error)))
                continue
            if unit.item is not None:
                problems.extend(self._item_problems(unit))
                delta = rep.settings_delta(unit.item, unit.spec)
                if delta and rep.phase(unit.item) in ("replicating", "paused", "reversed", "test") and state != "absent":
                    unit.steps.insert(0, "update")
                    unit.update = delta
            unit.spec["creating"] = "create" in unit.steps
        problems.extend(self.missing_source_problems())
        problems.extend(self.shared_source_problems())
        checked = [u for u in self.units if u.steps and "delete" not in u.steps]
        if checked:
            found, resolved = self.service.preflight([u.spec for u in checked],
                                                     dict((i, u.sources) for i, u in enumerate(checked)), self.items)
            problems.extend(found)
            for i, unit in enumerate(checked):
                unit.resolved = resolved.get(i) or {}
        rep.raise_problems(problems)
        if self.check_mode:
            for unit in self.units:
                unit.done = [s for s in unit.steps if s != "wait_synced"]
            return self._outcome(state, predicted=True)
        self._execute()
        self.refresh()
        return self._outcome(state)

    def _item_problems(self, unit):
        problems = []
        dest = unit.item.get("destination") or {}
        vdc = unit.spec.get("vdc")
        if vdc and rep.sites_of(unit.item)[1] == unit.spec["destination_site"] and vdc not in (
                dest.get("vdcName"), dest.get("vdcId"), None) and (dest.get("vdcName") or dest.get("vdcId")):
            problems.append(("vdc", "vdc: %s replicates into VDC %s, not %s; the destination VDC cannot change" % (
                rep.describe(unit.item), dest.get("vdcName") or dest.get("vdcId"), vdc)))
        if unit.item and rep.kind_of(unit.item) == "vapp":
            ids, names = rep.vm_refs(unit.item)
            missing = [r for r in unit.spec["vms"] if r not in ids and r not in names and not any(
                s["name"] == r and s["id"] in ids for s in unit.sources)]
            if missing:
                problems.append(("vms", "vms: %s does not hold %s; the VMs of a grouped vApp replication cannot change"
                                        % (rep.describe(unit.item), ", ".join(missing))))
        return problems

    def _wait_recoveries(self):
        """An earlier run stopped during a cutover/failover: wait for it to finish before planning."""
        busy = dict((u.index, (None, rep.kind_of(u.item), u.item["id"])) for u in self.units
                    if u.item is not None and rep.recovery_state(u.item) == "IN_PROGRESS")
        if not busy or self.check_mode:
            return
        self.service.progress("%d recovery operation(s) of an earlier run still running: waiting" % len(busy))
        rep.Watcher(self.service, busy, self.timeout).wait(lambda i: rep.recovery_state(i) != "IN_PROGRESS",
                                                           "the recoveries of an earlier run")
        self.refresh()

    def _execute(self):
        while True:
            current = [u for u in self.units if u.steps]
            if not current:
                return
            step = current[0].steps[0]
            # run the step every unit has next; units whose next step differs wait for their turn
            group = [u for u in current if u.steps[0] == step]
            if step == "wait_synced":
                if not self.wait:
                    for unit in group:
                        unit.pending, unit.steps = list(unit.steps), []
                    continue
                self._wait_synced(group)
            elif step in RECOVERY_STEPS:
                self._recover(group, step)
            else:
                self._write(group, step)
            self.refresh()

    def _wait_synced(self, group):
        targets = dict((u.index, (None, rep.kind_of(u.item), u.item["id"])) for u in group)
        rep.Watcher(self.service, targets, self.timeout).wait(rep.is_synced, "the initial sync")
        for unit in group:
            unit.steps.pop(0)

    def _write(self, group, step):
        """Start ``step`` for every unit of ``group`` (up to ``concurrency`` requests in flight), then wait for
        all their tasks with one ``GET /tasks`` per poll."""
        def start(unit):
            if step == "create":
                kind, body = rep.create_body(unit.spec, unit.sources, unit.resolved["vdc"],
                                             unit.resolved.get("storage_profile"), self.service.client.version)
                unit.kind = kind
                task = self.service.start_create(kind, body, unit.refs, unit.spec["source_site"],
                                                 unit.spec["destination_site"])
                self.service.progress("%s: creating the replication" % unit.name)
            else:
                task = self.service.operation(unit.item, step, self._body(unit, step))
                self.service.progress("%s: %s started" % (unit.name, step.replace("_", " ")))
            return task

        started = []
        for unit, (task, error) in zip(group, pool.each(start, group, self.concurrency)):
            if error is not None:
                self._failed(unit, step, error)
                continue
            unit.task = task
            started.append(unit)
        what = "%s of %d replication(s)" % (step.replace("_", " "), len(started))
        final = self.service.wait_tasks([u.task for u in started], self.timeout, what, raise_failed=not self.keep_going)
        created = []
        for unit in started:
            task = final.get((unit.task or {}).get("id")) if self.service.client.is_task(unit.task) else None
            if task is not None and task.get("state") != "SUCCEEDED":
                self._failed(unit, step, TaskFailed(rep.task_error(task)))
                continue
            if step == "create":
                found = unit.task if task is None and isinstance(unit.task, dict) else None  # the item a re-read found
                unit.item = {"id": rep.task_resource(task or unit.task) or (found or {}).get("id")}
                created.append(unit)
            unit.done.append(unit.steps.pop(0))
        if step == "create" and created:
            self.refresh()
            for unit in created:
                if unit.item is None or not unit.item.get("destination"):
                    self._failed(unit, step, InputError("the new replication of %s is not listed by the site" % unit.name))

    def _failed(self, unit, step, error):
        """``unit``'s ``step`` failed: raised at once without ``keep_going``; else reported, the unit's later
        steps left for a later run, and the other units go on."""
        if not self.keep_going:
            raise error
        unit.error = "%s: %s" % (step.replace("_", " "), error)
        unit.pending, unit.steps = list(unit.steps), []
        self.service.progress("%s: %s failed: %s" % (unit.name, step.replace("_", " "), error))

    def _recover(self, group, step):
        if not in_window(self.cutover_window, self.now):
            for unit in group:
                unit.pending, unit.steps = list(unit.steps), []
            self.service.progress("outside the cutover window %s-%s UTC: %d cutover(s) left for a later run" % (
                self.cutover_window.get("start"), self.cutover_window.get("end"), len(group)))
            return
        size = self.batch_size or len(group)
        for start in range(0, len(group), size):
            batch = group[start:start + size]
            batches = (len(group) + size - 1) // size
            self.service.progress("%s batch %d/%d: %s" % (step, start // size + 1, batches,
                                                          ", ".join(u.name for u in batch)))
            self._write(batch, step)
            self.refresh()

    def _body(self, unit, step):
        if step == "update":
            return getattr(unit, "update", None)
        if step in ("migrate", "failover", "test"):
            kind = rep.kind_of(unit.item)
            unit.spec["grouped"] = kind == "vapp"
            vm_settings, vapp_settings = rep.network_settings(unit.spec, unit.sources,
                                                              unit.resolved.get("networks") or {})
            return rep.recovery_body(step, unit.spec, vm_settings, vapp_settings, kind)
        return None

    def _outcome(self, state, predicted=False):
        results = []
        for unit in self.units:
            result = unit.result()
            if predicted:
                result["state"] = unit.before if not unit.steps else state
                result["steps"] = [s for s in unit.steps if s != "wait_synced"]
                result["changed"] = bool(result["steps"])
            results.append(result)
        return any(r["changed"] for r in results), results


# ----- what the modules share (no Ansible import: ``module`` is duck-typed) -----------------------
PROGRESS_ENV = "CLOUDMOVE_PROGRESS_FILE"


class Progress(object):
    """Progress lines: kept for the result, and written to ``$CLOUDMOVE_PROGRESS_FILE`` (when the action plugin
    set it) so the controller can show them while the module runs."""

    def __init__(self, path=None, clock=None):
        import os
        import threading
        import time
        self.path = path if path is not None else os.environ.get(PROGRESS_ENV)
        self.lines = []
        self.clock = clock or time.time
        self.start = self.clock()
        self.lock = threading.Lock()  # lines come from the threads of a wave too

    def __call__(self, line):
        with self.lock:
            self._add(line)

    def _add(self, line):
        import json
        import os
        entry = "[%4ds] %s" % (int(self.clock() - self.start), line)
        self.lines.append(entry)
        if self.path:
            try:
                with open(self.path + ".tmp", "w") as handle:
                    json.dump({"lines": self.lines[-200:], "count": len(self.lines)}, handle)
                os.rename(self.path + ".tmp", self.path)
            except OSError:
                self.path = None


def open_service(module, progress):
    """The service over ``module.vcda``, with the session extended to the remote cloud site(s) involved."""
    params = module.params
    service = rep.ReplicationService(module.vcda, progress=progress)
    username = params.get("remote_username") or (params["username"] if params.get("auth_type") == "vcd" else None)
    password = params.get("remote_password") if params.get("remote_username") else (
        params["password"] if params.get("auth_type") == "vcd" else None)
    clouds = [params.get("destination_site")] + ([] if params.get("source_vcenter") else [params.get("source_site")])
    extended = service.extend(clouds, username, password)
    for site in extended:
        progress("session extended to site %s" % site)
    return service


def open_vcenter(params):
    """A ``VsphereClient`` for ``source_vcenter`` (None when unset)."""
    conn = params.get("source_vcenter")
    if not conn:
        return None
    from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.client import VsphereClient  # noqa
    from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
    return VsphereClient(conn["hostname"], conn["username"], conn["password"], port=conn.get("port") or 443,
                         validate_certs=conn.get("validate_certs", True),
                         thumbprint=normalize_thumbprint(conn.get("thumbprint") or None, "source_vcenter.thumbprint"))
