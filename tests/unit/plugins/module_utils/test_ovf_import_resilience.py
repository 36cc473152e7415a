"""ovf_import: the unfinished-import marker, secrets masked in vCenter's faults, the NFC reset retry."""
from types import SimpleNamespace as NS

import pytest
import requests
from pyVmomi import vim

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import TaskFailed
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import ovf_import as _imp


def test_marker_is_added_to_the_import_spec_and_recognised_on_a_vm():
    config = vim.vm.ConfigSpec(name="vm", extraConfig=[vim.option.OptionValue(key="a", value="1")])
    spec = NS(raw=NS(importSpec=NS(configSpec=config)))
    assert _imp.OvfImporter._mark(spec)
    assert [(o.key, o.value) for o in config.extraConfig] == [("a", "1"), (_imp.IMPORT_MARKER, "incomplete")]
    vm = NS(config=NS(extraConfig=config.extraConfig))
    assert _imp.incomplete_import(vm)
    assert not _imp.incomplete_import(NS(config=NS(extraConfig=[vim.option.OptionValue(key="a", value="1")])))
    assert not _imp.incomplete_import(NS(config=None))


def test_create_import_spec_fault_never_prints_a_secret():
    fault = vim.fault.InvalidPropertyValue(msg="A specified parameter was not correct: value = 'S3cret-pw'")

    def create(*args):
        raise fault

    client = NS(content=NS(ovfManager=NS(CreateImportSpec=create)))
    importer = _imp.OvfImporter(client, NS(descriptor=NS(text="<x/>")), secrets=["S3cret-pw"])
    with pytest.raises(TaskFailed) as err:
        importer.create_import_spec(None, None, None)
    assert "S3cret-pw" not in str(err.value) and "********" in str(err.value)
    assert "InvalidPropertyValue" in str(err.value)


class _Source(object):
    sequential = False

    def __init__(self):
        self.opened = 0

    def open(self, href):
        self.opened += 1
        return NS(close=lambda: None)


def _importer(source, attempts, retries=2):
    warnings = []
    importer = _imp.OvfImporter(NS(), source, retries=retries, warn=warnings.append, backoff=0.01)
    calls = []

    def attempt(device_url, item, href, stream, progress, declared, sent):
        calls.append(stream)
        outcome = attempts[len(calls) - 1]
        sent[0] = 100
        progress.add(100)
        if outcome == "reset":
            raise _imp._UploadReset("upload of disk-0.vmdk failed after 100 of 100 bytes: reset", 100,
                                    "ConnectionError")
        return None

    importer._upload_attempt = attempt
    return importer, calls, warnings


def test_a_reset_disk_is_sent_again_from_a_fresh_stream():
    source = _Source()
    importer, calls, warnings = _importer(source, ["reset", "ok"])
    progress = _imp.Progress(100)
    importer._upload_one(None, None, "disk-0.vmdk", "first-stream", progress, 100)
    assert len(calls) == 2 and calls[0] == "first-stream" and source.opened == 1
    assert progress.done == 100  # the bytes of the reset attempt are not counted twice
    assert len(warnings) == 1 and "reset by the server after 100 bytes" in warnings[0] and "attempt 2 of 3" in warnings[0]


def test_retries_are_bounded():
    importer, calls, dummy = _importer(_Source(), ["reset", "reset", "reset", "ok"])
    with pytest.raises(TaskFailed) as err:
        importer._upload_one(None, None, "disk-0.vmdk", "s", _imp.Progress(100), 100)
    assert len(calls) == 3 and "after 3 attempts" in str(err.value)


def test_a_streamed_source_is_not_retried():
    source = _Source()
    source.sequential = True
    importer, calls, dummy = _importer(source, ["reset", "ok"])
    with pytest.raises(TaskFailed) as err:
        importer._upload_one(None, None, "disk-0.vmdk", "s", _imp.Progress(100), 100)
    assert len(calls) == 1 and "cannot be read again" in str(err.value)


