"""The lab vCenter (lab/vcsim.sh, lab/vcsim/) checked with a real pyvmomi client.

Each check matches one reason the lab patches govmomi's vcsim (see lab/README.md):
unset properties read lazily, OVF properties in vAppConfig, ReconfigVM of vApp
properties, CreateImportSpec faults and warnings, NFC byte accounting and the
lab-only NFC fault endpoint. The build is not optional: if the binary cannot be
built, the session fails.

The import and fault checks use their own instance ("labtest", 127.0.0.1:8997)
so that they never disturb the provider/tenant instances other tests use.
"""
import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import tarfile
import time

import pytest
import requests
from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(ROOT, "lab", "vcsim.sh")
RUN = os.path.join(ROOT, "lab", "run")
MAKE_OVA = os.path.join(ROOT, "lab", "ova", "make_ova.py")
TEST_NAME = "labtest"
TEST_ADDR = "127.0.0.1:8997"


def vcsim_sh(*args, check=True, timeout=900):
    proc = subprocess.run(["bash", SCRIPT] + list(args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        pytest.fail("lab/vcsim.sh %s failed (%d):\n%s\n%s" % (" ".join(args), proc.returncode, proc.stdout,
                                                              proc.stderr))
    return proc


def state(name):
    with open(os.path.join(RUN, "vcsim-%s.json" % name)) as fh:
        return json.load(fh)


def is_running(name):
    return vcsim_sh("status", name, check=False).returncode == 0


# ----------------------------------------------------------------- fixtures --

@pytest.fixture(scope="session")
def built():
    """Build the lab vcsim (cached); a failed build fails the session."""
    vcsim_sh("build")
    return os.path.join(ROOT, "lab", "build", "bin", "vcsim-lab")


@pytest.fixture(scope="session")
def provider_tenant(built):
    """provider and tenant, started if needed, stopped at the end if this fixture started them."""
    started = []
    for name in ("provider", "tenant"):
        if not is_running(name):
            vcsim_sh("start", name)
            started.append(name)
    yield {name: state(name) for name in ("provider", "tenant")}
    for name in started:
        vcsim_sh("stop", name, check=False)


@pytest.fixture(scope="session")
def lab(built):
    """A private instance for the tests that change inventory and arm faults."""
    vcsim_sh("stop", TEST_NAME, check=False)
    vcsim_sh("start", TEST_NAME, TEST_ADDR)
    yield state(TEST_NAME)
    vcsim_sh("stop", TEST_NAME, check=False)


class ThumbprintMismatch(Exception):
    pass


def pinned_context(host, port, thumbprint):
    """An SSL context that trusts exactly the certificate with this SHA-256 thumbprint.

    The certificate is fetched without trust, its thumbprint compared with the
    pinned one, and only then used as the single trust anchor (with host name
    checking: the lab certificate's SAN is the loopback IP).
    """
    pem = ssl.get_server_certificate((host, port))
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()
    if digest != thumbprint.split(":", 1)[-1].replace(":", "").lower() or not thumbprint.startswith("SHA-256:"):
        raise ThumbprintMismatch("%s:%s presents SHA-256 %s" % (host, port, digest))
    return ssl.create_default_context(cadata=pem)


def _connect(st, thumbprint=None):
    ctx = pinned_context(st["hostname"], st["port"], thumbprint or st["thumbprint"])
    return SmartConnect(host=st["hostname"], port=st["port"], user=st["username"], pwd=st["password"],
                        sslContext=ctx, httpConnectionTimeout=30)


@pytest.fixture(scope="session")
def si(lab):
    conn = _connect(lab)
    yield conn
    Disconnect(conn)


@pytest.fixture(scope="session")
def ovas(tmp_path_factory):
    out = tmp_path_factory.mktemp("ova")

    def make(fname, *args):
        path = str(out / fname)
        subprocess.run([sys.executable, MAKE_OVA, "--out", path] + list(args), check=True, stdout=subprocess.PIPE)
        return path

    return {
        "vcda": make("vcda.ova", "--kind", "vcda", "--disks", "16M,8M"),
        "random": make("random.ova", "--kind", "vcda", "--disks", "8M", "--fill", "random"),
        "l2vpn": make("l2vpn.ova", "--kind", "l2vpn-client", "--disks", "4M"),
        "onprem_dir": make("onprem", "--kind", "onprem", "--disks", "4M", "--format", "ovf"),
    }


# ------------------------------------------------------------------ helpers --

def find(si, vimtype, name=None):
    view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [vimtype], True)
    try:
        objs = list(view.view)
    finally:
        view.Destroy()
    if name is None:
        return objs
    return next((o for o in objs if o.name == name), None)


class Package:
    """Read an OVA (tar) or an OVF directory."""

    def __init__(self, path):
        self.path = path
        if os.path.isdir(path):
            self.tar = None
            self.names = os.listdir(path)
        else:
            self.tar = tarfile.open(path)
            self.names = self.tar.getnames()
        self.ovf = next(n for n in self.names if n.endswith(".ovf"))

    def open(self, name):
        if self.tar is None:
            return open(os.path.join(self.path, name), "rb")
        return self.tar.extractfile(name)

    def descriptor(self):
        with self.open(self.ovf) as fh:
            return fh.read().decode("utf-8")

    def size(self, name):
        if self.tar is None:
            return os.path.getsize(os.path.join(self.path, name))
        return self.tar.getmember(name).size


def lab_url(st, path):
    return "https://%s:%s%s" % (st["hostname"], st["port"], path)


def create_import_spec(si, pkg, name, option="", properties=None, networks=None):
    dc = find(si, vim.Datacenter, "DC0")
    cluster = find(si, vim.ClusterComputeResource, "DC0_C0")
    ds = find(si, vim.Datastore, "LocalDS_0")
    cisp = vim.OvfManager.CreateImportSpecParams(
        entityName=name, deploymentOption=option, diskProvisioning="thin",
        propertyMapping=[vim.KeyValue(key=k, value=v) for k, v in (properties or {}).items()],
        networkMapping=[vim.OvfManager.NetworkMapping(name=k, network=find(si, vim.Network, v))
                        for k, v in (networks or {}).items()])
    res = si.content.ovfManager.CreateImportSpec(pkg.descriptor(), cluster.resourcePool, ds, cisp)
    return dc, cluster, res


def wait_lease(lease, timeout=30):
    end = time.time() + timeout
    while lease.state == vim.HttpNfcLease.State.initializing:
        assert time.time() < end, "lease stayed initializing"
        time.sleep(0.1)
    assert lease.state == vim.HttpNfcLease.State.ready, lease.error


def upload(st, pkg, res, lease, method="POST"):
    items = {f.deviceId: f for f in res.fileItem}
    sent = {}
    for du in lease.info.deviceUrl:
        item = items[du.importKey]
        # The lease gives "*" as host: the client puts in the vCenter it talks to.
        url = du.url.replace("*", "%s:%s" % (st["hostname"], st["port"]))
        with pkg.open(item.path) as body:
            r = requests.request(method, url, data=body, verify=st["cert_file"], timeout=60,
                                 headers={"Content-Type": "application/x-vnd.vmware-streamVmdk"})
        assert r.status_code == 200, r.text
        sent[du.importKey] = pkg.size(item.path)
    return sent


def import_package(si, st, pkg, name, option="", properties=None, networks=None):
    dc, cluster, res = create_import_spec(si, pkg, name, option, properties, networks)
    assert not res.error, res.error
    lease = cluster.resourcePool.ImportVApp(res.importSpec, dc.vmFolder)
    wait_lease(lease)
    vm = lease.info.entity
    key = lease._moId
    sent = upload(st, pkg, res, lease)
    lease.HttpNfcLeaseProgress(100)
    lease.HttpNfcLeaseComplete()
    return vm, res, key, sent


def destroy(vm):
    try:
        WaitForTask(vm.Destroy_Task())
    except vmodl.fault.ManagedObjectNotFound:
        pass


def nfc_report(st):
    r = requests.get(lab_url(st, "/_lab/nfc/uploads"), verify=st["cert_file"], timeout=10)
    r.raise_for_status()
    return {lease["lease"]: lease for lease in r.json()["leases"]}


def props_by_id(vm):
    return {p.id: p for p in vm.config.vAppConfig.property}


# ------------------------------------------------------------ the script --

THUMB_RE = re.compile(r"^SHA-256:([0-9A-F]{2}:){31}[0-9A-F]{2}$")
SHA1_RE = re.compile(r"^([0-9A-F]{2}:){19}[0-9A-F]{2}$")


def test_build_is_cached(built):
    assert os.access(built, os.X_OK)
    out = vcsim_sh("build")
    assert "up to date" in out.stderr


def test_provider_and_tenant_run_at_once(provider_tenant):
    p, t = provider_tenant["provider"], provider_tenant["tenant"]
    assert (p["hostname"], p["port"]) == ("127.0.0.1", 8989)
    assert (t["hostname"], t["port"]) == ("127.0.0.1", 8990)
    assert p["pid"] != t["pid"]
    for st in (p, t):
        assert set(st) >= {"hostname", "port", "username", "password", "thumbprint", "thumbprint_sha1", "pid", "url"}
        assert st["username"] == "administrator@vsphere.local"
        assert st["url"] == "https://%s:%d/sdk" % (st["hostname"], st["port"])
        assert THUMB_RE.match(st["thumbprint"]), st["thumbprint"]
        assert SHA1_RE.match(st["thumbprint_sha1"]), st["thumbprint_sha1"]
        assert os.path.exists("/proc/%d" % st["pid"])
    assert p["thumbprint"] != t["thumbprint"]
    out = vcsim_sh("status")
    assert "provider: running" in out.stdout and "tenant: running" in out.stdout


def test_thumbprint_is_the_served_certificate(provider_tenant):
    for st in provider_tenant.values():
        pem = ssl.get_server_certificate((st["hostname"], st["port"]))
        der = ssl.PEM_cert_to_DER_cert(pem)
        hexed = hashlib.sha256(der).hexdigest().upper()
        assert st["thumbprint"] == "SHA-256:" + ":".join(hexed[i:i + 2] for i in range(0, len(hexed), 2))
        sha1 = hashlib.sha1(der).hexdigest().upper()
        assert st["thumbprint_sha1"] == ":".join(sha1[i:i + 2] for i in range(0, len(sha1), 2))
        # CN/SAN is the loopback IP: the certificate also verifies as a CA file for that IP.
        r = requests.get(lab_url(st, "/about"), verify=st["cert_file"], timeout=10)
        assert r.status_code == 200


def test_start_is_idempotent(provider_tenant):
    before = state("provider")["pid"]
    out = vcsim_sh("start", "provider")
    assert "already running" in out.stderr
    assert state("provider")["pid"] == before


def test_env_prints_exports(provider_tenant):
    out = vcsim_sh("env", "tenant").stdout
    assert re.search(r"^export VMWARE_HOST=127\.0\.0\.1$", out, re.M)
    assert re.search(r"^export VMWARE_PORT=8990$", out, re.M)
    # The exports survive the shell: the password has a "!" in it.
    show = out + '\nprintf "%s\\n%s\\n%s" "$VMWARE_USER" "$VMWARE_PASSWORD" "$VMWARE_PORT"'
    shown = subprocess.run(["bash", "-c", show], stdout=subprocess.PIPE, universal_newlines=True,
                           check=True).stdout.split("\n")
    st = provider_tenant["tenant"]
    assert shown == [st["username"], st["password"], "8990"]


def test_stop_and_status(built):
    vcsim_sh("start", "stoptest", "127.0.0.1:8996")
    pid = state("stoptest")["pid"]
    vcsim_sh("stop", "stoptest")
    assert not os.path.exists(os.path.join(RUN, "vcsim-stoptest.json"))
    deadline = time.time() + 4
    while os.path.exists("/proc/%d" % pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not os.path.exists("/proc/%d" % pid)
    assert vcsim_sh("status", "stoptest", check=False).returncode == 3
    assert vcsim_sh("stop", "stoptest").returncode == 0  # already stopped: no-op


def test_start_rejects_non_loopback(built):
    proc = vcsim_sh("start", "badaddr", "10.1.2.3:8999", check=False)
    assert proc.returncode != 0 and "loopback" in proc.stderr


# --------------------------------------------------------------- the API --

def test_connect_pins_thumbprint(lab):
    conn = _connect(lab)
    assert conn.content.about.apiType == "VirtualCenter"
    Disconnect(conn)
    with pytest.raises(ThumbprintMismatch):
        _connect(lab, thumbprint="SHA-256:" + ":".join(["AB"] * 32))
    # the other lab instance has its own certificate: its thumbprint does not fit here
    other = state("provider") if os.path.exists(os.path.join(RUN, "vcsim-provider.json")) else None
    if other and other["thumbprint"] != lab["thumbprint"]:
        with pytest.raises(ThumbprintMismatch):
            _connect(lab, thumbprint=other["thumbprint"])


def test_wrong_password_is_refused(lab):
    ctx = pinned_context(lab["hostname"], lab["port"], lab["thumbprint"])
    with pytest.raises(vim.fault.InvalidLogin):
        SmartConnect(host=lab["hostname"], port=lab["port"], user=lab["username"], pwd="wrong", sslContext=ctx)


def test_lookup_service_and_sts_are_served(lab):
    body = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:lookup="urn:lookup">'
            '<soapenv:Body><lookup:RetrieveServiceContent><lookup:_this type="LookupServiceInstance">'
            'ServiceInstance</lookup:_this></lookup:RetrieveServiceContent></soapenv:Body></soapenv:Envelope>')
    r = requests.post(lab["lookup_service_url"], data=body, verify=lab["cert_file"], timeout=10,
                      headers={"Content-Type": "text/xml", "SOAPAction": "urn:lookup/2.0"})
    assert r.status_code == 200, r.text
    assert "serviceRegistration" in r.text
    r = requests.post(lab["sts_url"], data="<x/>", verify=lab["cert_file"], timeout=10,
                      headers={"Content-Type": "text/xml", "SOAPAction": "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue"})
    assert r.status_code != 404


def test_inventory_names(si):
    def names(vimtype):
        return sorted(o.name for o in find(si, vimtype))

    assert names(vim.Datacenter) == ["DC0"]
    assert names(vim.ClusterComputeResource) == ["DC0_C0"]
    assert names(vim.HostSystem) == ["DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2", "DC0_H0"]
    assert names(vim.Datastore) == ["LocalDS_0", "LocalDS_1"]
    pgs = names(vim.dvs.DistributedVirtualPortgroup)
    assert [n for n in pgs if "-DVUplinks-" not in n] == ["DC0_DVPG0", "DC0_DVPG1"]
    assert names(vim.DistributedVirtualSwitch) == ["DVS0"]
    # datastore morefs look like vCenter's, not like a local path
    assert all(re.match(r"^datastore-\d+$", ds._moId) for ds in find(si, vim.Datastore))
    assert "VM Network" in names(vim.Network)
    assert {"DC0_H0_VM0", "DC0_C0_RP0_VM0"} <= set(names(vim.VirtualMachine))


def test_unset_property_reads_do_not_break_the_connection(si):
    vm = find(si, vim.VirtualMachine, "DC0_H0_VM0")
    # Each of these is read lazily by pyvmomi with PropertyCollector.Fetch.
    assert vm.snapshot is None
    assert vm.config.vAppConfig is None
    assert vm.rootSnapshot == []
    assert vm.name == "DC0_H0_VM0"  # the connection is still usable


# ------------------------------------------------------------ OVF import --

def test_import_puts_properties_in_vapp_config(lab, si, ovas):
    pkg = Package(ovas["vcda"])
    password = 'p@ss "word" <&> !$'
    vm, res, lease, sent = import_package(
        si, lab, pkg, "vcda-replicator", option="replicator",
        properties={"guestinfo.cis.appliance.net.ip0": "10.0.0.10",
                    "guestinfo.cis.appliance.root.password": password,
                    "guestinfo.cis.appliance.ssh.enabled": "True"},
        networks={"VM Network": "DC0_DVPG0"})
    try:
        assert not res.warning
        # deployment option: sizing of "replicator" (4 vCPU, 8192 MB)
        assert (vm.config.hardware.numCPU, vm.config.hardware.memoryMB) == (4, 8192)
        assert vm.config.guestId == "vmwarePhoton64Guest"
        disks = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk)]
        assert [d.capacityInKB for d in disks] == [16 * 1024, 8 * 1024]
        nics = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)]
        assert len(nics) == 1 and nics[0].backing.port.portgroupKey == find(
            si, vim.dvs.DistributedVirtualPortgroup, "DC0_DVPG0").key

        va = vm.config.vAppConfig
        assert va is not None
        assert va.ovfEnvironmentTransport == ["com.vmware.guestInfo"]
        assert va.product[0].name == "VMware Cloud Director Availability (lab)"
        assert va.eula and "Lab appliance" in va.eula[0]
        props = props_by_id(vm)
        assert props["guestinfo.cis.appliance.net.ip0"].value == "10.0.0.10"
        assert props["guestinfo.cis.appliance.net.ip0"].type == "string"
        assert props["guestinfo.cis.appliance.net.ip0"].category == "Networking"
        assert props["guestinfo.cis.appliance.net.ip0"].userConfigurable is True
        root = props["guestinfo.cis.appliance.root.password"]
        assert root.type == "password(8..64)" and root.value == password
        assert props["guestinfo.cis.appliance.ssh.enabled"].type == "boolean"
        assert props["guestinfo.cis.appliance.ssh.enabled"].value == "True"
        assert props["guestinfo.cis.appliance.ssh.enabled"].defaultValue == "False"
        # not in propertyMapping: no value, the OVF default stays
        assert not props["guestinfo.cis.appliance.net.hostname"].value
        # per-configuration default: how a client can read the deployment option back
        marker = props["guestinfo.cis.appliance.deployment_option"]
        assert marker.defaultValue == "replicator" and marker.userConfigurable is False
        assert len({p.key for p in va.property}) == len(va.property)
        # nothing leaks into extraConfig any more
        assert not [o for o in vm.config.extraConfig if o.key.startswith("guestinfo.cis")]

        # NFC accounting: every byte of every disk arrived
        report = nfc_report(lab)[lease]
        assert report["state"] == "done"
        got = {d["import_key"]: d for d in report["devices"].values()}
        assert set(got) == set(sent)
        for key, size in sent.items():
            assert got[key]["bytes"] == size and got[key]["complete"] and got[key]["attempts"] == 1
    finally:
        destroy(vm)


