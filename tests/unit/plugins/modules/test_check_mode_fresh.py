"""Check mode from reset: a task that follows a root password change an earlier task only predicted (a fresh
site previewed with --check) predicts against the site as it will be, instead of failing; the real run still
refuses what does not exist. Each module's real main() against a fake fresh appliance (fake_module)."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils"))

from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import CloudmoveModule  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import NotFoundError  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Reconciler  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import l2vpn  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.modules import (  # noqa: E402
    nsx_l2vpn_client, vcda_lookup_service, vcda_policy, vcda_replicator, vcda_site_pairing, vcda_tunnel)

INITIAL = "Vcda-Init-1!"
NEW = "Vcda-New-Root-2!"
TP = "SHA-256:" + ":".join(["AB"] * 32)
TP2 = "SHA-256:" + ":".join(["CD"] * 32)


def fresh_vcda(service="Cloud", expired=True):
    """Every appliance as the OVA left it: only the initial root password opens a session, and every read but
    the password status is refused until it is changed (403)."""
    def login(_request, body):
        if (body or {}).get("localUser") == "root" and (body or {}).get("localPassword") == INITIAL:
            return (200, {"user": "root", "roles": ["ADMINISTRATORS"]}, {"X-VCAV-Auth": "tok-initial"})
        return (401, {"code": "NotAuthenticated", "msg": "Authentication failed: invalid credentials."}, None)
    return FakeApi({
        "POST /sessions": login,
        "DELETE /sessions": (204, None, None),
        "GET /diagnostics/about": (200, {"serviceType": service, "buildVersion": "4.7.0.1"}, None),
        "GET /config/root-password-expired": (200, {"rootPasswordExpired": expired}, None),
        "GET .*": (403, {"code": "Forbidden", "msg": "The root password has expired"}, None),
    })


@pytest.fixture
def warned(monkeypatch):
    out = []
    monkeypatch.setattr(CloudmoveModule, "warn", lambda self, msg, **kw: out.append(msg))
    return out


def conn(url="https://cloud.example:8046", **extra):
    return dict(url=url, thumbprint=TP, password=NEW, **extra)


def test_lookup_service_of_a_fresh_tunnel_is_predicted_with_the_initial_passwords(monkeypatch, warned):
    api = fresh_vcda()
    args = conn(appliance_type="tunnel", remote_url="https://tunnel.example:8047", remote_thumbprint=TP2,
                remote_password=NEW, lookup_service_url="https://vc.example/lookupservice/sdk",
                lookup_service_thumbprint=TP, initial_password=INITIAL)
    result = run_module(vcda_lookup_service, args, api, check_mode=True, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] and result["lookup_service"]["lsUrl"] == "https://vc.example/lookupservice/sdk"
    assert api.writes() == []       # nothing sent, not even the dry-run check (a locked appliance cannot run it)
    assert any("tunnel.example" in w and "initial root password" in w for w in warned)
    assert INITIAL not in text(result) and NEW not in text(result)


def test_without_initial_password_or_outside_check_mode_the_refused_login_stands(monkeypatch):
    args = conn(appliance_type="tunnel", remote_url="https://tunnel.example:8047", remote_thumbprint=TP2,
                remote_password=NEW, lookup_service_url="https://vc.example/lookupservice/sdk",
                lookup_service_thumbprint=TP)
    result = run_module(vcda_lookup_service, args, fresh_vcda(), check_mode=True, monkeypatch=monkeypatch)
    assert result["failed"] and "401" in result["msg"]
    result = run_module(vcda_lookup_service, dict(args, initial_password=INITIAL), fresh_vcda(), check_mode=False,
                        monkeypatch=monkeypatch)
    assert result["failed"] and "401" in result["msg"]


def test_an_appliance_whose_initial_password_is_not_expired_is_not_predicted(monkeypatch):
    args = conn(appliance_type="tunnel", remote_url="https://tunnel.example:8047", remote_thumbprint=TP2,
                remote_password=NEW, lookup_service_url="https://vc.example/lookupservice/sdk",
                lookup_service_thumbprint=TP, initial_password=INITIAL)
    result = run_module(vcda_lookup_service, args, fresh_vcda(expired=False), check_mode=True, monkeypatch=monkeypatch)
    assert result["failed"] and "401" in result["msg"]


def test_replicator_of_a_site_only_predicted(monkeypatch, warned):
    api = fresh_vcda(service="Manager")
    args = conn(url="https://cloud.example:8441", replicator_url="https://repl.example:8043", replicator_thumbprint=TP2,
                replicator_password=NEW, sso_user="administrator@vsphere.local", sso_password="Sso-Pass-1!",
                initial_password=INITIAL)
    result = run_module(vcda_replicator, args, api, check_mode=True, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] and result["action"] == "register" and api.writes() == []
    assert any("no site yet" in w for w in warned)
    # the real run on a manager without a site still refuses, naming the option
    api = FakeApi({"POST /sessions": (200, {}, {"X-VCAV-Auth": "tok"}), "DELETE /sessions": (204, None, None),
                   "GET /diagnostics/about": (200, {"serviceType": "Manager", "buildVersion": "4.7.0.1"}, None),
                   "GET /replicators": (200, [], None), "GET /config": (200, {}, None)})
    result = run_module(vcda_replicator, args, api, check_mode=False, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "site" and api.writes() == []


def test_tunnel_of_a_fresh_cloud_appliance(monkeypatch, warned):
    api = fresh_vcda()
    args = conn(tunnel_url="https://tunnel.example:8047", tunnel_thumbprint=TP2, tunnel_password=NEW,
                initial_password=INITIAL)
    result = run_module(vcda_tunnel, args, api, check_mode=True, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] and result["tunnel"] == {"url": "https://tunnel.example:8047", "thumbprint": TP2}
    assert api.writes() == []


def test_pairing_of_a_fresh_site(monkeypatch, warned):
    api = fresh_vcda()
    args = conn(remote_url="https://site2.example:8046", remote_site="site2", accept_remote_certificate=TP2,
                initial_password=INITIAL)
    result = run_module(vcda_site_pairing, args, api, check_mode=True, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] and result["action"] == "pair" and api.writes() == []


def test_policy_orgs_of_a_fresh_site_are_not_checked_in_check_mode(monkeypatch, warned):
    api = fresh_vcda()
    args = conn(name="Gold", orgs=["org1"], min_rpo=15, initial_password=INITIAL)
    result = run_module(vcda_policy, args, api, check_mode=True, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] and api.writes() == []
    assert any("organizations (orgs) are not checked" in w for w in warned)


# ----- the L2 VPN client of a tunnel the server task only predicted ---------------------------------
def nsx_edge(sessions=None):
    return FakeApi({"GET /api/v1/vpn/l2vpn/sessions": (200, {"results": sessions or []}, None)})


def test_edge_session_without_tunnel_ids_and_peer_code_is_predicted_in_check_mode_only(monkeypatch, warned):
    args = dict(url="https://edge.example", thumbprint=TP, username="admin", password="Nsx-Edge-Admin-1!",
                name="dcx-cloud-site1", peer_address="203.0.113.12", local_address="198.51.100.20",
                l2_extensions=[{"vlan": "100", "tunnel_id": None}])
    api = nsx_edge()
    result = run_module(nsx_l2vpn_client, args, api, check_mode=True, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] and result["session"]["l2_extensions"] == [{"vlan": 100, "tunnel_id": None}]
    assert api.writes() == []
    assert any("no tunnel id for VLAN 100" in w for w in warned) and any("no peer_code" in w for w in warned)
    result = run_module(nsx_l2vpn_client, dict(args, peer_code="UEVFUi1DT0RF"), nsx_edge(), check_mode=False,
                        monkeypatch=monkeypatch)
    assert result["failed"] and "tunnel_id of VLAN 100 is required" in result["msg"]
    result = run_module(nsx_l2vpn_client, dict(args, l2_extensions=[{"vlan": "100", "tunnel_id": 7}]), nsx_edge(),
                        check_mode=False, monkeypatch=monkeypatch)
    assert result["failed"] and "peer_code" in result["msg"]


# ----- the L2 VPN server of networks an earlier task only predicted -----------------------------------
class _Cell(object):
    """An NSX-T edge gateway with one routed network and no tunnel."""

    def __init__(self):
        self.calls = []

    def list_all(self, path, query=None):
        self.calls.append(("LIST", path))
        return [{"name": "web", "id": "urn:vcloud:network:1", "connection": {"routerRef": {"id": GW["id"]}}}]

    def find_by_name(self, path, name, kind, option=None, required=True, **_kw):
        return None

    def json(self, method, path, body=None, **_kw):
        self.calls.append((method, path))
        raise AssertionError("check mode sends nothing: %s %s" % (method, path))


GW = {"id": "urn:vcloud:gateway:g", "name": "org1-edge-nsxt", "orgVdc": {"id": "urn:vcloud:vdc:1"}}
SPEC = {"state": "present", "name": "dcx", "update_secrets": "on_create", "local_endpoint_ip": "203.0.113.12",
        "remote_endpoint_ip": "198.51.100.20", "pre_shared_key": "L2vpn-Psk-1!", "stretched_networks": ["web", "app"]}


def test_nsxt_tunnel_of_a_network_only_predicted():
    warnings = []
    result = l2vpn.reconcile_nsxt(_Cell(), GW, dict(SPEC), Reconciler(check_mode=True), warn=warnings.append)
    assert result["outcome"].changed and result["outcome"].after["stretched_networks"] == ["app", "web"]
    assert result["tunnels"] == {"app": None, "web": None}
    assert len(warnings) == 1 and "app not found" in warnings[0]
    with pytest.raises(NotFoundError) as err:      # the real run still refuses it
        l2vpn.reconcile_nsxt(_Cell(), GW, dict(SPEC), Reconciler(), warn=warnings.append)
    assert str(err.value).startswith("stretched_networks:") and "'app' not found" in str(err.value)


def test_nsxv_server_of_a_subinterface_only_predicted(monkeypatch):
    interfaces = [{"name": "uplink", "type": "uplink", "index": 0, "tunnel_id": None}]
    monkeypatch.setattr(l2vpn, "nsxv_interfaces", lambda client, gateway: list(interfaces))
    monkeypatch.setattr(l2vpn, "parse_l2vpn", lambda xml: {"configured": False})

    class Cell(object):
        def xml(self, method, path, body=None, **_kw):
            assert method == "GET", (method, path)

    spec = {"state": "present", "listener_ip": "203.0.113.11", "peer_sites": [
        {"name": "onprem1", "user_id": "onprem1", "password": "L2vpn-Peer-1!", "stretched_networks": ["company"]}]}
    warnings = []
    result = l2vpn.reconcile_nsxv(Cell(), {"id": "urn:vcloud:gateway:v", "name": "org1-edge-nsxv"}, spec,
                                  Reconciler(check_mode=True), warn=warnings.append)
    after = result["outcome"].after
    assert result["outcome"].changed and after["peer_sites"][0]["stretched_networks"] == ["company"]
    assert "L2vpn-Peer-1!" not in json.dumps(after) and len(warnings) == 1
    with pytest.raises(NotFoundError):
        l2vpn.reconcile_nsxv(Cell(), {"id": "urn:vcloud:gateway:v", "name": "org1-edge-nsxv"}, spec, Reconciler())