@pytest.mark.parametrize("exc,retry", [
    (requests.ConnectionError("Connection aborted: RemoteDisconnected"), True),
    (requests.exceptions.ChunkedEncodingError("reset"), True),
    (requests.exceptions.SSLError("certificate verify failed"), False),
    (requests.exceptions.ReadTimeout("timeout"), False),
])
def test_what_counts_as_a_reset(exc, retry):
    assert _imp._retryable(exc) is retry


class _DiskSource(_Source):
    """A seekable source of one 300-byte disk, without a manifest."""

    def size(self, href):
        return 300

    def digest_check(self, href):
        return None


class _Stream(object):
    def __init__(self, data):
        self.data = data

    def read(self, count):
        chunk, self.data = self.data[:count], self.data[count:]
        return chunk

    def close(self):
        pass


def _answering(importer, statuses):
    """The NFC session answers each upload with the next of ``statuses`` (code, headers), after reading its body."""
    bodies = []

    class Session(object):
        def prepare_request(self, request):
            return requests.Request(request.method, request.url, data=request.data, headers=request.headers).prepare()

        def send(self, prepared, timeout=None):
            bodies.append(b"".join(prepared.body))
            code, headers = statuses[len(bodies) - 1]
            response = requests.Response()
            response.status_code = code
            response.headers.update(headers)
            return response

        def close(self):
            pass

    importer._session = lambda device_url, url: Session()
    return bodies


def test_a_503_answer_to_the_disk_upload_is_retried_after_retry_after():
    source = _DiskSource()
    source.open = lambda href: (setattr(source, "opened", source.opened + 1), _Stream(b"x" * 300))[1]
    warnings = []
    importer = _imp.OvfImporter(NS(hostname="vc", port=443), source, retries=2, warn=warnings.append, backoff=0.01)
    waited = []
    importer.cancel = NS(is_set=lambda: False, wait=lambda delay: waited.append(delay) or False)
    bodies = _answering(importer, [(503, {"Retry-After": "2"}), (200, {})])
    progress = _imp.Progress(300)
    importer._upload_one(NS(url="https://*/nfc/1/disk-0.vmdk"), NS(create=True), "disk-0.vmdk",
                         _Stream(b"x" * 300), progress, 300)
    assert bodies == [b"x" * 300, b"x" * 300]  # the whole disk, twice, from a fresh stream
    assert source.opened == 1 and progress.done == 300
    assert waited == [2.0]  # the server's Retry-After, longer than the 0.01 s backoff
    assert len(warnings) == 1 and "answered HTTP 503 by the server after 300 bytes" in warnings[0], warnings
    assert "attempt 2 of 3" in warnings[0]


def test_503_answers_beyond_the_retries_fail_naming_the_status():
    source = _DiskSource()
    source.open = lambda href: _Stream(b"x" * 300)
    importer = _imp.OvfImporter(NS(hostname="vc", port=443), source, retries=1, backoff=0.01)
    importer.cancel = NS(is_set=lambda: False, wait=lambda delay: False)
    bodies = _answering(importer, [(503, {}), (503, {}), (200, {})])
    with pytest.raises(TaskFailed) as err:
        importer._upload_one(NS(url="https://*/nfc/1/disk-0.vmdk"), NS(create=True), "disk-0.vmdk",
                             _Stream(b"x" * 300), _imp.Progress(300), 300)
    assert len(bodies) == 2 and "answered HTTP 503" in str(err.value) and "after 2 attempts" in str(err.value)


def test_an_error_status_that_is_not_transient_is_not_retried():
    source = _DiskSource()
    importer = _imp.OvfImporter(NS(hostname="vc", port=443), source, retries=2, backoff=0.01)
    bodies = _answering(importer, [(500, {}), (200, {})])
    with pytest.raises(TaskFailed) as err:
        importer._upload_one(NS(url="https://*/nfc/1/disk-0.vmdk"), NS(create=True), "disk-0.vmdk",
                             _Stream(b"x" * 300), _imp.Progress(300), 300)
    assert len(bodies) == 1 and source.opened == 0 and "answered HTTP 500" in str(err.value)
