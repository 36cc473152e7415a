#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_migration_wave
short_description: Migrate many VMs in one task with Cloud Director Availability - replicate, wait, cut over in batches
version_added: 0.1.0
description:
  - One task for a whole migration wave from the cloud site at O(url). Creates the replications that are missing
    (found by source VM and sites, as M(cloudmove.vcda.vcda_replication) does, so a re-run or a run after an
    interrupt resumes), waits for all initial syncs with B(one list request per site per poll) (not one per VM),
    then cuts over in batches of O(batch_size), optionally only inside O(cutover_window), and reports per VM.
  - A re-run skips what is already migrated (C(changed=false) when all are).
  - Every pre-check of M(cloudmove.vcda.vcda_replication) is made for all VMs before the first write, and every
    problem of every VM is reported at once; check mode makes them and predicts the per-VM steps.
  - The wave-level options are the defaults of every entry of O(vms); an entry may override the destination
    settings (C(storage_profile), C(network_mappings), ...).
  - The requests of the VMs (the creates, and the cutovers of each batch) go out from up to O(concurrency) threads
    at once; the waits stay one list request per site per poll. A VM whose create or cutover fails is reported
    with its error (RV(vms[].error)) and left out of the later steps while the others go on; the task then fails
    naming every failed VM, and a re-run resumes them (a create is never sent twice for a VM - after a lost reply
    the site's list is read again first).
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.vcda_replication
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Runs every pre-check for every VM and predicts each VM's steps; writes nothing.
  diff_mode:
    support: full
    details: Shows each VM's state before and after.
options:
  vms:
    description:
      - The wave - each entry a VM name (or MoRef), or a dict with C(name) (one VM) or C(vms) plus
        C(vapp_name) (several VMs grouped into one vApp), and optional per-entry settings.
    type: list
    elements: raw
    required: true
  state:
    description:
      - V(migrated) cuts over (the wave's goal); V(present) only replicates and waits until every VM is cutover ready
        (VMs already migrated are left as they are).
    type: str
    choices: [present, migrated]
    default: migrated
  batch_size:
    description: How many VMs are cut over at once; unset - all at once.
    type: int
  concurrency:
    description:
      - How many requests of the wave (creates, cutover requests) are sent at once, between V(1) (one after the
        other) and V(32). Each VM is one request; a batch of O(batch_size) is cut over with this many in flight.
    type: int
    default: 8
  cutover_window:
    description:
      - Cut over only between these UTC times (V(HH:MM); the window may span midnight). Outside it the VMs are
        replicated and synced and the cutovers are left for a later run (RV(vms[].pending)).
    type: dict
    suboptions:
      start:
        description: Start of the window, V(HH:MM) UTC.
        type: str
        required: true
      end:
        description: End of the window, V(HH:MM) UTC.
        type: str
        required: true
"""

EXAMPLES = r"""
- name: Migrate the WebApp wave warm into org1's VDC, two VMs per cutover batch
  cloudmove.vcda.vcda_migration_wave:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    auth_type: vcd
    username: admin1@org1
    password: "{{ org1_password }}"
    source_site: onprem1
    source_vcenter: "{{ tenant_vcenter }}"
    destination_site: site1
    vdc: org1-vdc
    network_mappings:
      - {source: DC0_DVPG0, destination: company-network}
    rpo: 15
    vms:
      - webapp-web-01
      - webapp-web-02
      - {name: webapp-db-01, storage_profile: Performance}
    batch_size: 2
    concurrency: 4
    cutover_window: {start: "22:00", end: "04:00"}
"""

RETURN = r"""
vms:
  description: One entry per entry of O(vms), in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: "The VM (or vApp) name"
      type: str
    before:
      description: "State before the run"
      type: str
    state:
      description: "State after the run (predicted in check mode)"
      type: str
    changed:
      description: "Whether this entry changed"
      type: bool
    steps:
      description: "Operations done (or that would be done)"
      type: list
    pending:
      description: "Steps left for a later run"
      type: list
    replication:
      description: "The replication summary (as vcda_replication returns)"
      type: dict
    error:
      description: "Why this entry's step failed (null when it did not); its steps left are in RV(vms[].pending)"
      type: str
migrated:
  description: Names of the entries that are migrated after the run.
  returned: always
  type: list
  elements: str
progress:
  description: Progress lines of the run.
  returned: always
  type: list
  elements: str
requests:
  description: Replication list and task list requests this run made (one per site per poll).
  returned: always
  type: int
polls:
  description: Polls of the replication lists while waiting (each one list request per site and kind).
  returned: always
  type: int
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication_run as rr
from ansible_collections.cloudmove.vcda.plugins.module_utils._common import pool
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError, PartialFailure


def units(p):
    specs = []
    for index, entry in enumerate(p["vms"]):
        if isinstance(entry, str):
            specs.append(rr.unit_spec(p, [entry], label=entry))
            continue
        if not isinstance(entry, dict) or not (entry.get("name") or entry.get("vms")):
            raise InputError("vms[%d]: give a VM name, or a dict with name (or vms and vapp_name)" % index, option="vms")
        unknown = sorted(set(entry) - set(rr.SPEC_KEYS) - set(["name", "vms", "vapp_name"]))
        if unknown:
            raise InputError("vms[%d]: unknown keys %s" % (index, ", ".join(unknown)), option="vms",
                             choices=sorted(set(rr.SPEC_KEYS) | set(["name", "vms", "vapp_name"])))
        vms = entry.get("vms") or [entry["name"]]
        overrides = dict((k, entry.get(k)) for k in rr.SPEC_KEYS if k not in ("source_site", "destination_site"))
        specs.append(rr.unit_spec(p, vms, entry.get("vapp_name"), label=entry.get("vapp_name") or entry.get("name")
                                  or ", ".join(vms), overrides=overrides))
    return specs


def run(mod):
    p = mod.params
    if not 1 <= p["concurrency"] <= pool.MAX_LIMIT:
        raise InputError("concurrency: must be between 1 and %d, got %s" % (pool.MAX_LIMIT, p["concurrency"]),
                         option="concurrency")
    specs = units(p)
    progress = rr.Progress()
    vsphere = rr.open_vcenter(p)
    try:
        service = rr.open_service(mod, progress)
        runner = rr.Run(service, check_mode=mod.check_mode, wait=p["wait"], timeout=p["wait_timeout"], vsphere=vsphere,
                        batch_size=p["batch_size"], cutover_window=p["cutover_window"], skip_recovered=True,
                        concurrency=p["concurrency"], keep_going=True)
        changed, results = runner.converge(specs, p["state"])
    finally:
        if vsphere is not None:
            vsphere.close()
    for warning in service.warnings:
        mod.warn(warning)
    outcome = mod.reconciler().act(changed, dict((r["name"], r["before"]) for r in results),
                                   dict((r["name"], r["state"]) for r in results), action="converge")
    result = mod.result(outcome, vms=results, migrated=[r["name"] for r in results if r["state"] == "migrated"],
                        progress=progress.lines, requests=service.requests, polls=service.polls)
    failed = [r for r in results if r.get("error")]
    if failed:
        raise PartialFailure("%d of %d entries failed (the others went on; a re-run resumes them): %s" % (
            len(failed), len(results), "; ".join("%s: %s" % (r["name"], r["error"]) for r in failed)), result)
    return result


def main():
    spec = rr.argument_spec()
    spec.update(
        vms=dict(type="list", elements="raw", required=True),
        state=dict(type="str", default="migrated", choices=["present", "migrated"]),
        batch_size=dict(type="int"),
        concurrency=dict(type="int", default=8),
        cutover_window=dict(type="dict", options=dict(start=dict(type="str", required=True),
                                                      end=dict(type="str", required=True))),
    )
    module = VcdaModule(spec, positive=("batch_size",))
    module.run(run)


if __name__ == "__main__":
    main()
