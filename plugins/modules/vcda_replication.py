#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_replication
short_description: Replicate, migrate, protect, fail over, test, reverse and fail back one VM or one group of VMs with Cloud Director Availability
version_added: 0.1.0
description:
  - Manages one replication of Cloud Director Availability (docs/api/vcda.md#replications) from the cloud site at O(url) -
    one source VM, or several on-premises VMs grouped into one destination vApp (a C(vcVapp) replication).
  - The replication is found by its source VM (name or MoRef at the source site) and the two sites, so a re-run,
    or a run after an interrupted one, carries on with the replication that exists instead of creating another.
  - O(state) is where the replication should be. One-way transitions are states - a migrated VM asked for
    V(migrated) again is C(changed=false); asking V(present) of a migrated replication fails and says why.
    Allowed paths - V(present) <-> V(paused), V(present) <-> V(test_failover) (going back cleans the test up),
    V(present) -> V(migrated) or V(failed_over) -> V(reversed) -> V(failed_back) -> V(present) (failback).
  - Before any write every check that can be made is made, and all problems are reported at once - the source VMs
    exist (and are powered on for a warm migration, off for a cold one), the VDC, storage profile and networks
    exist, the org's policy at the destination allows the type, the RPO and the number of VMs. Check mode makes
    the same checks and predicts the result.
  - Settings that can change on a live replication (O(rpo), O(description), O(quiesce), O(retention_rules)) are
    compared and updated.
  - Progress (sync percentage, operations) is shown in the playbook output while the module runs on the controller
    and returned as RV(progress).
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.vcda_replication
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Runs every pre-check and predicts the state and the steps; writes nothing.
  diff_mode:
    support: full
    details: Shows the state before and after.
options:
  vms:
    description:
      - The source VM, by name or MoRef (V(vm-65)) at the source site. Several VMs are grouped into one destination
        vApp named O(vapp_name) (on-premises sources only); the members of a group cannot change later.
    type: list
    elements: str
    required: true
    aliases: [vm]
  vapp_name:
    description: Name of the destination vApp (required for a group; for one VM the default is the VM's name).
    type: str
  state:
    description: Where the replication should be (see the description).
    type: str
    choices: [present, paused, test_failover, migrated, failed_over, reversed, failed_back, absent]
    default: present
  test_sync:
    description: With O(state=test_failover), sync first and test the newest data instead of the latest instance.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Warm-migrate web-01 from the tenant vCenter into org1's VDC on the stretched network, cut over, power on
  cloudmove.vcda.vcda_replication:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    auth_type: vcd
    username: admin1@org1
    password: "{{ org1_password }}"
    source_site: onprem1
    source_vcenter:
      hostname: 127.0.0.1
      port: 8990
      username: administrator@vsphere.local
      password: "{{ vcenter_password }}"
      thumbprint: "{{ tenant_vcenter_thumbprint }}"
    vms: [web-01]
    destination_site: site1
    vdc: org1-vdc
    storage_profile: Standard
    network_mappings:
      - {source: DC0_DVPG0, destination: company-network}
    rpo: 15
    type: migration
    migration_mode: warm
    state: migrated

- name: Protect a group of two VMs as one vApp, then run a test failover
  cloudmove.vcda.vcda_replication:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    auth_type: vcd
    username: admin1@org1
    password: "{{ org1_password }}"
    source_site: onprem1
    source_vcenter: "{{ tenant_vcenter }}"
    vms: [app-01, db-01]
    vapp_name: WebApp
    destination_site: site1
    vdc: org1-vdc
    type: protection
    rpo: 30
    retention_rules: [{instances: 4, distance: 60}]
    state: test_failover
"""

RETURN = r"""
replication:
  description: The replication after the run (None when absent).
  returned: always
  type: dict
  contains:
    id:
      description: "Replication id (C(C4-...) or C(C4VAPP-...))"
      type: str
    state:
      description: "One of the O(state) values"
      type: str
    kind:
      description: "V(vm) or V(vapp)"
      type: str
    synced:
      description: "The initial sync is done (cutover ready)"
      type: bool
    progress:
      description: "Initial-sync progress 0-100"
      type: int
    recovered_vapp_id:
      description: "The vApp in the destination VDC after a recovery"
      type: str
before:
  description: The state before the run.
  returned: always
  type: str
  sample: present
steps:
  description: The operations done (in check mode - that would be done), e.g. V(create), V(migrate).
  returned: always
  type: list
  elements: str
pending:
  description: Steps left for a later run (O(wait=false), or outside the cutover window).
  returned: always
  type: list
  elements: str
progress:
  description: Progress lines of the run, with seconds since its start.
  returned: always
  type: list
  elements: str
polls:
  description: Polls of the replication list while waiting (one list request each).
  returned: always
  type: int
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication_run as rr


def run(mod):
    p = mod.params
    progress = rr.Progress()
    vsphere = rr.open_vcenter(p)
    try:
        service = rr.open_service(mod, progress)
        spec = rr.unit_spec(p, p["vms"], p["vapp_name"], label=p["vapp_name"] or ", ".join(p["vms"]))
        spec["test_sync"] = p["test_sync"]
        runner = rr.Run(service, check_mode=mod.check_mode, wait=p["wait"], timeout=p["wait_timeout"], vsphere=vsphere)
        changed, results = runner.converge([spec], p["state"])
    finally:
        if vsphere is not None:
            vsphere.close()
    (unit,) = results
    for warning in service.warnings:
        mod.warn(warning)
    # the run acted (or predicted, in check mode) unit by unit: the core records what it decided
    outcome = mod.reconciler().act(changed, {"state": unit["before"]}, {"state": unit["state"]}, action="converge")
    return mod.result(outcome, replication=unit["replication"], before=unit["before"], steps=unit["steps"],
                      pending=unit["pending"], progress=progress.lines, state=unit["state"], polls=service.polls)


def main():
    spec = rr.argument_spec()
    spec.update(
        vms=dict(type="list", elements="str", required=True, aliases=["vm"]),
        vapp_name=dict(type="str"),
        state=dict(type="str", default="present", choices=[
            "present", "paused", "test_failover", "migrated", "failed_over", "reversed", "failed_back", "absent"]),
        test_sync=dict(type="bool", default=False),
    )
    module = VcdaModule(spec)
    module.run(run)


if __name__ == "__main__":
    main()
