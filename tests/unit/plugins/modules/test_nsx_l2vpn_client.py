"""nsx_l2vpn_client's run() through its real main() against a fake autonomous edge (scripted transport)."""
import base64

from fake_module import FakeApi, run_module, text

from ansible_collections.cloudmove.vcda.plugins.modules import nsx_l2vpn_client

BASE = "/api/v1/vpn/l2vpn/sessions"
PEER_CODE = base64.b64encode(b"peer-code-of-the-server-tunnel").decode()
OTHER_CODE = base64.b64encode(b"another-peer-code-entirely").decode()
ARGS = {"url": "https://edge.example", "password": "Edge-Pass-1", "name": "to-cloud", "peer_code": PEER_CODE,
        "peer_address": "203.0.113.10", "local_address": "198.51.100.5",
        "l2_extensions": [{"vlan": "100-101", "tunnel_id": 200}]}


class Edge(object):
    """The sessions of one edge, changed by the module's calls."""

    def __init__(self):
        self.sessions = {}
        self.extensions = {}
        self.api = FakeApi({
            "GET %s" % BASE: lambda r, b: (200, {"results": list(self.sessions.values())}, None),
            "POST %s" % BASE: self.create,
            "DELETE %s/([^/]+)" % BASE: self.delete,
            "GET %s/[^/]+/status" % BASE: lambda r, b: (200, {"runtime_status": "UP", "failure_reason": None}, None),
            "GET %s/[^/]+/l2-extensions" % BASE: lambda r, b: (200, {"results": self.extensions.get(
                r.path_url.split("/")[-2], [])}, None),
            "PUT %s/[^/]+/l2-extensions" % BASE: self.set_extensions,
        })

    def create(self, request, body):
        session = dict(body, id="s%d" % (len(self.sessions) + 1))
        self.sessions[session["id"]] = session
        return (201, session, None)

    def delete(self, request, body):
        self.sessions.pop(request.path_url.rsplit("/", 1)[-1], None)
        return (200, None, None)

    def set_extensions(self, request, body):
        self.extensions[request.path_url.split("/")[-2]] = body["results"]
        return (200, body, None)


def test_create_then_a_second_run_changes_nothing(monkeypatch):
    edge = Edge()
    first = run_module(nsx_l2vpn_client, ARGS, edge.api, monkeypatch=monkeypatch)
    assert first["changed"] and not first.get("failed")
    assert [m for m, _p in edge.api.writes()] == ["POST", "PUT"]
    assert first["session"]["l2_extensions"] == [{"vlan": 100, "tunnel_id": 200}, {"vlan": 101, "tunnel_id": 201}]
    assert first["status"]["runtime_status"] == "UP"
    edge.api.calls[:] = []
    second = run_module(nsx_l2vpn_client, ARGS, edge.api, monkeypatch=monkeypatch)
    assert not second["changed"] and edge.api.writes() == []


def test_check_mode_predicts_the_create_and_writes_nothing(monkeypatch):
    edge = Edge()
    result = run_module(nsx_l2vpn_client, ARGS, edge.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert result["changed"] and edge.api.writes() == [] and edge.sessions == {}
    assert result["diff"]["before"] == {} and result["diff"]["after"]["peer_address"] == "203.0.113.10"


def test_a_new_peer_code_recreates_and_the_diff_has_no_secret(monkeypatch):
    edge = Edge()
    run_module(nsx_l2vpn_client, ARGS, edge.api, monkeypatch=monkeypatch)
    edge.api.calls[:] = []
    result = run_module(nsx_l2vpn_client, dict(ARGS, peer_code=OTHER_CODE), edge.api, diff=True, monkeypatch=monkeypatch)
    assert result["changed"] and result["recreated"]
    assert [m for m, _p in edge.api.writes()] == ["DELETE", "POST", "PUT"]
    assert result["diff"]["after"]["peer_code"] == "******** (updated)"
    assert OTHER_CODE not in text(result) and PEER_CODE not in text(result) and "Edge-Pass-1" not in text(result)


def test_absent_removes_then_is_a_no_op(monkeypatch):
    edge = Edge()
    run_module(nsx_l2vpn_client, ARGS, edge.api, monkeypatch=monkeypatch)
    gone = run_module(nsx_l2vpn_client, {"url": ARGS["url"], "password": "Edge-Pass-1", "name": "to-cloud",
                                         "state": "absent"}, edge.api, monkeypatch=monkeypatch)
    assert gone["changed"] and edge.sessions == {}
    again = run_module(nsx_l2vpn_client, {"url": ARGS["url"], "password": "Edge-Pass-1", "name": "to-cloud",
                                          "state": "absent"}, edge.api, monkeypatch=monkeypatch)
    assert not again["changed"]


def test_bad_input_names_the_option_before_any_call(monkeypatch):
    edge = Edge()
    result = run_module(nsx_l2vpn_client, dict(ARGS, peer_code="not base64 !"), edge.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "peer_code" and edge.api.calls == []
    result = run_module(nsx_l2vpn_client, dict(ARGS, l2_extensions=[{"vlan": "5000", "tunnel_id": 1}]), edge.api,
                        monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "l2_extensions" and "Traceback" not in text(result)