def test_import_uses_the_default_deployment_option(lab, si, ovas):
    vm, _res, _lease, _sent = import_package(si, lab, Package(ovas["vcda"]), "vcda-default")
    try:
        assert (vm.config.hardware.numCPU, vm.config.hardware.memoryMB) == (4, 6144)  # cloud
        assert props_by_id(vm)["guestinfo.cis.appliance.deployment_option"].defaultValue == "cloud"
    finally:
        destroy(vm)


def test_unknown_deployment_option_faults(si, ovas):
    with pytest.raises(vmodl.fault.InvalidArgument) as err:
        create_import_spec(si, Package(ovas["vcda"]), "vcda-bad", option="small")
    assert err.value.invalidProperty == "cisp.deploymentOption"
    # an OVF without deployment options accepts none
    with pytest.raises(vmodl.fault.InvalidArgument):
        create_import_spec(si, Package(ovas["onprem_dir"]), "onprem-bad", option="cloud")


def test_unknown_property_key_warns(si, ovas):
    _dc, _cl, res = create_import_spec(si, Package(ovas["vcda"]), "vcda-warn",
                                       properties={"guestinfo.cis.appliance.net.ip0": "10.0.0.11",
                                                   "no.such.key": "x"})
    assert not res.error
    assert len(res.warning) == 1
    assert isinstance(res.warning[0], vim.fault.OvfUnknownEntity)
    assert "no.such.key" in res.warning[0].msg
    props = {p.info.id: p.info for p in res.importSpec.configSpec.vAppConfig.property}
    assert props["guestinfo.cis.appliance.net.ip0"].value == "10.0.0.11"
    assert "no.such.key" not in props


