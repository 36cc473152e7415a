"""Edge gateways (docs/api/vcd-nsx.md#org-vdc-networks) (NSX-V and NSX-T backed) and org VDC networks: XML create/read/
update, the ``convertTo…Interface`` actions, and the OpenAPI form with ``connectionTypeValue``."""
from __future__ import annotations

import ipaddress
import uuid

from ..common.appliance import Endpoint
from ..common.schema import Bool, Int, List, Obj, Schema, Str
from ..common.xmlbody import El, XmlSchema, as_bool, child, children, text, xml_response
from . import inferred, openapi
from .api_sessions import NS, api_version, link, submit_task, task_xml, vroot, vsub
from .media import xml_type

EDIT_NETWORK = "Organization vDC Network: Edit Properties"
VIEW_NETWORK = "Organization vDC Network: View Properties"
NETWORK_TYPE = "application/vnd.vmware.vcloud.orgVdcNetwork+xml"
NSXV_TYPES = ("INTERNAL", "SUBINTERFACE", "DISTRIBUTED")
NSXT_TYPES = ("INTERNAL", "NON_DISTRIBUTED")
REF = {"href": True, "name": False, "type": False, "id": False}
OPEN = {"open_content": True}

_IP_SCOPE = El("IpScope", [El("IsInherited", min=1, text="boolean"), El("Gateway"), El("Netmask"), El("SubnetPrefixLength", text="int"),
                           El("Dns1"), El("Dns2"), El("DnsSuffix"), El("IsEnabled", text="boolean"),
                           El("IpRanges", [El("IpRange", [El("StartAddress", min=1), El("EndAddress", min=1)], max=None)]),
                           El("AllocatedIpAddresses", **OPEN), El("SubAllocations", **OPEN)], min=1, max=None)
_CONFIGURATION = El("Configuration", [
    El("VCloudExtension", max=None, **OPEN), El("BackwardCompatibilityMode", text="boolean"), El("IpScopes", [_IP_SCOPE]),
    El("ParentNetwork", attrs=REF), El("FenceMode", min=1, enum=("bridged", "isolated", "natRouted")),
    El("RetainNetInfoAcrossDeployments", text="boolean"), El("Features", **OPEN), El("SyslogServerSettings", **OPEN),
    El("RouterInfo", **OPEN), El("AdvancedNetworkingEnabled", text="boolean"), El("SubInterface", text="boolean"),
    El("DistributedInterface", text="boolean"), El("GuestVlanAllowed", text="boolean")], min=1)
ORG_VDC_NETWORK = XmlSchema(El("OrgVdcNetwork", [
    El("VCloudExtension", max=None, **OPEN), El("Link", max=None, attrs=dict(REF, rel=True)), El("Description"), El("Tasks", **OPEN),
    _CONFIGURATION, El("EdgeGateway", attrs=REF), El("ServiceConfig", **OPEN), El("IsShared", text="boolean"),
    El("VimPortGroupRef", **OPEN)], attrs={"name": True, "id": False, "href": False, "type": False, "operationKey": False, "status": False}), ns=NS)

_REF = Schema({"name": Str(nullable=True, allow_empty=True), "id": Str(required=True)})
_RANGE = Schema({"startAddress": Str(required=True), "endAddress": Str(required=True)})
_SUBNET = Schema({"gateway": Str(required=True), "prefixLength": Int(required=True, minimum=1, maximum=32),
                  "dnsSuffix": Str(nullable=True, allow_empty=True), "dnsServer1": Str(nullable=True, allow_empty=True),
                  "dnsServer2": Str(nullable=True, allow_empty=True),
                  "ipRanges": Obj(Schema({"values": List(Obj(_RANGE), required=True, nullable=True)}), nullable=True),
                  "enabled": Bool(nullable=True), "totalIpCount": Int(nullable=True), "usedIpCount": Int(nullable=True)})
# As go-vcloud-director (types.OpenApiOrgVdcNetwork) / terraform-provider-vcd send it: ``id: ""`` on create, and
# ``parentNetworkId``, ``guestVlanTaggingAllowed``, ``totalIpCount``, ``usedIpCount`` always present (null when unset).
OPENAPI_NETWORK = Schema({
    "id": Str(nullable=True, allow_empty=True), "name": Str(required=True), "description": Str(nullable=True, allow_empty=True),
    "parentNetworkId": Obj(_REF, nullable=True), "guestVlanTaggingAllowed": Bool(nullable=True),
    "totalIpCount": Int(nullable=True), "usedIpCount": Int(nullable=True), "routeAdvertised": Bool(nullable=True),
    "orgVdcIsNsxTBacked": Bool(nullable=True), "backingNetworkId": Str(nullable=True, allow_empty=True),
    "enableDualSubnetNetwork": Bool(nullable=True),
    "orgVdc": Obj(_REF, nullable=True), "ownerRef": Obj(_REF, nullable=True), "orgRef": Obj(_REF, nullable=True),
    "networkType": Str(required=True, enum=("NAT_ROUTED", "ISOLATED")),
    "connection": Obj(Schema({"routerRef": Obj(_REF, required=True), "connectionType": Str(nullable=True),
                              "connectionTypeValue": Str(nullable=True)}), nullable=True),
    "subnets": Obj(Schema({"values": List(Obj(_SUBNET), required=True)}), required=True),
    "isDefaultNetwork": Bool(nullable=True), "shared": Bool(nullable=True), "status": Str(nullable=True),
    "backingNetworkType": Str(nullable=True), "securityGroups": List(Obj(_REF), nullable=True)})


