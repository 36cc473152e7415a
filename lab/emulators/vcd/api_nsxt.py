"""NSX-T edge gateway L2VPN tunnels (docs/api/vcd-nsx.md#nsx-t-l2-vpn-tunnels), ``/cloudapi/1.0.0/edgeGateways/{urn}/l2vpn/tunnels``:
async POST/PUT/DELETE (tasks), ``version`` on PUT, ``preSharedKey`` masked, ``peerCode`` for
SERVER sessions, ``/status`` (UP once a matching autonomous-edge session exists) and ``/metrics``."""
from __future__ import annotations

import ipaddress
import uuid

from ..common.appliance import Endpoint
from ..common.schema import Bool, Int, List, Obj, Schema, Str
from . import inferred, openapi
from .api_networks import find_edge
from .api_sessions import api_version, submit_task

_REF = Schema({"name": Str(nullable=True, allow_empty=True), "id": Str(required=True)})
# As go-vcloud-director (types.NsxtL2VpnTunnel) / terraform-provider-vcd send it: ``id: ""``, ``peerCode: ""``
# and ``tunnelId: 0`` (no omitempty) mean "none" / "assign one".
TUNNEL = Schema({
    "id": Str(nullable=True, allow_empty=True), "name": Str(required=True), "description": Str(nullable=True, allow_empty=True),
    "localEndpointIP": Str(required=True), "remoteEndpointIP": Str(required=True),
    "tunnelInterface": Str(nullable=True, allow_empty=True), "preSharedKey": Str(nullable=True, allow_empty=True),
    "connectorInitiationMode": Str(nullable=True, allow_empty=True, enum=("", "INITIATOR", "RESPOND_ONLY", "ON_DEMAND")),
    "enabled": Bool(nullable=True), "sessionMode": Str(required=True, enum=("SERVER", "CLIENT")),
    "peerCode": Str(nullable=True, allow_empty=True), "attachedNetworks": List(Obj(_REF), nullable=True),
    "stretchedNetworks": List(Obj(Schema({"networkRef": Obj(_REF, required=True), "tunnelId": Int(nullable=True, minimum=0, maximum=4093)})),
                              nullable=True),
    "logging": Bool(nullable=True), "version": Obj(Schema({"version": Int(required=True)}), nullable=True)})


def _edge(call, urn, right):
    state = call.appliance.state
    edge_id = urn[len("urn:vcloud:gateway:"):] if urn.startswith("urn:vcloud:gateway:") else urn
    edge = find_edge(call, edge_id, state)
    call.appliance.require_right(call, edge["org"], right, state)
    if edge["backing"] != "NSXT":
        raise inferred.bad_request("Edge gateway %s is not NSX-T backed: use the NSX-V L2 VPN API (/network/edges/…/l2vpn/config)."
                                   % edge["name"], urn)
    return edge, state


def _tunnel(edge, tunnel_id):
    tunnel = edge["tunnels"].get(tunnel_id)
    if tunnel is None:
        raise inferred.not_found(tunnel_id)
    return tunnel


def public(call, urn, tunnel, listed=False):
    """A tunnel as vCD returns it. The list leaves ``peerCode`` and ``preSharedKey`` out (terraform-provider-vcd reads
    a tunnel by id after finding it by name for exactly these two); one tunnel carries both, the key in clear
    below API 38.0 (vCD < 10.5.1.1) and masked from there."""
    out = {k: v for k, v in tunnel.items() if k != "preSharedKey"}
    out["version"] = {"version": tunnel["version"]}
    if listed:
        return out
    out["preSharedKey"] = tunnel["preSharedKey"] if api_version(call.media) < inferred.PSK_MASKED_FROM else inferred.MASKED_PSK
    out["peerCode"] = inferred.peer_code(urn, tunnel) if tunnel["sessionMode"] == "SERVER" else tunnel.get("clientPeerCode")
    return out


