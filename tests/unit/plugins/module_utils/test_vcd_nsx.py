"""NSX-V L2VPN XML, NSX-T tunnel bodies, VLAN maps, peer codes, network helpers (no network)."""
import base64
import json

import pytest

from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx import edge
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import nsxt, nsxv
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import l2vpn
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import network
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Reconciler
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError, NotFoundError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import etree

CONFIG = {"enabled": True, "logging": {"enabled": True, "level": "warning"}, "listener_ip": "203.0.113.11",
          "listener_port": 443, "cipher": "AES256-SHA", "server_certificate": None,
          "peer_sites": [{"name": "onprem", "description": "", "user_id": "u1", "password": "Pw-1!", "indexes": [10, 11],
                          "egress_gateways": ["172.16.10.1"], "enabled": True}]}
INTERFACES = """<edgeInterfaces>
<edgeInterface><name>uplink</name><type>uplink</type><index>0</index></edgeInterface>
<edgeInterface><name>company-network</name><type>subinterface</type><index>10</index>
  <networkReference><id>abc</id></networkReference><tunnelId>1</tunnelId></edgeInterface>
<edgeInterface><name>lab-network</name><type>internal</type><index>1</index></edgeInterface>
</edgeInterfaces>"""


def test_l2vpn_body_follows_the_documented_order():
    root = nsxv.build_l2vpn(CONFIG)
    assert [c.tag for c in root] == ["enabled", "logging", "l2VpnSites"]
    conf = root.find("l2VpnSites/l2VpnSite/server/configuration")
    assert [c.tag for c in conf] == ["listenerIp", "listenerPort", "encryptionAlgorithm", "peerSites"]
    site = conf.find("peerSites/peerSite")
    assert [c.tag for c in site] == ["name", "l2VpnUser", "vnics", "egressOptimization", "enabled"]
    assert [c.tag for c in site.find("l2VpnUser")] == ["userId", "password"]
    assert [i.text for i in site.findall("vnics/index")] == ["10", "11"]
    assert root.findtext("logging/logLevel") == "WARNING"


def test_l2vpn_round_trip_and_password_only_when_shown():
    parsed = nsxv.parse_l2vpn(etree.fromstring(etree.tostring(nsxv.build_l2vpn(CONFIG))))
    assert parsed["configured"] and parsed["peer_sites"][0]["password"] == "Pw-1!"
    assert parsed["peer_sites"][0]["indexes"] == [10, 11] and parsed["cipher"] == "AES256-SHA"
    masked = etree.fromstring(etree.tostring(nsxv.build_l2vpn(CONFIG)))
    pw = masked.find(".//password")
    pw.getparent().remove(pw)
    assert "password" not in nsxv.parse_l2vpn(masked)["peer_sites"][0]
    assert nsxv.parse_l2vpn(etree.fromstring("<l2Vpn><enabled>false</enabled></l2Vpn>"))["configured"] is False


def test_l2vpn_body_needs_every_password():
    config = json.loads(json.dumps(CONFIG))
    del config["peer_sites"][0]["password"]
    with pytest.raises(InputError):
        nsxv.build_l2vpn(config)


def test_edge_interfaces_and_indexes_by_name():
    items = nsxv.edge_interfaces(etree.fromstring(INTERFACES))
    assert items[1] == {"name": "company-network", "type": "subinterface", "index": 10, "network_id": "abc",
                        "tunnel_id": 1}
    assert l2vpn.indexes_for(["company-network"], items, "edge", "onprem") == [10]
    with pytest.raises(InputError) as err:
        l2vpn.indexes_for(["lab-network"], items, "edge", "onprem")
    assert "not a subinterface" in str(err.value)
    with pytest.raises(NotFoundError) as err:
        l2vpn.indexes_for(["company-netwrk"], items, "edge", "onprem")
    assert "did you mean 'company-network'" in str(err.value)


def test_nsxv_secrets_compare_known_passwords_only():
    desired = {"peer_sites": [{"name": "a", "password": "new"}, {"name": "b", "password": "x"}, {"name": "c"}]}
    live = {"peer_sites": [{"name": "a", "password": "old"}, {"name": "b"}]}
    assert l2vpn.nsxv_secrets(desired, live) == (["a"], ["b"])


