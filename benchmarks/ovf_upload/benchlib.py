# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the ovf_upload benchmark: the lab vcsim, OVA members, import leases, processes.

Standard library plus pyVmomi (the collection's own requirement). Nothing here uses Ansible.
"""

import json
import os
import resource
import shutil
import ssl
import subprocess
import tarfile
import time
import urllib.request
import xml.etree.ElementTree as ET

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VCSIM_SH = os.path.join(ROOT, "lab", "vcsim.sh")
OVF_NS = "{http://schemas.dmtf.org/ovf/envelope/1}"

# Placement used by every variant (the lab inventory, see lab/README.md).
DATACENTER = "DC0"
CLUSTER = "DC0_C0"
DATASTORE = "LocalDS_0"
NETWORK = "VM Network"


class BenchError(Exception):
    """Something the benchmark could not do (not a missed target)."""


# --- the lab vcsim ----------------------------------------------------------------------------
def vcsim_state(name):
    path = os.path.join(ROOT, "lab", "run", "vcsim-%s.json" % name)
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def ensure_vcsim(name, address=None):
    """Start the instance unless it runs; returns (state, started_by_us)."""
    status = subprocess.run(["bash", VCSIM_SH, "status", name], capture_output=True, text=True, check=False)
    if status.returncode == 0 and vcsim_state(name):
        return vcsim_state(name), False
    cmd = ["bash", VCSIM_SH, "start", name] + ([address] if address else [])
    start = subprocess.run(cmd, capture_output=True, text=True, check=False)
    state = vcsim_state(name)
    if start.returncode != 0 or state is None:
        raise BenchError("%s failed: %s" % (" ".join(cmd), (start.stderr or start.stdout).strip()[-2000:]))
    return state, True


def stop_vcsim(name):
    subprocess.run(["bash", VCSIM_SH, "stop", name], capture_output=True, check=False)


def ssl_context(state):
    # The lab certificate's SAN is the instance IP, so the file works as a CA bundle.
    return ssl.create_default_context(cafile=state["cert_file"])


def lab_request(state, method, path):
    req = urllib.request.Request("https://%s:%s%s" % (state["hostname"], state["port"], path), method=method)
    with urllib.request.urlopen(req, context=ssl_context(state), timeout=30) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def nfc_uploads(state, vm_name):
    """The lab's record of what arrived for ``vm_name``'s import leases."""
    doc = lab_request(state, "GET", "/_lab/nfc/uploads") or {}
    return [lease for lease in doc.get("leases") or [] if lease.get("vm_name") == vm_name]


def nfc_forget(state):
    lab_request(state, "DELETE", "/_lab/nfc/uploads")


def verify_upload(state, vm_name, expected):
    """Check the lab received every VMDK byte exactly once in a completed lease."""
    leases = nfc_uploads(state, vm_name)
    done = [lease for lease in leases if lease.get("state") == "done"]
    if len(done) != 1:
        raise BenchError("%s: expected one completed import lease, the lab saw %s"
                         % (vm_name, [lease.get("state") for lease in leases]))
    devices = done[0].get("devices") or {}
    disks = dict((k, v) for k, v in devices.items() if v.get("disk"))
    got = sum(int(d.get("bytes") or 0) for d in disks.values())
    if got != expected or not all(d.get("complete") for d in disks.values()):
        raise BenchError("%s: the lab received %d VMDK bytes (complete: %s), expected %d"
                         % (vm_name, got, [d.get("complete") for d in disks.values()], expected))
    return {"bytes": got, "attempts": sum(int(d.get("attempts") or 0) for d in disks.values())}


class CpuWindow(object):
    """System-wide CPU accounting over a measurement, to see how much other processes took.

    ``others_cores`` = (busy CPU time of the whole machine - the measured process tree - the vcsim
    server - this benchmark process) / wall time: the load the rest of the machine added while
    we measured (other users' tests on a shared box). ``steal_cores`` is hypervisor steal.
    """

    def __init__(self, server_pid):
        self.server_pid = server_pid
        self.begin = None

    @staticmethod
    def _stat():
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        tick = float(os.sysconf("SC_CLK_TCK"))
        return (user + nice + system + irq + softirq) / tick, steal / tick

    @staticmethod
    def _self_cpu():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def start(self):
        self.begin = (time.monotonic(), self._stat(), process_cpu_seconds(self.server_pid), self._self_cpu())
        return self

    def stop(self, tree_cpu):
        """Figures for the window; ``tree_cpu``: CPU seconds of the measured process tree."""
        wall0, (busy0, steal0), server0, self0 = self.begin
        wall = time.monotonic() - wall0
        busy, steal = self._stat()
        server1 = process_cpu_seconds(self.server_pid)
        server = server1 - server0 if server0 is not None and server1 is not None else 0.0
        others = (busy - busy0) - tree_cpu - server - (self._self_cpu() - self0)
        return {"window_s": round(wall, 3), "vcsim_cpu_s": round(server, 3),
                "others_cores": round(max(0.0, others) / wall, 2) if wall > 0 else None,
                "steal_cores": round((steal - steal0) / wall, 2) if wall > 0 else None}


def busy_cores(seconds):
    """Busy CPU of the whole machine over ``seconds`` (in cores)."""
    def busy():
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        return sum(fields[i] for i in (0, 1, 2, 5, 6) if i < len(fields)) / float(os.sysconf("SC_CLK_TCK"))
    before = busy()
    time.sleep(seconds)
    return (busy() - before) / seconds


def wait_quiet(max_cores, timeout, probe=0.5):
    """Wait (up to ``timeout`` s) until other processes use at most ``max_cores``; returns (busy, waited)."""
    began = time.monotonic()
    while True:
        load = busy_cores(probe)
        if load <= max_cores or time.monotonic() - began >= timeout:
            return round(load, 2), round(time.monotonic() - began, 1)


def process_cpu_seconds(pid):
    """utime + stime of a running process (the vcsim server), from /proc."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / float(ticks)


# --- vSphere ----------------------------------------------------------------------------------
class Vcenter(object):
    """A short-lived pyVmomi connection to the lab vcsim."""

    def __init__(self, state):
        self.state = state
        self.si = None

    def __enter__(self):
        self.si = SmartConnect(host=self.state["hostname"], port=int(self.state["port"]), user=self.state["username"],
                               pwd=self.state["password"], sslContext=ssl_context(self.state))
        return self

    def __exit__(self, *exc):
        try:
            Disconnect(self.si)
        except Exception:  # pylint: disable=broad-except
            pass

    @property
    def content(self):
        return self.si.RetrieveContent()

    def datacenter(self):
        for entity in self.content.rootFolder.childEntity:
            if isinstance(entity, vim.Datacenter) and entity.name == DATACENTER:
                return entity
        raise BenchError("datacenter %s not found" % DATACENTER)

    def find_vms(self, name):
        view = self.content.viewManager.CreateContainerView(self.content.rootFolder, [vim.VirtualMachine], True)
        try:
            return [vm for vm in view.view if vm.name == name]
        finally:
            view.Destroy()

    def destroy_vms(self, name):
        """Power off and delete every VM called ``name``; returns how many were removed."""
        count = 0
        for vm in self.find_vms(name):
            try:
                if vm.runtime.powerState == vim.VirtualMachinePowerState.poweredOn:
                    self.wait(vm.PowerOffVM_Task())
                self.wait(vm.Destroy_Task())
                count += 1
            except vmodl.fault.ManagedObjectNotFound:
                pass
        return count

    @staticmethod
    def wait(task, timeout=300):
        end = time.monotonic() + timeout
        while task.info.state in (vim.TaskInfo.State.queued, vim.TaskInfo.State.running):
            if time.monotonic() > end:
                raise BenchError("task %s did not finish within %ss" % (task._moId, timeout))
            time.sleep(0.1)
        if task.info.state != vim.TaskInfo.State.success:
            raise BenchError("task failed: %s" % getattr(task.info.error, "msg", task.info.error))

    def import_lease(self, descriptor, name):
        """CreateImportSpec + ImportVApp with the placement the modules use; waits for ``ready``.

        Returns (lease, [(file_item, upload_url)]) with ``*`` replaced by the vCenter host:port.
        """
        dc = self.datacenter()
        cluster = next((c for c in dc.hostFolder.childEntity if c.name == CLUSTER), None)
        datastore = next((d for d in dc.datastore if d.name == DATASTORE), None)
        network = next((n for n in dc.network if n.name == NETWORK), None)
        if cluster is None or datastore is None or network is None:
            raise BenchError("lab inventory lacks %s / %s / %s" % (CLUSTER, DATASTORE, NETWORK))
        params = vim.OvfManager.CreateImportSpecParams(entityName=name, diskProvisioning="thin")
        params.networkMapping = [vim.OvfManager.NetworkMapping(name=NETWORK, network=network)]
        spec = self.content.ovfManager.CreateImportSpec(descriptor, cluster.resourcePool, datastore, params)
        if spec.error:
            raise BenchError("CreateImportSpec: %s" % "; ".join(e.msg or str(e) for e in spec.error))
        lease = cluster.resourcePool.ImportVApp(spec.importSpec, dc.vmFolder)
        end = time.monotonic() + 60
        while lease.state == vim.HttpNfcLease.State.initializing:
            if time.monotonic() > end:
                raise BenchError("the import lease stayed initializing")
            time.sleep(0.05)
        if lease.state != vim.HttpNfcLease.State.ready:
            raise BenchError("the import lease is %s: %s" % (lease.state, lease.error))
        items = dict((i.deviceId, i) for i in spec.fileItem or [])
        host = "%s:%s" % (self.state["hostname"], self.state["port"])
        uploads = []
        for device in lease.info.deviceUrl or []:
            item = items.get(device.importKey)
            if item is not None:
                uploads.append((item, device.url.replace("://*", "://" + host, 1)))
        return lease, uploads

    @staticmethod
    def complete(lease):
        lease.HttpNfcLeaseProgress(100)
        lease.HttpNfcLeaseComplete()

    @staticmethod
    def abort(lease, reason):
        try:
            lease.HttpNfcLeaseAbort(vmodl.fault.SystemError(reason=reason))
        except Exception:  # pylint: disable=broad-except
            pass


# --- OVA members ------------------------------------------------------------------------------
class Ova(object):
    """An OVA's descriptor and disk members (offset and size inside the tar)."""

    def __init__(self, path):
        self.path = path = os.path.abspath(path)
        with tarfile.open(path, "r:") as tar:
            members = dict((m.name, m) for m in tar.getmembers() if m.isfile())
            ovf = [n for n in members if n.endswith(".ovf")]
            if len(ovf) != 1:
                raise BenchError("%s: expected one .ovf member, found %s" % (path, ovf))
            self.descriptor = tar.extractfile(members[ovf[0]]).read().decode("utf-8")
        root = ET.fromstring(self.descriptor)
        hrefs = [f.get(OVF_NS + "href") for f in root.iter(OVF_NS + "File")]
        self.disks = [(h, members[h].offset_data, members[h].size) for h in hrefs if h.endswith(".vmdk")]
        self.vmdk_bytes = sum(size for _href, _offset, size in self.disks)

    def extract_disks(self, directory):
        """Copy each VMDK member to ``directory`` (cached by size and mtime); returns href -> path."""
        os.makedirs(directory, exist_ok=True)
        stamp = os.path.getmtime(self.path)
        paths = {}
        for href, offset, size in self.disks:
            target = os.path.join(directory, os.path.basename(href))
            paths[href] = target
            if os.path.exists(target) and os.path.getsize(target) == size and os.path.getmtime(target) >= stamp:
                continue
            with open(self.path, "rb") as src, open(target + ".part", "wb") as dst:
                src.seek(offset)
                left = size
                while left:
                    chunk = src.read(min(left, 8 << 20))
                    if not chunk:
                        raise BenchError("%s ends inside %s" % (self.path, href))
                    dst.write(chunk)
                    left -= len(chunk)
            os.replace(target + ".part", target)
        return paths


def read_through(path):
    """Read a file once so that every variant starts from the page cache."""
    with open(path, "rb", buffering=0) as handle:
        while handle.read(8 << 20):
            pass


def tool_version(cmd):
    exe = shutil.which(cmd[0]) if not os.path.isabs(cmd[0]) else cmd[0]
    if not exe:
        return None
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return ((out.stdout or out.stderr).strip().splitlines() or [None])[0]
