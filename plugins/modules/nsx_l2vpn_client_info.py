#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: nsx_l2vpn_client_info
short_description: List the L2 VPN client sessions of an NSX autonomous edge, with their status and VLAN map
version_added: 0.1.0
description:
  - Reads the L2 VPN client sessions of an NSX autonomous edge (C(GET /api/v1/vpn/l2vpn/sessions)), each with its
    runtime status and its L2 extensions (VLAN to tunnel id); changes nothing.
  - The sessions are shown as M(cloudmove.vcda.nsx_l2vpn_client) manages them; the peer code is never shown.
extends_documentation_fragment:
  - cloudmove.vcda.nsx
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes.info_module
options:
  names:
    description: Only the sessions with these names. A name not found fails, listing the names there are.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: The autonomous edge's sessions
  cloudmove.vcda.nsx_l2vpn_client_info:
    url: https://edge.tenant.example.com
    thumbprint: "{{ edge_thumbprint }}"
    username: admin
    password: "{{ edge_password }}"
  register: edge

- name: Every session is up
  ansible.builtin.assert:
    that: edge.sessions | rejectattr('status.runtime_status', 'equalto', 'UP') | list | length == 0
"""

RETURN = r"""
sessions:
  description: The sessions, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Session id.
      type: str
    name:
      description: Display name.
      type: str
    peer_address:
      description: Address of the L2 VPN server (the cloud side).
      type: str
    local_address:
      description: Local address of the edge.
      type: str
    enabled:
      description: Whether the session is enabled.
      type: bool
    description:
      description: Description (without the peer code fingerprint the collection records there).
      type: str
    l2_extensions:
      description: VLAN to tunnel id (C(vlan), C(tunnel_id)), sorted by VLAN.
      type: list
      elements: dict
    status:
      description: Runtime status (C(runtime_status) V(UP) or V(DOWN), C(failure_reason)).
      type: dict
  sample:
    - id: 3f2b7d4e
      name: dcx-cloud-site1
      peer_address: 203.0.113.12
      local_address: 198.51.100.20
      enabled: true
      description: ""
      l2_extensions: [{vlan: "100", tunnel_id: 1}]
      status: {runtime_status: UP, failure_reason: null}
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.validate import known_names
from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx.edge import session_view
from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx.module import NsxModule


def run(mod):
    client = mod.nsx
    live = client.sessions()
    names = mod.params["names"]
    if names:
        known_names(names, [s.get("display_name") for s in live], "names")
        live = [s for s in live if s.get("display_name") in names]
    sessions = []
    for session in live:
        out = session_view(session, client.extensions(session["id"]))
        status = client.status(session["id"])
        out["status"] = {"runtime_status": status.get("runtime_status"), "failure_reason": status.get("failure_reason")}
        sessions.append(out)
    return dict(changed=False, sessions=sorted(sessions, key=lambda s: s["name"] or ""))


def main():
    module = NsxModule(dict(names=dict(type="list", elements="str")))
    module.run(run)


if __name__ == "__main__":
    main()
