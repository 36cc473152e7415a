"""VcdaClient: request/response mapping per endpoint, the version table, the task waiter (no network)."""
import json
import os

import pytest
import requests

from fake_http import ScriptedAdapter
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as _vcda
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ApiError, InputError, TaskFailed, TimeoutExpired)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "vcda")
TP = "SHA-256:" + ":".join(["AB", "CD", "EF", "01", "23", "45", "67", "89"] * 4)


def fixture(name):
    with open(os.path.join(FIXTURES, name + ".json")) as handle:
        return json.load(handle)


class FakeAdapter(ScriptedAdapter):
    """Records (method, path, query, headers, JSON body)."""

    def record(self, request):
        url = requests.utils.urlparse(request.url)
        body = json.loads(request.body) if request.body else None
        return (request.method, url.path, url.query, dict(request.headers), body)


class Clock(object):
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


LOGIN = (200, fixture("session"), {"X-VCAV-Auth": "tok-1"})
ABOUT = (200, fixture("about"), None)


def make(script, api_version=None, auth_type="local", username="root", timeout=30):
    clock = Clock()
    client = _vcda.VcdaClient("https://vcda.example:8046", username=username, password="Secret-1!", auth_type=auth_type,
                              thumbprint=TP, api_version=api_version, timeout=timeout, sleep=clock.sleep, clock=clock)
    adapter = FakeAdapter(script)
    client.http.session.mount("https://", adapter)
    client.http.sleep = clock.sleep
    return client, adapter, clock


# ----- sessions, media type, version detection -------------------------------------------------
def test_login_detects_version_and_switches_to_the_vendor_type():
    client, adapter, unused = make([LOGIN, ABOUT, (200, fixture("config_cloud"), None)])
    assert client.config()["localSite"] == "site1"
    (m1, p1, _q1, h1, b1), (m2, p2, _q2, h2, _b2), (_m3, _p3, _q3, h3, _b3) = adapter.calls
    assert (m1, p1) == ("POST", "/sessions")
    assert b1 == {"type": "localUser", "localUser": "root", "localPassword": "Secret-1!"}
    assert h1["Accept"] == "application/json"
    assert (m2, p2, h2["X-VCAV-Auth"]) == ("GET", "/diagnostics/about", "tok-1")
    assert h3["Accept"] == "application/vnd.vmware.h4-v4.7+json;charset=UTF-8"
    assert client.api_version == "4.7"


def test_given_api_version_skips_detection():
    client, adapter, unused = make([LOGIN, (200, fixture("config_cloud"), None)], api_version="4.5")
    client.config()
    assert adapter.calls[0][3]["Accept"] == "application/vnd.vmware.h4-v4.5+json;charset=UTF-8"
    assert [c[1] for c in adapter.calls] == ["/sessions", "/config"]


@pytest.mark.parametrize("auth_type,username,body", [
    ("sso", "administrator@vsphere.local",
     {"type": "ssoCredentials", "username": "administrator@vsphere.local", "password": "Secret-1!"}),
    ("vcd", "admin@System", {"type": "vcdCredentials", "vcdUser": "admin@System", "vcdPassword": "Secret-1!"}),
])
def test_login_bodies_per_auth_type(auth_type, username, body):
    client, adapter, unused = make([LOGIN], api_version="4.7", auth_type=auth_type, username=username)
    client.login()
    assert adapter.calls[0][4] == body


def test_login_without_token_header_is_an_error():
    client, unused_adapter, unused = make([(200, fixture("session"), None)], api_version="4.7")
    with pytest.raises(ApiError, match="X-VCAV-Auth"):
        client.login()


def test_expired_session_logs_in_again_once():
    client, adapter, unused = make([LOGIN, (401, {"code": "NotAuthenticated", "msg": "expired"}, None),
                                    (200, {"sessions": 1}, {"X-VCAV-Auth": "tok-2"}), (200, fixture("license"), None)],
                                   api_version="4.7")
    assert client.license()["isLicensed"]
    assert adapter.calls[-1][3]["X-VCAV-Auth"] == "tok-2"


