# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Routed org VDC networks through the OpenAPI (docs/api/vcd-nsx.md#org-vdc-networks, the OpenAPI form):
``/cloudapi/1.0.0/orgVdcNetworks`` with ``connection.connectionTypeValue`` for the interface type,
converted in place by a PUT of the live body. Knows nothing of Ansible.

NSX-V gateways: ``INTERNAL``, ``SUBINTERFACE`` (the trunk interface L2 VPN stretches), ``DISTRIBUTED``.
NSX-T gateways: ``INTERNAL`` and ``NON_DISTRIBUTED``; there are no subinterfaces (an NSX-T L2 VPN
tunnel stretches the routed network itself).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.nsxv import edge_interfaces
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import OPENAPI, backing_of, fiql, urn_uuid

INTERFACE_TYPES = {"internal": "INTERNAL", "subinterface": "SUBINTERFACE", "distributed": "DISTRIBUTED",
                   "non_distributed": "NON_DISTRIBUTED"}
OWNER_REF_FROM = (35, 0)
ALLOWED = {"nsxv": ("internal", "subinterface", "distributed"), "nsxt": ("internal", "non_distributed")}
WHY_NOT = {
    ("nsxt", "subinterface"): "NSX-T backed edge gateways have no subinterfaces: an NSX-T L2 VPN tunnel "
                              "(cloudmove.vcda.vcd_l2vpn_server) stretches an internal network directly",
    ("nsxt", "distributed"): "on NSX-T backed edge gateways use non_distributed or internal",
    ("nsxv", "non_distributed"): "non_distributed exists on NSX-T backed edge gateways only",
}


# ----- pure helpers ---------------------------------------------------------------------------------
def parse_cidr(value, option="gateway_cidr"):
    """``"172.16.10.1/24"`` -> ``("172.16.10.1", 24)``; the address must be a host of the subnet."""
    try:
        iface = ipaddress.ip_interface(str(value))
    except ValueError:
        raise InputError("%s: '%s' is not an address with a prefix length such as 172.16.10.1/24" % (option, value),
                         option=option)
    if iface.version != 4 or iface.network.prefixlen > 30 or iface.ip in (iface.network.network_address,
                                                                          iface.network.broadcast_address):
        raise InputError("%s: '%s' must be a usable IPv4 gateway address of a /30 or larger subnet" % (option, value),
                         option=option)
    return str(iface.ip), iface.network.prefixlen


def parse_pools(pools, gateway, prefix, option="static_pools"):
    """Validated static pools ``[[start, end], ...]`` (sorted) inside the subnet, not overlapping,
    not holding the gateway."""
    network = ipaddress.ip_network("%s/%d" % (gateway, prefix), strict=False)
    out = []
    for pool in pools or []:
        try:
            start, end = ipaddress.ip_address(pool["start_address"]), ipaddress.ip_address(pool["end_address"])
        except ValueError as exc:
            raise InputError("%s: %s" % (option, exc), option=option)
        if start not in network or end not in network:
            raise InputError("%s: %s-%s is not inside %s" % (option, start, end, network), option=option)
        if start > end:
            raise InputError("%s: %s-%s ends before it starts" % (option, start, end), option=option)
        if start <= ipaddress.ip_address(gateway) <= end:
            raise InputError("%s: %s-%s holds the gateway %s" % (option, start, end, gateway), option=option)
        out.append((start, end))
    out.sort()
    for (s1, e1), (s2, e2) in zip(out, out[1:]):
        if s2 <= e1:
            raise InputError("%s: %s-%s and %s-%s overlap" % (option, s1, e1, s2, e2), option=option)
    return [[str(s), str(e)] for s, e in out]


def check_interface(backing, interface_type, gateway_name):
    if interface_type is None or interface_type in ALLOWED[backing]:
        return
    raise InputError("interface_type: %s is not possible on the %s-backed edge gateway %s: %s" % (
        interface_type, "NSX-V" if backing == "nsxv" else "NSX-T", gateway_name,
        WHY_NOT.get((backing, interface_type), "")), option="interface_type", choices=ALLOWED[backing])


def interface_of(net):
    value = ((net or {}).get("connection") or {}).get("connectionTypeValue") or \
        ((net or {}).get("connection") or {}).get("connectionType")
    for key, api in INTERFACE_TYPES.items():
        if api == value:
            return key
    return (value or "").lower() or None