def test_statistics():
    root = etree.fromstring("<l2vpnStatusAndStats><siteStats><l2vpnStats><name>onprem</name><tunnelStatus>up"
                            "</tunnelStatus><establishedDate>1</establishedDate></l2vpnStats></siteStats>"
                            "</l2vpnStatusAndStats>")
    assert nsxv.parse_statistics(root) == {"onprem": {"status": "up", "established": "1", "failure": None}}


def test_tunnel_body_keeps_version_and_assigned_ids_and_drops_the_peer_code():
    live = {"id": "t1", "name": "dcx", "peerCode": "CODE", "version": {"version": 4}, "sessionMode": "SERVER",
            "stretchedNetworks": [{"networkRef": {"name": "web", "id": "urn:1"}, "tunnelId": 3}]}
    body = nsxt.tunnel_body({"name": "dcx", "initiation_mode": "on_demand", "stretched_networks": ["web", "db"]},
                            {"web": "urn:1", "db": "urn:2"}, "psk", live)
    assert "peerCode" not in body and body["version"] == {"version": 4} and body["preSharedKey"] == "psk"
    assert body["connectorInitiationMode"] == "ON_DEMAND"
    assert body["stretchedNetworks"] == [{"networkRef": {"name": "web", "id": "urn:1"}, "tunnelId": 3},
                                         {"networkRef": {"name": "db", "id": "urn:2"}}]


def test_tunnel_view_has_no_secret():
    view = nsxt.tunnel_view({"name": "t", "preSharedKey": "******", "peerCode": "X", "connectorInitiationMode": "RESPOND_ONLY",
                            "stretchedNetworks": [{"networkRef": {"name": "b"}}, {"networkRef": {"name": "a"}}]})
    assert "pre_shared_key" not in view and "peer_code" not in json.dumps(view)
    assert view["initiation_mode"] == "respond_only" and view["stretched_networks"] == ["a", "b"]


@pytest.mark.parametrize("items,expected", [
    ([{"vlan": "100", "tunnel_id": 1}], [{"vlan": 100, "tunnel_id": 1}]),
    ([{"vlan": "200-201", "tunnel_id": 5}, {"vlan": 100, "tunnel_id": 1}],
     [{"vlan": 100, "tunnel_id": 1}, {"vlan": 200, "tunnel_id": 5}, {"vlan": 201, "tunnel_id": 6}]),
])
def test_vlan_maps(items, expected):
    assert edge.parse_vlan_map(items) == expected


@pytest.mark.parametrize("items,word", [
    ([{"vlan": "100-102", "tunnel_id": 1}, {"vlan": "101", "tunnel_id": 9}], "overlaps"),
    ([{"vlan": "100", "tunnel_id": 1}, {"vlan": "200", "tunnel_id": 1}], "tunnel id 1 is mapped twice"),
    ([{"vlan": "4095", "tunnel_id": 1}], "outside"),
    ([{"vlan": "10", "tunnel_id": 4094}], "outside 1-4093"),
    ([{"vlan": "ten", "tunnel_id": 1}], "not a VLAN"),
])
def test_bad_vlan_maps(items, word):
    with pytest.raises(InputError) as err:
        edge.parse_vlan_map(items)
    assert word in str(err.value) and err.value.option == "l2_extensions"


def test_peer_code_fingerprint_in_the_description():
    described = edge.with_fingerprint("to the cloud", "CODE-1")
    assert described.startswith("to the cloud [peer code ") and "CODE-1" not in described
    assert edge.fingerprint_of(described) == edge.peer_code_fingerprint("CODE-1") != edge.peer_code_fingerprint("CODE-2")
    assert edge.strip_fingerprint(edge.with_fingerprint(described, "CODE-2")) == "to the cloud"
    with pytest.raises(InputError):
        edge.check_peer_code("not base64!")


def test_psk_from_a_lab_peer_code_only():
    code = base64.b64encode(json.dumps({"labPeerCode": 1, "psk": "k"}).encode()).decode()
    assert inferred.psk_from_peer_code(code) == "k"
    assert inferred.psk_from_peer_code(base64.b64encode(b"\x00binary").decode()) is None
    assert inferred.psk_from_peer_code(None) is None