def test_import_ovf_directory_and_l2vpn_networks(lab, si, ovas):
    vm, _res, _lease, _sent = import_package(si, lab, Package(ovas["onprem_dir"]), "onprem-1")
    try:
        assert vm.config.vAppConfig.product[0].name.startswith("VMware Cloud Director Availability On-Premises")
    finally:
        destroy(vm)
    vm, _res, _lease, _sent = import_package(
        si, lab, Package(ovas["l2vpn"]), "l2vpn-client-1",
        properties={"l2vpn.server.address": "192.0.2.10", "l2vpn.user.password": "secret"},
        networks={"Public": "DC0_DVPG0", "Trunk": "DC0_DVPG1", "HA interface": "VM Network"})
    try:
        nics = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)]
        assert len(nics) == 3
        keys = sorted(getattr(getattr(n.backing, "port", None), "portgroupKey", None) or n.backing.deviceName
                      for n in nics)
        expected = sorted([find(si, vim.dvs.DistributedVirtualPortgroup, "DC0_DVPG0").key,
                           find(si, vim.dvs.DistributedVirtualPortgroup, "DC0_DVPG1").key, "VM Network"])
        assert keys == expected
        props = props_by_id(vm)
        assert props["l2vpn.server.port"].type == "int" and props["l2vpn.server.port"].defaultValue == "443"
        assert props["l2vpn.cipher"].type.startswith('string["AES128-GCM-SHA256"')
        assert props["l2vpn.user.password"].type == "password"
        assert props["l2vpn.server.address"].value == "192.0.2.10"
    finally:
        destroy(vm)


