# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the Cloud Director Availability (VCDA) REST API (contract: docs/api/vcda.md).

Knows nothing of Ansible. On top of ``_http.HttpClient`` (TLS pinning, retries, typed errors):
sessions (``X-VCAV-Auth``), the vendor media type with the API version detected from
``GET /diagnostics/about``, ``Config-Secret``, the one task waiter, and the version table of the
paths that differ between API generations. Inferred items come from ``_vcda_inferred``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re
import socket
import ssl
import threading
import time

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ApiError,
    CloudmoveError,
    ConnectionFailure,
    InputError,
    TaskFailed,
    TimeoutExpired,
    TlsError,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.http import HttpClient
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import (
    fetch_certificate,
    normalize_thumbprint,
    thumbprint_of_der,
)

JSON_TYPE = "application/json"
VENDOR_TYPE = "application/vnd.vmware.h4-v%s+json;charset=UTF-8"
AUTH_HEADER = "X-VCAV-Auth"
AUTH_TYPES = ("local", "sso", "vcd", "vcd_token")
TASK_DONE = ("SUCCEEDED", "FAILED", inferred.TASK_CANCELED)

# The one table of what differs between API versions: key -> [(minimum version, value), ...],
# newest first; the first row whose minimum is <= the appliance's version applies.
VERSION_TABLE = {
    # [C: TF 47141f8 "Bump API version to VCDA 4.7", AVS Get-VCDAPassExp] 4.7+ /config/..., <=4.6 /appliance/...
    "root_password_expired": [((4, 7), "/config/root-password-expired"), ((0,), "/appliance/root-password-expired")],
    # [C: TF 765692e] 4.6+ POST/GET /config/tunnels (a collection: PUT /config/tunnels/{id} updates one, AVS
    # Update-Tunnel); <=4.5 POST /config/tunnel-service (read back from GET /config)
    "tunnel_add": [((4, 6), "/config/tunnels"), ((0,), "/config/tunnel-service")],
    "tunnel_update": [((4, 6), "/config/tunnels/%s"), ((0,), None)],
    "tunnel_list": [((4, 6), "/config/tunnels"), ((0,), None)],
    # [S: DOC47] POST -> task; [S: DOC42/45] GET -> task ([I] 4.6); [C: PVC] 3.x GET -> data ([I] 4.0/4.1)
    "health": [((4, 7), ("POST", "task")), (inferred.HEALTH_GET_TASK_FROM, ("GET", "task")), ((0,), ("GET", "data"))],
    # [C] 3.x endpoints carry the tunnel address/port fields too
    "endpoint_keys": [((4,), ("apiAddress", "apiPort", "apiPublicAddress", "apiPublicPort",
                              "mgmtAddress", "mgmtPort", "mgmtPublicAddress", "mgmtPublicPort")),
                      ((0,), ("apiAddress", "apiPort", "apiPublicAddress", "apiPublicPort",
                              "mgmtAddress", "mgmtPort", "mgmtPublicAddress", "mgmtPublicPort",
                              "tunnelAddress", "tunnelPort", "tunnelPublicAddress", "tunnelPublicPort"))],
    # [I] docs/api/open-questions.md#restarting-services: the 3.x call, tried on 4.x too
    "reboot_services": [((0,), inferred.REBOOT_SERVICES_PATH)],
    # [C: AVS Repair-VCDAReplicator] 4.x reset-cookie takes {"description","details"}; [C: PSC] 3.x the flat details
    "reset_cookie_nested": [((4,), True), ((0,), False)],
    # [C: TF resource_vcda_replicator.go, AVS Register-VCDAReplicator] 4.x: replicators are registered at the
    # Manager Service (https://<cloud>:8441); 3.x: at the cloud appliance (the 3.x manager, PSC)
    "replicator_owner": [((4,), ("manager",)), ((0,), ("manager", "cloud"))],
}


def media_version(version):
    """The version in the vendor media type: ``h4-v4.7``; an x.0 release is ``h4-v4`` / ``h4-v3`` (docs/api/vcda.md#corrections point 7)."""
    major, minor = version
    return "%d" % major if minor == 0 else "%d.%d" % (major, minor)


def service_kind(service_type):
    """``serviceType`` of ``GET /diagnostics/about`` -> cloud|manager|replicator|tunnel|onprem|unknown, any casing
    (AVS compares with "MANAGER" / "CLOUD"; PSC's ValidateSet spells "Manager" / "Cloud")."""
    return inferred.SERVICE_TYPES.get(str(service_type or "").strip().lower(), "unknown")


