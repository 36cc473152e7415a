#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_replication_info
short_description: List, filter and summarize Cloud Director Availability replications for reporting
version_added: 0.1.0
description:
  - Lists the replications the cloud site at O(url) sees (C(GET /vm-replications) and C(/vapp-replications)),
    paging through the whole list with one request per page of O(page_size) items (never one request per VM),
    and returns those matching every filter given.
  - With O(output=[summary]) it sums them up per organization and destination site for billing and monitoring -
    VMs by type, protected and migrated VMs, the storage the replica disks and retained instances occupy,
    the retained instances, the RPO violations and how late they are, health counts and the last sync.
  - What the site shows depends on the login - the appliance root or a provider (C(@System)) Cloud Director user
    sees every organization; an organization administrator (O(auth_type=vcd) or O(auth_type=vcd_token)) only its own.
  - The member VMs of vApp replications are returned inside their vApp in RV(replications), and as VMs of their own
    in RV(vms) and the summary.
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes.info_module
options:
  site:
    description: Only replications from or to this site.
    type: str
  source_site:
    description: Only replications from this site.
    type: str
  destination_site:
    description: Only replications to this site.
    type: str
  org:
    description: Only replications of this organization (the destination organization, else the source one).
    type: str
  source_org:
    description: Only replications whose source organization is this one.
    type: str
  destination_org:
    description: Only replications whose destination organization is this one.
    type: str
  vdc:
    description: Only replications into this organization VDC (name or id).
    type: str
  direction:
    description:
      - Only replications into the site at O(url) (V(incoming)) or out of it (V(outgoing)).
    type: str
    choices: [incoming, outgoing]
  type:
    description: Only migrations or only protections.
    type: str
    choices: [migration, protection]
  health:
    description: Only VMs whose replication health is one of these.
    type: list
    elements: str
    choices: [GREEN, YELLOW, RED]
  rpo_violation:
    description: Only VMs whose latest instance is older than the RPO (V(true)) or only those on time (V(false)).
    type: bool
  paused:
    description: Only paused (V(true)) or only running (V(false)) VM replications.
    type: bool
  vm:
    description: Only the replication of this source VM (name or id) or with this replication id.
    type: str
  kind:
    description: Only VM (V(vm)) or vApp (V(vapp)) replications.
    type: str
    choices: [vm, vapp]
  state:
    description: Only replications in this state.
    type: str
    choices: [present, paused, test_failover, migrated, failed_over, reversed, failed_back]
  details:
    description: Also return each replication as the API returns it (RV(replications[].details)).
    type: bool
    default: false
  output:
    description:
      - What to return - V(replications) (RV(replications) and RV(count)), V(vms) (RV(vms), one row per
        replicated VM) and V(summary) (RV(summary)).
    type: list
    elements: str
    choices: [replications, vms, summary]
    default: [replications]
  page_size:
    description:
      - Items asked per list request (C(limit)); the list is read page by page until its C(total).
    type: int
    default: 100
  query:
    description:
      - A JMESPath expression applied to the result (RV(replications), RV(vms), RV(summary), RV(count), as asked
        with O(output)); its value is returned as RV(query_result). For what the summary does not cover.
      - Needs the C(jmespath) Python library on the host that runs the module.
    type: str
requirements:
  - jmespath (for O(query))
"""

EXAMPLES = r"""
- name: The migrations of org1 into site1
  cloudmove.vcda.vcda_replication_info:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    password: "{{ root_password }}"
    destination_site: site1
    org: org1
    type: migration
  register: migrations

- name: What every organization replicates into site1, as a provider Cloud Director user
  cloudmove.vcda.vcda_replication_info:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    auth_type: vcd
    username: administrator@System
    password: "{{ vcd_admin_password }}"
    output: [summary]
  register: usage

- name: The late VMs of org1, with an organization administrator's access token
  cloudmove.vcda.vcda_replication_info:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    auth_type: vcd_token
    access_token: "{{ org1_access_token }}"
    access_token_org: org1
    rpo_violation: true
    output: [vms]
    query: "vms[].{vm: vm, late: rpo_violation_minutes}"
  register: late
"""

RETURN = r"""
replications:
  description: The matching replications, in the order the site lists them (with O(output) V(replications)).
  returned: when asked
  type: list
  elements: dict
  contains:
    id:
      description: "Replication id"
      type: str
    state:
      description: "present, paused, test_failover, migrated, failed_over, reversed or failed_back"
      type: str
    type:
      description: "migration or protection"
      type: str
    kind:
      description: "vm or vapp"
      type: str
    source_site:
      description: "Source site"
      type: str
    destination_site:
      description: "Destination site"
      type: str
    org:
      description: "Organization"
      type: str
    vm_names:
      description: "Source VM names"
      type: list
    vm_ids:
      description: "Source VM ids (MoRefs for vCenter VMs)"
      type: list
    synced:
      description: "Initial sync done"
      type: bool
    progress:
      description: "Initial-sync progress 0-100"
      type: int
    health:
      description: "GREEN, YELLOW or RED"
      type: str
    details:
      description: "The API item (with O(details=true))"
      type: dict
count:
  description: Number of matching replications.
  returned: when asked
  type: int
