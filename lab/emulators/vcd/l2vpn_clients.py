"""LAB-ONLY: how the lab learns that an NSX-V standalone L2VPN client edge was deployed.

A real standalone edge dials the server; nothing in the lab can. Instead the vCD appliance keeps
"client VM" records (``state.l2vpnClients``), fed by ``POST /_lab/l2vpn-clients``
(``{"name", "poweredOn", "properties": {"l2vpn.server.address": …}}``) or by
``POST /_lab/l2vpn-clients/sync-vcsim`` (reads ``lab/run/vcsim-tenant.json``, logs in with
pyvmomi and takes every VM with ``l2vpn.*`` vApp properties). Keys are the lab-defined ones of
``lab/ova/make_ova.py --kind l2vpn-client`` (the real OVF keys are unknown:
docs/api/open-questions.md#l2-vpn-client-ovf-keys).

A peer site is **up** when a powered-on client has: ``l2vpn.server.address`` = ``listenerIp``,
``l2vpn.server.port`` = ``listenerPort``, ``l2vpn.cipher`` = ``encryptionAlgorithm``,
``l2vpn.user.id``/``l2vpn.user.password`` = the peer site's user, and ``l2vpn.vlan.tunnel_ids``
(``VLAN(tunnelId),…``) naming exactly the tunnel ids of the peer site's subinterfaces; the L2VPN
service and the peer site must be enabled.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import ssl
from typing import Any, Dict, List

from ..common.errors import ApiError

_TUNNEL = re.compile(r"^\s*(\d{1,4})\((\d{1,4})\)\s*$")
SECRET_KEYS = ("password",)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_tunnel_ids(value: str):
    """``"10(1),20(2)"`` -> ``{1: 10, 2: 20}`` (tunnel id -> VLAN); None when malformed."""
    out = {}
    for part in (value or "").split(","):
        if not part.strip():
            continue
        found = _TUNNEL.match(part)
        if not found:
            return None
        out[int(found.group(2))] = int(found.group(1))
    return out


def _mismatch(client: Dict[str, Any], config: Dict[str, Any], peer: Dict[str, Any], tunnel_ids) -> str:
    props = client["properties"]
    if not client.get("poweredOn", True):
        return "client VM is powered off"
    checks = [("l2vpn.server.address", config["listenerIp"]), ("l2vpn.server.port", str(config["listenerPort"])),
              ("l2vpn.cipher", config["encryptionAlgorithm"]), ("l2vpn.user.id", peer["userId"]),
              ("l2vpn.user.password", peer["password"])]
    for key, expected in checks:
        given = str(props.get(key, "443" if key == "l2vpn.server.port" else "")).strip()
        if given != expected:
            return "%s differs" % key if key in ("l2vpn.user.password",) else "%s is %r, the server expects %r" % (key, given, expected)
    given_ids = parse_tunnel_ids(props.get("l2vpn.vlan.tunnel_ids", ""))
    if given_ids is None:
        return "l2vpn.vlan.tunnel_ids is not a VLAN(tunnelId) list"
    if set(given_ids) != set(tunnel_ids):
        return "tunnel ids %s do not match the server's %s" % (sorted(given_ids), sorted(tunnel_ids))
    return ""


def peer_status(state, edge, peer) -> Dict[str, Any]:
    config = edge.get("l2vpn") or {}
    if not config.get("enabled"):
        return {"up": False, "reason": "L2 VPN service disabled", "bytes": 0, "since": None}
    if not peer["enabled"]:
        return {"up": False, "reason": "peer site disabled", "bytes": 0, "since": None}
    tunnel_ids = [n["tunnelId"] for n in state["networks"].values()
                  if n.get("edge") == edge["id"] and n.get("vnicIndex") in peer["vnics"] and n.get("tunnelId")]
    reasons = []
    for client in state.get("l2vpnClients", {}).values():
        reason = _mismatch(client, config, peer, tunnel_ids)
        if not reason:
            return {"up": True, "reason": "", "bytes": 4096, "since": client["since"]}
        reasons.append("%s: %s" % (client["name"], reason))
    return {"up": False, "reason": "; ".join(reasons) or "no client connected", "bytes": 0, "since": None}


def _check(data) -> Dict[str, Any]:
    name, props = data.get("name"), data.get("properties")
    powered = data.get("poweredOn", True)
    unknown = set(data) - {"name", "poweredOn", "properties", "source"}
    if unknown or not isinstance(name, str) or not name or not isinstance(props, dict) or not isinstance(powered, bool) \
            or not all(isinstance(k, str) and isinstance(v, (str, int)) for k, v in props.items()):
        raise ApiError(400, "BadUserInput", 'Expected {"name": str, "poweredOn": bool, "properties": {"l2vpn.…": str}}.')
    return {"name": name, "poweredOn": powered, "properties": {k: str(v) for k, v in props.items()},
            "source": data.get("source") or "lab", "since": _now()}


def upsert(appliance, data) -> Dict[str, Any]:
    client = _check(data)
    with appliance.store.edit() as state:
        state.setdefault("l2vpnClients", {})[client["name"]] = client
    return _public(appliance.store.snapshot(), client)


def remove(appliance, name) -> bool:
    with appliance.store.edit() as state:
        return state.setdefault("l2vpnClients", {}).pop(name, None) is not None


def _public(state, client) -> Dict[str, Any]:
    out = dict(client)
    out["properties"] = {k: ("***" if any(s in k for s in SECRET_KEYS) else v) for k, v in client["properties"].items()}
    matches = []
    for edge in state["edges"].values():
        for peer in (edge.get("l2vpn") or {}).get("peerSites", []):
            tunnel_ids = [n["tunnelId"] for n in state["networks"].values()
                          if n.get("edge") == edge["id"] and n.get("vnicIndex") in peer["vnics"] and n.get("tunnelId")]
            if not (edge.get("l2vpn") or {}).get("enabled") or not peer["enabled"]:
                reason = "service or peer site disabled"
            else:
                reason = _mismatch(client, edge["l2vpn"], peer, tunnel_ids)
            matches.append({"edge": edge["name"], "peerSite": peer["name"], "up": not reason, "reason": reason})
    out["matches"] = matches
    return out


def describe(appliance) -> List[Dict[str, Any]]:
    state = appliance.store.snapshot()
    return [_public(state, c) for c in state.get("l2vpnClients", {}).values()]


def sync_vcsim(appliance, data) -> List[Dict[str, Any]]:
    """Replace the ``vcsim``-sourced clients with the VMs of the tenant vcsim that carry ``l2vpn.*`` properties."""
    path = data.get("stateFile") or os.path.join(appliance.lab.run_dir, "vcsim-tenant.json")
    try:
        with open(path, encoding="utf-8") as handle:
            info = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ApiError(400, "BadUserInput", "Cannot read the vcsim state file %s: %s" % (path, exc)) from None
    found = _vcsim_clients(info)
    with appliance.store.edit() as state:
        clients = state.setdefault("l2vpnClients", {})
        for name in [n for n, c in clients.items() if c.get("source") == "vcsim"]:
            del clients[name]
        for item in found:
            clients[item["name"]] = _check(dict(item, source="vcsim"))
    return describe(appliance)


def _vcsim_clients(info) -> List[Dict[str, Any]]:
    from pyVim.connect import Disconnect, SmartConnect  # pylint: disable=import-outside-toplevel
    from pyVmomi import vim  # pylint: disable=import-outside-toplevel
    ctx = ssl.create_default_context(cafile=info.get("cert_file")) if info.get("cert_file") else ssl._create_unverified_context()  # noqa: S323 pylint: disable=protected-access
    try:
        si = SmartConnect(host=info["hostname"], port=int(info["port"]), user=info["username"], pwd=info["password"], sslContext=ctx)
    except Exception as exc:  # pylint: disable=broad-except
        raise ApiError(400, "BadUserInput", "Cannot log in to the tenant vcsim: %s" % exc) from None
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        out = []
        for vm in view.view:
            vapp = vm.config.vAppConfig if vm.config else None
            props = {p.id: (p.value if p.value not in (None, "") else p.defaultValue or "")
                     for p in (vapp.property if vapp else []) if (p.id or "").startswith("l2vpn.")}
            if props:
                out.append({"name": vm.name, "poweredOn": vm.runtime.powerState == "poweredOn", "properties": props})
        view.Destroy()
        return out
    finally:
        Disconnect(si)
