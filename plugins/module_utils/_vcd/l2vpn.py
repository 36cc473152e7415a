# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The L2 VPN server of a Cloud Director edge gateway (docs/api/vcd-nsx.md#nsx-v-l2-vpn-server, #nsx-t-l2-vpn-tunnels).

Compare-then-act without secrets: the managed view never holds passwords, pre-shared keys or peer
codes. Whether a secret differs is decided where it can be known (NSX-V passwords read with
``showSensitiveData``; the PSK inside a peer code of a known format, see ``_vcd_inferred``);
otherwise ``update_secrets`` decides (``always``: send every run, ``on_create``: only with
another change). Knows nothing of Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import MASK, compute_delta
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.nsxt import tunnel_body, tunnel_ids, tunnel_view
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.nsxv import build_l2vpn, edge_interfaces, parse_l2vpn, parse_statistics
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import OPENAPI, fiql, not_found, urn_uuid

PEER_SITE_DEFAULTS = {"description": "", "egress_gateways": [], "enabled": True}


def gateway_networks(client, gateway):
    """``{name: OpenAPI network}`` of the org VDC networks routed by ``gateway``."""
    vdc = (gateway.get("orgVdc") or gateway.get("ownerRef") or {}).get("id")
    nets = client.list_all(OPENAPI + "/orgVdcNetworks", fiql(orgVdc__id=vdc) if vdc else None)
    return dict((n["name"], n) for n in nets
                if (((n.get("connection") or {}).get("routerRef")) or {}).get("id") == gateway["id"])


def _proxy(gateway, tail=""):
    return "/network/edges/%s/l2vpn/config%s" % (urn_uuid(gateway["id"]), tail)


# ----- NSX-V ---------------------------------------------------------------------------------------
def nsxv_interfaces(client, gateway):
    return edge_interfaces(client.xml("GET", "/network/edges/%s/vdcNetworks" % urn_uuid(gateway["id"])))


def indexes_for(names, interfaces, gateway_name, site_name):
    """Subinterface indexes of the networks ``names``; clear errors for unknown or non-subinterface networks."""
    by_name = dict((i["name"], i) for i in interfaces if i["type"] != "uplink")
    out = []
    for name in names:
        item = by_name.get(name)
        if item is None:
            raise not_found("network on edge gateway %s" % gateway_name, name, list(by_name),
                            option="peer_sites[%s].stretched_networks" % site_name)
        if item["type"] != "subinterface":
            raise InputError("peer_sites[%s].stretched_networks: network %s is a%s %s interface of %s, not a "
                             "subinterface; convert it first (cloudmove.vcda.vcd_org_vdc_network interface_type="
                             "subinterface)" % (site_name, name, "n" if item["type"][0] in "aeiou" else "",
                                                item["type"], gateway_name),
                             option="peer_sites")
        out.append(item["index"])
    return sorted(out)


def nsxv_view(config, interfaces):
    """Managed, secret-free view of a parsed ``l2Vpn`` (indexes shown as network names)."""
    if not config or not config.get("configured"):
        return {}
    # Only subinterfaces: a distributed interface may carry the same index in its own numbering.
    names = dict((i["index"], i["name"]) for i in interfaces if i["type"] == "subinterface")
    return {"enabled": config["enabled"], "logging": dict(config["logging"]), "listener_ip": config["listener_ip"],
            "listener_port": config["listener_port"], "cipher": config["cipher"],
            "server_certificate": config.get("server_certificate"),
            "peer_sites": sorted(({"name": s["name"], "description": s.get("description") or "", "user_id": s["user_id"],
                                   "stretched_networks": sorted(names.get(i, str(i)) for i in s["indexes"]),
                                   "egress_gateways": sorted(s.get("egress_gateways") or []),
                                   "enabled": s.get("enabled", True)} for s in config.get("peer_sites") or []),
                                 key=lambda s: s["name"])}


