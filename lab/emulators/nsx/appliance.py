"""The NSX autonomous edge of the tenant (docs/api/vcd-nsx.md#nsx-autonomous-edge): the L2VPN client side of an NSX-T
backed vCD edge gateway.

API (HTTP Basic ``admin`` / lab.yml ``users``; JSON):

- ``POST /api/v1/vpn/l2vpn/sessions?action=create_with_peer_code``
  ``{"display_name", "description"?, "enabled"?, "transport_tunnels": [{"peer_code", "peer_address", "local_address"}]}``
  → 201 ``L2VpnSession`` (``local_address`` must be the edge's uplink IP, the peer code must decode);
- ``GET /api/v1/vpn/l2vpn/sessions`` → ``{"results", "result_count"}``; ``GET|DELETE …/sessions/{id}``;
- ``GET …/sessions/{id}/status`` → ``{"session_id", "runtime_status": "UP|DOWN", "failure_reason"}``;
- ``GET|PUT …/sessions/{id}/l2-extensions`` ``{"results": [{"vlan", "tunnel_id"}]}`` [inferred: where the
  autonomous edge keeps ``L2Extension`` is unknown (docs/api/vcd-nsx.md#nsx-autonomous-edge); this lab-defined resource holds them].

Peer codes are never returned and never logged.
"""
from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any, Dict, List

from flask import Response

from ..common import fabric
from ..common.appliance import BaseAppliance, Endpoint
from ..common.errors import ApiError, ValidationError
from ..common.media import VendorMediaPolicy
from ..common.schema import Bool, Int, List as ListField, Obj, Schema, Str
from ..common.tasks import now_ms
from ..vcd import inferred as vcd_inferred
from . import l2vpn

TUNNEL = Schema({"peer_code": Str(required=True), "peer_address": Str(required=True), "local_address": Str(required=True)})
CREATE = Schema({"display_name": Str(required=True), "description": Str(nullable=True, allow_empty=True),
                 "enabled": Bool(nullable=True), "transport_tunnels": ListField(Obj(TUNNEL), required=True)})
EXTENSIONS = Schema({"results": ListField(Obj(Schema({"vlan": Int(required=True, minimum=0, maximum=4094),
                                                      "tunnel_id": Int(required=True, minimum=1, maximum=4093)})), required=True)})
BASE = "/api/v1/vpn/l2vpn/sessions"


def error(status: int, message: str, code: int = None) -> ApiError:
    return ApiError(status, str(code or status), message)


