"""The package's .mf manifest: parsed (SHA1 / SHA256 lines), the descriptor verified before any change, every
disk verified while it streams, and an import whose disk does not match aborted before the disk is whole."""
import hashlib
import os
import subprocess
import sys
import tarfile
from types import SimpleNamespace as NS

import pytest
import requests

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_import as _imp
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_source as _ovf
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def make(tmp_path, name, *extra, fmt="ova"):
    out = tmp_path / (name + (".ova" if fmt == "ova" else ""))
    subprocess.run([sys.executable, os.path.join(ROOT, "lab", "ova", "make_ova.py"), "--kind", "vcda", "--disks", "1M",
                    "--format", fmt, "--out", str(out)] + list(extra), check=True, stdout=subprocess.DEVNULL)
    return str(out)


def test_parse_manifest_reads_sha1_and_sha256_lines():
    sha1, sha256 = "a" * 40, "B" * 64
    text = "SHA1(disk-1.vmdk)= %s\nSHA256(disk-1.vmdk)= %s\n\nSHA256 (x.ovf) = %s\n" % (sha1, sha256, "c" * 64)
    assert _ovf.parse_manifest(text, "x.mf") == {"disk-1.vmdk": {"SHA1": sha1, "SHA256": sha256.lower()},
                                                 "x.ovf": {"SHA256": "c" * 64}}


@pytest.mark.parametrize("line", ["MD5(disk-1.vmdk)= " + "a" * 32, "SHA256(disk-1.vmdk)= abc", "garbage"])
def test_a_manifest_line_that_is_not_a_digest_is_refused(line):
    with pytest.raises(InputError) as err:
        _ovf.parse_manifest("SHA256(x.ovf)= %s\n%s\n" % ("a" * 64, line), "x.mf")
    assert err.value.option == "source" and "line 2 of the manifest x.mf" in str(err.value)


@pytest.mark.parametrize("manifest", ["sha256", "sha1", "both"])
def test_a_good_package_verifies(tmp_path, manifest):
    source = _ovf.open_source(make(tmp_path, "good-" + manifest, "--manifest", manifest))
    assert source.manifest_name == "vcda-lab.mf"
    assert source.verify_manifest() is True
    disk = [f["href"] for f in source.descriptor.files.values()][0]
    check = source.digest_check(disk)
    assert sorted(check.expected) == {"sha256": ["SHA256"], "sha1": ["SHA1"], "both": ["SHA1", "SHA256"]}[manifest]
    with source.open(disk) as stream:
        check.update(stream.read())
    assert check.problem() is None


def test_a_package_without_manifest_has_nothing_to_verify(tmp_path):
    source = _ovf.open_source(make(tmp_path, "nomf", "--manifest", "none"))
    assert source.manifest is None and source.verify_manifest() is False
    assert source.digest_check("vcda-lab-disk1.vmdk") is None


@pytest.mark.parametrize("fmt", ["ova", "ovf"])
def test_a_descriptor_that_does_not_match_is_refused_before_any_change(tmp_path, fmt):
    source = _ovf.open_source(make(tmp_path, "baddesc", "--corrupt-manifest", "descriptor", fmt=fmt))
    with pytest.raises(InputError) as err:
        source.verify_manifest()
    assert err.value.option == "source"
    assert "the descriptor vcda-lab.ovf does not match the manifest vcda-lab.mf: its SHA256 is" in str(err.value)


def test_a_manifest_that_lacks_a_referenced_file_is_refused(tmp_path):
    path = make(tmp_path, "lacks")
    with tarfile.open(path) as tar:
        members = dict((m.name, tar.extractfile(m).read()) for m in tar.getmembers())
    members["vcda-lab.mf"] = b"".join(l + b"\n" for l in members["vcda-lab.mf"].splitlines() if b"disk1" not in l)
    damaged = str(tmp_path / "lacks2.ova")
    with tarfile.open(damaged, "w") as tar:
        for name in ("vcda-lab.ovf", "vcda-lab.mf", "vcda-lab-disk1.vmdk"):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            tar.addfile(info, __import__("io").BytesIO(members[name]))
    with pytest.raises(InputError) as err:
        _ovf.open_source(damaged).verify_manifest()
    assert "the manifest vcda-lab.mf has no digest of vcda-lab-disk1.vmdk" in str(err.value)


class _Nfc(requests.Session):
    """vCenter's NFC endpoint: consumes the upload body and counts the bytes it received."""

    def __init__(self):
        super(_Nfc, self).__init__()
        self.received = 0

    def send(self, request, **kwargs):
        for chunk in request.body:
            self.received += len(chunk)
        return NS(status_code=201)


def _upload(source, href):
    importer = _imp.OvfImporter(NS(hostname="vc", port=443, thumbprint=None, validate_certs=True), source)
    nfc = _Nfc()
    importer._session = lambda device_url, url: nfc
    progress = _imp.Progress(source.size(href))
    with source.open(href) as stream:
        importer._upload_attempt(NS(url="https://vc/nfc/disk-0"), NS(create=False), href, stream, progress,
                                 source.size(href), [0])
    return nfc


def test_a_disk_that_does_not_match_is_never_sent_whole(tmp_path):
    source = _ovf.open_source(make(tmp_path, "baddisk", "--corrupt-manifest", "disk", "--manifest", "both"))
    assert source.verify_manifest() is True  # the descriptor itself matches: the damage shows while streaming
    href = "vcda-lab-disk1.vmdk"
    nfc = None
    with pytest.raises(_imp.ManifestMismatch) as err:
        nfc = _upload(source, href)
    message = str(err.value)
    assert message.startswith("source: vcda-lab-disk1.vmdk does not match the manifest vcda-lab.mf: its SHA")
    assert "the import was aborted and the partial VM removed" in message
    assert nfc is None
    good = _ovf.open_source(make(tmp_path, "gooddisk"))
    assert _upload(good, href).received == good.size(href)


def test_a_mismatch_in_a_later_chunk_stops_before_the_last_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(_imp, "CHUNK", 64 * 1024)
    source = _ovf.open_source(make(tmp_path, "chunks", "--corrupt-manifest", "disk", "--fill", "random"))
    href = "vcda-lab-disk1.vmdk"
    importer = _imp.OvfImporter(NS(hostname="vc", port=443, thumbprint=None, validate_certs=True), source)
    nfc = _Nfc()
    importer._session = lambda device_url, url: nfc
    with source.open(href) as stream:
        with pytest.raises(_imp.ManifestMismatch):
            importer._upload_attempt(NS(url="https://vc/nfc/disk-0"), NS(create=False), href, stream,
                                     _imp.Progress(source.size(href)), source.size(href), [0])
    assert 0 < nfc.received < source.size(href)   # everything but the held-back last chunk
    with source.open(href) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() != source.manifest[href]["SHA256"]