# ----------------------------------------------------------- reconfigure --

def test_reconfigure_vapp_properties(lab, si, ovas):
    vm, _res, _lease, _sent = import_package(si, lab, Package(ovas["vcda"]), "vcda-reconfig",
                                             properties={"guestinfo.cis.appliance.net.ip0": "10.0.0.20"})
    try:
        props = props_by_id(vm)
        spec = vim.vm.ConfigSpec(vAppConfig=vim.vApp.VmConfigSpec(property=[
            vim.vApp.PropertySpec(operation="edit", info=vim.vApp.PropertyInfo(
                key=props["guestinfo.cis.appliance.net.ip0"].key, value="10.0.0.21")),
            vim.vApp.PropertySpec(operation="edit", info=vim.vApp.PropertyInfo(
                key=props["guestinfo.cis.appliance.ssh.enabled"].key, value="True")),
            vim.vApp.PropertySpec(operation="remove", removeKey=props["guestinfo.cis.appliance.net.ntp"].key),
            vim.vApp.PropertySpec(operation="add", info=vim.vApp.PropertyInfo(
                key=1000, id="lab.extra", type="string", value="x", userConfigurable=True)),
        ]))
        WaitForTask(vm.ReconfigVM_Task(spec))
        after = props_by_id(vm)
        assert after["guestinfo.cis.appliance.net.ip0"].value == "10.0.0.21"
        assert after["guestinfo.cis.appliance.ssh.enabled"].value == "True"
        assert "guestinfo.cis.appliance.net.ntp" not in after
        assert after["lab.extra"].value == "x"
        # untouched fields of an edited property stay
        assert after["guestinfo.cis.appliance.net.ip0"].label == "IP address"

        bad_bool = vim.vm.ConfigSpec(vAppConfig=vim.vApp.VmConfigSpec(property=[
            vim.vApp.PropertySpec(operation="edit", info=vim.vApp.PropertyInfo(
                key=after["guestinfo.cis.appliance.ssh.enabled"].key, value="yes"))]))
        with pytest.raises(vim.fault.InvalidPropertyValue) as err:
            WaitForTask(vm.ReconfigVM_Task(bad_bool))
        assert err.value.id == "guestinfo.cis.appliance.ssh.enabled"
        unknown = vim.vm.ConfigSpec(vAppConfig=vim.vApp.VmConfigSpec(property=[
            vim.vApp.PropertySpec(operation="edit", info=vim.vApp.PropertyInfo(key=4242, value="x"))]))
        with pytest.raises(vmodl.fault.InvalidArgument):
            WaitForTask(vm.ReconfigVM_Task(unknown))
        # a failed reconfigure changes nothing
        assert props_by_id(vm)["guestinfo.cis.appliance.ssh.enabled"].value == "True"

        WaitForTask(vm.CreateSnapshot_Task("before", "", False, False))
        assert vm.snapshot.currentSnapshot is not None
    finally:
        destroy(vm)