def view(net):
    """The managed keys of a live OpenAPI network."""
    if net is None:
        return None
    subnet = ((net.get("subnets") or {}).get("values") or [{}])[0]
    ranges = ((subnet.get("ipRanges") or {}).get("values")) or []
    return {
        "name": net.get("name"),
        "description": net.get("description") or "",
        "gateway_cidr": "%s/%s" % (subnet.get("gateway"), subnet.get("prefixLength")),
        "static_pools": sorted([r["startAddress"], r["endAddress"]] for r in ranges),
        "dns1": subnet.get("dnsServer1") or "",
        "dns2": subnet.get("dnsServer2") or "",
        "dns_suffix": subnet.get("dnsSuffix") or "",
        "shared": bool(net.get("shared")),
        "interface_type": interface_of(net),
        "edge_gateway": (((net.get("connection") or {}).get("routerRef")) or {}).get("name"),
    }


def describe(net):
    """A live OpenAPI network for a reader: the managed keys of `view` (static pools as the module's
    ``start_address``/``end_address`` dicts), plus its id, VDC, organization, type, every subnet and whether it
    is a subinterface (the NSX-V trunk interface an L2 VPN stretches)."""
    out = view(net)
    subnets = []
    for sub in ((net.get("subnets") or {}).get("values")) or []:
        ranges = ((sub.get("ipRanges") or {}).get("values")) or []
        subnets.append({
            "gateway_cidr": "%s/%s" % (sub.get("gateway"), sub.get("prefixLength")),
            "static_pools": [{"start_address": r["startAddress"], "end_address": r["endAddress"]} for r in ranges],
            "dns1": sub.get("dnsServer1") or "", "dns2": sub.get("dnsServer2") or "",
            "dns_suffix": sub.get("dnsSuffix") or ""})
    out["static_pools"] = subnets[0]["static_pools"] if subnets else []
    owner = net.get("ownerRef") or net.get("orgVdc") or {}
    out.update(id=net.get("id"), vdc=owner.get("name"), organization=(net.get("orgRef") or {}).get("name"),
               network_type=net.get("networkType"), status=net.get("status"), subnets=subnets,
               subinterface=out["interface_type"] == "subinterface")
    return out


def apply(net, desired):
    """A copy of the live network body with the desired managed keys set (for PUT)."""
    body = copy.deepcopy(net)
    subnet = body["subnets"]["values"][0]
    if "description" in desired:
        body["description"] = desired["description"]
    if "shared" in desired:
        body["shared"] = desired["shared"]
    for key, api in (("dns1", "dnsServer1"), ("dns2", "dnsServer2"), ("dns_suffix", "dnsSuffix")):
        if key in desired:
            subnet[api] = desired[key] or None
    if "static_pools" in desired:
        subnet["ipRanges"] = {"values": [{"startAddress": s, "endAddress": e} for s, e in desired["static_pools"]]}
    if "interface_type" in desired:
        value = INTERFACE_TYPES[desired["interface_type"]]
        body["connection"]["connectionTypeValue"] = value
        if body["connection"].get("connectionType") is not None:
            body["connection"]["connectionType"] = value if value != "NON_DISTRIBUTED" else None
    return body


def overlaps(cidr, taken, option="gateway_cidr"):
    """InputError when the subnet of ``cidr`` overlaps one of ``taken`` (``[(what, "a.b.c.d/n")]``)."""
    subnet = ipaddress.ip_interface(str(cidr)).network
    for what, other in taken:
        other_net = ipaddress.ip_interface(str(other)).network
        if subnet.overlaps(other_net):
            raise InputError("%s: %s overlaps %s (%s) already on the edge gateway; choose a subnet that is not "
                             "on it" % (option, cidr, what, other_net), option=option)


def gateway_subnets(gateway, networks):
    """``[(what, cidr)]`` on an edge gateway: its uplink subnets and the networks it routes."""
    out = []
    for uplink in gateway.get("edgeGatewayUplinks") or []:
        for sub in ((uplink.get("subnets") or {}).get("values")) or []:
            if sub.get("gateway") and sub.get("prefixLength"):
                out.append(("uplink %s" % uplink.get("uplinkName"), "%s/%s" % (sub["gateway"], sub["prefixLength"])))
    for net in networks:
        for sub in ((net.get("subnets") or {}).get("values")) or []:
            if sub.get("gateway") and sub.get("prefixLength"):
                out.append(("network %s" % net.get("name"), "%s/%s" % (sub["gateway"], sub["prefixLength"])))
    return out


