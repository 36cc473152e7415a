# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP client for the REST backends (VCDA, Cloud Director, NSX).

- TLS is verified by default (the system CAs, or ``ca_path``, a CA bundle for a private CA);
  ``thumbprint`` pins a self-signed endpoint by its SHA-256 digest; ``validate_certs=False`` only
  when asked. The choice is passed to every request, so ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``
  in the environment never override it (they still apply when nothing else is chosen).
- proxies: ``proxy_url`` when given, else requests' ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``.
- connect/read timeouts on every call.
- retries with jittered, capped exponential backoff for reads and idempotent writes on
  429/500/502/503/504 and connection resets, honouring ``Retry-After``.
- a call that is not idempotent (a POST that creates something) is never retried blindly: after a
  transient failure the caller's ``find_existing`` callback re-reads the state ("did the object
  appear? is there a task for it?"). When it finds something, that is the call's result (the call
  went through and only its reply was lost); when it finds nothing, the call is sent again with the
  same backoff and ``Retry-After``. Without a callback such a call fails on the first fault, except
  when the connection could not even be opened (nothing was sent). A retried DELETE answered 404
  after an ambiguous failure is taken as done.
- every failure is raised as one of the typed errors of ``_errors``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random
import time

try:
    import requests
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module base class
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc
    HTTPAdapter = object

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ApiError,
    ConnectionFailure,
    TlsError,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import thumbprint_hex

# 500 is retried too: a manager relays its peer's 503 as 500 (botocore's standard retry mode treats
# 500/502/503/504 as transient the same way).
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
# Connections kept per host: as many as calls a module sends at once (``_common.pool.MAX_LIMIT``), so the
# threads of a wave each reuse one instead of opening and dropping connections past the default 10.
POOL_SIZE = 32


class Found(object):
    """What ``find_existing`` found after a transient failure: the result of a call whose reply was lost.

    ``HttpClient.request(raw=True)`` returns it instead of a response; otherwise its ``value``."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return "Found(%r)" % (self.value,)


class PinnedAdapter(HTTPAdapter):
    """Transport adapter that accepts exactly the certificate with the given SHA-256 digest."""

    def __init__(self, fingerprint_hex, **kwargs):
        self._fingerprint = fingerprint_hex
        self._context = _unverified_context()
        super(PinnedAdapter, self).__init__(**kwargs)

    def _pin(self, kwargs):
        kwargs["assert_fingerprint"] = self._fingerprint
        kwargs["cert_reqs"] = "CERT_NONE"
        kwargs["assert_hostname"] = False
        if self._context is not None:
            # One TLS context for every connection: without it urllib3 makes one per connection and loads the
            # system CA store into it (most of the client's CPU per request) - for a pin no CA is used at all.
            kwargs["ssl_context"] = self._context
        return kwargs

    def init_poolmanager(self, *args, **kwargs):
        return super(PinnedAdapter, self).init_poolmanager(*args, **self._pin(kwargs))

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        # Through a proxy (CONNECT tunnel) the pin must hold as well.
        return super(PinnedAdapter, self).proxy_manager_for(proxy, **self._pin(proxy_kwargs))

    def cert_verify(self, conn, url, verify, cert):
        # The fingerprint check replaces CA validation; keep requests from re-enabling it.
        return super(PinnedAdapter, self).cert_verify(conn, url, False, cert)


def _unverified_context():
    """A TLS client context without CA verification (the fingerprint is checked instead), or None."""
    try:
        import ssl  # pylint: disable=import-outside-toplevel
        from urllib3.util.ssl_ import create_urllib3_context  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover
        return None
    return create_urllib3_context(cert_reqs=ssl.CERT_NONE)


def proxy_url(host, port=None, protocol="http"):
    """The proxy URL of the ``proxy_host``/``proxy_port``/``proxy_protocol`` options; ``None`` without a host."""
    if not host:
        return None
    if "://" in host:
        return host
    return "%s://%s%s" % (protocol or "http", host, ":%d" % int(port) if port else "")


def backoff_delays(retries, base=0.5, cap=8.0):
    """Full-jitter exponential backoff, capped."""
    for attempt in range(retries):
        yield random.uniform(0, min(cap, base * (2 ** attempt)))


def retry_after_seconds(response, cap=30.0):
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return min(cap, max(0.0, float(value)))
    except ValueError:
        return None


def api_error_message(body):
    """Pull the API's own message out of an error body (VCDA, vCD JSON, NSX)."""
    if isinstance(body, dict):
        for key in ("msg", "message", "error_message", "details"):
            if body.get(key):
                return str(body[key]), body.get("code") or body.get("minorErrorCode") or body.get("error_code")
    return None, None


