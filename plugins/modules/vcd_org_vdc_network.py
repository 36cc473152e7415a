#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcd_org_vdc_network
short_description: Routed org VDC network on a Cloud Director edge gateway, with its interface type
version_added: 0.1.0
description:
  - Creates or updates a routed (C(NAT_ROUTED)) org VDC network on an edge gateway - gateway address, static
    IP pools, DNS - and its interface type, through C(/cloudapi/1.0.0/orgVdcNetworks) (workflow C.2).
  - An existing network is converted in place (C(connection.connectionTypeValue) in a C(PUT) of the live body),
    for example from V(internal) to V(subinterface) before it is stretched by the NSX-V L2 VPN server.
  - NSX-V backed gateways take V(internal), V(subinterface) and V(distributed); NSX-T backed gateways take
    V(internal) and V(non_distributed) and have no subinterfaces (an NSX-T L2 VPN tunnel stretches the routed
    network directly). Other combinations fail before any change.
  - The gateway address and prefix of an existing network cannot change; the module fails instead of
    recreating it.
extends_documentation_fragment:
  - cloudmove.vcda.vcd
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Reads the gateway and the network and predicts the result.
  diff_mode:
    support: full
    details: Shows the managed settings before and after.
options:
  name:
    description: Name of the network.
    type: str
    required: true
  organization:
    description: Organization of the network; defaults to O(org) when logged in as a tenant.
    type: str
  vdc:
    description: Org VDC of the network; defaults to the VDC of O(edge_gateway) (checked when given).
    type: str
  edge_gateway:
    description: Name of the edge gateway routing the network. Required with O(state=present).
    type: str
  gateway_cidr:
    description:
      - Gateway address and prefix length, for example V(172.16.10.1/24). Required to create.
      - A subnet that overlaps one already on the edge gateway (its uplink or another routed network) is refused
        before anything is created, as Cloud Director refuses it.
    type: str
  static_pools:
    description: Static IP pools (the whole list is managed when given).
    type: list
    elements: dict
    suboptions:
      start_address:
        description: First address.
        type: str
        required: true
      end_address:
        description: Last address.
        type: str
        required: true
  dns1:
    description: Primary DNS server.
    type: str
  dns2:
    description: Secondary DNS server.
    type: str
  dns_suffix:
    description: DNS suffix.
    type: str
  description:
    description: Description of the network.
    type: str
  shared:
    description: Share the network with the other VDCs of the organization.
    type: bool
  interface_type:
    description:
      - Interface of the network on the edge gateway. Created networks default to V(internal).
    type: str
    choices: [internal, subinterface, distributed, non_distributed]
  state:
    description: V(present) creates or updates, V(absent) deletes the network.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: company-network as a subinterface of the NSX-V edge of org1
  cloudmove.vcda.vcd_org_vdc_network:
    url: https://127.0.1.14:8443
    thumbprint: "{{ vcd_thumbprint }}"
    username: administrator
    password: "{{ vcd_password }}"
    organization: org1
    name: company-network
    edge_gateway: org1-edge-nsxv
    gateway_cidr: 172.16.10.1/24
    static_pools:
      - {start_address: 172.16.10.100, end_address: 172.16.10.199}
    dns1: 172.16.10.1
    interface_type: subinterface
"""

RETURN = r"""
network:
  description:
    - The network's managed settings (C(name), C(gateway_cidr), C(static_pools), C(dns1), C(dns2), C(dns_suffix),
      C(description), C(shared), C(interface_type), C(edge_gateway)) plus C(id) and the gateway's C(backing)
      (V(nsxv) or V(nsxt)); empty after deletion.
  returned: always
  type: dict
