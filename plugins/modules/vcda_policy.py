#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_policy
short_description: Manage a replication policy of a Cloud Director Availability site and the orgs assigned to it
version_added: 0.1.0
description:
  - Creates, updates or deletes the replication policy O(name) (its display name) on the cloud site at O(url)
    (C(/policies)), and assigns it to organizations (C(PATCH /policies/{id}/orgs/{org})).
  - Policies and their assignments are per site; they are not shared between paired sites. Run the module
    against every site that needs the policy.
  - The built-in V(default) policy forbids replication. An organization has exactly one policy, so assigning
    this policy moves the organization from its previous one; O(orgs_state=exact) moves organizations that are
    not listed back to V(default).
  - Options left unset keep the live value; on creation they take the defaults given below.
  - Ranges are checked before any call.
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Predicts the policy and the assignments, changes nothing.
  diff_mode:
    support: full
    details: Shows the managed policy fields and the assigned orgs.
options:
  name:
    description: Display name of the policy (unique on the site). V(default) is the built-in policy.
    type: str
    required: true
  state:
    description: V(absent) deletes the policy (its organizations fall back to V(default)).
    type: str
    choices: [present, absent]
    default: present
  allow_incoming_protections:
    description: Allow protections to this site (API 4.1 and later). Default V(false) on creation.
    type: bool
  allow_incoming_migrations:
    description: Allow migrations to this site (API 4.1 and later). Default V(false).
    type: bool
  allow_outgoing_protections:
    description: Allow protections from this site (API 4.1 and later). Default V(false).
    type: bool
  allow_outgoing_migrations:
    description: Allow migrations from this site (API 4.1 and later). Default V(false).
    type: bool
  allow_outgoing_onprem_protections:
    description: Allow protections from this cloud site to on-premises sites (API 4.7 and later). Default V(false).
    type: bool
  allow_outgoing_onprem_migrations:
    description: Allow migrations from this cloud site to on-premises sites (API 4.5 and later). Default V(false).
    type: bool
  allow_incoming:
    description: Allow replications to this site (API 4.0 and 3.x only). Default V(false).
    type: bool
  allow_outgoing:
    description: Allow replications from this site (API 4.0 and 3.x only). Default V(false).
    type: bool
  allow_custom_sla_settings:
    description: Let tenants use custom SLA settings (API 4.1 and later). Default V(false).
    type: bool
  allow_advanced_retention_rules:
    description: Let tenants use advanced retention rules (API 4.5 and later). Default V(false).
    type: bool
  allow_notification_configuration:
    description: Let tenants configure notifications (API 4.1 and later). Default V(false).
    type: bool
  max_replicated_vms:
    description:
      - Maximum number of VMs replicated to this site, V(0) when this site may not be a destination,
        or V(unlimited). Default V(unlimited) on creation.
    type: raw
  max_instances:
    description: Maximum number of retained instances (point-in-time copies) per replication, 1 to 24. Default V(24).
    type: int
  max_pinned_instances:
    description: Maximum number of pinned instances, 0 to O(max_instances) (API 4.1 and later). Default V(0).
    type: int
  min_rpo:
    description: Minimum RPO in minutes, 5 (5 minutes) to 1440 (24 hours). Default V(15).
    type: int
  onprem_data_cap:
    description:
      - Cap of data replicated from on-premises sites, in GB, or V(unlimited) (API 4.5 and later).
        Default V(unlimited).
      - The appliance accepts it but never returns it, so it is sent on creation and with every update and is
        never compared; a value changed on the appliance is not detected.
    type: raw
  orgs:
    description: Organization names (Cloud Director short names) to assign this policy to.
    type: list
    elements: str
  orgs_state:
    description:
      - V(present) assigns O(orgs) and leaves other organizations alone; V(exact) also moves organizations that
        have this policy but are not listed back to V(default).
    type: str
    choices: [present, exact]
    default: present
"""

EXAMPLES = r"""
- name: Gold policy on site1, for org1
  cloudmove.vcda.vcda_policy:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    password: "{{ vcda_root_password }}"
    name: Gold
    allow_incoming_protections: true
    allow_incoming_migrations: true
    allow_outgoing_protections: true
    allow_outgoing_migrations: true
    max_replicated_vms: unlimited
    max_instances: 24
    min_rpo: 15
    orgs: [org1]
