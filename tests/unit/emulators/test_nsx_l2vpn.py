"""vCD networks (subinterface, connectionTypeValue), NSX-V L2VPN server through the proxy, NSX-T
tunnels, the autonomous edge client and the lab-only standalone client records."""
from __future__ import annotations

import time

from lxml import etree

from vcd_helpers import EDGE, EDGE_PASSWORD, NS, ORG1, VCD, VcdClient, basic, q

from emulator_helpers import Client

NETWORK_TYPE = "application/vnd.vmware.vcloud.orgVdcNetwork+xml;version=36.0"
PEER_PASSWORD = "Peer-Secret-1!"
PSK = "Tunnel-Psk-Secret-1"


def _network_xml(vcd, edge_id, name="company-network", sub_interface=None, swap=False):
    root = etree.Element(q("OrgVdcNetwork"), nsmap={None: NS}, name=name)
    etree.SubElement(root, q("Description")).text = "stretched"
    config = etree.SubElement(root, q("Configuration"))
    scope = etree.SubElement(etree.SubElement(config, q("IpScopes")), q("IpScope"))
    for tag, value in (("IsInherited", "false"), ("Gateway", "172.16.10.1"), ("Netmask", "255.255.255.0"), ("IsEnabled", "true")):
        etree.SubElement(scope, q(tag)).text = value
    fence = etree.Element(q("FenceMode"))
    fence.text = "natRouted"
    if sub_interface is not None:
        sub = etree.Element(q("SubInterface"))
        sub.text = sub_interface
        config.extend([sub, fence] if swap else [fence, sub])
    else:
        config.append(fence)
    etree.SubElement(root, q("EdgeGateway"), href="%s/api/admin/edgeGateway/%s" % (vcd.url, edge_id))
    return root


def _setup(lab):
    vcd = VcdClient(lab.url("t-vcd"), lab.thumbprint("t-vcd"))
    vcd.login_legacy()
    vcd.json_headers = None
    provider = VcdClient(vcd.url, vcd.thumbprint).login()
    edges = {e["name"]: e for e in provider.json("GET", "/cloudapi/1.0.0/edgeGateways").body["values"]}
    return vcd, provider, edges


def _stretch_nsxv(vcd, edges):
    edge = edges["org1-edge-nsxv"]
    edge_id = edge["id"].rsplit(":", 1)[-1]
    vdc_id = edge["orgVdc"]["id"].rsplit(":", 1)[-1]
    created = vcd.xml("POST", "/api/admin/vdc/%s/networks" % vdc_id, _network_xml(vcd, edge_id), NETWORK_TYPE)
    assert created.status == 201, created
    assert vcd.wait_task(created.body.find(q("Tasks"))[0].get("href")).get("status") == "success"
    net_href = created.body.get("href")
    path = net_href[len(vcd.url):]
    reply = vcd.xml("POST", path + "/action/convertToSubInterface")
    assert reply.status == 202 and reply.headers["location"].endswith(reply.body.get("href").rsplit("/", 1)[-1])
    assert vcd.wait_task(reply.headers["location"]).get("status") == "success"
    return edge, edge_id, path


def test_network_create_and_convert_to_subinterface(vcd_lab_factory):
    vcd, _provider, edges = _setup(vcd_lab_factory())
    edge = edges["org1-edge-nsxv"]
    edge_id = edge["id"].rsplit(":", 1)[-1]
    vdc_id = edge["orgVdc"]["id"].rsplit(":", 1)[-1]
    # Out of schema order (SubInterface before FenceMode): rejected with a vCD Error.
    bad = vcd.xml("POST", "/api/admin/vdc/%s/networks" % vdc_id, _network_xml(vcd, edge_id, "x", "true", swap=True), NETWORK_TYPE)
    assert bad.status == 400 and bad.body.tag == q("Error") and "FenceMode" in bad.body.get("message")
    _edge, _edge_id, path = _stretch_nsxv(vcd, edges)
    net = vcd.xml("GET", path).body
    assert net.find(q("Configuration")).findtext(q("SubInterface")) == "true"
    assert net.find(q("Configuration")).findtext(q("DistributedInterface")) == "false"
    # The proxy shows the subinterface index and tunnel id.
    ifaces = etree.fromstring(vcd.raw("GET", "/network/edges/%s/vdcNetworks" % edge_id)[2])
    sub = [i for i in ifaces if i.findtext("type") == "subinterface"]
    assert [(i.findtext("name"), i.findtext("index"), i.findtext("tunnelId")) for i in sub] == [("company-network", "10", "1")]
    # Full PUT (option B) back to internal, and both interfaces at once is refused.
    assert vcd.xml("PUT", path, _network_xml(vcd, edge_id, sub_interface="false"), NETWORK_TYPE).status == 202
    both = _network_xml(vcd, edge_id, sub_interface="true")
    etree.SubElement(both.find(q("Configuration")), q("DistributedInterface")).text = "true"
    assert vcd.xml("PUT", path, both, NETWORK_TYPE).status == 400