# ----- lookups -----------------------------------------------------------------------------------
def visible(call, items):
    if call.principal["system"]:
        return list(items)
    return [i for i in items if i["org"] == call.principal["orgId"]]


def find_edge(call, edge_id, state=None):
    state = state or call.appliance.state
    edge = state["edges"].get(edge_id)
    if edge is None or not call.principal["system"] and edge["org"] != call.principal["orgId"]:
        raise inferred.not_found("urn:vcloud:gateway:" + edge_id)
    return edge


def find_network(call, network_id, state=None):
    state = state or call.appliance.state
    net = state["networks"].get(network_id)
    if net is None or not call.principal["system"] and net["org"] != call.principal["orgId"]:
        raise inferred.not_found("urn:vcloud:network:" + network_id)
    return net


def _urn_tail(value, kind):
    prefix = "urn:vcloud:%s:" % kind
    return value[len(prefix):] if value and value.startswith(prefix) else None


# ----- edge gateways -----------------------------------------------------------------------------
def edge_json(appliance, edge, state):
    org = state["orgs"][edge["org"]]
    vdc = state["vdcs"][edge["vdc"]]
    return {
        "id": "urn:vcloud:gateway:" + edge["id"], "name": edge["name"], "description": "",
        "orgVdc": {"name": vdc["name"], "id": "urn:vcloud:vdc:" + vdc["id"]},
        "ownerRef": {"name": vdc["name"], "id": "urn:vcloud:vdc:" + vdc["id"]},
        "orgRef": {"name": org["name"], "id": "urn:vcloud:org:" + org["id"]},
        "gatewayBacking": {"backingId": edge["backingId"], "gatewayType": "%s_BACKED" % edge["backing"],
                           "networkProvider": {"name": "%s-nsx%s" % (appliance.name, edge["backing"][-1].lower()),
                                               "id": "urn:vcloud:nsxtmanager:" + appliance.oid("nsx", edge["backing"])}},
        "edgeGatewayUplinks": [{"uplinkId": "urn:vcloud:network:" + appliance.oid("uplink", edge["uplinkName"]),
                                "uplinkName": edge["uplinkName"], "connected": True, "dedicated": False,
                                "subnets": {"values": [{"gateway": edge["gateway"], "prefixLength": edge["prefixLength"],
                                                        "primaryIp": edge["uplinkIps"][0], "enabled": True,
                                                        "ipRanges": {"values": [{"startAddress": ip, "endAddress": ip}
                                                                                for ip in edge["uplinkIps"]]}}]}}],
    }


def list_edges(call):
    state = call.appliance.state
    return openapi.page([edge_json(call.appliance, e, state) for e in sorted(visible(call, state["edges"].values()), key=lambda e: e["name"])],
                        call.request.args)


def get_edge(call, urn):
    edge_id = _urn_tail(urn, "gateway")
    state = call.appliance.state
    return edge_json(call.appliance, find_edge(call, edge_id or urn, state), state)


# ----- network model -----------------------------------------------------------------------------
def _prefix_of(netmask):
    return ipaddress.ip_network("0.0.0.0/%s" % netmask).prefixlen


def _netmask_of(prefix):
    return str(ipaddress.ip_network("0.0.0.0/%d" % prefix).netmask)


def allowed_types(edge):
    return NSXV_TYPES if edge["backing"] == "NSXV" else NSXT_TYPES


