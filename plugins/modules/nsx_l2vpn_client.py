#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_l2vpn_client
short_description: L2 VPN client session on an NSX autonomous edge, from a Cloud Director peer code
version_added: 0.1.0
description:
  - Creates the L2 VPN client session O(name) on an NSX autonomous edge from the peer code of a Cloud Director
    NSX-T SERVER tunnel (C(POST /api/v1/vpn/l2vpn/sessions?action=create_with_peer_code)) and maps each stretched
    VLAN to the server's tunnel id (workflow D.4).
  - The edge never returns a peer code. The module keeps a short SHA-256 fingerprint of it in the session's
    description (C([peer code 0123abcd...])), so a re-run with the same code changes nothing and a new code
    (for example after the pre-shared key changed) recreates the session.
  - A session whose peer, local address, enabled flag or peer code differs is deleted and created again (the
    session has no update call); the VLAN mapping is updated in place.
  - Reports the session's runtime status and can wait until it is V(UP).
  - The VLAN mapping resource (C(.../sessions/{id}/l2-extensions)) is inferred - where the autonomous edge keeps
    C(L2Extension) is not public (see C(docs/verification.md)).
extends_documentation_fragment:
  - cloudmove.vcda.nsx
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Reads the session and predicts the result; does not wait.
  diff_mode:
    support: full
    details: Session settings and VLAN mapping before and after; the peer code only as C(******** (updated)).
options:
  name:
    description: Display name of the session.
    type: str
    required: true
  peer_code:
    description:
      - Peer code of the server tunnel (RV(cloudmove.vcda.vcd_l2vpn_server#module:peer_code) with
        C(return_peer_code=true)). Required to create the session.
      - Check mode only, on a fresh site - the session is predicted without it (with a warning) when the server
        tunnel does not exist yet (an earlier M(cloudmove.vcda.vcd_l2vpn_server) task only predicted creating it).
    type: str
  peer_address:
    description: The server's address (the tunnel's C(localEndpointIP)). Required to create.
    type: str
  local_address:
    description: The edge's own uplink address (the tunnel's C(remoteEndpointIP)). Required to create.
    type: str
  description:
    description: Description of the session (the module appends the peer code fingerprint).
    type: str
  enabled:
    description: Whether the session is enabled (V(true) when created).
    type: bool
  l2_extensions:
    description:
      - VLAN to tunnel id mapping (the whole list when given). A range V(100-102) takes consecutive tunnel ids
        from O(l2_extensions[].tunnel_id). VLANs and tunnel ids must not repeat or overlap.
    type: list
    elements: dict
    suboptions:
      vlan:
        description: VLAN id (0-4094) or range such as V(100-102).
        type: str
        required: true
      tunnel_id:
        description:
          - Tunnel id of the stretched network on the server (1-4093); the first of a range. Required.
          - Check mode only, on a fresh site - null when the server tunnel does not exist yet (an earlier
            M(cloudmove.vcda.vcd_l2vpn_server) task only predicted creating it); the mapping is predicted, with a
            warning.
        type: int
  wait_for_up:
    description: Wait (up to O(timeout) seconds) until the session's runtime status is V(UP); fail otherwise.
    type: bool
    default: false
  state:
    description: V(present) creates or updates, V(absent) deletes the session.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Client session from the server's peer code
  cloudmove.vcda.nsx_l2vpn_client:
    url: https://127.0.1.35
    thumbprint: "{{ edge_thumbprint }}"
    password: "{{ edge_password }}"
    name: dcx-to-cloud
    peer_code: "{{ nsxt_server.peer_code }}"   # registered from vcd_l2vpn_server with return_peer_code: true
    peer_address: 203.0.113.12
    local_address: 198.51.100.20
    l2_extensions:
      - {vlan: 100, tunnel_id: "{{ nsxt_server.tunnels['web-network'] }}"}
    wait_for_up: true
"""

RETURN = r"""
session:
  description: The session (C(id), C(name), C(peer_address), C(local_address), C(enabled), C(description),
    C(l2_extensions)); empty after deletion.
  returned: always
  type: dict
status:
  description: Runtime status (C(runtime_status) V(UP) or V(DOWN), C(failure_reason)).
  returned: when the session exists (not in check mode before it is created)
  type: dict
