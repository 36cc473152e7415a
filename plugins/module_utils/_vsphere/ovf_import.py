# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import an OVF/OVA into vCenter through an NFC lease, streaming.

Independent of Ansible. The lease discipline lives here: wait for ``ready`` with a timeout,
keep it alive with progress updates from a timer, upload the disks in parallel (bounded)
in large chunks, check sizes, complete; on any failure or interrupt abort the lease and
remove the half-imported VM so that a re-run starts clean.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import select
import signal
import stat
import threading
import time

try:
    from pyVmomi import vim, vmodl
except ImportError:  # pragma: no cover - the module base class reports it
    vim = vmodl = None

try:
    import requests
except ImportError:  # pragma: no cover
    requests = None

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    CloudmoveError,
    InputError,
    TaskFailed,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.http import PinnedAdapter, retry_after_seconds
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.ovf_source import CHUNK
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import thumbprint_hex
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.client import fault_message
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller


IMPORT_MARKER = "cloudmove.vcda.import"
MASK = "********"


class Interrupted(CloudmoveError):
    """The import was interrupted (signal) or cancelled."""


def incomplete_import(vm):
    """True when ``vm`` still carries the marker set at import start (cleared after HttpNfcLeaseComplete)."""
    config = getattr(vm, "config", None)
    for option in (getattr(config, "extraConfig", None) or []):
        if option.key == IMPORT_MARKER and option.value:
            return True
    return False


def redact(text, secrets):
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _retryable(exc):
    """A connection reset / closed without response / broken pipe during an NFC upload."""
    if requests is not None and isinstance(exc, requests.exceptions.SSLError):
        return False  # a certificate problem, not a reset
    if requests is not None and isinstance(exc, requests.exceptions.Timeout):
        return False
    if requests is not None and isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return True
    if requests is not None and isinstance(exc, requests.RequestException):
        return False
    return isinstance(exc, (ConnectionError, OSError)) and not isinstance(exc, Interrupted)


class ManifestMismatch(TaskFailed):
    """A disk streamed does not match the package's manifest: the import is aborted (never completed)."""


# Answers to an NFC upload that say "not now" (a busy host, a proxy in front of it): the disk is sent again.
TRANSIENT_STATUS = (429, 502, 503, 504)


class _UploadReset(CloudmoveError):
    """The server reset the NFC connection (or closed it without a response), or answered a transient status
    (``TRANSIENT_STATUS``, with its ``Retry-After`` in ``retry_after``)."""

    def __init__(self, message, sent, cause, retry_after=None):
        super(_UploadReset, self).__init__(message)
        self.sent = sent
        self.cause = cause
        self.retry_after = retry_after


class ImportSpecResult(object):
    def __init__(self, result):
        self.raw = result
        self.errors = [fault_message(e) for e in (result.error or [])]
        self.warnings = [fault_message(w) for w in (result.warning or [])]
        self.file_items = list(result.fileItem or [])


def import_spec_params(name, deployment_option, disk_provisioning, networks, properties, host=None):
    """The CreateImportSpecParams for the user's choices (networks are Network objects)."""
    params = vim.OvfManager.CreateImportSpecParams(entityName=name)
    if deployment_option:
        params.deploymentOption = deployment_option
    if disk_provisioning:
        params.diskProvisioning = disk_provisioning
    if host is not None:
        params.hostSystem = host
    params.networkMapping = [vim.OvfManager.NetworkMapping(name=k, network=v) for k, v in sorted(networks.items())]
    params.propertyMapping = [vim.KeyValue(key=k, value=str(v)) for k, v in sorted(properties.items())]
    return params


