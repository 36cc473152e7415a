#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcd_l2vpn_info
short_description: Status of the L2 VPN tunnels of a Cloud Director edge gateway, optionally waiting until up
version_added: 0.1.0
description:
  - NSX-V - the tunnel status of each peer site from the server's statistics
    (C(GET /network/edges/{id}/l2vpn/config/statistics)).
  - NSX-T - the runtime status of each tunnel (C(GET .../l2vpn/tunnels/{id}/status)).
  - With O(wait_for), polls until the named peer sites or tunnels are up (for example after the client appliance
    was deployed) and fails with their last status after O(timeout) seconds.
extends_documentation_fragment:
  - cloudmove.vcda.vcd
  - cloudmove.vcda.rest
  - cloudmove.vcda.vcd.edge_gateway
  - cloudmove.vcda.attributes.info_module
options:
  wait_for:
    description: Names of NSX-V peer sites or NSX-T tunnels to wait for until they are up.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Wait until the peer site onprem is connected
  cloudmove.vcda.vcd_l2vpn_info:
    url: https://127.0.1.14:8443
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    organization: org1
    edge_gateway: org1-edge-nsxv
    wait_for: [onprem]
    timeout: 120
"""

RETURN = r"""
backing:
  description: V(nsxv) or V(nsxt).
  returned: always
  type: str
tunnels:
  description: Per peer site (NSX-V) or tunnel (NSX-T) name - C(status) (V(up), V(down), ...), C(failure);
    NSX-V C(established); NSX-T C(tunnel_id) and C(tunnels) (network -> tunnel id).
  returned: always
  type: dict
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import backing_of, not_found
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.l2vpn import status
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.module import VcdModule


def run(mod):
    p = mod.params
    client = mod.vcd
    gateway = client.find_edge_gateway(p["edge_gateway"], mod.tenant_org())
    backing = backing_of(gateway)
    wanted = p["wait_for"] or []

    def probe():
        tunnels = status(client, gateway, backing)
        for name in wanted:
            if name not in tunnels:
                raise not_found("L2 VPN %s on %s" % ("peer site" if backing == "nsxv" else "tunnel", gateway["name"]),
                                name, list(tunnels), option="wait_for")
        return tunnels

    def down(tunnels):
        return [n for n in wanted if tunnels[n]["status"] != "up"]
    tunnels = Poller(p["timeout"], first=0.5, cap=5.0, factor=1.5).until(
        probe, lambda tunnels: not down(tunnels), "L2 VPN %s to come up" % ", ".join(wanted),
        last_state=lambda tunnels: "; ".join("%s %s: %s" % (n, tunnels[n]["status"], tunnels[n]["failure"])
                                             for n in down(tunnels)))
    return dict(changed=False, backing=backing, tunnels=tunnels)


def main():
    module = VcdModule(dict(
        edge_gateway=dict(type="str", required=True),
        organization=dict(type="str"),
        wait_for=dict(type="list", elements="str"),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