def test_config_secret_header_on_root_password_change():
    client, adapter, unused = make([LOGIN, (204, None, None)], api_version="4.7")
    client.change_root_password("Old-Pass-1!", "New-Pass-2!")
    method, path, _query, headers, body = adapter.calls[1]
    assert (method, path, body) == ("POST", "/config/root-password", {"rootPassword": "New-Pass-2!"})
    assert headers["Config-Secret"] == "Old-Pass-1!"


def test_api_errors_carry_the_vcda_message():
    client, unused_adapter, unused = make([LOGIN, (403, fixture("error_forbidden"), None)], api_version="4.7")
    with pytest.raises(ApiError) as info:
        client.config()
    assert info.value.status == 403 and info.value.code == "Forbidden" and "Permission denied." in str(info.value)


# ----- version table ------------------------------------------------------------------------
@pytest.mark.parametrize("version,expected", [("4.7", "/config/root-password-expired"),
                                              ("4.6", "/appliance/root-password-expired"),
                                              ("4.5", "/appliance/root-password-expired"),
                                              ("3.5", "/appliance/root-password-expired")])
def test_root_password_expired_path(version, expected):
    assert _vcda.versioned("root_password_expired", version) == expected


@pytest.mark.parametrize("version,expected", [("4.7", ("POST", "task")), ("4.6", ("GET", "task")),
                                              ("4.2", ("GET", "task")), ("4.1", ("GET", "data")),
                                              ("3.5", ("GET", "data"))])
def test_health_mode(version, expected):
    assert _vcda.versioned("health", version) == expected


def test_tunnel_paths_and_endpoint_keys():
    assert _vcda.versioned("tunnel_add", "4.6") == "/config/tunnels"
    assert _vcda.versioned("tunnel_add", "4.5") == "/config/tunnel-service"
    assert _vcda.versioned("tunnel_list", "4.5") is None
    assert "tunnelPort" in _vcda.versioned("endpoint_keys", "3.5")
    assert "tunnelPort" not in _vcda.versioned("endpoint_keys", "4.7")


def test_parse_version_rejects_garbage():
    assert _vcda.parse_version("4.7.0.23456789") == (4, 7)
    with pytest.raises(InputError):
        _vcda.parse_version("latest")


# ----- endpoints: request/response mapping ------------------------------------------------------
def test_password_status_uses_the_version_path():
    client, adapter, unused = make([LOGIN, (200, {"rootPasswordExpired": True, "secondsUntilExpiration": 0}, None)],
                                   api_version="4.5")
    assert client.password_status()["rootPasswordExpired"] is True
    assert adapter.calls[1][1] == "/appliance/root-password-expired"


def test_replicators_list_and_find_by_url():
    client, adapter, unused = make([LOGIN, (200, fixture("replicators"), None), (200, {"items": fixture("replicators")}, None)],
                                   api_version="4.7")
    assert client.find_replicator("https://REPL:8043/")["id"] == "r-1"
    assert client.replicators()[0]["id"] == "r-1"


def test_add_replicator_sends_the_nested_body():
    item = fixture("replicators")[0]
    client, adapter, unused = make([LOGIN, (200, item, None)], api_version="4.7")
    details = {"apiUrl": "https://repl:8043", "apiThumbprint": TP, "rootPassword": "r", "ssoUser": "u", "ssoPassword": "p"}
    assert client.add_replicator("site1", details, "*", "repl")["id"] == "r-1"
    assert adapter.calls[1][4] == {"owner": "*", "site": "site1", "description": "repl", "replicatorId": None,
                                   "details": details}


