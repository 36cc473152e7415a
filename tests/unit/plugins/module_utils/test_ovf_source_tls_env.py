"""Remote OVF/OVA sources over https with REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE pointing at a bundle
that does not trust the web server (as in AWX execution environments and many CI images):
``validate_certs: false`` and a private CA bundle must work whatever the environment says, and the
default (verify against the system's CAs) must still refuse the server."""
import http.server
import os
import re
import ssl
import subprocess
import sys
import tarfile
import threading

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
sys.path.insert(0, ROOT)

from lab.emulators.common import certs  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_source as _ovf  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.ovf_deploy import source_verify  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError  # noqa: E402


def _handler(files):
    class Files(http.server.BaseHTTPRequestHandler):
        """/NAME with range requests, /norange/NAME without (a sequentially streamed OVA)."""

        def _target(self):
            ranges = not self.path.startswith("/norange/")
            data = files.get(self.path.rsplit("/", 1)[-1])
            return data, ranges

        def _headers(self, data, ranges, status=200, extra=None):
            self.send_response(status)
            name = self.path.lower()
            self.send_header("Content-Type", "text/xml" if name.endswith(".ovf") else "application/octet-stream")
            if ranges:
                self.send_header("Accept-Ranges", "bytes")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()

        def do_HEAD(self):  # noqa: N802
            data, ranges = self._target()
            if data is None:
                self.send_error(404)
                return
            self._headers(data, ranges)

        def do_GET(self):  # noqa: N802
            data, ranges = self._target()
            if data is None:
                self.send_error(404)
                return
            match = re.match(r"bytes=(\d+)-(\d+)", self.headers.get("Range") or "")
            if ranges and match:
                start, end = int(match.group(1)), min(int(match.group(2)), len(data) - 1)
                part = data[start:end + 1]
                self._headers(part, ranges, 206, {"Content-Range": "bytes %d-%d/%d" % (start, end, len(data))})
                self.wfile.write(part)
                return
            self._headers(data, ranges)
            self.wfile.write(data)

        def log_message(self, *args):
            return None

    return Files


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("ovatls")
    ova = d / "vcda.ova"
    subprocess.run([sys.executable, os.path.join(ROOT, "lab", "ova", "make_ova.py"), "--kind", "vcda", "--disks",
                    "1M", "--format", "ova", "--out", str(ova)], check=True, stdout=subprocess.DEVNULL)
    files = {"vcda.ova": ova.read_bytes()}
    with tarfile.open(str(ova)) as tar:
        for member in tar.getmembers():
            files[member.name] = tar.extractfile(member).read()
    ovf_name = [n for n in files if n.endswith(".ovf")][0]
    cert, key = str(d / "srv.crt"), str(d / "srv.key")
    certs.load_or_create(cert, key, "127.0.0.1", ips=["127.0.0.1"])
    other, other_key = str(d / "other.crt"), str(d / "other.key")
    certs.load_or_create(other, other_key, "127.0.0.1", ips=["127.0.0.1"])
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(files))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield dict(url="https://127.0.0.1:%d" % httpd.server_address[1], cert=cert, other=other, ovf=ovf_name,
               files=files)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(params=["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def untrusting_env(request, monkeypatch, server):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                 "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(request.param, server["other"])
    return request.param


SOURCES = ["vcda.ova", "norange/vcda.ova", "OVF"]


def _url(server, which):
    return "%s/%s" % (server["url"], server["ovf"] if which == "OVF" else which)


def _read_all(src):
    hrefs = [ref["href"] for ref in src.descriptor.files.values()]
    read = {}
    for href, stream in src.members(hrefs):
        read[href] = stream.read()
        stream.close()
    return read


@pytest.mark.parametrize("which", SOURCES)
def test_validate_certs_false_reads_the_source_whatever_the_environment(server, untrusting_env, which):
    src = _ovf.open_source(_url(server, which), requests.Session, timeout=10, verify=False)
    try:
        assert src.kind == {"vcda.ova": "ova-ranges", "norange/vcda.ova": "ova-stream", "OVF": "ovf"}[which]
        read = _read_all(src)
    finally:
        src.close()
    assert read and all(read[href] == server["files"][href] for href in read)


@pytest.mark.parametrize("which", SOURCES)
def test_a_private_ca_bundle_is_used_whatever_the_environment(server, untrusting_env, which):
    src = _ovf.open_source(_url(server, which), requests.Session, timeout=10, verify=server["cert"])
    try:
        read = _read_all(src)
    finally:
        src.close()
    assert read


def test_default_verification_refuses_the_untrusted_server(server, untrusting_env):
    with pytest.raises(InputError) as exc:
        _ovf.open_source(_url(server, "vcda.ova"), requests.Session, timeout=10)
    assert exc.value.option == "source"
    assert "CERTIFICATE_VERIFY_FAILED" in str(exc.value) or "certificate" in str(exc.value).lower()


@pytest.mark.parametrize("params, expected", [
    (dict(validate_certs=True), True),
    (dict(validate_certs=False), False),
    (dict(validate_certs=False, source_validate_certs=True), True),
    (dict(validate_certs=True, source_validate_certs=False, source_ca_path="/ca.pem"), False),
    (dict(validate_certs=True, source_ca_path="/ca.pem"), "/ca.pem"),
    (dict(validate_certs=False, source_ca_path="/ca.pem"), False),
])
def test_source_verify_follows_the_module_options(params, expected):
    params.setdefault("source_validate_certs", None)
    params.setdefault("source_ca_path", None)
    assert source_verify(params) == expected
