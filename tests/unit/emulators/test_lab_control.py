"""Lab-only machinery: persistence across restarts, /_lab/ control endpoints (drift, faults,
request log) and lab/emulators.sh."""
from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from emulator_helpers import (INITIAL_PASSWORD, LAB_TOKEN, NEW_PASSWORD, REPO, Client, configure_cloud, first_boot, manager_of, ok,
                              prepare_remote, replicator_body, write_config)

from lab.emulators.common.tlsclient import PinnedHttpsClient, TlsError

CLOUD = [{"name": "t-cloud", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0}]


def test_state_survives_a_restart(lab_factory, tmp_path, lookup_service):
    state_dir = tmp_path / "kept-state"
    lab = lab_factory(CLOUD, state_dir=state_dir)
    cloud = first_boot(lab.client("t-cloud"))
    configure_cloud(cloud, lookup_service)
    task = ok(cloud.call("POST", "/diagnostics/health"), 202)  # left running when the process stops
    thumbprint = lab.thumbprint("t-cloud")
    lab.lab.stop()

    again = lab_factory(CLOUD, state_dir=state_dir)
    assert again.thumbprint("t-cloud") == thumbprint
    cloud = again.client("t-cloud")
    assert cloud.call("POST", "/sessions", {"type": "localUser", "localUser": "root",
                                            "localPassword": INITIAL_PASSWORD}).status == 401
    cloud.login(NEW_PASSWORD)
    config = ok(cloud.call("GET", "/config"))
    assert config["localSite"] == "site1" and config["lsUrl"] == lookup_service.url
    assert ok(cloud.call("GET", "/config/is-configured"))["isConfigured"] is True
    old = ok(cloud.call("GET", "/tasks/%s" % task["id"]))
    assert old["state"] in ("SUCCEEDED", "FAILED") and old["endTime"] > 0
    with open(state_dir / "t-cloud.json", encoding="utf-8") as handle:
        assert json.load(handle)["site"]["name"] == "site1"


def test_control_endpoints_need_the_lab_token(lab_factory):
    lab = lab_factory(CLOUD)
    client = PinnedHttpsClient(lab.url("t-cloud"), thumbprint_pin=lab.thumbprint("t-cloud"))
    status, dummy, body = client.request("GET", "/_lab/state")
    assert status == 401 and body["code"] == "NotAuthenticated"
    status = client.request("GET", "/_lab/state", headers={"X-Lab-Token": "wrong"})[0]
    assert status == 401
    info = ok(lab.client("t-cloud").lab("GET", "/_lab/info"))
    assert info["thumbprint"] == lab.thumbprint("t-cloud") and info["version"] == "4.7" and info["type"] == "cloud"


def test_drift(lab, lookup_service):
    cloud = first_boot(lab.client("t-cloud"))
    configure_cloud(cloud, lookup_service)
    manager = manager_of(lab, lookup_service)
    prepare_remote(manager, lab, "t-replicator", lookup_service)
    rep = ok(manager.call("POST", "/replicators", replicator_body(lab)))
    control = lab.client("t-cloud")

    assert control.lab("POST", "/_lab/ops/remove-replicator", {"id": rep["id"]}).status == 400  # not the manager
    ok(lab.client("t-manager").lab("POST", "/_lab/ops/remove-replicator", {"id": rep["id"]}))
    assert ok(manager.call("GET", "/replicators")) == []
    assert lab.client("t-manager").lab("POST", "/_lab/ops/remove-replicator", {"id": rep["id"]}).status == 404

    ok(control.lab("POST", "/_lab/ops/set-public-endpoint", {"apiPublicAddress": "drifted.example.com", "apiPublicPort": 9443}))
    endpoints = ok(cloud.call("GET", "/config/endpoints"))
    assert endpoints["configured"]["apiPublicAddress"] == "drifted.example.com" and endpoints["effective"]["apiPublicPort"] == 9443

    state = ok(control.lab("PATCH", "/_lab/state", [{"op": "replace", "path": "/site/description", "value": "drifted"},
                                                    {"op": "add", "path": "/telemetry/enabled", "value": True}]))
    assert state["site"]["description"] == "drifted"
    assert ok(cloud.call("GET", "/config"))["localSiteDescription"] == "drifted"
    assert control.lab("PATCH", "/_lab/state", [{"op": "replace", "path": "/nope/x", "value": 1}]).status == 400
    assert ok(control.lab("GET", "/_lab/state"))["telemetry"]["enabled"] is True

    ok(control.lab("POST", "/_lab/ops/expire-root-password"))
    assert cloud.call("GET", "/config").status == 403
    ok(control.lab("POST", "/_lab/reset"))
    assert cloud.call("GET", "/config").status == 401  # sessions are gone too
    fresh = lab.client("t-cloud").login(INITIAL_PASSWORD)
    assert ok(fresh.call("GET", "/config/root-password-expired"))["rootPasswordExpired"] is True


