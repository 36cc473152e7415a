"""vcda_info's run() through its real main() against a fake appliance (scripted transport, no network): every part
the service serves, the parts it does not serve as unavailable, nothing changed and nothing written in a normal or
a check run, the licence key never shown, bad input naming the option."""
import pytest

from fake_module import run_module, text
from fake_vcda import ROOT_PASSWORD, FakeVcda

from ansible_collections.cloudmove.vcda.plugins.modules import vcda_info

ARGS = {"url": "https://vcda.example", "password": ROOT_PASSWORD}
LICENSE = "LICENSE-KEY-SECRET-9"


def cloud():
    vcda = FakeVcda(service_type="Cloud", localSite="site1")
    vcda.license = {"key": LICENSE, "isLicensed": True, "expirationDate": 1900000000000}
    vcda.tunnels = [{"id": "tun1", "url": "https://tunnel.example:8047", "certificate": "PEM"}]
    vcda.health = {"tunnelServiceError": {"code": "Down", "msg": "tunnel unreachable"}}
    vcda.api.routes[:0] = [
        ("GET /config/endpoints", (404, {"code": "NotFound", "msg": "no such path"}, None)),
        ("GET /config/telemetry", (200, {"enabled": False}, None)),
        ("GET /sites", (200, [{"site": "site1", "isLocal": True}], None)),
    ]
    return vcda


@pytest.mark.parametrize("check_mode", [False, True])
def test_reads_every_served_part_and_writes_nothing(monkeypatch, check_mode):
    vcda = cloud()
    result = run_module(vcda_info, ARGS, vcda.api, check_mode=check_mode, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] is False and result["appliance_type"] == "cloud" and result["api_version"] == "4.7"
    # the health check is a POST task that reads; nothing else is sent
    assert vcda.api.writes() == [("POST", "/diagnostics/health")]
    assert result["unavailable"] == ["endpoints", "replicators"]  # not served (404) / not a cloud service part
    assert result["license"] == {"isLicensed": True, "expirationDate": 1900000000000, "hasKey": True}
    assert result["tunnels"] == vcda.tunnels and result["sites"] == [{"site": "site1", "isLocal": True}]
    assert result["config"] == {"localSite": "site1"} and result["telemetry"] == {"enabled": False}
    assert result["health"]["problems"] == ["tunnelServiceError: Down tunnel unreachable"]
    assert LICENSE not in text(result) and ROOT_PASSWORD not in text(result)


def test_a_subset_reads_only_that_part(monkeypatch):
    vcda = cloud()
    result = run_module(vcda_info, dict(ARGS, gather_subset=["license"]), vcda.api, monkeypatch=monkeypatch)
    assert result["license"]["hasKey"] is True and "health" not in result and "config" not in result
    assert vcda.api.writes() == [] and not [p for m, p, _b in vcda.api.calls if p in ("/config", "/sites")]
    manager = FakeVcda(service_type="Manager")
    manager.replicators = [{"id": "rep1", "apiUrl": "https://rep1.example:8043"}]
    result = run_module(vcda_info, dict(ARGS, gather_subset=["replicators", "tunnels"]), manager.api,
                        monkeypatch=monkeypatch)
    assert result["replicators"] == manager.replicators and result["unavailable"] == ["tunnels"]


def test_bad_input_names_the_option(monkeypatch):
    vcda = cloud()
    result = run_module(vcda_info, dict(ARGS, gather_subset=["everything"]), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and "gather_subset" in result["msg"] and vcda.api.calls == []