def test_openapi_connection_type_value_nsxt(vcd_lab_factory):
    _vcd, provider, edges = _setup(vcd_lab_factory())
    edge = edges["org1-edge-nsxt"]
    body = {"name": "web", "networkType": "NAT_ROUTED", "orgVdc": edge["orgVdc"],
            "connection": {"routerRef": {"id": edge["id"]}, "connectionTypeValue": "NON_DISTRIBUTED"},
            "subnets": {"values": [{"gateway": "10.10.0.1", "prefixLength": 24}]}}
    refused = provider.json("POST", "/cloudapi/1.0.0/orgVdcNetworks", body)  # from API 35.0 ownerRef names the VDC
    assert refused.status == 400 and "ownerRef" in refused.body["message"]
    body["ownerRef"] = body.pop("orgVdc")
    body["connection"]["connectionTypeValue"] = "SUBINTERFACE"
    assert provider.json("POST", "/cloudapi/1.0.0/orgVdcNetworks", body).status == 400  # no subinterfaces on NSX-T
    body["connection"]["connectionTypeValue"] = "NON_DISTRIBUTED"
    reply = provider.json("POST", "/cloudapi/1.0.0/orgVdcNetworks", body)
    assert reply.status == 202
    assert provider.wait_task(reply.headers["location"]).get("status") == "success"
    nets = provider.json("GET", "/cloudapi/1.0.0/orgVdcNetworks?filter=name==web").body["values"]
    assert nets[0]["connection"]["connectionTypeValue"] == "NON_DISTRIBUTED"
    assert provider.json("POST", "/cloudapi/1.0.0/orgVdcNetworks", dict(body, bogus=1)).status == 400


def _l2vpn_xml(listener, index, password=PEER_PASSWORD, enabled="true"):
    parts = ["<l2Vpn><enabled>%s</enabled><logging><enable>false</enable><logLevel>info</logLevel></logging>" % enabled,
             "<l2VpnSites><l2VpnSite><server><configuration><listenerIp>%s</listenerIp><listenerPort>443</listenerPort>" % listener,
             "<encryptionAlgorithm>AES128-GCM-SHA256</encryptionAlgorithm><peerSites><peerSite><name>onprem</name>",
             "<l2VpnUser><userId>site1</userId>%s</l2VpnUser>" % ("<password>%s</password>" % password if password else ""),
             "<vnics><index>%s</index></vnics><enabled>true</enabled></peerSite></peerSites>" % index,
             "</configuration></server></l2VpnSite></l2VpnSites></l2Vpn>"]
    return "".join(parts)


