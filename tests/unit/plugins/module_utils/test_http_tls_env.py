"""validate_certs / ca_path / thumbprint against a real TLS server, with REQUESTS_CA_BUNDLE and
CURL_CA_BUNDLE pointing at a bundle that does not trust it (the environment AWX execution
environments and many CI images have)."""
import http.server
import os
import ssl
import sys
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
sys.path.insert(0, ROOT)

from lab.emulators.common import certs  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.cloudmove.vcda.plugins.module_utils._common import http as _http  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import TlsError  # noqa: E402


class _Json(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "srv.crt"), str(d / "srv.key")
    pem = certs.load_or_create(cert, key, "127.0.0.1", ips=["127.0.0.1"])[0]
    other, other_key = str(d / "other.crt"), str(d / "other.key")
    certs.load_or_create(other, other_key, "127.0.0.1", ips=["127.0.0.1"])
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Json)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield dict(url="https://127.0.0.1:%d" % httpd.server_address[1], cert=cert, other=other,
               thumbprint=certs.thumbprint(certs.pem_to_der(pem)))
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(params=["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def untrusting_env(request, monkeypatch, server):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(request.param, server["other"])
    return request.param


def _get(server, **kwargs):
    client = _http.HttpClient(server["url"], retries=0, **kwargs)
    return client.get("/")


def test_validate_certs_false_connects_whatever_the_environment(server, untrusting_env):
    assert _get(server, validate_certs=False) == {"ok": True}


def test_ca_path_trusts_the_private_ca_whatever_the_environment(server, untrusting_env):
    assert _get(server, ca_path=server["cert"]) == {"ok": True}


def test_thumbprint_pins_whatever_the_environment(server, untrusting_env):
    assert _get(server, thumbprint=server["thumbprint"]) == {"ok": True}


def test_default_verification_uses_the_environment_bundle_and_fails(server, untrusting_env):
    with pytest.raises(TlsError) as exc:
        _get(server)
    assert "ca_path" in str(exc.value)


def test_wrong_ca_path_fails_naming_the_bundle(server, untrusting_env):
    with pytest.raises(TlsError) as exc:
        _get(server, ca_path=server["other"])
    assert server["other"] in str(exc.value)


def test_proxy_url_from_options():
    assert _http.proxy_url(None, 3128) is None
    assert _http.proxy_url("proxy.example", 3128) == "http://proxy.example:3128"
    assert _http.proxy_url("proxy.example", None, "https") == "https://proxy.example"
    assert _http.proxy_url("http://p.example:8080") == "http://p.example:8080"
