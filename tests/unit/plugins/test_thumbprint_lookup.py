"""The thumbprint lookup against a real TLS server: the value the HTTP client's pinning accepts."""
import http.server
import os
import ssl
import sys
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, ROOT)

from lab.emulators.common import certs  # noqa: E402  pylint: disable=wrong-import-position
from ansible.errors import AnsibleLookupError  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.lookup import thumbprint as lookup  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._common import http as _http  # noqa: E402
import yaml  # noqa: E402
from ansible import constants as C  # noqa: E402


def _lookup():
    """The plugin with its documented options registered, as the plugin loader does."""
    plugin = lookup.LookupModule()
    plugin._load_name = "cloudmove.vcda.thumbprint"
    options = yaml.safe_load(lookup.DOCUMENTATION)["options"]
    C.config.initialize_plugin_configuration_definitions("lookup", plugin._load_name, options)
    return plugin


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "s.crt"), str(d / "s.key")
    pem = certs.load_or_create(cert, key, "127.0.0.1", ips=["127.0.0.1"])[0]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], certs.thumbprint(certs.pem_to_der(pem))
    httpd.shutdown()
    httpd.server_close()


def test_url_and_host_port_give_the_certificate_thumbprint(server):
    port, expected = server
    found = _lookup().run(["https://127.0.0.1:%d/api" % port, "127.0.0.1:%d" % port])
    assert found == [expected, expected]
    assert found[0].startswith("SHA-256:") and len(found[0]) == len("SHA-256:") + 95


def test_the_thumbprint_pins_the_http_client(server):
    port, _expected = server
    pin = _lookup().run(["127.0.0.1:%d" % port])[0]
    client = _http.HttpClient("https://127.0.0.1:%d" % port, thumbprint=pin, retries=0)
    assert client.get("/") is None


def test_unreachable_endpoint_is_a_lookup_error():
    with pytest.raises(AnsibleLookupError) as exc:
        _lookup().run(["127.0.0.1:1"], timeout=2)
    assert "127.0.0.1:1" in str(exc.value)


@pytest.mark.parametrize("term,expected", [("https://vcda.example.com:8046/x", ("vcda.example.com", 8046)),
                                           ("vcd.example.com", ("vcd.example.com", 443)),
                                           ("10.0.0.1:8043", ("10.0.0.1", 8043))])
def test_endpoint_parsing(term, expected):
    assert lookup.endpoint(term) == expected
