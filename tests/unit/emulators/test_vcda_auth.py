"""Sessions and the first-boot root password flow of the VCDA emulator."""
from __future__ import annotations

import time

from emulator_helpers import (INITIAL_PASSWORD, LICENSE_KEY, NEW_PASSWORD, SSO_PASSWORD, SSO_USER, VCD_PASSWORD, VCD_URL,
                              VCD_USER, first_boot, ok)

CLOUD_ONLY = [{"name": "t-cloud", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0}]


def test_first_boot_password_flow(lab_factory):
    lab = lab_factory(CLOUD_ONLY)
    cloud = lab.client("t-cloud")

    # Login works with the expired initial password; everything but the password calls is refused.
    session = ok(cloud.login(INITIAL_PASSWORD).call("GET", "/sessions"))
    assert session["user"] == "root" and "ADMINISTRATORS" in session["roles"]
    assert ok(cloud.call("GET", "/config/root-password-expired")) == {"rootPasswordExpired": True, "secondsUntilExpiration": 0}
    for method, path, body in (("GET", "/config", None), ("POST", "/license", {"key": LICENSE_KEY}),
                               ("GET", "/config/is-configured", None)):
        reply = cloud.call(method, path, body)
        assert reply.status == 403, reply
        assert reply.body["code"] == "Forbidden" and "rootPasswordExpired" in reply.body["args"]
        assert set(reply.body) == {"code", "msg", "args", "stacktrace"}

    change = {"rootPassword": NEW_PASSWORD}
    assert cloud.call("POST", "/config/root-password", change).body["code"] == "BadUserInput"          # no Config-Secret
    assert cloud.call("POST", "/config/root-password", change, headers={"Config-Secret": "wrong"}).status == 403
    weak = cloud.call("POST", "/config/root-password", {"rootPassword": "short"}, headers={"Config-Secret": INITIAL_PASSWORD})
    assert weak.status == 400 and weak.body["code"] == "BadUserInput"
    same = cloud.call("POST", "/config/root-password", {"rootPassword": INITIAL_PASSWORD},
                      headers={"Config-Secret": INITIAL_PASSWORD})
    assert same.status == 400
    assert cloud.call("POST", "/config/check-root-password", {"password": INITIAL_PASSWORD}).status == 204
    assert cloud.call("POST", "/config/check-root-password", {"password": "nope"}).status == 400

    reply = cloud.call("POST", "/config/root-password", change, headers={"Config-Secret": INITIAL_PASSWORD})
    assert reply.status == 204 and reply.body is None
    status = ok(cloud.call("GET", "/config/root-password-expired"))
    assert status["rootPasswordExpired"] is False and status["secondsUntilExpiration"] > 300 * 86400
    assert ok(cloud.call("GET", "/config/is-configured")) == {"isConfigured": False}

    # The old password no longer logs in; the new one does.
    assert cloud.call("POST", "/sessions", {"type": "localUser", "localUser": "root", "localPassword": INITIAL_PASSWORD}).status == 401
    lab.client("t-cloud").login(NEW_PASSWORD)


def test_password_expired_path_per_version(lab_factory):
    lab = lab_factory([
        {"name": "v47", "type": "cloud", "address": "127.0.1.11", "port": 0},
        {"name": "v45", "type": "cloud", "address": "127.0.1.12", "port": 0, "version": "4.5"},
        {"name": "v35", "type": "cloud", "address": "127.0.1.13", "port": 0, "version": "3.5"},
    ])
    v47, v45, v35 = (lab.client(n).login() for n in ("v47", "v45", "v35"))
    assert v47.call("GET", "/config/root-password-expired").status == 200
    assert v47.call("GET", "/appliance/root-password-expired").status == 404
    for old in (v45, v35):
        assert ok(old.call("GET", "/appliance/root-password-expired"))["rootPasswordExpired"] is True
        assert old.call("GET", "/config/root-password-expired").status == 404


def test_sessions_logout_expiry_and_auth_errors(lab_factory):
    lab = lab_factory(CLOUD_ONLY, session_idle_timeout=0.5)
    cloud = first_boot(lab.client("t-cloud"))
    assert cloud.call("GET", "/config").status == 200
    ok(cloud.call("DELETE", "/sessions"), 204)
    reply = cloud.call("GET", "/config")
    assert reply.status == 401 and reply.body["code"] == "NotAuthenticated"

    cloud.login(NEW_PASSWORD)
    time.sleep(0.7)
    assert cloud.call("GET", "/config").status == 401  # idle timeout

    anonymous = lab.client("t-cloud")
    assert anonymous.call("GET", "/config").status == 401
    bad = anonymous.call("POST", "/sessions", {"type": "localUser", "localUser": "root", "localPassword": "x"})
    assert bad.status == 401 and bad.body["code"] == "NotAuthenticated"
    # The docs' vcdCredentials fields are vcdUser/vcdPassword; ANS's username/password is refused.
    wrong = anonymous.call("POST", "/sessions", {"type": "vcdCredentials", "username": "a@b", "password": "x"})
    assert wrong.status == 400 and wrong.body["code"] == "BadUserInput"
    assert anonymous.call("POST", "/sessions", {"type": "magic"}).status == 400


def test_sso_and_vcd_logins_follow_configuration(lab_factory, lookup_service):
    lab = lab_factory(CLOUD_ONLY)
    cloud = first_boot(lab.client("t-cloud"))
    sso = {"type": "ssoCredentials", "username": SSO_USER, "password": SSO_PASSWORD, "principal": None}
    vcd = {"type": "vcdCredentials", "vcdUser": VCD_USER, "vcdPassword": VCD_PASSWORD}
    other = lab.client("t-cloud")
    assert other.call("POST", "/sessions", sso).status == 401       # no lookup service yet
    assert other.call("POST", "/sessions", vcd).status == 401       # no Cloud Director yet
    ok(cloud.call("POST", "/config/lookup-service", {"url": lookup_service.url, "thumbprint": lookup_service.thumbprint}))
    ok(cloud.call("POST", "/config/vcloud", {"vcdUrl": VCD_URL, "vcdUsername": VCD_USER, "vcdPassword": VCD_PASSWORD}))
    assert ok(other.call("POST", "/sessions", sso))["user"] == SSO_USER
    assert other.call("POST", "/sessions", dict(sso, password="bad")).status == 401
    assert ok(other.call("POST", "/sessions", vcd))["roles"] == ["ADMINISTRATORS"]
    # An org user may log in but not configure the appliance.
    reply = other.call("POST", "/sessions", {"type": "vcdCredentials", "vcdUser": "admin1@org1", "vcdPassword": "Org1-Pass-1!"})
    assert reply.body["roles"] == ["EVERYONE"]
    other.token = reply.headers["x-vcav-auth"]
    assert other.call("GET", "/config").status == 403
    assert other.call("GET", "/sessions").status == 200
