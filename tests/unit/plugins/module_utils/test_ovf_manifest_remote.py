"""The .mf manifest of remote (https) sources: an OVA read through range requests, an OVA streamed in order (no
range support) and an OVF with its files beside it. A matching package verifies, a descriptor that does not match
or a manifest without a file's digest is refused before any change, and a disk that does not match aborts its
upload before it is whole. Served by a local https server with its own certificate (pinned through ``verify``)."""
import http.server
import io
import os
import re
import ssl
import subprocess
import sys
import tarfile
import threading
from types import SimpleNamespace as NS

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
sys.path.insert(0, ROOT)

from lab.emulators.common import certs  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_import as _imp  # noqa: E402
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_source as _ovf  # noqa: E402

DISK = "vcda-lab-disk1.vmdk"
KINDS = {"ova-ranges": "%s/ranges/%s/package.ova", "ova-stream": "%s/norange/%s/package.ova",
         "ovf": "%s/ranges/%s/vcda-lab.ovf"}


def _package(tmp, name, *extra):
    """The members of a generated OVA, in their order (descriptor, manifest, disk)."""
    path = str(tmp / (name + ".ova"))
    subprocess.run([sys.executable, os.path.join(ROOT, "lab", "ova", "make_ova.py"), "--kind", "vcda", "--disks", "1M",
                    "--fill", "random", "--format", "ova", "--out", path] + list(extra), check=True,
                   stdout=subprocess.DEVNULL)
    with tarfile.open(path) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]


def _ova(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


class _Files(http.server.BaseHTTPRequestHandler):
    """/ranges/PKG/FILE answers range requests, /norange/PKG/FILE does not; FILE is package.ova or a member."""
    files = {}

    def _find(self):
        parts = self.path.strip("/").split("/")
        return self.files.get(tuple(parts[1:])), parts[0] == "ranges"

    def _head(self, data, ranges, status=200, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", "text/xml" if self.path.endswith(".ovf") else "application/octet-stream")
        if ranges:
            self.send_header("Accept-Ranges", "bytes")
        for key, value in extra:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()

    def do_HEAD(self):  # noqa: N802
        data, ranges = self._find()
        if data is None:
            self.send_error(404)
            return
        self._head(data, ranges)

    def do_GET(self):  # noqa: N802
        data, ranges = self._find()
        if data is None:
            self.send_error(404)
            return
        wanted = re.match(r"bytes=(\d+)-(\d+)", self.headers.get("Range") or "")
        if ranges and wanted:
            start, end = int(wanted.group(1)), min(int(wanted.group(2)), len(data) - 1)
            data = data[start:end + 1]
            self._head(data, ranges, 206, [("Content-Range", "bytes %d-%d/*" % (start, end))])
        else:
            self._head(data, ranges)
        self.wfile.write(data)

    def log_message(self, *args):
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mfremote")
    good = _package(tmp, "good", "--manifest", "both")
    packages = {"good": good,
                "bad-disk": _package(tmp, "baddisk", "--manifest", "both", "--corrupt-manifest", "disk"),
                "bad-descriptor": _package(tmp, "baddesc", "--corrupt-manifest", "descriptor"),
                # the manifest lists the descriptor only
                "lacks-disk": [(n, b"".join(line + b"\n" for line in d.splitlines() if DISK.encode() not in line)
                                if n.endswith(".mf") else d) for n, d in good]}
    files = {}
    for name, members in packages.items():
        files[(name, "package.ova")] = _ova(members)
        for member, data in members:
            files[(name, member)] = data
    _Files.files = files
    cert, key = str(tmp / "srv.crt"), str(tmp / "srv.key")
    certs.load_or_create(cert, key, "127.0.0.1", ips=["127.0.0.1"])
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield NS(url="https://127.0.0.1:%d" % httpd.server_address[1], cert=cert, packages=packages)
    httpd.shutdown()
    httpd.server_close()


def _open(server, kind, package):
    source = _ovf.open_source(KINDS[kind] % (server.url, package), requests.Session, timeout=10, verify=server.cert)
    assert source.kind == kind
    return source


def _disk(source):
    """The disk's stream, the way the import reads it (in order for a streamed OVA: read before the next member)."""
    return next(iter(source.members([DISK])))


class _Nfc(requests.Session):
    """vCenter's NFC endpoint: consumes the upload body, counting what arrives."""

    def __init__(self):
        super(_Nfc, self).__init__()
        self.received = 0

    def send(self, request, **kwargs):
        for chunk in request.body:
            self.received += len(chunk)
        return NS(status_code=200)


def _upload(source, size):
    importer = _imp.OvfImporter(NS(hostname="vc", port=443, thumbprint=None, validate_certs=True), source)
    nfc = _Nfc()
    importer._session = lambda device_url, url: nfc
    href, stream = _disk(source)
    try:
        importer._upload_attempt(NS(url="https://vc/nfc/disk-0"), NS(create=False), href, stream, _imp.Progress(size),
                                 size, [0])
    finally:
        stream.close()
    return nfc


def _size(server, package):
    return len(dict(server.packages[package])[DISK])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_matching_remote_package_verifies_and_its_disk_is_sent_whole(server, kind):
    source = _open(server, kind, "good")
    try:
        assert source.manifest_name == "vcda-lab.mf" and sorted(source.manifest[DISK]) == ["SHA1", "SHA256"]
        assert source.verify_manifest() is True
        nfc = _upload(source, _size(server, "good"))
    finally:
        source.close()
    assert nfc.received == _size(server, "good")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_remote_disk_that_does_not_match_aborts_before_it_is_whole(server, kind):
    source = _open(server, kind, "bad-disk")
    nfc = None
    try:
        assert source.verify_manifest() is True  # the descriptor matches: the disk's damage shows while it streams
        with pytest.raises(_imp.ManifestMismatch) as err:
            nfc = _upload(source, _size(server, "bad-disk"))
    finally:
        source.close()
    assert nfc is None
    assert str(err.value).startswith("source: %s does not match the manifest vcda-lab.mf: its SHA" % DISK)
    assert "the import was aborted and the partial VM removed" in str(err.value)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_remote_descriptor_that_does_not_match_is_refused_before_any_change(server, kind):
    source = _open(server, kind, "bad-descriptor")
    try:
        with pytest.raises(InputError) as err:
            source.verify_manifest()
    finally:
        source.close()
    assert err.value.option == "source"
    assert "the descriptor vcda-lab.ovf does not match the manifest vcda-lab.mf: its SHA256 is" in str(err.value)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_remote_manifest_without_the_disk_is_refused(server, kind):
    source = _open(server, kind, "lacks-disk")
    try:
        assert DISK not in source.manifest and "vcda-lab.ovf" in source.manifest
        with pytest.raises(InputError) as err:
            source.verify_manifest()
    finally:
        source.close()
    assert err.value.option == "source"
    assert "the manifest vcda-lab.mf has no digest of %s; the package is damaged or was altered" % DISK in str(err.value)


def test_a_remote_ovf_without_a_manifest_beside_it_has_nothing_to_verify(server):
    _Files.files[("nomf", "vcda-lab.ovf")] = dict(server.packages["good"])["vcda-lab.ovf"]
    _Files.files[("nomf", DISK)] = dict(server.packages["good"])[DISK]
    source = _open(server, "ovf", "nomf")
    assert source.manifest is None and source.verify_manifest() is False and source.digest_check(DISK) is None
