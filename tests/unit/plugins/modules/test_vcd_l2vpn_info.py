"""vcd_l2vpn_info's run() (NSX-T tunnels) through its real main() against a routed fake Cloud Director (scripted
transport, no network): the status of each tunnel, nothing changed or written in a normal or a check run, waiting
for a tunnel to come up, bad input naming the option."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position
from vcd_fake import VCD_ARGS, page, vcd_routes  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudmove.vcda.plugins.modules import vcd_l2vpn_info  # noqa: E402

GATEWAY = {"id": "urn:vcloud:gateway:g1", "name": "edge-t", "orgRef": {"name": "org1", "id": "urn:vcloud:org:o1"},
           "orgVdc": {"name": "org1-vdc", "id": "urn:vcloud:vdc:v1"}, "gatewayBacking": {"gatewayType": "NSXT_BACKED"}}
TUNNELS = "/cloudapi/1.0.0/edgeGateways/%s/l2vpn/tunnels" % GATEWAY["id"]
LISTED = [{"id": "t1", "name": "to-onprem", "stretchedNetworks": [{"networkRef": {"name": "web-network"}, "tunnelId": 100}]},
          {"id": "t2", "name": "to-dr"}]
ARGS = dict(VCD_ARGS, organization="org1", edge_gateway="edge-t")


def api(t1_status):
    """``t1_status``: the replies of ``to-onprem``'s status, one per read (the last one repeats)."""
    return FakeApi(vcd_routes(**{
        "GET /cloudapi/1.0.0/edgeGateways": page([GATEWAY]),
        "GET %s" % TUNNELS: page(LISTED),
        "GET %s/t1/status" % TUNNELS: [(200, s, None) for s in t1_status],
        "GET %s/t2/status" % TUNNELS: (200, {"runtimeStatus": "DOWN", "failureReason": "peer unreachable"}, None),
    }))


def status_reads(fake, ident):
    return len([p for m, p, _b in fake.calls if p == "%s/%s/status" % (TUNNELS, ident)])


@pytest.mark.parametrize("check_mode", [False, True])
def test_reports_every_tunnel_and_writes_nothing(monkeypatch, check_mode):
    fake = api([{"runtimeStatus": "UP"}])
    result = run_module(vcd_l2vpn_info, ARGS, fake, check_mode=check_mode, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] is False and result["backing"] == "nsxt" and fake.writes() == []
    assert result["tunnels"] == {
        "to-onprem": {"status": "up", "failure": None, "tunnel_id": "t1", "tunnels": {"web-network": 100}},
        "to-dr": {"status": "down", "failure": "peer unreachable", "tunnel_id": "t2", "tunnels": {}}}
    assert VCD_ARGS["password"] not in text(result)


def test_wait_for_reads_again_until_the_tunnel_is_up(monkeypatch):
    fake = api([{"runtimeStatus": "DOWN", "failureReason": "negotiating"}, {"runtimeStatus": "UP"}])
    result = run_module(vcd_l2vpn_info, dict(ARGS, wait_for=["to-onprem"], timeout=20), fake, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["tunnels"]["to-onprem"]["status"] == "up" and status_reads(fake, "t1") == 2


def test_wait_for_a_tunnel_that_stays_down_times_out_with_its_failure(monkeypatch):
    fake = api([{"runtimeStatus": "DOWN", "failureReason": "negotiating"}])
    result = run_module(vcd_l2vpn_info, dict(ARGS, wait_for=["to-dr"], timeout=1), fake, monkeypatch=monkeypatch)
    assert result["failed"] and "to-dr" in result["msg"] and "peer unreachable" in result["msg"]


def test_bad_input_names_the_option(monkeypatch):
    fake = api([{"runtimeStatus": "UP"}])
    result = run_module(vcd_l2vpn_info, dict(ARGS, wait_for=["nope"]), fake, monkeypatch=monkeypatch)
    assert result["failed"] and "wait_for" in text(result) and "to-onprem" in result["msg"]
    assert fake.writes() == []
