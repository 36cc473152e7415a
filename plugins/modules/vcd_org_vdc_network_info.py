#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcd_org_vdc_network_info
short_description: List the org VDC networks of a Cloud Director organization with their type, gateway and subnets
version_added: 0.1.0
description:
  - Reads the org VDC networks (C(GET /cloudapi/1.0.0/orgVdcNetworks)) of one organization; changes nothing.
  - Each network comes with its type (C(NAT_ROUTED), C(ISOLATED), ...), the edge gateway that routes it and its
    interface type there, every subnet (gateway, static pools, DNS) and whether it is a subinterface (the NSX-V
    trunk interface an L2 VPN stretches) - the keys M(cloudmove.vcda.vcd_org_vdc_network) manages, in its
    option names.
  - For a subinterface, also its index and tunnel id on the NSX-V edge (C(GET /network/edges/{id}/vdcNetworks)),
    which the standalone L2 VPN client's VLAN map needs.
extends_documentation_fragment:
  - cloudmove.vcda.vcd
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes.info_module
options:
  organization:
    description: Organization of the networks; defaults to O(org) when logged in as a tenant.
    type: str
  vdc:
    description: Only the networks of this org VDC.
    type: str
  edge_gateway:
    description: Only the networks this edge gateway routes.
    type: str
  names:
    description: Only the networks with these names. A name not found fails, listing the names there are.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: The networks of org1 and which are stretched subinterfaces
  cloudmove.vcda.vcd_org_vdc_network_info:
    url: https://vcd.site1.example.com
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    organization: org1
  register: org1_networks

- name: Tunnel id of company-network for the standalone client's VLAN map
  ansible.builtin.debug:
    msg: "{{ (org1_networks.networks | selectattr('name', 'equalto', 'company-network') | first).tunnel_id }}"
"""

RETURN = r"""
networks:
  description: The networks, sorted by VDC and name.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Network URN.
      type: str
    name:
      description: Network name.
      type: str
    organization:
      description: Organization name.
      type: str
    vdc:
      description: Org VDC name.
      type: str
    network_type:
      description: C(networkType), for example V(NAT_ROUTED) or V(ISOLATED).
      type: str
    edge_gateway:
      description: The edge gateway routing the network (null for an isolated network).
      type: str
    interface_type:
      description: V(internal), V(subinterface), V(distributed) or V(non_distributed) (null for an isolated network).
      type: str
    subinterface:
      description: Whether the network is a subinterface of its NSX-V edge gateway.
      type: bool
    subinterface_index:
      description: Index of the subinterface on the edge (subinterfaces only; null when the edge does not list it).
      type: int
    tunnel_id:
      description: L2 VPN tunnel id of the subinterface (subinterfaces only; null when the edge does not list it).
      type: int
    gateway_cidr:
      description: Gateway address and prefix of the first subnet, for example V(172.16.10.1/24).
      type: str
    static_pools:
      description: Static IP pools of the first subnet (C(start_address), C(end_address)).
      type: list
      elements: dict
    dns1:
      description: Primary DNS server of the first subnet (empty when unset).
      type: str
    dns2:
      description: Secondary DNS server of the first subnet (empty when unset).
      type: str
    dns_suffix:
      description: DNS suffix of the first subnet (empty when unset).
      type: str
    subnets:
      description: Every subnet (C(gateway_cidr), C(static_pools), C(dns1), C(dns2), C(dns_suffix)).
      type: list
      elements: dict
    description:
      description: Description.
      type: str
    shared:
      description: Shared with the other VDCs of the organization.
      type: bool
    status:
      description: C(status) as Cloud Director reports it, for example V(REALIZED).
      type: str
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.validate import known_names
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import urn_uuid
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.module import VcdModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.network import NetworkService, describe


def run(mod):
    p = mod.params
    org = mod.tenant_org()
    service = NetworkService(mod.vcd)
    live = [n for n in service.visible() if (n.get("orgRef") or {}).get("name") == org]
    if not live and org != p["org"]:
        mod.vcd.find_org(org)  # an unknown organization fails, naming those there are
    pairs = [(n, describe(n)) for n in live]
    for option in ("vdc", "edge_gateway"):
        if p[option] is not None:
            pairs = [(n, d) for n, d in pairs if d[option] == p[option]]
    if p["names"]:
        known_names(p["names"], [d["name"] for _n, d in pairs], "names")
        pairs = [(n, d) for n, d in pairs if d["name"] in p["names"]]
    interfaces = {}  # one read per NSX-V edge gateway
    for net, out in pairs:
        if not out["subinterface"]:
            continue
        gateway_id = (((net.get("connection") or {}).get("routerRef")) or {}).get("id")
        if gateway_id not in interfaces:
            interfaces[gateway_id] = service.edge_interfaces(gateway_id) if gateway_id else []
        match = [i for i in interfaces[gateway_id]
                 if i["network_id"] in (net["id"], urn_uuid(net["id"])) or i["name"] == net["name"]]
        out["subinterface_index"] = match[0]["index"] if match else None
        out["tunnel_id"] = match[0]["tunnel_id"] if match else None
    networks = [d for _n, d in pairs]
    return dict(changed=False, networks=sorted(networks, key=lambda n: (n["vdc"] or "", n["name"] or "")))


def main():
    module = VcdModule(dict(
        organization=dict(type="str"),
        vdc=dict(type="str"),
        edge_gateway=dict(type="str"),
        names=dict(type="list", elements="str"),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