"""

RETURN = r"""
policy:
  description: The policy as the site returns it (with C(id)), plus C(orgs) as the list of assigned org names.
  returned: always
  type: dict
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import reconcile_set
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.policy import (
    WRITE_ONLY,
    comparable,
    fields_for,
    policy_desired,
    to_api,
    to_options,
    uses_split_directions,
    validate,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError


def run(mod):
    p = mod.params
    validate(p)  # ranges before any call
    client = mod.vcda
    live_policy = client.find_policy(p["name"])
    split = uses_split_directions(client.version)
    wanted = policy_desired(p, client.version)
    desired = comparable(wanted, live_policy, split)  # only what the server reads back is compared
    live = dict(to_options(live_policy, split), orgs=client.policy_orgs(live_policy["id"])) if live_policy else None
    reconciler = mod.reconciler(unordered_keys=("orgs",))
    if p["state"] == "absent":
        if p["name"] == inferred.DEFAULT_POLICY_ID:
            raise InputError("name: the default policy cannot be deleted", option="name")
        outcome = reconciler.absent(live, delete=lambda _obj: client.delete_policy(live_policy["id"]))
        return mod.result(outcome, policy={})
    wanted_orgs = p["orgs"]
    if wanted_orgs is not None and client.predicted_fresh:
        # check mode on a fresh site: the site knows no organization until its Cloud Director is registered
        mod.warn("check mode: the organizations (orgs) are not checked; the site knows them once an earlier "
                 "vcda_cloud_site task registers its Cloud Director")
    elif wanted_orgs is not None:
        known = client.all_orgs()
        unknown = sorted(set(wanted_orgs) - set(known))
        if unknown:
            raise InputError("orgs: %s not known to this site (known: %s)" % (", ".join(unknown), ", ".join(known) or "none"),
                             option="orgs")
        to_add, to_remove = reconcile_set((live or {}).get("orgs"), wanted_orgs,
                                          "exact" if p["orgs_state"] == "exact" else "present")
        desired["orgs"] = sorted(set((live or {}).get("orgs") or []) - set(to_remove) | set(to_add))
    fields = fields_for(client.version)
    state = {"id": live_policy["id"] if live_policy else None}

    def create(want):
        body = to_api(dict((k, wanted.get(k)) for k in fields), client.version, p["name"], defaults=True)
        state["id"] = client.create_policy(body)["id"]
        assign(want.get("orgs") or [], [])

    def update(current, delta):
        if set(delta) - set(["orgs"]):
            merged = dict((k, current.get(k)) for k in fields)
            merged.update((k, wanted[k]) for k in WRITE_ONLY if wanted.get(k) is not None)  # sent when set, never read
            merged.update((k, v) for k, v in delta.items() if k != "orgs")
            client.update_policy(state["id"], to_api(merged, client.version, p["name"]))
        if "orgs" in delta:
            add, remove = reconcile_set(current.get("orgs"), delta["orgs"], "exact")
            assign(add, remove)

    def assign(add, remove):
        for org in add:
            client.assign_policy(state["id"], org)
        for org in remove:
            client.assign_policy(inferred.DEFAULT_POLICY_ID, org)

    def reread():
        fresh = client.find_policy(p["name"])
        return dict(fresh, orgs=client.policy_orgs(fresh["id"]))

    outcome = reconciler.present(live, desired, create=create, update=update)
    policy = reconciler.follow(outcome, reread) or (dict(live_policy, orgs=live["orgs"]) if live_policy else outcome.after)
    return mod.result(outcome, policy=policy)


def main():
    flag = dict(type="bool")
    module = VcdaModule(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        allow_incoming_protections=flag, allow_incoming_migrations=flag, allow_outgoing_protections=flag,
        allow_outgoing_migrations=flag, allow_outgoing_onprem_protections=flag, allow_outgoing_onprem_migrations=flag,
        allow_incoming=flag, allow_outgoing=flag, allow_custom_sla_settings=flag, allow_advanced_retention_rules=flag,
        allow_notification_configuration=flag,
        max_replicated_vms=dict(type="raw"), max_instances=dict(type="int"), max_pinned_instances=dict(type="int"),
        min_rpo=dict(type="int"), onprem_data_cap=dict(type="raw"),
        orgs=dict(type="list", elements="str"),
        orgs_state=dict(type="str", default="present", choices=["present", "exact"]),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