# ----- networks ------------------------------------------------------------------------------------
def test_cidr_and_pools():
    assert network.parse_cidr("172.16.10.1/24") == ("172.16.10.1", 24)
    for bad in ("172.16.10.0/24", "172.16.10.1", "x/24", "10.0.0.1/31"):
        with pytest.raises(InputError):
            network.parse_cidr(bad)
    pools = [{"start_address": "172.16.10.150", "end_address": "172.16.10.199"},
             {"start_address": "172.16.10.100", "end_address": "172.16.10.149"}]
    assert network.parse_pools(pools, "172.16.10.1", 24) == [["172.16.10.100", "172.16.10.149"],
                                                             ["172.16.10.150", "172.16.10.199"]]
    for bad in ([{"start_address": "172.16.11.1", "end_address": "172.16.11.9"}],
                [{"start_address": "172.16.10.1", "end_address": "172.16.10.9"}],
                [{"start_address": "172.16.10.9", "end_address": "172.16.10.2"}]):
        with pytest.raises(InputError):
            network.parse_pools(bad, "172.16.10.1", 24)


def test_interface_types_per_backing():
    network.check_interface("nsxv", "subinterface", "e")
    network.check_interface("nsxt", "non_distributed", "e")
    with pytest.raises(InputError) as err:
        network.check_interface("nsxt", "subinterface", "e")
    assert "no subinterfaces" in str(err.value)


def test_apply_converts_in_place_and_keeps_the_rest():
    live = {"id": "urn:n", "name": "n", "status": "REALIZED",
            "connection": {"routerRef": {"id": "g"}, "connectionType": "INTERNAL", "connectionTypeValue": "INTERNAL"},
            "subnets": {"values": [{"gateway": "10.0.0.1", "prefixLength": 24, "dnsServer1": None,
                                    "ipRanges": {"values": []}}]}}
    body = network.apply(live, {"interface_type": "subinterface", "dns1": "10.0.0.53"})
    assert body["connection"] == {"routerRef": {"id": "g"}, "connectionType": "SUBINTERFACE",
                                  "connectionTypeValue": "SUBINTERFACE"}
    assert body["subnets"]["values"][0]["dnsServer1"] == "10.0.0.53" and body["status"] == "REALIZED"
    assert live["connection"]["connectionTypeValue"] == "INTERNAL"  # the live body is not modified
    assert network.view(body)["interface_type"] == "subinterface"


def test_new_network_names_its_vdc_in_owner_ref_from_35():
    vdc, gateway = {"name": "v", "id": "urn:vcloud:vdc:1"}, {"name": "g", "id": "urn:vcloud:gateway:2"}
    desired = {"gateway_cidr": "172.16.10.1/24"}
    assert network.new_body("n", desired, vdc, gateway, (35, 0))["ownerRef"] == {"name": "v", "id": "urn:vcloud:vdc:1"}
    assert "orgVdc" not in network.new_body("n", desired, vdc, gateway, (37, 0))
    old = network.new_body("n", desired, vdc, gateway, (34, 0))
    assert old["orgVdc"]["id"] == "urn:vcloud:vdc:1" and "ownerRef" not in old


def test_a_subnet_already_on_the_edge_gateway_is_refused():
    gateway = {"edgeGatewayUplinks": [{"uplinkName": "up", "subnets": {"values": [{"gateway": "203.0.113.1", "prefixLength": 24}]}}]}
    routed = [{"name": "company-network", "subnets": {"values": [{"gateway": "172.16.10.1", "prefixLength": 24}]}}]
    taken = network.gateway_subnets(gateway, routed)
    assert taken == [("uplink up", "203.0.113.1/24"), ("network company-network", "172.16.10.1/24")]
    with pytest.raises(InputError) as err:
        network.overlaps("172.16.10.5/24", taken)
    assert err.value.option == "gateway_cidr" and "company-network" in str(err.value)
    with pytest.raises(InputError):
        network.overlaps("172.16.0.1/16", taken)  # holds the other subnet
    with pytest.raises(InputError):
        network.overlaps("203.0.113.200/25", taken)  # inside the uplink
    network.overlaps("172.16.11.1/24", taken)  # next to it: fine


