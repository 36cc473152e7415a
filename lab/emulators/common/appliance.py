"""The base class of every emulated appliance.

An appliance owns its spec (from lab.yml), persisted state, certificate, sessions, tasks,
request log and fault injector, and declares its API as a list of :class:`Endpoint`. The app
factory (``app.create_app``) turns that into a Flask app; ``server`` serves it over TLS.

Subclasses implement the API-specific hooks: ``initial_state``, ``endpoints``,
``authenticate``, ``authorize``, ``error_body``, ``bad_input``, ``media`` and optionally
``control_ops`` (extra ``POST /_lab/ops/<name>`` operations) and ``describe``.
"""
from __future__ import annotations

import ipaddress
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from . import certs
from .config import ApplianceSpec, LabConfig
from .errors import ApiError, ValidationError
from .faults import FaultInjector
from .media import VendorMediaPolicy
from .reqlog import RequestLog
from .sessions import SessionStore
from .state import JsonStateStore
from .tasks import TaskEngine, now_ms


@dataclass
class Endpoint:
    """One API operation.

    ``body``: ``none`` (no body expected; one sent is ignored), ``json`` (required JSON body,
    validated with ``schema``), ``xml`` (required XML body parsed with lxml, validated with
    ``schema``, an ``xmlbody.XmlSchema``; ``content_types`` lists the media types allowed),
    ``binary`` (raw bytes, ``content_types`` lists what is allowed).
    ``media``: a media policy for this endpoint instead of the appliance's (APIs that mix XML
    and JSON families, e.g. vCD ``/api`` and ``/cloudapi``).
    ``flags`` carries appliance-specific markers read by ``authorize`` (e.g. which calls stay
    allowed while the root password is expired).
    """
    method: str
    rule: str
    handler: Callable[..., Any]
    auth: bool = True
    body: str = "none"
    schema: Any = None
    content_types: tuple = ()
    flags: Dict[str, Any] = field(default_factory=dict)
    media: Any = None


@dataclass
class Call:
    """Everything a handler needs about the current request."""
    appliance: "BaseAppliance"
    request: Any
    endpoint: Endpoint
    principal: Optional[Dict[str, Any]] = None
    token: Optional[str] = None
    body: Any = None
    raw: bytes = b""
    media: str = "application/json"

    def header(self, name: str) -> Optional[str]:
        return self.request.headers.get(name)