def test_faults_are_deterministic(lab_factory):
    lab = lab_factory(CLOUD)
    cloud = first_boot(lab.client("t-cloud"))
    control = lab.client("t-cloud")
    faults = {"seed": 7, "rules": [{"path": "/config*", "error503Rate": 0.5, "retryAfter": 3}]}

    def run():
        ok(control.lab("PUT", "/_lab/faults", faults))
        statuses = [cloud.call("GET", "/config").status for dummy in range(12)]
        assert cloud.call("GET", "/diagnostics/about").status == 200   # path not matched
        return statuses

    first, second = run(), run()
    assert first == second and 200 in first and 503 in first
    reply = next(r for r in (cloud.call("GET", "/config") for dummy in range(20)) if r.status == 503)
    assert reply.headers["retry-after"] == "3" and reply.body["code"] == "ServiceUnavailable"
    described = ok(control.lab("GET", "/_lab/faults"))
    assert described["injected"][0] > 0

    ok(control.lab("PUT", "/_lab/faults", {"rules": [{"method": "GET", "path": "/config", "resetRate": 1.0, "limit": 1}]}))
    with pytest.raises(TlsError):
        cloud.call("GET", "/config")
    assert cloud.call("GET", "/config").status == 200   # limit reached
    entries = ok(control.lab("GET", "/_lab/requests"))["items"]
    assert any(e["fault"] == "reset" for e in entries)

    ok(control.lab("PUT", "/_lab/faults", {"rules": [{"latencyMs": 300}]}))
    started = time.monotonic()
    ok(cloud.call("GET", "/config"))
    assert time.monotonic() - started >= 0.3
    assert control.lab("PUT", "/_lab/faults", {"rules": [{"error503Rate": 2}]}).status == 400
    ok(control.lab("DELETE", "/_lab/faults"))


def test_request_log_keeps_no_secret_values(lab_factory):
    lab = lab_factory(CLOUD)
    cloud = first_boot(lab.client("t-cloud"))
    cloud.call("POST", "/config/check-root-password", {"password": NEW_PASSWORD}, headers={"Authorization": "Basic c2VjcmV0"})
    cloud.call("GET", "/config/remote-certificate?url=https://127.0.0.1:1&password=hunter2")
    entries = ok(lab.client("t-cloud").lab("GET", "/_lab/requests"))["items"]
    text = json.dumps(entries)
    for secret in (INITIAL_PASSWORD, NEW_PASSWORD, cloud.token, "c2VjcmV0", "hunter2"):
        assert secret not in text
    login = entries[0]
    assert login["method"] == "POST" and login["path"] == "/sessions" and login["status"] == 200
    assert login["bodyFields"] == ["type", "localUser", "localPassword"]
    change = next(e for e in entries if e["path"] == "/config/root-password")
    assert change["status"] == 204 and change["bodyFields"] == ["rootPassword"]
    assert not {"config-secret", "x-vcav-auth", "authorization"} & {h.lower() for h in change["headers"]}
    seq = entries[-1]["seq"]
    assert ok(lab.client("t-cloud").lab("GET", "/_lab/requests?since=%d" % seq))["items"] == []
    ok(lab.client("t-cloud").lab("DELETE", "/_lab/requests"))
    assert ok(lab.client("t-cloud").lab("GET", "/_lab/requests"))["items"] == []


def test_emulators_script(tmp_path):
    config = write_config(tmp_path / "lab.yml", [
        {"name": "s-cloud", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0},
        {"name": "s-replicator", "type": "replicator", "site": "site1", "address": "127.0.1.12", "port": 0,
         "version": "4.5"}])
    env = dict(os.environ, EMULATORS_CONFIG=str(config), EMULATORS_STATE_DIR=str(tmp_path / "state"),
               EMULATORS_RUN_DIR=str(tmp_path / "run"))
    script = str(REPO / "lab" / "emulators.sh")

    def run(*args):
        return subprocess.run(["bash", script, *args], env=env, capture_output=True, text=True, timeout=60, check=False)

    assert run("status").returncode == 3
    started = run("start")
    try:
        assert started.returncode == 0, started.stderr
        doc = json.loads((tmp_path / "run" / "emulators.json").read_text())
        assert doc["labToken"] == LAB_TOKEN
        by_name = {a["name"]: a for a in doc["appliances"]}
        assert by_name["s-replicator"]["version"] == "4.5" and by_name["s-cloud"]["site"] == "site1"
        cloud = by_name["s-cloud"]
        assert cloud["initialRootPassword"] == INITIAL_PASSWORD and cloud["thumbprint"].startswith("SHA-256:")
        Client(cloud["url"], cloud["thumbprint"]).login(INITIAL_PASSWORD)
        assert run("status").returncode == 0
        assert run("start").returncode == 0          # already running: fine
        assert run("reset").returncode == 0          # wipes state, restarts
        assert (tmp_path / "run" / "emulators.json").exists()
    finally:
        stopped = run("stop")
    assert stopped.returncode == 0 and run("status").returncode == 3
    assert not (tmp_path / "run" / "emulators.json").exists()