def test_tunnels_on_both_generations():
    client, adapter, unused = make([LOGIN, (200, fixture("tunnels"), None)], api_version="4.7")
    assert client.tunnels() == [{"id": "t-1", "url": "https://tunnel:8047", "certificate": "MIIB"}]
    client, adapter, unused = make([LOGIN, (200, fixture("config_cloud"), None)],
                                   api_version="4.5")
    assert client.tunnels()[0]["url"] == "https://tunnel:8047"
    assert adapter.calls[1][1] == "/config"


def test_add_tunnel_path_by_version():
    client, adapter, unused = make([LOGIN, (200, fixture("config_cloud"), None)], api_version="4.5")
    client.add_tunnel("https://tunnel:8047", "MIIB", "pw")
    assert adapter.calls[1][1] == "/config/tunnel-service"
    assert adapter.calls[1][4] == {"url": "https://tunnel:8047", "certificate": "MIIB", "rootPassword": "pw"}


def test_remote_certificate_normalises_the_thumbprint():
    client, adapter, unused = make([LOGIN, (200, fixture("remote_certificate"), None)], api_version="4.7")
    assert client.remote_certificate("https://tunnel:8047") == {"thumbprint": TP, "encoded": "MIIB"}
    assert adapter.calls[1][2] == "url=https%3A%2F%2Ftunnel%3A8047"


def test_lookup_service_dry_run_and_sso():
    client, adapter, unused = make([LOGIN, (204, None, None), (200, {"lsUrl": "https://vc", "lsThumbprint": TP}, None)],
                                   api_version="4.7")
    client.set_lookup_service("https://vc/lookupservice/sdk", TP, dry_run=True)
    client.set_lookup_service("https://vc/lookupservice/sdk", TP, "admin", "pw")
    assert adapter.calls[1][1] == "/config/check-lookup-service"
    assert adapter.calls[2][4]["ssoAdminCredentials"] == {"ssoUser": "admin", "ssoPassword": "pw"}


def test_configuration_posts_are_retried_registration_re_reads_first():
    client, adapter, unused = make([LOGIN, (503, None, {"Retry-After": "0"}), (200, {"enabled": True}, None)],
                                   api_version="4.7")
    client.set_telemetry(True)
    assert len(adapter.calls) == 3
    # 503: the replicator is not registered (GET /replicators is empty), so it is registered again.
    rep = {"id": "r1", "apiUrl": "https://repl:8043"}
    client, adapter, unused = make([LOGIN, (503, None, {"Retry-After": "1"}), (200, [], None), (200, rep, None)],
                                   api_version="4.7")
    assert client.add_replicator("site1", {"apiUrl": "https://repl:8043"}, "*", None) == rep
    assert [(c[0], c[1]) for c in adapter.calls[1:]] == [("POST", "/replicators"), ("GET", "/replicators"),
                                                         ("POST", "/replicators")]
    # The reply was lost but the replicator is there: never registered twice.
    client, adapter, unused = make([LOGIN, requests.exceptions.ConnectionError("Connection reset by peer"),
                                    (200, [rep], None)], api_version="4.7")
    assert client.add_replicator("site1", {"apiUrl": "https://REPL:8043/"}, "*", None) == rep
    assert [c[0] for c in adapter.calls].count("POST") == 2  # the login and one registration


def test_pairing_after_a_lost_reply_waits_for_the_running_task():
    task = {"id": "t1", "state": "RUNNING", "workflowInfo": {"type": "pairSite", "resourceId": None}}
    done = dict(task, state="SUCCEEDED", result={"site": "site2"})
    client, adapter, unused = make([LOGIN, (502, None, None), (200, [], None), (200, {"items": [task], "total": 1}, None),
                                    (200, done, None)], api_version="4.7")
    assert client.pair_site("https://site2:8046", TP) == {"site": "site2"}
    assert [(c[0], c[1]) for c in adapter.calls[1:]] == [("POST", "/sites"), ("GET", "/sites"), ("GET", "/tasks"),
                                                         ("GET", "/tasks/t1")]


