"""Replication policies of a cloud site (docs/api/vcda.md#policies): ``GET/POST /policies``,
``GET/PUT/DELETE /policies/{id}``, ``GET /policies/{id}/status`` [C: PSC path, I: body] and
``PATCH /policies/{id}/orgs/{org}`` (assignment: 202, no body).

Shapes as the public clients read them (docs/api/vcda.md#corrections point 5): ``GET /policies`` is a plain array
[C: PSC Get-vCAVTenantPolicy]; each API version takes exactly its own fields (4.1 / 4.5 / 4.7,
``schemas.policy_schema``); ``onpremDataCap`` is accepted but never read back; ``/status`` is a
list of objects with ``org`` [C: PSC Remove-vCAVTenantPolicy].

Per site: policies and assignments live in this appliance's state only (they are not shared with
paired sites). The built-in ``default`` policy forbids replication; an org has exactly one
policy, ``default`` until another is assigned; assigning moves the org. Org names are checked
against the organizations of the Cloud Director this site is configured with
(``checks.vcd_orgs``). API 4.1+ bodies carry the split direction flags, 4.0 and 3.x
``allowIncoming``/``allowOutgoing`` [I boundary].

Who reads what [I]: the provider (System) reads every policy; an organization user reads the policy assigned
to its org only - ``GET /policies`` is a one-item array with it (the tenant portal shows the org its policy and
the replication pre-checks need its limits), ``GET /policies/{id}`` of another policy is 403; creating, changing,
assigning and ``/status`` stay provider-only. ``?site=`` of a paired cloud site reads that site's policies (its
own state), which needs the session extended to it (``POST /sessions/extend``) as every cross-site call.
"""
from __future__ import annotations

import copy
import uuid

from ..common.appliance import Endpoint
from . import api_sites, checks, inferred, schemas


def split_directions(appliance):
    return appliance.features.v >= inferred.SPLIT_POLICY_FROM


def _default(appliance):
    if split_directions(appliance):
        fields = schemas.policy_schema(appliance.features.v).field_names()
        body = {k: v for k, v in inferred.DEFAULT_POLICY_4X.items() if k in fields}
    else:
        body = inferred.DEFAULT_POLICY_3X
    return dict(copy.deepcopy(body), id=inferred.DEFAULT_POLICY_ID)


def policies(appliance, state=None):
    state = state or appliance.state
    return state.get("policies") or {inferred.DEFAULT_POLICY_ID: _default(appliance)}


def assignments(state):
    return state.get("policyAssignments") or {}


def _check_site_param(call):
    """``?site=`` of a write: the local site (or absent). Writing a paired remote site's policies is not emulated."""
    site = call.request.args.get("site")
    appliance = call.appliance
    if not site or site == appliance.local_site():
        return
    if api_sites.find_record(appliance, site) is None:
        raise inferred.site_not_found(site)
    raise inferred.bad_input("Lab: ?site= for the remote site '%s' is not emulated; call that site directly." % site, site)


def _is_system(principal):
    return "ADMINISTRATORS" in principal.get("roles", []) or str(principal.get("org", "")).lower() == "system"


def _read_site(call):
    """The appliance whose policies a read shows: this one, or with ``?site=`` a paired cloud site (its session must
    be extended to that site)."""
    site = call.request.args.get("site")
    appliance = call.appliance
    if not site or site == appliance.local_site():
        return appliance
    if api_sites.find_record(appliance, site) is None:
        raise inferred.site_not_found(site)
    if site not in {e.get("site") for e in call.principal.get("extendedSites") or []}:
        raise inferred.not_extended(site)
    from . import replication_backends  # pylint: disable=import-outside-toplevel  # (it imports the lab fabric)
    remote = replication_backends.site_appliance(appliance, site, "cloud")
    if remote is None:
        raise inferred.site_not_found(site)
    return remote


def org_policy_id(state, org):
    """The id of the policy assigned to ``org`` (case-insensitive), ``default`` when none is."""
    current = assignments(state)
    return current.get(org) or next((p for o, p in current.items() if o.lower() == str(org).lower()),
                                    inferred.DEFAULT_POLICY_ID)


def _readable(call, appliance, state):
    """The policies the caller may read at ``appliance``: all of them for System, the org's own otherwise."""
    items = policies(appliance, state)
    if _is_system(call.principal):
        return items
    pid = org_policy_id(state, call.principal.get("org", ""))
    own = items.get(pid) or items.get(inferred.DEFAULT_POLICY_ID) or _default(appliance)
    return {own["id"]: own}


def view(appliance, policy, state=None):
    state = state or appliance.state
    out = {k: v for k, v in policy.items() if k not in schemas.POLICY_WRITE_ONLY}
    out["orgs"] = sum(1 for pid in assignments(state).values() if pid == policy["id"])
    return out


def _find(appliance, policy_id, state=None):
    found = policies(appliance, state).get(policy_id)
    if found is None:
        raise inferred.entity_not_found("Policy", policy_id)
    return found