def _validate(call, edge, state, body, current=None):
    if body["localEndpointIP"] not in edge["uplinkIps"]:
        raise inferred.bad_request("localEndpointIP %s is not an IP address of edge gateway %s (%s)." % (
            body["localEndpointIP"], edge["name"], ", ".join(edge["uplinkIps"])), body["localEndpointIP"])
    try:
        ipaddress.ip_address(body["remoteEndpointIP"])
        if body.get("tunnelInterface"):
            ipaddress.ip_interface(body["tunnelInterface"])
    except ValueError as exc:
        raise inferred.bad_request(str(exc)) from None
    mode = body["sessionMode"]
    if current is not None and mode != current["sessionMode"]:
        raise inferred.bad_request("sessionMode cannot change.", mode)
    # A key left out keeps the current one [I]; a mask sent back is taken literally, as a new key (so the
    # collection must never send it).
    psk = body.get("preSharedKey") or None
    if psk is None:
        psk = current["preSharedKey"] if current else None
    if mode == "SERVER" and not psk:
        raise inferred.bad_request("preSharedKey is required for a SERVER session.", "preSharedKey")
    if mode == "CLIENT":
        code = inferred.decode_peer_code(body.get("peerCode") or "")
        if code is None:
            raise inferred.bad_request("A CLIENT session needs the peerCode of the server.", "peerCode")
        psk = code["psk"]
    if any(t["name"] == body["name"] and (current is None or t["id"] != current["id"]) for t in edge["tunnels"].values()):
        raise inferred.error(400, "DUPLICATE_NAME", "A tunnel named %s already exists." % body["name"], body["name"])
    stretched = []
    old_ids = {s["networkRef"]["id"]: s["tunnelId"] for s in (current or {}).get("stretchedNetworks") or []}
    used = set(old_ids.values())
    for item in (body.get("stretchedNetworks") or []) + [{"networkRef": r, "tunnelId": None} for r in body.get("attachedNetworks") or []]:
        ref_id = item["networkRef"]["id"]
        net = state["networks"].get(ref_id.rsplit(":", 1)[-1]) if ref_id.startswith("urn:vcloud:network:") else None
        if net is None or net.get("edge") != edge["id"]:
            raise inferred.bad_request("%s is not an org VDC network of edge gateway %s." % (ref_id, edge["name"]), ref_id)
        tunnel_id = item.get("tunnelId") or None
        if mode == "SERVER":
            if tunnel_id is not None and tunnel_id != old_ids.get(ref_id):
                raise inferred.bad_request("tunnelId is assigned by the server for SERVER sessions.", ref_id)
            tunnel_id = old_ids.get(ref_id)
            if tunnel_id is None:
                tunnel_id = next(i for i in range(1, 4094) if i not in used)
        elif tunnel_id is None:
            raise inferred.bad_request("CLIENT sessions need the tunnelId of each stretched network.", ref_id)
        used.add(tunnel_id)
        if any(s["networkRef"]["id"] == ref_id for s in stretched):
            continue
        stretched.append({"networkRef": {"name": net["name"], "id": ref_id}, "tunnelId": tunnel_id})
    out = {"name": body["name"], "description": body.get("description") or "", "localEndpointIP": body["localEndpointIP"],
           "remoteEndpointIP": body["remoteEndpointIP"],
           "tunnelInterface": body.get("tunnelInterface") or (current or {}).get("tunnelInterface")
           or inferred.DEFAULT_TUNNEL_INTERFACE % (len(edge["tunnels"]) + 1),
           "preSharedKey": psk, "connectorInitiationMode": body.get("connectorInitiationMode") or "INITIATOR",
           "enabled": True if body.get("enabled") is None else body["enabled"], "sessionMode": mode,
           "stretchedNetworks": stretched, "logging": bool(body.get("logging"))}
    if mode == "CLIENT":
        out["clientPeerCode"] = body["peerCode"]
    return out


def _task_reply(call, task):
    return 202, None, {"Location": call.appliance.href("/api/task/" + task["id"])}


def list_tunnels(call, urn):
    edge, _state = _edge(call, urn, inferred.VIEW_L2VPN)
    items = [public(call, urn, t, listed=True) for t in sorted(edge["tunnels"].values(), key=lambda t: t["name"])]
    return openapi.page(items, call.request.args)


def create_tunnel(call, urn):
    edge, state = _edge(call, urn, inferred.CONFIGURE_L2VPN)
    fields = _validate(call, edge, state, call.body)
    tunnel_id = str(uuid.uuid4())
    appliance = call.appliance

    def work():
        with appliance.store.edit() as draft:
            draft["edges"][edge["id"]]["tunnels"][tunnel_id] = dict(fields, id=tunnel_id, version=1)
        return {"details": tunnel_id}
    return _task_reply(call, submit_task(call, work, "edgeL2VpnTunnelCreate", edge["org"], "edgeGateway", edge["id"]))