class Progress(object):
    """Byte counter shared by the upload threads; reports through ``callback(done, total)``."""

    def __init__(self, total, callback=None):
        self.total = total
        self.done = 0
        self._lock = threading.Lock()
        self.callback = callback
        self.started = time.monotonic()

    def add(self, count):
        with self._lock:
            self.done += count

    def percent(self):
        if not self.total:
            return 0
        return min(99, int(self.done * 100 // self.total))

    def report(self):
        if self.callback is not None:
            self.callback(self.done, self.total, time.monotonic() - self.started)


class OvfImporter(object):
    """One import of ``source`` (an ``_ovf.Source``) with a ``_vsphere.VsphereClient``."""

    def __init__(self, client, source, upload_workers=4, timeout=3600, keepalive=10.0, on_progress=None,
                 secrets=(), retries=2, warn=None, backoff=1.0):
        self.secrets = [s for s in secrets if s]
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.warn = warn or (lambda msg: None)
        self.client = client
        self.source = source
        self.workers = max(1, int(upload_workers))
        self.timeout = timeout
        self.keepalive = keepalive
        self.on_progress = on_progress
        self.cancel = threading.Event()

    def create_import_spec(self, pool, datastore, params):
        manager = self.client.content.ovfManager
        try:
            result = manager.CreateImportSpec(self.source.descriptor.text, pool, datastore, params)
        except vmodl.MethodFault as fault:
            # vCenter echoes a refused property value (InvalidPropertyValue ... value = '...'): never a secret.
            kind = type(fault).__name__.split(".")[-1]
            raise TaskFailed(redact("CreateImportSpec failed: %s: %s" % (kind, fault_message(fault)), self.secrets))
        spec = ImportSpecResult(result)
        spec.errors = [redact(e, self.secrets) for e in spec.errors]
        spec.warnings = [redact(w, self.secrets) for w in spec.warnings]
        return spec

    @staticmethod
    def _mark(spec):
        """Set the 'import not finished' marker in the VM's extraConfig (it exists from ImportVApp on)."""
        config = getattr(spec.raw.importSpec, "configSpec", None)
        if config is None:
            return False
        extra = [o for o in (config.extraConfig or []) if o.key != IMPORT_MARKER]
        extra.append(vim.option.OptionValue(key=IMPORT_MARKER, value="incomplete"))
        config.extraConfig = extra
        return True

    def _unmark(self, vm):
        spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key=IMPORT_MARKER, value="")])
        self.client.wait_for_task(vm.ReconfigVM_Task(spec), min(self.timeout, 300),
                                  "clearing the import marker of %s" % vm.name)

    # --- the lease -------------------------------------------------------------------------
    def run(self, spec, pool, folder, host=None):
        """Import, returning the new VM. Cleans up on any failure or interrupt."""
        lease = None
        entity = None
        previous = self._trap_signals()
        try:
            marked = self._mark(spec)
            lease = pool.ImportVApp(spec.raw.importSpec, folder, host)
            self._wait_ready(lease)
            entity = lease.info.entity
            self._upload_all(lease, spec)
            lease.HttpNfcLeaseProgress(100)
            lease.HttpNfcLeaseComplete()
            lease = None
            if marked and isinstance(entity, vim.VirtualMachine):
                self._unmark(entity)
            return entity
        except BaseException as exc:
            self.cancel.set()
            self._cleanup(lease, entity, folder, spec, exc)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise Interrupted("the import was interrupted; the lease was aborted and the partial VM removed")
            raise
        finally:
            self._restore_signals(previous)

    def _wait_ready(self, lease):
        def probe():
            state = lease.state
            if state == vim.HttpNfcLease.State.error:
                raise TaskFailed("the import lease went to error: %s" % fault_message(lease.error))
            return state
        Poller(min(self.timeout, 600)).until(probe, lambda state: state == vim.HttpNfcLease.State.ready,
                                             "the import lease to become ready")

    def _upload_url(self, device_url):
        url = device_url.url
        if "://*" in url:
            # ESXi/vCenter answer '*' for "the host you talked to": use vCenter's host and port.
            url = url.replace("://*", "://%s:%s" % (self.client.hostname, self.client.port), 1)
        return url

    def _session(self, device_url, url):
        session = requests.Session()
        host_thumb = getattr(device_url, "sslThumbprint", None)
        if host_thumb:
            session.mount("https://", PinnedAdapter(host_thumb.replace(":", "").lower()))
            session.verify = False
        elif self.client.thumbprint and "://%s:" % self.client.hostname in url:
            session.mount("https://", PinnedAdapter(thumbprint_hex(self.client.thumbprint)))
            session.verify = False
        else:
            session.verify = bool(self.client.validate_certs)
        return session

    def _upload_all(self, lease, spec):
        items = dict((i.deviceId, i) for i in spec.file_items)
        jobs = []
        for device_url in lease.info.deviceUrl or []:
            item = items.get(device_url.importKey)
            if item is None:
                continue
            jobs.append((item.path, item, device_url))
        descriptor_sizes = dict((f["href"], f["size"]) for f in self.source.descriptor.files.values())
        total = 0
        for href, item, _device in jobs:
            size = self.source.size(href)
            declared = descriptor_sizes.get(href)
            if size is not None and declared is not None and size != declared:
                raise InputError("source: %s is %d bytes but the descriptor declares %d; the OVA is damaged"
                                 % (href, size, declared), option="source")
            total += size or declared or item.size or 0
        progress = Progress(total, self.on_progress)
        ticker = threading.Thread(target=self._keepalive, args=(lease, progress), daemon=True)
        ticker.start()
        errors = []
        by_href = dict((href, (item, du)) for href, item, du in jobs)
        semaphore = threading.Semaphore(self.workers)
        threads = []

        def worker(href, stream):
            try:
                item, device_url = by_href[href]
                self._upload_one(device_url, item, href, stream, progress, descriptor_sizes.get(href))
            except BaseException as exc:  # pylint: disable=broad-except
                errors.append(exc)
                self.cancel.set()
            finally:
                stream.close()
                semaphore.release()

        try:
            for href, stream in self.source.members(list(by_href)):
                semaphore.acquire()
                if self.cancel.is_set():
                    stream.close()
                    semaphore.release()
                    break
                thread = threading.Thread(target=worker, args=(href, stream), daemon=True)
                thread.start()
                threads.append(thread)
                if self.source.sequential:
                    thread.join()
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
        finally:
            if errors:
                self.cancel.set()
            progress.report()
        self._stop_ticker = True
        if getattr(self, "cancel_reason", None):
            raise Interrupted("the import was cancelled: %s; the lease was aborted and the partial VM removed"
                              % self.cancel_reason)
        if errors:
            raise errors[0]
        progress.report()

    @staticmethod
    def _controller_gone():
        """True when our stdout is a pipe nobody reads any more (the Ansible worker died).

        Ansible does not forward Ctrl-C or a job runner's cancel to the module process; the
        closed result pipe is how the module learns that nobody waits for it.
        """
        try:
            if not stat.S_ISFIFO(os.fstat(1).st_mode):
                return False
            poller = select.poll()
            poller.register(1, select.POLLOUT)
            return any(ev & (select.POLLERR | select.POLLHUP) for _fd, ev in poller.poll(0))
        except (OSError, ValueError):
            return False

    def _keepalive(self, lease, progress):
        """Every half second until the upload ends or is cancelled: lease progress (every ``keepalive``
        seconds), the progress report, and the check that the controller still waits."""
        last = [0.0]

        def tick():
            if self.cancel.is_set() or getattr(self, "_stop_ticker", False):
                return True
            if self._controller_gone():
                self.cancel_reason = "the controller stopped waiting for the module (its output pipe closed)"
                self.cancel.set()
                return True
            now = time.monotonic()
            if now - last[0] >= self.keepalive:
                last[0] = now
                try:
                    lease.HttpNfcLeaseProgress(progress.percent())
                except Exception:  # pylint: disable=broad-except
                    pass
            progress.report()
            return False
        # A steady rhythm with no deadline of its own: the upload's timeouts bound it; a cancel wakes it at once.
        Poller(float("inf"), first=0.5, cap=0.5, sleep=self.cancel.wait).until(tick, bool, "the end of the upload")

    def _upload_one(self, device_url, item, href, stream, progress, declared):
        """Upload one disk; a connection reset by the server or a transient answer (503...) retries the whole disk
        (bounded, with backoff or the server's Retry-After)."""
        attempt = 0
        first = stream
        try:
            while True:
                sent = [0]
                try:
                    return self._upload_attempt(device_url, item, href, stream, progress, declared, sent)
                except _UploadReset as reset:
                    fresh = self._after_reset(reset, attempt, href, progress, sent)
                    if stream is not first:
                        stream.close()
                    stream = fresh
                    attempt += 1
        finally:
            if stream is not first:
                stream.close()

    def _after_reset(self, reset, attempt, href, progress, sent):
        """Decide about one reset upload: raise, or wait and return a fresh stream of the disk."""
        progress.add(-sent[0])
        if attempt >= self.retries or self.source.sequential or self.cancel.is_set():
            why = ("a streamed OVA cannot be read again" if self.source.sequential
                   else "after %d attempt%s" % (attempt + 1, "s" if attempt else ""))
            raise TaskFailed("%s (%s)" % (reset, why))
        delay = min(30.0, self.backoff * (2 ** attempt))
        if reset.retry_after is not None:
            delay = max(delay, reset.retry_after)
        what = ("answered %s by the server after %d bytes" % (reset.cause, reset.sent) if reset.cause.startswith("HTTP ")
                else "reset by the server after %d bytes (%s)" % (reset.sent, reset.cause))
        self.warn("upload of %s was %s; sending the disk again in %.0f s (attempt %d of %d)"
                  % (href, what, delay, attempt + 2, self.retries + 1))
        self.retried = getattr(self, "retried", 0) + 1
        if self.cancel.wait(delay):
            raise Interrupted("upload of %s cancelled" % href)
        return self.source.open(href)

    def _upload_attempt(self, device_url, item, href, stream, progress, declared, sent):
        url = self._upload_url(device_url)
        size = self.source.size(href)
        if size is None:
            size = declared
        if size is None:
            raise InputError("source: the size of %s is unknown (no ovf:size in the descriptor)" % href,
                             option="source")
        cancel = self.cancel
        check = self.source.digest_check(href)  # the manifest's digests, computed while the disk streams

        def body():
            # One chunk is held back until the next is read: a disk that does not match the manifest never
            # reaches vCenter whole, and the lease is aborted (the import is never completed).
            held = None
            while True:
                if cancel.is_set():
                    raise Interrupted("upload of %s cancelled" % href)
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                if check is not None:
                    check.update(chunk)
                if held is not None:
                    sent[0] += len(held)
                    progress.add(len(held))
                    yield held
                held = chunk
            problem = check.problem() if check is not None else None
            if problem:
                raise ManifestMismatch("source: %s; the import was aborted and the partial VM removed" % problem)
            if held is not None:
                sent[0] += len(held)
                progress.add(len(held))
                yield held

        headers = {"Content-Length": str(size), "Connection": "close"}
        if getattr(item, "create", False):
            method = "PUT"
            headers["Overwrite"] = "t"
        else:
            method = "POST"
            headers["Content-Type"] = "application/x-vnd.vmware-streamVmdk"
        session = self._session(device_url, url)
        try:
            prepared = session.prepare_request(requests.Request(method, url, data=body(), headers=headers))
            # A generator body makes requests announce chunked encoding; NFC wants a plain
            # Content-Length body, sent in our large chunks.
            prepared.headers.pop("Transfer-Encoding", None)
            prepared.headers["Content-Length"] = str(size)
            response = session.send(prepared, timeout=(30, max(60, self.timeout)))
        except requests.RequestException as exc:
            if _retryable(exc):
                raise _UploadReset("upload of %s to %s failed after %d of %d bytes: %s"
                                   % (href, url, sent[0], size, exc), sent[0], type(exc).__name__)
            raise TaskFailed("upload of %s to %s failed after %d of %d bytes: %s" % (href, url, sent[0], size, exc))
        finally:
            session.close()
        if response.status_code in TRANSIENT_STATUS:
            raise _UploadReset("upload of %s to %s answered HTTP %s after %d of %d bytes"
                               % (href, url, response.status_code, sent[0], size), sent[0],
                               "HTTP %s" % response.status_code, retry_after_seconds(response))
        if response.status_code >= 300:
            raise TaskFailed("upload of %s to %s answered HTTP %s" % (href, url, response.status_code))
        if sent[0] != size:
            raise TaskFailed("upload of %s sent %d bytes but %d were expected; the source is truncated"
                             % (href, sent[0], size))

    # --- cleanup ---------------------------------------------------------------------------
    def _cleanup(self, lease, entity, folder, spec, exc):
        if lease is not None:
            try:
                fault = vmodl.fault.SystemError(reason="import failed: %s" % (str(exc)[:200] or type(exc).__name__))
                lease.HttpNfcLeaseAbort(fault)
            except Exception:  # pylint: disable=broad-except
                pass
        vm = entity
        if vm is None:
            name = getattr(spec.raw.importSpec.configSpec, "name", None)
            if name:
                vm = self.client.vm_in_folder(folder, name)
        if vm is None:
            return
        try:
            if vm.runtime.powerState == vim.VirtualMachinePowerState.poweredOn:
                self.client.wait_for_task(vm.PowerOffVM_Task(), 120, "power off of the partial VM")
            self.client.wait_for_task(vm.Destroy_Task(), 300, "removal of the partial VM")
        except vmodl.fault.ManagedObjectNotFound:
            pass  # the lease abort already removed it
        except Exception:  # pylint: disable=broad-except
            pass

    def _trap_signals(self):
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum, frame):
            raise KeyboardInterrupt("signal %d" % signum)

        previous = {}
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            previous[sig] = signal.signal(sig, handler)
        return previous

    @staticmethod
    def _restore_signals(previous):
        for sig, old in (previous or {}).items():
            signal.signal(sig, old)