def parse_version(value):
    """``"4.7"`` or a build version ``"4.7.0.23456789"`` -> ``(4, 7)``."""
    match = re.match(r"^\s*(\d+)\.(\d+)", str(value or ""))
    if not match:
        raise InputError("api_version: '%s' is not a VCDA API version such as 4.7" % (value,), option="api_version")
    return int(match.group(1)), int(match.group(2))


def versioned(key, version):
    """The value of ``key`` in ``VERSION_TABLE`` for ``version`` (a tuple or a string)."""
    if not isinstance(version, tuple):
        version = parse_version(version)
    for minimum, value in VERSION_TABLE[key]:
        if version >= minimum:
            return value
    raise KeyError(key)  # pragma: no cover - every row list ends with (0,)


def login_body(auth_type, username, password, access_token=None, token_org=None):
    """The ``POST /sessions`` body (docs/api/vcda.md#sessions): ``localUser`` [C: TF, AVS, PSC], ``ssoCredentials`` [C: AVS, PSC],
    ``vcdCredentials`` with vcdUser/vcdPassword [C: AVS Connect-VCDA, PSC Connect-vCAVService]; ``vcdAccessToken``
    (a Cloud Director API access token, 4.2+ docs only) is [I]: ``inferred.access_token_login``."""
    if auth_type == "vcd_token":
        return inferred.access_token_login(access_token, token_org)
    if auth_type == "local":
        return {"type": "localUser", "localUser": username or "root", "localPassword": password}
    if auth_type == "sso":
        return {"type": "ssoCredentials", "username": username, "password": password}
    if auth_type == "vcd":
        return {"type": "vcdCredentials", "vcdUser": username, "vcdPassword": password}
    raise InputError("auth_type: '%s' is not supported" % (auth_type,), option="auth_type", choices=AUTH_TYPES)


def same_url(left, right):
    """URLs equal up to case of scheme/host, a default port 443 and a trailing slash."""
    def norm(url):
        match = re.match(r"^(\w+)://([^/:]+)(?::(\d+))?(/.*)?$", (url or "").strip())
        if not match:
            return (url or "").strip().rstrip("/")
        scheme, host, port, path = match.groups()
        return "%s://%s:%s%s" % (scheme.lower(), host.lower(), port or "443", (path or "").rstrip("/"))
    return norm(left) == norm(right)


def der_thumbprint(encoded):
    """SHA-256 thumbprint of a base64 DER certificate (``remote-certificate``'s ``encoded``)."""
    if not encoded:
        return None
    try:
        return thumbprint_of_der(base64.b64decode(encoded))
    except (TypeError, ValueError):
        return None


def host_port(url, default_port=443):
    match = re.match(r"^https://([^/:]+)(?::(\d+))?(?:/.*)?$", (url or "").strip(), re.IGNORECASE)
    if not match:
        return None, None
    return match.group(1), int(match.group(2) or default_port)


def verified_certificate(host, port, timeout=10):
    """DER certificate of ``host:port`` after full verification against the system's CAs."""
    context = ssl.create_default_context()
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=host) as tls:
                return tls.getpeercert(binary_form=True)
    except ssl.SSLError as exc:
        raise TlsError("TLS certificate of %s:%s could not be verified (%s); give its thumbprint instead" % (host, port, exc))
    except OSError as exc:
        raise ConnectionFailure("cannot reach %s:%s: %s" % (host, port, exc))


def lookup_service_thumbprint(ls_url, thumbprint=None, vcenter_thumbprint=None, validate_certs=False, option="lookup_service"):
    """The lookup service thumbprint: given, or computed from the certificate the lookup service presents
    when that certificate is trusted (the vCenter pin matches, or it verifies against the system CAs)."""
    if thumbprint:
        return normalize_thumbprint(thumbprint, option + "_thumbprint")
    host, port = host_port(ls_url)
    if host is None:
        raise InputError("%s_url: '%s' is not an https:// URL" % (option, ls_url), option=option + "_url")
    if vcenter_thumbprint:
        pin = normalize_thumbprint(vcenter_thumbprint, "vcenter_thumbprint")
        actual = thumbprint_of_der(fetch_certificate(host, port))
        if actual != pin:
            raise TlsError("the certificate of %s:%s has the thumbprint %s, not the pinned vcenter_thumbprint %s"
                           % (host, port, actual, pin))
        return actual
    if validate_certs:
        return thumbprint_of_der(verified_certificate(host, port))
    raise InputError("%s_thumbprint: give the lookup service thumbprint, or vcenter_thumbprint (a pin the "
                     "certificate is checked against), or %s_validate_certs=true for a CA-signed certificate"
                     % (option, option), option=option + "_thumbprint")


