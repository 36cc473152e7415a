#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcd_rights
short_description: Grant Cloud Director rights to an organization, a rights bundle, a global role or a tenant role
version_added: 0.1.0
description:
  - Grants (or revokes) rights, given by name, to one target
    (docs/workflows.md#c1-rights of data-center extension, C(docs/api/vcd-nsx.md#rights)).
  - With O(organization) alone, the organization's legacy rights (C(OrgRights) at
    C(/api/admin/org/{id}/rights) - C(POST) adds, C(PUT) replaces). Cloud Director 9.5 and later govern
    organization rights through rights bundles; the legacy call is deprecated since API 38.1.
  - With O(rights_bundle) or O(global_role), the bundle's or global role's rights
    (C(/cloudapi/1.0.0/rightsBundles|globalRoles/{id}/rights)); O(publish_to) publishes it to organizations
    that do not have it yet (never unpublishes).
  - With O(role) and O(organization), a tenant role of that organization (the provider acts through the
    C(X-VMWARE-VCLOUD-TENANT-CONTEXT) header). A right reaches a tenant role only when a rights bundle
    published to the organization holds it.
  - Rights are resolved by name from the rights catalog; an unknown name fails before any change and names
    the closest known rights.
  - The rights of docs/workflows.md#c1-rights (advanced networking, L2 VPN) are shipped as the role default
    C(tenant_rights_rights) of the C(cloudmove.vcda.tenant_rights) role, see EXAMPLES.
extends_documentation_fragment:
  - cloudmove.vcda.vcd
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Reads the live rights and reports what would be added, removed and published.
  diff_mode:
    support: full
    details: Shows the target's rights (and published organizations) before and after.
options:
  rights:
    description:
      - "Names of rights, for example V(Organization vDC Gateway: Configure L2 VPN)."
      - With O(state=exact) an empty list removes every right.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) adds the missing rights, V(absent) removes the listed ones, V(exact) makes the target hold
        exactly O(rights).
    type: str
    choices: [present, absent, exact]
    default: present
  organization:
    description:
      - Name of the organization. Alone, its legacy organization rights are the target; with O(role), the
        organization of the tenant role.
      - Not to be confused with O(org), the organization logged in to.
    type: str
  rights_bundle:
    description: Name of the rights bundle to grant the rights to.
    type: str
  global_role:
    description: Name of the global role to grant the rights to, for example V(Organization Administrator).
    type: str
  role:
    description: Name of the tenant role of O(organization) to grant the rights to.
    type: str
  publish_to:
    description:
      - Organizations the rights bundle or global role is published to (added when missing; others are kept).
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Grant the L2 VPN rights to org1 (legacy organization rights)
  cloudmove.vcda.vcd_rights:
    url: https://127.0.1.14:8443
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    organization: org1
    rights:
      - "Organization vDC Gateway: Configure L2 VPN"
      - "Organization vDC Gateway: View L2 VPN"

- name: Advanced networking rights in the default bundle, published to org1
  cloudmove.vcda.vcd_rights:
    url: https://127.0.1.14:8443
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    rights_bundle: Default Rights Bundle
    rights: "{{ tenant_rights_rights }}"
    publish_to: [org1]

- name: Add them to the Organization Administrator global role
  cloudmove.vcda.vcd_rights:
    url: https://127.0.1.14:8443
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    global_role: Organization Administrator
    rights: "{{ tenant_rights_rights }}"
"""

RETURN = r"""
rights:
  description: The rights the target holds afterwards (predicted in check mode), sorted.
  returned: always
  type: list
  elements: str
added:
  description: Rights added.
  returned: always
  type: list
  elements: str
removed:
  description: Rights removed.
  returned: always
  type: list
  elements: str
published:
  description: Organizations the bundle or global role was newly published to.
  returned: always
  type: list
  elements: str
target:
  description: The target (C(kind) V(org), V(rights_bundle), V(global_role) or V(role); C(name); C(id)).
  returned: always
  type: dict
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.module import VcdModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.rights import TARGET_OPTIONS, TARGET_RULES, RightsService, reconcile


def run(mod):
    p = mod.params
    kind = next((k for k in ("rights_bundle", "global_role", "role") if p[k]), "org")
    if p["publish_to"] is not None and kind not in ("rights_bundle", "global_role"):
        raise InputError("publish_to: only rights bundles and global roles are published", option="publish_to")
    client = mod.vcd
    org = client.find_org(p["organization"]) if kind in ("org", "role") else None
    result = reconcile(RightsService(client), kind, p[kind] if kind != "org" else None, p["rights"], p["state"],
                       org=org, publish_to=p["publish_to"], rec=mod.reconciler())
    return mod.result(result["outcome"], rights=result["after"]["rights"],
                      added=result["added"], removed=result["removed"], published=result["published"],
                      target=result["target"])


def main():
    module = VcdModule(
        dict(
            TARGET_OPTIONS,
            rights=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["present", "absent", "exact"], default="present"),
            publish_to=dict(type="list", elements="str"),
        ),
        **TARGET_RULES
    )
    module.run(run)


if __name__ == "__main__":
    main()
