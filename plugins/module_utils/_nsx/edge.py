# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The NSX autonomous edge (the tenant's L2 VPN client): peer codes, VLAN to tunnel id maps and the REST client
(HTTP Basic, JSON) for its L2 VPN client sessions. Knows nothing of Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import re

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import ApiError, InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.http import HttpClient
from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx import inferred


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


def parse_vlan_map(items, option="l2_extensions", unknown_tunnels=False):
    """``[{"vlan", "tunnel_id"}]`` validated: VLAN 0-4094 (ranges ``"100-102"`` with as many tunnel ids),
    tunnel id 1-4093, no VLAN or tunnel id twice (overlaps fail). ``unknown_tunnels`` (check mode on a fresh site,
    the server tunnel only predicted): a tunnel id may be None, kept as None."""
    out, vlans, tunnels = [], {}, {}
    for item in items or []:
        vlan_text = str(item.get("vlan")).strip()
        match = re.match(r"^(\d+)(?:-(\d+))?$", vlan_text)
        if not match:
            raise InputError("%s: vlan '%s' is not a VLAN id or range such as 100 or 100-102" % (option, vlan_text),
                             option=option)
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if item.get("tunnel_id") is None and not unknown_tunnels:
            raise InputError("%s: tunnel_id of VLAN %s is required" % (option, vlan_text), option=option)
        first_tunnel = None if item.get("tunnel_id") is None else int(item.get("tunnel_id"))
        if not 0 <= first <= last <= 4094:
            raise InputError("%s: VLAN %s is outside 0-4094 or ends before it starts" % (option, vlan_text), option=option)
        for offset in range(last - first + 1):
            vlan, tunnel = first + offset, None if first_tunnel is None else first_tunnel + offset
            if tunnel is None:
                if vlan in vlans:
                    raise InputError("%s: VLAN %d is mapped twice (%s overlaps %s)" % (option, vlan, vlan_text,
                                                                                       vlans[vlan]), option=option)
                vlans[vlan] = vlan_text
                out.append({"vlan": vlan, "tunnel_id": None})
                continue
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


def session_view(session, extensions):
    """A client session as the modules show it: ``id``, ``name``, ``peer_address``, ``local_address``, ``enabled``,
    ``description`` (without the peer code fingerprint) and ``l2_extensions``; never the peer code."""
    if session is None:
        return {}
    tunnel = (session.get("transport_tunnels") or [{}])[0]
    return {"id": session.get("id"), "name": session.get("display_name"), "peer_address": tunnel.get("peer_address"),
            "local_address": tunnel.get("local_address"), "enabled": session.get("enabled", True),
            "description": strip_fingerprint(session.get("description")), "l2_extensions": extensions}


# ----- NSX autonomous edge -------------------------------------------------------------------------
class NsxEdgeClient(object):
    """The L2 VPN client side of an NSX autonomous edge (HTTP Basic, JSON)."""

    BASE = "/api/v1/vpn/l2vpn/sessions"

    def __init__(self, url, username, password, validate_certs=True, thumbprint=None, request_timeout=60, http=None,
                 ca_path=None, proxy_url=None):
        if not re.match(r"^https?://[^/]+$", (url or "").rstrip("/")):
            raise InputError("url: '%s' must be the edge address without a path, such as https://edge.example.com"
                             % url, option="url")
        if not password:
            raise InputError("password: required", option="password")
        token = base64.b64encode(("%s:%s" % (username, password)).encode("utf-8")).decode("ascii")
        self.http = http or HttpClient(url, validate_certs=validate_certs, thumbprint=thumbprint, timeout=request_timeout,
                                       headers={"Authorization": "Basic " + token, "Accept": "application/json"},
                                       ca_path=ca_path, proxy_url=proxy_url)

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
            return self.http.post(self.BASE, body, params={"action": "create_with_peer_code"},
                                  find_existing=lambda: self.find(name))
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