class VcdaClient(object):
    """One logged-in session with one VCDA appliance."""

    def __init__(self, url, username="root", password=None, auth_type="local", validate_certs=True,
                 thumbprint=None, api_version=None, timeout=300, request_timeout=60, http=None,
                 sleep=time.sleep, clock=time.monotonic, initial_password=None, ca_path=None, proxy_url=None,
                 access_token=None, token_org=None):
        if auth_type not in AUTH_TYPES:
            raise InputError("auth_type: '%s' is not supported" % (auth_type,), option="auth_type", choices=AUTH_TYPES)
        self.url = url.rstrip("/")
        self.username = username or "root"
        self.password = password
        self.auth_type = auth_type
        self.access_token = access_token
        self.token_org = token_org
        self.timeout = timeout
        self.http = http or HttpClient(self.url, validate_certs=validate_certs, thumbprint=thumbprint,
                                       timeout=request_timeout,
                                       ca_path=ca_path, proxy_url=proxy_url)
        self.sleep = sleep
        self.clock = clock
        self.version = parse_version(api_version) if api_version else None
        self.token = None
        self.session = None
        self.about_info = None
        # one login at a time: the calls of a wave's VMs go out from several threads and share the session
        self.login_lock = threading.RLock()
        # Check mode on a fresh appliance: see predict_fresh().
        self.initial_password = initial_password
        self.predicted_fresh = False

    # ----- sessions and media type ------------------------------------------------------------
    @property
    def accept(self):
        if self.version is None:
            return JSON_TYPE
        return VENDOR_TYPE % media_version(self.version)

    @property
    def api_version(self):
        return "%d.%d" % self.version if self.version else None

    def _headers(self, extra=None, token=None):
        headers = {"Accept": self.accept}
        token = token or self.token
        if token:
            headers[AUTH_HEADER] = token
        headers.update(extra or {})
        return headers

    def login(self):
        """``POST /sessions``; detects the API version from ``GET /diagnostics/about`` when unset."""
        if self.auth_type == "vcd_token" and not self.access_token:
            raise InputError("access_token: required to log in to %s with auth_type=vcd_token" % self.url,
                             option="access_token")
        if self.auth_type != "vcd_token" and self.password is None:
            raise InputError("password: required to log in to %s" % self.url, option="password")
        try:
            response = self._open_session(self.password)
        except ApiError as error:
            if error.status in (400, 401) and self.predict_fresh():
                return self.session
            if error.status == 401:
                raise ApiError(error.method, error.url, error.status, "%s; %s" % (
                    error.api_message or "not authenticated", self.refused_login()), code=error.code)
            raise
        self.token = response.headers.get(AUTH_HEADER)
        if not self.token:
            raise ApiError("POST", self.http.url("/sessions"), response.status_code,
                           "the login reply carries no %s header" % AUTH_HEADER)
        try:
            self.session = response.json()
        except ValueError:
            self.session = None
        if self.version is None:
            self.about_info = self.call("GET", "/diagnostics/about")
            self.version = parse_version((self.about_info or {}).get("buildVersion"))
        return self.session

    def refused_login(self):
        """What was refused, naming the login and never its secret."""
        if self.auth_type == "vcd_token":
            return ("the Cloud Director access token (auth_type=vcd_token%s) was refused: it is wrong, expired or "
                    "revoked, or not of a user the site's Cloud Director knows"
                    % (", access_token_org=%s" % self.token_org if self.token_org else ""))
        what = {"local": "the appliance's local user", "sso": "the vSphere SSO user",
                "vcd": "the Cloud Director user"}[self.auth_type]
        return "%s %s (auth_type=%s) and its password were refused" % (what, self.username, self.auth_type)

    def predict_fresh(self):
        """Check mode only (``initial_password`` is given only then): ``password`` was refused. When the
        initial password opens a session and the appliance reports its root password expired, this is a
        fresh appliance whose password change an earlier task only predicted (with ``auth_type`` sso or vcd:
        the initial password is the appliance's root password; its users cannot log in to a fresh site before
        its lookup service or Cloud Director is set). From then on the client
        answers as that appliance will once the password is changed: reads the locked appliance refuses
        (403) are "nothing configured yet" (None), and nothing else is sent (check mode sends only
        dry-run checks, which a locked appliance cannot run). Returns whether it switched to that mode."""
        if not self.initial_password or (self.initial_password == self.password and self.auth_type == "local"):
            return False
        try:
            # the appliance's own root user: an SSO or Cloud Director user cannot log in to a fresh site at all
            response = self._open_session(self.initial_password, local_root=True)
        except ApiError as error:
            if error.status in (400, 401, 403):
                return False
            raise
        self.token = response.headers.get(AUTH_HEADER)
        if not self.token:
            return False
        self.session = {}
        if self.version is None:
            self.about_info = self.call("GET", "/diagnostics/about")
            self.version = parse_version((self.about_info or {}).get("buildVersion"))
        if not (self.call("GET", self.path("root_password_expired")) or {}).get("rootPasswordExpired"):
            self.logout()
            return False
        self.predicted_fresh = True
        return True

    def _open_session(self, password, local_root=False):
        body = login_body("local", "root", password) if local_root else \
            login_body(self.auth_type, self.username, password, self.access_token, self.token_org)
        return self.http.request("POST", "/sessions", json_body=body,
                                 headers={"Accept": self.accept}, expected=(200,), raw=True, retry_unsafe=True)

    def accepts_password(self, password):
        """Whether a new session opens with ``password`` (the session is not kept)."""
        try:
            response = self._open_session(password)
        except ApiError as error:
            if error.status in (400, 401, 403):
                return False
            raise
        token = response.headers.get(AUTH_HEADER)
        if token:
            try:
                self.http.request("DELETE", inferred.LOGOUT_PATH, headers={"Accept": self.accept, AUTH_HEADER: token})
            except CloudmoveError:
                pass
        return True

    def logout(self):
        if not self.token:
            return
        try:
            self.http.request("DELETE", inferred.LOGOUT_PATH, headers=self._headers(), retry_unsafe=False)
        except CloudmoveError:
            pass
        self.token = None

    def call(self, method, path, body=None, params=None, config_secret=None, expected=(200, 201, 202, 204),
             idempotent=False, relogin=3, find_existing=None):
        """One API call with the session and media type; logs in again once on 401 (e.g. after a restart).

        ``idempotent`` lets the HTTP client retry a POST that only sets configuration; ``find_existing``
        re-reads the state after a transient failure of a call that is not (see ``HttpClient.request``).
        """
        token = self.token
        if token is None:
            token = self._logged_in()
        if self.predicted_fresh and path not in (self.path("root_password_expired"), "/diagnostics/about"):
            return self._fresh_answer(method, path, params)
        extra = {"Config-Secret": config_secret} if config_secret else None
        try:
            return self.http.request(method, path, json_body=body, params=params, headers=self._headers(extra, token),
                                     expected=expected, retry_unsafe=idempotent, find_existing=find_existing)
        except ApiError as error:
            if error.status == 401 and relogin and (self.password is not None or self.access_token):
                self._logged_in(stale=token)
                # A 401 means the call was not carried out (the session was dropped, e.g. by a restart while
                # the call was being retried): log in again and resend, a bounded number of times.
                return self.call(method, path, body, params, config_secret, expected, idempotent, relogin=relogin - 1,
                                 find_existing=find_existing)
            raise

    def _logged_in(self, stale=None):
        """The session token, logging in when there is none or it is ``stale`` (refused with 401). Under the
        login lock: of several threads refused with the same token, the first logs in and the others use the
        new token instead of opening sessions of their own."""
        with self.login_lock:
            if self.token is None or (stale is not None and self.token == stale):
                self.token = None
                self.login()
            return self.token

    def _fresh_answer(self, method, path, params):
        """What a fresh appliance answers once its password is changed: None ("nothing configured")."""
        if method != "GET":
            return None
        try:
            return self.http.request("GET", path, params=params, headers=self._headers())
        except ApiError as error:
            if error.status == 403:  # locked until the password changes
                return None
            raise

    def get(self, path, params=None):
        return self.call("GET", path, params=params)

    def get_or_none(self, path, params=None):
        """``GET`` that answers None on 404 (an endpoint this version or appliance does not serve)."""
        try:
            return self.get(path, params=params)
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    def path(self, key):
        if self.version is None:
            self.login()
        return versioned(key, self.version)

    # ----- tasks ------------------------------------------------------------------------------
    def wait_task(self, task, what="the task", timeout=None):
        """Poll ``GET /tasks/{id}`` until the task ends (capped backoff); the result, or TaskFailed/TimeoutExpired."""
        timeout = self.timeout if timeout is None else timeout
        path = "/tasks/%s" % task.get("id")
        task = Poller(timeout, first=0.2, cap=2.0, factor=1.5, clock=self.clock, sleep=self.sleep).until(
            lambda: self.get(path), lambda task: task.get("state") in TASK_DONE, what, first=task,
            last_state=lambda task: "%s %s%%" % (task.get("state"), task.get("progress", 0)))
        if task["state"] != "SUCCEEDED":
            error = task.get("error") or {}
            message = error.get("msg") if isinstance(error, dict) else str(error)
            code = error.get("code") if isinstance(error, dict) else None
            raise TaskFailed("%s (task %s) %s%s: %s" % (what, task.get("id"), task["state"],
                                                        " %s" % code if code else "", message or "no error message"),
                             code=code)
        return task.get("result")

    @staticmethod
    def is_task(body):
        return isinstance(body, dict) and "workflowInfo" in body and body.get("state") in (
            "QUEUED", "RUNNING") + TASK_DONE

    def running_task(self, workflow_type, resource_id=None):
        """An unfinished task of ``workflow_type`` (``workflowInfo.type``), or None: "is there a task for it?"."""
        for state in ("RUNNING", "QUEUED"):
            for task in self.list_all("/tasks", params={"state": state}):
                info = task.get("workflowInfo") or {}
                if info.get("type") == workflow_type and (resource_id is None or info.get("resourceId") in (None, resource_id)):
                    return task
        return None

    def submit(self, method, path, body, what, find_existing=None, idempotent=False):
        """A call whose reply may be a task, waited for. A task that failed with a transient code
        (``inferred.TASK_TRANSIENT_CODES``: e.g. the peer it reached answered 503) is submitted again, after
        ``find_existing`` (when given) found nothing, with the same capped backoff and as often as the HTTP
        client retries."""
        delays = iter([min(8.0, 0.5 * 2 ** n) for n in range(self.http.retries)])
        while True:
            reply = self.call(method, path, body, idempotent=idempotent, find_existing=find_existing)
            try:
                return self.maybe_wait(reply, what)
            except TaskFailed as error:
                delay = next(delays, None)
                if error.code not in inferred.TASK_TRANSIENT_CODES or delay is None:
                    raise
                found = find_existing() if find_existing else None
                if found is not None:
                    return self.maybe_wait(found, what)
                self.sleep(delay)

    def settled_site(self, name=None, url=None, timeout=None):
        """The paired site entry once its link reports no comm error, re-read with capped backoff for up to
        ``inferred.SITE_LINK_SETTLE_SECONDS`` (a peer restarting or answering 503 for a moment); the last
        entry read otherwise (None when not listed)."""
        timeout = inferred.SITE_LINK_SETTLE_SECONDS if timeout is None else timeout
        seen = [None]

        def probe():
            seen[0] = self.find_site(name=name, url=url) if url or name else onprem_cloud_site(self)
            return seen[0]
        try:
            return Poller(timeout, first=0.5, cap=4.0, clock=self.clock, sleep=self.sleep).until(
                probe, lambda site: site is not None and not site_comm_errors(site), "the site link to settle")
        except TimeoutExpired:
            return seen[0]  # not settled in time: the caller reports the link as it is

    def maybe_wait(self, body, what):
        """Bodies that are tasks are waited for; anything else is returned as is."""
        return self.wait_task(body, what) if self.is_task(body) else body

    # ----- reads ------------------------------------------------------------------------------
    def about(self):
        if self.about_info is None and self.token is None:
            self.login()  # detecting the version reads about once
        if self.about_info is None:
            self.about_info = self.get("/diagnostics/about")
        return self.about_info

    def appliance_type(self):
        return service_kind(self.about().get("serviceType"))

    def require_replicator_owner(self, option="url"):
        """InputError unless this appliance owns the replicators: the Manager Service on 4.x
        (https://<cloud>:8441, not the Cloud Service), the cloud appliance on 3.x."""
        kind = self.appliance_type()
        owners = self.path("replicator_owner")
        if kind not in owners:
            raise InputError("%s: %s is a %s service; replicators are registered at the Manager Service of the cloud "
                             "appliance, https://<cloud>:8441 (vcda_replicator / vcda_lookup_service appliance_type=manager)"
                             % (option, self.url, kind), option=option)
        return kind

    def replicator_site(self):
        """The site a replicator is registered in: the manager's ``GET /config`` ``site`` (AVS, TF);
        the 3.x cloud's ``localSite``."""
        config = self.config() or {}
        return config.get("site") or config.get("localSite")

    def config(self):
        return self.get("/config")

    def password_status(self):
        return self.get(self.path("root_password_expired"))

    def license(self):
        return self.get("/license")

    def endpoints(self):
        return self.get("/config/endpoints")

    def telemetry(self):
        return self.get("/config/telemetry")

    def replicators(self):
        body = self.get("/replicators")
        if isinstance(body, dict):
            for key in inferred.REPLICATORS_LIST_KEYS:
                if isinstance(body.get(key), list):
                    return body[key]
        return body or []

    def find_replicator(self, api_url):
        for item in self.replicators():
            if same_url(item.get("apiUrl"), api_url):
                return item
        return None

    def tunnels(self):
        """Configured tunnels as ``[{"id","url","certificate"}]`` on both path generations."""
        path = self.path("tunnel_list")
        if path:
            body = self.get(path) or {}
            return list(body.get(inferred.TUNNELS_LIST_KEY) or [])
        config = self.config() or {}
        if config.get("tunnelUrl"):
            return [{"id": None, "url": config["tunnelUrl"], "certificate": config.get("tunnelCertificate")}]
        return []

    def remote_certificate(self, url):
        body = self.get("/config/remote-certificate", params={"url": url}) or {}
        return {"thumbprint": normalize_thumbprint((body.get("certificate") or {}).get("thumbPrint")),
                "encoded": body.get("encoded")}

    def health(self, timeout=None):
        """System health data on every version (POST task, GET task or GET data)."""
        method, mode = self.path("health")
        body = self.call(method, "/diagnostics/health", idempotent=True)
        if self.predicted_fresh:
            return None  # check mode on a fresh appliance: its health cannot be predicted
        if mode == "task" or self.is_task(body):
            return self.wait_task(body, "the health check", timeout)
        return body

    # ----- writes -----------------------------------------------------------------------------
    def change_root_password(self, current, new):
        # After a lost reply the change is known to have happened when the new password opens a session.
        self.call("POST", "/config/root-password", {"rootPassword": new}, config_secret=current, expected=(200, 204),
                  find_existing=lambda: {} if self.accepts_password(new) else None)

    def set_lookup_service(self, url, thumbprint, sso_user=None, sso_password=None, dry_run=False):
        body = {"url": url, "thumbprint": thumbprint}
        if sso_user:
            body["ssoAdminCredentials"] = {"ssoUser": sso_user, "ssoPassword": sso_password}
        path = "/config/check-lookup-service" if dry_run else "/config/lookup-service"
        return self.call("POST", path, body, idempotent=True)

    def set_remote_lookup_service(self, group, api_url, api_thumbprint, root_password, ls_url, ls_thumbprint):
        """Lookup service of a replicator or tunnel through the manager (``group``: replicators|tunnels)."""
        body = {"apiUrl": api_url, "apiThumbprint": api_thumbprint, "lsUrl": ls_url, "lsThumbprint": ls_thumbprint,
                "rootPassword": root_password}
        return self.call("POST", "/config/%s/lookup-service" % group, body, idempotent=True)

    def set_site(self, name, description, config_secret=None):
        body = {"localSite": name, "localSiteDescription": description}
        return self.call("POST", "/config/site", body, config_secret=config_secret, idempotent=True)

    def set_endpoints(self, values):
        keys = self.path("endpoint_keys")
        return self.call("POST", "/config/endpoints", dict((k, values.get(k)) for k in keys), idempotent=True)

    def set_vcloud(self, url, username, password, thumbprint=None, dry_run=False):
        body = {"vcdUrl": url, "vcdUsername": username, "vcdPassword": password, "vcdThumbprint": thumbprint}
        return self.call("POST", "/config/check-vcloud" if dry_run else "/config/vcloud", body, idempotent=True)

    def set_license(self, key):
        return self.call("POST", "/license", {"key": key}, idempotent=True)

    def set_telemetry(self, enabled, environment=None):
        return self.call("POST", "/config/telemetry", {"enabled": enabled, "environment": environment}, idempotent=True)

    def add_replicator(self, site, details, owner="*", description=None):
        body = {"owner": owner, "site": site, "description": description, "replicatorId": None, "details": details}
        return self.maybe_wait(self.call("POST", "/replicators", body,
                                         find_existing=lambda: self.find_replicator(details.get("apiUrl"))),
                               "registering the replicator")

    def reset_replicator_cookie(self, replicator_id, details, description=None):
        """Repair: 4.x sends ``{"description", "details"}``, 3.x the flat details. Repairing again repairs
        the same link: safe to repeat."""
        body = {"description": description or "", "details": details} if self.path("reset_cookie_nested") else details
        return self.maybe_wait(self.call("POST", "/replicators/%s/reset-cookie" % replicator_id, body, idempotent=True),
                               "repairing the replicator")

    def delete_replicator(self, replicator_id):
        return self.maybe_wait(self.call("DELETE", "/replicators/%s" % replicator_id), "unregistering the replicator")

    def add_tunnel(self, url, certificate, root_password):
        """Configure the tunnel ``url``. 4.6+: ``PUT /config/tunnels/{id}`` when that URL is configured
        already, else ``POST /config/tunnels`` (adds one; a second POST for the URL is refused). <=4.5: the
        one ``POST /config/tunnel-service``."""
        body = {"url": url, "certificate": certificate, "rootPassword": root_password}
        update = self.path("tunnel_update")
        if update:
            for tunnel in self.tunnels():
                if tunnel.get("id") and same_url(tunnel.get("url"), url):
                    return self.maybe_wait(self.call("PUT", update % tunnel["id"], body, idempotent=True),
                                           "updating the tunnel")

            def find_existing():  # a second POST for the URL is refused: after a lost reply, re-read
                return next((t for t in self.tunnels() if same_url(t.get("url"), url)), None)
            return self.maybe_wait(self.call("POST", self.path("tunnel_add"), body, find_existing=find_existing),
                                   "configuring the tunnel")
        return self.maybe_wait(self.call("POST", self.path("tunnel_add"), body, idempotent=True), "configuring the tunnel")

    def reboot_services(self):
        """[I] Restart the appliance's services; InputError-free: raises ApiError, see unsupported_status()."""
        # A second restart after a lost reply only restarts again: safe to repeat.
        return self.call("POST", self.path("reboot_services"), expected=(200, 202, 204), idempotent=True)

    # ----- site pairing and policies (docs/api/vcda.md#site-pairing, #policies) ---------------------------------------------
    def list_all(self, path, params=None, page=100):
        """Every item of a ``{"items","total"}`` list (``offset``/``limit`` paging); a plain array as is."""
        items, offset = [], 0
        while True:
            query = dict(params or {}, offset=offset, limit=page)
            body = self.get(path, params=query)
            if isinstance(body, list):
                return body
            chunk = list((body or {}).get("items") or [])
            items.extend(chunk)
            offset += len(chunk)
            if not chunk or offset >= int((body or {}).get("total") or 0):
                return items

    def sites(self):
        """``GET /sites``: the local site (``isLocal``) and the paired ones."""
        return list(self.get("/sites") or [])

    def local_site(self):
        for item in self.sites():
            if item.get("isLocal"):
                return item
        return None

    def find_site(self, name=None, url=None):
        """A paired (not local) site by name, else by ``apiUrl``/``apiPublicUrl``."""
        for item in self.sites():
            if item.get("isLocal"):
                continue
            if name and item.get("site") == name:
                return item
            if not name and url and (same_url(item.get("apiUrl"), url) or same_url(item.get("apiPublicUrl"), url)):
                return item
        return None

    def pair_site(self, api_url, thumbprint, site=None, description=None):
        body = {"site": site, "apiUrl": api_url, "apiThumbprint": thumbprint, "description": description}

        def find_existing():
            return self.find_site(site, api_url) or self.running_task(inferred.TASK_PAIR_WORKFLOW, site)
        return self.submit("POST", "/sites", body, "pairing with %s" % api_url, find_existing=find_existing)

    def repair_site(self, site, api_url, thumbprint, description=None):
        body = {"apiUrl": api_url, "apiThumbprint": thumbprint, "description": description}
        return self.submit("PUT", "/sites/%s" % site, body, "repairing site %s" % site, idempotent=True)

    def unpair_site(self, site):
        return self.maybe_wait(self.call("DELETE", "/sites/%s" % site), "unpairing site %s" % site)

    def policies(self):
        """``GET /policies``: a plain array (docs/api/vcda.md#corrections point 5); an ``{"items"}`` page is tolerated [I]."""
        body = self.get("/policies")
        if isinstance(body, dict):
            return self.list_all("/policies")
        return list(body or [])

    def find_policy(self, display_name):
        for item in self.policies():
            if item.get("displayName") == display_name:
                return item
        return None

    def policy_orgs(self, policy_id):
        """Org names of ``GET /policies/{id}/status``: a list of objects with ``org`` [C: PSC]; [I] a list of
        names or an ``{"orgs": [...]}`` object are accepted too."""
        body = self.get(inferred.POLICY_STATUS_PATH % policy_id)
        if isinstance(body, dict):
            body = body.get(inferred.POLICY_STATUS_ORGS_KEY) or []
        orgs = []
        for item in body or []:
            name = item.get(inferred.POLICY_STATUS_ORG_KEY) if isinstance(item, dict) else item
            if name:
                orgs.append(str(name))
        return sorted(orgs)

    def all_orgs(self):
        """Every org the site knows: the union of the orgs of every policy (default included)."""
        orgs = set()
        for policy in self.policies():
            orgs.update(self.policy_orgs(policy["id"]))
        return sorted(orgs)

    def create_policy(self, body):
        return self.call("POST", "/policies", body, find_existing=lambda: self.find_policy(body.get("displayName")))

    def update_policy(self, policy_id, body):
        return self.call("PUT", "/policies/%s" % policy_id, body, idempotent=True)

    def delete_policy(self, policy_id):
        return self.call("DELETE", "/policies/%s" % policy_id, expected=(200, 202, 204))

    def assign_policy(self, policy_id, org):
        """``PATCH /policies/{id}/orgs/{org}`` (202, no body); an org has one policy, so this moves it."""
        return self.call("PATCH", "/policies/%s/orgs/%s" % (policy_id, org), expected=(200, 202, 204), idempotent=True)