class _FakeTunnels(object):
    """A cell with one SERVER tunnel: the list leaves out the key and the peer code, the tunnel by id has both
    (the key in clear below API 38.0, masked from there)."""

    def __init__(self, masked):
        self.tunnel = {"id": "t1", "name": "dcx", "sessionMode": "SERVER", "description": "", "localEndpointIP": "203.0.113.12",
                       "remoteEndpointIP": "198.51.100.20", "tunnelInterface": "169.254.1.1/30", "enabled": True,
                       "connectorInitiationMode": "INITIATOR", "logging": False, "version": {"version": 3},
                       "stretchedNetworks": [{"networkRef": {"name": "web", "id": "urn:vcloud:network:1"}, "tunnelId": 1}]}
        self.key = "Real-Psk-1"
        self.masked = masked
        self.calls = []

    def _one(self):
        return dict(self.tunnel, preSharedKey="******" if self.masked else self.key, peerCode="PEER-CODE-OF-t1")

    def find_by_name(self, path, name, kind, option=None, required=True, headers=None, match=None, extra=None):
        self.calls.append(("LIST", path))
        return dict(self.tunnel) if name == "dcx" else None

    def json(self, method, path, body=None, params=None, headers=None, expected=None):
        self.calls.append((method, path, body))
        if method == "GET" and path.endswith("/tunnels/t1"):
            return self._one()
        if method == "PUT":
            return None
        raise AssertionError((method, path))


GW = {"id": "urn:vcloud:gateway:g", "name": "org1-edge-nsxt"}
SPEC = {"state": "present", "name": "dcx", "update_secrets": "on_create"}


@pytest.mark.parametrize("masked", [False, True])
def test_nsxt_update_without_a_key_never_sends_the_mask(masked):
    cell = _FakeTunnels(masked)
    secrets = []
    result = l2vpn.reconcile_nsxt(cell, GW, dict(SPEC, description="new"), Reconciler(), secret=secrets.append)
    put = [c for c in cell.calls if c[0] == "PUT"][0][2]
    assert result["outcome"].changed and "******" not in json.dumps(put) and "peerCode" not in put
    if masked:  # 38.0+: the key is left out and the cell keeps it
        assert "preSharedKey" not in put and secrets == []
    else:  # below 38.0: the real key read by id goes back, and is registered as a secret
        assert put["preSharedKey"] == "Real-Psk-1" and secrets == ["Real-Psk-1"]
    assert put["version"] == {"version": 3} and put["description"] == "new"


def test_nsxt_no_change_rerun_reads_the_peer_code_from_the_tunnel():
    cell = _FakeTunnels(False)
    result = l2vpn.reconcile_nsxt(cell, GW, dict(SPEC, pre_shared_key="Real-Psk-1"), Reconciler())
    assert not result["outcome"].changed and result["peer_code"] == "PEER-CODE-OF-t1"
    assert ("GET", "/cloudapi/1.0.0/edgeGateways/urn:vcloud:gateway:g/l2vpn/tunnels/t1", None) in cell.calls
    assert not [c for c in cell.calls if c[0] == "PUT"]
    # A different key given is known to differ (read in clear below 38.0) and is sent.
    result = l2vpn.reconcile_nsxt(cell, GW, dict(SPEC, pre_shared_key="New-Psk-2"), Reconciler())
    put = [c for c in cell.calls if c[0] == "PUT"][0][2]
    assert result["outcome"].changed and put["preSharedKey"] == "New-Psk-2"


def test_nsxv_view_maps_indexes_of_subinterfaces_only():
    interfaces = [{"name": "uplink", "type": "uplink", "index": 0}, {"name": "company-network", "type": "subinterface", "index": 10},
                  {"name": "dlr-net", "type": "distributed", "index": 10}]
    config = {"configured": True, "enabled": True, "logging": {"enabled": False, "level": "info"}, "listener_ip": "203.0.113.11",
              "listener_port": 443, "cipher": "AES128-GCM-SHA256",
              "peer_sites": [{"name": "p", "user_id": "u", "indexes": [10], "enabled": True}]}
    assert l2vpn.nsxv_view(config, interfaces)["peer_sites"][0]["stretched_networks"] == ["company-network"]
