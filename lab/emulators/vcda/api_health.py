"""Health (docs/api/vcda.md#health), tasks (docs/api/vcda.md#conventions) and the service restart
(docs/api/open-questions.md#restarting-services).

Health errors come from the real state: a lookup service, Cloud Director, tunnel, replicator
or manager that is not configured, unreachable, or presents another certificate shows up in
``lsError``/``vcdError``/``tunnelError``/``managerHealth``/``managerError``. ``healthOverrides``
in the state (set with ``PATCH /_lab/state``) forces any key, e.g. ``dbError``.
"""
from __future__ import annotations

from ..common import certs
from ..common.appliance import Endpoint
from ..common.errors import ApiError
from ..common.tasks import now_ms
from . import checks, inferred

RESULT_TYPES = {"cloud": "CloudHealthInfo", "manager": "ManagerHealthInfo", "replicator": "ReplicatorHealthInfo",
                "tunnel": "TunnelHealthInfo", "onprem": "ManagerHealthInfo"}  # [I] names
# 3.5 / 4.0 CloudHealthInfo [S: docs/api/vcda.md#corrections point 6]: these checks are "<name>Connectivity": {"value": error|null}.
CONNECTIVITY_KEYS = {"dbError": "dbConnectivity", "lsError": "lsConnectivity", "managerError": "managerConnectivity"}


def _problem(fn):
    try:
        fn()
    except ApiError as exc:
        return inferred.health_error(exc.code, exc.msg, *exc.error_args)
    return None


def build_health(appliance):
    state = appliance.state
    about = appliance.about()
    timeout = min(2.0, appliance.peer_timeout)
    health = {
        "productName": about["productName"], "buildVersion": about["buildVersion"], "buildDate": about["buildDate"],
        "instanceId": state["instanceId"], "runtimeId": appliance.runtime_id, "currentTime": now_ms(),
        "address": appliance.spec.get("hostname") or appliance.spec.address,
        "serviceBootTimestamp": appliance.started_ms, "applianceBootTimestamp": state["bootTimestamp"],
        "diskUsage": {"totalSpace": 107374182400, "usableSpace": 96636764160},  # [I] keys
        "lsError": checks.lookup_service_problem(state["lookupService"], "The lookup service", timeout),
        "dbError": None, "ntpError": None,
    }
    kind = appliance.spec.type
    if kind == "cloud":
        health.update(_cloud_health(appliance, state, timeout))
    elif kind == "manager":
        manager = _manager_health(appliance, state, timeout)
        health.update(managerHealth=manager, managerError=manager["ssoAdminError"])
    elif kind == "replicator":
        health.update(_replicator_health(state, timeout))
    if appliance.features.connectivity_health and kind == "cloud":
        _as_connectivity(health)
    health.update(state.get("healthOverrides") or {})
    return health


def _as_connectivity(health):
    """3.5 / 4.0: ``xError`` -> ``xConnectivity: {"value": …}`` and the offline replicators as a list."""
    for old, new in CONNECTIVITY_KEYS.items():
        health[new] = {"value": health.pop(old, None)}  # [I] {"value": null} when the check is green
    manager = health.get("managerHealth") or {}
    if "localReplicatorsHealth" in manager:
        manager["offlineReplicators"] = [{"id": r["id"], "apiUrl": r["apiUrl"]}  # [I] item keys
                                         for r in manager["localReplicatorsHealth"] if not r["isOnline"]]


def _manager_health(appliance, state, timeout):
    """The replicators of a manager (the Manager Service on 4.x, the 3.x cloud) and its lookup service."""
    local = []
    for rep in state["replicators"]:
        error = _problem(lambda r=rep: checks.check_tls(r["apiUrl"], r["certThumbprint"], timeout=timeout))
        local.append({"id": rep["id"], "apiUrl": rep["apiUrl"], "isOnline": error is None, "error": error})  # [I] item keys
    online = sum(1 for r in local if r["isOnline"])
    ls = state["lookupService"] if appliance.spec.type == "manager" else state.get("managerLookupService")
    manager_ls = checks.lookup_service_problem(ls, "The Replication Manager lookup service", timeout)
    return {"instanceId": state["instanceId"], "onlineReplicators": online, "offlineReplicators": len(local) - online,
            "localReplicatorsHealth": local, "ssoAdminError": manager_ls}