# The health items a problem can be named after (docs/api/vcda.md#health keys [S/C]): what ``vcda_service ignore`` accepts.
HEALTH_ITEMS = ("lsError", "dbError", "ntpError", "vcdError", "managerError", "tunnelError", "hbrError", "lwdError",
                "h4dmError", "managerHealth.ssoAdminError", "managerHealth.offlineReplicators", "offlineManagers")


def health_problems(health):
    """Names and messages of the red items of a health result (empty when all green)."""
    problems = []
    if not isinstance(health, dict):
        return problems

    def text(value):
        if isinstance(value, dict):
            return ("%s %s" % (value.get("code") or "", value.get("msg") or "")).strip()
        return str(value)

    def walk(prefix, obj):
        for key in sorted(obj):
            value = obj[key]
            if key.endswith(inferred.HEALTH_ERROR_SUFFIX) and value:
                problems.append("%s%s: %s" % (prefix, key, text(value)))
            elif (key.endswith(inferred.HEALTH_CONNECTIVITY_SUFFIX) and isinstance(value, dict)
                  and value.get(inferred.HEALTH_CONNECTIVITY_VALUE)):
                # 3.5 / 4.0: "<check>Connectivity": {"value": {code, msg}} when broken (docs/api/vcda.md#corrections point 6)
                problems.append("%s%s: %s" % (prefix, key, text(value[inferred.HEALTH_CONNECTIVITY_VALUE])))
            elif isinstance(value, dict) and key == "managerHealth":
                walk("%s." % key, value)
    walk("", health)
    for parent, key in inferred.HEALTH_OFFLINE_COUNTERS:
        holder = health.get(parent) if parent else health
        value = holder.get(key) if isinstance(holder, dict) else None
        if not value:
            continue
        name = "%s.%s" % (parent, key) if parent else key
        if isinstance(value, list):  # 3.5 / 4.0: the offline replicators themselves
            value = ", ".join(str(item.get("apiUrl") or item.get("id") or item) if isinstance(item, dict) else str(item)
                              for item in value)
        problems.append("%s: %s" % (name, value))
    return problems


def onprem_cloud_site(client):
    """The one site an on-premises appliance is paired with (not local), or None."""
    for item in client.sites():
        if not item.get("isLocal"):
            return item
    return None


def site_comm_errors(site):
    """The non-null ``state.*CommError`` messages of a ``GET /sites`` entry (empty: healthy)."""
    state = (site or {}).get("state") or {}
    errors = []
    for key in inferred.SITE_COMM_ERROR_KEYS:
        value = state.get(key)
        if value:
            errors.append("%s: %s" % (key, value.get("msg") if isinstance(value, dict) else value))
    return errors