# ---------------------------------------------------------------- faults --

def arm(st, **body):
    return requests.post(lab_url(st, "/_lab/faults/nfc"), json=body, verify=st["cert_file"], timeout=10)


def test_fault_endpoint_validates_and_clears(lab):
    assert arm(lab, count=1).status_code == 400
    assert arm(lab, reset_after_bytes=-1).status_code == 400
    assert arm(lab, reset_after_bytes=10, count=0).status_code == 400
    r = arm(lab, reset_after_bytes=10, count=2)
    assert r.status_code == 200 and r.json()["armed"] and r.json()["count"] == 2
    r = requests.delete(lab_url(lab, "/_lab/faults/nfc"), verify=lab["cert_file"], timeout=10)
    assert r.status_code == 200 and not r.json()["armed"]


def test_fault_drops_upload_then_retry_succeeds(lab, si, ovas):
    pkg = Package(ovas["random"])
    name = "vcda-fault"
    dc, cluster, res = create_import_spec(si, pkg, name)
    lease = cluster.resourcePool.ImportVApp(res.importSpec, dc.vmFolder)
    wait_lease(lease)
    lease_id = lease._moId
    try:
        assert arm(lab, reset_after_bytes=1 << 20, count=1).status_code == 200
        with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.SSLError)):
            upload(lab, pkg, res, lease)
        faults = requests.get(lab_url(lab, "/_lab/faults/nfc"), verify=lab["cert_file"], timeout=10).json()
        assert faults["fired"] == 1 and not faults["armed"]
        dev = next(iter(nfc_report(lab)[lease_id]["devices"].values()))
        assert dev["resets"] == 1 and not dev["complete"] and dev["bytes"] <= 1 << 20
        # like vCenter, aborting an import lease removes the half-made VM
        lease.HttpNfcLeaseAbort()
        assert find(si, vim.VirtualMachine, name) is None
        assert nfc_report(lab)[lease_id]["state"] == "error"
    finally:
        requests.delete(lab_url(lab, "/_lab/faults/nfc"), verify=lab["cert_file"], timeout=10)

    # the fault was for one upload only: a fresh import goes through
    vm, _res, lease_id, sent = import_package(si, lab, pkg, name)
    try:
        dev = next(iter(nfc_report(lab)[lease_id]["devices"].values()))
        assert dev["complete"] and dev["bytes"] == list(sent.values())[0] and dev["resets"] == 0
        assert dev["bytes"] >= 8 << 20  # random fill: the VMDK really is the disk size
    finally:
        destroy(vm)