def assign_interface(state, net, new_type):
    """Set the interface type; NSX-V vNIC index (internal 1-9, subinterface 10+) and tunnel id."""
    edge = state["edges"].get(net.get("edge") or "")
    net["interface"] = new_type
    net["vnicIndex"], net["tunnelId"] = None, None
    if edge is None or edge["backing"] != "NSXV":
        return
    others = [n for n in state["networks"].values() if n.get("edge") == edge["id"] and n["id"] != net["id"]]
    if new_type == "DISTRIBUTED":  # the distributed router's interfaces: their own index space (clashes allowed)
        used = {n.get("vnicIndex") for n in others if n.get("interface") == "DISTRIBUTED"}
        net["vnicIndex"] = next(i for i in range(inferred.DISTRIBUTED_FIRST_INDEX, 4096) if i not in used)
        return
    used_idx = {n.get("vnicIndex") for n in others if n.get("interface") != "DISTRIBUTED"}
    start = inferred.SUBINTERFACE_FIRST_INDEX if new_type == "SUBINTERFACE" else 1
    net["vnicIndex"] = next(i for i in range(start, 4096) if i not in used_idx)
    if new_type == "SUBINTERFACE":
        used_tunnels = {n.get("tunnelId") for n in others}
        net["tunnelId"] = next(i for i in range(1, 4094) if i not in used_tunnels)


def check_interface(edge, new_type):
    if edge is None:
        if new_type not in (None, "INTERNAL"):
            raise inferred.bad_request("Only routed networks have an interface type.")
        return
    if new_type not in allowed_types(edge):
        raise inferred.bad_request("Interface type %s is not supported on the %s-backed edge gateway %s (allowed: %s)." % (
            new_type, edge["backing"].replace("NSX", "NSX-"), edge["name"], ", ".join(allowed_types(edge))), new_type)


def edge_subnets(state, edge):
    """``[(what, ip_network)]`` already on an edge gateway: its uplink and every network it routes."""
    out = [("uplink %s" % edge["uplinkName"], ipaddress.ip_interface("%s/%d" % (edge["gateway"], edge["prefixLength"])).network)]
    for net in state["networks"].values():
        if net.get("edge") == edge["id"]:
            out.append(("network %s (%s/%d)" % (net["name"], net["gateway"], net["prefixLength"]),
                        ipaddress.ip_interface("%s/%d" % (net["gateway"], net["prefixLength"])).network))
    return out


def check_overlap(state, edge, name, subnet):
    """vCD refuses a routed network whose subnet overlaps one already on the edge gateway."""
    for what, other in edge_subnets(state, edge):
        if subnet.overlaps(other):
            raise inferred.subnet_overlap(name, str(subnet), edge["name"], what)


def new_network(call, state, *, name, description, vdc_id, edge_id, gateway, prefix, dns1, dns2, suffix, ranges, iface, shared):
    vdc = state["vdcs"].get(vdc_id)
    if vdc is None or not call.principal["system"] and vdc["org"] != call.principal["orgId"]:
        raise inferred.not_found("urn:vcloud:vdc:%s" % vdc_id)
    call.appliance.require_right(call, vdc["org"], EDIT_NETWORK, state)
    edge = None
    if edge_id is not None:
        edge = state["edges"].get(edge_id)
        if edge is None or edge["vdc"] != vdc_id:
            raise inferred.bad_request("The edge gateway %s is not in the VDC %s." % (edge_id, vdc["name"]), edge_id)
    check_interface(edge, iface)
    if any(n["name"] == name and n["vdc"] == vdc_id for n in state["networks"].values()):
        raise inferred.error(400, "DUPLICATE_NAME", "A network named %s already exists in %s." % (name, vdc["name"]), name)
    try:
        subnet = ipaddress.ip_interface("%s/%d" % (gateway, prefix)).network
    except ValueError:
        raise inferred.bad_request("Bad gateway or prefix: %s/%s" % (gateway, prefix)) from None
    if edge is not None:
        check_overlap(state, edge, name, subnet)
    net = {"id": str(uuid.uuid4()), "name": name, "description": description or "", "org": vdc["org"], "vdc": vdc_id,
           "edge": edge_id, "fenceMode": "natRouted" if edge_id else "isolated", "gateway": gateway, "prefixLength": prefix,
           "dns1": dns1, "dns2": dns2, "dnsSuffix": suffix, "ipRanges": ranges, "shared": bool(shared)}
    state["networks"][net["id"]] = net
    assign_interface(state, net, iface or "INTERNAL")
    return net


# ----- XML: VDC and edge gateway (what pyvcloud / go-vcloud-director read) ---------------------------
def find_vdc(call, vdc_id, state=None):
    state = state or call.appliance.state
    vdc = state["vdcs"].get(vdc_id)
    if vdc is None or not call.principal["system"] and vdc["org"] != call.principal["orgId"]:
        raise inferred.not_found("urn:vcloud:vdc:" + vdc_id)
    return vdc


