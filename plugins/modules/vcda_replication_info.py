#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_replication_info
short_description: List or get Cloud Director Availability replications by source, site, org and type
version_added: 0.1.0
description:
  - Lists the replications the cloud site at O(url) sees (C(GET /vm-replications) and C(/vapp-replications),
    paging through the whole list) and returns those matching every filter given.
  - The member VMs of vApp replications are returned inside their vApp, not on their own.
author:
  - cloudmove.vcda maintainers (@cloudmove)
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.attributes
  - cloudmove.vcda.attributes.info_module
  - cloudmove.vcda.attributes.vcda_group
options:
  source_site:
    description: Only replications from this site.
    type: str
  destination_site:
    description: Only replications to this site.
    type: str
  org:
    description: Only replications of this organization.
    type: str
  type:
    description: Only migrations or only protections.
    type: str
    choices: [migration, protection]
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
"""

RETURN = r"""
replications:
  description: The matching replications, in the order the site lists them.
  returned: always
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
  returned: always
  type: int
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication as rep


def run(mod):
    p = mod.params
    service = rep.ReplicationService(mod.vcda)
    items = service.query(source_site=p["source_site"], destination_site=p["destination_site"], org=p["org"],
                          type=p["type"], vm=p["vm"], kind=p["kind"], state=p["state"])
    out = []
    for item in items:
        entry = rep.summary(item)
        if p["details"]:
            entry["details"] = item
        out.append(entry)
    return dict(changed=False, replications=out, count=len(out))


def main():
    module = VcdaModule(dict(
        source_site=dict(type="str"), destination_site=dict(type="str"), org=dict(type="str"),
        type=dict(type="str", choices=["migration", "protection"]), vm=dict(type="str"),
        kind=dict(type="str", choices=["vm", "vapp"]),
        state=dict(type="str", choices=["present", "paused", "test_failover", "migrated", "failed_over", "reversed",
                                        "failed_back"]),
        details=dict(type="bool", default=False),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