class HttpClient(object):
    """requests session bound to one base URL."""

    def __init__(self, base_url, validate_certs=True, thumbprint=None, timeout=60,
                 connect_timeout=10, retries=4, headers=None, session=None,
                 ca_path=None, proxy_url=None):
        if not HAS_REQUESTS:
            raise ConnectionFailure("the Python library 'requests' is required: %s" % REQUESTS_IMPORT_ERROR)
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, timeout)
        self.retries = retries
        # One session for every call, also from several threads at once (a wave's VMs): its urllib3 pools are
        # thread-safe, and nothing here keeps per-call state on the session (the clients' session tokens are
        # headers given per request; the VCDA client serialises its login).
        own = session is None
        self.session = session or requests.Session()
        self.session.headers.update(headers or {})
        self.thumbprint = thumbprint
        self.ca_path = ca_path
        if own:
            self.session.mount("https://", HTTPAdapter(pool_maxsize=POOL_SIZE))
        if thumbprint:
            adapter = PinnedAdapter(thumbprint_hex(thumbprint), pool_maxsize=POOL_SIZE)
            self.session.mount("https://", adapter)
            self.verify = False
        elif not validate_certs:
            self.verify = False
        else:
            self.verify = ca_path or True
        # Given to every request as well: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE replace a
        # session-level verify=False, but never an explicit per-request value.
        self.session.verify = self.verify
        self.proxies = {"http": proxy_url, "https": proxy_url} if proxy_url else None
        self.sleep = time.sleep

    def url(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return "%s/%s" % (self.base_url, path.lstrip("/"))

    def request(self, method, path, json_body=None, data=None, params=None, headers=None,
                expected=(200, 201, 202, 204), retry_unsafe=False, raw=False, timeout=None, find_existing=None):
        """Send one request and return the decoded body (or the response when ``raw``).

        ``retry_unsafe``: the caller says this POST is safe to repeat (it only sets configuration).
        ``find_existing``: for a call that is not safe to repeat, a callable re-reading the state after a
        transient failure; None means "it did not happen, send it again", anything else is returned as
        the call's result (wrapped in ``Found`` when ``raw``).
        """
        method = method.upper()
        url = self.url(path)
        retryable = retry_unsafe or method in IDEMPOTENT_METHODS
        delays = backoff_delays(self.retries if (retryable or find_existing) else 0)
        never_sent = backoff_delays(self.retries)  # refused connections: nothing reached the server
        ambiguous = False  # an earlier attempt may have been carried out
        if json_body is not None:
            data = json.dumps(json_body)
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        while True:
            response = None
            failure = None
            hint = None
            try:
                response = self.session.request(method, url, data=data, params=params, headers=headers,
                                                timeout=timeout or self.timeout, verify=self.verify,
                                                proxies=self.proxies)
            except requests.exceptions.SSLError as exc:
                if not _transport_failure(exc):
                    raise TlsError(self._tls_message(url, exc))
                failure = "%s %s failed during the TLS handshake: %s" % (method, url, _short(exc))
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                failure = "%s %s failed: %s" % (method, url, _short(exc))
                if _not_sent(exc):
                    delay = next(never_sent, None)
                    if delay is None:
                        raise ConnectionFailure(failure)
                    self.sleep(delay)
                    continue
            if response is not None:
                if response.status_code not in RETRY_STATUSES:
                    if (ambiguous and method == "DELETE" and response.status_code == 404
                            and 404 not in expected):
                        return None  # the lost reply of an earlier attempt: it is gone
                    if response.status_code not in expected:
                        raise self._error(method, url, response)
                    return response if raw else decode_body(response)
                hint = retry_after_seconds(response)
            delay = next(delays, None)
            if delay is None:
                if response is not None:
                    raise self._error(method, url, response)
                raise ConnectionFailure(failure)
            if not retryable:
                found = find_existing()
                if found is not None:
                    return Found(found) if raw else found
            ambiguous = True
            self.sleep(hint if hint is not None else delay)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, json_body=body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.request("PUT", path, json_body=body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def _tls_message(self, url, exc):
        if self.thumbprint:
            return ("TLS certificate of %s does not match the pinned thumbprint %s: %s"
                    % (url, self.thumbprint, _short(exc)))
        if self.ca_path:
            return ("TLS certificate of %s could not be verified with the CA bundle %s (%s)"
                    % (url, self.ca_path, _short(exc)))
        return ("TLS certificate of %s could not be verified (%s); if the endpoint uses a self-signed "
                "certificate, pin it with the 'thumbprint' option (SHA-256), or give the bundle of a "
                "private CA with 'ca_path', instead of turning validate_certs off" % (url, _short(exc)))

    @staticmethod
    def _error(method, url, response):
        body = decode_body(response, strict=False)
        message, code = api_error_message(body)
        if message is None and isinstance(body, str) and body.strip():
            message = body.strip()[:500]
        return ApiError(method, url, response.status_code, message, code, body)


def decode_body(response, strict=True):
    if response.status_code == 204 or not response.content:
        return None
    ctype = response.headers.get("Content-Type", "")
    if "json" in ctype:
        try:
            return response.json()
        except ValueError:
            if strict:
                raise ApiError(response.request.method, response.url, response.status_code,
                               "response is not valid JSON")
            return response.text
    return response.text


def _transport_failure(exc):
    """An SSL error that is a dropped connection (EOF, reset), not a certificate verdict."""
    text = str(exc).lower()
    if "fingerprint" in text or "certificate" in text:
        return False
    return any(word in text for word in ("eof", "reset", "broken pipe", "timed out"))


def _not_sent(exc):
    """A connection that could not be opened (refused, connect timeout): the request never left."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    text = str(exc)
    return "NewConnectionError" in text or "Connection refused" in text


def _short(exc):
    text = str(exc)
    return text if len(text) < 400 else text[:400] + "..."
