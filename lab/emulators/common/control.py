"""Lab-only control endpoints under ``/_lab/`` (NOT part of any emulated product API).

Every call needs the header ``X-Lab-Token: <lab.token from lab.yml>``. Bodies are JSON.

    GET    /_lab/info                      name, type, url, thumbprint, …
    GET    /_lab/state                     the appliance's persisted state
    PUT    /_lab/state                     replace it (a document from GET /_lab/state)
    PATCH  /_lab/state                     [{"op": "add|replace|remove", "path": "/json/pointer", "value": …}, …]
    POST   /_lab/reset                     back to first boot (state, certificate, sessions, faults, log)
    POST   /_lab/restart                   {"seconds": 1.0}: drop sessions, answer 503 meanwhile
    POST   /_lab/sessions/expire           drop every API session
    GET    /_lab/faults | PUT | DELETE     fault injection (see faults.py)
    GET    /_lab/requests?since=N | DELETE request log
    GET    /_lab/ops                       names of the appliance's convenience operations
    POST   /_lab/ops/<name>                run one (body depends on the operation)
"""
from __future__ import annotations

import hmac
import json

from flask import Blueprint, Response, request

from .errors import ApiError, ValidationError
from .state import json_pointer_patch

LAB_PREFIX = "/_lab/"


def make_control_blueprint(appliance) -> Blueprint:
    bp = Blueprint("lab_control", __name__, url_prefix="/_lab")

    def reply(payload, status=200):
        return Response(json.dumps(payload, indent=1), status=status, content_type="application/json")

    def body(required=True):
        raw = request.get_data(cache=True)
        if not raw.strip():
            if required:
                raise ApiError(400, "BadUserInput", "A JSON body is required.")
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "BadUserInput", "The body is not valid JSON: %s" % exc) from None

    @bp.before_request
    def _check_token():
        given = request.headers.get("X-Lab-Token", "")
        if not hmac.compare_digest(given.encode(), appliance.lab.token.encode()):
            raise ApiError(401, "NotAuthenticated", "The /_lab/ endpoints need the X-Lab-Token header from lab.yml.")

    @bp.get("/info")
    def info():
        return reply(appliance.describe())

    @bp.get("/state")
    def get_state():
        return reply(appliance.store.snapshot())

    @bp.put("/state")
    def put_state():
        data = body()
        if not isinstance(data, dict):
            raise ApiError(400, "BadUserInput", "The state must be a JSON object.")
        appliance.store.replace(data)
        return reply(appliance.store.snapshot())

    @bp.patch("/state")
    def patch_state():
        ops = body()
        if isinstance(ops, dict) and "ops" in ops:
            ops = ops["ops"]
        try:
            with appliance.store.edit() as state:
                json_pointer_patch(state, ops)
        except ValueError as exc:
            raise ApiError(400, "BadUserInput", "State patch failed: %s" % exc) from None
        return reply(appliance.store.snapshot())

    @bp.post("/reset")
    def reset():
        appliance.reset()
        return reply(appliance.describe())

    @bp.post("/restart")
    def restart():
        seconds = body(required=False).get("seconds", appliance.spec.get("restart_seconds", 1.0))
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ApiError(400, "BadUserInput", "seconds must be a non-negative number.")
        appliance.simulate_restart(float(seconds))
        return reply({"unavailableSeconds": seconds})

    @bp.post("/sessions/expire")
    def expire_sessions():
        return reply({"expired": appliance.sessions.clear()})

    @bp.get("/faults")
    def get_faults():
        return reply(appliance.faults.describe())

    @bp.put("/faults")
    def put_faults():
        try:
            return reply(appliance.faults.configure(body()))
        except ValidationError as exc:
            raise ApiError(400, "BadUserInput", exc.msg, exc.error_args) from None

    @bp.delete("/faults")
    def delete_faults():
        appliance.faults.clear()
        return reply(appliance.faults.describe())

    @bp.get("/requests")
    def get_requests():
        try:
            since = int(request.args.get("since", "0"))
        except ValueError:
            raise ApiError(400, "BadUserInput", "since must be an integer.") from None
        return reply({"items": appliance.reqlog.list(since)})

    @bp.delete("/requests")
    def delete_requests():
        return reply({"cleared": appliance.reqlog.clear()})

    @bp.get("/ops")
    def list_ops():
        return reply({"ops": sorted(appliance.control_ops())})

    @bp.post("/ops/<name>")
    def run_op(name):
        ops = appliance.control_ops()
        if name not in ops:
            raise ApiError(404, "NotFound", "No lab operation %r; see GET /_lab/ops." % name, [name])
        return reply(ops[name](body(required=False)))

    appliance.control_routes(bp)
    return bp