def test_lab_restart_password_and_state_replace(lab_factory):
    lab = lab_factory([{"name": "t-cloud", "type": "cloud", "address": "127.0.1.11", "port": 0, "version": "4.6",
                        "accept_versions": ["4.5"]}])
    control = lab.client("t-cloud")
    ok(control.lab("POST", "/_lab/ops/set-root-password", {"password": "Set-By-Lab-1!"}))
    cloud = lab.client("t-cloud").login("Set-By-Lab-1!")
    assert cloud.call("GET", "/config", accept="application/vnd.vmware.h4-v4.5+json").status == 200   # accept_versions
    assert cloud.call("GET", "/config", accept="application/vnd.vmware.h4-v4.6+json").status == 200
    assert cloud.call("GET", "/diagnostics/health").status == 202                                       # 4.6: GET task
    saved = ok(control.lab("GET", "/_lab/state"))
    ok(control.lab("POST", "/_lab/restart", {"seconds": 0.3}))
    assert cloud.call("GET", "/config").status == 503
    time.sleep(0.35)
    assert cloud.call("GET", "/config").status == 401
    cloud.login("Set-By-Lab-1!")
    ok(cloud.call("POST", "/config/site", {"localSite": "site1"}))
    ok(control.lab("PUT", "/_lab/state", saved))
    assert ok(cloud.call("GET", "/config"))["localSite"] is None


def test_fault_kinds_lost_reply_session_expiry_restart_and_source(lab_factory):
    lab = lab_factory(CLOUD)
    cloud = first_boot(lab.client("t-cloud"))
    control = lab.client("t-cloud")
    as_client = {"X-Lab-Peer": ""}  # the tests' client is the lab's own; look like the automation
    # lostReply: carried out in full, then the connection is reset instead of answering.
    ok(control.lab("PUT", "/_lab/faults", {"rules": [{"method": "POST", "path": "/config/site", "lostReplyRate": 1.0}]}))
    with pytest.raises(TlsError):
        cloud.call("POST", "/config/site", {"localSite": "site1", "localSiteDescription": "d"}, headers=as_client)
    ok(control.lab("DELETE", "/_lab/faults"))
    assert ok(cloud.call("GET", "/config"))["localSite"] == "site1"
    # sessionExpiry: every session is dropped before the request -> 401, a new login works.
    ok(control.lab("PUT", "/_lab/faults", {"rules": [{"path": "/config", "sessionExpiryRate": 1.0, "limit": 1}]}))
    assert cloud.call("GET", "/config", headers=as_client).status == 401
    # restart: 503 with Retry-After while the services restart.
    restart = {"path": "/diagnostics/about", "restartRate": 1.0, "restartSeconds": 0.5, "limit": 1}
    ok(control.lab("PUT", "/_lab/faults", {"rules": [restart]}))
    reply = cloud.call("GET", "/diagnostics/about", headers=as_client)
    assert reply.status == 503 and reply.headers["retry-after"] == "1"
    time.sleep(0.6)
    cloud.login(NEW_PASSWORD)  # a restart drops the sessions
    # source: a rule for peer traffic leaves the automation's requests alone, and the other way round.
    ok(control.lab("PUT", "/_lab/faults", {"seed": 1, "rules": [{"source": "peer", "error503Rate": 1.0}]}))
    assert cloud.call("GET", "/diagnostics/about", headers=as_client).status == 200
    assert cloud.call("GET", "/diagnostics/about").status == 503  # X-Lab-Peer set by the lab's own client
    described = ok(control.lab("GET", "/_lab/faults"))
    assert described["kinds"] == {"503": 1}
    assert control.lab("PUT", "/_lab/faults", {"rules": [{"source": "nobody"}]}).status == 400
    assert control.lab("PUT", "/_lab/faults", {"rules": [{"resetRate": 0.6, "lostReplyRate": 0.6}]}).status == 400
    entries = ok(control.lab("GET", "/_lab/requests"))["items"]
    assert {"lostReply", "sessionExpiry", "restarting"} <= set(e.get("fault") for e in entries)