def get_tunnel(call, urn, tunnel_id):
    edge, _state = _edge(call, urn, inferred.VIEW_L2VPN)
    return public(call, urn, _tunnel(edge, tunnel_id))


def get_peer_code(call, urn, tunnel_id):
    """[I] ``…/tunnels/{id}/peerCode``: the SERVER session's peer code alone."""
    edge, _state = _edge(call, urn, inferred.VIEW_L2VPN)
    tunnel = _tunnel(edge, tunnel_id)
    if tunnel["sessionMode"] != "SERVER":
        raise inferred.bad_request("Only SERVER sessions have a peer code.", tunnel_id)
    return {"peerCode": inferred.peer_code(urn, tunnel)}


def put_tunnel(call, urn, tunnel_id):
    edge, state = _edge(call, urn, inferred.CONFIGURE_L2VPN)
    current = _tunnel(edge, tunnel_id)
    body = call.body
    if body.get("id") not in (None, "", tunnel_id):
        raise inferred.bad_request("The id in the body does not match the URL.", body.get("id"))
    if body.get("version") is None:
        raise inferred.bad_request("version is required when updating a tunnel.", "version")
    if body["version"]["version"] != current["version"]:
        raise inferred.stale_version(current["version"])
    fields = _validate(call, edge, state, body, current)
    appliance = call.appliance

    def work():
        with appliance.store.edit() as draft:
            stored = draft["edges"][edge["id"]]["tunnels"].get(tunnel_id)
            if stored is None:
                raise inferred.not_found(tunnel_id)
            stored.update(fields, version=stored["version"] + 1)
        return {"details": tunnel_id}
    return _task_reply(call, submit_task(call, work, "edgeL2VpnTunnelUpdate", edge["org"], "edgeGateway", edge["id"]))


def delete_tunnel(call, urn, tunnel_id):
    edge, _state = _edge(call, urn, inferred.CONFIGURE_L2VPN)
    _tunnel(edge, tunnel_id)
    appliance = call.appliance

    def work():
        with appliance.store.edit() as draft:
            draft["edges"][edge["id"]]["tunnels"].pop(tunnel_id, None)
        return {"details": tunnel_id}
    return _task_reply(call, submit_task(call, work, "edgeL2VpnTunnelDelete", edge["org"], "edgeGateway", edge["id"]))


def tunnel_status(call, urn, tunnel_id):
    from ..nsx import l2vpn  # pylint: disable=import-outside-toplevel
    edge, _state = _edge(call, urn, inferred.VIEW_L2VPN)
    return l2vpn.server_status(call.appliance, "urn:vcloud:gateway:" + edge["id"], _tunnel(edge, tunnel_id))


def tunnel_metrics(call, urn, tunnel_id):
    from ..nsx import l2vpn  # pylint: disable=import-outside-toplevel
    edge, _state = _edge(call, urn, inferred.VIEW_L2VPN)
    status = l2vpn.server_status(call.appliance, "urn:vcloud:gateway:" + edge["id"], _tunnel(edge, tunnel_id))
    n = 1000 if status["runtimeStatus"] == "UP" else 0
    return {"bumBytesIn": 0, "bumBytesOut": 0, "bumPacketsIn": 0, "bumPacketsOut": 0, "bytesIn": n * 64, "bytesOut": n * 64,
            "packetsIn": n, "packetsOut": n, "packetsReceiveError": 0, "packetsSentError": 0, "segmentPath": None}


def endpoints(appliance):
    j = appliance.json_media
    base = "/cloudapi/1.0.0/edgeGateways/<urn>/l2vpn/tunnels"
    return [
        Endpoint("GET", base, list_tunnels, media=j),
        Endpoint("POST", base, create_tunnel, media=j, body="json", schema=TUNNEL),
        Endpoint("GET", base + "/<tunnel_id>", get_tunnel, media=j),
        Endpoint("PUT", base + "/<tunnel_id>", put_tunnel, media=j, body="json", schema=TUNNEL),
        Endpoint("DELETE", base + "/<tunnel_id>", delete_tunnel, media=j),
        Endpoint("GET", base + "/<tunnel_id>/peerCode", get_peer_code, media=j),
        Endpoint("GET", base + "/<tunnel_id>/status", tunnel_status, media=j),
        Endpoint("GET", base + "/<tunnel_id>/metrics", tunnel_metrics, media=j),
    ]