def test_nsxv_l2vpn_server_and_standalone_client(vcd_lab_factory):
    lab = vcd_lab_factory()
    vcd, _provider, edges = _setup(lab)
    edge, edge_id, _path = _stretch_nsxv(vcd, edges)
    listener = edge["edgeGatewayUplinks"][0]["subnets"]["values"][0]["primaryIp"]
    cfg = "/network/edges/%s/l2vpn/config" % edge_id
    xml = {"Content-Type": "application/xml"}
    assert vcd.raw("PUT", cfg, _l2vpn_xml(listener, 10, password=None), xml)[0] == 400  # password must be posted
    assert vcd.raw("PUT", cfg, _l2vpn_xml("10.9.9.9", 10), xml)[0] == 400  # not an uplink address
    assert vcd.raw("PUT", cfg, _l2vpn_xml(listener, 3), xml)[0] == 400  # not a subinterface
    assert vcd.raw("PUT", cfg, _l2vpn_xml(listener, 10), xml)[0] == 204
    got = etree.fromstring(vcd.raw("GET", cfg)[2])
    assert got.findtext("version") == "1" and got.findtext("enabled") == "true"
    assert got.find(".//password") is None and PEER_PASSWORD.encode() not in vcd.raw("GET", cfg)[2]
    assert etree.fromstring(vcd.raw("GET", cfg + "?showSensitiveData=true")[2]).findtext(".//password") == PEER_PASSWORD
    stats = "/network/edges/%s/l2vpn/config/statistics" % edge_id
    assert etree.fromstring(vcd.raw("GET", stats)[2]).findtext(".//tunnelStatus") == "down"
    # Lab-only: a client VM with matching properties brings the tunnel up; a wrong tunnel id does not.
    props = {"l2vpn.server.address": listener, "l2vpn.server.port": "443", "l2vpn.cipher": "AES128-GCM-SHA256",
             "l2vpn.user.id": "site1", "l2vpn.user.password": PEER_PASSWORD, "l2vpn.vlan.tunnel_ids": "100(2)"}
    assert vcd.lab("POST", "/_lab/l2vpn-clients", {"name": "l2vpn-client", "properties": props}).status == 201
    listed = vcd.lab("GET", "/_lab/l2vpn-clients").body["clients"][0]
    assert listed["properties"]["l2vpn.user.password"] == "***" and "tunnel ids" in listed["matches"][0]["reason"]
    assert etree.fromstring(vcd.raw("GET", stats)[2]).findtext(".//tunnelStatus") == "down"
    props["l2vpn.vlan.tunnel_ids"] = "100(1)"
    vcd.lab("POST", "/_lab/l2vpn-clients", {"name": "l2vpn-client", "properties": props})
    assert etree.fromstring(vcd.raw("GET", stats)[2]).findtext(".//tunnelStatus") == "up"
    assert vcd.raw("POST", cfg + "?enableService=false")[0] == 204
    assert etree.fromstring(vcd.raw("GET", stats)[2]).findtext(".//tunnelStatus") == "down"
    assert vcd.raw("DELETE", cfg)[0] == 204
    assert etree.fromstring(vcd.raw("GET", cfg)[2]).find("l2VpnSites") is None
    # NSX-T edges are not served by the NSX-V API.
    nsxt = edges["org1-edge-nsxt"]["id"].rsplit(":", 1)[-1]
    status, _headers, data = vcd.raw("GET", "/network/edges/%s/l2vpn/config" % nsxt)
    assert status == 400 and etree.fromstring(data).tag == "error"
    # The request log has no secrets.
    log = str(vcd.lab("GET", "/_lab/requests").body)
    assert PEER_PASSWORD not in log and "x-vcloud-authorization" not in log.lower() and "password" in log


def _wait_tunnel(vcd, base):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        values = vcd.json("GET", base).body["values"]
        if values:
            return values[0]
        time.sleep(0.05)
    raise AssertionError("tunnel not created")


