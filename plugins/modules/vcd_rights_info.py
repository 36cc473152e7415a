#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcd_rights_info
short_description: Read the Cloud Director rights of an organization, a rights bundle, a global role or a tenant role
version_added: 0.1.0
description:
  - Reads the rights of the one target M(cloudmove.vcda.vcd_rights) manages, chosen the same way; changes nothing.
  - With O(organization) alone, the organization's legacy rights (C(GET /api/admin/org/{id}/rights)).
  - With O(rights_bundle) or O(global_role), the bundle's or global role's rights and the organizations it is
    published to (C(/cloudapi/1.0.0/rightsBundles|globalRoles/{id}/rights) and C(.../tenants)).
  - With O(role) and O(organization), a tenant role of that organization (through the tenant context).
  - With O(rights), also which of those rights the target lacks (RV(missing)); an unknown right name fails and
    names the closest known rights.
extends_documentation_fragment:
  - cloudmove.vcda.vcd
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes.info_module
options:
  organization:
    description:
      - Name of the organization. Alone, its legacy organization rights are read; with O(role), the organization
        of the tenant role.
      - Not to be confused with O(org), the organization logged in to.
    type: str
  rights_bundle:
    description: Name of the rights bundle to read.
    type: str
  global_role:
    description: Name of the global role to read, for example V(Organization Administrator).
    type: str
  role:
    description: Name of the tenant role of O(organization) to read.
    type: str
  rights:
    description: Names of rights to look for; RV(missing) lists those the target does not hold.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: The rights of the default rights bundle and who has it
  cloudmove.vcda.vcd_rights_info:
    url: https://vcd.site1.example.com
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    rights_bundle: Default Rights Bundle
  register: bundle

- name: Does org1 hold the L2 VPN rights?
  cloudmove.vcda.vcd_rights_info:
    url: https://vcd.site1.example.com
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    organization: org1
    rights:
      - "Organization vDC Gateway: Configure L2 VPN"
      - "Organization vDC Gateway: View L2 VPN"
  register: org1_rights

- name: Fail when a right is missing
  ansible.builtin.assert:
    that: org1_rights.missing | length == 0
    fail_msg: "org1 lacks {{ org1_rights.missing | join(', ') }}"
"""

RETURN = r"""
target:
  description: The target (C(kind) V(org), V(rights_bundle), V(global_role) or V(role); C(name); C(id)).
  returned: always
  type: dict
  sample: {kind: rights_bundle, name: Default Rights Bundle, id: "urn:vcloud:rightsBundle:1b6b..."}
rights:
  description: Names of the rights the target holds, sorted.
  returned: always
  type: list
  elements: str
tenants:
  description: Organizations the rights bundle or global role is published to, sorted.
  returned: for a rights bundle or a global role
  type: list
  elements: str
missing:
  description: The rights of O(rights) the target does not hold, in the order given.
  returned: when O(rights) is set
  type: list
  elements: str
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.module import VcdModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.rights import TARGET_OPTIONS, TARGET_RULES, RightsService, resolve


def run(mod):
    p = mod.params
    kind = next((k for k in ("rights_bundle", "global_role", "role") if p[k]), "org")
    client = mod.vcd
    service = RightsService(client)
    if p["rights"]:
        resolve(service.catalog(), p["rights"])  # unknown names fail, naming the closest known ones
    org = client.find_org(p["organization"]) if kind in ("org", "role") else None
    result = dict(changed=False)
    if kind == "org":
        result["target"] = {"kind": kind, "name": org["name"], "id": org["id"]}
        result["rights"] = service.org_rights(org)
    else:
        item = service.find(kind, p[kind], org)
        result["target"] = {"kind": kind, "name": item.get("name", p[kind]), "id": item["id"]}
        result["rights"] = service.item_rights(kind, item, org)
        if kind != "role":
            result["tenants"] = service.tenants(kind, item)
    if p["rights"] is not None:
        held = set(result["rights"])
        result["missing"] = [name for name in dict.fromkeys(p["rights"]) if name not in held]
    return result


def main():
    module = VcdModule(dict(TARGET_OPTIONS, rights=dict(type="list", elements="str")), **TARGET_RULES)
    module.run(run)


if __name__ == "__main__":
    main()
