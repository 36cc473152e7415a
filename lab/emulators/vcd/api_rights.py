"""Rights (docs/api/vcd-nsx.md#rights): the rights catalog, legacy org rights (XML) and OpenAPI rights bundles, global
roles and tenant roles with their ``/rights`` and ``/tenants`` publish endpoints."""
from __future__ import annotations

import uuid

from ..common.appliance import Endpoint
from ..common.schema import Bool, List, Obj, Schema, Str
from ..common.xmlbody import El, XmlSchema, children, xml_response
from . import inferred, openapi
from .api_sessions import NS, link, vroot, vsub
from .media import xml_type

ORG_RIGHTS_TYPE = "application/vnd.vmware.admin.org.rights+xml"
REF_ATTRS = {"href": True, "name": False, "type": False, "id": False}
ORG_RIGHTS = XmlSchema(El("OrgRights", [El("VCloudExtension", max=None, open_content=True), El("Link", max=None, attrs=dict(REF_ATTRS, rel=True)),
                                        El("RightReference", max=None, attrs=REF_ATTRS)],
                          attrs={"href": False, "type": False, "id": False, "name": False, "operationKey": False}), ns=NS)

REF = Schema({"name": Str(nullable=True), "id": Str(required=True)})
REFS = Schema({"values": List(Obj(REF), required=True)})
BUNDLE = Schema({"id": Str(nullable=True), "name": Str(required=True), "description": Str(nullable=True, allow_empty=True),
                 "bundleKey": Str(nullable=True), "readOnly": Bool(nullable=True), "publishAll": Bool(nullable=True)})
ROLE = Schema({"id": Str(nullable=True), "name": Str(required=True), "description": Str(required=True, allow_empty=True),
               "bundleKey": Str(nullable=True), "readOnly": Bool(nullable=True)})
CATALOG = {r["id"]: r for r in inferred.right_catalog()}


# ----- catalog -----------------------------------------------------------------------------------
def right_json(right):
    return {"name": right["name"], "id": "urn:vcloud:right:" + right["id"], "description": right["name"],
            "bundleKey": "RIGHT_" + right["id"][:8].upper(), "category": "urn:vcloud:rightsCategory:" + right["category"],
            "serviceNamespace": "com.vmware.vcloud", "rightType": right["rightType"], "impliedRights": []}


def list_rights(call):
    return openapi.page([right_json(r) for r in CATALOG.values()], call.request.args)


def get_right_json(call, urn):
    right = CATALOG.get(urn.rsplit(":", 1)[-1]) if urn.startswith("urn:vcloud:right:") else None
    if right is None:
        raise inferred.not_found(urn)
    return right_json(right)


def _right_ref(parent, appliance, right_id, media):
    right = CATALOG[right_id]
    return vsub(parent, "RightReference", href=appliance.href("/api/admin/right/" + right_id), name=right["name"],
                type=xml_type("admin.right", media))


def admin_root(call):
    """``/api/admin``: a provider sees every org and the rights catalog, an org administrator its own org."""
    appliance = call.appliance
    system = call.principal["system"]
    mtype = xml_type("admin.vcloud", call.media)
    root = vroot("VCloud", name="vCloud", href=appliance.href("/api/admin"), type=mtype)
    orgs = vsub(root, "OrganizationReferences")
    for org in appliance.state["orgs"].values():
        if system or org["id"] == call.principal["orgId"]:
            vsub(orgs, "OrganizationReference", href=appliance.href("/api/admin/org/" + org["id"]), name=org["name"],
                 type=xml_type("admin.organization", call.media))
    if system:
        refs = vsub(root, "RightReferences")
        for right_id in CATALOG:
            _right_ref(refs, appliance, right_id, call.media)
    return xml_response(200, root, mtype)


