"""Health in its three API generations, task progression, and the service restart."""
from __future__ import annotations

import time

from emulator_helpers import NEW_PASSWORD, configure_cloud, first_boot, manager_of, ok, prepare_remote, replicator_body

CLOUD_KEYS = {"productName", "buildVersion", "instanceId", "address", "diskUsage", "vcdError", "lsError", "dbError", "ntpError",
              "managerError", "tunnelError", "tunnelConnectivity", "managerHealth"}


def _wait_task(client, task, timeout=5.0):
    seen = [task["state"]]
    deadline = time.monotonic() + timeout
    while task["state"] in ("QUEUED", "RUNNING"):
        assert time.monotonic() < deadline, seen
        time.sleep(0.03)
        task = ok(client.call("GET", "/tasks/%s" % task["id"]))
        if task["state"] != seen[-1]:
            seen.append(task["state"])
        if task["state"] == "RUNNING":
            assert 0 < task["progress"] < 100 and task["endTime"] == -1
    return task, seen


def test_health_47_is_a_post_task_with_live_errors(lab, lookup_service):
    cloud = first_boot(lab.client("t-cloud"))
    assert cloud.call("GET", "/diagnostics/health").status == 405
    reply = cloud.call("POST", "/diagnostics/health")
    assert reply.status == 202
    task = reply.body
    assert task["state"] == "QUEUED" and task["progress"] == 0 and task["endTime"] == -1
    assert set(task) == {"id", "user", "workflowInfo", "progress", "state", "startTime", "endTime", "resultType", "result",
                         "error", "warnings", "site"}
    task, seen = _wait_task(cloud, task)
    assert seen == ["QUEUED", "RUNNING", "SUCCEEDED"]
    assert task["progress"] == 100 and task["endTime"] >= task["startTime"]
    health = task["result"]
    assert CLOUD_KEYS <= set(health)
    for key in ("lsError", "vcdError", "tunnelError", "managerError"):
        assert health[key]["code"] == "NotConfigured", key
    assert health["dbError"] is None and health["managerHealth"]["onlineReplicators"] == 0

    configure_cloud(cloud, lookup_service)
    manager = manager_of(lab, lookup_service)
    prepare_remote(manager, lab, "t-replicator", lookup_service)
    ok(manager.call("POST", "/replicators", replicator_body(lab)))
    prepare_remote(cloud, lab, "t-tunnel", lookup_service, group="tunnels")
    remote = ok(cloud.call("GET", "/config/remote-certificate?url=%s" % lab.url("t-tunnel")))
    ok(cloud.call("POST", "/config/tunnels", {"url": lab.url("t-tunnel"), "certificate": remote["encoded"],
                                              "rootPassword": NEW_PASSWORD}))
    health = _wait_task(cloud, ok(cloud.call("POST", "/diagnostics/health"), 202))[0]["result"]
    assert [health[k] for k in ("lsError", "vcdError", "tunnelError", "managerError")] == [None] * 4
    assert health["managerHealth"]["onlineReplicators"] == 1 and health["managerHealth"]["offlineReplicators"] == 0
    assert health["tunnelConnectivity"][0]["tunnelService"]["url"] == lab.url("t-tunnel")

    # What changed shows up: the tunnel and the replicator present other certificates; a forced dbError.
    lab["t-tunnel"].install_certificate(*lab["t-tunnel"].new_self_signed())
    lab["t-replicator"].install_certificate(*lab["t-replicator"].new_self_signed())
    ok(lab.client("t-cloud").lab("PATCH", "/_lab/state", [{"op": "replace", "path": "/healthOverrides",
                                                           "value": {"dbError": {"code": "DbDown", "msg": "x"}}}]))
    health = _wait_task(cloud, ok(cloud.call("POST", "/diagnostics/health"), 202))[0]["result"]
    assert health["tunnelError"] is not None and health["dbError"]["code"] == "DbDown"
    assert health["managerHealth"]["offlineReplicators"] == 1
    assert health["managerHealth"]["localReplicatorsHealth"][0]["error"] is not None
    replicator = lab.client("t-replicator").login(NEW_PASSWORD)
    replicator_health = _wait_task(replicator, ok(replicator.call("POST", "/diagnostics/health"), 202))[0]["result"]
    assert replicator_health["managerError"] is None and replicator_health["onlineManagers"] == 1
    assert {"hbrError", "lwdError", "h4dmError", "offlineManagers"} <= set(replicator_health)
    manager_health = _wait_task(manager, ok(manager.call("POST", "/diagnostics/health"), 202))[0]["result"]
    assert manager_health["managerHealth"]["offlineReplicators"] == 1 and manager_health["lsError"] is None


