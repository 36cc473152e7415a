"""vcda_policy_info: its real main() against a routed fake VCDA API."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudmove.vcda.plugins.modules import vcda_policy_info  # noqa: E402

PASSWORD = "Root-Secret-1!"
ARGS = {"url": "https://vcda.example:443", "password": PASSWORD, "thumbprint": "AA" * 32}
GOLD = {"id": "p-gold", "displayName": "Gold", "allowIncomingMigrations": True, "allowOutgoingMigrations": False,
        "allowIncomingProtections": True, "allowOutgoingProtections": True, "maxIncoming": -1, "maxInstances": 24,
        "maxPinnedInstances": 0, "minRpo": 15}
DEFAULT = {"id": "default", "displayName": "default", "allowIncomingMigrations": False, "maxIncoming": 0,
           "maxInstances": 1, "minRpo": 60}
OLD_GOLD = {"id": "p-gold", "displayName": "Gold", "allowIncoming": True, "allowOutgoing": False, "maxIncoming": 10,
            "maxInstances": 3, "minRpo": 30}


def api(version="4.7.0.1", policies=(GOLD, DEFAULT), status=None):
    status = status or {"p-gold": [{"org": "org2"}, {"org": "org1"}], "default": [{"org": "org3"}]}
    routes = {
        "POST /sessions": (200, {"user": "root"}, {"X-VCAV-Auth": "tok"}),
        "GET /diagnostics/about": (200, {"buildVersion": version, "serviceType": "CLOUD"}, None),
        "GET /policies": (200, list(policies), None),
        "GET /policies/([^/]+)/status": lambda req, _b: (200, status[req.path_url.split("/")[2]], None),
    }
    return FakeApi(routes)


@pytest.mark.parametrize("check_mode", [False, True])
def test_every_policy_with_its_orgs_and_settings(monkeypatch, check_mode):
    fake = api()
    result = run_module(vcda_policy_info, ARGS, fake, check_mode=check_mode, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] is False and result["api_version"] == "4.7"
    assert [p["name"] for p in result["policies"]] == ["Gold", "default"]
    gold = result["policies"][0]
    assert gold["orgs"] == ["org1", "org2"] and gold["id"] == "p-gold" and gold["minRpo"] == 15
    assert gold["settings"]["max_replicated_vms"] == "unlimited"
    assert gold["settings"]["min_rpo"] == 15 and gold["settings"]["allow_outgoing_migrations"] is False
    assert "allow_incoming" not in gold["settings"]  # a 3.x/4.0 field
    assert fake.writes() == []  # an info module never writes (check mode or not)
    assert PASSWORD not in text(result)


def test_names_and_org_filter(monkeypatch):
    result = run_module(vcda_policy_info, dict(ARGS, names=["default"]), api(), monkeypatch=monkeypatch)
    assert [p["name"] for p in result["policies"]] == ["default"] and result["policies"][0]["orgs"] == ["org3"]
    result = run_module(vcda_policy_info, dict(ARGS, org="org1"), api(), monkeypatch=monkeypatch)
    assert [p["name"] for p in result["policies"]] == ["Gold"]


def test_an_unknown_name_or_org_names_the_option_and_what_exists(monkeypatch):
    result = run_module(vcda_policy_info, dict(ARGS, names=["Silver", "Gold"]), api(), monkeypatch=monkeypatch)
    assert result["failed"] and "names: unknown name 'Silver'" in result["msg"] and "(accepted: Gold, default)" in result["msg"]
    result = run_module(vcda_policy_info, dict(ARGS, org="org9"), api(), monkeypatch=monkeypatch)
    assert result["failed"] and "org: org9" in result["msg"] and "org1, org2, org3" in result["msg"]


def test_api_40_policies_in_its_own_option_names(monkeypatch):
    fake = api(version="4.0.0", policies=(OLD_GOLD,), status={"p-gold": [{"org": "org1"}]})
    result = run_module(vcda_policy_info, ARGS, fake, monkeypatch=monkeypatch)
    settings = result["policies"][0]["settings"]
    assert settings == {"allow_incoming": True, "allow_outgoing": False, "max_replicated_vms": 10, "max_instances": 3,
                        "min_rpo": 30}
