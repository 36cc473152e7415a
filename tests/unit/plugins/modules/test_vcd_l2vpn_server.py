"""vcd_l2vpn_server's run() (the NSX-T SERVER tunnel) through its real main() against a routed fake Cloud
Director (scripted transport, no network): create with the exact body, a second run that changes nothing, check
mode without writes, no pre-shared key or peer code in results and diffs, bad input naming the option."""
import base64
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position
from vcd_fake import VCD_ARGS, page, vcd_routes  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudmove.vcda.plugins.modules import vcd_l2vpn_server  # noqa: E402

GATEWAY = {"id": "urn:vcloud:gateway:g1", "name": "edge-t", "orgRef": {"name": "org1", "id": "urn:vcloud:org:o1"},
           "orgVdc": {"name": "org1-vdc", "id": "urn:vcloud:vdc:v1"}, "gatewayBacking": {"gatewayType": "NSXT_BACKED"}}
WEB = {"id": "urn:vcloud:network:web", "name": "web-network", "orgVdc": GATEWAY["orgVdc"],
       "connection": {"routerRef": {"name": "edge-t", "id": GATEWAY["id"]}, "connectionTypeValue": "INTERNAL"}}
TUNNELS = "/cloudapi/1.0.0/edgeGateways/%s/l2vpn/tunnels" % GATEWAY["id"]
PSK = "Tunnel-Psk-0042"
TUNNEL = dict(VCD_ARGS, organization="org1", edge_gateway="edge-t", name="to-onprem", local_endpoint_ip="203.0.113.10",
              remote_endpoint_ip="198.51.100.20", pre_shared_key=PSK, stretched_networks=["web-network"])


class FakeVcd(object):
    """NSX-T L2 VPN tunnels of one edge gateway; read by id they show the key in clear (API 37.0) and a peer code."""

    def __init__(self):
        self.tunnels = []
        self.api = FakeApi(vcd_routes(**{
            "GET /cloudapi/1.0.0/edgeGateways": page([GATEWAY]),
            "GET /cloudapi/1.0.0/orgVdcNetworks": page([WEB]),
            "GET %s" % TUNNELS: lambda r, b: page([dict((k, v) for k, v in t.items() if k not in ("preSharedKey", "peerCode"))
                                                   for t in self.tunnels]),
            "POST %s" % TUNNELS: self.create,
            "GET %s/([^/]+)" % TUNNELS: lambda r, b: (200, self.by_path(r), None),
            "PUT %s/([^/]+)" % TUNNELS: self.update,
            "DELETE %s/([^/]+)" % TUNNELS: self.delete,
        }))

    def by_path(self, request):
        ident = request.path_url.split("?")[0].rsplit("/", 1)[-1]
        return [t for t in self.tunnels if t["id"] == ident][0]

    @staticmethod
    def code(psk):
        return base64.b64encode(json.dumps({"psk": psk}).encode()).decode()

    def create(self, request, body):
        tunnel = dict(copy.deepcopy(body), id="t%d" % (len(self.tunnels) + 1), peerCode=self.code(body["preSharedKey"]))
        for i, item in enumerate(tunnel["stretchedNetworks"]):
            item["tunnelId"] = 100 + i
        self.tunnels.append(tunnel)
        return (204, None, None)

    def update(self, request, body):
        tunnel = self.by_path(request)
        tunnel.update(copy.deepcopy(body))
        tunnel["peerCode"] = self.code(tunnel["preSharedKey"])
        return (200, None, None)

    def delete(self, request, _body):
        self.tunnels.remove(self.by_path(request))
        return (204, None, None)


def writes(vcd):
    return [(m, p, b) for m, p, b in vcd.api.calls if (m, p) in vcd.api.writes()]


def test_creates_the_server_tunnel_with_the_exact_body_then_changes_nothing(monkeypatch):
    vcd = FakeVcd()
    first = run_module(vcd_l2vpn_server, TUNNEL, vcd.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"] and not first.get("failed"), first
    assert writes(vcd) == [("POST", TUNNELS, {
        "name": "to-onprem", "sessionMode": "SERVER", "preSharedKey": PSK, "localEndpointIP": "203.0.113.10",
        "remoteEndpointIP": "198.51.100.20",
        "stretchedNetworks": [{"networkRef": {"name": "web-network", "id": WEB["id"]}}]})]
    assert first["backing"] == "nsxt" and first["tunnel_id"] == "t1" and first["tunnels"] == {"web-network": 100}
    assert first["secrets_sent"] is True and "peer_code" not in first
    assert first["diff"]["before"] == {} and first["diff"]["after"]["stretched_networks"] == ["web-network"]
    assert PSK not in text(first) and vcd.tunnels[0]["peerCode"] not in text(first)
    assert VCD_ARGS["password"] not in text(first)
    vcd.api.calls[:] = []
    second = run_module(vcd_l2vpn_server, TUNNEL, vcd.api, diff=True, monkeypatch=monkeypatch)
    assert not second["changed"] and writes(vcd) == [] and second["secrets_sent"] is False
    assert PSK not in text(second)


def test_a_new_key_is_sent_and_shown_only_as_updated(monkeypatch):
    vcd = FakeVcd()
    run_module(vcd_l2vpn_server, TUNNEL, vcd.api, monkeypatch=monkeypatch)
    vcd.api.calls[:] = []
    changed = run_module(vcd_l2vpn_server, dict(TUNNEL, pre_shared_key="Other-Psk-0043"), vcd.api, diff=True,
                         monkeypatch=monkeypatch)
    assert changed["changed"] and [(m, p) for m, p, _b in writes(vcd)] == [("PUT", TUNNELS + "/t1")]
    assert vcd.tunnels[0]["preSharedKey"] == "Other-Psk-0043"
    assert vcd.tunnels[0]["stretchedNetworks"][0]["tunnelId"] == 100  # the server-assigned id is kept
    assert "updated" in changed["diff"]["after"]["pre_shared_key"]
    assert "Other-Psk-0043" not in text(changed) and PSK not in text(changed)


def test_check_mode_predicts_without_any_write(monkeypatch):
    vcd = FakeVcd()
    predicted = run_module(vcd_l2vpn_server, TUNNEL, vcd.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and writes(vcd) == [] and vcd.tunnels == []
    assert predicted["diff"]["after"]["remote_endpoint_ip"] == "198.51.100.20" and PSK not in text(predicted)


def test_bad_input_names_the_option_and_changes_nothing(monkeypatch):
    vcd = FakeVcd()
    result = run_module(vcd_l2vpn_server, dict(TUNNEL, listener_port=443), vcd.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "listener_port" and "NSX-T" in result["msg"]
    result = run_module(vcd_l2vpn_server, dict(TUNNEL, pre_shared_key=None), vcd.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "pre_shared_key"
    result = run_module(vcd_l2vpn_server, dict(TUNNEL, stretched_networks=["nope"]), vcd.api, monkeypatch=monkeypatch)
    assert result["failed"] and "stretched_networks" in text(result) and "web-network" in result["msg"]
    assert writes(vcd) == [] and vcd.tunnels == []