def test_root_password_change_after_a_lost_reply_checks_the_new_password():
    reset = requests.exceptions.ConnectionError("Connection reset by peer")
    client, adapter, unused = make([LOGIN, reset, (200, {}, {"X-VCAV-Auth": "t2"}), (204, None, None)],
                                   api_version="4.7")
    client.change_root_password("Old-1!", "New-Pass-1!")
    assert [(c[0], c[1]) for c in adapter.calls[1:]] == [("POST", "/config/root-password"), ("POST", "/sessions"),
                                                         ("DELETE", "/sessions")]
    client, adapter, unused = make([LOGIN, (503, None, None), (401, {"code": "NotAuthenticated"}, None),
                                    (204, None, None)], api_version="4.7")
    client.change_root_password("Old-1!", "New-Pass-1!")  # not changed yet: sent again
    assert [(c[0], c[1]) for c in adapter.calls[1:]] == [("POST", "/config/root-password"), ("POST", "/sessions"),
                                                         ("POST", "/config/root-password")]


# ----- tasks and health -------------------------------------------------------------------------
def test_health_47_is_a_post_task_waited_for():
    client, adapter, clock = make([LOGIN, (202, fixture("task_queued"), None), (200, fixture("task_running"), None),
                                   (200, fixture("task_succeeded"), None)], api_version="4.7")
    health = client.health()
    assert health["managerHealth"]["onlineReplicators"] == 1
    assert [(c[0], c[1]) for c in adapter.calls[1:]] == [
        ("POST", "/diagnostics/health"), ("GET", "/tasks/a1b2c3"), ("GET", "/tasks/a1b2c3")]
    assert clock.sleeps == [0.2, 0.30000000000000004]


def test_health_35_is_data():
    client, adapter, unused = make([LOGIN, (200, fixture("health_red"), None)], api_version="3.5")
    assert client.health()["vcdError"]["code"] == "RemoteAuthenticationFailure"
    assert adapter.calls[1][0] == "GET"


def test_failed_task_raises_its_message():
    client, unused_adapter, unused = make([LOGIN, (202, fixture("task_queued"), None), (200, fixture("task_failed"), None)],
                                          api_version="4.7")
    with pytest.raises(TaskFailed, match="GeneralServerFailure: Replicator unreachable."):
        client.health()


def test_task_timeout_reports_the_last_state():
    script = [LOGIN, (202, fixture("task_queued"), None)] + [(200, fixture("task_running"), None)] * 20
    client, unused, clock = make(script, api_version="4.7", timeout=5)
    with pytest.raises(TimeoutExpired, match="RUNNING 40%"):
        client.health()
    assert max(clock.sleeps) <= 2.0 and clock.now <= 5.01


def test_health_problems_names_red_items():
    assert _vcda.health_problems(fixture("task_succeeded")["result"]) == []
    problems = _vcda.health_problems(fixture("health_red"))
    assert problems == ["vcdError: RemoteAuthenticationFailure Authentication to https://vcd/api failed.",
                        "managerHealth.offlineReplicators: 1"]


# ----- helpers ----------------------------------------------------------------------------------
def test_same_url():
    assert _vcda.same_url("https://Repl:443/", "https://repl")
    assert not _vcda.same_url("https://repl:8043", "https://repl:8044")


def test_lookup_service_thumbprint_given_or_refused():
    assert _vcda.lookup_service_thumbprint("https://vc/lookupservice/sdk", TP.replace("SHA-256:", "").lower()) == TP
    with pytest.raises(InputError) as info:
        _vcda.lookup_service_thumbprint("https://vc/lookupservice/sdk")
    assert info.value.option == "lookup_service_thumbprint"


# ----- check mode on a fresh appliance: the password change was only predicted --------------------
BAD_LOGIN = (401, {"code": "NotAuthenticated", "msg": "Authentication failed"}, None)
LOCKED = (403, {"code": "Forbidden", "msg": "The root password has expired", "args": ["rootPasswordExpired"]}, None)