def _validate(appliance, body, policy_id=None):
    checks_ = [("minRpo", inferred.MIN_RPO, inferred.MAX_RPO), ("maxInstances", inferred.MIN_INSTANCES, inferred.MAX_INSTANCES)]
    for field, low, high in checks_:
        if not low <= body[field] <= high:
            raise inferred.out_of_range(field, body[field], low, high)
    if "maxPinnedInstances" in body and not 0 <= body["maxPinnedInstances"] <= body["maxInstances"]:
        raise inferred.out_of_range("maxPinnedInstances", body["maxPinnedInstances"], 0, body["maxInstances"])
    if not body["displayName"].strip():
        raise inferred.bad_input("Field 'displayName' must not be empty.", "displayName")
    for other in policies(appliance).values():
        if other["id"] != policy_id and other["displayName"].lower() == body["displayName"].lower():
            raise inferred.policy_name_taken(body["displayName"])
    if policy_id == inferred.DEFAULT_POLICY_ID and body["displayName"] != "default":
        raise inferred.default_policy_protected("renamed")


def _save(appliance, policy):
    with appliance.store.edit() as state:
        current = policies(appliance, state)
        current[policy["id"]] = policy
        state["policies"] = current
    return view(appliance, policy)


def list_policies(call):
    appliance = _read_site(call)
    args = call.request.args
    try:
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 100))
    except ValueError:
        raise inferred.bad_input("offset and limit must be integers.") from None
    state = appliance.state
    items = sorted(_readable(call, appliance, state).values(),
                   key=lambda p: (p["id"] != inferred.DEFAULT_POLICY_ID, p["displayName"]))
    return [view(appliance, p, state) for p in items[offset:offset + limit]]  # a plain array [C: PSC]


def get_policy(call, policy_id):
    appliance = _read_site(call)
    state = appliance.state
    found = _find(appliance, policy_id, state)
    if policy_id not in _readable(call, appliance, state):
        raise inferred.forbidden()
    return view(appliance, found, state)


def create_policy(call):
    _check_site_param(call)
    _validate(call.appliance, call.body)
    return _save(call.appliance, dict(call.body, id=str(uuid.uuid4())))


def update_policy(call, policy_id):
    _check_site_param(call)
    _find(call.appliance, policy_id)
    _validate(call.appliance, call.body, policy_id)
    return _save(call.appliance, dict(call.body, id=policy_id))


def delete_policy(call, policy_id):
    _check_site_param(call)
    appliance = call.appliance
    _find(appliance, policy_id)
    if policy_id == inferred.DEFAULT_POLICY_ID:
        raise inferred.default_policy_protected("deleted")
    with appliance.store.edit() as state:
        current = policies(appliance, state)
        del current[policy_id]
        state["policies"] = current
        # [I] the orgs of a deleted policy fall back to the default policy
        state["policyAssignments"] = {o: p for o, p in assignments(state).items() if p != policy_id}
    return 204, None


def policy_status(call, policy_id):
    _check_site_param(call)
    appliance = call.appliance
    state = appliance.state
    policy = _find(appliance, policy_id, state)
    if policy_id == inferred.DEFAULT_POLICY_ID:
        orgs = [o for o in checks.vcd_orgs(appliance.lab, state.get("vcloud")) if o not in assignments(state)]
    else:
        orgs = sorted(o for o, p in assignments(state).items() if p == policy_id)
    # [C: PSC Remove-vCAVTenantPolicy reads $objOrg.org of each item]; the other item keys are [I].
    return [{"org": org, "policyId": policy_id, "policyName": policy["displayName"]} for org in orgs]


def assign_policy(call, policy_id, org):
    _check_site_param(call)
    appliance = call.appliance
    state = appliance.state
    _find(appliance, policy_id, state)
    if not state.get("vcloud"):
        raise inferred.prerequisite_missing("assign a policy", "configure Cloud Director (POST /config/vcloud)")
    known = checks.vcd_orgs(appliance.lab, state.get("vcloud"))
    match = [o for o in known if o.lower() == org.lower()]
    if not match:
        raise inferred.org_not_found(org)
    with appliance.store.edit() as draft:
        current = assignments(draft)
        if policy_id == inferred.DEFAULT_POLICY_ID:
            current.pop(match[0], None)
        else:
            current[match[0]] = policy_id
        draft["policyAssignments"] = current
    return 202, None  # [S] 202 with no body


def endpoints(appliance):
    if appliance.spec.type != "cloud":
        return []
    schema = schemas.policy_schema(appliance.features.v)
    return [
        Endpoint("GET", "/policies", list_policies, flags={"admin": False}),
        Endpoint("POST", "/policies", create_policy, body="json", schema=schema),
        Endpoint("GET", "/policies/<policy_id>", get_policy, flags={"admin": False}),
        Endpoint("PUT", "/policies/<policy_id>", update_policy, body="json", schema=schema),
        Endpoint("DELETE", "/policies/<policy_id>", delete_policy),
        Endpoint("GET", "/policies/<policy_id>/status", policy_status),
        Endpoint("PATCH", "/policies/<policy_id>/orgs/<org>", assign_policy),
    ]