class BaseAppliance:
    kind = "base"

    def __init__(self, spec: ApplianceSpec, lab: LabConfig, cert_dir: Optional[str] = None):
        self.spec = spec
        self.lab = lab
        self.name = spec.name
        self.cert_dir = cert_dir or os.path.join(lab.state_dir, "certs")
        self.store = JsonStateStore(os.path.join(lab.state_dir, "%s.json" % spec.name), self.initial_state)
        self.sessions = SessionStore(float(spec.get("session_idle_timeout", 1800)))
        self.reqlog = RequestLog()
        self.faults = FaultInjector()
        self.tasks = TaskEngine(self.store, self.error_body, float(spec.get("task_queued_seconds", 0.1)),
                                float(spec.get("task_run_seconds", 0.9)))
        self.tasks.recover()
        self.unavailable_until = 0.0
        self.started_ms = now_ms()
        self.runtime_id = str(uuid.uuid4())
        self.ssl_context = None
        self._cert_lock = threading.Lock()
        self.certificate_pem, self.key_pem = self._load_certificate()

    # ----- hooks for subclasses -------------------------------------------------------------
    def initial_state(self) -> Dict[str, Any]:
        return {}

    def endpoints(self) -> List[Endpoint]:
        return []

    @property
    def media(self) -> VendorMediaPolicy:
        raise NotImplementedError

    def authenticate(self, request, endpoint: Endpoint):
        """Return ``(principal, token)`` or raise ApiError(401)."""
        raise NotImplementedError

    def authorize(self, call: Call) -> None:
        """Raise ApiError(403 …) when the caller may not run this endpoint now."""

    def error_body(self, err: ApiError) -> Dict[str, Any]:
        return {"code": err.code, "msg": err.msg, "args": err.error_args}

    def bad_input(self, err: ValidationError) -> ApiError:
        return ApiError(400, "BadRequest", err.msg, err.error_args)

    def not_found(self, method: str, path: str) -> ApiError:
        return ApiError(404, "NotFound", "No such resource: %s %s" % (method, path), [path])

    def method_not_allowed(self, method: str, path: str) -> ApiError:
        return ApiError(405, "MethodNotAllowed", "%s is not supported on %s" % (method, path), [method, path])

    def control_ops(self) -> Dict[str, Callable[[Any], Any]]:
        return {}

    def control_routes(self, blueprint) -> None:
        """Register extra lab-only routes on the ``/_lab`` blueprint (token-checked like the rest)."""

    def error_response(self, err: ApiError, request) -> Optional[Any]:
        """A complete error Response for APIs whose errors are not JSON (None: the JSON ``error_body``)."""
        return None

    def describe(self) -> Dict[str, Any]:
        """What ``emulators.json`` and ``GET /_lab/info`` say about the appliance."""
        return {"name": self.name, "kind": self.kind, "type": self.spec.type, "url": self.spec.url,
                "address": self.spec.address, "port": self.spec.port, "thumbprint": self.thumbprint}

    # ----- certificate ---------------------------------------------------------------------
    @property
    def factory_cert_paths(self):
        return (os.path.join(self.cert_dir, "%s.crt" % self.name), os.path.join(self.cert_dir, "%s.key" % self.name))

    @property
    def installed_cert_paths(self):
        base = os.path.join(self.lab.state_dir, "%s.installed" % self.name)
        return base + ".crt", base + ".key"

    def _load_certificate(self):
        cert_path, key_path = self.installed_cert_paths
        if os.path.exists(cert_path) and os.path.exists(key_path):
            with open(cert_path, "rb") as fc, open(key_path, "rb") as fk:
                return fc.read(), fk.read()
        return certs.load_or_create(*self.factory_cert_paths, **self._subject())

    def _subject(self):
        """Certificate subject: CN = hostname (or address); SAN = the address and the hostname."""
        dns = [self.spec.get("hostname")] if self.spec.get("hostname") else []
        ips = [self.spec.address] if _is_ip(self.spec.address) else []
        if not ips:
            dns.append(self.spec.address)
        return {"common_name": self.spec.get("hostname") or self.spec.address, "ips": ips, "dns_names": dns}

    def new_self_signed(self):
        """A fresh self-signed ``(cert_pem, key_pem)`` for this appliance (e.g. to simulate a certificate change)."""
        return certs.generate_self_signed(**self._subject())

    def current_cert_paths(self):
        installed = self.installed_cert_paths
        return installed if os.path.exists(installed[0]) else self.factory_cert_paths

    def install_certificate(self, cert_pem: Optional[bytes], key_pem: Optional[bytes]) -> None:
        """Serve a new certificate from the next TLS handshake on (None, None: back to the factory one)."""
        with self._cert_lock:
            cert_path, key_path = self.installed_cert_paths
            if cert_pem is None:
                for path in (cert_path, key_path):
                    if os.path.exists(path):
                        os.unlink(path)
                self.certificate_pem, self.key_pem = self._load_certificate()
            else:
                certs.write_pair(cert_path, key_path, cert_pem, key_pem)
                self.certificate_pem, self.key_pem = cert_pem, key_pem
            if self.ssl_context is not None:
                self.ssl_context.load_cert_chain(*self.current_cert_paths())

    @property
    def certificate_der(self) -> bytes:
        return certs.pem_to_der(self.certificate_pem)

    @property
    def thumbprint(self) -> str:
        return certs.thumbprint(self.certificate_der)

    # ----- lifecycle helpers ---------------------------------------------------------------
    def simulate_restart(self, seconds: float) -> None:
        """Drop sessions and answer 503 for ``seconds``, as while services restart."""
        self.sessions.clear()
        self.unavailable_until = time.monotonic() + max(0.0, seconds)
        self.started_ms = now_ms() + int(seconds * 1000)
        self.runtime_id = str(uuid.uuid4())

    def reset(self) -> None:
        """Back to first boot: factory state, factory certificate, no sessions."""
        self.install_certificate(None, None)
        self.store.reset()
        self.sessions.clear()
        self.faults.clear()
        self.reqlog.clear()
        self.unavailable_until = 0.0


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False