def admin_org(call, org_id):
    """``/api/admin/org/{id}`` (AdminOrg): its VDCs and its ``RightReferences`` with the ``add``/``edit`` links
    pyvcloud's ``Org.add_rights`` / ``remove_rights`` follow (a provider only: org rights are the provider's)."""
    appliance = call.appliance
    state = appliance.state
    org = state["orgs"].get(org_id)
    if org is None or not call.principal["system"] and org_id != call.principal["orgId"]:
        raise inferred.not_found("urn:vcloud:org:" + org_id)
    mtype = xml_type("admin.organization", call.media)
    href = appliance.href("/api/admin/org/" + org_id)
    rights_href = href + "/rights"
    rights_type = xml_type("admin.org.rights", call.media)
    root = vroot("AdminOrg", name=org["name"], id="urn:vcloud:org:" + org_id, href=href, type=mtype)
    link(root, "alternate", appliance.href("/api/org/" + org_id), xml_type("vcloud.org", call.media))
    link(root, "down", rights_href, rights_type)
    if call.principal["system"]:
        link(root, "edit", href, mtype)
    vsub(root, "Description", "")
    vsub(root, "FullName", org["fullName"])
    vsub(root, "IsEnabled", org["enabled"])
    vdcs = vsub(root, "Vdcs")
    for vdc in state["vdcs"].values():
        if vdc["org"] == org_id:
            vsub(vdcs, "Vdc", href=appliance.href("/api/admin/vdc/" + vdc["id"]), name=vdc["name"], type=xml_type("admin.vdc", call.media))
    refs = vsub(root, "RightReferences", href=rights_href, type=rights_type)
    if call.principal["system"]:
        link(refs, "add", rights_href, rights_type)
        link(refs, "edit", rights_href, rights_type)
        link(refs, "remove", rights_href, None)
    for right_id in org["rights"]:
        _right_ref(refs, appliance, right_id, call.media)
    return xml_response(200, root, mtype)


def admin_right(call, right_id):
    call.appliance.require_system(call)
    right = CATALOG.get(right_id)
    if right is None:
        raise inferred.not_found("urn:vcloud:right:" + right_id)
    mtype = xml_type("admin.right", call.media)
    root = vroot("Right", name=right["name"], id="urn:vcloud:right:" + right_id, href=call.appliance.href("/api/admin/right/" + right_id),
                 type=mtype)
    vsub(root, "Description", right["name"])
    vsub(root, "Category", right["category"])
    vsub(root, "BundleKey", "RIGHT_" + right_id[:8].upper())
    vsub(root, "RightType", right["rightType"])
    return xml_response(200, root, mtype)


# ----- legacy org rights --------------------------------------------------------------------------
def _org(call, org_id):
    call.appliance.require_system(call)
    org = call.appliance.state["orgs"].get(org_id)
    if org is None:
        raise inferred.not_found("urn:vcloud:org:" + org_id)
    return org


def _org_rights_reply(call, org_id, rights):
    appliance = call.appliance
    mtype = xml_type("admin.org.rights", call.media)
    root = vroot("OrgRights", href=appliance.href("/api/admin/org/%s/rights" % org_id), type=mtype)
    link(root, "up", appliance.href("/api/admin/org/" + org_id), xml_type("admin.organization", call.media))
    link(root, "edit", appliance.href("/api/admin/org/%s/rights" % org_id), mtype)
    for right_id in rights:
        _right_ref(root, appliance, right_id, call.media)
    return xml_response(200, root, mtype)


def _rights_from_xml(body):
    out = []
    for ref in children(body, "RightReference", ns=NS):
        right_id = ref.get("href").rstrip("/").rsplit("/", 1)[-1]
        if right_id not in CATALOG or "/api/admin/right/" not in ref.get("href"):
            raise inferred.bad_request("The right reference %s does not name an existing right." % ref.get("href"), ref.get("href"))
        name = ref.get("name")
        if name is not None and name != CATALOG[right_id]["name"]:
            raise inferred.bad_request("The right %s is named '%s', not '%s'." % (right_id, CATALOG[right_id]["name"], name), name)
        if right_id not in out:
            out.append(right_id)
    return out


def get_org_rights(call, org_id):
    return _org_rights_reply(call, org_id, _org(call, org_id)["rights"])


def add_org_rights(call, org_id):
    _org(call, org_id)
    new = _rights_from_xml(call.body)
    with call.appliance.store.edit() as state:
        rights = state["orgs"][org_id]["rights"]
        rights.extend(r for r in new if r not in rights)
    return _org_rights_reply(call, org_id, rights)


def put_org_rights(call, org_id):
    _org(call, org_id)
    new = _rights_from_xml(call.body)
    with call.appliance.store.edit() as state:
        state["orgs"][org_id]["rights"] = new
    return _org_rights_reply(call, org_id, new)


def delete_org_rights(call, org_id):
    _org(call, org_id)
    with call.appliance.store.edit() as state:
        state["orgs"][org_id]["rights"] = []
    return 204, None


def delete_org_right(call, org_id, right_id):
    org = _org(call, org_id)
    if right_id not in org["rights"]:
        raise inferred.not_found("urn:vcloud:right:" + right_id)
    with call.appliance.store.edit() as state:
        state["orgs"][org_id]["rights"].remove(right_id)
    return 204, None


# ----- bundles, global roles, tenant roles --------------------------------------------------------
KINDS = {"bundles": ("rightsBundle", BUNDLE), "globalRoles": ("globalRole", BUNDLE), "roles": ("role", ROLE)}


