"""The app factory: one Flask app per appliance, built from its endpoint list.

Per request, in this order: fault injection and the "restarting" window (``/_lab/`` paths
are exempt); routing (unknown path → 404, wrong method → 405); authentication (401);
Accept negotiation (406); ``authorize`` (403, e.g. expired password); Content-Type (415);
JSON parsing and schema validation (400); the handler. Every error leaves as the
appliance's error shape. Every non-``/_lab/`` request lands in the request log.
"""
from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from .appliance import BaseAppliance, Call, Endpoint
from . import xmlbody
from .control import LAB_PREFIX, make_control_blueprint
from .errors import ApiError, ValidationError
from .media import JSON, parse_media_type

_SECRET_QUERY_WORDS = ("password", "secret", "token")


def create_app(appliance: BaseAppliance) -> Flask:
    app = Flask("emulator-%s" % appliance.name)
    app.url_map.strict_slashes = False
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    app.lab_appliance = appliance  # the TLS request handler reads it for connection resets

    for endpoint in appliance.endpoints():
        app.add_url_rule(endpoint.rule, endpoint="%s %s" % (endpoint.method, endpoint.rule),
                         view_func=_view(appliance, endpoint), methods=[endpoint.method])
    app.register_blueprint(make_control_blueprint(appliance))

    @app.before_request
    def _before():
        g.started = time.time()
        if request.path.startswith(LAB_PREFIX):
            return None
        fault = request.environ.get("lab.fault")
        if fault is not None and fault.latency:
            time.sleep(fault.latency)
        if fault is not None and fault.kind in ("lostReply", "sessionExpiry", "restart"):
            g.fault = fault.kind
        if fault is not None and fault.kind == "503":
            g.fault = "503"
            raise ApiError(503, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).",
                           headers={"Retry-After": str(fault.retry_after)})
        remaining = appliance.unavailable_until - time.monotonic()
        if remaining > 0:
            g.fault = "restarting"
            raise ApiError(503, "ServiceUnavailable", "The appliance services are restarting.",
                           headers={"Retry-After": str(max(1, int(remaining + 0.999)))})
        return None

    @app.after_request
    def _after(response):
        if not request.path.startswith(LAB_PREFIX):
            raw = request.get_data(cache=True)
            body, names = None, None
            if raw and (request.mimetype or "").endswith("json"):
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
            elif raw and (request.mimetype or "").endswith("xml"):
                try:
                    root = xmlbody.parse(raw)
                    names = [xmlbody.local(root.tag)] + ["%s.%s" % (xmlbody.local(root.tag), n) for n in xmlbody.element_names(root)]
                except ValidationError:
                    names = None
            query = {k: ["***" if any(w in k.lower() for w in _SECRET_QUERY_WORDS) else v for v in request.args.getlist(k)]
                     for k in request.args}
            appliance.reqlog.add(request.method, request.path, query, request.headers, body, response.status_code,
                                 g.get("started", time.time()), fault=g.get("fault"), body_bytes=len(raw), names=names)
        return response

    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        return render_error(appliance, err)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if isinstance(exc, NotFound):
            err = appliance.not_found(request.method, request.path)
        elif isinstance(exc, MethodNotAllowed):
            err = appliance.method_not_allowed(request.method, request.path)
            err.headers.setdefault("Allow", ", ".join(exc.valid_methods or []))
        elif exc.code == 413:
            err = ApiError(413, "PayloadTooLarge", "The request body is too large.")
        else:
            err = ApiError(exc.code or 500, exc.name.replace(" ", ""), exc.description or exc.name)
        return render_error(appliance, err)

    @app.errorhandler(Exception)
    def _crash(exc: Exception):  # a bug in the emulator: answer like a server failure, keep serving
        traceback.print_exc(file=sys.stderr)
        return render_error(appliance, ApiError(500, "GeneralServerFailure", "Internal error: %s" % exc))

    return app


def render_error(appliance: BaseAppliance, err: ApiError) -> Response:
    custom = appliance.error_response(err, request)
    if custom is not None:
        return custom
    try:
        mimetype = appliance.media.response_type(request.headers.get("Accept"))
    except ApiError:
        mimetype = JSON + ";charset=UTF-8"
    return json_response(err.status, appliance.error_body(err), mimetype, err.headers)


def json_response(status: int, payload: Any, content_type: str, headers=None) -> Response:
    if status == 204:
        resp = Response(status=status)
    else:
        resp = Response(json.dumps(payload), status=status, content_type=content_type)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _view(appliance: BaseAppliance, endpoint: Endpoint):
    def view(**params):
        call = Call(appliance=appliance, request=request, endpoint=endpoint)
        if endpoint.auth:
            call.principal, call.token = appliance.authenticate(request, endpoint)
        call.media = (endpoint.media or appliance.media).response_type(request.headers.get("Accept"))
        appliance.authorize(call)
        if endpoint.body == "json":
            call.body = _json_body(appliance, endpoint)
        elif endpoint.body == "xml":
            call.body = _xml_body(appliance, endpoint)
        elif endpoint.body == "binary":
            if endpoint.content_types and request.mimetype not in endpoint.content_types:
                raise ApiError(415, "UnsupportedMediaType", "Content type '%s' is not supported; send %s." % (
                    request.content_type or "", " or ".join(endpoint.content_types)), [request.content_type or ""])
            call.raw = request.get_data(cache=True)
        result = endpoint.handler(call, **params)
        if isinstance(result, Response):
            return result
        status, payload, headers = (tuple(result) + (None,))[:3] if isinstance(result, tuple) else (200, result, None)
        return json_response(status, payload, call.media, headers)

    view.__name__ = "%s_%s" % (endpoint.method.lower(), endpoint.rule.replace("/", "_").replace("<", "").replace(">", ""))
    return view


def _xml_body(appliance: BaseAppliance, endpoint: Endpoint):
    raw = request.get_data(cache=True)
    mtype = parse_media_type(request.headers.get("Content-Type") or "")[0]
    if endpoint.content_types and mtype not in [c.lower() for c in endpoint.content_types]:
        raise ApiError(415, "UnsupportedMediaType", "Content type '%s' is not supported; send %s." % (
            request.content_type or "", " or ".join(endpoint.content_types)), [request.content_type or ""])
    if not raw.strip():
        raise appliance.bad_input(ValidationError("A request body is required."))
    try:
        root = xmlbody.parse(raw)
        return endpoint.schema.validate(root) if endpoint.schema is not None else root
    except ValidationError as exc:
        raise appliance.bad_input(exc) from None


def _json_body(appliance: BaseAppliance, endpoint: Endpoint):
    raw = request.get_data(cache=True)
    (endpoint.media or appliance.media).check_request_type(request.headers.get("Content-Type"))
    if not raw.strip():
        raise appliance.bad_input(ValidationError("A request body is required."))
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise appliance.bad_input(ValidationError("The request body is not valid JSON: %s" % exc)) from None
    if endpoint.schema is None:
        return data
    try:
        return endpoint.schema.validate(data)
    except ValidationError as exc:
        raise appliance.bad_input(exc) from None
