"""Outbound HTTPS for emulators that talk to other servers, trusting by pinned certificate.

Appliances in the lab check each other the way real ones do: connect over TLS, compare the
peer certificate with the thumbprint (or the whole certificate) the user supplied, then call
the peer's API. Certificate chains are not validated: the pin is the trust.
"""
from __future__ import annotations

import http.client
import json
import socket
import ssl
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

from .certs import thumbprint


class TlsError(Exception):
    """``kind`` is ``url`` (unusable URL), ``connect`` (no TLS connection) or ``pin``
    (the certificate is not the expected one; ``actual`` holds its thumbprint)."""

    def __init__(self, kind: str, message: str, actual: Optional[str] = None):
        super().__init__(message)
        self.kind = kind
        self.actual = actual


PEER_HEADER = "X-Lab-Peer"


def split_https_url(url: str) -> Tuple[str, int, str]:
    """``https://host[:port][/path]`` -> ``(host, port, path)``; TlsError(kind='url') otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError as exc:
        raise TlsError("url", "invalid URL %r: %s" % (url, exc)) from None
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise TlsError("url", "expected an https:// URL with a host, got %r" % url)
    return parts.hostname, port, parts.path or "/"


def _client_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def fetch_certificate(url: str, timeout: float = 3.0) -> bytes:
    """The DER certificate the TLS server at ``url`` presents."""
    host, port = split_https_url(url)[:2]
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            with _client_context().wrap_socket(raw, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError("connect", "cannot open a TLS connection to %s:%d: %s" % (host, port, exc)) from None
    if not der:
        raise TlsError("connect", "%s:%d presented no certificate" % (host, port))
    return der


def check_pin(der: bytes, expected_thumbprint: Optional[str] = None, expected_der: Optional[bytes] = None) -> None:
    actual = thumbprint(der)
    if expected_thumbprint is not None and actual != expected_thumbprint.upper():
        raise TlsError("pin", "certificate thumbprint is %s, expected %s" % (actual, expected_thumbprint), actual)
    if expected_der is not None and der != expected_der:
        raise TlsError("pin", "certificate (thumbprint %s) differs from the expected one (%s)" % (actual, thumbprint(expected_der)),
                       actual)


class PinnedHttpsClient:
    """JSON over HTTPS to one base URL, refusing any server whose certificate is not pinned."""

    def __init__(self, base_url: str, thumbprint_pin: Optional[str] = None, certificate_pin: Optional[bytes] = None,
                 timeout: float = 5.0, default_headers: Optional[Dict[str, str]] = None):
        self.host, self.port, self.base_path = split_https_url(base_url)
        self.base_path = self.base_path.rstrip("/")
        self.thumbprint_pin = thumbprint_pin
        self.certificate_pin = certificate_pin
        self.timeout = timeout
        self.default_headers = dict(default_headers or {})
        # Marks appliance-to-appliance traffic for fault injection (faults.py ``source``); lab-only.
        self.default_headers.setdefault(PEER_HEADER, "1")

    def request(self, method: str, path: str, body: Any = None,
                headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], Any]:
        """``(status, headers, parsed JSON body or None)``; TlsError on connection or pin failure.
        ``body``: a JSON-able value (sent as application/json), or bytes/str sent as they are."""
        status, resp_headers, raw = self.request_raw(method, path, body, headers)
        parsed = None
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
        return status, resp_headers, parsed

    def request_raw(self, method: str, path: str, body: Any = None,
                    headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, str], bytes]:
        """Like ``request`` but the body comes back as bytes (XML APIs)."""
        conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=_client_context())
        try:
            try:
                conn.connect()
            except (OSError, ssl.SSLError) as exc:
                raise TlsError("connect", "cannot open a TLS connection to %s:%d: %s" % (self.host, self.port, exc)) from None
            check_pin(conn.sock.getpeercert(binary_form=True), self.thumbprint_pin, self.certificate_pin)
            all_headers = dict(self.default_headers)
            all_headers.update(headers or {})
            data = None
            if isinstance(body, (bytes, str)):
                data = body.encode() if isinstance(body, str) else body
            elif body is not None:
                data = json.dumps(body).encode()
                all_headers.setdefault("Content-Type", "application/json")
            try:
                conn.request(method, self.base_path + path, body=data, headers=all_headers)
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                raise TlsError("connect", "request %s %s to %s:%d failed: %s" % (method, path, self.host, self.port, exc)) from None
            resp_headers = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, resp_headers, raw
        finally:
            conn.close()