def vdc_xml(call, vdc_id, admin=False):
    appliance = call.appliance
    state = appliance.state
    vdc = find_vdc(call, vdc_id, state)
    mtype = xml_type("admin.vdc" if admin else "vcloud.vdc", call.media)
    href = appliance.href(("/api/admin/vdc/" if admin else "/api/vdc/") + vdc_id)
    admin_href = appliance.href("/api/admin/vdc/" + vdc_id)
    root = vroot("AdminVdc" if admin else "Vdc", status=1, name=vdc["name"], id="urn:vcloud:vdc:" + vdc_id, href=href, type=mtype)
    link(root, "up", appliance.href(("/api/admin/org/" if admin else "/api/org/") + vdc["org"]),
         xml_type("admin.organization" if admin else "vcloud.org", call.media))
    link(root, "alternate", appliance.href(("/api/vdc/" if admin else "/api/admin/vdc/") + vdc_id),
         xml_type("vcloud.vdc" if admin else "admin.vdc", call.media))
    # The legacy create path of org VDC networks (go-vcloud-director Vdc.CreateOrgVDCNetwork, pyvcloud
    # VDC.create_routed_vdc_network follow this link).
    link(root, "add", admin_href + "/networks", xml_type("vcloud.orgVdcNetwork", call.media))
    link(root, "edgeGateways", admin_href + "/edgeGateways", xml_type("vcloud.query.records", call.media))
    link(root, "orgVdcNetworks", appliance.href("/api/query?type=orgVdcNetwork&format=records&filter=vdc==%s"
                                                % appliance.href("/api/vdc/" + vdc_id)), xml_type("vcloud.query.records", call.media))
    vsub(root, "Description", "")
    vsub(root, "AllocationModel", "Flex")
    vsub(root, "ResourceEntities")
    networks = vsub(root, "AvailableNetworks")
    for net in sorted(state["networks"].values(), key=lambda n: n["name"]):
        if net["vdc"] == vdc_id:
            vsub(networks, "Network", href=appliance.href("/api/admin/network/" + net["id"]), name=net["name"],
                 type=xml_type("admin.network", call.media))
    vsub(root, "IsEnabled", True)
    return xml_response(200, root, mtype)


def get_vdc(call, vdc_id):
    return vdc_xml(call, vdc_id)


def get_admin_vdc(call, vdc_id):
    return vdc_xml(call, vdc_id, admin=True)


def vdc_edge_gateways(call, vdc_id):
    """``/api/admin/vdc/{id}/edgeGateways``: the VDC's ``edgeGateways`` link, EdgeGatewayRecords."""
    from .api_query import QUERY_TYPES  # pylint: disable=import-outside-toplevel
    appliance = call.appliance
    find_vdc(call, vdc_id)
    rows = [r for r in QUERY_TYPES["edgeGateway"][1](call, appliance, appliance.state)
            if r["vdc"] == appliance.href("/api/vdc/" + vdc_id)]
    result = openapi.page(rows, call.request.args)
    mtype = xml_type("vcloud.query.records", call.media)
    root = vroot("QueryResultRecords", total=result["resultTotal"], page=result["page"], pageSize=result["pageSize"],
                 name="edgeGateway", href=appliance.href("/api/admin/vdc/%s/edgeGateways" % vdc_id), type=mtype)
    for row in result["values"]:
        vsub(root, "EdgeGatewayRecord", **{k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in row.items()})
    return xml_response(200, root, mtype)


def edge_xml(call, edge_id):
    """``/api/admin/edgeGateway/{id}``: an EdgeGateway with its GatewayInterfaces (uplink, then the routed networks)."""
    appliance = call.appliance
    state = appliance.state
    edge = find_edge(call, edge_id, state)
    mtype = xml_type("admin.edgeGateway", call.media)
    href = appliance.href("/api/admin/edgeGateway/" + edge_id)
    root = vroot("EdgeGateway", status=1, name=edge["name"], id="urn:vcloud:gateway:" + edge_id, href=href, type=mtype)
    link(root, "up", appliance.href("/api/vdc/" + edge["vdc"]), xml_type("vcloud.vdc", call.media))
    link(root, "edit", href, mtype)
    vsub(root, "Description", "")
    config = vsub(root, "Configuration")
    vsub(config, "GatewayBackingConfig", "compact")
    interfaces = vsub(config, "GatewayInterfaces")
    uplink = vsub(interfaces, "GatewayInterface")
    vsub(uplink, "Name", edge["uplinkName"])
    vsub(uplink, "DisplayName", edge["uplinkName"])
    vsub(uplink, "Network", href=appliance.href("/api/admin/network/" + appliance.oid("uplink", edge["uplinkName"])),
         name=edge["uplinkName"], type=xml_type("admin.network", call.media))
    vsub(uplink, "InterfaceType", "uplink")
    part = vsub(uplink, "SubnetParticipation")
    vsub(part, "Gateway", edge["gateway"])
    vsub(part, "Netmask", _netmask_of(edge["prefixLength"]))
    vsub(part, "SubnetPrefixLength", edge["prefixLength"])
    vsub(part, "IpAddress", edge["uplinkIps"][0])
    ranges = vsub(part, "IpRanges")
    for ip in edge["uplinkIps"]:
        rng = vsub(ranges, "IpRange")
        vsub(rng, "StartAddress", ip)
        vsub(rng, "EndAddress", ip)
    vsub(uplink, "UseForDefaultRoute", True)
    for net in sorted(state["networks"].values(), key=lambda n: n["name"]):
        if net.get("edge") != edge_id:
            continue
        item = vsub(interfaces, "GatewayInterface")
        vsub(item, "Name", net["name"])
        vsub(item, "DisplayName", net["name"])
        vsub(item, "Network", href=appliance.href("/api/admin/network/" + net["id"]), name=net["name"], type=xml_type("admin.network", call.media))
        vsub(item, "InterfaceType", "internal")
        part = vsub(item, "SubnetParticipation")
        vsub(part, "Gateway", net["gateway"])
        vsub(part, "Netmask", _netmask_of(net["prefixLength"]))
        vsub(part, "SubnetPrefixLength", net["prefixLength"])
        vsub(part, "IpAddress", net["gateway"])
        vsub(item, "UseForDefaultRoute", False)
    vsub(config, "HaEnabled", False)
    vsub(config, "UseDefaultRouteForDnsRelay", False)
    vsub(config, "AdvancedNetworkingEnabled", True)
    vsub(config, "DistributedRoutingEnabled", any(n.get("interface") == "DISTRIBUTED" for n in state["networks"].values()
                                                  if n.get("edge") == edge_id))
    return xml_response(200, root, mtype)