def test_check_mode_predicts_against_a_fresh_appliance():
    client, adapter, unused = make([BAD_LOGIN, (200, fixture("session"), {"X-VCAV-Auth": "tok-init"}),
                                    (200, {"rootPasswordExpired": True}, None), LOCKED, LOCKED], api_version="4.7")
    client.initial_password = "Vcda-Init-1!"
    assert client.config() is None          # locked: "nothing configured yet"
    assert client.replicators() == []
    assert client.set_lookup_service("https://ls", "SHA-256:AA", dry_run=True) is None  # dry runs are not sent
    assert client.predicted_fresh
    assert [(c[0], c[1]) for c in adapter.calls] == [
        ("POST", "/sessions"), ("POST", "/sessions"), ("GET", "/config/root-password-expired"), ("GET", "/config"),
        ("GET", "/replicators")]


def test_no_prediction_without_initial_password_or_when_it_is_not_expired():
    client, adapter, unused = make([BAD_LOGIN], api_version="4.7")
    with pytest.raises(ApiError) as err:   # not in check mode (no initial_password): the 401 stands
        client.config()
    assert err.value.status == 401
    client, adapter, unused = make([BAD_LOGIN, (200, fixture("session"), {"X-VCAV-Auth": "tok-init"}),
                                    (200, {"rootPasswordExpired": False}, None), (204, None, None)], api_version="4.7")
    client.initial_password = "Vcda-Init-1!"
    with pytest.raises(ApiError):          # the initial password works but is not expired: a wrong password
        client.config()
    assert not client.predicted_fresh
    client, adapter, unused = make([BAD_LOGIN, BAD_LOGIN], api_version="4.7")
    client.initial_password = "Vcda-Init-1!"
    with pytest.raises(ApiError):
        client.config()


def test_a_task_failed_for_a_transient_reason_is_submitted_again_after_re_reading():
    failed = {"id": "t1", "state": "FAILED", "workflowInfo": {"type": "pairSite"},
              "error": {"code": "GeneralServerFailure", "msg": "https://site2:8046 answered HTTP 503"}}
    done = {"id": "t2", "state": "SUCCEEDED", "workflowInfo": {"type": "pairSite"}, "result": {"site": "site2"}}
    empty = (200, {"items": [], "total": 0}, None)
    client, adapter, clock = make([LOGIN, (202, failed, None), (200, [], None), empty, empty, (202, done, None)],
                                  api_version="4.7")
    assert client.pair_site("https://site2:8046", TP) == {"site": "site2"}
    assert [(c[0], c[1]) for c in adapter.calls[1:]] == [
        ("POST", "/sites"), ("GET", "/sites"), ("GET", "/tasks"), ("GET", "/tasks"), ("POST", "/sites")]
    bad = dict(failed, error={"code": "RemoteAuthenticationFailure", "msg": "bad credentials"})
    client, adapter, clock = make([LOGIN, (202, bad, None)], api_version="4.7")
    with pytest.raises(TaskFailed) as err:  # not transient: reported at once
        client.pair_site("https://site2:8046", TP)
    assert err.value.code == "RemoteAuthenticationFailure" and len(adapter.calls) == 2


def test_settled_site_re_reads_a_link_that_is_down_for_a_moment():
    down = {"site": "site2", "isLocal": False, "state": {"incomingCommError": {"msg": "answered HTTP 503"}}}
    up = {"site": "site2", "isLocal": False, "state": {"incomingCommError": None, "outgoingCommError": None}}
    client, adapter, clock = make([LOGIN, (200, [down], None), (200, [up], None)], api_version="4.7")
    assert client.settled_site(name="site2") == up
    client, adapter, clock = make([LOGIN] + [(200, [down], None)] * 40, api_version="4.7")
    assert client.settled_site(name="site2", timeout=3) == down  # still down when the time is up