vms:
  description: One row per replicated VM matching the filters (with O(output) V(vms)).
  returned: when asked
  type: list
  elements: dict
  contains:
    id:
      description: "VM replication id"
      type: str
    replication_id:
      description: "The replication it belongs to (the vApp replication of a member VM)"
      type: str
    vm:
      description: "Source VM name"
      type: str
    type:
      description: "migration or protection"
      type: str
    state:
      description: "State of its replication"
      type: str
    org:
      description: "Organization"
      type: str
    site:
      description: "Destination site, where the replica disks and instances are stored"
      type: str
    health:
      description: "GREEN, YELLOW or RED"
      type: str
    paused:
      description: "Paused"
      type: bool
    rpo:
      description: "RPO in minutes"
      type: int
    rpo_violation_minutes:
      description: "How many minutes the latest instance is older than the RPO (0 on time)"
      type: int
    storage_bytes:
      description: "Storage of the replica disks and retained instances at the destination, in bytes"
      type: int
    instances:
      description: "Retained point-in-time instances"
      type: int
    last_sync:
      description: "Time of the latest instance, epoch milliseconds"
      type: int
summary:
  description: The matching VMs summed up (with O(output) V(summary)).
  returned: when asked
  type: dict
  contains:
    by_org_site:
      description:
        - One entry per organization and destination site - C(org), C(site), C(vms), C(protections), C(migrations),
          C(protected), C(migrated), C(migrating), C(failed_over), C(paused), C(storage_bytes), C(instances),
          C(rpo_violations), C(max_rpo_violation_minutes), C(health) (C(GREEN)/C(YELLOW)/C(RED) counts),
          C(last_sync) (epoch ms) and C(last_sync_time) (ISO 8601 UTC).
      type: list
      elements: dict
    by_org:
      description: The same per organization, over all sites.
      type: list
      elements: dict
    totals:
      description: The same over everything.
      type: dict
    rpo_violations:
      description: The late VMs, the latest first - C(org), C(site), C(vm), C(id), C(rpo), C(rpo_violation_minutes).
      type: list
      elements: dict
pages:
  description: List requests made (one per page).
  returned: always
  type: int
query_result:
  description: The value of O(query) on the result.
  returned: when O(query) is given
  type: raw
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication as rep
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import report


def local_site(mod):
    """The session's own site: the first of its authenticated sites (docs/api/vcda.md#sessions)."""
    service = rep.ReplicationService(mod.vcda)
    service.authenticated_sites()
    sites = (mod.vcda.session or {}).get("authenticatedSites") or []
    return sites[0].get("site") if sites else None


def run(mod):
    p = mod.params
    page_size = report.check_page_size(p["page_size"])
    output = set(p["output"])
    local = local_site(mod) if p["direction"] else None
    flt = report.Filter(local_site=local, org=p["org"], source_org=p["source_org"], destination_org=p["destination_org"],
                        vdc=p["vdc"], direction=p["direction"], type=p["type"], health=p["health"],
                        rpo_violation=p["rpo_violation"], paused=p["paused"], kind=p["kind"], state=p["state"],
                        vm=p["vm"], source_site=p["source_site"], destination_site=p["destination_site"])
    params = report.server_filters(p["source_site"], p["destination_site"], p["source_org"], p["destination_org"],
                                   p["vdc"])
    replications, rows, pages = [], [], 0
    for kind in ((p["kind"],) if p["kind"] else ("vm", "vapp")):
        for page in report.pages(mod.vcda, rep.PATHS[kind], params, page_size):
            pages += 1
            for item in page:
                if rep.is_member(item) or not flt.item(item):
                    continue
                if p["site"] and p["site"] not in rep.sites_of(item):
                    continue
                item_rows = [row for row in report.vm_rows(item) if flt.row(row)]
                if not item_rows:
                    continue
                if "replications" in output:
                    entry = rep.summary(item)
                    if p["details"]:
                        entry["details"] = item
                    replications.append(entry)
                if output & set(["vms", "summary"]):
                    rows.extend(item_rows)
    result = dict(changed=False, pages=pages)
    if "replications" in output:
        result.update(replications=replications, count=len(replications))
    if "vms" in output:
        result["vms"] = rows
    if "summary" in output:
        result["summary"] = report.summarize(rows)
    if p["query"]:
        result["query_result"] = report.query(p["query"], dict((k, v) for k, v in result.items() if k != "changed"))
    return result


def main():
    module = VcdaModule(dict(
        site=dict(type="str"), source_site=dict(type="str"), destination_site=dict(type="str"), org=dict(type="str"),
        source_org=dict(type="str"), destination_org=dict(type="str"), vdc=dict(type="str"),
        direction=dict(type="str", choices=list(report.DIRECTIONS)),
        type=dict(type="str", choices=["migration", "protection"]),
        health=dict(type="list", elements="str", choices=list(report.HEALTHS)),
        rpo_violation=dict(type="bool"), paused=dict(type="bool"), vm=dict(type="str"),
        kind=dict(type="str", choices=["vm", "vapp"]),
        state=dict(type="str", choices=["present", "paused", "test_failover", "migrated", "failed_over", "reversed",
                                        "failed_back"]),
        details=dict(type="bool", default=False),
        output=dict(type="list", elements="str", default=["replications"], choices=["replications", "vms", "summary"]),
        page_size=dict(type="int", default=100),
        query=dict(type="str"),
    ), positive=("page_size",))
    if module.params["query"] and not report.HAS_JMESPATH:
        module.fail_json(msg=missing_required_lib("jmespath"), exception=str(report.JMESPATH_IMPORT_ERROR))
    module.run(run)


if __name__ == "__main__":
    main()
