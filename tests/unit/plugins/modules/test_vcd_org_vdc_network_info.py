"""vcd_org_vdc_network_info: its real main() against a routed fake Cloud Director."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position
from vcd_fake import VCD_ARGS, page, vcd_routes  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudmove.vcda.plugins.modules import vcd_org_vdc_network_info  # noqa: E402

ORG1 = {"name": "org1", "id": "urn:vcloud:org:o1"}


def net(name, org="org1", vdc="org1-vdc", edge=None, iface=None, gateway="172.16.10.1", pools=(), dns1=None):
    body = {"id": "urn:vcloud:network:%s" % name, "name": name, "description": "", "status": "REALIZED",
            "orgRef": {"name": org, "id": "urn:vcloud:org:x"}, "orgVdc": {"name": vdc, "id": "urn:vcloud:vdc:v"},
            "networkType": "NAT_ROUTED" if edge else "ISOLATED", "shared": False,
            "connection": ({"routerRef": {"name": edge, "id": "urn:vcloud:gateway:%s" % edge},
                            "connectionTypeValue": iface} if edge else None),
            "subnets": {"values": [{"gateway": gateway, "prefixLength": 24, "dnsServer1": dns1,
                                    "ipRanges": {"values": [{"startAddress": a, "endAddress": b} for a, b in pools]}}]}}
    return body


NETWORKS = [
    net("company-network", edge="edge-v", iface="SUBINTERFACE", pools=[("172.16.10.100", "172.16.10.199")],
        dns1="172.16.10.1"),
    net("web-network", edge="edge-t", iface="INTERNAL", gateway="172.16.20.1"),
    net("isolated", gateway="10.9.9.1"),
    net("other-org", org="org2", edge="edge-x", iface="INTERNAL"),
]
INTERFACES = """<edgeInterfaces>
<edgeInterface><name>uplink</name><type>uplink</type><index>0</index></edgeInterface>
<edgeInterface><name>company-network</name><type>subinterface</type><index>10</index>
  <networkReference><id>company-network</id></networkReference><tunnelId>7</tunnelId></edgeInterface>
</edgeInterfaces>"""


def api():
    return FakeApi(vcd_routes(**{
        "GET /cloudapi/1.0.0/orgVdcNetworks": page(NETWORKS),
        "GET /cloudapi/1.0.0/orgs": page([ORG1]),
        "GET /network/edges/edge-v/vdcNetworks": (200, INTERFACES, None),
    }))


@pytest.mark.parametrize("check_mode", [False, True])
def test_the_networks_of_the_org_with_type_gateway_subnets_and_subinterface(monkeypatch, check_mode):
    fake = api()
    result = run_module(vcd_org_vdc_network_info, dict(VCD_ARGS, organization="org1"), fake, check_mode=check_mode,
                        monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] is False
    by_name = dict((n["name"], n) for n in result["networks"])
    assert sorted(by_name) == ["company-network", "isolated", "web-network"]  # org2's network is not org1's
    company = by_name["company-network"]
    assert company["subinterface"] is True and company["interface_type"] == "subinterface"
    assert (company["subinterface_index"], company["tunnel_id"]) == (10, 7)
    assert company["edge_gateway"] == "edge-v" and company["network_type"] == "NAT_ROUTED"
    assert company["gateway_cidr"] == "172.16.10.1/24" and company["dns1"] == "172.16.10.1"
    assert company["static_pools"] == [{"start_address": "172.16.10.100", "end_address": "172.16.10.199"}]
    assert company["subnets"][0]["static_pools"] == company["static_pools"]
    web = by_name["web-network"]
    assert web["subinterface"] is False and "tunnel_id" not in web and web["interface_type"] == "internal"
    isolated = by_name["isolated"]
    assert isolated["network_type"] == "ISOLATED" and isolated["edge_gateway"] is None
    # the NSX-V edge is read once, and only for the subinterface
    assert [c[1] for c in fake.calls].count("/network/edges/edge-v/vdcNetworks") == 1
    assert not any("edge-t" in c[1] for c in fake.calls)
    assert fake.writes() == [] and VCD_ARGS["password"] not in text(result)


def test_filters_by_vdc_gateway_and_names(monkeypatch):
    result = run_module(vcd_org_vdc_network_info, dict(VCD_ARGS, organization="org1", edge_gateway="edge-t"), api(),
                        monkeypatch=monkeypatch)
    assert [n["name"] for n in result["networks"]] == ["web-network"]
    result = run_module(vcd_org_vdc_network_info, dict(VCD_ARGS, organization="org1", names=["isolated"]), api(),
                        monkeypatch=monkeypatch)
    assert [n["name"] for n in result["networks"]] == ["isolated"]
    result = run_module(vcd_org_vdc_network_info, dict(VCD_ARGS, organization="org1", vdc="nope"), api(),
                        monkeypatch=monkeypatch)
    assert result["networks"] == []


def test_unknown_names_and_orgs_name_the_option(monkeypatch):
    result = run_module(vcd_org_vdc_network_info, dict(VCD_ARGS, organization="org1", names=["lab-network"]), api(),
                        monkeypatch=monkeypatch)
    assert result["failed"] and "names: unknown name 'lab-network'" in result["msg"] and "company-network" in result["msg"]
    result = run_module(vcd_org_vdc_network_info, dict(VCD_ARGS, organization="org9"), api(), monkeypatch=monkeypatch)
    assert result["failed"] and "org9" in result["msg"]
    result = run_module(vcd_org_vdc_network_info, dict(VCD_ARGS), api(), monkeypatch=monkeypatch)
    assert result["failed"] and "organization: required" in result["msg"]
