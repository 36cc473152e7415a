import io
import os
import subprocess
import sys
import tarfile

import pytest

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_source as _ovf
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


@pytest.fixture(scope="module")
def lab_ova(tmp_path_factory):
    out = tmp_path_factory.mktemp("ova") / "vcda.ova"
    subprocess.run([sys.executable, os.path.join(ROOT, "lab", "ova", "make_ova.py"), "--kind", "vcda", "--disks",
                    "2M,1M", "--format", "ova", "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return str(out)


def test_descriptor_sections(lab_ova):
    src = _ovf.open_source(lab_ova)
    d = src.descriptor
    assert d.deployment_options == ["cloud", "replicator", "tunnel", "combined"]
    assert d.default_option == "cloud"
    assert d.networks == ["VM Network"]
    assert "guestinfo.cis.appliance.root.password" in d.password_keys()
    assert "guestinfo.cis.appliance.net.ip0" not in d.password_keys()
    assert [disk["capacity"] for disk in d.disks] == [2 << 20, 1 << 20]
    assert d.sizing_of("tunnel") == {"cpus": 2, "memory_mb": 2048}
    assert d.options_matching(4, 8192) == ["replicator"]
    assert d.nic_networks == ["VM Network"]


def test_ova_members_stream_from_their_offset(lab_ova):
    src = _ovf.open_source(lab_ova)
    with tarfile.open(lab_ova) as tar:
        for ref in src.descriptor.files.values():
            expected = tar.extractfile(ref["href"]).read()
            assert src.size(ref["href"]) == len(expected) == ref["size"]
            with src.open(ref["href"]) as stream:
                assert stream.read() == expected


def test_limited_reader_stops_at_member_end():
    reader = _ovf.LimitedReader(io.BytesIO(b"abcdefgh"), 5)
    assert reader.read(3) == b"abc"
    assert reader.read(10) == b"de"
    assert reader.read(1) == b""


class _ReadOnly(object):
    """A raw stream without readinto (as some HTTP bodies are)."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def read(self, n=-1):
        return self._data.read(n)


@pytest.mark.parametrize("raw", [io.BytesIO, _ReadOnly])
def test_limited_reader_readinto_stops_at_member_end(raw):
    stream = raw(b"0123456789")
    stream.read(2)
    reader = _ovf.LimitedReader(stream, 5)
    buf = bytearray(b"xxxxxxxx")
    assert reader.readinto(buf) == 5
    assert bytes(buf) == b"23456xxx"
    assert reader.readinto(buf) == 0
    # what the uploads do: BufferedReader reads whole chunks straight into its result
    buffered = io.BufferedReader(_ovf.LimitedReader(raw(b"abcdefghij"), 9), 4)
    assert [buffered.read(4) for _i in range(4)] == [b"abcd", b"efgh", b"i", b""]


def test_ovf_directory_source(tmp_path):
    subprocess.run([sys.executable, os.path.join(ROOT, "lab", "ova", "make_ova.py"), "--kind", "vcda", "--disks", "1M",
                    "--format", "ovf", "--out", str(tmp_path / "d")], check=True, stdout=subprocess.DEVNULL)
    src = _ovf.open_source(str(tmp_path / "d"))
    href = list(src.descriptor.files.values())[0]["href"]
    assert src.size(href) == os.path.getsize(str(tmp_path / "d" / href))


@pytest.mark.parametrize("content,message", [
    (b"not a tar", "is not a readable OVA"),
])
def test_broken_ova(tmp_path, content, message):
    path = tmp_path / "x.ova"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        _ovf.open_source(str(path))
    assert message in str(err.value) and err.value.option == "source"


def test_missing_source():
    with pytest.raises(InputError) as err:
        _ovf.open_source("/nonexistent/file.ova")
    assert "does not exist" in str(err.value)


def test_not_an_envelope():
    with pytest.raises(InputError):
        _ovf.Descriptor("<root/>")
    with pytest.raises(InputError):
        _ovf.Descriptor("<<<")


def test_reference_outside_directory_refused(tmp_path):
    ovf = tmp_path / "a.ovf"
    ovf.write_text('<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"/>')
    src = _ovf.LocalOvf(str(ovf))
    with pytest.raises(InputError):
        src.size("../etc/passwd")
