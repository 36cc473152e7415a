"""The NSX-V API behind the vCD proxy ``/network`` (docs/api/vcd-nsx.md#org-vdc-networks,
docs/api/vcd-nsx.md#nsx-v-l2-vpn-server) — edge interfaces
(subinterface index and tunnel id) and the SSL L2VPN server (config, enableService, statistics).

Lab-only (NOT an NSX or vCD API): ``/_lab/l2vpn-clients`` on the vCD appliance records the NSX-V
standalone L2VPN client VMs of the tenant (the lab's stand-in for a client really connecting);
a peer site's tunnel is ``up`` once a powered-on client's ``l2vpn.*`` properties match it.
``POST /_lab/l2vpn-clients/sync-vcsim`` reads them from the tenant vcsim instead.
"""
from __future__ import annotations

import ipaddress
import json
import time

from flask import Response, request
from lxml import etree

from ..common.appliance import Endpoint
from ..common.errors import ApiError
from ..common.xmlbody import El, XmlSchema, as_bool, child, children, sub, text, xml_response
from . import inferred, l2vpn_clients
from .api_networks import find_edge

CIPHERS = ("RC4-MD5", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA", "AES128-GCM-SHA256", "NULL-MD5")
LOG_LEVELS = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
XML_TYPES = ("application/xml", "text/xml")

_PEER_SITE = El("peerSite", [El("name", min=1), El("description"), El("l2VpnUser", [El("userId", min=1), El("password")], min=1),
                             El("vnics", [El("index", min=1, max=None, text="int")], min=1),
                             El("egressOptimization", [El("gatewayIpAddress", max=None)]), El("enabled", text="boolean")], min=1, max=None)
_SERVER = El("server", [El("configuration", [El("listenerIp", min=1), El("listenerPort", text="int"), El("encryptionAlgorithm"),
                                             El("serverCertificate"), El("peerSites", [_PEER_SITE], min=1)], min=1)])
L2VPN = XmlSchema(El("l2Vpn", [
    El("version", text="int"), El("enabled", text="boolean"),
    El("logging", [El("enable", text="boolean"), El("logLevel")]),
    El("l2VpnSites", [El("l2VpnSite", [_SERVER, El("client", open_content=True)], min=1, max=None)])]))


def _error(message, *args):
    return inferred.bad_request(message, *args)


def _nsxv_edge(call, edge_id, right):
    state = call.appliance.state
    edge = find_edge(call, edge_id, state)
    call.appliance.require_right(call, edge["org"], right, state)
    if edge["backing"] != "NSXV":
        raise _error("Edge %s is not an NSX-V edge gateway: use the NSX-T L2 VPN tunnel API." % edge["name"], edge_id)
    return edge, state


# ----- vdcNetworks ---------------------------------------------------------------------------------
def vdc_networks(call, edge_id):
    edge, state = _nsxv_edge(call, edge_id, "Organization vDC Gateway: View")
    root = etree.Element("edgeInterfaces")
    uplink = sub(root, "edgeInterface")
    sub(uplink, "name", edge["uplinkName"])
    sub(uplink, "type", "uplink")
    sub(uplink, "index", 0)
    ref = sub(uplink, "networkReference")
    sub(ref, "id", call.appliance.oid("uplink", edge["uplinkName"]))
    sub(ref, "name", edge["uplinkName"])
    sub(ref, "type", "com.vmware.vcloud.entity.network")
    groups = sub(uplink, "addressGroups")
    group = sub(groups, "addressGroup")
    sub(group, "primaryAddress", edge["uplinkIps"][0])
    for ip in edge["uplinkIps"][1:]:
        sub(sub(group, "secondaryAddresses"), "ipAddress", ip)
    sub(group, "subnetPrefixLength", edge["prefixLength"])
    sub(uplink, "portgroupId", "dvportgroup-%d" % (100 + int(edge["backingId"].split("-")[-1])))
    sub(uplink, "portgroupName", edge["uplinkName"])
    sub(uplink, "isConnected", True)
    nets = sorted((n for n in state["networks"].values() if n.get("edge") == edge["id"] and n.get("vnicIndex") is not None),
                  key=lambda n: n["vnicIndex"])
    for net in nets:
        item = sub(root, "edgeInterface")
        sub(item, "name", net["name"])
        sub(item, "type", net["interface"].lower())
        sub(item, "index", net["vnicIndex"])
        ref = sub(item, "networkReference")
        sub(ref, "id", net["id"])
        sub(ref, "name", net["name"])
        sub(ref, "type", "com.vmware.vcloud.entity.network")
        group = sub(sub(item, "addressGroups"), "addressGroup")
        sub(group, "primaryAddress", net["gateway"])
        sub(group, "subnetMask", str(ipaddress.ip_network("0.0.0.0/%d" % net["prefixLength"]).netmask))
        sub(group, "subnetPrefixLength", net["prefixLength"])
        sub(item, "portgroupId", "dvportgroup-%s" % net["id"][:8])
        sub(item, "portgroupName", net["name"])
        sub(item, "isConnected", True)
        if net.get("tunnelId") is not None:
            sub(item, "tunnelId", net["tunnelId"])
    return xml_response(200, root, "application/xml")


# ----- L2VPN config --------------------------------------------------------------------------------
def _render(edge, sensitive):
    config = edge.get("l2vpn")
    root = etree.Element("l2Vpn")
    sub(root, "version", edge["l2vpnVersion"])
    sub(root, "enabled", bool(config and config["enabled"]))
    logging = sub(root, "logging")
    sub(logging, "enable", bool(config and config["logging"]["enable"]))
    sub(logging, "logLevel", config["logging"]["logLevel"] if config else "info")
    if not config:
        return root
    conf = sub(sub(sub(sub(root, "l2VpnSites"), "l2VpnSite"), "server"), "configuration")
    sub(conf, "listenerIp", config["listenerIp"])
    sub(conf, "listenerPort", config["listenerPort"])
    sub(conf, "encryptionAlgorithm", config["encryptionAlgorithm"])
    if config.get("serverCertificate"):
        sub(conf, "serverCertificate", config["serverCertificate"])
    peers = sub(conf, "peerSites")
    for peer in config["peerSites"]:
        node = sub(peers, "peerSite")
        sub(node, "name", peer["name"])
        if peer.get("description"):
            sub(node, "description", peer["description"])
        user = sub(node, "l2VpnUser")
        sub(user, "userId", peer["userId"])
        if sensitive:
            sub(user, "password", peer["password"])
        vnics = sub(node, "vnics")
        for index in peer["vnics"]:
            sub(vnics, "index", index)
        if peer["egress"]:
            egress = sub(node, "egressOptimization")
            for ip in peer["egress"]:
                sub(egress, "gatewayIpAddress", ip)
        sub(node, "enabled", peer["enabled"])
    return root


def get_config(call, edge_id):
    edge, _state = _nsxv_edge(call, edge_id, inferred.VIEW_L2VPN)
    sensitive = call.request.args.get("showSensitiveData", "false").lower() == "true"
    return xml_response(200, _render(edge, sensitive), "application/xml")


def _parse(body, edge, state):
    if len(children(child(body, "l2VpnSites"), "l2VpnSite")) > 1 or child(body, "l2VpnSites", "l2VpnSite", "client") is not None:
        raise _error("An edge gateway of Cloud Director runs one L2 VPN server site; client mode is not supported here.")
    level = (text(body, "logging", "logLevel") or "info").lower()
    if level not in LOG_LEVELS:
        raise _error("Invalid logLevel %s (one of %s)." % (level, ", ".join(LOG_LEVELS)), level)
    conf = child(body, "l2VpnSites", "l2VpnSite", "server", "configuration")
    if conf is None:
        raise _error("The L2 VPN configuration needs l2VpnSites/l2VpnSite/server/configuration.")
    listener = text(conf, "listenerIp")
    if listener not in edge["uplinkIps"]:
        raise _error("listenerIp %s is not an uplink address of edge %s (%s)." % (listener, edge["name"], ", ".join(edge["uplinkIps"])),
                     listener)
    port = int(text(conf, "listenerPort") or 443)
    if not 1 <= port <= 65535:
        raise _error("listenerPort must be between 1 and 65535.", port)
    cipher = text(conf, "encryptionAlgorithm") or "AES128-GCM-SHA256"
    if cipher not in CIPHERS:
        raise _error("Invalid encryptionAlgorithm %s (one of %s)." % (cipher, ", ".join(CIPHERS)), cipher)
    subifs = {n["vnicIndex"] for n in state["networks"].values() if n.get("edge") == edge["id"] and n["interface"] == "SUBINTERFACE"}
    peers, used = [], set()
    for node in children(child(conf, "peerSites"), "peerSite"):
        name = text(node, "name")
        if any(p["name"] == name for p in peers):
            raise _error("Duplicate peer site name %s." % name, name)
        password = text(node, "l2VpnUser", "password")
        if not password:
            raise _error("The password of peer site %s must be given (it is not returned by GET)." % name, name)
        vnics = [int(i.text) for i in children(child(node, "vnics"), "index")]
        for index in vnics:
            if index not in subifs:
                raise _error("vNIC index %d is not a subinterface of edge %s." % (index, edge["name"]), index)
            if index in used:
                raise _error("Subinterface %d is stretched by two peer sites." % index, index)
            used.add(index)
        peers.append({"name": name, "description": text(node, "description") or "", "userId": text(node, "l2VpnUser", "userId"),
                      "password": password, "vnics": vnics,
                      "egress": [e.text.strip() for e in children(child(node, "egressOptimization"), "gatewayIpAddress")],
                      "enabled": as_bool(text(node, "enabled"), True)})
    return {"enabled": as_bool(text(body, "enabled"), False), "logging": {"enable": as_bool(text(body, "logging", "enable")), "logLevel": level},
            "listenerIp": listener, "listenerPort": port, "encryptionAlgorithm": cipher,
            "serverCertificate": text(conf, "serverCertificate"), "peerSites": peers}


def put_config(call, edge_id):
    edge, state = _nsxv_edge(call, edge_id, inferred.CONFIGURE_L2VPN)
    config = _parse(call.body, edge, state)
    with call.appliance.store.edit() as draft:
        stored = draft["edges"][edge["id"]]
        stored["l2vpn"] = config
        stored["l2vpnVersion"] += 1
    return Response(status=204)


def enable_service(call, edge_id):
    edge, _state = _nsxv_edge(call, edge_id, inferred.CONFIGURE_L2VPN)
    value = call.request.args.get("enableService")
    if value not in ("true", "false"):
        raise _error("The query parameter enableService=true|false is required.")
    if edge.get("l2vpn") is None:
        raise _error("L2 VPN is not configured on edge %s." % edge["name"])
    with call.appliance.store.edit() as draft:
        stored = draft["edges"][edge["id"]]
        stored["l2vpn"]["enabled"] = value == "true"
        stored["l2vpnVersion"] += 1
    return Response(status=204)


def delete_config(call, edge_id):
    edge, _state = _nsxv_edge(call, edge_id, inferred.CONFIGURE_L2VPN)
    with call.appliance.store.edit() as draft:
        stored = draft["edges"][edge["id"]]
        stored["l2vpn"] = None
        stored["l2vpnVersion"] += 1
    return Response(status=204)


def statistics(call, edge_id):
    edge, state = _nsxv_edge(call, edge_id, inferred.VIEW_L2VPN)
    root = etree.Element("l2vpnStatusAndStats")
    sub(root, "timeStamp", int(time.time()))
    stats = sub(root, "siteStats")
    config = edge.get("l2vpn")
    for peer in (config or {}).get("peerSites", []):
        status = l2vpn_clients.peer_status(state, edge, peer)
        node = sub(stats, "l2vpnStats")
        sub(node, "name", peer["name"])
        sub(node, "tunnelStatus", "up" if status["up"] else "down")
        if status["up"]:
            sub(node, "establishedDate", status["since"])
        sub(node, "txBytesFromLocalSubnet", status["bytes"])
        sub(node, "rxBytesOnLocalSubnet", status["bytes"])
        sub(node, "encryptionAlgorithm", config["encryptionAlgorithm"])
        if not status["up"]:
            sub(node, "failureMessage", status["reason"])
    return xml_response(200, root, "application/xml")


def endpoints(appliance):
    a = appliance.any_media
    base = "/network/edges/<edge_id>"
    return [
        Endpoint("GET", base + "/vdcNetworks", vdc_networks, media=a),
        Endpoint("GET", base + "/l2vpn/config", get_config, media=a),
        Endpoint("PUT", base + "/l2vpn/config", put_config, media=a, body="xml", schema=L2VPN, content_types=XML_TYPES),
        Endpoint("POST", base + "/l2vpn/config", enable_service, media=a),
        Endpoint("DELETE", base + "/l2vpn/config", delete_config, media=a),
        Endpoint("GET", base + "/l2vpn/config/statistics", statistics, media=a),
    ]


# ----- lab-only: standalone client VMs ----------------------------------------------------------------
def control_routes(appliance, bp):
    def reply(payload, status=200):
        return Response(json.dumps(payload, indent=1), status=status, content_type="application/json")

    def body():
        try:
            data = json.loads(request.get_data(cache=True) or b"{}")
        except ValueError as exc:
            raise ApiError(400, "BadUserInput", "The body is not valid JSON: %s" % exc) from None
        if not isinstance(data, dict):
            raise ApiError(400, "BadUserInput", "The body must be a JSON object.")
        return data

    @bp.get("/l2vpn-clients")
    def list_clients():
        return reply({"clients": l2vpn_clients.describe(appliance)})

    @bp.post("/l2vpn-clients")
    def add_client():
        return reply(l2vpn_clients.upsert(appliance, body()), 201)

    @bp.delete("/l2vpn-clients/<name>")
    def delete_client(name):
        return reply({"removed": l2vpn_clients.remove(appliance, name)})

    @bp.post("/l2vpn-clients/sync-vcsim")
    def sync_vcsim():
        return reply({"clients": l2vpn_clients.sync_vcsim(appliance, body())})