def test_nsxt_tunnel_and_autonomous_edge(vcd_lab_factory):
    lab = vcd_lab_factory(vcd=VCD, nsx=EDGE)
    _vcd, provider, edges = _setup(lab)
    edge = edges["org1-edge-nsxt"]
    net = {"name": "web", "networkType": "NAT_ROUTED", "ownerRef": edge["orgVdc"], "connection": {"routerRef": {"id": edge["id"]}},
           "subnets": {"values": [{"gateway": "10.10.0.1", "prefixLength": 24}]}}
    provider.wait_task(provider.json("POST", "/cloudapi/1.0.0/orgVdcNetworks", net).headers["location"])
    net_id = provider.json("GET", "/cloudapi/1.0.0/orgVdcNetworks?filter=name==web").body["values"][0]["id"]
    base = "/cloudapi/1.0.0/edgeGateways/%s/l2vpn/tunnels" % edge["id"]
    local_ip = edge["edgeGatewayUplinks"][0]["subnets"]["values"][0]["primaryIp"]
    body = {"name": "dcx", "sessionMode": "SERVER", "enabled": True, "localEndpointIP": local_ip, "remoteEndpointIP": "198.51.100.20",
            "connectorInitiationMode": "ON_DEMAND", "preSharedKey": PSK, "tunnelInterface": "",
            "stretchedNetworks": [{"networkRef": {"name": "web", "id": net_id}}], "logging": False}
    assert provider.json("POST", base, dict(body, localEndpointIP="10.1.1.1")).status == 400
    reply = provider.json("POST", base, body)
    assert reply.status == 202 and "/api/task/" in reply.headers["location"]
    task = provider.wait_task(reply.headers["location"])
    listed = _wait_tunnel(provider, base)
    assert task.findtext(q("Details")) == listed["id"]
    # The list carries neither the key nor the peer code; the tunnel itself does (API 36.0: the key in clear).
    assert "preSharedKey" not in listed and "peerCode" not in listed and listed["version"] == {"version": 1}
    one = base + "/" + listed["id"]
    tunnel = provider.json("GET", one).body
    assert tunnel["preSharedKey"] == PSK and tunnel["peerCode"]
    assert provider.json("GET", one + "/peerCode").body == {"peerCode": tunnel["peerCode"]}
    assert tunnel["stretchedNetworks"][0]["tunnelId"] == 1
    assert provider.json("GET", one + "/status").body["runtimeStatus"] == "DOWN"
    # PUT needs the current version.
    update = dict(tunnel, description="x")
    assert provider.json("PUT", one, {k: v for k, v in update.items() if k != "version"}).status == 400
    assert provider.json("PUT", one, dict(update, version={"version": 7})).status == 400
    assert provider.json("PUT", one, dict(update, sessionMode="CLIENT")).status == 400
    provider.wait_task(provider.json("PUT", one, update).headers["location"])
    tunnel = provider.json("GET", one).body
    assert tunnel["version"] == {"version": 2} and tunnel["description"] == "x"
    # The autonomous edge: session with the peer code; UP only when addresses and tunnel ids match.
    ae = Client(lab.url("t-edge"), lab.thumbprint("t-edge"))
    auth = {"Authorization": basic("admin", EDGE_PASSWORD)}
    sessions = "/api/v1/vpn/l2vpn/sessions"
    create = {"display_name": "to-cloud", "transport_tunnels": [{"peer_code": tunnel["peerCode"], "peer_address": local_ip,
                                                                 "local_address": "198.51.100.20"}]}
    assert ae.call("POST", sessions + "?action=create_with_peer_code", create, headers={"Authorization": basic("admin", "x")}).status == 403
    assert ae.call("POST", sessions, create, headers=auth).status == 400
    wrong_local = {"display_name": "x", "transport_tunnels": [dict(create["transport_tunnels"][0], local_address="198.51.100.99")]}
    assert ae.call("POST", sessions + "?action=create_with_peer_code", wrong_local, headers=auth).status == 400
    created = ae.call("POST", sessions + "?action=create_with_peer_code", create, headers=auth)
    assert created.status == 201 and "peer_code" not in str(created.body)
    sid = created.body["id"]
    status = ae.call("GET", "%s/%s/status" % (sessions, sid), headers=auth).body
    assert status["runtime_status"] == "DOWN" and "tunnel ids" in status["failure_reason"]
    assert ae.call("PUT", "%s/%s/l2-extensions" % (sessions, sid), {"results": [{"vlan": 100, "tunnel_id": 1}]}, headers=auth).status == 200
    assert ae.call("GET", "%s/%s/status" % (sessions, sid), headers=auth).body["runtime_status"] == "UP"
    assert provider.json("GET", one + "/status").body["runtimeStatus"] == "UP"
    assert provider.json("GET", one + "/metrics").body["packetsIn"] > 0
    # A new PSK invalidates the old peer code.
    provider.wait_task(provider.json("PUT", one, dict(tunnel, preSharedKey="Another-Psk-2")).headers["location"])
    assert ae.call("GET", "%s/%s/status" % (sessions, sid), headers=auth).body["runtime_status"] == "DOWN"
    assert provider.json("GET", one + "/status").body["runtimeStatus"] == "DOWN"
    # Secrets never reach the request logs.
    for client in (provider, ae):
        log = str(client.lab("GET", "/_lab/requests").body)
        assert PSK not in log and tunnel["peerCode"] not in log and EDGE_PASSWORD not in log and "Bearer" not in log
    assert ae.call("DELETE", "%s/%s" % (sessions, sid), headers=auth).status == 200
    provider.wait_task(provider.json("DELETE", one).headers["location"])
    assert provider.json("GET", one).status == 404
    assert ORG1