def test_a_session_dropped_again_during_the_retries_logs_in_again():
    expired = (401, {"code": "NotAuthenticated", "msg": "session expired"}, None)
    client, adapter, unused = make([LOGIN, expired, LOGIN, expired, LOGIN, (200, {"enabled": True}, None)],
                                   api_version="4.7")
    assert client.telemetry() == {"enabled": True}
    assert [c[1] for c in adapter.calls].count("/sessions") == 3
    client, adapter, unused = make([LOGIN] + [expired, LOGIN] * 3 + [expired], api_version="4.7")
    with pytest.raises(ApiError) as err:  # bounded
        client.telemetry()
    assert err.value.status == 401


# ----- fidelity with the public clients (issue 8) ------------------------------------------------
@pytest.mark.parametrize("version,media", [("4.0", "h4-v4"), ("3.0", "h4-v3"), ("4.7", "h4-v4.7"), ("3.5", "h4-v3.5"),
                                           ("4.10", "h4-v4.10")])
def test_vendor_media_type_of_x0_releases_has_no_minor(version, media):
    client, unused_adapter, unused = make([], api_version=version)
    assert client.accept == "application/vnd.vmware.%s+json;charset=UTF-8" % media


@pytest.mark.parametrize("service_type,kind", [("Cloud", "cloud"), ("CLOUD", "cloud"), ("MANAGER", "manager"),
                                               ("Manager", "manager"), ("replicator", "replicator"), ("Tunnel", "tunnel"),
                                               ("OnPrem", "onprem"), ("Portal", "unknown"), (None, "unknown")])
def test_service_type_is_compared_without_case(service_type, kind):
    assert _vcda.service_kind(service_type) == kind


def _about(service_type, version="4.7.0.1"):
    return (200, {"serviceType": service_type, "buildVersion": version}, None)


@pytest.mark.parametrize("service_type,version,ok", [("MANAGER", "4.7.0.1", True), ("CLOUD", "4.7.0.1", False),
                                                     ("Cloud", "3.5.0.1", True), ("Replicator", "4.7.0.1", False)])
def test_replicators_belong_to_the_manager_service_on_4x(service_type, version, ok):
    client, unused_adapter, unused = make([LOGIN, _about(service_type, version)])
    if ok:
        assert client.require_replicator_owner() in ("manager", "cloud")
        return
    with pytest.raises(InputError) as err:
        client.require_replicator_owner("url")
    assert err.value.option == "url" and "https://<cloud>:8441" in str(err.value)


def test_replicator_site_comes_from_the_managers_config():
    client, unused_adapter, unused = make([LOGIN, (200, {"id": "m", "site": "site1", "lsUrl": None}, None)], api_version="4.7")
    assert client.replicator_site() == "site1"
    client, unused_adapter, unused = make([LOGIN, (200, fixture("config_cloud"), None)], api_version="3.5")
    assert client.replicator_site() == fixture("config_cloud")["localSite"]


DETAILS = {"apiUrl": "https://repl:8043", "apiThumbprint": TP, "rootPassword": "r", "ssoUser": "u", "ssoPassword": "p"}


@pytest.mark.parametrize("version,nested", [("4.7", True), ("4.0", True), ("3.5", False)])
def test_reset_cookie_body_by_version(version, nested):
    client, adapter, unused = make([LOGIN, (200, fixture("replicators")[0], None)], api_version=version)
    client.reset_replicator_cookie("r-1", DETAILS, "site1 replicator")
    method, path, unused_q, unused_h, body = adapter.calls[1]
    assert (method, path) == ("POST", "/replicators/r-1/reset-cookie")
    assert body == ({"description": "site1 replicator", "details": DETAILS} if nested else DETAILS)