def nsxv_desired(spec, live, interfaces, gateway_name):
    """The full configuration to PUT: live values where the user set nothing, passwords from the user."""
    if not live.get("configured"):
        missing = [k for k in ("listener_ip", "peer_sites") if spec.get(k) is None]
        if missing:
            raise InputError("%s: required to configure the L2 VPN server of %s the first time"
                             % (" and ".join(missing), gateway_name), option=missing[0])
    config = {"enabled": True if spec.get("enabled") is None and not live.get("configured") else live.get("enabled"),
              "logging": dict(live.get("logging") or {"enabled": False, "level": "info"}),
              "listener_ip": live.get("listener_ip"), "listener_port": live.get("listener_port") or 443,
              "cipher": live.get("cipher") or "AES128-GCM-SHA256",
              "server_certificate": live.get("server_certificate"), "peer_sites": live.get("peer_sites") or []}
    for key in ("enabled", "listener_ip", "listener_port", "cipher", "server_certificate"):
        if spec.get(key) is not None:
            config[key] = spec[key]
    for key in ("enabled", "level"):
        if (spec.get("logging") or {}).get(key) is not None:
            config["logging"][key] = spec["logging"][key]
    if spec.get("peer_sites") is not None:
        names = [s["name"] for s in spec["peer_sites"]]
        if len(set(names)) != len(names):
            raise InputError("peer_sites: a peer site name is listed twice", option="peer_sites")
        sites = []
        for site in spec["peer_sites"]:
            item = dict(PEER_SITE_DEFAULTS)
            item.update((k, v) for k, v in site.items() if v is not None and k != "stretched_networks")
            item["egress_gateways"] = sorted(item.get("egress_gateways") or [])
            item["indexes"] = indexes_for(site["stretched_networks"], interfaces, gateway_name, site["name"])
            sites.append(item)
        used = [i for s in sites for i in s["indexes"]]
        if len(set(used)) != len(used):
            raise InputError("peer_sites: a network is stretched by two peer sites", option="peer_sites")
        config["peer_sites"] = sites
    return config


def nsxv_secrets(desired, live):
    """``(differ, unknown)``: peer sites whose password is known to differ / cannot be compared."""
    live_sites = dict((s["name"], s) for s in live.get("peer_sites") or [])
    differ, unknown = [], []
    for site in desired["peer_sites"]:
        current = live_sites.get(site["name"])
        if current is None:
            continue  # a new site: shown in the view
        if "password" not in current:
            unknown.append(site["name"])
        elif site.get("password") is not None and current["password"] != site["password"]:
            differ.append(site["name"])
    return differ, unknown


def predicted_networks(spec, known, check_mode, warn=None):
    """Check mode only: the stretched networks of ``spec`` that do not exist yet (an earlier task in the same check
    run only predicted creating them, as on a fresh site). They are predicted to exist, with a warning; the real
    run still fails on a network that does not exist."""
    if not check_mode:
        return []
    names = spec.get("stretched_networks") or []
    names = list(names) + [n for s in spec.get("peer_sites") or [] for n in s.get("stretched_networks") or []]
    missing = sorted(set(n for n in names if n not in known))
    if missing and warn is not None:
        warn("check mode: network%s %s not found; predicted to exist once an earlier task creates %s (a real run "
             "fails on a network that does not exist)" % ("s" if len(missing) > 1 else "", ", ".join(missing),
                                                          "them" if len(missing) > 1 else "it"))
    return missing


