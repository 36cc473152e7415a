#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_replicator
short_description: Register a replicator with a Cloud Director Availability manager
version_added: 0.1.0
description:
  - Registers a replicator appliance with the Manager Service at O(url) (C(POST /replicators), nested body form),
    recognised by its API URL.
  - "On 4.x the replicators are registered at the Manager Service of the cloud appliance, C(https://<cloud>:8441),
    a separate API with its own session and lookup service; the Cloud Service (C(:443) / C(:8046)) does not serve
    C(/replicators). On 3.x O(url) is the cloud appliance (the 3.x manager)."
  - When the replicator's certificate changed (O(replicator_thumbprint) differs from the registered one), the
    registration is repaired (C(POST /replicators/{id}/reset-cookie); 4.x sends C({"description", "details"}),
    3.x the flat details).
  - O(state=absent) unregisters it.
  - The lookup services of the Manager Service and of the replicator must be configured first
    (M(cloudmove.vcda.vcda_lookup_service) with O(cloudmove.vcda.vcda_lookup_service#module:appliance_type=manager)
    and V(replicator)).
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: No root or SSO password is shown.
options:
  replicator_url:
    description: API URL of the replicator, for example V(https://replicator.example.com:8043).
    type: str
    required: true
  replicator_thumbprint:
    description: SHA-256 thumbprint of the replicator's certificate. Required with O(state=present).
    type: str
  replicator_password:
    description: Root password of the replicator. Required with O(state=present).
    type: str
  sso_user:
    description: vSphere SSO administrator of the manager's lookup service. Required with O(state=present).
    type: str
  sso_password:
    description: Password of O(sso_user). Required with O(state=present).
    type: str
  owner:
    description: V(*) for a multi-tenant replicator, V(<org>@<site>) for one dedicated to an organization.
    type: str
    default: '*'
  description:
    description:
      - Description of the replicator, set at registration.
      - On 4.x a different live value is corrected by a repair (C(POST /replicators/{id}/reset-cookie) with the
        description, an inferred effect); on 3.x, whose repair has no description, it is reported as a warning.
    type: str
  site:
    description: Site of the replicator. Defaults to the manager's site (its C(GET /config) C(site)).
    type: str
  state:
    description: V(present) registers (or repairs), V(absent) unregisters.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Register the replicator of site1 at the Manager Service (https://<cloud>:8441)
  cloudmove.vcda.vcda_replicator:
    url: https://127.0.1.11:8441
    thumbprint: "{{ manager_thumbprint }}"
    password: "{{ vcda_root_password }}"
    replicator_url: https://127.0.1.12:8043
    replicator_thumbprint: "{{ replicator_thumbprint }}"
    replicator_password: "{{ vcda_root_password }}"
    sso_user: administrator@vsphere.local
    sso_password: "{{ sso_password }}"
    description: site1 replicator
"""

RETURN = r"""
replicator:
  description: The registered replicator (C(id), C(apiUrl), C(certThumbprint), C(owner), C(site), C(description), C(state)).
  returned: when registered (or would be, in check mode)
  type: dict
action:
  description: What was done (V(register), V(repair), V(unregister)) or null.
  returned: always
  type: str
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule

VIEW = ("apiUrl", "certThumbprint", "owner", "site", "description")


def _view(item):
    if not item:
        return {}
    view = dict((k, item.get(k)) for k in VIEW)
    if view.get("certThumbprint"):
        view["certThumbprint"] = normalize_thumbprint(view["certThumbprint"])
    return view


def run(mod):
    p = mod.params
    client = mod.vcda
    thumbprint = (normalize_thumbprint(p["replicator_thumbprint"], "replicator_thumbprint")
                  if p["state"] == "present" else None)  # bad input fails before any call
    client.require_replicator_owner("url")  # 4.x: the Manager Service (:8441), not the Cloud Service
    live = client.find_replicator(p["replicator_url"])
    rec = mod.reconciler()
    if p["state"] == "absent":
        outcome = rec.act(live is not None, _view(live), {}, action="unregister",
                          apply=lambda: client.delete_replicator(live["id"]))
        return mod.result(outcome, action=outcome.action)
    details = {"apiUrl": p["replicator_url"], "apiThumbprint": thumbprint, "rootPassword": p["replicator_password"],
               "ssoUser": p["sso_user"], "ssoPassword": p["sso_password"]}
    if live is None:
        site = p["site"] or client.replicator_site()
        if not site and mod.check_mode:
            # a fresh site previewed in check mode: the vcda_cloud_site task before this one only predicted the site
            mod.warn("check mode: the manager has no site yet; the replicator is predicted to be registered in the "
                     "site an earlier vcda_cloud_site task configures")
        elif not site:
            raise InputError("site: the manager has no site yet; configure it first (vcda_cloud_site site_name)",
                             option="site")
        wanted = {"apiUrl": p["replicator_url"], "certThumbprint": thumbprint, "owner": p["owner"], "site": site,
                  "description": p["description"]}
        outcome = rec.act(True, {}, None, obj=wanted, action="register", apply=lambda: client.add_replicator(
            site, details, p["owner"], p["description"]) or client.find_replicator(p["replicator_url"]) or wanted)
    else:
        # 4.x: the repair sets the description too [I], so a drifted description is repaired; otherwise it is reported
        describe = bool(client.path("reset_cookie_nested")) and inferred.RESET_COOKIE_SETS_DESCRIPTION
        new_description = p["description"] is not None and live.get("description") != p["description"] and describe
        for key in ("owner", "description", "site"):
            if p[key] is not None and live.get(key) != p[key] and not (key == "description" and describe):
                mod.warn("%s: the registered replicator has %s '%s', not '%s'; unregister it (state=absent) and "
                         "register again to change it" % (key, key, live.get(key), p[key]))
        description = p["description"] if new_description else live.get("description")
        repair = normalize_thumbprint(live.get("certThumbprint")) != thumbprint or new_description
        item = dict(live, certThumbprint=thumbprint, description=description) if repair else live
        outcome = rec.act(repair, _view(live), None, obj=item, action="repair", apply=lambda: (
            client.reset_replicator_cookie(live["id"], details, description)
            or client.find_replicator(p["replicator_url"]) or item))
    outcome.after = _view(outcome.obj)
    return mod.result(outcome, replicator=outcome.obj, action=outcome.action)


def main():
    module = VcdaModule(
        dict(
            replicator_url=dict(type="str", required=True),
            replicator_thumbprint=dict(type="str"),
            replicator_password=dict(type="str", no_log=True),
            sso_user=dict(type="str"),
            sso_password=dict(type="str", no_log=True),
            owner=dict(type="str", default="*"),
            description=dict(type="str"),
            site=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        required_if=[("state", "present", ("replicator_thumbprint", "replicator_password", "sso_user", "sso_password"))],
    )
    module.run(run)


if __name__ == "__main__":
    main()
