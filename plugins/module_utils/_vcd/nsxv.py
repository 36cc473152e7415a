# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NSX-V through the vCD proxy: edge interfaces (``/network/edges/{uuid}/vdcNetworks``: subinterface
index and tunnel id) and the SSL L2 VPN server document (``/l2vpn/config``), built in the documented element
order and parsed back, with its statistics. Knows nothing of Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import etree

CIPHERS = ("RC4-MD5", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA", "AES128-GCM-SHA256", "NULL-MD5")
LOG_LEVELS = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")


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