def reconcile_nsxv(client, gateway, spec, rec, warn=None):
    """The NSX-V server through the vCD proxy; ``rec`` the module's ``Reconciler``. The result's ``outcome``
    is the core's (views without passwords). ``warn``: check mode's predictions (``predicted_networks``)."""
    interfaces = nsxv_interfaces(client, gateway)
    known = set(i["name"] for i in interfaces if i["type"] != "uplink")
    predicted = predicted_networks(spec, known, rec.check_mode, warn)
    # a predicted subinterface has no index yet: negative ones never meet a real index
    interfaces = list(interfaces) + [{"name": name, "type": "subinterface", "index": -1 - number, "tunnel_id": None}
                                     for number, name in enumerate(predicted)]
    live = parse_l2vpn(client.xml("GET", _proxy(gateway), params=inferred.SHOW_SENSITIVE))
    before = nsxv_view(live, interfaces)
    if spec["state"] == "absent":
        outcome = rec.act(bool(live.get("configured")), before, {}, apply=lambda: client.xml("DELETE", _proxy(gateway)),
                          action="delete")
        return {"outcome": outcome, "server": {}, "tunnels": {}, "secrets_sent": False}
    desired = nsxv_desired(spec, live, interfaces, gateway["name"])
    after = nsxv_view(dict(desired, configured=True), interfaces)
    if spec.get("peer_sites") is None:  # keep the live sites: their passwords must be known to re-send them
        lacking = [s["name"] for s in desired["peer_sites"] if not s.get("password")]
        if lacking and before != after:
            raise InputError("peer_sites: give the peer sites (with their passwords): NSX needs every password on "
                             "each change and does not return %s" % ", ".join(lacking), option="peer_sites")
    differ, unknown = nsxv_secrets(desired, live)
    send_secrets = bool(differ) or (bool(unknown) and spec.get("update_secrets") == "always")
    shown_after = dict(after)
    if differ or send_secrets:
        shown_after["peer_sites"] = [dict(s, password=MASK + " (updated)") if s["name"] in differ or
                                     (send_secrets and s["name"] in unknown) else s for s in after["peer_sites"]]
    outcome = rec.act(before != after or send_secrets, before, shown_after, action="update", apply=lambda: client.xml(
        "PUT", _proxy(gateway), build_l2vpn(desired), content_type="application/xml"))
    ids = dict((i["name"], i["tunnel_id"]) for i in interfaces if i["type"] == "subinterface")
    stretched = sorted(set(n for s in after["peer_sites"] for n in s["stretched_networks"]))
    return {"outcome": outcome, "server": after, "tunnels": dict((n, ids.get(n)) for n in stretched),
            "secrets_sent": outcome.changed}


# ----- NSX-T ---------------------------------------------------------------------------------------
def _tunnels_path(gateway, tunnel_id=None):
    path = "%s/edgeGateways/%s/l2vpn/tunnels" % (OPENAPI, gateway["id"])
    return path + ("/" + tunnel_id if tunnel_id else "")


def find_tunnel(client, gateway, name, required=False):
    return client.find_by_name(_tunnels_path(gateway), name, "L2 VPN tunnel on %s" % gateway["name"], "name",
                               required=required)


def live_key(tunnel):
    """The pre-shared key a tunnel read by id shows in clear (API < 38.0), else None (masked from 38.0)."""
    psk = (tunnel or {}).get("preSharedKey")
    return psk if psk and psk != inferred.MASKED_PSK else None