# ----- XML: org VDC networks ---------------------------------------------------------------------------
def network_xml(appliance, net, media, task=None):
    mtype = xml_type("vcloud.orgVdcNetwork", media)
    href = appliance.href("/api/admin/network/" + net["id"])
    root = vroot("OrgVdcNetwork", status=1, name=net["name"], id="urn:vcloud:network:" + net["id"], href=href, type=mtype)
    link(root, "up", appliance.href("/api/vdc/" + net["vdc"]), xml_type("vcloud.vdc", media))
    link(root, "edit", href, mtype)
    link(root, "remove", href, None)
    if net.get("edge"):
        for action in ("convertToSubInterface", "convertToInternalInterface", "convertToDistributedInterface"):
            link(root, "orgVdcNetwork:" + action, "%s/action/%s" % (href, action), None)
    vsub(root, "Description", net["description"])
    if task is not None:
        vsub(root, "Tasks").append(task)
    config = vsub(root, "Configuration")
    scopes = vsub(config, "IpScopes")
    scope = vsub(scopes, "IpScope")
    vsub(scope, "IsInherited", False)
    vsub(scope, "Gateway", net["gateway"])
    vsub(scope, "Netmask", _netmask_of(net["prefixLength"]))
    vsub(scope, "SubnetPrefixLength", net["prefixLength"])
    for tag, key in (("Dns1", "dns1"), ("Dns2", "dns2"), ("DnsSuffix", "dnsSuffix")):
        if net.get(key):
            vsub(scope, tag, net[key])
    vsub(scope, "IsEnabled", True)
    if net["ipRanges"]:
        ranges = vsub(scope, "IpRanges")
        for start, end in net["ipRanges"]:
            rng = vsub(ranges, "IpRange")
            vsub(rng, "StartAddress", start)
            vsub(rng, "EndAddress", end)
    vsub(config, "FenceMode", net["fenceMode"])
    vsub(config, "RetainNetInfoAcrossDeployments", False)
    if net.get("edge"):
        vsub(config, "SubInterface", net["interface"] == "SUBINTERFACE")
        vsub(config, "DistributedInterface", net["interface"] == "DISTRIBUTED")
    vsub(config, "GuestVlanAllowed", False)
    if net.get("edge"):
        vsub(root, "EdgeGateway", href=appliance.href("/api/admin/edgeGateway/" + net["edge"]), name=appliance.state["edges"][net["edge"]]["name"],
             type=xml_type("vcloud.gateway", media))
    vsub(root, "IsShared", net["shared"])
    return root


