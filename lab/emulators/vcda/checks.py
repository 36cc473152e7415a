"""How a VCDA appliance checks the things it is pointed at.

- lookup services and peer appliances: a real TLS connection, certificate compared with the
  given thumbprint/certificate (``check_tls``), then, for peers, their VCDA API (``Peer``);
- SSO credentials: ``check_sso_credentials`` (against ``sso.users`` in lab.yml: the lab's
  lookup service cannot authenticate anyone by itself);
- Cloud Director: ``check_vcloud`` and ``vcd_login``. When a vCD emulator of the lab (lab.yml
  section ``vcd``) serves the URL, they really connect to it (certificate compared with the
  thumbprint when one is given) and log in with ``POST /api/sessions``; otherwise they check the
  ``vcda.vcloud_directors`` stand-ins of lab.yml.
"""
from __future__ import annotations

import base64
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

from ..common import certs
from ..common.errors import ApiError
from ..common.tlsclient import PinnedHttpsClient, TlsError, check_pin, fetch_certificate
from . import inferred


def tls_error(url: str, exc: TlsError, expected: Optional[str] = None) -> ApiError:
    if exc.kind == "url":
        return inferred.invalid_url(url, str(exc))
    if exc.kind == "pin":
        return inferred.thumbprint_mismatch(url, expected or "the given certificate", exc.actual)
    return inferred.unreachable(url, str(exc))


def check_tls(url: str, thumbprint: Optional[str] = None, certificate_der: Optional[bytes] = None,
              timeout: float = 3.0) -> bytes:
    """Connect to ``url``; return its DER certificate once it matches the pin (ApiError otherwise)."""
    try:
        der = fetch_certificate(url, timeout)
        check_pin(der, thumbprint, certificate_der)
        return der
    except TlsError as exc:
        raise tls_error(url, exc, thumbprint) from None


def check_lookup_service(url: str, thumbprint: str, timeout: float = 3.0) -> str:
    """The lookup service answers TLS at ``url`` with the certificate ``thumbprint`` names.
    Returns the thumbprint normalized (upper-case)."""
    pin = certs.normalize_thumbprint(thumbprint)
    check_tls(url, pin, timeout=timeout)
    return pin


def lookup_service_problem(ls: Optional[Dict[str, Any]], what: str, timeout: float = 2.0) -> Optional[Dict[str, Any]]:
    """Health: None when the configured lookup service answers with its certificate, else an error object."""
    if not ls:
        return inferred.not_configured(what)
    try:
        check_tls(ls["url"], ls["thumbprint"], timeout=timeout)
    except ApiError as exc:
        return inferred.health_error(exc.code, exc.msg, *exc.error_args)
    return None


def check_sso_credentials(lab, ls_url: str, username: str, password: str) -> bool:
    """True when ``username``/``password`` are an SSO user of the lab (``sso.users``)."""
    users = (lab.section("sso").get("users") or {})
    for name, secret in users.items():
        if name.lower() == username.lower() and str(secret) == password:
            return True
    return False


def _norm_url(url: str) -> str:
    parts = urlsplit(url.strip())
    port = parts.port or 443
    return "%s://%s:%d%s" % (parts.scheme.lower(), (parts.hostname or "").lower(), port, parts.path.rstrip("/"))


def _vcd_instance(lab, url: str) -> Optional[Dict[str, Any]]:
    for inst in lab.section("vcda").get("vcloud_directors") or []:
        if _norm_url(inst["url"]) == _norm_url(url):
            return inst
    return None


VCD_LOGIN_ACCEPT = "application/*+xml;version=33.0"


def _vcd_emulator(lab, url: str):
    """The spec of the lab's vCD emulator serving ``url`` (its ``/api`` base), or None."""
    for spec in lab.appliances:
        if spec.kind == "vcd" and _norm_url(spec.url + "/api") == _norm_url(url):
            return spec
    return None


def _real_vcd_login(url: str, username: str, password: str, thumbprint: Optional[str], timeout: float = 5.0) -> bool:
    """Log in to a real (emulated) vCD: True on 200, False on 401; ApiError when unreachable or the pin fails."""
    pin = certs.normalize_thumbprint(thumbprint) if thumbprint else None
    try:
        client = PinnedHttpsClient(url, thumbprint_pin=pin, timeout=timeout)
        auth = base64.b64encode(("%s:%s" % (username, password)).encode()).decode()
        status = client.request_raw("POST", "/sessions", None, {"Authorization": "Basic " + auth, "Accept": VCD_LOGIN_ACCEPT})[0]
    except TlsError as exc:
        raise tls_error(url, exc, thumbprint) from None
    if status in (401, 403):
        return False
    if status != 200:
        raise inferred.server_failure("%s answered HTTP %d to the login" % (url, status), url)
    return True