def test_fault_target_filter(lab, si, ovas):
    pkg = Package(ovas["vcda"])  # two disks: disk-0.vmdk and disk-1.vmdk
    dc, cluster, res = create_import_spec(si, pkg, "vcda-target")
    lease = cluster.resourcePool.ImportVApp(res.importSpec, dc.vmFolder)
    wait_lease(lease)
    lease_id = lease._moId
    try:
        assert arm(lab, reset_after_bytes=0, count=1, target="disk-1.vmdk").status_code == 200
        with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.SSLError)):
            upload(lab, pkg, res, lease)
        devices = nfc_report(lab)[lease_id]["devices"]
        assert devices["disk-0.vmdk"]["complete"] and devices["disk-0.vmdk"]["resets"] == 0
        assert devices["disk-1.vmdk"]["resets"] == 1 and devices["disk-1.vmdk"]["bytes"] == 0
    finally:
        requests.delete(lab_url(lab, "/_lab/faults/nfc"), verify=lab["cert_file"], timeout=10)
        lease.HttpNfcLeaseAbort()
    assert find(si, vim.VirtualMachine, "vcda-target") is None


def seeded(st, **body):
    return requests.put(lab_url(st, "/_lab/faults/nfc"), json=body, verify=st["cert_file"], timeout=10)


