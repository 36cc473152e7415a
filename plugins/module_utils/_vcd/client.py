# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the VMware Cloud Director API (contract: docs/api/vcd-nsx.md).

Knows nothing of Ansible. On top of ``_http.HttpClient`` (TLS pinning, retries, typed errors):

- version discovery (``GET /api/versions``) and the ``Accept`` media types with ``version=``;
- sessions: OpenAPI bearer sessions (``/cloudapi/1.0.0/sessions`` for tenants,
  ``/sessions/provider`` for the System org) from API 33.0, the legacy ``x-vcloud-authorization``
  session (``POST /api/sessions``) before; one re-login on 401;
- XML bodies through lxml in the documented element order and namespaces, JSON for OpenAPI;
- the one pager (``list_all``), the one FIQL builder (``fiql``), the one name->object lookup
  (``find_by_name``), the one vCD task waiter (``wait_task``) and tenant-context headers.

Rights, networks and the NSX proxy/tunnel calls are in ``_vcd_rights``, ``_vcd_network`` and
``nsxv``/``nsxt``; everything the contract marks inferred is in ``inferred``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import difflib
import re
import time

try:
    from lxml import etree
    HAS_LXML = True
    LXML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module base class
    etree = None
    HAS_LXML = False
    LXML_IMPORT_ERROR = exc

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ApiError,
    CloudmoveError,
    ConnectionFailure,
    InputError,
    NotFoundError,
    TaskFailed,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.http import Found, HttpClient
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller

VCLOUD_NS = "http://www.vmware.com/vcloud/v1.5"
VERSIONS_NS = "http://www.vmware.com/vcloud/versions"
OPENAPI = "/cloudapi/1.0.0"
ACCESS_TOKEN_HEADER = "X-VMWARE-VCLOUD-ACCESS-TOKEN"
LEGACY_TOKEN_HEADER = "x-vcloud-authorization"
TENANT_CONTEXT_HEADER = "X-VMWARE-VCLOUD-TENANT-CONTEXT"
AUTH_CONTEXT_HEADER = "X-VMWARE-VCLOUD-AUTH-CONTEXT"
SYSTEM_ORG = "system"
# The newest API version this collection was written against; a cell offering newer ones is
# spoken to in this one (vCD keeps older versions available).
NEWEST_KNOWN_VERSION = (39, 0)
OPENAPI_SESSIONS_FROM = (33, 0)
PAGE_SIZE = 128
TASK_RUNNING = ("queued", "preRunning", "running")
TASK_FAILED = ("error", "canceled", "aborted")
FIQL_RESERVED = re.compile(r"[,;()*]")


# ----- pure helpers (unit tested) ------------------------------------------------------------------
def parse_api_version(value):
    """``"37.0"`` -> ``(37, 0)``; InputError for anything else."""
    match = re.match(r"^\s*(\d+)\.(\d+)\s*$", str(value or ""))
    if not match:
        raise InputError("api_version: '%s' is not a Cloud Director API version such as 37.0" % (value,),
                         option="api_version")
    return int(match.group(1)), int(match.group(2))


def version_text(version):
    return "%d.%d" % version


def parse_versions(xml_text):
    """``GET /api/versions`` -> ``[(version tuple, deprecated), ...]`` in document order."""
    root = parse_xml(xml_text)
    out = []
    for info in root.iter("{%s}VersionInfo" % VERSIONS_NS):
        node = info.find("{%s}Version" % VERSIONS_NS)
        if node is None or not node.text:
            continue
        try:
            version = parse_api_version(node.text)
        except InputError:
            continue  # e.g. "38.0.0-alpha": not a version this client speaks
        out.append((version, (info.get("deprecated") or "false").lower() == "true"))
    return out