def reconcile_nsxt(client, gateway, spec, rec, secret=None, warn=None):
    """The NSX-T SERVER tunnel; ``rec`` the module's ``Reconciler``, ``secret(value)`` registers a secret read
    from the cell (the key in clear below API 38.0). The result's ``outcome`` is the core's. ``warn``: check
    mode's predictions (``predicted_networks``)."""
    listed = find_tunnel(client, gateway, spec["name"])
    # The list carries neither the key nor the peer code (terraform-provider-vcd reads the tunnel by id for both).
    live = client.json("GET", _tunnels_path(gateway, listed["id"])) if listed is not None else None
    if live is not None and live.get("sessionMode") != "SERVER":
        raise InputError("name: the tunnel %s on %s is a %s session; its session mode cannot change"
                         % (spec["name"], gateway["name"], live.get("sessionMode")), option="name")
    before = tunnel_view(live) or {}
    if spec["state"] == "absent":
        outcome = rec.act(live is not None, before, {}, action="delete",
                          apply=lambda: client.json("DELETE", _tunnels_path(gateway, live["id"])))
        return {"outcome": outcome, "server": {}, "tunnels": {}, "secrets_sent": False, "peer_code": None}
    if live is None:
        missing = [k for k in ("local_endpoint_ip", "remote_endpoint_ip", "pre_shared_key") if not spec.get(k)]
        if missing:
            raise InputError("%s: required to create the L2 VPN tunnel %s" % (" and ".join(missing), spec["name"]),
                             option=missing[0])
    networks = {}
    if spec.get("stretched_networks") is not None:
        routed = gateway_networks(client, gateway)
        routed.update((name, {"id": None}) for name in predicted_networks(spec, routed, rec.check_mode, warn))
        for name in spec["stretched_networks"]:
            if name not in routed:
                raise not_found("org VDC network routed by %s" % gateway["name"], name, list(routed),
                                option="stretched_networks")
            networks[name] = routed[name]["id"]
    keys = ("name", "description", "local_endpoint_ip", "remote_endpoint_ip", "tunnel_interface", "initiation_mode",
            "enabled", "logging")
    desired = dict((k, spec.get(k)) for k in keys)
    desired["stretched_networks"] = sorted(spec["stretched_networks"]) if spec.get("stretched_networks") is not None \
        else None
    desired = dict((k, v) for k, v in desired.items() if v is not None)
    after = dict(before)
    after.update(desired)
    if live is None:
        after.setdefault("enabled", True)
    clear_psk = live_key(live)
    if clear_psk and secret is not None:
        secret(clear_psk)
    known_psk = clear_psk or inferred.psk_from_peer_code((live or {}).get("peerCode"))
    wanted_psk = spec.get("pre_shared_key")
    psk_differs = live is not None and wanted_psk is not None and known_psk is not None and known_psk != wanted_psk
    psk_unknown = live is not None and wanted_psk is not None and known_psk is None
    send = live is None or bool(compute_delta(before, desired)) or psk_differs or \
        (psk_unknown and spec.get("update_secrets") == "always")

    def apply():
        # The user's key, else the live one read in clear (API < 38.0), else none: the field is left out and the
        # cell keeps its key [I]. Never the mask: a real cell takes "******" as the new key.
        psk = wanted_psk or clear_psk
        if live is None:
            tunnel_id = client.json("POST", _tunnels_path(gateway), tunnel_body(desired, networks, psk),
                                    find_existing=lambda: (find_tunnel(client, gateway, spec["name"]) or {}).get("id"))
            tunnel_id = tunnel_id or find_tunnel(client, gateway, spec["name"], required=True)["id"]
            return client.json("GET", _tunnels_path(gateway, tunnel_id))  # by id: the list has no peer code
        if spec.get("stretched_networks") is None:
            desired.pop("stretched_networks", None)
        client.json("PUT", _tunnels_path(gateway, live["id"]), tunnel_body(desired, networks, psk, live))
        return client.json("GET", _tunnels_path(gateway, live["id"]))
    shown_after = dict(after)
    if psk_differs or (send and psk_unknown):
        shown_after["pre_shared_key"] = MASK + " (updated)"
    outcome = rec.act(send, before, shown_after, apply=apply, obj=live, action="create" if live is None else "update")
    result = outcome.obj
    ids = tunnel_ids(result)
    return {"outcome": outcome, "server": tunnel_view(result) or after,
            "tunnels": dict((n, ids.get(n)) for n in after.get("stretched_networks") or []),
            "secrets_sent": bool(send and (wanted_psk or clear_psk)), "peer_code": (result or {}).get("peerCode"),
            "tunnel_id": (result or {}).get("id")}


# ----- status (both backings) ----------------------------------------------------------------------
def status(client, gateway, backing, names=None):
    """``{name: {"status": "up"|"down"|..., "failure": str|None}}`` per NSX-V peer site or NSX-T tunnel."""
    out = {}
    if backing == "nsxv":
        stats = parse_statistics(client.xml("GET", _proxy(gateway, "/statistics")))
        for name, item in stats.items():
            out[name] = {"status": item["status"], "failure": item["failure"], "established": item["established"]}
    else:
        for tunnel in client.list_all(_tunnels_path(gateway)):
            body = client.json("GET", _tunnels_path(gateway, tunnel["id"]) + "/status") or {}
            out[tunnel["name"]] = {"status": (body.get("runtimeStatus") or "unknown").lower(),
                                   "failure": body.get("failureReason"), "tunnel_id": tunnel["id"],
                                   "tunnels": tunnel_ids(tunnel)}
    if names is not None:
        out = dict((k, v) for k, v in out.items() if k in names)
    return out