def test_seeded_nfc_faults_validate(lab):
    try:
        assert seeded(lab, seed=1, error503Rate=1.5).status_code == 400
        assert seeded(lab, seed=1, error503Rate=0.6, resetRate=0.6).status_code == 400
        assert seeded(lab, seed=1, latencyMs=-1).status_code == 400
        assert seeded(lab, seed=1, bogus=1).status_code == 400
        r = seeded(lab, seed=7, error503Rate=0.04, resetRate=0.03, lastByteResetRate=0.03, latencyMs=20)
        assert r.status_code == 200 and r.json()["rates"]["seed"] == 7 and r.json()["injected"] == 0
    finally:
        r = requests.delete(lab_url(lab, "/_lab/faults/nfc"), verify=lab["cert_file"], timeout=10)
    assert r.status_code == 200 and r.json()["rates"] is None


def _draws(lab, si, pkg, name, **rates):
    """Upload ``pkg`` once under seeded NFC rates; the status of each disk upload and the fault state."""
    dc, cluster, res = create_import_spec(si, pkg, name)
    lease = cluster.resourcePool.ImportVApp(res.importSpec, dc.vmFolder)
    wait_lease(lease)
    items = {f.deviceId: f for f in res.fileItem}
    statuses = []
    try:
        assert seeded(lab, **rates).status_code == 200
        for du in lease.info.deviceUrl:
            url = du.url.replace("*", "%s:%s" % (lab["hostname"], lab["port"]))
            with pkg.open(items[du.importKey].path) as body:
                try:
                    r = requests.post(url, data=body, verify=lab["cert_file"], timeout=60)
                    statuses.append((r.status_code, r.headers.get("Retry-After")))
                except (requests.exceptions.ConnectionError, requests.exceptions.SSLError):
                    statuses.append(("reset", None))
        state = requests.get(lab_url(lab, "/_lab/faults/nfc"), verify=lab["cert_file"], timeout=10).json()
        return statuses, state, nfc_report(lab)[lease._moId]
    finally:
        requests.delete(lab_url(lab, "/_lab/faults/nfc"), verify=lab["cert_file"], timeout=10)
        lease.HttpNfcLeaseAbort()


def test_seeded_nfc_503_is_answered_after_the_body_with_retry_after(lab, si, ovas):
    pkg = Package(ovas["vcda"])  # two disks
    statuses, state, lease = _draws(lab, si, pkg, "vcda-nfc503", seed=1, error503Rate=1.0, retryAfter=3, limit=1)
    assert statuses == [(503, "3"), (200, None)], statuses  # the limit: one fault, then uploads go through
    assert state["kinds"] == {"nfc503": 1} and state["matched"] == 2, state
    refused = [d for d in lease["devices"].values() if d["refused"]]
    sizes = [pkg.size(n) for n in pkg.names if n.endswith(".vmdk")]
    assert len(refused) == 1 and not refused[0]["complete"] and refused[0]["bytes"] in sizes, lease  # whole body read