def _public(kind, item):
    out = {"id": "urn:vcloud:%s:%s" % (KINDS[kind][0], item["id"]), "name": item["name"], "description": item["description"],
           "bundleKey": item["bundleKey"], "readOnly": item["readOnly"]}
    if kind != "roles":
        out["publishAll"] = item["publishAll"]
    return out


def _items(call, kind, state=None):
    appliance = call.appliance
    state = state or appliance.state
    if kind == "roles":
        org_id = appliance.scope_org(call, required=True)
        return {r["id"]: r for r in appliance.tenant_roles(org_id, state)}, org_id
    appliance.require_system(call)
    return state[kind], None


def _find(call, kind, urn, state=None):
    items, org_id = _items(call, kind, state)
    prefix = "urn:vcloud:%s:" % KINDS[kind][0]
    item = items.get(urn[len(prefix):]) if urn.startswith(prefix) else None
    if item is None:
        raise inferred.not_found(urn)
    return item, org_id


def list_kind(kind):
    def handler(call):
        items, _org_id = _items(call, kind)
        return openapi.page([_public(kind, i) for i in sorted(items.values(), key=lambda i: i["name"])], call.request.args)
    return handler


def create_kind(kind):
    def handler(call):
        items, org_id = _items(call, kind)
        body = call.body
        if any(i["name"] == body["name"] for i in items.values()):
            raise inferred.error(400, "DUPLICATE_NAME", "An object named '%s' already exists." % body["name"], body["name"])
        new_id = str(uuid.uuid4())
        item = {"id": new_id, "name": body["name"], "description": body.get("description") or "",
                "bundleKey": body.get("bundleKey") or "com.vmware.lab." + new_id[:8], "readOnly": False, "rights": []}
        if kind == "roles":
            item.update(org=org_id, globalRole=None)
        else:
            item.update(publishAll=False, tenants=[])
        with call.appliance.store.edit() as state:
            state[kind][new_id] = item
        return 201, _public(kind, item)
    return handler


def get_kind(kind):
    def handler(call, urn):
        return _public(kind, _find(call, kind, urn)[0])
    return handler


def _writable(item):
    if item.get("readOnly") or item.get("globalRole"):
        raise inferred.bad_request("'%s' is read-only%s." % (item["name"], "; edit the global role" if item.get("globalRole") else ""))


def put_kind(kind):
    def handler(call, urn):
        item, _org_id = _find(call, kind, urn)
        _writable(item)
        body = call.body
        if body.get("id") not in (None, urn):
            raise inferred.bad_request("The id in the body does not match the URL.", body.get("id"))
        with call.appliance.store.edit() as state:
            stored = state[kind][item["id"]]
            stored.update(name=body["name"], description=body.get("description") or "")
            if kind != "roles" and body.get("publishAll") is not None:
                stored["publishAll"] = body["publishAll"]
            result = _public(kind, stored)
        return result
    return handler


def delete_kind(kind):
    def handler(call, urn):
        item, _org_id = _find(call, kind, urn)
        _writable(item)
        with call.appliance.store.edit() as state:
            del state[kind][item["id"]]
        return 204, None
    return handler


def _refs_to_ids(values, prefix, known):
    out = []
    for ref in values:
        if not ref["id"].startswith(prefix) or ref["id"][len(prefix):] not in known:
            raise inferred.bad_request("No such entity: %s" % ref["id"], ref["id"])
        if ref["id"][len(prefix):] not in out:
            out.append(ref["id"][len(prefix):])
    return out


def _rights_page(call, ids):
    refs = [{"name": CATALOG[r]["name"], "id": "urn:vcloud:right:" + r} for r in ids if r in CATALOG]
    return openapi.page(refs, call.request.args)


def get_rights(kind):
    def handler(call, urn):
        return _rights_page(call, _find(call, kind, urn)[0]["rights"])
    return handler


def change_rights(kind, replace):
    def handler(call, urn):
        appliance = call.appliance
        item, org_id = _find(call, kind, urn)
        _writable(item)
        new = _refs_to_ids(call.body["values"], "urn:vcloud:right:", CATALOG)
        if kind == "roles":
            missing = [r for r in new if r not in appliance.effective_rights(org_id)]
            if missing:
                raise inferred.bad_request("The organization does not have the right '%s' (publish a rights bundle holding it first)."
                                           % CATALOG[missing[0]]["name"], "urn:vcloud:right:" + missing[0])
        with appliance.store.edit() as state:
            stored = state[kind][item["id"]]
            stored["rights"] = new if replace else stored["rights"] + [r for r in new if r not in stored["rights"]]
            rights = list(stored["rights"])
        return _rights_page(call, rights)
    return handler