def owner_key(version):
    """``ownerRef`` names the VDC of a new network from API 35.0, ``orgVdc`` before (go-vcloud-director
    ``types.OpenApiOrgVdcNetwork``: "for API version 35.0 and above, this field should be set")."""
    return "ownerRef" if version is not None and tuple(version) >= OWNER_REF_FROM else "orgVdc"


def new_body(name, desired, vdc, gateway, version=None):
    address, prefix = parse_cidr(desired["gateway_cidr"])
    iface = INTERFACE_TYPES[desired.get("interface_type") or "internal"]
    return {
        "name": name, "description": desired.get("description") or "",
        owner_key(version): {"name": vdc.get("name"), "id": vdc["id"]},
        "networkType": "NAT_ROUTED",
        "connection": {"routerRef": {"name": gateway["name"], "id": gateway["id"]}, "connectionTypeValue": iface},
        "subnets": {"values": [{
            "gateway": address, "prefixLength": prefix, "dnsServer1": desired.get("dns1") or None,
            "dnsServer2": desired.get("dns2") or None, "dnsSuffix": desired.get("dns_suffix") or None,
            "ipRanges": {"values": [{"startAddress": s, "endAddress": e} for s, e in desired.get("static_pools") or []]}}]},
        "shared": bool(desired.get("shared")),
    }


class NetworkService(object):
    def __init__(self, client):
        self.client = client

    def find(self, name, vdc_id):
        return self.client.find_by_name(OPENAPI + "/orgVdcNetworks", name, "org VDC network", "name", required=False,
                                        extra={"orgVdc__id": vdc_id})

    def get(self, urn):
        return self.client.json("GET", "%s/orgVdcNetworks/%s" % (OPENAPI, urn))

    def create(self, body):
        vdc_id = (body.get("ownerRef") or body.get("orgVdc"))["id"]
        self.client.json("POST", OPENAPI + "/orgVdcNetworks", body,
                         find_existing=lambda: self.find(body["name"], vdc_id))
        return self.find(body["name"], vdc_id)

    def routed_by(self, gateway, vdc_id):
        """The org VDC networks of ``vdc_id`` routed by ``gateway``."""
        nets = self.client.list_all(OPENAPI + "/orgVdcNetworks", fiql(orgVdc__id=vdc_id))
        return [n for n in nets if (((n.get("connection") or {}).get("routerRef")) or {}).get("id") == gateway["id"]]

    def check_free_subnet(self, gateway, vdc_id, cidr):
        """InputError naming ``gateway_cidr`` when ``cidr`` overlaps a subnet already on ``gateway`` (vCD refuses it)."""
        overlaps(cidr, gateway_subnets(gateway, self.routed_by(gateway, vdc_id)))

    def update(self, net, body):
        self.client.json("PUT", "%s/orgVdcNetworks/%s" % (OPENAPI, net["id"]), body)
        return self.get(net["id"])

    def delete(self, net):
        self.client.json("DELETE", "%s/orgVdcNetworks/%s" % (OPENAPI, net["id"]))

    def visible(self):
        """Every org VDC network this login sees (a provider: all of them)."""
        return self.client.list_all(OPENAPI + "/orgVdcNetworks")

    def edge_interfaces(self, gateway_id):
        """NSX-V: the ``edgeInterfaces`` of an edge gateway by id (``/network/edges/{uuid}/vdcNetworks``)."""
        return edge_interfaces(self.client.xml("GET", "/network/edges/%s/vdcNetworks" % urn_uuid(gateway_id)))

    def nsxv_interface(self, gateway, net):
        """NSX-V: ``{"index", "tunnel_id", "type"}`` of the network on its edge (``/network/edges/{uuid}/vdcNetworks``)."""
        if backing_of(gateway) != "nsxv" or net is None:
            return None
        root = self.client.xml("GET", "/network/edges/%s/vdcNetworks" % urn_uuid(gateway["id"]))
        for item in edge_interfaces(root):
            if item["network_id"] in (net["id"], urn_uuid(net["id"])) or item["name"] == net["name"]:
                return {"index": item["index"], "tunnel_id": item["tunnel_id"], "type": item["type"]}
        return None