recreated:
  description: Whether the session was (or would be) deleted and created again.
  returned: always
  type: bool
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import MASK
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx.edge import (
    check_peer_code,
    fingerprint_of,
    parse_vlan_map,
    peer_code_fingerprint,
    session_view as view,
    with_fingerprint,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller
from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx.module import NsxModule

TUNNEL_KEYS = ("peer_address", "local_address", "enabled", "description")


def run(mod):
    p = mod.params
    client = mod.nsx
    extensions = parse_vlan_map(p["l2_extensions"], unknown_tunnels=mod.check_mode) \
        if p["l2_extensions"] is not None else None
    if extensions and any(e["tunnel_id"] is None for e in extensions):
        mod.warn("check mode: l2_extensions has no tunnel id for VLAN %s; predicted for the tunnel ids the server "
                 "assigns once an earlier task creates its tunnel (a real run requires them)"
                 % ", ".join(str(e["vlan"]) for e in extensions if e["tunnel_id"] is None))
    if p["peer_code"] is not None:
        check_peer_code(p["peer_code"])
    live = client.find(p["name"])
    live_ext = client.extensions(live["id"]) if live else []
    before = view(live, live_ext)
    before.pop("id", None)
    rec = mod.reconciler()
    if p["state"] == "absent":
        outcome = rec.act(bool(live), before, {}, apply=lambda: client.delete(live["id"]), action="delete")
        return mod.result(outcome, session={}, recreated=False)
    desired = dict((k, p[k]) for k in TUNNEL_KEYS if p[k] is not None)
    if live is None:
        missing = [k for k in ("peer_code", "peer_address", "local_address") if not p[k]]
        if missing == ["peer_code"] and mod.check_mode:
            mod.warn("check mode: no peer_code; the session %s is predicted for the peer code of the server tunnel an "
                     "earlier task creates (a real run requires it)" % p["name"])
            missing = []
        if missing:
            raise InputError("%s: required to create the L2 VPN session %s" % (" and ".join(missing), p["name"]),
                             option=missing[0])
    new_code = p["peer_code"] is not None and (live is None or fingerprint_of(live.get("description")) !=
                                               peer_code_fingerprint(p["peer_code"]))
    recreate = live is not None and (new_code or any(before.get(k) != v for k, v in desired.items()))
    if recreate and not p["peer_code"]:
        raise InputError("peer_code: required to recreate the session %s (its %s changed)" % (
            p["name"], ", ".join(k for k, v in desired.items() if before.get(k) != v)), option="peer_code")
    after = dict(before, name=p["name"])
    after.update(desired)
    after.setdefault("enabled", True)
    after.setdefault("description", "")
    if extensions is not None:
        after["l2_extensions"] = extensions
    changed = live is None or recreate or (extensions is not None and live_ext != extensions)
    shown = dict(after)
    if new_code:
        shown["peer_code"] = MASK + " (updated)"

    def apply():
        session, current = live, live_ext
        if recreate:
            client.delete(live["id"])
        if live is None or recreate:
            session = client.create(p["name"], with_fingerprint(after["description"], p["peer_code"]), after["enabled"],
                                    p["peer_code"], after["peer_address"], after["local_address"])
            current = []
        if extensions is not None and current != extensions:
            client.set_extensions(session["id"], extensions)
        return session
    outcome = rec.act(changed, before, shown, apply=apply, obj=live,
                      action="recreate" if recreate else "create" if live is None else "update")
    session = outcome.obj
    result = mod.result(outcome, recreated=recreate, session=dict(after, id=(session or {}).get("id")))
    status = rec.follow(outcome, lambda: wait_status(client, session["id"], p["wait_for_up"], p["timeout"]),
                        always=True) if session is not None else None
    if status is not None:
        result["status"] = status
    elif live is not None:
        result["status"] = client.status(live["id"])
    return result


def wait_status(client, session_id, wait, timeout):
    def probe():
        body = client.status(session_id)
        return {"runtime_status": body.get("runtime_status"), "failure_reason": body.get("failure_reason")}
    return Poller(timeout, first=0.5, cap=5.0, factor=1.5).until(
        probe, lambda status: not wait or status["runtime_status"] == "UP", "L2 VPN session %s to come UP" % session_id,
        last_state=lambda status: "%s: %s" % (status["runtime_status"], status["failure_reason"]))


def main():
    module = NsxModule(dict(
        name=dict(type="str", required=True),
        peer_code=dict(type="str", no_log=True),
        peer_address=dict(type="str"),
        local_address=dict(type="str"),
        description=dict(type="str"),
        enabled=dict(type="bool"),
        l2_extensions=dict(type="list", elements="dict", options=dict(
            vlan=dict(type="str", required=True), tunnel_id=dict(type="int"))),
        wait_for_up=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
