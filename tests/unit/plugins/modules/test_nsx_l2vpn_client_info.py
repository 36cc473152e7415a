"""nsx_l2vpn_client_info: its real main() against a routed fake autonomous edge."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx.edge import with_fingerprint  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.modules import nsx_l2vpn_client_info  # noqa: E402

PASSWORD = "Edge-Secret-1!"
PEER_CODE = "eyJzaXRlTmFtZSI6ImRjeCJ9-secret-peer-code"
ARGS = {"url": "https://edge.example", "password": PASSWORD, "thumbprint": "CD" * 32}
BASE = "/api/v1/vpn/l2vpn/sessions"


def session(sid, name, description="", enabled=True):
    return {"id": sid, "display_name": name, "enabled": enabled, "resource_type": "L2VpnSession",
            "description": with_fingerprint(description, PEER_CODE),
            "transport_tunnels": [{"peer_address": "203.0.113.12", "local_address": "198.51.100.20",
                                   "target_id": "/infra/x/%s" % sid}]}


def api():
    return FakeApi({
        "GET %s" % BASE: [(200, {"results": [session("s2", "dcx-b")], "cursor": "page2"}, None),
                          (200, {"results": [session("s1", "dcx-a", "to site1", enabled=False)]}, None)],
        "GET %s/s1/l2-extensions" % BASE: (200, {"results": [{"vlan": "200", "tunnel_id": 2},
                                                             {"vlan": "100", "tunnel_id": 1}]}, None),
        "GET %s/s2/l2-extensions" % BASE: (200, {"results": []}, None),
        "GET %s/s1/status" % BASE: (200, {"runtime_status": "DOWN", "failure_reason": "No peer"}, None),
        "GET %s/s2/status" % BASE: (200, {"runtime_status": "UP", "failure_reason": None}, None),
    })


@pytest.mark.parametrize("check_mode", [False, True])
def test_every_session_with_status_and_vlan_map_never_the_peer_code(monkeypatch, check_mode):
    fake = api()
    result = run_module(nsx_l2vpn_client_info, ARGS, fake, check_mode=check_mode, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert [s["name"] for s in result["sessions"]] == ["dcx-a", "dcx-b"]  # both pages, sorted
    first = result["sessions"][0]
    assert first == {"id": "s1", "name": "dcx-a", "peer_address": "203.0.113.12", "local_address": "198.51.100.20",
                     "enabled": False, "description": "to site1",
                     "l2_extensions": [{"vlan": "100", "tunnel_id": 1}, {"vlan": "200", "tunnel_id": 2}],
                     "status": {"runtime_status": "DOWN", "failure_reason": "No peer"}}
    assert result["sessions"][1]["status"]["runtime_status"] == "UP"
    assert fake.writes() == []
    assert PEER_CODE not in text(result) and PASSWORD not in text(result)


def test_names_filter_and_unknown_names(monkeypatch):
    result = run_module(nsx_l2vpn_client_info, dict(ARGS, names=["dcx-b"]), api(), monkeypatch=monkeypatch)
    assert [s["name"] for s in result["sessions"]] == ["dcx-b"]
    result = run_module(nsx_l2vpn_client_info, dict(ARGS, names=["dcx-c"]), api(), monkeypatch=monkeypatch)
    assert result["failed"] and "names: unknown name 'dcx-c'" in result["msg"] and "(accepted: dcx-a, dcx-b)" in result["msg"]
