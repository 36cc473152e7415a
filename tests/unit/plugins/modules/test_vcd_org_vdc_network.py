"""vcd_org_vdc_network's run() through its real main() against a routed fake Cloud Director (scripted transport,
no network): create with the exact body, a second run that changes nothing, an in-place update, delete, check mode
without writes, diff without the password, bad input naming the option."""
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position
from vcd_fake import VCD_ARGS, page, vcd_routes  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudmove.vcda.plugins.modules import vcd_org_vdc_network  # noqa: E402

NETS = "/cloudapi/1.0.0/orgVdcNetworks"
VDC = {"name": "org1-vdc", "id": "urn:vcloud:vdc:v1"}
GATEWAY = {"id": "urn:vcloud:gateway:g1", "name": "edge-t", "orgRef": {"name": "org1", "id": "urn:vcloud:org:o1"},
           "orgVdc": VDC, "gatewayBacking": {"gatewayType": "NSXT_BACKED"},
           "edgeGatewayUplinks": [{"uplinkName": "ext", "subnets": {"values": [{"gateway": "10.0.0.1", "prefixLength": 24}]}}]}
NET = dict(VCD_ARGS, organization="org1", name="web-network", edge_gateway="edge-t", gateway_cidr="172.16.30.1/24",
           static_pools=[{"start_address": "172.16.30.100", "end_address": "172.16.30.199"}], dns1="172.16.30.1",
           description="the web tier")


class FakeVcd(object):
    """Org VDC networks kept as the OpenAPI keeps them."""

    def __init__(self):
        self.nets = []
        self.api = FakeApi(vcd_routes(**{
            "GET /cloudapi/1.0.0/edgeGateways": page([GATEWAY]),
            "GET %s" % NETS: lambda r, b: page(self.nets),
            "POST %s" % NETS: self.create,
            "GET %s/([^/]+)" % NETS: lambda r, b: (200, self.by_path(r), None),
            "PUT %s/([^/]+)" % NETS: self.update,
            "DELETE %s/([^/]+)" % NETS: self.delete,
        }))

    def by_path(self, request):
        ident = request.path_url.split("?")[0].rsplit("/", 1)[-1]
        return [n for n in self.nets if n["id"] == ident][0]

    def create(self, request, body):
        net = dict(copy.deepcopy(body), id="urn:vcloud:network:n%d" % (len(self.nets) + 1), status="REALIZED",
                   orgVdc=body.get("ownerRef"), orgRef=GATEWAY["orgRef"])
        self.nets.append(net)
        return (201, net, None)

    def update(self, request, body):
        self.by_path(request).update(copy.deepcopy(body))
        return (200, None, None)

    def delete(self, request, _body):
        self.nets.remove(self.by_path(request))
        return (204, None, None)


def writes(vcd):
    return [(m, p, b) for m, p, b in vcd.api.calls if (m, p) in vcd.api.writes()]


def test_creates_with_the_exact_body_then_changes_nothing(monkeypatch):
    vcd = FakeVcd()
    first = run_module(vcd_org_vdc_network, NET, vcd.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"] and not first.get("failed"), first
    assert writes(vcd) == [("POST", NETS, {
        "name": "web-network", "description": "the web tier", "ownerRef": VDC, "networkType": "NAT_ROUTED",
        "connection": {"routerRef": {"name": "edge-t", "id": GATEWAY["id"]}, "connectionTypeValue": "INTERNAL"},
        "subnets": {"values": [{"gateway": "172.16.30.1", "prefixLength": 24, "dnsServer1": "172.16.30.1",
                                "dnsServer2": None, "dnsSuffix": None,
                                "ipRanges": {"values": [{"startAddress": "172.16.30.100", "endAddress": "172.16.30.199"}]}}]},
        "shared": False})]
    assert first["network"]["id"] == "urn:vcloud:network:n1" and first["network"]["backing"] == "nsxt"
    assert first["diff"]["before"] == {} and first["diff"]["after"]["gateway_cidr"] == "172.16.30.1/24"
    assert VCD_ARGS["password"] not in text(first)
    vcd.api.calls[:] = []
    second = run_module(vcd_org_vdc_network, NET, vcd.api, monkeypatch=monkeypatch)
    assert not second["changed"] and writes(vcd) == [] and len(vcd.nets) == 1


def test_changes_in_place_then_deletes(monkeypatch):
    vcd = FakeVcd()
    run_module(vcd_org_vdc_network, NET, vcd.api, monkeypatch=monkeypatch)
    vcd.api.calls[:] = []
    changed = run_module(vcd_org_vdc_network, dict(NET, dns1="8.8.8.8"), vcd.api, diff=True, monkeypatch=monkeypatch)
    assert changed["changed"] and [(m, p) for m, p, _b in writes(vcd)] == [("PUT", NETS + "/urn:vcloud:network:n1")]
    assert vcd.nets[0]["subnets"]["values"][0]["dnsServer1"] == "8.8.8.8"
    assert changed["diff"]["before"]["dns1"] == "172.16.30.1" and changed["diff"]["after"]["dns1"] == "8.8.8.8"
    vcd.api.calls[:] = []
    absent = dict(VCD_ARGS, organization="org1", name="web-network", edge_gateway="edge-t", state="absent")
    gone = run_module(vcd_org_vdc_network, absent, vcd.api, monkeypatch=monkeypatch)
    assert gone["changed"] and [(m, p) for m, p, _b in writes(vcd)] == [("DELETE", NETS + "/urn:vcloud:network:n1")]
    assert vcd.nets == [] and not run_module(vcd_org_vdc_network, absent, vcd.api, monkeypatch=monkeypatch)["changed"]


def test_check_mode_predicts_without_any_write(monkeypatch):
    vcd = FakeVcd()
    predicted = run_module(vcd_org_vdc_network, NET, vcd.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and writes(vcd) == [] and vcd.nets == []
    assert predicted["diff"]["after"]["static_pools"] == [["172.16.30.100", "172.16.30.199"]]
    assert VCD_ARGS["password"] not in text(predicted)


def test_bad_input_names_the_option_and_changes_nothing(monkeypatch):
    vcd = FakeVcd()
    result = run_module(vcd_org_vdc_network, dict(NET, interface_type="subinterface"), vcd.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "interface_type" and "NSX-T" in result["msg"]
    result = run_module(vcd_org_vdc_network, dict(NET, gateway_cidr="10.0.0.5/24", static_pools=None), vcd.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "gateway_cidr" and "overlaps" in result["msg"]
    assert writes(vcd) == [] and vcd.nets == []
    run_module(vcd_org_vdc_network, NET, vcd.api, monkeypatch=monkeypatch)
    vcd.api.calls[:] = []
    result = run_module(vcd_org_vdc_network, dict(NET, gateway_cidr="172.16.31.1/24", static_pools=None), vcd.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "gateway_cidr" and "cannot change" in result["msg"]
    assert writes(vcd) == []