def test_seeded_nfc_resets_after_the_last_byte_and_repeat_with_the_seed(lab, si, ovas):
    pkg = Package(ovas["vcda"])
    statuses, state, lease = _draws(lab, si, pkg, "vcda-nfclast", seed=5, lastByteResetRate=1.0)
    assert statuses == [("reset", None), ("reset", None)], statuses
    assert state["kinds"] == {"nfcLastByteReset": 2}, state
    sizes = sorted(pkg.size(n) for n in pkg.names if n.endswith(".vmdk"))
    devices = lease["devices"].values()
    assert all(d["resets"] == 1 and not d["complete"] for d in devices), lease
    assert sorted(d["bytes"] for d in devices) == sizes, lease  # the whole body arrived, then the reset
    # the same seed draws the same faults
    mixed = dict(seed=11, error503Rate=0.3, resetRate=0.3, lastByteResetRate=0.3)
    first = _draws(lab, si, pkg, "vcda-nfcseed", **mixed)[1]["kinds"]
    again = _draws(lab, si, pkg, "vcda-nfcseed", **mixed)[1]["kinds"]
    assert first == again


# ------------------------------------------------------------- the guest --

def test_appliance_guest_reports_its_ovf_address(lab, si, ovas):
    vm, _res, _lease, _sent = import_package(
        si, lab, Package(ovas["vcda"]), "vcda-guest",
        properties={"guestinfo.cis.appliance.net.ip0": "10.0.0.30",
                    "guestinfo.cis.appliance.net.hostname": "vcda-guest.lab.local"})
    try:
        assert vm.guest.ipAddress is None
        WaitForTask(vm.PowerOnVM_Task())
        assert vm.guest.toolsRunningStatus == "guestToolsRunning"
        assert vm.guest.ipAddress == "10.0.0.30" and vm.summary.guest.ipAddress == "10.0.0.30"
        assert vm.guest.hostName == "vcda-guest.lab.local"
        assert vm.guest.net[0].ipAddress == ["10.0.0.30"]
        WaitForTask(vm.PowerOffVM_Task())
        assert vm.guest.ipAddress is None and vm.guest.toolsRunningStatus == "guestToolsNotRunning"
    finally:
        destroy(vm)


def guestinfo(st, method, body=None, query=""):
    r = requests.request(method, lab_url(st, "/_lab/guestinfo" + query), json=body, verify=st["cert_file"], timeout=10)
    return r.status_code, r.json()


def extra_config(vm):
    return {o.key: o.value for o in vm.config.extraConfig or []}


def test_appliance_guest_publishes_its_guestinfo(lab, si, ovas):
    # patch 0011: what the guest at an address publishes lands in the VM's extraConfig at power-on
    assert guestinfo(lab, "PUT", {"ip": "10.0.0.31", "extraConfig": {"guestinfo.cloud.certificate": "QUJD",
                                                                     "guestinfo.manager.certificate": "REVG"}}) == (
        200, {"ip": "10.0.0.31", "updated": []})
    vm, _res, _lease, _sent = import_package(si, lab, Package(ovas["vcda"]), "vcda-publish",
                                             properties={"guestinfo.cis.appliance.net.ip0": "10.0.0.31"})
    try:
        assert "guestinfo.cloud.certificate" not in extra_config(vm)
        assert props_by_id(vm)["guestinfo.cis.appliance.role"].defaultValue == "cloud"
        WaitForTask(vm.PowerOnVM_Task())
        extra = extra_config(vm)
        assert extra["guestinfo.cloud.certificate"] == "QUJD" and extra["guestinfo.manager.certificate"] == "REVG"
        # a new registration reaches the running VM at once (merged by key), power-off keeps the keys
        assert guestinfo(lab, "PUT", {"ip": "10.0.0.31", "extraConfig": {"guestinfo.cloud.certificate": "R0hJ"}})[1][
            "updated"] == ["vcda-publish"]
        assert extra_config(vm)["guestinfo.cloud.certificate"] == "R0hJ"
        assert [k for k in extra_config(vm) if k == "guestinfo.cloud.certificate"] == ["guestinfo.cloud.certificate"]
        WaitForTask(vm.PowerOffVM_Task())
        assert extra_config(vm)["guestinfo.cloud.certificate"] == "R0hJ"
        # bad registrations are refused
        assert guestinfo(lab, "PUT", {"ip": "nope", "extraConfig": {"guestinfo.a": "b"}})[0] == 400
        assert guestinfo(lab, "PUT", {"ip": "10.0.0.31", "extraConfig": {"other.key": "b"}})[0] == 400
        assert guestinfo(lab, "PUT", {"ip": "10.0.0.31", "extraConfig": {}})[0] == 400
        assert "10.0.0.31" in guestinfo(lab, "GET")[1]["guests"]
    finally:
        guestinfo(lab, "DELETE", query="?ip=10.0.0.31")
        destroy(vm)
    assert "10.0.0.31" not in guestinfo(lab, "GET")[1]["guests"]