def choose_version(offered, wanted=None):
    """The API version to speak: ``wanted`` when the cell offers it, else the newest offered one
    not newer than ``NEWEST_KNOWN_VERSION`` (deprecated ones only when nothing else is left)."""
    versions = sorted(set(v for v, _dep in offered))
    if wanted is not None:
        wanted = parse_api_version(wanted) if not isinstance(wanted, tuple) else wanted
        if wanted not in versions:
            raise InputError("api_version: %s is not offered by this Cloud Director" % version_text(wanted),
                             option="api_version", choices=[version_text(v) for v in versions])
        return wanted
    usable = [v for v, dep in offered if not dep and v <= NEWEST_KNOWN_VERSION]
    usable = usable or [v for v in versions if v <= NEWEST_KNOWN_VERSION]
    if not usable:
        raise CloudmoveError("this Cloud Director offers no API version this collection speaks (offered: %s)"
                             % ", ".join(version_text(v) for v in versions))
    return max(usable)


def login_name(username, org):
    """``user@org`` for the Basic login (a username that already holds ``@`` is kept)."""
    if "@" in (username or ""):
        return username
    return "%s@%s" % (username, org)


def basic_auth(username, org, password):
    token = base64.b64encode(("%s:%s" % (login_name(username, org), password)).encode("utf-8")).decode("ascii")
    return "Basic " + token


def is_provider(org):
    return (org or "").lower() == SYSTEM_ORG


def fiql_safe(value):
    """True when ``value`` can be used in a FIQL ``==`` filter (``,`` ``;`` split it before vCD 10.3,
    ``*`` is a wildcard and parentheses group)."""
    return not FIQL_RESERVED.search(str(value))


def fiql(*conditions, **equals):
    """``fiql(("name", "==", "x"), orgVdc__id="urn:…")`` -> ``name==x;orgVdc.id==urn:…`` (AND).

    Keyword names use ``__`` for dots. InputError when a value cannot be expressed (callers then
    list everything and compare, see ``find_by_name``).
    """
    parts = []
    items = list(conditions) + [(key.replace("__", "."), "==", value) for key, value in sorted(equals.items())]
    for field, operator, value in items:
        if operator not in ("==", "!=", "=lt=", "=le=", "=gt=", "=ge="):
            raise ValueError("unsupported FIQL operator %r" % (operator,))
        if not fiql_safe(value) or str(value) == "":
            raise InputError("the value %r cannot be used in a FIQL filter" % (value,))
        parts.append("%s%s%s" % (field, operator, value))
    return ";".join(parts)


def closest(name, known, count=3):
    """The known names closest to ``name`` (for "did you mean" messages), best first."""
    lowered = dict((k.lower(), k) for k in known)
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=count, cutoff=0.55)
    return [lowered[h] for h in hits]


def not_found(kind, name, names, option=None):
    """NotFoundError listing what exists, with "did you mean" for the closest names."""
    error = NotFoundError(kind, name, names, option=option)
    hints = closest(name, names)
    if hints:
        error.message = "%s; did you mean %s?" % (error.message, " or ".join("'%s'" % h for h in hints))
        error.details["closest"] = hints
    return error


def urn_uuid(urn):
    """``urn:vcloud:org:<uuid>`` -> ``<uuid>`` (anything without a colon is returned as is)."""
    return str(urn).rsplit(":", 1)[-1]


def parse_xml(text):
    if not HAS_LXML:
        raise CloudmoveError("the Python library 'lxml' is required: %s" % LXML_IMPORT_ERROR)
    if isinstance(text, str):
        text = text.encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(text, parser)


def to_xml(element):
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def xml_error_message(text):
    """The message of a vCD ``<Error message=…>`` or an NSX ``<error><details>`` body, else None."""
    if not isinstance(text, str) or not text.lstrip().startswith("<"):
        return None, None
    try:
        root = parse_xml(text)
    except Exception:  # pylint: disable=broad-except
        return None, None
    if etree.QName(root).localname == "Error":
        return root.get("message"), root.get("minorErrorCode")
    if root.tag == "error":
        return root.findtext("details"), root.findtext("errorCode")
    return None, None


