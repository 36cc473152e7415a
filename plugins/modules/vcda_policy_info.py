#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_policy_info
short_description: List the replication policies of a Cloud Director Availability cloud site and their organizations
version_added: 0.1.0
description:
  - Reads the replication policies of a cloud site (C(GET /policies)) and the organizations assigned to each
    (C(GET /policies/{id}/status)); changes nothing.
  - Each policy is returned as the site returns it, plus its settings under the option names of
    M(cloudmove.vcda.vcda_policy), so a policy read here can be written back with that module.
  - Needs the provider's login (the appliance's root, or a Cloud Director system administrator).
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes.info_module
options:
  names:
    description:
      - Only the policies with these display names (the default policy is V(default)). All policies when unset.
      - A name the site does not have fails, listing the names it has.
    type: list
    elements: str
  org:
    description: Only the policy assigned to this organization (an organization has exactly one policy).
    type: str
"""

EXAMPLES = r"""
- name: Every policy of site1 and who has it
  cloudmove.vcda.vcda_policy_info:
    url: https://vcda-cloud.site1.example.com:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
  register: site1_policies

- name: The policy of org1
  cloudmove.vcda.vcda_policy_info:
    url: https://vcda-cloud.site1.example.com:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    org: org1
  register: org1_policy

- name: Show org1's minimum RPO
  ansible.builtin.debug:
    msg: "{{ org1_policy.policies[0].name }}: RPO {{ org1_policy.policies[0].settings.min_rpo }} min or more"
"""

RETURN = r"""
api_version:
  description: API version in use, for example V(4.7).
  returned: always
  type: str
policies:
  description:
    - The policies, sorted by name - each as C(GET /policies) returns it (C(id), C(displayName), the API fields),
      plus C(name) (the display name), C(orgs) (the assigned organization names, sorted) and C(settings).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Policy id (V(default) for the default policy).
      type: str
    name:
      description: Display name.
      type: str
    orgs:
      description: Organizations assigned to the policy.
      type: list
      elements: str
    settings:
      description:
        - The policy's fields under the option names of M(cloudmove.vcda.vcda_policy) (for example C(min_rpo),
          C(max_instances), C(allow_incoming_migrations)), only those this API version has; an unlimited count
          is V(unlimited).
      type: dict
  sample:
    - id: 6a7e0c64-8a0d-4c68-9f8a-7d3e0a6f1b11
      displayName: Gold
      name: Gold
      minRpo: 15
      orgs: [org1]
      settings: {min_rpo: 15, max_instances: 24, max_replicated_vms: unlimited, allow_incoming_migrations: true}
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.validate import known_names
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.policy import describe, uses_split_directions


def run(mod):
    client = mod.vcda
    policies = client.policies()
    names = mod.params["names"]
    if names:
        known_names(names, [p.get("displayName") for p in policies], "names")
        policies = [p for p in policies if p.get("displayName") in names]
    split = uses_split_directions(client.version)
    found = [describe(p, split, client.policy_orgs(p["id"])) for p in policies]
    org = mod.params["org"]
    if org is not None:
        known = sorted(set(o for p in found for o in p["orgs"]))
        found = [p for p in found if org in p["orgs"]]
        if not found and not names:
            raise InputError("org: %s has no policy on this site" % org, option="org", choices=known)
    return dict(changed=False, api_version=client.api_version, policies=sorted(found, key=lambda p: p["name"] or ""))


def main():
    module = VcdaModule(dict(
        names=dict(type="list", elements="str"),
        org=dict(type="str"),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