def _cloud_health(appliance, state, timeout):
    vcloud = state["vcloud"]
    if vcloud:
        vcd_error = _problem(lambda: checks.check_vcloud(appliance.lab, vcloud["vcdUrl"], vcloud["vcdUsername"],
                                                         vcloud["vcdPassword"], vcloud["vcdThumbprint"]))
    else:
        vcd_error = inferred.not_configured("Cloud Director")
    tunnel_error = None
    if not state["tunnels"]:
        tunnel_error = inferred.not_configured("The tunnel")
    elif state["pendingRestart"]:
        tunnel_error = inferred.health_error("RestartRequired", "Restart the services (POST /os/reboot-services) to use the tunnel.")
    else:
        for tunnel in state["tunnels"]:
            der = certs.der_from_b64(tunnel["certificate"])
            tunnel_error = tunnel_error or _problem(lambda t=tunnel, d=der: checks.check_tls(t["url"], certificate_der=d, timeout=timeout))
    if appliance.features.separate_manager:
        # 4.x: the Manager Service of this appliance reports its replicators and lookup service.
        manager_service = appliance.manager_service
        if manager_service is None:
            manager = {"instanceId": None, "onlineReplicators": 0, "offlineReplicators": 0, "localReplicatorsHealth": [],
                       "ssoAdminError": inferred.not_configured("The Manager Service")}
        else:
            manager = _manager_health(manager_service, manager_service.state, timeout)
    else:
        manager = _manager_health(appliance, state, timeout)
    return {
        "vcdError": vcd_error,
        "managerError": manager["ssoAdminError"],
        "tunnelError": tunnel_error,
        "tunnelConnectivity": [{"tunnelService": {"id": t["id"], "url": t["url"], "certificate": t["certificate"]}}
                               for t in state["tunnels"]],
        "managerHealth": manager,
    }


def _replicator_health(state, timeout):
    manager = state["manager"]
    if manager:
        manager_error = _problem(lambda: checks.check_tls(manager["url"], manager["thumbprint"], timeout=timeout))
    else:
        manager_error = inferred.not_configured("The Replication Manager")
    online = 1 if manager and manager_error is None else 0
    return {"hbrError": None, "lwdError": None, "h4dmError": None, "managerError": manager_error,
            "onlineManagers": online, "offlineManagers": (1 if manager else 0) - online}


def _health_task(call):
    appliance = call.appliance
    task = appliance.tasks.submit(lambda: build_health(appliance), user=call.principal["user"], site=appliance.local_site(),
                                  workflow_type="healthCheck", result_type=RESULT_TYPES[appliance.spec.type])
    return 202, task


def health_data(call):
    return build_health(call.appliance)


def get_task(call, task_id):
    task = call.appliance.tasks.get(task_id)
    if task is None:
        raise inferred.entity_not_found("Task", task_id)
    return task


def list_tasks(call):
    args = call.request.args
    try:
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 100))
    except ValueError:
        raise inferred.bad_input("offset and limit must be integers.") from None
    wanted_state, wanted_user = args.get("state"), args.get("user")
    items = call.appliance.tasks.list(lambda t: (not wanted_state or t["state"] == wanted_state)
                                      and (not wanted_user or t["user"] == wanted_user))
    return {"items": items[offset:offset + limit], "total": len(items)}


def reboot_services(call):
    appliance = call.appliance
    with appliance.store.edit() as state:
        state["pendingRestart"] = False
    appliance.simulate_restart(float(appliance.spec.get("restart_seconds", 1.0)))
    return 204, None  # [I] status


def endpoints(appliance):
    mode = appliance.features.health
    if mode == "post-task":
        health = Endpoint("POST", "/diagnostics/health", _health_task)
    elif mode == "get-task":
        health = Endpoint("GET", "/diagnostics/health", _health_task)
    else:
        health = Endpoint("GET", "/diagnostics/health", health_data)
    eps = [health, Endpoint("GET", "/tasks", list_tasks, flags={"admin": False}),
           Endpoint("GET", "/tasks/<task_id>", get_task, flags={"admin": False})]
    reboot = "accept" if appliance.features.is_3x else str(appliance.spec.get("reboot_services",
                                                                              inferred.REBOOT_SERVICES_4X_DEFAULT))
    if reboot == "accept":
        eps.append(Endpoint("POST", "/os/reboot-services", reboot_services))
    elif reboot != "absent":
        raise ValueError("%s: reboot_services must be 'accept' or 'absent', not %r" % (appliance.name, reboot))
    return eps
