"""lab/ova/make_ova.py: descriptor sections, sizes, manifest, tar order, cache.

No network; needs the qemu-img binary (Debian package qemu-utils).
"""
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(ROOT, "lab", "ova", "make_ova.py")

_spec = importlib.util.spec_from_file_location("lab_make_ova", SCRIPT)
make_ova = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_ova)

OVF = "http://schemas.dmtf.org/ovf/envelope/1"
RASD = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
VMW = "http://www.vmware.com/schema/ovf"
NS = {"ovf": OVF, "rasd": RASD, "vmw": VMW}
MiB = 1 << 20


def a(el, name):
    """An ovf:-qualified attribute."""
    return el.get("{%s}%s" % (OVF, name))


def rasd(item, name):
    el = item.find("rasd:%s" % name, NS)
    return None if el is None else el.text


@pytest.fixture(autouse=True)
def _needs_qemu_img():
    if not make_ova.shutil.which("qemu-img"):
        pytest.fail("qemu-img is required (apt-get install qemu-utils)")


def build(tmp_path, fname, **kw):
    return make_ova.build(out=str(tmp_path / fname), **kw)


def read_ova(path):
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        ovf = next(m for m in members if m.name.endswith(".ovf"))
        root = ET.fromstring(tar.extractfile(ovf).read())
        mf = next(m for m in members if m.name.endswith(".mf"))
        manifest = tar.extractfile(mf).read().decode()
        digests = {m.name: hashlib.sha256(tar.extractfile(m).read()).hexdigest() for m in members}
    return members, root, manifest, digests


@pytest.fixture(scope="module")
def vcda(tmp_path_factory):
    out = tmp_path_factory.mktemp("vcda")
    result = make_ova.build(kind="vcda", disks="4M,1M", out=str(out / "vcda.ova"))
    members, root, manifest, digests = read_ova(result["path"])
    return {"result": result, "members": members, "root": root, "manifest": manifest, "digests": digests}


# ----------------------------------------------------------------- sizes --

def test_parse_size():
    assert make_ova.parse_size("512M") == 512 * MiB
    assert make_ova.parse_size("2G") == 2 << 30
    assert make_ova.parse_size("1GiB") == 1 << 30
    assert make_ova.parse_size("4096") == 4096
    assert make_ova.parse_disks("512M, 2G") == [512 * MiB, 2 << 30]
    for bad in ("", "12X", "-1M", "0", "1000"):
        with pytest.raises(make_ova.MakeOvaError):
            make_ova.parse_disks(bad)


# ------------------------------------------------------------- the vcda --

def test_tar_members_ovf_first_then_mf_then_disks(vcda):
    names = [m.name for m in vcda["members"]]
    assert names == ["vcda-lab.ovf", "vcda-lab.mf", "vcda-lab-disk1.vmdk", "vcda-lab-disk2.vmdk"]
    assert vcda["result"]["members"] == names
    with open(vcda["result"]["path"], "rb") as fh:
        header = fh.read(512)
    assert header[257:265] == b"ustar\x0000"  # POSIX ustar, as OVA wants
    assert header[:12] == b"vcda-lab.ovf"
    for m in vcda["members"]:
        assert m.isfile() and m.mode == 0o644


def test_references_sizes_are_real_file_sizes(vcda):
    root = vcda["root"]
    sizes = {m.name: m.size for m in vcda["members"]}
    files = root.findall("ovf:References/ovf:File", NS)
    assert [a(f, "href") for f in files] == ["vcda-lab-disk1.vmdk", "vcda-lab-disk2.vmdk"]
    for f in files:
        assert int(a(f, "size")) == sizes[a(f, "href")]


def test_disk_section_capacity_and_format(vcda):
    root = vcda["root"]
    disks = root.findall("ovf:DiskSection/ovf:Disk", NS)
    assert [int(a(d, "capacity")) for d in disks] == [4 * MiB, 1 * MiB]
    file_ids = {a(f, "id") for f in root.findall("ovf:References/ovf:File", NS)}
    for d in disks:
        assert a(d, "capacityAllocationUnits") == "byte"
        assert a(d, "format").endswith("#streamOptimized")
        assert a(d, "fileRef") in file_ids
    # the VirtualHardwareSection disks point at the DiskSection ids
    items = root.findall("ovf:VirtualSystem/ovf:VirtualHardwareSection/ovf:Item", NS)
    host_resources = [rasd(i, "HostResource") for i in items if rasd(i, "ResourceType") == "17"]
    assert host_resources == ["ovf:/disk/%s" % a(d, "diskId") for d in disks]


def test_vmdks_are_stream_optimized(vcda):
    with tarfile.open(vcda["result"]["path"]) as tar:
        head = tar.extractfile("vcda-lab-disk1.vmdk").read(4096)
    assert head[:4] == b"KDMV"
    assert b'createType="streamOptimized"' in head


def test_manifest_has_sha256_of_every_other_member(vcda):
    lines = dict(line.split("= ") for line in vcda["manifest"].strip().splitlines())
    expected = {"SHA256(%s)" % n: d for n, d in vcda["digests"].items() if not n.endswith(".mf")}
    assert lines == expected