def test_go_vcloud_director_bodies_and_masked_key_from_38(vcd_lab_factory):
    """Bodies as go-vcloud-director marshals them (``id: ""``, ``peerCode: ""``, ``tunnelId: 0``, null
    ``parentNetworkId`` / ``guestVlanTaggingAllowed`` / ``totalIpCount`` / ``usedIpCount``) are accepted; from API
    38.0 the key reads back masked, and a mask sent back becomes the key (the collection must never send it)."""
    lab = vcd_lab_factory(vcd=[dict(VCD[0], api_versions=["%d.0" % v for v in range(27, 39)])])
    _vcd, provider, edges = _setup(lab)
    edge = edges["org1-edge-nsxt"]
    net = {"id": "", "name": "web", "description": "", "networkType": "NAT_ROUTED", "ownerRef": edge["orgVdc"],
           "connection": {"routerRef": {"id": edge["id"]}}, "parentNetworkId": None, "guestVlanTaggingAllowed": None,
           "totalIpCount": None, "usedIpCount": None,
           "subnets": {"values": [{"gateway": "10.10.0.1", "prefixLength": 24, "dnsServer1": "", "dnsServer2": "", "dnsSuffix": "",
                                   "ipRanges": {"values": None}}]}}
    reply = provider.json("POST", "/cloudapi/1.0.0/orgVdcNetworks", net)
    assert reply.status == 202, reply
    provider.wait_task(reply.headers["location"])
    live = provider.json("GET", "/cloudapi/1.0.0/orgVdcNetworks?filter=name==web").body["values"][0]
    assert {"parentNetworkId", "guestVlanTaggingAllowed", "totalIpCount", "usedIpCount"} <= set(live)
    # The same subnet again on the same edge gateway: refused, nothing made.
    again = provider.json("POST", "/cloudapi/1.0.0/orgVdcNetworks", dict(net, name="web2", subnets={"values": [
        {"gateway": "10.10.0.5", "prefixLength": 24}]}))
    assert again.status == 400 and "overlaps" in again.body["message"] and "web" in again.body["message"]
    base = "/cloudapi/1.0.0/edgeGateways/%s/l2vpn/tunnels" % edge["id"]
    local_ip = edge["edgeGatewayUplinks"][0]["subnets"]["values"][0]["primaryIp"]
    body = {"id": "", "name": "dcx", "description": "", "sessionMode": "SERVER", "enabled": True, "localEndpointIP": local_ip,
            "remoteEndpointIP": "198.51.100.20", "connectorInitiationMode": "INITIATOR", "peerCode": "", "preSharedKey": PSK,
            "stretchedNetworks": [{"networkRef": {"name": "", "id": live["id"]}, "tunnelId": 0}], "logging": False,
            "version": {"version": 0}}
    reply = provider.json("POST", base, body)
    assert reply.status == 202, reply
    provider.wait_task(reply.headers["location"])
    one = base + "/" + _wait_tunnel(provider, base)["id"]
    v38 = "application/json;version=38.0"
    tunnel = provider.json("GET", one, accept=v38).body
    assert tunnel["preSharedKey"] == "******" and tunnel["stretchedNetworks"][0]["tunnelId"] == 1
    assert provider.json("GET", one).body["preSharedKey"] == PSK  # 36.0: in clear
    # Left out: the key stays. Sent masked: the mask is the new key.
    update = {k: v for k, v in tunnel.items() if k not in ("preSharedKey", "peerCode")}
    provider.wait_task(provider.json("PUT", one, dict(update, description="kept"), accept=v38).headers["location"])
    assert provider.json("GET", one).body["preSharedKey"] == PSK
    current = provider.json("GET", one, accept=v38).body
    provider.wait_task(provider.json("PUT", one, current, accept=v38).headers["location"])
    assert provider.json("GET", one).body["preSharedKey"] == "******"


def test_distributed_interfaces_have_their_own_indexes(vcd_lab_factory):
    vcd, _provider, edges = _setup(vcd_lab_factory())
    edge, edge_id, _path = _stretch_nsxv(vcd, edges)
    vdc_id = edge["orgVdc"]["id"].rsplit(":", 1)[-1]
    dist = _network_xml(vcd, edge_id, "dlr-network")
    dist.find(q("Configuration")).find(q("IpScopes")).find(q("IpScope")).find(q("Gateway")).text = "172.16.50.1"
    etree.SubElement(dist.find(q("Configuration")), q("DistributedInterface")).text = "true"
    created = vcd.xml("POST", "/api/admin/vdc/%s/networks" % vdc_id, dist, NETWORK_TYPE)
    assert created.status == 201, created
    ifaces = etree.fromstring(vcd.raw("GET", "/network/edges/%s/vdcNetworks" % edge_id)[2])
    listed = sorted((i.findtext("type"), i.findtext("index"), i.findtext("name")) for i in ifaces if i.findtext("type") != "uplink")
    assert listed == [("distributed", "10", "dlr-network"), ("subinterface", "10", "company-network")]