def test_health_45_is_a_get_task(lab_factory):
    cloud = first_boot(lab_factory(version="4.5").client("t-cloud"))
    assert cloud.call("POST", "/diagnostics/health").status == 405
    task, seen = _wait_task(cloud, ok(cloud.call("GET", "/diagnostics/health"), 202))
    assert seen[-1] == "SUCCEEDED" and task["result"]["lsError"]["code"] == "NotConfigured"
    tasks = ok(cloud.call("GET", "/tasks?state=SUCCEEDED"))
    assert tasks["total"] == 1 and tasks["items"][0]["id"] == task["id"]
    missing = cloud.call("GET", "/tasks/nope")
    assert missing.status == 404 and missing.body["code"] == "TaskNotFound"


def test_health_35_returns_data_and_restart_services(lab_factory, lookup_service):
    lab = lab_factory(version="3.5")
    cloud = first_boot(lab.client("t-cloud"))
    health = ok(cloud.call("GET", "/diagnostics/health"))
    keys = CLOUD_KEYS - {"lsError", "dbError", "managerError"} | {"lsConnectivity", "dbConnectivity", "managerConnectivity"}
    assert keys <= set(health) and health["productName"] == "VMware vCloud Availability"
    configure_cloud(cloud, lookup_service)
    prepare_remote(cloud, lab, "t-tunnel", lookup_service, group="tunnels")
    remote = ok(cloud.call("GET", "/config/remote-certificate?url=%s" % lab.url("t-tunnel")))
    ok(cloud.call("POST", "/config/tunnel-service", {"url": lab.url("t-tunnel"), "certificate": remote["encoded"],
                                                     "rootPassword": NEW_PASSWORD}))
    assert ok(cloud.call("GET", "/diagnostics/health"))["tunnelError"]["code"] == "RestartRequired"
    ok(cloud.call("POST", "/os/reboot-services"), 204)
    restarting = cloud.call("GET", "/diagnostics/health")
    assert restarting.status == 503 and int(restarting.headers["retry-after"]) >= 1
    time.sleep(0.5)
    assert cloud.call("GET", "/diagnostics/health").status == 401   # sessions did not survive the restart
    cloud.login(NEW_PASSWORD)
    assert ok(cloud.call("GET", "/diagnostics/health"))["tunnelError"] is None


def test_restart_services_on_4x_is_absent_unless_configured(lab_factory):
    lab = lab_factory([{"name": "accepting", "type": "cloud", "address": "127.0.1.11", "port": 0, "reboot_services": "accept"},
                       {"name": "default", "type": "cloud", "address": "127.0.1.21", "port": 0}])
    accepting, default = first_boot(lab.client("accepting")), first_boot(lab.client("default"))
    assert accepting.call("POST", "/os/reboot-services").status == 204
    reply = default.call("POST", "/os/reboot-services")   # [I] 4.x default: like an unknown path
    assert reply.status == 404 and reply.body["code"] == "NotFound"


def _health_35(cloud):
    return ok(cloud.call("GET", "/diagnostics/health"))


def test_health_35_uses_connectivity_keys_and_lists_offline_replicators(lab_factory, lookup_service):
    lab = lab_factory(version="3.5")
    cloud = first_boot(lab.client("t-cloud"))
    health = _health_35(cloud)
    assert not {"lsError", "dbError", "managerError"} & set(health)
    assert health["lsConnectivity"]["value"]["code"] == "NotConfigured" and health["dbConnectivity"] == {"value": None}
    configure_cloud(cloud, lookup_service)
    # 3.x: the cloud appliance is the manager (no separate Manager Service); reset-cookie takes the flat body.
    prepare_remote(cloud, lab, "t-replicator", lookup_service)
    rep = ok(cloud.call("POST", "/replicators", replicator_body(lab)))
    health = _health_35(cloud)
    assert health["lsConnectivity"] == {"value": None} and health["managerConnectivity"] == {"value": None}
    assert health["managerHealth"]["offlineReplicators"] == []
    lab["t-replicator"].install_certificate(*lab["t-replicator"].new_self_signed())
    health = _health_35(cloud)
    assert health["managerHealth"]["offlineReplicators"] == [{"id": rep["id"], "apiUrl": rep["apiUrl"]}]
    details = replicator_body(lab)["details"]
    assert cloud.call("POST", "/replicators/%s/reset-cookie" % rep["id"], {"description": "", "details": details}).status == 400
    ok(cloud.call("POST", "/replicators/%s/reset-cookie" % rep["id"], details))
    assert _health_35(cloud)["managerHealth"]["offlineReplicators"] == []