class NsxEdgeAppliance(BaseAppliance):
    kind = "nsx"

    def __init__(self, spec, lab, cert_dir=None):
        self._media = VendorMediaPolicy(r"application/vnd\.vmware\.nsx(?P<version>)\+json", "application/json", [""], "",
                                        charset="")
        super().__init__(spec, lab, cert_dir)
        fabric.register(self)

    def initial_state(self) -> Dict[str, Any]:
        return {"sessions": {}, "tasks": {}}

    @property
    def media(self):
        return self._media

    @property
    def uplink_ip(self) -> str:
        return str(self.spec.get("uplink_ip", "198.51.100.20"))

    def authenticate(self, request, endpoint):
        auth = request.headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                user, _sep, password = base64.b64decode(auth[6:].strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, password = "", ""
            users = self.spec.get("users") or {}
            if user in users and str(users[user]) == password:
                return {"user": user}, None
        raise error(403, "The credentials were incorrect or the account specified has been locked.", 403)

    def error_body(self, err: ApiError) -> Dict[str, Any]:
        names = {400: "BAD_REQUEST", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 406: "NOT_ACCEPTABLE",
                 415: "UNSUPPORTED_MEDIA_TYPE", 503: "SERVICE_UNAVAILABLE"}
        return {"httpStatus": names.get(err.status, "INTERNAL_SERVER_ERROR"), "error_code": int(err.code) if err.code.isdigit() else err.status,
                "module_name": "common-services", "error_message": err.msg}

    def bad_input(self, err: ValidationError) -> ApiError:
        return error(400, err.msg, 255)

    def not_found(self, method, path):
        return error(404, "The requested URI: %s could not be found." % path, 202)

    def method_not_allowed(self, method, path):
        return error(405, "Method %s is not supported for %s." % (method, path), 99)

    def describe(self) -> Dict[str, Any]:
        out = super().describe()
        users = self.spec.get("users") or {}
        out.update(site=self.spec.get("site"), uplinkIp=self.uplink_ip, username=next(iter(users), None),
                   password=str(next(iter(users.values()), "")) or None)
        return out

    def endpoints(self) -> List[Endpoint]:
        return [
            Endpoint("POST", BASE, create_session, body="json", schema=CREATE),
            Endpoint("GET", BASE, list_sessions),
            Endpoint("GET", BASE + "/<session_id>", get_session),
            Endpoint("DELETE", BASE + "/<session_id>", delete_session),
            Endpoint("GET", BASE + "/<session_id>/status", session_status),
            Endpoint("GET", BASE + "/<session_id>/l2-extensions", get_extensions),
            Endpoint("PUT", BASE + "/<session_id>/l2-extensions", put_extensions, body="json", schema=EXTENSIONS),
        ]


def _public(session) -> Dict[str, Any]:
    return {"id": session["id"], "display_name": session["display_name"], "description": session["description"],
            "resource_type": "L2VpnSession", "enabled": session["enabled"],
            "transport_tunnels": [{"target_id": "/infra/tier-0s/vpn-t0/locale-services/default/ipsec-vpn-services/default/sessions/" +
                                   session["id"], "peer_address": t["peer_address"], "local_address": t["local_address"]}
                                  for t in session["transport_tunnels"]],
            "l2_extensions": session["l2_extensions"], "_create_time": session["created"], "_revision": session["revision"]}


def _find(call, session_id):
    session = call.appliance.store.snapshot()["sessions"].get(session_id)
    if session is None:
        raise error(404, "L2VpnSession %s not found." % session_id, 600)
    return session


def create_session(call):
    appliance = call.appliance
    if call.request.args.get("action") != "create_with_peer_code":
        raise error(400, "Use POST %s?action=create_with_peer_code." % BASE, 255)
    body = call.body
    if len(body["transport_tunnels"]) != 1:
        raise error(400, "Exactly one transport tunnel is supported.", 255)
    tunnel = body["transport_tunnels"][0]
    if tunnel["local_address"] != appliance.uplink_ip:
        raise error(400, "local_address %s is not an address of this edge (%s)." % (tunnel["local_address"], appliance.uplink_ip), 255)
    if vcd_inferred.decode_peer_code(tunnel["peer_code"]) is None:
        raise error(400, "The peer code is invalid.", 255)
    state = appliance.store.snapshot()
    if any(s["display_name"] == body["display_name"] for s in state["sessions"].values()):
        raise error(400, "An L2VpnSession named %s already exists." % body["display_name"], 255)
    session = {"id": str(uuid.uuid4()), "display_name": body["display_name"], "description": body.get("description") or "",
               "enabled": True if body.get("enabled") is None else body["enabled"], "transport_tunnels": [dict(tunnel)],
               "l2_extensions": [], "created": now_ms(), "revision": 0}
    with appliance.store.edit() as draft:
        draft["sessions"][session["id"]] = session
    return 201, _public(session)


def list_sessions(call):
    sessions = sorted(call.appliance.store.snapshot()["sessions"].values(), key=lambda s: s["created"])
    return {"results": [_public(s) for s in sessions], "result_count": len(sessions)}


def get_session(call, session_id):
    return _public(_find(call, session_id))


def delete_session(call, session_id):
    _find(call, session_id)
    with call.appliance.store.edit() as draft:
        del draft["sessions"][session_id]
    return Response(status=200)


def session_status(call, session_id):
    result = l2vpn.match(call.appliance, _find(call, session_id))
    return {"session_id": session_id, "runtime_status": "UP" if result["up"] else "DOWN",
            "failure_reason": None if result["up"] else result["reason"], "resource_type": "L2VPNSessionStatus"}


def get_extensions(call, session_id):
    session = _find(call, session_id)
    return {"results": session["l2_extensions"], "result_count": len(session["l2_extensions"])}


def put_extensions(call, session_id):
    _find(call, session_id)
    items = call.body["results"]
    if len({i["tunnel_id"] for i in items}) != len(items) or len({i["vlan"] for i in items}) != len(items):
        raise error(400, "VLANs and tunnel ids must be unique.", 255)
    with call.appliance.store.edit() as draft:
        stored = draft["sessions"][session_id]
        stored["l2_extensions"] = items
        stored["revision"] += 1
    return {"results": items, "result_count": len(items)}