def _xml_fields(body):
    config = child(body, "Configuration", ns=NS)
    scope = child(config, "IpScopes", "IpScope", ns=NS)
    gateway, netmask = text(scope, "Gateway", ns=NS), text(scope, "Netmask", ns=NS)
    prefix = text(scope, "SubnetPrefixLength", ns=NS)
    if not gateway or not (netmask or prefix):
        raise inferred.bad_request("The IpScope needs a Gateway and a Netmask.")
    try:
        prefix = int(prefix) if prefix else _prefix_of(netmask)
    except ValueError:
        raise inferred.bad_request("Bad netmask: %s" % netmask) from None
    ranges = [[text(r, "StartAddress", ns=NS), text(r, "EndAddress", ns=NS)]
              for r in children(child(scope, "IpRanges", ns=NS), "IpRange", ns=NS)]
    sub_if = as_bool(text(config, "SubInterface", ns=NS))
    dist_if = as_bool(text(config, "DistributedInterface", ns=NS))
    if sub_if and dist_if:
        raise inferred.bad_request("SubInterface and DistributedInterface are mutually exclusive.")
    edge_ref = child(body, "EdgeGateway", ns=NS)
    fence = text(config, "FenceMode", ns=NS)
    if fence == "natRouted" and edge_ref is None:
        raise inferred.bad_request("A natRouted network needs an EdgeGateway reference.")
    if fence == "bridged":
        raise inferred.bad_request("Bridged org VDC networks are not supported here.")
    return {"name": body.get("name"), "description": text(body, "Description", ns=NS, default=""),
            "edge_id": edge_ref.get("href").rstrip("/").rsplit("/", 1)[-1] if edge_ref is not None and fence == "natRouted" else None,
            "gateway": gateway, "prefix": prefix, "dns1": text(scope, "Dns1", ns=NS), "dns2": text(scope, "Dns2", ns=NS),
            "suffix": text(scope, "DnsSuffix", ns=NS), "ranges": ranges,
            "iface": "SUBINTERFACE" if sub_if else "DISTRIBUTED" if dist_if else "INTERNAL",
            "shared": as_bool(text(body, "IsShared", ns=NS))}


def _noop():
    return None


def xml_create(call, vdc_id):
    fields = _xml_fields(call.body)
    if fields["edge_id"] is None:
        fields["iface"] = None
    with call.appliance.store.edit() as state:
        net = new_network(call, state, vdc_id=vdc_id, **fields)
    task = submit_task(call, _noop, "networkCreateOrgVdcNetwork", net["org"], "orgVdcNetwork", net["id"])
    tnode = task_xml(call.appliance, task, call.media)
    return xml_response(201, network_xml(call.appliance, net, call.media, tnode), xml_type("vcloud.orgVdcNetwork", call.media))


def xml_get(call, network_id):
    net = find_network(call, network_id)
    return xml_response(200, network_xml(call.appliance, net, call.media), xml_type("vcloud.orgVdcNetwork", call.media))


def _change(call, net, changes):
    appliance = call.appliance

    def work():
        with appliance.store.edit() as state:
            current = state["networks"].get(net["id"])
            if current is None:
                raise inferred.not_found("urn:vcloud:network:" + net["id"])
            iface = changes.pop("iface", None)
            current.update(changes)
            if iface and iface != current["interface"]:
                assign_interface(state, current, iface)
        return {"details": "urn:vcloud:network:" + net["id"]}
    return submit_task(call, work, "networkUpdateNetwork", net["org"], "orgVdcNetwork", net["id"])


def _task_reply(call, task):
    return xml_response(202, task_xml(call.appliance, task, call.media), xml_type("vcloud.task", call.media),
                        {"Location": call.appliance.href("/api/task/" + task["id"])})


def xml_put(call, network_id):
    state = call.appliance.state
    net = find_network(call, network_id, state)
    call.appliance.require_right(call, net["org"], EDIT_NETWORK, state)
    fields = _xml_fields(call.body)
    if (fields["edge_id"] or None) != (net.get("edge") or None):
        raise inferred.bad_request("The edge gateway of a network cannot change.")
    edge = state["edges"].get(net["edge"]) if net.get("edge") else None
    check_interface(edge, fields["iface"] if edge else None)
    changes = {k: fields[k] for k in ("description", "dns1", "dns2")}
    changes.update(name=fields["name"], dnsSuffix=fields["suffix"], ipRanges=fields["ranges"], shared=fields["shared"])
    if edge:
        changes["iface"] = fields["iface"]
    return _task_reply(call, _change(call, net, changes))


def _convert(new_type):
    def handler(call, network_id):
        state = call.appliance.state
        net = find_network(call, network_id, state)
        call.appliance.require_right(call, net["org"], EDIT_NETWORK, state)
        edge = state["edges"].get(net.get("edge") or "")
        if edge is None:
            raise inferred.bad_request("Only networks routed by an edge gateway can change their interface type.")
        check_interface(edge, new_type)
        return _task_reply(call, _change(call, net, {"iface": new_type}))
    return handler


def _delete_work(appliance, net):
    def work():
        for edge in appliance.state["edges"].values():
            for tunnel in edge["tunnels"].values():
                if any(s["networkRef"]["id"].endswith(net["id"]) for s in tunnel.get("stretchedNetworks") or []):
                    raise inferred.bad_request("The network %s is stretched by the L2 VPN tunnel %s." % (net["name"], tunnel["name"]))
        with appliance.store.edit() as state:
            state["networks"].pop(net["id"], None)
        return None
    return work