def test_tunnel_of_a_known_url_is_updated_with_put_from_46():
    tunnel = fixture("tunnels")["tunnels"][0]
    client, adapter, unused = make([LOGIN, (200, fixture("tunnels"), None), (200, tunnel, None)], api_version="4.7")
    client.add_tunnel("https://TUNNEL:8047/", "MIIC", "pw")
    assert [(c[0], c[1]) for c in adapter.calls[1:]] == [("GET", "/config/tunnels"), ("PUT", "/config/tunnels/t-1")]
    assert adapter.calls[2][4] == {"url": "https://TUNNEL:8047/", "certificate": "MIIC", "rootPassword": "pw"}
    client, adapter, unused = make([LOGIN, (200, {"tunnels": []}, None), (200, tunnel, None)], api_version="4.6")
    client.add_tunnel("https://tunnel:8047", "MIIB", "pw")
    assert [(c[0], c[1]) for c in adapter.calls[1:]] == [("GET", "/config/tunnels"), ("POST", "/config/tunnels")]


def test_policies_are_a_plain_array_and_status_a_list_of_orgs():
    policies = [{"id": "default", "displayName": "default"}, {"id": "p1", "displayName": "Gold"}]
    status = [{"org": "org2"}, {"org": "org1"}]
    client, adapter, unused = make([LOGIN, (200, policies, None), (200, status, None), (200, {"orgs": ["o3"]}, None)],
                                   api_version="4.7")
    assert client.find_policy("Gold")["id"] == "p1"
    assert adapter.calls[1][2] == ""   # no paging parameters: the array is the whole list
    assert client.policy_orgs("p1") == ["org1", "org2"]
    assert client.policy_orgs("p1") == ["o3"]   # [I] the older object shape is tolerated


def test_health_35_connectivity_keys_and_offline_replicator_list_are_red():
    problems = _vcda.health_problems(fixture("health_red_35"))
    assert problems == ["lsConnectivity: NotConfigured The lookup service is not configured.",
                        "managerConnectivity: SiteCommunicationError Manager unreachable.",
                        "managerHealth.offlineReplicators: https://repl:8043"]
    green = dict(fixture("health_red_35"), lsConnectivity={"value": None}, managerConnectivity={"value": None},
                 managerHealth={"onlineReplicators": 1, "offlineReplicators": []})
    assert _vcda.health_problems(green) == []   # tunnelConnectivity (a list of tunnels) is not an error


# ----- Cloud Director logins (issue 11) ------------------------------------------------------------
def _token_client(script, org=None):
    client = _vcda.VcdaClient("https://vcda.example:8046", auth_type="vcd_token", access_token="eyJ.tok.sig",
                              token_org=org, thumbprint=TP, api_version="4.7")
    adapter = FakeAdapter(script)
    client.http.session.mount("https://", adapter)
    return client, adapter


def test_access_token_login_body_with_and_without_the_org():
    client, adapter = _token_client([LOGIN])
    client.login()
    assert adapter.calls[0][4] == {"type": "vcdAccessToken", "vcdAccessToken": "eyJ.tok.sig"}
    client, adapter = _token_client([LOGIN], org="org1")
    client.login()
    assert adapter.calls[0][4] == {"type": "vcdAccessToken", "vcdAccessToken": "eyJ.tok.sig", "context": "org1"}


def test_refused_token_names_the_login_not_the_token():
    client, unused = _token_client([(401, {"code": "NotAuthenticated", "msg": "Authentication failed."}, None)], org="org1")
    with pytest.raises(ApiError) as info:
        client.login()
    assert info.value.status == 401
    assert "access token" in str(info.value) and "access_token_org=org1" in str(info.value)
    assert "eyJ.tok.sig" not in str(info.value)


def test_refused_password_names_the_user():
    client, unused, unused_clock = make([(401, {"code": "NotAuthenticated", "msg": "nope"}, None)], api_version="4.7",
                                        auth_type="vcd", username="admin1@org1")
    with pytest.raises(ApiError, match="Cloud Director user admin1@org1") as info:
        client.login()
    assert "Secret-1!" not in str(info.value)


def test_token_login_without_a_token_is_an_input_error():
    client = _vcda.VcdaClient("https://vcda.example:8046", auth_type="vcd_token", thumbprint=TP)
    with pytest.raises(InputError) as info:
        client.login()
    assert info.value.option == "access_token"