def parse_task(xml_text):
    """A vCD ``Task`` -> ``{"href","status","operation","details","error","progress"}``."""
    root = parse_xml(xml_text)
    error = root.find("{%s}Error" % VCLOUD_NS)
    return {"href": root.get("href"), "status": root.get("status"), "operation": root.get("operationName"),
            "details": root.findtext("{%s}Details" % VCLOUD_NS),
            "progress": root.findtext("{%s}Progress" % VCLOUD_NS),
            "error": None if error is None else (error.get("message") or error.get("minorErrorCode") or "failed")}


class VcdClient(object):
    """One logged-in session with one Cloud Director (provider or tenant)."""

    def __init__(self, url, username, password, org, api_version=None, validate_certs=True, thumbprint=None,
                 timeout=300, request_timeout=60, http=None, sleep=time.sleep, clock=time.monotonic,
                 ca_path=None, proxy_url=None):
        if not HAS_LXML:
            raise CloudmoveError("the Python library 'lxml' is required: %s" % LXML_IMPORT_ERROR)
        self.url = url.rstrip("/")
        if not re.match(r"^https?://[^/]+$", self.url):
            raise InputError("url: '%s' must be the Cloud Director address without a path, such as "
                             "https://vcd.example.com" % url, option="url")
        self.username = username
        self.password = password
        self.org = org or "System"
        self.provider = is_provider(self.org)
        self.timeout = timeout
        self.http = http or HttpClient(self.url, validate_certs=validate_certs, thumbprint=thumbprint,
                                       timeout=request_timeout, ca_path=ca_path, proxy_url=proxy_url)
        self.sleep = sleep
        self.clock = clock
        self.wanted_version = parse_api_version(api_version) if api_version else None
        self.version = self.wanted_version  # a given version skips discovery (the cell answers 406 if unknown)
        self.token = None
        self.legacy = False
        self.session = None

    # ----- sessions ----------------------------------------------------------------------------
    @property
    def api_version(self):
        return version_text(self.version) if self.version else None

    def discover(self):
        """``GET /api/versions`` (no auth) and choose the version to speak."""
        response = self.http.request("GET", "/api/versions", headers={"Accept": "application/*+xml"}, raw=True)
        self.version = choose_version(parse_versions(response.text), self.wanted_version)
        return self.version

    def login(self):
        if self.password is None:
            raise InputError("password: required to log in to %s" % self.url, option="password")
        if self.version is None:
            self.discover()
        auth = {"Authorization": basic_auth(self.username, self.org, self.password)}
        if self.version >= OPENAPI_SESSIONS_FROM:
            path = OPENAPI + ("/sessions/provider" if self.provider else "/sessions")
            headers = dict(auth, Accept=self._json_type())
            response = self._login_call(path, headers)
            self.token = response.headers.get(ACCESS_TOKEN_HEADER)
            self.legacy = False
            self.session = response.json() if response.content else None
        else:
            headers = dict(auth, Accept=self._xml_type())
            response = self._login_call("/api/sessions", headers)
            self.token = response.headers.get(LEGACY_TOKEN_HEADER)
            self.legacy = True
        if not self.token:
            raise ApiError("POST", self.http.url("/api/sessions"), response.status_code,
                           "the login reply carries no session token")
        return self.session

    def _login_call(self, path, headers):
        try:
            return self.http.request("POST", path, headers=headers, expected=(200, 201), raw=True, retry_unsafe=True)
        except ApiError as error:
            if error.status == 401:
                raise ApiError(error.method, error.url, 401,
                               "login of %s refused (wrong user, organization or password%s)" % (
                                   login_name(self.username, self.org),
                                   "" if self.provider else "; provider logins use org System"), error.code)
            raise

    def logout(self):
        if not self.token:
            return
        path = "/api/session" if self.legacy else OPENAPI + "/sessions/current"
        try:
            self.http.request("DELETE", path, headers=self._headers(path))
        except CloudmoveError:
            pass
        self.token = None

    # ----- media types and headers --------------------------------------------------------------
    def _json_type(self):
        return "application/json;version=%s" % self.api_version

    def _xml_type(self):
        return "application/*+xml;version=%s" % self.api_version

    def _headers(self, path, extra=None):
        headers = {"Accept": self._json_type() if path.startswith(OPENAPI) or path.startswith("/cloudapi")
                   else self._xml_type()}
        if self.token:
            if self.legacy:
                headers[LEGACY_TOKEN_HEADER] = self.token
            else:
                headers["Authorization"] = "Bearer " + self.token
                headers["X-VMWARE-VCLOUD-TOKEN-TYPE"] = "Bearer"
        headers.update(extra or {})
        return headers

    @staticmethod
    def tenant_context(org_id, org_name=None):
        """Headers that make a provider act inside an org (bare UUID; the URN form is refused by 10.2)."""
        headers = {TENANT_CONTEXT_HEADER: urn_uuid(org_id)}
        if org_name:
            headers[AUTH_CONTEXT_HEADER] = org_name
        return headers

    # ----- calls --------------------------------------------------------------------------------
    def call(self, method, path, body=None, params=None, headers=None, content_type=None,
             expected=(200, 201, 202, 204), relogin=3, find_existing=None):
        """One call with the session; returns the raw response. ``body``: dict (JSON), lxml element
        (XML, ``content_type`` required) or None. Logs in again once on 401. ``find_existing``: see
        ``HttpClient.request`` (a POST that creates re-reads the state after a transient failure); when it
        found the object, a ``Found`` is returned instead of the response."""
        if self.token is None:
            self.login()
        send_headers = self._headers(path, headers)
        data = None
        if body is not None and not isinstance(body, dict) and not isinstance(body, list):
            data = to_xml(body)
            send_headers["Content-Type"] = content_type or "application/xml"
        elif body is not None:
            send_headers["Content-Type"] = content_type or "application/json"
        try:
            return self.http.request(method, path, json_body=body if data is None and body is not None else None,
                                     data=data, params=params, headers=send_headers, expected=expected, raw=True,
                                     find_existing=find_existing)
        except ApiError as error:
            if error.status == 401 and relogin:
                self.token = None
                self.login()
                # A 401: not carried out (the session was dropped, e.g. by a restart during the retries): log in
                # again and resend, a bounded number of times.
                return self.call(method, path, body, params, headers, content_type, expected, relogin=relogin - 1,
                                 find_existing=find_existing)
            raise _readable(error)

    def json(self, method, path, body=None, params=None, headers=None, expected=(200, 201, 202, 204),
             find_existing=None):
        response = self.call(method, path, body, params, headers, expected=expected, find_existing=find_existing)
        if isinstance(response, Found):
            return response.value
        if response.status_code == 202:
            return self._async(response)
        if not response.content:
            return None
        return response.json()

    def xml(self, method, path, body=None, params=None, headers=None, content_type=None,
            expected=(200, 201, 202, 204), find_existing=None):
        response = self.call(method, path, body, params, headers, content_type, expected, find_existing=find_existing)
        if isinstance(response, Found):
            return response.value
        if response.status_code == 202:
            return self._async(response)
        if not response.content:
            return None
        return parse_xml(response.content)

    def _async(self, response):
        """A 202: wait for the task (``Location`` or a Task body); returns the task's Details."""
        href = response.headers.get("Location")
        if not href and response.content:
            href = parse_task(response.content).get("href")
        if not href or "/task/" not in href:
            return None
        return self.wait_task(href)

    # ----- the one pager, the one lookup, the one task waiter ----------------------------------
    def list_all(self, path, filter_expr=None, headers=None, page_size=PAGE_SIZE, params=None):
        """Every item of an OpenAPI list (``page``/``pageSize``/``filter`` -> ``values``)."""
        items, page = [], 1
        while True:
            query = dict(params or {}, page=page, pageSize=page_size)
            if filter_expr:
                query["filter"] = filter_expr
            body = self.json("GET", path, params=query, headers=headers) or {}
            values = list(body.get("values") or [])
            items.extend(values)
            page_count = int(body.get("pageCount") or 0)
            if not values or page >= page_count:
                return items
            page += 1

    def find_by_name(self, path, name, kind, option=None, required=True, headers=None, match=None, extra=None):
        """The one item of the list at ``path`` named ``name`` (filtered server-side when the name can be
        expressed in FIQL, else listed and compared). ``match(item)`` narrows further (e.g. org).

        NotFoundError listing the names that exist (closest first) when ``required``; else None.
        """
        match = match or (lambda item: True)
        extra = extra or {}
        everything = fiql(**extra) if extra else None
        if fiql_safe(name) and all(fiql_safe(v) for v in extra.values()):
            candidates = self.list_all(path, fiql(name=name, **extra), headers=headers)
        else:
            candidates = self.list_all(path, everything, headers=headers)
        hits = [i for i in candidates if i.get("name") == name and match(i)]
        if len(hits) > 1:
            raise InputError("%s%s '%s' is ambiguous: %d objects have this name" % (
                option + ": " if option else "", kind, name, len(hits)), option=option)
        if hits:
            return hits[0]
        if not required:
            return None
        names = [i.get("name") for i in self.list_all(path, everything, headers=headers) if match(i)]
        raise not_found(kind, name, names, option)

    def wait_task(self, href, what=None, timeout=None):
        """Poll a vCD task (``/api/task/<uuid>``) with capped backoff; its ``Details`` on success."""
        timeout = self.timeout if timeout is None else timeout
        task = parse_task(self.call("GET", href).content)
        task = Poller(timeout, first=0.2, cap=2.0, factor=1.5, clock=self.clock, sleep=self.sleep).until(
            lambda: parse_task(self.call("GET", href).content), lambda task: task["status"] not in TASK_RUNNING,
            what or "task %s (%s)" % (href, task.get("operation")), first=task,
            last_state=lambda task: "%s %s%%" % (task["status"], task.get("progress") or 0))
        if task["status"] in TASK_FAILED or task["status"] != "success":
            raise TaskFailed("%s %s: %s" % (what or "task %s (%s)" % (href, task.get("operation")), task["status"],
                                            task.get("error") or "no error message"))
        return task.get("details")

    # ----- common lookups ----------------------------------------------------------------------
    def find_org(self, name, option="organization"):
        return self.find_by_name(OPENAPI + "/orgs", name, "organization", option)

    def find_edge_gateway(self, name, org_name=None, option="edge_gateway"):
        """An edge gateway by name (in ``org_name`` when given): ``gatewayBacking.gatewayType``
        ``NSXV_BACKED`` or ``NSXT_BACKED``."""
        def in_org(item):
            return org_name is None or (item.get("orgRef") or {}).get("name") == org_name
        return self.find_by_name(OPENAPI + "/edgeGateways", name, "edge gateway", option, match=in_org)


def backing_of(gateway):
    """``nsxv`` or ``nsxt`` from an edge gateway's ``gatewayBacking.gatewayType``."""
    kind = ((gateway or {}).get("gatewayBacking") or {}).get("gatewayType") or ""
    if kind.upper().startswith("NSXV"):
        return "nsxv"
    if kind.upper().startswith("NSXT"):
        return "nsxt"
    raise CloudmoveError("edge gateway %s has the unsupported backing %r" % ((gateway or {}).get("name"), kind))


def _readable(error):
    """An ApiError whose message is the API's own (vCD ``<Error message>``, NSX ``<error><details>``)."""
    if error.api_message is None or str(error.api_message).lstrip().startswith("<"):
        message, code = xml_error_message(error.body)
        if message:
            return ApiError(error.method, error.url, error.status, message, code or error.code, error.body)
    return error


__all__ = ["VcdClient", "ConnectionFailure"]
