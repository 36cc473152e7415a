"""The Cloud Director appliance: seeded state, sessions, error shapes, tenancy and rights helpers.

One appliance per provider site serves ``/api`` (XML), ``/cloudapi`` (JSON) and the NSX proxy
``/network`` (NSX-V XML) in one process, as a real cell does.
"""
from __future__ import annotations

import base64
import json
import secrets
from typing import Any, Dict, List, Optional

from flask import Response
from lxml import etree

from ..common import fabric
from ..common.appliance import BaseAppliance, Call, Endpoint
from ..common.errors import ApiError, ValidationError
from ..common.xmlbody import sub, xml_response
from . import api_networks, api_nsxt, api_nsxv, api_query, api_rights, api_sessions, api_vapps, inferred
from .media import VcdMedia, version_of

VCLOUD_NS = "http://www.vmware.com/vcloud/v1.5"
# A 10.4 cell: API 27.0 (9.0) to 37.0 (10.4).
DEFAULT_VERSIONS = ["%d.0" % v for v in range(27, 38)]
SYSTEM = "System"
SYSTEM_ROLE = "System Administrator"
ORG_ADMIN_ROLE = "Organization Administrator"


class VcdAppliance(BaseAppliance):
    kind = "vcd"

    def __init__(self, spec, lab, cert_dir=None):
        self.versions = [str(v) for v in (spec.get("api_versions") or DEFAULT_VERSIONS)]
        self.version = str(spec.get("version") or self.versions[-1])
        if self.version not in self.versions:
            self.versions.append(self.version)
        self.xml_media = VcdMedia("xml", self.versions, self.version)
        self.json_media = VcdMedia("json", self.versions, self.version)
        self.any_media = VcdMedia("any", self.versions, self.version)
        super().__init__(spec, lab, cert_dir)
        fabric.register(self)

    # ----- state ---------------------------------------------------------------------------
    def oid(self, kind: str, name: str) -> str:
        return inferred.object_uuid(self.name, kind, name)

    def initial_state(self) -> Dict[str, Any]:
        baseline = [inferred.right_uuid(n) for n in inferred.BASELINE_RIGHTS]
        state: Dict[str, Any] = {"orgs": {}, "vdcs": {}, "edges": {}, "networks": {}, "bundles": {}, "globalRoles": {},
                                 "roles": {}, "l2vpnClients": {}, "tasks": {}, "edgeCounter": 0}
        system_id = self.oid("org", SYSTEM)
        state["orgs"][system_id] = {"id": system_id, "name": SYSTEM, "fullName": "System", "enabled": True, "rights": []}
        prefix = str(self.spec.get("uplink_prefix", "203.0.113"))
        for index, org in enumerate(self.spec.get("orgs") or [], start=1):
            org_id = self.oid("org", org["name"])
            state["orgs"][org_id] = {"id": org_id, "name": org["name"], "fullName": org.get("fullName", org["name"]),
                                     "enabled": True, "rights": []}
            vdc_id = self.oid("vdc", org["name"] + "-vdc")
            state["vdcs"][vdc_id] = {"id": vdc_id, "name": org["name"] + "-vdc", "org": org_id}
            for offset, backing in ((1, "NSXV"), (2, "NSXT")):
                name = "%s-edge-%s" % (org["name"], backing.lower())
                edge_id = self.oid("edge", name)
                state["edgeCounter"] += 1
                state["edges"][edge_id] = {
                    "id": edge_id, "name": name, "org": org_id, "vdc": vdc_id, "backing": backing,
                    "backingId": "edge-%d" % state["edgeCounter"] if backing == "NSXV" else self.oid("nsxt-gw", name),
                    "uplinkName": "%s-uplink" % self.name, "gateway": "%s.1" % prefix, "prefixLength": 24,
                    "uplinkIps": ["%s.%d" % (prefix, index * 10 + offset), "%s.%d" % (prefix, index * 10 + offset + 100)],
                    "l2vpn": None, "l2vpnVersion": 0, "tunnels": {}}
        bundle_id = self.oid("bundle", "Default Rights Bundle")
        state["bundles"][bundle_id] = {"id": bundle_id, "name": "Default Rights Bundle", "description": "Default Rights Bundle",
                                       "bundleKey": "DEFAULT_BUNDLE_KEY", "readOnly": False, "publishAll": True,
                                       "rights": list(baseline), "tenants": []}
        grole_id = self.oid("global-role", ORG_ADMIN_ROLE)
        state["globalRoles"][grole_id] = {"id": grole_id, "name": ORG_ADMIN_ROLE, "description": "Built-in rights for administering an organization",
                                          "bundleKey": "ROLE_ORG_ADMIN", "readOnly": False, "publishAll": True,
                                          "rights": list(baseline), "tenants": []}
        return state

    @property
    def state(self) -> Dict[str, Any]:
        """The state without the task list (read through ``self.tasks``; see the VCDA appliance's)."""
        return self.store.snapshot(without=("tasks",))

    def users(self) -> Dict[str, Dict[str, str]]:
        """``{"user@org" (lower-case): {"user", "org", "password"}}`` from lab.yml."""
        out = {}
        for user, password in (self.spec.get("system_users") or {"administrator": "VMware1!"}).items():
            out[("%s@%s" % (user, SYSTEM)).lower()] = {"user": user, "org": SYSTEM, "password": str(password)}
        for org in self.spec.get("orgs") or []:
            for user, password in (org.get("users") or {}).items():
                out[("%s@%s" % (user, org["name"])).lower()] = {"user": user, "org": org["name"], "password": str(password)}
        return out

    def org_by_name(self, name: str, state=None) -> Optional[Dict[str, Any]]:
        for org in (state or self.state)["orgs"].values():
            if org["name"].lower() == name.lower():
                return org
        return None

    def href(self, path: str) -> str:
        return self.spec.url + path

    # ----- hooks ---------------------------------------------------------------------------
    @property
    def media(self):
        return self.xml_media

    def authenticate(self, request, endpoint: Endpoint):
        token = request.headers.get("x-vcloud-authorization")
        auth = request.headers.get("Authorization") or ""
        if not token and auth[:7].lower() == "bearer ":
            token = auth[7:].strip()
        principal = self.sessions.get(token)
        if principal is None:
            raise inferred.not_authenticated()
        return principal, token

    def new_session(self, principal: Dict[str, Any]):
        """``(legacy token, JWT)``; both name the same session."""
        legacy = secrets.token_hex(16)
        claims = {"sub": principal["user"], "org": principal["org"], "sid": principal["sessionId"], "iss": self.spec.url}
        parts = [json.dumps({"alg": "RS256", "typ": "JWT"}), json.dumps(claims), secrets.token_hex(32)]
        jwt = ".".join(base64.urlsafe_b64encode(p.encode()).decode().rstrip("=") for p in parts)
        self.sessions.create(principal, token=legacy, aliases=[jwt])
        return legacy, jwt

    def bad_input(self, err: ValidationError) -> ApiError:
        return inferred.bad_request(err.msg, *err.error_args)

    def not_found(self, method, path):
        return inferred.not_found(path)

    def method_not_allowed(self, method, path):
        return inferred.error(405, "METHOD_NOT_ALLOWED", "HTTP method %s is not supported for %s" % (method, path), method, path)

    def error_body(self, err: ApiError) -> Dict[str, Any]:
        return {"majorErrorCode": err.status, "minorErrorCode": err.code, "message": err.msg,
                "stackTrace": "com.vmware.vcloud.api.presentation.service.%sException: %s" % (err.code.title().replace("_", ""), err.msg)}

    def error_response(self, err: ApiError, request) -> Optional[Response]:
        path = request.path
        if path.startswith("/_lab/"):
            return None
        if path.startswith("/cloudapi") or path.startswith("/oauth"):
            mtype = "application/json"
            try:
                mtype = self.json_media.response_type(request.headers.get("Accept"))
            except ApiError:
                pass
            resp = Response(json.dumps(self.error_body(err)), status=err.status, content_type=mtype)
        elif path.startswith("/network"):
            root = etree.Element("error")
            sub(root, "details", err.msg)
            sub(root, "errorCode", err.status * 10 + 1 if err.code == "BAD_REQUEST" else err.status)
            sub(root, "moduleName", "vShield Edge")
            resp = xml_response(err.status, root, "application/xml")
        else:
            try:
                version = version_of(self.xml_media.response_type(request.headers.get("Accept")))
            except ApiError:
                version = self.version
            body = self.error_body(err)
            root = etree.Element("{%s}Error" % VCLOUD_NS, nsmap={None: VCLOUD_NS})
            for key in ("majorErrorCode", "minorErrorCode", "message", "stackTrace"):
                root.set(key, str(body[key]))
            resp = xml_response(err.status, root, "application/vnd.vmware.vcloud.error+xml;version=%s" % version)
        for key, value in err.headers.items():
            resp.headers[key] = value
        return resp

    def endpoints(self) -> List[Endpoint]:
        eps: List[Endpoint] = []
        for module in (api_sessions, api_query, api_rights, api_networks, api_nsxv, api_nsxt, api_vapps):
            eps.extend(module.endpoints(self))
        return eps

    def control_routes(self, blueprint) -> None:
        api_nsxv.control_routes(self, blueprint)
        api_vapps.control_routes(self, blueprint)

    def describe(self) -> Dict[str, Any]:
        out = super().describe()
        state = self.state
        system_user, system_password = next(iter((self.spec.get("system_users") or {"administrator": "VMware1!"}).items()))
        org_users = {o["name"]: {"%s@%s" % (u, o["name"]): str(p) for u, p in (o.get("users") or {}).items()}
                     for o in self.spec.get("orgs") or []}
        out.update(site=self.spec.get("site"), version=self.version, apiVersions=self.versions, apiUrl=self.spec.url + "/api",
                   systemAdmin={"user": "%s@%s" % (system_user, SYSTEM), "password": str(system_password)},
                   orgs=[{"name": o["name"], "id": o["id"], "users": org_users.get(o["name"], {})}
                         for o in state["orgs"].values() if o["name"] != SYSTEM],
                   edgeGateways=[{"name": e["name"], "id": "urn:vcloud:gateway:" + e["id"], "backing": e["backing"],
                                  "uplinkIps": e["uplinkIps"]} for e in state["edges"].values()])
        return out

    # ----- tenancy and rights ----------------------------------------------------------------
    def scope_org(self, call: Call, required: bool = False) -> Optional[str]:
        """The org a call acts in: a tenant's own org, or for a provider the org named by
        ``X-VMWARE-VCLOUD-TENANT-CONTEXT`` (bare UUID) / ``X-VMWARE-VCLOUD-AUTH-CONTEXT`` (name)."""
        principal = call.principal
        context = call.header("X-VMWARE-VCLOUD-TENANT-CONTEXT")
        auth_context = call.header("X-VMWARE-VCLOUD-AUTH-CONTEXT")
        state = self.state
        if context is not None:
            if context.startswith("urn:"):
                raise inferred.not_authenticated("The tenant context must be the organization's UUID, not its URN.")
            org = state["orgs"].get(context)
            if org is None or not principal["system"] and org["id"] != principal["orgId"]:
                raise inferred.forbidden("Access to the organization %s is forbidden." % context)
            if auth_context is not None and auth_context.lower() != org["name"].lower():
                raise inferred.not_authenticated("X-VMWARE-VCLOUD-AUTH-CONTEXT does not name the tenant context's organization.")
            return org["id"]
        if auth_context is not None:
            org = self.org_by_name(auth_context, state)
            if org is None or not principal["system"] and org["id"] != principal["orgId"]:
                raise inferred.forbidden("Access to the organization %s is forbidden." % auth_context)
            return None if org["name"] == SYSTEM else org["id"]
        if principal["system"]:
            if required:
                raise inferred.bad_request("This call needs the X-VMWARE-VCLOUD-TENANT-CONTEXT header as a provider.")
            return None
        return principal["orgId"]

    def effective_rights(self, org_id: str, state=None) -> set:
        state = state or self.state
        rights = set(state["orgs"][org_id]["rights"])
        for bundle in state["bundles"].values():
            if bundle["publishAll"] or org_id in bundle["tenants"]:
                rights.update(bundle["rights"])
        return rights

    def tenant_roles(self, org_id: str, state=None) -> List[Dict[str, Any]]:
        """The org's roles: its own plus the global roles published to it (read-only there, their
        rights limited to the org's effective rights)."""
        state = state or self.state
        roles = [r for r in state["roles"].values() if r["org"] == org_id]
        effective = self.effective_rights(org_id, state)
        for grole in state["globalRoles"].values():
            if grole["publishAll"] or org_id in grole["tenants"]:
                roles.append({"id": self.oid("role", "%s:%s" % (org_id, grole["id"])), "name": grole["name"],
                              "description": grole["description"], "bundleKey": grole["bundleKey"], "readOnly": True,
                              "org": org_id, "globalRole": grole["id"], "rights": [r for r in grole["rights"] if r in effective]})
        return sorted(roles, key=lambda r: r["name"])

    def require_system(self, call: Call) -> None:
        if not call.principal["system"]:
            raise inferred.forbidden()

    def require_right(self, call: Call, org_id: str, name: str, state=None) -> None:
        """Tenants need ``name`` in their org's effective rights and in their role."""
        if call.principal["system"]:
            return
        state = state or self.state
        if org_id != call.principal["orgId"]:
            raise inferred.forbidden()
        right = inferred.right_uuid(name)
        role = next((r for r in self.tenant_roles(org_id, state) if r["name"] == call.principal["role"]), None)
        if right not in self.effective_rights(org_id, state) or role is None or right not in role["rights"]:
            raise inferred.forbidden("Access is forbidden: the right '%s' is missing." % name)

    def entity_ref(self, kind: str, entity: Dict[str, Any]) -> Dict[str, str]:
        return {"name": entity["name"], "id": "urn:vcloud:%s:%s" % (kind, entity["id"])}
