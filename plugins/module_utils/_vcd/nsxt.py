# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NSX-T L2 VPN tunnels of Cloud Director edge gateways: the managed view and request bodies. Knows nothing of Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

INITIATION_MODES = {"initiator": "INITIATOR", "respond_only": "RESPOND_ONLY", "on_demand": "ON_DEMAND"}


def tunnel_view(tunnel):
    """Managed keys of an ``EdgeL2VpnTunnel`` (never the pre-shared key or the peer code)."""
    if tunnel is None:
        return None
    mode = tunnel.get("connectorInitiationMode") or "INITIATOR"
    return {"name": tunnel.get("name"), "description": tunnel.get("description") or "",
            "local_endpoint_ip": tunnel.get("localEndpointIP"), "remote_endpoint_ip": tunnel.get("remoteEndpointIP"),
            "tunnel_interface": tunnel.get("tunnelInterface") or "",
            "initiation_mode": dict((v, k) for k, v in INITIATION_MODES.items()).get(mode, mode.lower()),
            "enabled": tunnel.get("enabled", True) is not False, "logging": bool(tunnel.get("logging")),
            "stretched_networks": sorted(s["networkRef"]["name"] for s in tunnel.get("stretchedNetworks") or []
                                         if s.get("networkRef"))}


def tunnel_ids(tunnel):
    return dict((s["networkRef"]["name"], s.get("tunnelId")) for s in (tunnel or {}).get("stretchedNetworks") or []
                if s.get("networkRef"))


def tunnel_body(desired, networks, psk, live=None):
    """POST/PUT body of a SERVER tunnel; ``networks``: ``{name: urn}`` of the stretched networks. On PUT the
    live body is the base (its ``version`` and the server-assigned tunnel ids are kept). ``psk`` None leaves the
    key out of the body (the cell keeps its key); the live body's key, clear or masked, is never sent back."""
    body = dict(live or {})
    body.pop("peerCode", None)
    body.pop("preSharedKey", None)  # never echo what was read: from API 38.0 it is the mask
    body.update(name=desired["name"], sessionMode="SERVER")
    if psk:
        body["preSharedKey"] = psk
    for key, api in (("description", "description"), ("local_endpoint_ip", "localEndpointIP"),
                     ("remote_endpoint_ip", "remoteEndpointIP"), ("tunnel_interface", "tunnelInterface"),
                     ("enabled", "enabled"), ("logging", "logging")):
        if desired.get(key) is not None:
            body[api] = desired[key]
    if desired.get("initiation_mode") is not None:
        body["connectorInitiationMode"] = INITIATION_MODES[desired["initiation_mode"]]
    if desired.get("stretched_networks") is not None:
        old = tunnel_ids(live)
        body["stretchedNetworks"] = [dict({"networkRef": {"name": name, "id": networks[name]}},
                                          **({"tunnelId": old[name]} if old.get(name) is not None else {}))
                                     for name in desired["stretched_networks"]]
        body.pop("attachedNetworks", None)
    return body
