"""Generate appliance-like OVA/OVF packages for the cloudmove.vcda lab.

The packages look like the appliances the collection deploys (same kinds of
OVF sections, deployment options, networks and properties) but hold empty or
random disks: they are for tests, demos and upload benchmarks, not for
booting.

Kinds:
  vcda          Cloud Director Availability cloud appliance: deployment options
                cloud (default), replicator, tunnel, combined.
  onprem        Cloud Director Availability on-premises appliance (no options).
  l2vpn-client  NSX standalone-edge-like L2VPN client: networks Public, Trunk and
                "HA interface". Its property keys are LAB-DEFINED (the real keys
                are not public).

Examples:
  make_ova.py --kind vcda --disks 10G,2G --out lab/build/ova/vcda-lab.ova
  make_ova.py --kind vcda --disks 2G --fill random --out /tmp/bench.ova
  make_ova.py --kind l2vpn-client --format ovf --out /tmp/l2vpn-client
  make_ova.py --kind vcda --disks 8M --corrupt-manifest disk --out /tmp/damaged.ova

Needs Python 3.8+ (standard library only) and the qemu-img binary. The same
arguments reuse an existing output (a JSON stamp is kept next to it).
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

GENERATOR_VERSION = 1

NS = {
    "ovf": "http://schemas.dmtf.org/ovf/envelope/1",
    "cim": "http://schemas.dmtf.org/wbem/wscim/1/common",
    "rasd": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData",
    "vssd": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData",
    "vmw": "http://www.vmware.com/schema/ovf",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
VMDK_FORMAT = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"
CHUNK = 4 << 20


class Prop:
    """One ProductSection property."""

    def __init__(self, key, type_, label, description, default="", password=False,
                 user=True, qualifiers=None, per_config=None, category=""):
        self.key = key
        self.type = type_
        self.label = label
        self.description = description
        self.default = default
        self.password = password
        self.user = user
        self.qualifiers = qualifiers
        self.per_config = per_config or {}
        self.category = category

    def describe(self):
        d = {"key": self.key, "type": self.type, "label": self.label, "default": self.default,
             "password": self.password, "user_configurable": self.user, "category": self.category}
        if self.qualifiers:
            d["qualifiers"] = self.qualifiers
        if self.per_config:
            d["per_configuration"] = dict(self.per_config)
        return d


def _appliance_props(net_prefix, with_option_marker, options=()):
    """Network/appliance properties of the Cloud Director Availability appliances.

    Key style follows the guestinfo.cis.appliance.* family these appliances use
    (guestinfo.cis.appliance.net.ip0, guestinfo.cis.appliance.root.password, ...).
    """
    n = net_prefix
    props = [
        Prop(n + "hostname", "string", "Hostname", "Fully qualified host name of the appliance.",
             category="Networking"),
        Prop(n + "ip0", "string", "IP address", "Static IPv4 address of the appliance (eth0). Leave empty for DHCP.",
             category="Networking"),
        Prop(n + "netmask0", "string", "Netmask", "Netmask of eth0, e.g. 255.255.255.0.", category="Networking"),
        Prop(n + "gateway", "string", "Default gateway", "Default gateway address.", category="Networking"),
        Prop(n + "dns", "string", "DNS servers", "Comma separated DNS server addresses.", category="Networking"),
        Prop(n + "domain", "string", "Domain name", "DNS domain / search path.", category="Networking"),
        Prop(n + "ntp", "string", "NTP servers", "Comma separated NTP servers.", category="Networking"),
        Prop("guestinfo.cis.appliance.root.password", "string", "Initial root password",
             "Initial root password; it is expired at first login.", password=True,
             qualifiers="MinLen(8),MaxLen(64)", category="Appliance"),
        Prop("guestinfo.cis.appliance.ssh.enabled", "boolean", "Enable SSH",
             "Enable the SSH service at first boot.", default="False", category="Appliance"),
    ]
    if with_option_marker:
        # LAB-DEFINED: vCenter keeps no record of the deployment option chosen at
        # import. The OVF-standard way to make it visible is a non-configurable
        # property whose value depends on the configuration; vCenter (and the
        # lab vcsim) resolve it at import into vm.config.vAppConfig.
        props.append(Prop("guestinfo.cis.appliance.deployment_option", "string", "Deployment option",
                          "Deployment option chosen at import (lab-defined marker).",
                          default=options[0], user=False,
                          per_config={o: o for o in options[1:]}, category="Appliance"))
        # The appliance's role, as VMware's PowerCLI module for VCDA reads it (the property's default
        # value, resolved per configuration at import): it names the service whose certificate the
        # booted appliance publishes as guestinfo.<role>.certificate. The lab-only "combined" option
        # serves the Cloud Service, so its role is "cloud" (lab choice).
        roles = {"combined": "cloud"}
        props.append(Prop("guestinfo.cis.appliance.role", "string", "Appliance role",
                          "Role of the appliance, set by the deployment option.",
                          default=roles.get(options[0], options[0]), user=False,
                          per_config=dict((o, roles.get(o, o)) for o in options[1:]), category="Appliance"))
    return props


# LAB-DEFINED: the NSX standalone edge L2VPN client's real OVF property keys
# are not public (see docs/api/open-questions.md#l2-vpn-client-ovf-keys). These keys only
# model the information the real appliance asks for.
_L2VPN_CIPHERS = ["AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                  "AES256-SHA", "AES128-SHA", "DES-CBC3-SHA"]
L2VPN_PROPS = [
    Prop("l2vpn.server.address", "string", "L2VPN server address",
         "IP address or FQDN of the L2VPN server (the provider edge listener).", category="L2VPN"),
    Prop("l2vpn.server.port", "uint16", "L2VPN server port", "TCP port of the L2VPN server.",
         default="443", category="L2VPN"),
    Prop("l2vpn.cipher", "string", "Encryption algorithm", "Cipher used by the tunnel.",
         default=_L2VPN_CIPHERS[0], qualifiers="ValueMap{%s}" % ",".join('"%s"' % c for c in _L2VPN_CIPHERS),
         category="L2VPN"),
    Prop("l2vpn.user.id", "string", "Peer site user id", "User id of the peer site on the server.",
         category="L2VPN"),
    Prop("l2vpn.user.password", "string", "Peer site password", "Password of the peer site user.",
         password=True, category="L2VPN"),
    Prop("l2vpn.vlan.tunnel_ids", "string", "VLAN(tunnel id) list",
         "Comma separated VLAN(tunnelId) pairs of the stretched networks, e.g. 10(1),20(2).", category="L2VPN"),
    Prop("l2vpn.egress_optimization.ip", "string", "Egress optimization gateway IP",
         "Gateway IP kept local (egress optimisation); empty for none.", category="L2VPN"),
    Prop("l2vpn.uplink.ip", "string", "Uplink IP address", "IP address of the Public (uplink) interface.",
         category="Uplink"),
    Prop("l2vpn.uplink.prefix_length", "uint8", "Uplink prefix length", "Prefix length of the uplink subnet.",
         default="24", category="Uplink"),
    Prop("l2vpn.uplink.gateway", "string", "Uplink default gateway", "Default gateway of the uplink.",
         category="Uplink"),
    Prop("l2vpn.cli.password", "string", "CLI admin password", "Password of the appliance CLI admin user.",
         password=True, qualifiers="MinLen(12)", category="Appliance"),
]

KINDS = {
    "vcda": {
        "name": "vcda-lab",
        "product": "VMware Cloud Director Availability (lab)",
        "vendor": "cloudmove.vcda lab",
        "version": "4.7.0",
        "full_version": "4.7.0-lab",
        "os_type": "vmwarePhoton64Guest",
        "networks": ["VM Network"],
        "nics": [("VM Network", "VmxNet3")],
        # id -> (label, description, cpus, memory MiB); the first one is the default
        "options": [
            ("cloud", "Cloud Replication Management Appliance",
             "Replication Manager and vApp Replication Manager (provider site).", 4, 6144),
            ("replicator", "Cloud Replicator Appliance", "Replicator (provider site).", 4, 8192),
            ("tunnel", "Cloud Tunnel Appliance", "Tunnel (provider site).", 2, 2048),
            ("combined", "Combined Appliance (lab only)", "All provider roles in one appliance.", 8, 12288),
        ],
        "props": _appliance_props("guestinfo.cis.appliance.net.", True,
                                  ("cloud", "replicator", "tunnel", "combined")),
        "default_disks": "10G,2G",
    },
    "onprem": {
        "name": "vcda-onprem-lab",
        "product": "VMware Cloud Director Availability On-Premises Appliance (lab)",
        "vendor": "cloudmove.vcda lab",
        "version": "4.7.0",
        "full_version": "4.7.0-lab",
        "os_type": "vmwarePhoton64Guest",
        "networks": ["VM Network"],
        "nics": [("VM Network", "VmxNet3")],
        "options": [],
        "cpus": 4,
        "memory": 4096,
        "props": _appliance_props("guestinfo.cis.appliance.net.", False),
        "default_disks": "10G,2G",
    },
    "l2vpn-client": {
        "name": "l2vpn-client-lab",
        "product": "NSX Standalone Edge L2VPN Client (lab)",
        "vendor": "cloudmove.vcda lab",
        "version": "6.4.0",
        "full_version": "6.4.0-lab",
        "os_type": "other3xLinux64Guest",
        "networks": ["Public", "Trunk", "HA interface"],
        "nics": [("Public", "VmxNet3"), ("Trunk", "VmxNet3"), ("HA interface", "VmxNet3")],
        "options": [],
        "cpus": 2,
        "memory": 1024,
        "props": L2VPN_PROPS,
        "default_disks": "1G",
    },
}

NETWORK_DESCRIPTIONS = {
    "VM Network": "The management network of the appliance",
    "Public": "Uplink towards the L2VPN server",
    "Trunk": "Trunk (sink) port group carrying the stretched VLANs",
    "HA interface": "High availability interface",
}


class MakeOvaError(Exception):
    pass


# ------------------------------------------------------------------ sizes --

_SIZE_RE = re.compile(r"^\s*(\d+)\s*([KMGT]?)(i?B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text):
    """'512M' -> 536870912 (binary units; K, M, G, T, optional 'iB' or 'B')."""
    m = _SIZE_RE.match(text)
    if not m:
        raise MakeOvaError("invalid disk size %r (use e.g. 512M, 2G)" % text)
    size = int(m.group(1)) * _UNITS[m.group(2).upper()]
    if size <= 0:
        raise MakeOvaError("disk size must be positive: %r" % text)
    if size % 512:
        raise MakeOvaError("disk size must be a multiple of 512 bytes: %r" % text)
    return size


def parse_disks(text):
    sizes = [parse_size(s) for s in text.split(",") if s.strip()]
    if not sizes:
        raise MakeOvaError("--disks needs at least one size")
    return sizes


# ------------------------------------------------------------------ disks --

def write_raw(path, size, fill):
    """A raw image: sparse zeros, or incompressible random bytes streamed in chunks."""
    with open(path, "wb") as fh:
        if fill == "random":
            left = size
            while left:
                n = min(CHUNK, left)
                fh.write(os.urandom(n))
                left -= n
        else:
            fh.truncate(size)


def make_vmdk(raw, vmdk):
    qemu_img = shutil.which("qemu-img")
    if not qemu_img:
        raise MakeOvaError("qemu-img not found (apt-get install qemu-utils)")
    proc = subprocess.run([qemu_img, "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized",
                           raw, vmdk], stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise MakeOvaError("qemu-img convert failed: %s" % proc.stderr.strip())


def build_disk(workdir, index, size, fill):
    raw = os.path.join(workdir, "disk%d.raw" % index)
    vmdk = os.path.join(workdir, "disk%d.vmdk" % index)
    try:
        write_raw(raw, size, fill)
        make_vmdk(raw, vmdk)
    finally:
        if os.path.exists(raw):
            os.unlink(raw)
    return vmdk


# ------------------------------------------------------------- descriptor --

def _q(prefix, tag):
    return "{%s}%s" % (NS[prefix], tag)


def _ovf(tag):
    return "{%s}%s" % (NS["ovf"], tag)


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def _rasd_item(parent, values, configuration=None, **attrs):
    """<Item> with rasd:* children in alphabetical order (as the CIM schema wants)."""
    if configuration:
        attrs[_ovf("configuration")] = configuration
    item = ET.SubElement(parent, _ovf("Item"), attrs)
    for key in sorted(values):
        value = values[key]
        for v in (value if isinstance(value, list) else [value]):
            _sub(item, _q("rasd", key), v)
    return item


def build_descriptor(kind, name, disks, fill):
    """disks: list of dicts with href, size (file bytes), capacity (bytes), populated."""
    spec = KINDS[kind]
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)

    env = ET.Element(_ovf("Envelope"), {_q("vmw", "buildId"): "lab-%d" % GENERATOR_VERSION})

    refs = _sub(env, _ovf("References"))
    for i, d in enumerate(disks, 1):
        _sub(refs, _ovf("File"), **{_ovf("href"): d["href"], _ovf("id"): "file%d" % i, _ovf("size"): d["size"]})

    ds = _sub(env, _ovf("DiskSection"))
    _sub(ds, _ovf("Info"), "Virtual disk information")
    for i, d in enumerate(disks, 1):
        _sub(ds, _ovf("Disk"), **{
            _ovf("capacity"): d["capacity"],
            _ovf("capacityAllocationUnits"): "byte",
            _ovf("diskId"): "vmdisk%d" % i,
            _ovf("fileRef"): "file%d" % i,
            _ovf("format"): VMDK_FORMAT,
            _ovf("populatedSize"): d["populated"],
        })

    ns = _sub(env, _ovf("NetworkSection"))
    _sub(ns, _ovf("Info"), "The list of logical networks")
    for net in spec["networks"]:
        n = _sub(ns, _ovf("Network"), **{_ovf("name"): net})
        _sub(n, _ovf("Description"), NETWORK_DESCRIPTIONS.get(net, "The %s network" % net))

    options = spec["options"]
    if options:
        dos = _sub(env, _ovf("DeploymentOptionSection"))
        _sub(dos, _ovf("Info"), "List of deployment options")
        for i, (oid, label, desc, cpus, mem) in enumerate(options):
            attrs = {_ovf("id"): oid}
            if i == 0:
                attrs[_ovf("default")] = "true"
            c = _sub(dos, _ovf("Configuration"), **attrs)
            _sub(c, _ovf("Label"), label)
            _sub(c, _ovf("Description"), "%s %d vCPU, %d GB RAM." % (desc, cpus, mem // 1024))

    vs = _sub(env, _ovf("VirtualSystem"), **{_ovf("id"): name})
    _sub(vs, _ovf("Info"), "A virtual machine")
    _sub(vs, _ovf("Name"), name)

    ann = _sub(vs, _ovf("AnnotationSection"))
    _sub(ann, _ovf("Info"), "A human-readable annotation")
    _sub(ann, _ovf("Annotation"), "%s. Lab appliance generated by cloudmove.vcda lab/ova/make_ova.py "
                                  "(%s disks); it does not boot." % (spec["product"], fill))

    osec = _sub(vs, _ovf("OperatingSystemSection"), **{_ovf("id"): "100", _q("vmw", "osType"): spec["os_type"]})
    _sub(osec, _ovf("Info"), "The kind of installed guest operating system")
    _sub(osec, _ovf("Description"), "Other Linux (64-bit)")

    hw = _sub(vs, _ovf("VirtualHardwareSection"), **{_ovf("transport"): "com.vmware.guestInfo"})
    _sub(hw, _ovf("Info"), "Virtual hardware requirements")
    system = _sub(hw, _ovf("System"))
    _sub(system, _q("vssd", "ElementName"), "Virtual Hardware Family")
    _sub(system, _q("vssd", "InstanceID"), "0")
    _sub(system, _q("vssd", "VirtualSystemIdentifier"), name)
    _sub(system, _q("vssd", "VirtualSystemType"), "vmx-13")

    sizing = [(oid, cpus, mem) for oid, _l, _d, cpus, mem in options] or [(None, spec["cpus"], spec["memory"])]
    for oid, cpus, _mem in sizing:
        _rasd_item(hw, {"AllocationUnits": "hertz * 10^6", "Description": "Number of Virtual CPUs",
                        "ElementName": "%d virtual CPU(s)" % cpus, "InstanceID": "1", "ResourceType": "3",
                        "VirtualQuantity": cpus}, configuration=oid)
    for oid, _cpus, mem in sizing:
        _rasd_item(hw, {"AllocationUnits": "byte * 2^20", "Description": "Memory Size",
                        "ElementName": "%dMB of memory" % mem, "InstanceID": "2", "ResourceType": "4",
                        "VirtualQuantity": mem}, configuration=oid)

    _rasd_item(hw, {"Address": "0", "Description": "SCSI Controller", "ElementName": "SCSI Controller 0",
                    "InstanceID": "3", "ResourceSubType": "VirtualSCSI", "ResourceType": "6"})
    _rasd_item(hw, {"Address": "0", "Description": "IDE Controller", "ElementName": "IDE Controller 0",
                    "InstanceID": "4", "ResourceType": "5"})
    _rasd_item(hw, {"AddressOnParent": "0", "AutomaticAllocation": "false", "ElementName": "CD/DVD Drive 1",
                    "InstanceID": "5", "Parent": "4", "ResourceType": "15"}, **{_ovf("required"): "false"})
    instance = 6
    for i, _d in enumerate(disks, 1):
        _rasd_item(hw, {"AddressOnParent": str(i - 1), "ElementName": "Hard Disk %d" % i,
                        "HostResource": "ovf:/disk/vmdisk%d" % i, "InstanceID": str(instance),
                        "Parent": "3", "ResourceType": "17"})
        instance += 1
    for i, (net, adapter) in enumerate(spec["nics"]):
        _rasd_item(hw, {"AddressOnParent": str(7 + i), "AutomaticAllocation": "true", "Connection": net,
                        "Description": "%s ethernet adapter on \"%s\"" % (adapter, net),
                        "ElementName": "Network adapter %d" % (i + 1), "InstanceID": str(instance),
                        "ResourceSubType": adapter, "ResourceType": "10"})
        instance += 1
    _rasd_item(hw, {"AutomaticAllocation": "false", "ElementName": "Video card", "InstanceID": str(instance),
                    "ResourceType": "24"}, **{_ovf("required"): "false"})

    ps = _sub(vs, _ovf("ProductSection"), **{_ovf("required"): "false"})
    _sub(ps, _ovf("Info"), "Information about the installed software")
    _sub(ps, _ovf("Product"), spec["product"])
    _sub(ps, _ovf("Vendor"), spec["vendor"])
    _sub(ps, _ovf("Version"), spec["version"])
    _sub(ps, _ovf("FullVersion"), spec["full_version"])
    category = None
    for p in spec["props"]:
        if p.category != category:
            category = p.category
            _sub(ps, _ovf("Category"), category)
        attrs = {_ovf("key"): p.key, _ovf("type"): p.type, _ovf("userConfigurable"): "true" if p.user else "false",
                 _ovf("value"): p.default}
        if p.password:
            attrs[_ovf("password")] = "true"
        if p.qualifiers:
            attrs[_ovf("qualifiers")] = p.qualifiers
        prop = _sub(ps, _ovf("Property"), **attrs)
        _sub(prop, _ovf("Label"), p.label)
        _sub(prop, _ovf("Description"), p.description)
        for conf, value in p.per_config.items():
            _sub(prop, _ovf("Value"), **{_ovf("configuration"): conf, _ovf("value"): value})

    eula = _sub(vs, _ovf("EulaSection"))
    _sub(eula, _ovf("Info"), "End-user license agreement")
    _sub(eula, _ovf("License"), "Lab appliance for cloudmove.vcda tests. No license terms apply.")

    if hasattr(ET, "indent"):
        ET.indent(env, space="  ")
    text = ET.tostring(env, encoding="unicode")
    # Write it the way VMware tools do: OVF elements in the default namespace,
    # OVF attributes with the ovf: prefix (ElementTree gives one prefix per URI).
    text = re.sub(r"(</?)ovf:", r"\1", text)
    text = text.replace("<Envelope ", '<Envelope xmlns="%s" ' % NS["ovf"], 1)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode("utf-8")


# ---------------------------------------------------------------- package --

def digest_file(path, algorithm="sha256"):
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while True:
            b = fh.read(CHUNK)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


MANIFESTS = {"sha256": ["sha256"], "sha1": ["sha1"], "both": ["sha1", "sha256"], "none": []}
CORRUPT = ("disk", "descriptor")


def manifest_text(work, members, manifest="sha256", corrupt=None):
    """The .mf lines (``SHA256(file)= hex``, ``SHA1(file)= hex``) of ``members``. ``corrupt``: the member whose
    digests are made wrong (its last hex digit changed), as a damaged or altered package has them: ``disk`` (the
    first disk) or ``descriptor``."""
    wrong = {"descriptor": members[0], "disk": members[1] if len(members) > 1 else None}.get(corrupt)
    lines = []
    for member in members:
        for algorithm in MANIFESTS[manifest]:
            value = digest_file(os.path.join(work, member), algorithm)
            if member == wrong:
                value = value[:-1] + ("0" if value[-1] != "0" else "1")
            lines.append("%s(%s)= %s\n" % (algorithm.upper(), member, value))
    return "".join(lines)


def _settings(kind, name, sizes, fill, fmt, manifest="sha256", corrupt=None):
    settings = {"generator": GENERATOR_VERSION, "kind": kind, "name": name,
                "disks": sizes, "fill": fill, "format": fmt}
    if manifest != "sha256" or corrupt:
        settings.update(manifest=manifest, corrupt=corrupt)
    return settings


def _script_digest():
    with open(os.path.abspath(__file__), "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def stamp_path(out):
    return out.rstrip("/") + ".stamp.json"


def _cached(out, settings):
    try:
        with open(stamp_path(out)) as fh:
            stamp = json.load(fh)
    except (OSError, ValueError):
        return None
    if stamp.get("settings") != settings or stamp.get("script") != _script_digest():
        return None
    for rel, size in stamp.get("files", {}).items():
        path = os.path.join(out, rel) if os.path.isdir(out) else out
        if not os.path.exists(path) or os.path.getsize(path) != size:
            return None
    return stamp


def describe(kind, name, sizes, fill, fmt, out, files):
    spec = KINDS[kind]
    return {
        "path": os.path.abspath(out),
        "kind": kind,
        "name": name,
        "format": fmt,
        "fill": fill,
        "descriptor": name + ".ovf",
        "disks": files["disks"],
        "networks": list(spec["networks"]),
        "deployment_options": [o[0] for o in spec["options"]],
        "default_deployment_option": spec["options"][0][0] if spec["options"] else None,
        "sizing": ({o[0]: {"cpus": o[3], "memory_mb": o[4]} for o in spec["options"]}
                   or {"": {"cpus": spec["cpus"], "memory_mb": spec["memory"]}}),
        "properties": [p.describe() for p in spec["props"]],
    }


def build(kind="vcda", disks=None, fill="zero", fmt="ova", out=None, name=None, force=False, jobs=None,
          manifest="sha256", corrupt=None):
    """Build (or reuse) a package and return its description (a dict)."""
    if manifest not in MANIFESTS:
        raise MakeOvaError("--manifest must be one of %s" % ", ".join(sorted(MANIFESTS)))
    if corrupt is not None and (corrupt not in CORRUPT or manifest == "none"):
        raise MakeOvaError("--corrupt-manifest must be disk or descriptor, with a manifest")
    if kind not in KINDS:
        raise MakeOvaError("unknown kind %r (choose from %s)" % (kind, ", ".join(sorted(KINDS))))
    if fill not in ("zero", "random"):
        raise MakeOvaError("--fill must be zero or random")
    if fmt not in ("ova", "ovf"):
        raise MakeOvaError("--format must be ova or ovf")
    spec = KINDS[kind]
    name = name or spec["name"]
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name):
        raise MakeOvaError("invalid --name %r" % name)
    sizes = parse_disks(disks or spec["default_disks"])
    if out is None:
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "ova",
                           "%s.%s" % (name, fmt) if fmt == "ova" else name)
    out = os.path.abspath(out)
    settings = _settings(kind, name, sizes, fill, fmt, manifest, corrupt)

    if not force:
        stamp = _cached(out, settings)
        if stamp:
            result = stamp["description"]
            result["cached"] = True
            return result

    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(stamp_path(out)):
        os.unlink(stamp_path(out))
    work = tempfile.mkdtemp(prefix=".make_ova-", dir=parent)
    try:
        with ThreadPoolExecutor(max_workers=jobs or min(len(sizes), os.cpu_count() or 1)) as pool:
            vmdks = list(pool.map(lambda a: build_disk(work, a[0], a[1], fill), enumerate(sizes, 1)))

        disk_info = []
        for i, (size, vmdk) in enumerate(zip(sizes, vmdks), 1):
            href = "%s-disk%d.vmdk" % (name, i)
            os.rename(vmdk, os.path.join(work, href))
            disk_info.append({"href": href, "size": os.path.getsize(os.path.join(work, href)),
                              "capacity": size, "populated": size if fill == "random" else 0})

        ovf_name, mf_name = name + ".ovf", name + ".mf"
        with open(os.path.join(work, ovf_name), "wb") as fh:
            fh.write(build_descriptor(kind, name, disk_info, fill))
        members = [ovf_name] + [d["href"] for d in disk_info]
        order = [ovf_name] + [d["href"] for d in disk_info]
        if manifest != "none":
            with open(os.path.join(work, mf_name), "w") as fh:
                fh.write(manifest_text(work, members, manifest, corrupt))
            order.insert(1, mf_name)

        if fmt == "ova":
            tmp = os.path.join(work, "package.ova")
            big = any(os.path.getsize(os.path.join(work, m)) >= 8 << 30 for m in order)
            with tarfile.open(tmp, "w", format=tarfile.GNU_FORMAT if big else tarfile.USTAR_FORMAT) as tar:
                for m in order:
                    ti = tar.gettarinfo(os.path.join(work, m), arcname=m)
                    ti.uid = ti.gid = 0
                    ti.uname = ti.gname = "root"
                    ti.mode = 0o644
                    with open(os.path.join(work, m), "rb") as fh:
                        tar.addfile(ti, fh)
            if os.path.isdir(out):
                shutil.rmtree(out)
            os.replace(tmp, out)
            files = {os.path.basename(out): os.path.getsize(out)}
        else:
            pkg = os.path.join(work, "package")
            os.mkdir(pkg)
            for m in order:
                os.rename(os.path.join(work, m), os.path.join(pkg, m))
            if os.path.isdir(out):
                shutil.rmtree(out)
            elif os.path.exists(out):
                os.unlink(out)
            os.rename(pkg, out)
            files = {m: os.path.getsize(os.path.join(out, m)) for m in order}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    result = describe(kind, name, sizes, fill, fmt, out,
                      {"disks": [{"href": d["href"], "size": d["size"], "capacity": d["capacity"]}
                                 for d in disk_info]})
    result["members"] = order
    stamp = {"settings": settings, "script": _script_digest(), "files": files, "description": result}
    with open(stamp_path(out) + ".tmp", "w") as fh:
        json.dump(stamp, fh, indent=2)
        fh.write("\n")
    os.replace(stamp_path(out) + ".tmp", stamp_path(out))
    result = dict(result)
    result["cached"] = False
    return result


def main(argv=None):
    summary, _sep, details = __doc__.partition("\n\n")
    ap = argparse.ArgumentParser(description=summary, epilog=details,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=sorted(KINDS), default="vcda", help="appliance kind (default: vcda)")
    ap.add_argument("--disks", help="comma separated disk capacities, e.g. 512M,2G (default per kind)")
    ap.add_argument("--fill", choices=["zero", "random"], default="zero",
                    help="disk contents: zero (tiny VMDKs) or random (incompressible, file ~ capacity)")
    ap.add_argument("--format", dest="fmt", choices=["ova", "ovf"], default="ova",
                    help="ova: one tar file; ovf: a directory with .ovf, .mf and disks")
    ap.add_argument("--out", help="output file (ova) or directory (ovf); default lab/build/ova/NAME[.ova]")
    ap.add_argument("--name", help="VM / file base name (default per kind)")
    ap.add_argument("--force", action="store_true", help="rebuild even if a matching output exists")
    ap.add_argument("--jobs", type=int, help="disks converted in parallel (default: CPU count)")
    ap.add_argument("--json", action="store_true", help="print a JSON description instead of the path")
    ap.add_argument("--manifest", choices=sorted(MANIFESTS), default="sha256",
                    help="digests of the .mf manifest (default: sha256; both: SHA1 and SHA256 lines; none: no .mf)")
    ap.add_argument("--corrupt-manifest", dest="corrupt", choices=CORRUPT,
                    help="a manifest whose digest of the first disk (or of the descriptor) is wrong, for tests")
    args = ap.parse_args(argv)
    try:
        result = build(kind=args.kind, disks=args.disks, fill=args.fill, fmt=args.fmt, out=args.out,
                       name=args.name, force=args.force, jobs=args.jobs, manifest=args.manifest,
                       corrupt=args.corrupt)
    except MakeOvaError as e:
        print("make_ova: error: %s" % e, file=sys.stderr)
        return 1
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(result["path"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
