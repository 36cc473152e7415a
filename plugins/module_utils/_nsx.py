# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NSX pieces of data-center extension (contract vcd-nsx.md §3a-§3c, §4b). Knows nothing of Ansible.

- NSX-V through the vCD proxy: edge interfaces (``/network/edges/{uuid}/vdcNetworks``: subinterface
  index and tunnel id), the SSL L2 VPN server document (``/l2vpn/config``) built in the documented
  element order and parsed back, and its statistics;
- NSX-T tunnels of vCD edge gateways: the managed view and request bodies;
- ``NsxEdgeClient``: the NSX autonomous edge REST API (HTTP Basic) for L2 VPN client sessions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import re

from ansible_collections.cloudmove.vcda.plugins.module_utils import _vcd_inferred as inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._errors import ApiError, InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._http import HttpClient
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import etree

CIPHERS = ("RC4-MD5", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA", "AES128-GCM-SHA256", "NULL-MD5")
LOG_LEVELS = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
INITIATION_MODES = {"initiator": "INITIATOR", "respond_only": "RESPOND_ONLY", "on_demand": "ON_DEMAND"}


def _text(node, path, default=None):
    value = node.findtext(path) if node is not None else None
    return value.strip() if value is not None else default


def _bool(value, default=False):
    if value is None:
        return default
    return str(value).strip().lower() == "true"


def _sub(parent, tag, value=None):
    node = etree.SubElement(parent, tag)
    if value is not None:
        node.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return node


# ----- NSX-V: edge interfaces ----------------------------------------------------------------------
def edge_interfaces(root):
    """``<edgeInterfaces>`` -> ``[{"name","type","index","network_id","tunnel_id"}]``."""
    out = []
    for item in root.iter("edgeInterface"):
        index, tunnel = _text(item, "index"), _text(item, "tunnelId")
        out.append({"name": _text(item, "name"), "type": (_text(item, "type") or "").lower(),
                    "index": int(index) if index else None,
                    "network_id": _text(item, "networkReference/id"),
                    "tunnel_id": int(tunnel) if tunnel else None})
    return out


# ----- NSX-V: L2 VPN server document ---------------------------------------------------------------
def parse_l2vpn(root):
    """``<l2Vpn>`` -> ``{"enabled", "logging": {"enabled","level"}, "configured", "listener_ip", "listener_port",
    "cipher", "server_certificate", "peer_sites": [{"name","description","user_id","password"?,"indexes",
    "egress_gateways","enabled"}]}``. ``password`` is present only when the GET showed sensitive data."""
    conf = root.find("l2VpnSites/l2VpnSite/server/configuration")
    out = {"enabled": _bool(_text(root, "enabled")),
           "logging": {"enabled": _bool(_text(root, "logging/enable")),
                       "level": (_text(root, "logging/logLevel") or "info").lower()},
           "configured": conf is not None, "version": _text(root, "version")}
    if conf is None:
        return out
    port = _text(conf, "listenerPort")
    out.update(listener_ip=_text(conf, "listenerIp"), listener_port=int(port) if port else 443,
               cipher=_text(conf, "encryptionAlgorithm") or "AES128-GCM-SHA256",
               server_certificate=_text(conf, "serverCertificate"), peer_sites=[])
    for node in conf.findall("peerSites/peerSite"):
        site = {"name": _text(node, "name"), "description": _text(node, "description", ""),
                "user_id": _text(node, "l2VpnUser/userId"),
                "indexes": sorted(int(i.text) for i in node.findall("vnics/index") if i.text),
                "egress_gateways": [e.text.strip() for e in node.findall("egressOptimization/gatewayIpAddress") if e.text],
                "enabled": _bool(_text(node, "enabled"), True)}
        password = node.find("l2VpnUser/password")
        if password is not None and password.text:
            site["password"] = password.text
        out["peer_sites"].append(site)
    return out


def build_l2vpn(config):
    """The ``PUT …/l2vpn/config`` body in the documented element order (every password included)."""
    root = etree.Element("l2Vpn")
    _sub(root, "enabled", bool(config["enabled"]))
    logging = _sub(root, "logging")
    _sub(logging, "enable", bool(config["logging"]["enabled"]))
    _sub(logging, "logLevel", config["logging"]["level"].upper())
    conf = _sub(_sub(_sub(_sub(root, "l2VpnSites"), "l2VpnSite"), "server"), "configuration")
    _sub(conf, "listenerIp", config["listener_ip"])
    _sub(conf, "listenerPort", config["listener_port"])
    _sub(conf, "encryptionAlgorithm", config["cipher"])
    if config.get("server_certificate"):
        _sub(conf, "serverCertificate", config["server_certificate"])
    peers = _sub(conf, "peerSites")
    for site in config["peer_sites"]:
        if not site.get("password"):
            raise InputError("peer_sites: the password of peer site %s must be given (NSX needs it on every change)"
                             % site["name"], option="peer_sites")
        node = _sub(peers, "peerSite")
        _sub(node, "name", site["name"])
        if site.get("description"):
            _sub(node, "description", site["description"])
        user = _sub(node, "l2VpnUser")
        _sub(user, "userId", site["user_id"])
        _sub(user, "password", site["password"])
        vnics = _sub(node, "vnics")
        for index in site["indexes"]:
            _sub(vnics, "index", index)
        if site.get("egress_gateways"):
            egress = _sub(node, "egressOptimization")
            for address in site["egress_gateways"]:
                _sub(egress, "gatewayIpAddress", address)
        _sub(node, "enabled", bool(site.get("enabled", True)))
    return root


def parse_statistics(root):
    """``<l2vpnStatusAndStats>`` -> ``{peer site name: {"status","established","failure"}}``."""
    out = {}
    for node in root.iter("l2vpnStats"):
        out[_text(node, "name")] = {"status": (_text(node, "tunnelStatus") or "unknown").lower(),
                                    "established": _text(node, "establishedDate"),
                                    "failure": _text(node, "failureMessage")}
    return out


# ----- NSX-T tunnels of vCD edge gateways ----------------------------------------------------------
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
    live body is the base (its ``version`` and the server-assigned tunnel ids are kept)."""
    body = dict(live or {})
    body.pop("peerCode", None)
    body.update(name=desired["name"], sessionMode="SERVER", preSharedKey=psk)
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


# ----- peer codes ----------------------------------------------------------------------------------
def peer_code_fingerprint(code):
    """A short SHA-256 fingerprint of a peer code: tells a changed code apart without keeping it."""
    return hashlib.sha256(("cloudmove.vcda:" + (code or "")).encode("utf-8")).hexdigest()[:16]


FINGERPRINT_MARK = re.compile(r"\s*\[peer code ([0-9a-f]{16})\]\s*$")


def with_fingerprint(description, code):
    return ("%s [peer code %s]" % (strip_fingerprint(description), peer_code_fingerprint(code))).strip()


def strip_fingerprint(description):
    return FINGERPRINT_MARK.sub("", description or "")


def fingerprint_of(description):
    match = FINGERPRINT_MARK.search(description or "")
    return match.group(1) if match else None


def check_peer_code(code, option="peer_code"):
    """A peer code is base64 (vCD ``peerCode``); anything else fails before any change."""
    try:
        base64.b64decode((code or "").encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise InputError("%s: not a peer code (base64 text from the server tunnel's peerCode)" % option, option=option)
    if not code:
        raise InputError("%s: required to create the L2 VPN session" % option, option=option)


def parse_vlan_map(items, option="l2_extensions"):
    """``[{"vlan", "tunnel_id"}]`` validated: VLAN 0-4094 (ranges ``"100-102"`` with as many tunnel ids),
    tunnel id 1-4093, no VLAN or tunnel id twice (overlaps fail)."""
    out, vlans, tunnels = [], {}, {}
    for item in items or []:
        vlan_text = str(item.get("vlan")).strip()
        match = re.match(r"^(\d+)(?:-(\d+))?$", vlan_text)
        if not match:
            raise InputError("%s: vlan '%s' is not a VLAN id or range such as 100 or 100-102" % (option, vlan_text),
                             option=option)
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        first_tunnel = int(item.get("tunnel_id"))
        if not 0 <= first <= last <= 4094:
            raise InputError("%s: VLAN %s is outside 0-4094 or ends before it starts" % (option, vlan_text), option=option)
        for offset in range(last - first + 1):
            vlan, tunnel = first + offset, first_tunnel + offset
            if not 1 <= tunnel <= 4093:
                raise InputError("%s: tunnel id %d (for VLAN %d) is outside 1-4093" % (option, tunnel, vlan), option=option)
            if vlan in vlans:
                raise InputError("%s: VLAN %d is mapped twice (%s overlaps %s)" % (option, vlan, vlan_text, vlans[vlan]),
                                 option=option)
            if tunnel in tunnels:
                raise InputError("%s: tunnel id %d is mapped twice (VLANs %d and %d)" % (option, tunnel, tunnels[tunnel],
                                                                                         vlan), option=option)
            vlans[vlan], tunnels[tunnel] = vlan_text, vlan
            out.append({"vlan": vlan, "tunnel_id": tunnel})
    return sorted(out, key=lambda e: e["vlan"])


# ----- NSX autonomous edge -------------------------------------------------------------------------
class NsxEdgeClient(object):
    """The L2 VPN client side of an NSX autonomous edge (HTTP Basic, JSON)."""

    BASE = "/api/v1/vpn/l2vpn/sessions"

    def __init__(self, url, username, password, validate_certs=True, thumbprint=None, request_timeout=60, http=None):
        if not re.match(r"^https?://[^/]+$", (url or "").rstrip("/")):
            raise InputError("url: '%s' must be the edge address without a path, such as https://edge.example.com"
                             % url, option="url")
        if not password:
            raise InputError("password: required", option="password")
        token = base64.b64encode(("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")
        self.http = http or HttpClient(url, validate_certs=validate_certs, thumbprint=thumbprint, timeout=request_timeout,
                                       headers={"Authorization": "Basic " + token, "Accept": "application/json"},
                                       secret_headers=("Authorization",))

    def sessions(self):
        items, cursor = [], None
        while True:
            body = self.http.get(self.BASE, params={"cursor": cursor} if cursor else None) or {}
            items.extend(body.get("results") or [])
            cursor = body.get("cursor")
            if not cursor:
                return items

    def find(self, name):
        hits = [s for s in self.sessions() if s.get("display_name") == name]
        return hits[0] if hits else None

    def create(self, name, description, enabled, peer_code, peer_address, local_address):
        body = {"display_name": name, "description": description, "enabled": enabled,
                "transport_tunnels": [{"peer_code": peer_code, "peer_address": peer_address,
                                       "local_address": local_address}]}
        try:
            return self.http.post(self.BASE, body, params={"action": "create_with_peer_code"})
        except ApiError as error:  # never echo a request that held the peer code
            raise ApiError(error.method, error.url.split("?")[0], error.status, error.api_message, error.code)

    def delete(self, session_id):
        self.http.delete("%s/%s" % (self.BASE, session_id))

    def status(self, session_id):
        return self.http.get("%s/%s/status" % (self.BASE, session_id)) or {}

    def extensions(self, session_id):
        body = self.http.get(inferred.L2_EXTENSIONS_PATH % (self.BASE, session_id)) or {}
        return sorted(({"vlan": e["vlan"], "tunnel_id": e["tunnel_id"]} for e in body.get("results") or []),
                      key=lambda e: e["vlan"])

    def set_extensions(self, session_id, items):
        self.http.put(inferred.L2_EXTENSIONS_PATH % (self.BASE, session_id), {"results": items})