def check_vcloud(lab, url: str, username: str, password: str, thumbprint: Optional[str]) -> None:
    """POST /config/vcloud and check-vcloud: URL reachable, certificate trusted, system admin credentials."""
    if _vcd_emulator(lab, url) is not None:
        if not _real_vcd_login(url, username, password, thumbprint):
            raise inferred.remote_authentication_failure(url)
        if not username.lower().endswith("@system"):
            raise inferred.bad_input("The Cloud Director user must be a system administrator (user@System).", username)
        return
    inst = _vcd_instance(lab, url)
    if inst is None:
        raise inferred.unreachable(url, "no Cloud Director answers at this URL")
    expected = inst.get("thumbprint")
    if expected:
        expected = certs.normalize_thumbprint(expected)
        if thumbprint is None:
            raise inferred.certificate_not_trusted(url, expected)
        if certs.normalize_thumbprint(thumbprint) != expected:
            raise inferred.thumbprint_mismatch(url, thumbprint, expected)
    users = inst.get("users") or {}
    if str(users.get(username, object())) != password:
        raise inferred.remote_authentication_failure(url)
    if not username.lower().endswith("@system"):
        raise inferred.bad_input("The Cloud Director user must be a system administrator (user@System).", username)


def vcd_login(lab, vcloud: Optional[Dict[str, Any]], user: str, password: str) -> Optional[Tuple[str, str]]:
    """``vcdCredentials`` login on a cloud appliance: ``(user, org)`` when the Cloud Director it
    is configured with accepts the credentials, else None."""
    if not vcloud or "@" not in user:
        return None
    if _vcd_emulator(lab, vcloud["vcdUrl"]) is not None:
        # [I] a Cloud Director that cannot be reached or answers an error (a 503 while it restarts) fails the login
        # with the site's server failure (500), which a client may retry; only a refusal (401/403) is "invalid
        # credentials".
        found = _real_vcd_login(vcloud["vcdUrl"], user, password, vcloud.get("vcdThumbprint"))
        return (user, user.rsplit("@", 1)[1]) if found else None
    inst = _vcd_instance(lab, vcloud["vcdUrl"])
    if inst is None or str((inst.get("users") or {}).get(user, object())) != password:
        return None
    return user, user.rsplit("@", 1)[1]


class Peer:
    """Another VCDA appliance, reached the way a real one reaches it: HTTPS to ``url`` with
    the certificate pinned, logged in as root."""

    def __init__(self, url: str, thumbprint: Optional[str] = None, certificate_der: Optional[bytes] = None,
                 timeout: float = 5.0):
        self.url = url
        self.expected = thumbprint
        try:
            self.client = PinnedHttpsClient(url, thumbprint_pin=certs.normalize_thumbprint(thumbprint) if thumbprint else None,
                                            certificate_pin=certificate_der, timeout=timeout,
                                            default_headers={"Accept": "application/json"})
        except TlsError as exc:
            raise tls_error(url, exc) from None
        self.token = None

    def call(self, method: str, path: str, body: Any = None, headers: Optional[Dict[str, str]] = None):
        all_headers = dict(headers or {})
        if self.token:
            all_headers["X-VCAV-Auth"] = self.token
        try:
            return self.client.request(method, path, body, all_headers)
        except TlsError as exc:
            raise tls_error(self.url, exc, self.expected) from None

    def expect(self, status: int, reply) -> Any:
        """Return the body of a reply with ``status``; otherwise raise the matching ApiError."""
        code, body = reply[0], reply[2]
        if code == status:
            return body
        raise self.error(code, body)

    def error(self, code: int, body: Any) -> ApiError:
        body = body if isinstance(body, dict) else {}
        if code == 401:
            return inferred.remote_authentication_failure(self.url)
        if code == 403 and "rootPasswordExpired" in (body.get("args") or []):
            return inferred.remote_password_expired(self.url)
        if 400 <= code < 500:
            return ApiError(code, body.get("code") or "BadUserInput",
                            "%s answered: %s" % (self.url, body.get("msg") or "HTTP %d" % code), body.get("args") or [])
        return inferred.server_failure("%s answered HTTP %d: %s" % (self.url, code, body.get("msg") or ""), self.url)

    def login(self, password: str) -> "Peer":
        code, headers, body = self.call("POST", "/sessions", {"type": "localUser", "localUser": "root", "localPassword": password})
        if code != 200:
            raise self.error(code, body)
        self.token = headers.get("x-vcav-auth")
        return self

    def password_expired(self) -> bool:
        for path in ("/config/root-password-expired", "/appliance/root-password-expired"):
            code, _headers, body = self.call("GET", path)
            if code == 404:
                continue
            if code != 200:
                raise self.error(code, body)
            return bool(body.get("rootPasswordExpired"))
        raise inferred.server_failure("%s has no root-password-expired endpoint" % self.url)

    def about(self) -> Dict[str, Any]:
        return self.expect(200, self.call("GET", "/diagnostics/about"))

    def config(self) -> Dict[str, Any]:
        return self.expect(200, self.call("GET", "/config"))

    def require_service(self, service_type: str) -> Dict[str, Any]:
        about = self.about()
        if str(about.get("serviceType") or "").lower() != service_type.lower():  # casing differs by version [I]
            raise inferred.wrong_service(self.url, service_type, about.get("serviceType"))
        return about

    def require_lookup_service(self, what: str) -> Dict[str, Any]:
        config = self.config()
        if not config.get("lsUrl"):
            raise inferred.prerequisite_missing(what, "configure the lookup service of %s" % self.url)
        return config