def test_network_section(vcda):
    nets = vcda["root"].findall("ovf:NetworkSection/ovf:Network", NS)
    assert [a(n, "name") for n in nets] == ["VM Network"]
    items = vcda["root"].findall("ovf:VirtualSystem/ovf:VirtualHardwareSection/ovf:Item", NS)
    assert [rasd(i, "Connection") for i in items if rasd(i, "ResourceType") == "10"] == ["VM Network"]


def test_deployment_options_and_sizing(vcda):
    root = vcda["root"]
    confs = root.findall("ovf:DeploymentOptionSection/ovf:Configuration", NS)
    assert [a(c, "id") for c in confs] == ["cloud", "replicator", "tunnel", "combined"]
    assert [a(c, "id") for c in confs if a(c, "default") == "true"] == ["cloud"]
    hw = root.find("ovf:VirtualSystem/ovf:VirtualHardwareSection", NS)
    assert a(hw, "transport") == "com.vmware.guestInfo"
    sizing = {}
    for item in hw.findall("ovf:Item", NS):
        kind = {"3": "cpus", "4": "memory_mb"}.get(rasd(item, "ResourceType"))
        if kind:
            sizing.setdefault(a(item, "configuration"), {})[kind] = int(rasd(item, "VirtualQuantity"))
    assert set(sizing) == {"cloud", "replicator", "tunnel", "combined"}
    assert sizing == vcda["result"]["sizing"]
    # every option can be told apart by its CPU and memory
    assert len({(s["cpus"], s["memory_mb"]) for s in sizing.values()}) == 4


def test_product_section_properties(vcda):
    ps = vcda["root"].find("ovf:VirtualSystem/ovf:ProductSection", NS)
    props = {a(p, "key"): p for p in ps.findall("ovf:Property", NS)}
    for key in ("hostname", "ip0", "netmask0", "gateway", "dns", "domain", "ntp"):
        assert "guestinfo.cis.appliance.net." + key in props
        assert a(props["guestinfo.cis.appliance.net." + key], "userConfigurable") == "true"
    root_pw = props["guestinfo.cis.appliance.root.password"]
    assert a(root_pw, "password") == "true" and a(root_pw, "type") == "string"
    assert [k for k, p in props.items() if a(p, "password") == "true"] == ["guestinfo.cis.appliance.root.password"]
    ssh = props["guestinfo.cis.appliance.ssh.enabled"]
    assert a(ssh, "type") == "boolean" and a(ssh, "value") in ("True", "False")
    marker = props["guestinfo.cis.appliance.deployment_option"]
    assert a(marker, "userConfigurable") == "false" and a(marker, "value") == "cloud"
    assert {a(v, "configuration"): a(v, "value") for v in marker.findall("ovf:Value", NS)} == {
        "replicator": "replicator", "tunnel": "tunnel", "combined": "combined"}
    # the role VMware's PowerCLI module reads (names the guestinfo.<role>.certificate key), per option
    role = props["guestinfo.cis.appliance.role"]
    assert a(role, "userConfigurable") == "false" and a(role, "value") == "cloud"
    assert {a(v, "configuration"): a(v, "value") for v in role.findall("ovf:Value", NS)} == {
        "replicator": "replicator", "tunnel": "tunnel", "combined": "cloud"}
    assert [c.text for c in ps.findall("ovf:Category", NS)] == ["Networking", "Appliance"]
    for p in props.values():
        assert p.find("ovf:Label", NS).text
    assert ps.find("ovf:Product", NS).text.startswith("VMware Cloud Director Availability")
    described = {p["key"] for p in vcda["result"]["properties"]}
    assert described == set(props)


def test_other_sections(vcda):
    vs = vcda["root"].find("ovf:VirtualSystem", NS)
    assert a(vs, "id") == "vcda-lab"
    assert vs.find("ovf:EulaSection/ovf:License", NS).text
    os_sec = vs.find("ovf:OperatingSystemSection", NS)
    assert os_sec.get("{%s}osType" % VMW) == "vmwarePhoton64Guest"
    assert vs.find("ovf:VirtualHardwareSection/ovf:System/{%s}VirtualSystemType" % (
        "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"), NS).text == "vmx-13"


def test_descriptor_is_written_like_vmware_tools(vcda):
    with tarfile.open(vcda["result"]["path"]) as tar:
        text = tar.extractfile("vcda-lab.ovf").read().decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert '<Envelope xmlns="%s"' % OVF in text and 'xmlns:ovf="%s"' % OVF in text
    assert "<Info>" in text and 'ovf:id="cloud"' in text


# --------------------------------------------------------- other kinds --

