"""LAB-ONLY matching of an NSX autonomous edge L2VPN client session with a vCD NSX-T SERVER
tunnel (nothing here is a product API; it stands in for IPsec + L2VPN negotiation).

A client session is UP when its peer code decodes (``vcd.inferred.decode_peer_code``) and names a
SERVER tunnel of a vCD appliance of the same lab that still exists and is enabled, whose
``localEndpointIP`` is the session's ``peer_address``, whose ``remoteEndpointIP`` is the
session's ``local_address``, whose current pre-shared key is the one in the code, and whose
stretched networks' tunnel ids are exactly the client's L2 extension tunnel ids.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from ..common import fabric
from ..vcd import inferred as vcd_inferred


def match(edge_appliance, session: Dict[str, Any]) -> Dict[str, Any]:
    """``{"up": bool, "reason": str, "gateway": urn|None, "tunnel": id|None}``."""
    tunnel_cfg = session["transport_tunnels"][0]
    code = vcd_inferred.decode_peer_code(tunnel_cfg["peer_code"])
    if code is None:
        return {"up": False, "reason": "the peer code is not valid", "gateway": None, "tunnel": None}
    out = {"up": False, "reason": "", "gateway": code["gateway"], "tunnel": code["tunnel"]}
    if not session.get("enabled", True):
        return dict(out, reason="the session is disabled")
    server = _server_tunnel(edge_appliance, code["gateway"], code["tunnel"])
    if server is None:
        return dict(out, reason="no L2 VPN server answers for this peer code")
    checks = [
        (server.get("sessionMode") == "SERVER", "the peer tunnel is not a SERVER session"),
        (server.get("enabled", True), "the server tunnel is disabled"),
        (server["localEndpointIP"] == tunnel_cfg["peer_address"] == code["serverAddress"],
         "peer_address %s is not the server's local endpoint" % tunnel_cfg["peer_address"]),
        (server["remoteEndpointIP"] == tunnel_cfg["local_address"],
         "the server expects the client at %s, not %s" % (server["remoteEndpointIP"], tunnel_cfg["local_address"])),
        (server["preSharedKey"] == code["psk"], "the pre-shared key changed on the server: get a new peer code"),
    ]
    for ok, reason in checks:
        if not ok:
            return dict(out, reason=reason)
    server_ids = sorted(n["tunnelId"] for n in server.get("stretchedNetworks") or [])
    client_ids = sorted(e["tunnel_id"] for e in session.get("l2_extensions") or [])
    if server_ids != client_ids:
        return dict(out, reason="tunnel ids %s do not match the server's %s" % (client_ids, server_ids))
    return dict(out, up=True)


def _server_tunnel(edge_appliance, gateway_urn: str, tunnel_id: str) -> Optional[Dict[str, Any]]:
    edge_id = gateway_urn.rsplit(":", 1)[-1]
    for vcd in fabric.peers(edge_appliance, "vcd"):
        edge = vcd.store.snapshot()["edges"].get(edge_id)
        if edge is not None and tunnel_id in edge["tunnels"]:
            return edge["tunnels"][tunnel_id]
    return None


def server_status(vcd_appliance, gateway_urn: str, tunnel: Dict[str, Any]) -> Dict[str, Any]:
    """For the vCD side: is any autonomous-edge session of the lab up against this tunnel?"""
    if not tunnel.get("enabled", True):
        return {"runtimeStatus": "DOWN", "failureReason": "The tunnel is disabled."}
    if tunnel["sessionMode"] != "SERVER":
        return {"runtimeStatus": "DOWN", "failureReason": "No peer (lab: CLIENT sessions of vCD do not connect)."}
    reasons = []
    for edge in fabric.peers(vcd_appliance, "nsx"):
        for session in edge.store.snapshot().get("sessions", {}).values():
            result = match(edge, session)
            if result["gateway"] == gateway_urn and result["tunnel"] == tunnel["id"]:
                if result["up"]:
                    return {"runtimeStatus": "UP", "failureReason": None}
                reasons.append(result["reason"])
    return {"runtimeStatus": "DOWN", "failureReason": "; ".join(reasons) or "The peer has not connected."}