def vcd_orgs(lab, vcloud: Optional[Dict[str, Any]]):
    """The organization names of the Cloud Director a cloud site is configured with (``vcloud`` =
    its ``/config/vcloud``), System excluded. The one place that knows where org lists come from:
    the vCD emulator's appliance in lab.yml (section ``vcd``, its ``orgs``) when one serves that
    URL, else the org suffixes of the users of the ``vcda.vcloud_directors`` stand-in."""
    if not vcloud or not vcloud.get("vcdUrl"):
        return []
    wanted = _norm_url(vcloud["vcdUrl"])
    for spec in lab.appliances:
        if spec.kind == "vcd" and _norm_url(spec.url + "/api") == wanted:
            return sorted(str(o["name"]) for o in spec.get("orgs") or [])
    inst = _vcd_instance(lab, vcloud["vcdUrl"]) or {}
    orgs = {user.rsplit("@", 1)[1] for user in (inst.get("users") or {}) if "@" in user}
    return sorted(o for o in orgs if o.lower() != "system")


def vcd_token_login(lab, vcloud: Optional[Dict[str, Any]], token: str, context: Optional[str]) -> Optional[Tuple[str, str]]:
    """``vcdAccessToken`` login on a cloud appliance: ``(user@org, org)`` when the site's Cloud Director vouches for
    ``token`` and ``context`` (when given) names that token's org, else None.

    When a vCD emulator of the lab serves the site's vCD URL, the token is a real access token (the JWT a vCD login
    hands out in ``X-VMWARE-VCLOUD-ACCESS-TOKEN``) and is checked there: ``inferred.VCD_TOKEN_SESSION_PATH`` with
    ``Authorization: Bearer`` [I]. Otherwise the stand-in's ``api_tokens`` of lab.yml (``{token: user@org}``)."""
    if not vcloud or not token:
        return None
    found = None
    if _vcd_emulator(lab, vcloud["vcdUrl"]) is not None:
        found = _real_vcd_token(vcloud["vcdUrl"], token, vcloud.get("vcdThumbprint"))
    if found is None:
        inst = _vcd_instance(lab, vcloud["vcdUrl"]) or {}
        user = (inst.get("api_tokens") or {}).get(token)
        if user and "@" in user:
            found = (user, user.rsplit("@", 1)[1])
    if found is None:
        return None
    if context and context.lower() != found[1].lower():
        return None
    return found


def _real_vcd_token(url: str, token: str, thumbprint: Optional[str], timeout: float = 5.0) -> Optional[Tuple[str, str]]:
    """The ``(user@org, org)`` a lab vCD's current session names for a bearer ``token``; None when it refuses it."""
    pin = certs.normalize_thumbprint(thumbprint) if thumbprint else None
    parts = urlsplit(url)
    base = "%s://%s" % (parts.scheme, parts.netloc)
    try:
        client = PinnedHttpsClient(base, thumbprint_pin=pin, timeout=timeout)
        status, _headers, body = client.request("GET", inferred.VCD_TOKEN_SESSION_PATH, None, {
            "Authorization": "Bearer " + token, "Accept": inferred.VCD_TOKEN_ACCEPT})
    except TlsError as exc:
        raise tls_error(url, exc, thumbprint) from None
    if status in (401, 403):
        return None
    if status != 200 or not isinstance(body, dict):  # [I] as for a password login: the site's server failure
        raise inferred.server_failure("%s answered HTTP %d to the token check" % (url, status), url)
    user = (body.get("user") or {}).get("name")
    org = (body.get("org") or {}).get("name")
    if not user or not org:
        return None
    return "%s@%s" % (user, org), org