def xml_delete(call, network_id):
    net = find_network(call, network_id)
    call.appliance.require_right(call, net["org"], EDIT_NETWORK)
    return _task_reply(call, submit_task(call, _delete_work(call.appliance, net), "networkDelete", net["org"], "orgVdcNetwork", net["id"]))


# ----- OpenAPI ---------------------------------------------------------------------------------------
def network_json(appliance, net, state):
    vdc = state["vdcs"][net["vdc"]]
    org = state["orgs"][net["org"]]
    edge = state["edges"].get(net.get("edge") or "")
    connection = None
    if edge is not None:
        connection = {"routerRef": {"name": edge["name"], "id": "urn:vcloud:gateway:" + edge["id"]},
                      "connectionType": net["interface"] if net["interface"] in NSXV_TYPES else None,
                      "connectionTypeValue": net["interface"]}
    ranges = [{"startAddress": a, "endAddress": b} for a, b in net["ipRanges"]]
    return {"id": "urn:vcloud:network:" + net["id"], "name": net["name"], "description": net["description"],
            "orgVdc": {"name": vdc["name"], "id": "urn:vcloud:vdc:" + vdc["id"]},
            "ownerRef": {"name": vdc["name"], "id": "urn:vcloud:vdc:" + vdc["id"]},
            "orgRef": {"name": org["name"], "id": "urn:vcloud:org:" + org["id"]},
            "networkType": "NAT_ROUTED" if edge is not None else "ISOLATED", "connection": connection,
            "subnets": {"values": [{"gateway": net["gateway"], "prefixLength": net["prefixLength"], "dnsSuffix": net.get("dnsSuffix"),
                                    "dnsServer1": net.get("dns1"), "dnsServer2": net.get("dns2"), "ipRanges": {"values": ranges},
                                    "enabled": True, "totalIpCount": None, "usedIpCount": None}]},
            "parentNetworkId": None, "guestVlanTaggingAllowed": False, "totalIpCount": _ip_count(net["ipRanges"]), "usedIpCount": 0,
            "isDefaultNetwork": False, "shared": net["shared"], "status": "REALIZED",
            "backingNetworkType": "DV_PORTGROUP" if edge is None or edge["backing"] == "NSXV" else "NSXT_FLEXIBLE_SEGMENT"}


def _ip_count(ranges):
    return sum(int(ipaddress.ip_address(b)) - int(ipaddress.ip_address(a)) + 1 for a, b in ranges)


def _json_fields(call, body):
    subnet = body["subnets"]["values"]
    if len(subnet) != 1:
        raise inferred.bad_request("Exactly one subnet is supported.")
    subnet = subnet[0]
    connection = body.get("connection")
    edge_id = None
    iface = None
    if body["networkType"] == "NAT_ROUTED":
        if not connection:
            raise inferred.bad_request("A NAT_ROUTED network needs connection.routerRef.")
        edge_id = _urn_tail(connection["routerRef"]["id"], "gateway")
        if edge_id is None:
            raise inferred.bad_request("connection.routerRef.id must be an edge gateway URN.", connection["routerRef"]["id"])
        iface = connection.get("connectionTypeValue") or connection.get("connectionType") or "INTERNAL"
    elif connection:
        raise inferred.bad_request("An ISOLATED network has no connection.")
    return {"name": body["name"], "description": body.get("description") or "", "edge_id": edge_id, "gateway": subnet["gateway"],
            "prefix": subnet["prefixLength"], "dns1": subnet.get("dnsServer1"), "dns2": subnet.get("dnsServer2"),
            "suffix": subnet.get("dnsSuffix"),
            "ranges": [[r["startAddress"], r["endAddress"]] for r in ((subnet.get("ipRanges") or {}).get("values") or [])],
            "iface": iface, "shared": bool(body.get("shared"))}


def _json_task_reply(call, task):
    return 202, None, {"Location": call.appliance.href("/api/task/" + task["id"])}


def json_list(call):
    state = call.appliance.state
    nets = sorted(visible(call, state["networks"].values()), key=lambda n: n["name"])
    return openapi.page([network_json(call.appliance, n, state) for n in nets], call.request.args)


def json_get(call, urn):
    state = call.appliance.state
    return network_json(call.appliance, find_network(call, _urn_tail(urn, "network") or urn, state), state)