def test_onprem_has_no_deployment_options(tmp_path):
    result = build(tmp_path, "onprem.ova", kind="onprem", disks="1M")
    _members, root, _mf, _d = read_ova(result["path"])
    assert root.find("ovf:DeploymentOptionSection", NS) is None
    assert result["deployment_options"] == []
    keys = [a(p, "key") for p in root.findall("ovf:VirtualSystem/ovf:ProductSection/ovf:Property", NS)]
    assert "guestinfo.cis.appliance.root.password" in keys and "guestinfo.cis.appliance.net.ip0" in keys
    assert "guestinfo.cis.appliance.deployment_option" not in keys
    assert "guestinfo.cis.appliance.role" not in keys  # no public source shows an on-premises role key
    items = root.findall("ovf:VirtualSystem/ovf:VirtualHardwareSection/ovf:Item", NS)
    assert all(a(i, "configuration") is None for i in items)


def test_l2vpn_client_networks_and_properties(tmp_path):
    result = build(tmp_path, "l2vpn.ova", kind="l2vpn-client", disks="1M")
    _members, root, _mf, _d = read_ova(result["path"])
    nets = [a(n, "name") for n in root.findall("ovf:NetworkSection/ovf:Network", NS)]
    assert nets == ["Public", "Trunk", "HA interface"]
    items = root.findall("ovf:VirtualSystem/ovf:VirtualHardwareSection/ovf:Item", NS)
    assert [rasd(i, "Connection") for i in items if rasd(i, "ResourceType") == "10"] == nets
    props = {a(p, "key"): p for p in root.findall("ovf:VirtualSystem/ovf:ProductSection/ovf:Property", NS)}
    for key in ("l2vpn.server.address", "l2vpn.server.port", "l2vpn.cipher", "l2vpn.user.id",
                "l2vpn.user.password", "l2vpn.vlan.tunnel_ids", "l2vpn.uplink.ip", "l2vpn.uplink.prefix_length",
                "l2vpn.uplink.gateway", "l2vpn.egress_optimization.ip"):
        assert key in props, key
    assert a(props["l2vpn.user.password"], "password") == "true"
    assert a(props["l2vpn.server.port"], "type") == "uint16"
    assert a(props["l2vpn.cipher"], "qualifiers").startswith('ValueMap{"AES128-GCM-SHA256"')
    with open(SCRIPT) as fh:
        assert "LAB-DEFINED" in fh.read()


# ---------------------------------------------------- formats and fill --

def test_ovf_directory_format(tmp_path):
    result = build(tmp_path, "pkg", kind="vcda", disks="1M,1M", fmt="ovf")
    out = tmp_path / "pkg"
    assert out.is_dir()
    assert sorted(os.listdir(out)) == sorted(["vcda-lab.ovf", "vcda-lab.mf", "vcda-lab-disk1.vmdk",
                                              "vcda-lab-disk2.vmdk"])
    root = ET.parse(str(out / "vcda-lab.ovf")).getroot()
    for f in root.findall("ovf:References/ovf:File", NS):
        assert int(a(f, "size")) == os.path.getsize(str(out / a(f, "href")))
    assert result["format"] == "ovf" and (tmp_path / "pkg.stamp.json").exists()


def test_random_fill_makes_incompressible_disks(tmp_path):
    zero = build(tmp_path, "zero.ova", kind="vcda", disks="2M", fill="zero")
    rand = build(tmp_path, "rand.ova", kind="vcda", disks="2M", fill="random")
    assert zero["disks"][0]["size"] < 512 * 1024
    assert rand["disks"][0]["size"] >= 2 * MiB
    _m, root, _mf, _d = read_ova(rand["path"])
    disk = root.find("ovf:DiskSection/ovf:Disk", NS)
    assert int(a(disk, "capacity")) == 2 * MiB and int(a(disk, "populatedSize")) == 2 * MiB


def test_same_arguments_reuse_the_output(tmp_path):
    first = build(tmp_path, "c.ova", kind="vcda", disks="1M")
    mtime = os.path.getmtime(first["path"])
    again = build(tmp_path, "c.ova", kind="vcda", disks="1M")
    assert again["cached"] and not first["cached"]
    assert os.path.getmtime(again["path"]) == mtime
    with open(str(tmp_path / "c.ova.stamp.json")) as fh:
        stamp = json.load(fh)
    assert stamp["settings"]["disks"] == [MiB]
    changed = build(tmp_path, "c.ova", kind="vcda", disks="2M")
    assert not changed["cached"] and changed["disks"][0]["capacity"] == 2 * MiB
    forced = build(tmp_path, "c.ova", kind="vcda", disks="2M", force=True)
    assert not forced["cached"]
    # a damaged output is rebuilt
    with open(forced["path"], "ab") as fh:
        fh.write(b"x")
    assert not build(tmp_path, "c.ova", kind="vcda", disks="2M")["cached"]


def test_cli(tmp_path):
    out = str(tmp_path / "cli.ova")
    proc = subprocess.run([sys.executable, SCRIPT, "--kind", "onprem", "--disks", "1M", "--out", out, "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["path"] == out
    proc = subprocess.run([sys.executable, SCRIPT, "--out", out, "--disks", "1M", "--kind", "onprem"],
                          stdout=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.stdout.strip() == out
    proc = subprocess.run([sys.executable, SCRIPT, "--disks", "12Q", "--out", out],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 1 and "invalid disk size" in proc.stderr
