"""The VCDA modules' run() through their real main() against a fake appliance (scripted transport, no network):
create, a second run that changes nothing, check mode that predicts (and still runs the dry-run checks),
diff without secrets, bad input."""
import base64
import hashlib

import pytest

from fake_module import run_module, text
from fake_vcda import ROOT_PASSWORD, FakeVcda

from ansible_collections.cloudmove.vcda.plugins.modules import (
    vcda_cloud_site,
    vcda_lookup_service,
    vcda_replicator,
    vcda_root_password,
    vcda_service,
    vcda_tunnel,
)

URL = "https://vcda.example"
CONN = {"url": URL, "password": ROOT_PASSWORD}
THUMB = "SHA-256:" + ":".join(["AB"] * 32)
VCD_PASSWORD = "Vcd-Admin-Pass-1"
LICENSE = "LICENSE-KEY-12345"


def colon(digest):
    return "SHA-256:" + ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)).upper()


def writes(vcda):
    return [p for m, p in vcda.api.writes() if "check-" not in p]


# ----- vcda_root_password -------------------------------------------------------------------------------
def test_root_password_changes_an_expired_password_once(monkeypatch):
    vcda = FakeVcda(expired=True)
    args = dict(CONN, new_password="New-Root-Pass-2")
    predicted = run_module(vcda_root_password, args, vcda.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and writes(vcda) == [] and vcda.password == ROOT_PASSWORD
    assert predicted["diff"] == {"before": {"password_in_use": "password", "password_expired": True},
                                 "after": {"password_in_use": "new_password", "password_expired": False}}
    first = run_module(vcda_root_password, args, vcda.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"] and vcda.password == "New-Root-Pass-2" and first["diff"] == predicted["diff"]
    assert "New-Root-Pass-2" not in text(first) and ROOT_PASSWORD not in text(first)
    vcda.api.calls[:] = []
    second = run_module(vcda_root_password, args, vcda.api, monkeypatch=monkeypatch)
    assert not second["changed"] and writes(vcda) == [] and second["password_in_use"] == "new_password"


def test_root_password_not_expired_is_left_alone_unless_rotated(monkeypatch):
    vcda = FakeVcda()
    args = dict(CONN, new_password="New-Root-Pass-2")
    assert not run_module(vcda_root_password, args, vcda.api, monkeypatch=monkeypatch)["changed"]
    assert vcda.password == ROOT_PASSWORD
    assert run_module(vcda_root_password, dict(args, rotate=True), vcda.api, monkeypatch=monkeypatch)["changed"]
    assert vcda.password == "New-Root-Pass-2"


def test_root_password_bad_input_names_the_option(monkeypatch):
    vcda = FakeVcda()
    result = run_module(vcda_root_password, dict(CONN, new_password="x-Pass-3", password="Wrong-Pass-9"), vcda.api,
                        monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "password" and "Traceback" not in text(result)
    result = run_module(vcda_root_password, dict(CONN, new_password="x-Pass-3", update_password="sometimes"),
                        vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and "update_password" in result["msg"]


# ----- vcda_lookup_service ------------------------------------------------------------------------------
LS = dict(CONN, lookup_service_url="https://vc.example/lookupservice/sdk", lookup_service_thumbprint=THUMB)


def test_lookup_service_registers_then_changes_nothing(monkeypatch):
    vcda = FakeVcda()
    first = run_module(vcda_lookup_service, LS, vcda.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"] and writes(vcda) == ["/config/lookup-service"]
    assert vcda.checks == ["/config/check-lookup-service"]  # the dry run, before the change
    assert first["lookup_service"] == {"lsUrl": LS["lookup_service_url"], "lsThumbprint": THUMB}
    assert first["diff"] == {"before": {}, "after": first["lookup_service"]}
    vcda.api.calls[:], vcda.checks[:] = [], []
    second = run_module(vcda_lookup_service, LS, vcda.api, monkeypatch=monkeypatch)
    assert not second["changed"] and writes(vcda) == [] and vcda.checks == []


def test_lookup_service_check_mode_runs_the_dry_run_check_and_fails_where_the_real_run_would(monkeypatch):
    vcda = FakeVcda()
    predicted = run_module(vcda_lookup_service, LS, vcda.api, check_mode=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and writes(vcda) == [] and vcda.checks == ["/config/check-lookup-service"]
    vcda.check_fails = "the thumbprint does not match"
    failed = run_module(vcda_lookup_service, LS, vcda.api, check_mode=True, monkeypatch=monkeypatch)
    assert failed["failed"] and "check-lookup-service" in failed["msg"] and "does not match" in failed["msg"]
    assert writes(vcda) == [] and "lsUrl" not in vcda.config


def test_lookup_service_bad_input_fails_before_any_call(monkeypatch):
    vcda = FakeVcda()
    result = run_module(vcda_lookup_service, dict(LS, lookup_service_thumbprint="not-a-thumbprint"), vcda.api,
                        monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "lookup_service_thumbprint" and vcda.api.calls == []


# ----- vcda_cloud_site ----------------------------------------------------------------------------------
SITE = dict(CONN, site_name="site1", site_description="First site", vcd_url="https://vcd.example/api",
            vcd_username="administrator@System", vcd_password=VCD_PASSWORD, vcd_thumbprint=THUMB, license_key=LICENSE)


def test_cloud_site_configures_every_part_then_changes_nothing(monkeypatch):
    vcda = FakeVcda()
    first = run_module(vcda_cloud_site, SITE, vcda.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"], first
    assert writes(vcda) == ["/config/site", "/config/vcloud", "/license"]
    assert vcda.checks == ["/config/check-vcloud"]
    assert first["site"] == {"localSite": "site1", "localSiteDescription": "First site"}
    assert first["license"]["isLicensed"] is True
    assert first["diff"]["before"]["license"] == {"key": "none"}
    assert VCD_PASSWORD not in text(first) and LICENSE not in text(first) and ROOT_PASSWORD not in text(first)
    vcda.api.calls[:], vcda.checks[:] = [], []
    second = run_module(vcda_cloud_site, SITE, vcda.api, monkeypatch=monkeypatch)
    assert not second["changed"] and writes(vcda) == [] and vcda.checks == []


def test_cloud_site_check_mode_predicts_and_runs_check_vcloud(monkeypatch):
    vcda = FakeVcda()
    predicted = run_module(vcda_cloud_site, SITE, vcda.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and writes(vcda) == [] and vcda.config == {}
    assert vcda.checks == ["/config/check-vcloud"]
    assert predicted["vcd"] == {"vcdUrl": SITE["vcd_url"], "vcdUsername": SITE["vcd_username"], "vcdThumbprint": THUMB}
    vcda.check_fails = "cannot reach Cloud Director"
    failed = run_module(vcda_cloud_site, SITE, vcda.api, check_mode=True, monkeypatch=monkeypatch)
    assert failed["failed"] and "check-vcloud" in failed["msg"] and VCD_PASSWORD not in text(failed)


def test_cloud_site_bad_input_names_the_option(monkeypatch):
    vcda = FakeVcda(localSite="site1")
    result = run_module(vcda_cloud_site, dict(CONN, site_name="other"), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "site_name" and writes(vcda) == []
    result = run_module(vcda_cloud_site, dict(CONN, vcd_url="https://vcd.example/api",
                                              vcd_username="administrator@System"), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "vcd_password" and writes(vcda) == []


# ----- vcda_tunnel --------------------------------------------------------------------------------------
DER = b"0\x82\x01\x00a-certificate-of-the-tunnel"
TUNNEL = dict(CONN, tunnel_url="https://tunnel.example:8047", tunnel_password="Tunnel-Root-1",
              tunnel_thumbprint=colon(hashlib.sha256(DER).hexdigest()))


def tunnel_vcda():
    vcda = FakeVcda(service_type="Cloud")
    vcda.remote_der = base64.b64encode(DER).decode()
    vcda.remote_thumbprint = TUNNEL["tunnel_thumbprint"]
    return vcda


def test_tunnel_configures_then_changes_nothing(monkeypatch):
    vcda = tunnel_vcda()
    predicted = run_module(vcda_tunnel, TUNNEL, vcda.api, check_mode=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and writes(vcda) == []
    first = run_module(vcda_tunnel, TUNNEL, vcda.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"] and writes(vcda) == ["/config/tunnels"] and not first["restart_required"]
    assert first["tunnel"] == predicted["tunnel"] == {"url": TUNNEL["tunnel_url"], "thumbprint": TUNNEL["tunnel_thumbprint"]}
    assert "Tunnel-Root-1" not in text(first)
    vcda.api.calls[:] = []
    second = run_module(vcda_tunnel, TUNNEL, vcda.api, monkeypatch=monkeypatch)
    assert not second["changed"] and writes(vcda) == []


def test_tunnel_with_a_wrong_pin_fails_before_any_change(monkeypatch):
    vcda = tunnel_vcda()
    result = run_module(vcda_tunnel, dict(TUNNEL, tunnel_thumbprint=THUMB), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and "tunnel_thumbprint" in result["msg"] and writes(vcda) == []


# ----- vcda_replicator ----------------------------------------------------------------------------------
REPLICATOR = dict(CONN, url="https://vcda.example:8441", replicator_url="https://rep1.example:8043",
                  replicator_thumbprint=THUMB, replicator_password="Rep-Root-1", sso_user="administrator@vsphere.local",
                  sso_password="Sso-Pass-1")


def test_replicator_registers_then_changes_nothing_and_unregisters(monkeypatch):
    vcda = FakeVcda(service_type="Manager", site="site1")
    predicted = run_module(vcda_replicator, REPLICATOR, vcda.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and predicted["action"] == "register" and writes(vcda) == []
    first = run_module(vcda_replicator, REPLICATOR, vcda.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"] and writes(vcda) == ["/replicators"] and first["replicator"]["site"] == "site1"
    assert first["diff"] == predicted["diff"] and first["diff"]["before"] == {}
    assert "Rep-Root-1" not in text(first) and "Sso-Pass-1" not in text(first)
    vcda.api.calls[:] = []
    second = run_module(vcda_replicator, REPLICATOR, vcda.api, monkeypatch=monkeypatch)
    assert not second["changed"] and second["action"] is None and writes(vcda) == []
    absent = dict(CONN, url=REPLICATOR["url"], replicator_url=REPLICATOR["replicator_url"], state="absent")
    gone = run_module(vcda_replicator, absent, vcda.api, monkeypatch=monkeypatch)
    assert gone["changed"] and gone["action"] == "unregister" and vcda.replicators == []
    assert not run_module(vcda_replicator, absent, vcda.api, monkeypatch=monkeypatch)["changed"]


def test_replicator_at_the_cloud_service_is_refused(monkeypatch):
    vcda = FakeVcda(service_type="Cloud")
    result = run_module(vcda_replicator, REPLICATOR, vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "url" and writes(vcda) == []


# ----- vcda_service -------------------------------------------------------------------------------------
def test_service_restart_is_predicted_in_check_mode_and_done_outside(monkeypatch):
    vcda = FakeVcda()
    args = dict(CONN, state="restarted")
    predicted = run_module(vcda_service, args, vcda.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and predicted["restarted"] and vcda.restarts == 0 and predicted["healthy"] is None
    assert predicted["diff"] == {"before": {"services": "running"}, "after": {"services": "restarted"}}
    done = run_module(vcda_service, args, vcda.api, monkeypatch=monkeypatch)
    assert done["changed"] and vcda.restarts == 1 and done["healthy"] is True and done["problems"] == []


def test_service_healthy_changes_nothing(monkeypatch):
    vcda = FakeVcda()
    healthy = run_module(vcda_service, dict(CONN, state="healthy"), vcda.api, diff=True, monkeypatch=monkeypatch)
    assert not healthy["changed"] and healthy["healthy"] and vcda.restarts == 0
    assert healthy["diff"]["before"] == healthy["diff"]["after"]


@pytest.mark.parametrize("ignore", [["nonsense"]])
def test_service_bad_input_names_the_option(monkeypatch, ignore):
    vcda = FakeVcda()
    result = run_module(vcda_service, dict(CONN, state="healthy", ignore=ignore), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "ignore" and vcda.api.calls == []