def json_create(call):
    body = call.body
    fields = _json_fields(call, body)
    # ownerRef names the VDC from API 35.0 ("should be set for network creation"), orgVdc below (where
    # ownerRef is not recognized): go-vcloud-director types.OpenApiOrgVdcNetwork.
    if api_version(call.media) >= inferred.OWNER_REF_FROM:
        owner = body.get("ownerRef")
        if not owner:
            raise inferred.bad_request("ownerRef must name the VDC of the new network (API %d.0 and later)." % inferred.OWNER_REF_FROM[0],
                                       "ownerRef")
    else:
        owner = body.get("orgVdc")
        if not owner:
            raise inferred.bad_request("orgVdc must name the VDC of the new network (API before %d.0)." % inferred.OWNER_REF_FROM[0],
                                       "orgVdc")
    vdc_id = _urn_tail(owner.get("id"), "vdc")
    if vdc_id is None:
        raise inferred.bad_request("%s must be a VDC reference." % ("ownerRef" if body.get("ownerRef") else "orgVdc"), owner.get("id"))
    with call.appliance.store.edit() as state:
        net = new_network(call, state, vdc_id=vdc_id, **fields)
    task = submit_task(call, lambda: {"details": "urn:vcloud:network:" + net["id"]}, "networkCreateOrgVdcNetwork", net["org"],
                       "orgVdcNetwork", net["id"])
    return _json_task_reply(call, task)


def json_put(call, urn):
    state = call.appliance.state
    net = find_network(call, _urn_tail(urn, "network") or urn, state)
    call.appliance.require_right(call, net["org"], EDIT_NETWORK, state)
    fields = _json_fields(call, call.body)
    if call.body.get("id") not in (None, "", urn):
        raise inferred.bad_request("The id in the body does not match the URL.", call.body.get("id"))
    if (fields["edge_id"] or None) != (net.get("edge") or None):
        raise inferred.bad_request("The edge gateway of a network cannot change.")
    edge = state["edges"].get(net.get("edge") or "")
    check_interface(edge, fields["iface"] if edge else None)
    changes = {"name": fields["name"], "description": fields["description"], "dns1": fields["dns1"], "dns2": fields["dns2"],
               "dnsSuffix": fields["suffix"], "ipRanges": fields["ranges"], "shared": fields["shared"]}
    if edge:
        changes["iface"] = fields["iface"]
    return _json_task_reply(call, _change(call, net, changes))


def json_delete(call, urn):
    net = find_network(call, _urn_tail(urn, "network") or urn)
    call.appliance.require_right(call, net["org"], EDIT_NETWORK)
    return _json_task_reply(call, submit_task(call, _delete_work(call.appliance, net), "networkDelete", net["org"], "orgVdcNetwork",
                                              net["id"]))


def endpoints(appliance):
    x, j = appliance.xml_media, appliance.json_media
    xml_types = (NETWORK_TYPE,)
    base = "/api/admin/network/<network_id>"
    return [
        Endpoint("GET", "/cloudapi/1.0.0/edgeGateways", list_edges, media=j),
        Endpoint("GET", "/cloudapi/1.0.0/edgeGateways/<urn>", get_edge, media=j),
        Endpoint("GET", "/api/vdc/<vdc_id>", get_vdc, media=x),
        Endpoint("GET", "/api/admin/vdc/<vdc_id>", get_admin_vdc, media=x),
        Endpoint("GET", "/api/admin/vdc/<vdc_id>/edgeGateways", vdc_edge_gateways, media=x),
        Endpoint("GET", "/api/admin/edgeGateway/<edge_id>", edge_xml, media=x),
        Endpoint("POST", "/api/admin/vdc/<vdc_id>/networks", xml_create, media=x, body="xml", schema=ORG_VDC_NETWORK,
                 content_types=xml_types),
        Endpoint("GET", base, xml_get, media=x),
        Endpoint("PUT", base, xml_put, media=x, body="xml", schema=ORG_VDC_NETWORK, content_types=xml_types),
        Endpoint("DELETE", base, xml_delete, media=x),
        Endpoint("POST", base + "/action/convertToSubInterface", _convert("SUBINTERFACE"), media=x),
        Endpoint("POST", base + "/action/convertToInternalInterface", _convert("INTERNAL"), media=x),
        Endpoint("POST", base + "/action/convertToDistributedInterface", _convert("DISTRIBUTED"), media=x),
        Endpoint("GET", "/cloudapi/1.0.0/orgVdcNetworks", json_list, media=j),
        Endpoint("POST", "/cloudapi/1.0.0/orgVdcNetworks", json_create, media=j, body="json", schema=OPENAPI_NETWORK),
        Endpoint("GET", "/cloudapi/1.0.0/orgVdcNetworks/<urn>", json_get, media=j),
        Endpoint("PUT", "/cloudapi/1.0.0/orgVdcNetworks/<urn>", json_put, media=j, body="json", schema=OPENAPI_NETWORK),
        Endpoint("DELETE", "/cloudapi/1.0.0/orgVdcNetworks/<urn>", json_delete, media=j),
    ]