def _tenant_orgs(appliance, item, state=None):
    state = state or appliance.state
    orgs = [o for o in state["orgs"].values() if o["name"] != "System" and (item["publishAll"] or o["id"] in item["tenants"])]
    return [{"name": o["name"], "id": "urn:vcloud:org:" + o["id"]} for o in sorted(orgs, key=lambda o: o["name"])]


def get_tenants(kind):
    def handler(call, urn):
        return openapi.page(_tenant_orgs(call.appliance, _find(call, kind, urn)[0]), call.request.args)
    return handler


def change_tenants(kind, action):
    def handler(call, urn):
        appliance = call.appliance
        item, _org_id = _find(call, kind, urn)
        orgs = {o["id"] for o in appliance.state["orgs"].values() if o["name"] != "System"}
        given = _refs_to_ids(call.body["values"], "urn:vcloud:org:", orgs) if action in ("put", "publish", "unpublish") else []
        with appliance.store.edit() as state:
            stored = state[kind][item["id"]]
            if action == "put":
                stored.update(tenants=given, publishAll=False)
            elif action == "publish":
                stored["tenants"] += [o for o in given if o not in stored["tenants"]]
            elif action == "unpublish":
                stored["tenants"] = [o for o in stored["tenants"] if o not in given]
            elif action == "publishAll":
                stored["publishAll"] = True
            else:
                stored.update(publishAll=False, tenants=[])
            result = _tenant_orgs(appliance, stored, state)
        return {"values": result} if action != "put" else openapi.page(result, call.request.args)
    return handler


def endpoints(appliance):
    x, j = appliance.xml_media, appliance.json_media
    org_types = (ORG_RIGHTS_TYPE,)
    eps = [
        Endpoint("GET", "/api/admin", admin_root, media=x),
        Endpoint("GET", "/api/admin/right/<right_id>", admin_right, media=x),
        Endpoint("GET", "/api/admin/org/<org_id>", admin_org, media=x),
        Endpoint("GET", "/api/admin/org/<org_id>/rights", get_org_rights, media=x),
        Endpoint("POST", "/api/admin/org/<org_id>/rights", add_org_rights, media=x, body="xml", schema=ORG_RIGHTS, content_types=org_types),
        Endpoint("PUT", "/api/admin/org/<org_id>/rights", put_org_rights, media=x, body="xml", schema=ORG_RIGHTS, content_types=org_types),
        Endpoint("DELETE", "/api/admin/org/<org_id>/rights", delete_org_rights, media=x),
        Endpoint("DELETE", "/api/admin/org/<org_id>/right/<right_id>", delete_org_right, media=x),
        Endpoint("GET", "/cloudapi/1.0.0/rights", list_rights, media=j),
        Endpoint("GET", "/cloudapi/1.0.0/rights/<urn>", get_right_json, media=j),
    ]
    for kind, path in (("bundles", "rightsBundles"), ("globalRoles", "globalRoles"), ("roles", "roles")):
        base = "/cloudapi/1.0.0/" + path
        schema = KINDS[kind][1]
        eps += [
            Endpoint("GET", base, list_kind(kind), media=j),
            Endpoint("POST", base, create_kind(kind), media=j, body="json", schema=schema),
            Endpoint("GET", base + "/<urn>", get_kind(kind), media=j),
            Endpoint("PUT", base + "/<urn>", put_kind(kind), media=j, body="json", schema=schema),
            Endpoint("DELETE", base + "/<urn>", delete_kind(kind), media=j),
            Endpoint("GET", base + "/<urn>/rights", get_rights(kind), media=j),
            Endpoint("POST", base + "/<urn>/rights", change_rights(kind, False), media=j, body="json", schema=REFS),
            Endpoint("PUT", base + "/<urn>/rights", change_rights(kind, True), media=j, body="json", schema=REFS),
        ]
        if kind != "roles":
            eps += [
                Endpoint("GET", base + "/<urn>/tenants", get_tenants(kind), media=j),
                Endpoint("PUT", base + "/<urn>/tenants", change_tenants(kind, "put"), media=j, body="json", schema=REFS),
                Endpoint("POST", base + "/<urn>/tenants/publish", change_tenants(kind, "publish"), media=j, body="json", schema=REFS),
                Endpoint("POST", base + "/<urn>/tenants/unpublish", change_tenants(kind, "unpublish"), media=j, body="json", schema=REFS),
                Endpoint("POST", base + "/<urn>/tenants/publishAll", change_tenants(kind, "publishAll"), media=j),
                Endpoint("POST", base + "/<urn>/tenants/unpublishAll", change_tenants(kind, "unpublishAll"), media=j),
            ]
    return eps