subinterface:
  description: NSX-V subinterfaces - C(index) on the edge (the L2 VPN peer site's vNIC index) and C(tunnel_id).
  returned: when the network is a subinterface of an NSX-V edge gateway (not in check mode before it exists)
  type: dict
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import OPENAPI, backing_of, fiql, fiql_safe
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.module import VcdModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.network import (
    NetworkService,
    apply,
    check_interface,
    new_body,
    parse_cidr,
    parse_pools,
    view,
)

KEYS = ("description", "static_pools", "dns1", "dns2", "dns_suffix", "shared", "interface_type")


def run(mod):
    p = mod.params
    client, org_name = mod.vcd, mod.tenant_org()
    service = NetworkService(client)
    gateway = client.find_edge_gateway(p["edge_gateway"], org_name) if p["edge_gateway"] else None
    if gateway is not None:
        vdc = gateway.get("orgVdc") or gateway.get("ownerRef")
        if p["vdc"] and p["vdc"] != vdc.get("name"):
            raise InputError("vdc: the edge gateway %s belongs to VDC %s, not %s" % (gateway["name"], vdc["name"], p["vdc"]),
                             option="vdc")
        backing = backing_of(gateway)
        check_interface(backing, p["interface_type"], gateway["name"])
    elif p["state"] == "present":
        raise InputError("edge_gateway: required with state=present", option="edge_gateway")
    else:
        if not p["vdc"]:
            raise InputError("vdc or edge_gateway: one is required to find the network", option="vdc")
        vdc, backing = {"name": p["vdc"]}, None
    live = service.find(p["name"], vdc["id"]) if vdc.get("id") else _find_in_vdc_by_name(client, p["name"], p["vdc"])
    desired = dict((k, p[k]) for k in KEYS)
    if p["gateway_cidr"]:
        address, prefix = parse_cidr(p["gateway_cidr"])
        desired["gateway_cidr"] = "%s/%d" % (address, prefix)
    elif live is None and p["state"] == "present":
        raise InputError("gateway_cidr: required to create the network %s" % p["name"], option="gateway_cidr")
    cidr = desired.get("gateway_cidr") or (view(live) or {}).get("gateway_cidr")
    if p["static_pools"] is not None and cidr:
        desired["static_pools"] = parse_pools(p["static_pools"], *parse_cidr(cidr))
    live_view = view(live)
    if live is not None and gateway is not None and live_view["edge_gateway"] != gateway["name"]:
        raise InputError("edge_gateway: the network %s is routed by %s; the edge gateway of a network cannot change"
                         % (p["name"], live_view["edge_gateway"]), option="edge_gateway")
    if live_view and desired.get("gateway_cidr") and desired["gateway_cidr"] != live_view["gateway_cidr"]:
        raise InputError("gateway_cidr: the network %s has %s; its gateway cannot change (delete and recreate it)"
                         % (p["name"], live_view["gateway_cidr"]), option="gateway_cidr")
    if live is None and p["state"] == "present":
        service.check_free_subnet(gateway, vdc["id"], desired["gateway_cidr"])
    state = {}

    def create(want):
        state["net"] = service.create(new_body(p["name"], want, vdc, gateway, client.version))
        return view(state["net"])

    def update(_live, delta):
        state["net"] = service.update(live, apply(live, delta))
        return view(state["net"])

    outcome = mod.reconciler(unordered_keys=("static_pools",)).ensure(
        p["state"], live_view, desired, create=create, update=update, delete=lambda _l: service.delete(live))
    net = state.get("net", live if p["state"] == "present" else None)
    result = dict((outcome.obj or {}), id=(net or {}).get("id"), backing=backing) if p["state"] == "present" else {}
    extra = {}
    if p["state"] == "present" and result.get("interface_type") == "subinterface" and net is not None:
        extra["subinterface"] = service.nsxv_interface(gateway, net)
    return mod.result(outcome, network=result, **extra)


def _find_in_vdc_by_name(client, name, vdc_name):
    nets = client.list_all(OPENAPI + "/orgVdcNetworks", fiql(name=name) if fiql_safe(name) else None)
    hits = [n for n in nets if n.get("name") == name and (n.get("orgVdc") or {}).get("name") == vdc_name]
    return hits[0] if hits else None


def main():
    module = VcdModule(dict(
        name=dict(type="str", required=True),
        organization=dict(type="str"),
        vdc=dict(type="str"),
        edge_gateway=dict(type="str"),
        gateway_cidr=dict(type="str"),
        static_pools=dict(type="list", elements="dict", options=dict(
            start_address=dict(type="str", required=True), end_address=dict(type="str", required=True))),
        dns1=dict(type="str"),
        dns2=dict(type="str"),
        dns_suffix=dict(type="str"),
        description=dict(type="str"),
        shared=dict(type="bool"),
        interface_type=dict(type="str", choices=["internal", "subinterface", "distributed", "non_distributed"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
