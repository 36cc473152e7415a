# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVF/OVA sources and descriptors, independent of Ansible and of vSphere.

A source is a local ``.ova`` (tar read in place: each member is streamed from its offset),
a local ``.ovf`` with its files beside it, or the same two behind an http(s) URL. A remote
OVA is read with HTTP range requests when the server offers them (so disks can be uploaded
in parallel) and as one sequential stream otherwise. Nothing is ever read whole into memory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import os
import posixpath
import re
import tarfile
import xml.etree.ElementTree as ET

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

CHUNK = 4 * 1024 * 1024

NS = {
    "ovf": "http://schemas.dmtf.org/ovf/envelope/1",
    "rasd": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData",
    "vssd": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData",
}
_OVF = "{%s}" % NS["ovf"]

_UNITS = {"byte": 1, "byte * 2^10": 1 << 10, "byte * 2^20": 1 << 20, "byte * 2^30": 1 << 30,
          "byte * 2^40": 1 << 40}


# --- descriptor -------------------------------------------------------------------------------
_INT_RANGES = {
    "uint8": (0, 255), "uint16": (0, 65535), "uint32": (0, 4294967295), "uint64": (0, 18446744073709551615),
    "sint8": (-128, 127), "sint16": (-32768, 32767), "sint32": (-2147483648, 2147483647),
    "sint64": (-9223372036854775808, 9223372036854775807),
}


def _qualifier(qualifiers, name):
    """The argument of ``Name(arg)`` in an OVF ``ovf:qualifiers`` string, or None."""
    match = re.search(r"\b%s\(\s*([^)]*?)\s*\)" % name, qualifiers or "")
    return match.group(1) if match else None


def _value_map(qualifiers):
    match = re.search(r"ValueMap\{(.*?)\}", qualifiers or "")
    if not match:
        return None
    return [v.strip().strip('"') for v in match.group(1).split(",") if v.strip()]


class Property(object):
    def __init__(self, key, type_, default, password, label, qualifiers, user_configurable=True):
        self.key = key
        self.type = type_
        self.default = default
        self.password = password
        self.label = label
        self.qualifiers = qualifiers
        self.user_configurable = user_configurable

    def problem(self, value):
        """Why ``value`` (a string) is not valid for this property per the descriptor, or None.

        The text never contains the value itself (the caller adds it for non-secret properties).
        Follows the OVF types (DSP0243: ``boolean``, ``string``, ``uint8``..``sint64``, ``real32/64``) and
        qualifiers (``MinLen``, ``MaxLen``, ``ValueMap``, ``MinValue``, ``MaxValue``).
        """
        kind = (self.type or "string").lower()
        quals = self.qualifiers
        if kind == "boolean":
            if value.lower() not in ("true", "false"):
                return "must be a boolean (accepted: true, false)"
            return None
        if kind in _INT_RANGES:
            low, high = _INT_RANGES[kind]
            for name, fn in (("MinValue", max), ("MaxValue", min)):
                arg = _qualifier(quals, name)
                if arg is not None and re.match(r"^-?\d+$", arg):
                    if name == "MinValue":
                        low = max(low, int(arg))
                    else:
                        high = min(high, int(arg))
            if not re.match(r"^[-+]?\d+$", value.strip()) or not low <= int(value) <= high:
                return "must be an integer from %d to %d (%s)" % (low, high, kind)
            return None
        if kind.startswith("real"):
            try:
                float(value)
            except ValueError:
                return "must be a number (%s)" % kind
            return None
        choices = _value_map(quals)
        if choices and value not in choices:
            return "must be one of the descriptor's values (accepted: %s)" % ", ".join(choices)
        minimum, maximum = _qualifier(quals, "MinLen"), _qualifier(quals, "MaxLen")
        minimum = int(minimum) if minimum and minimum.isdigit() else None
        maximum = int(maximum) if maximum and maximum.isdigit() else None
        if (minimum is not None and len(value) < minimum) or (maximum is not None and len(value) > maximum):
            limits = ("%s to %s characters" % (minimum if minimum is not None else 0, maximum)
                      if maximum is not None else "at least %s characters" % minimum)
            return "must be %s (%s%s), got %d" % (limits, "password" if self.password else kind,
                                                  "" if not self.password else "; value not shown", len(value))
        return None


class Descriptor(object):
    """The parts of an OVF descriptor the deployment needs."""

    def __init__(self, text):
        self.text = text
        try:
            root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
        except ET.ParseError as exc:
            raise InputError("source: the OVF descriptor is not valid XML: %s" % exc, option="source")
        if root.tag != _OVF + "Envelope":
            raise InputError("source: the descriptor's root element is %s, not an OVF Envelope" % root.tag,
                             option="source")
        self.files = {}
        for ref in root.findall("ovf:References/ovf:File", NS):
            size = ref.get(_OVF + "size")
            self.files[ref.get(_OVF + "id")] = {"href": ref.get(_OVF + "href"),
                                                "size": int(size) if size else None}
        self.disks = []
        for disk in root.findall("ovf:DiskSection/ovf:Disk", NS):
            units = _UNITS.get((disk.get(_OVF + "capacityAllocationUnits") or "byte").replace(" ", " "), 1)
            self.disks.append({"id": disk.get(_OVF + "diskId"), "file_id": disk.get(_OVF + "fileRef"),
                               "capacity": int(disk.get(_OVF + "capacity") or 0) * units})
        self.networks = [n.get(_OVF + "name") for n in root.findall("ovf:NetworkSection/ovf:Network", NS)]
        self.deployment_options = []
        self.default_option = None
        for conf in root.findall("ovf:DeploymentOptionSection/ovf:Configuration", NS):
            self.deployment_options.append(conf.get(_OVF + "id"))
            if conf.get(_OVF + "default") in ("true", "1"):
                self.default_option = conf.get(_OVF + "id")
        if self.deployment_options and self.default_option is None:
            self.default_option = self.deployment_options[0]
        system = root.find("ovf:VirtualSystem", NS)
        if system is None:
            system = root.find(".//ovf:VirtualSystem", NS)
        self.name = system.get(_OVF + "id") if system is not None else None
        self.properties = {}
        for product in root.iter(_OVF + "ProductSection"):
            prefix = product.get(_OVF + "class")
            suffix = product.get(_OVF + "instance")
            for prop in product.findall("ovf:Property", NS):
                key = ".".join(p for p in (prefix, prop.get(_OVF + "key"), suffix) if p)
                label = prop.find("ovf:Label", NS)
                self.properties[key] = Property(
                    key, prop.get(_OVF + "type"), prop.get(_OVF + "value"),
                    prop.get(_OVF + "password") in ("true", "1"),
                    label.text if label is not None else None, prop.get(_OVF + "qualifiers"),
                    prop.get(_OVF + "userConfigurable") in ("true", "1"))
        self.hardware = self._hardware(system)
        self.nic_networks = self._nic_networks(system)

    @staticmethod
    def _hardware(system):
        """CPU and memory per deployment option (``None`` key: items without a configuration)."""
        sizing = {}
        if system is None:
            return sizing
        for item in system.iter("{%s}Item" % NS["ovf"]):
            rtype = item.findtext("rasd:ResourceType", namespaces=NS)
            qty = item.findtext("rasd:VirtualQuantity", namespaces=NS)
            if rtype not in ("3", "4") or not qty:
                continue
            confs = (item.get(_OVF + "configuration") or "").split() or [None]
            for conf in confs:
                entry = sizing.setdefault(conf, {})
                if rtype == "3":
                    entry["cpus"] = int(qty)
                else:
                    units = item.findtext("rasd:AllocationUnits", namespaces=NS) or "byte * 2^20"
                    entry["memory_mb"] = int(qty) * _UNITS.get(units.strip(), 1 << 20) // (1 << 20)
        return sizing

    @staticmethod
    def _nic_networks(system):
        """OVF network name of each network adapter, in descriptor order."""
        names = []
        if system is None:
            return names
        for item in system.iter("{%s}Item" % NS["ovf"]):
            if item.findtext("rasd:ResourceType", namespaces=NS) == "10":
                names.append(item.findtext("rasd:Connection", namespaces=NS))
        return names

    def sizing_of(self, option):
        base = dict(self.hardware.get(None, {}))
        base.update(self.hardware.get(option, {}))
        return base

    def options_matching(self, cpus, memory_mb):
        """Deployment options whose hardware matches a deployed VM's CPU and memory."""
        return [o for o in self.deployment_options
                if self.sizing_of(o) == {"cpus": cpus, "memory_mb": memory_mb}]

    def password_keys(self):
        return set(k for k, p in self.properties.items() if p.password)


# --- sources ------------------------------------------------------------------------------
class LimitedReader(io.RawIOBase):
    """Read at most ``size`` bytes of ``raw`` (a member of a tar, a file, a response)."""

    def __init__(self, raw, size, close=None):
        super(LimitedReader, self).__init__()
        self._raw = raw
        self._left = size
        self._close = close

    def readable(self):
        return True

    def read(self, n=-1):
        if self._left <= 0:
            return b""
        if n is None or n < 0 or n > self._left:
            n = self._left
        data = self._raw.read(n)
        self._left -= len(data)
        return data

    def readinto(self, buf):
        # Read straight into the caller's buffer (BufferedReader's result for a whole CHUNK): going
        # through read() allocated and copied every 4 MiB chunk once more, which cost more CPU than
        # the TLS encryption of the upload.
        if self._left <= 0:
            return 0
        view = memoryview(buf).cast("B")
        if len(view) > self._left:
            view = view[:self._left]
        raw_readinto = getattr(self._raw, "readinto", None)
        if raw_readinto is None:
            data = self._raw.read(len(view))
            count = len(data)
            view[:count] = data
        else:
            count = raw_readinto(view) or 0
        self._left -= count
        return count

    def close(self):
        if self._close is not None:
            self._close()
            self._close = None
        super(LimitedReader, self).close()


# --- the manifest (.mf) ---------------------------------------------------------------------------
MANIFEST_LINE = re.compile(r"^\s*(SHA1|SHA256|SHA512)\s*\(\s*([^)]+?)\s*\)\s*=\s*([0-9A-Fa-f]+)\s*$")
DIGEST_LENGTHS = {"SHA1": 40, "SHA256": 64, "SHA512": 128}


def parse_manifest(text, name):
    """``{file name: {"SHA256": hex, ...}}`` of a manifest's ``SHA256(file)= hex`` / ``SHA1(file)= hex`` lines."""
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = MANIFEST_LINE.match(line)
        if not match or len(match.group(3)) != DIGEST_LENGTHS[match.group(1)]:
            raise InputError("source: line %d of the manifest %s is not 'SHA256(file)= digest' (or SHA1, SHA512): %s"
                             % (number, name, line.strip()[:120]), option="source")
        out.setdefault(posixpath.basename(match.group(2)), {})[match.group(1)] = match.group(3).lower()
    return out


class DigestCheck(object):
    """The digests of one file, computed while it streams, against its lines in the manifest."""

    def __init__(self, href, expected, manifest_name):
        self.href = href
        self.expected = expected
        self.manifest_name = manifest_name
        self.hashes = dict((algorithm, hashlib.new(algorithm.lower())) for algorithm in expected)

    def update(self, chunk):
        for digest in self.hashes.values():
            digest.update(chunk)

    def problem(self):
        """None when every digest matches, else what differs (never the file's content)."""
        for algorithm, digest in sorted(self.hashes.items()):
            if digest.hexdigest() != self.expected[algorithm]:
                return ("%s does not match the manifest %s: its %s is %s, the manifest says %s; the package is "
                        "damaged or was altered" % (self.href, self.manifest_name, algorithm, digest.hexdigest(),
                                                    self.expected[algorithm]))
        return None


class Source(object):
    """Common interface: ``descriptor``, ``size(href)``, ``open(href)`` and ``sequential``; ``manifest`` (the
    package's ``.mf`` as ``parse_manifest`` reads it, None without one)."""

    sequential = False
    descriptor = None
    descriptor_name = None
    descriptor_raw = None
    manifest = None
    manifest_name = None

    def _set_descriptor(self, name, raw):
        self.descriptor_name = posixpath.basename(name)
        self.descriptor_raw = raw
        self.descriptor = Descriptor(raw.decode("utf-8"))

    def _set_manifest(self, name, raw):
        self.manifest_name = posixpath.basename(name)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("source: the manifest %s is not text" % self.manifest_name, option="source")
        self.manifest = parse_manifest(text, self.manifest_name)

    def _manifest_member(self, names):
        """The manifest among the package's ``names``: the descriptor's own (``NAME.mf``), else the only one."""
        own = posixpath.splitext(self.descriptor_name or "")[0] + ".mf"
        found = [n for n in names if posixpath.basename(n) == own] or [n for n in names if n.lower().endswith(".mf")]
        return found[0] if len(found) == 1 else None

    def digest_check(self, href):
        """A ``DigestCheck`` of ``href`` when the manifest lists it (None without a manifest)."""
        expected = (self.manifest or {}).get(posixpath.basename(href))
        return DigestCheck(posixpath.basename(href), expected, self.manifest_name) if expected else None

    def verify_manifest(self):
        """Before anything is imported: the descriptor matches the manifest and every file it references is in
        the manifest (the disks are checked while they stream). No manifest: nothing to verify."""
        if self.manifest is None:
            return False
        missing = sorted(set(posixpath.basename(f["href"]) for f in self.descriptor.files.values() if f["href"])
                         - set(self.manifest))
        if self.descriptor_name not in self.manifest:
            missing.insert(0, self.descriptor_name)
        if missing:
            raise InputError("source: the manifest %s has no digest of %s; the package is damaged or was altered"
                             % (self.manifest_name, ", ".join(missing)), option="source")
        check = self.digest_check(self.descriptor_name)
        check.update(self.descriptor_raw)
        problem = check.problem()
        if problem:
            raise InputError("source: the descriptor %s" % problem, option="source")
        return True

    def size(self, href):
        raise NotImplementedError

    def open(self, href):
        raise NotImplementedError

    def close(self):
        pass

    def members(self, hrefs):
        """Yield (href, stream) for each wanted href; sequential sources in their own order."""
        for href in hrefs:
            yield href, self.open(href)


class LocalOva(Source):
    def __init__(self, path):
        self.path = path
        try:
            with tarfile.open(path, "r:") as tar:
                self._members = dict((m.name, (m.offset_data, m.size)) for m in tar.getmembers() if m.isfile())
        except (tarfile.TarError, OSError) as exc:
            raise InputError("source: %s is not a readable OVA (tar) file: %s" % (path, exc), option="source")
        ovfs = [n for n in self._members if n.lower().endswith(".ovf")]
        if not ovfs:
            raise InputError("source: %s holds no .ovf descriptor (members: %s)"
                             % (path, ", ".join(sorted(self._members))), option="source")
        with self.open(ovfs[0]) as stream:
            self._set_descriptor(ovfs[0], stream.read())
        manifest = self._manifest_member(list(self._members))
        if manifest is not None:
            with self.open(manifest) as stream:
                self._set_manifest(manifest, stream.read())

    def _lookup(self, href):
        member = self._members.get(href) or self._members.get(posixpath.basename(href))
        if member is None:
            raise InputError("source: the OVA has no member '%s' that the descriptor references" % href,
                             option="source")
        return member

    def size(self, href):
        return self._lookup(href)[1]

    def open(self, href):
        offset, size = self._lookup(href)
        handle = open(self.path, "rb", buffering=0)
        handle.seek(offset)
        return io.BufferedReader(LimitedReader(handle, size, handle.close), CHUNK)


class LocalOvf(Source):
    def __init__(self, path):
        self.base = os.path.dirname(os.path.abspath(path))
        try:
            with open(path, "rb") as handle:
                self._set_descriptor(os.path.basename(path), handle.read())
            manifest = os.path.splitext(os.path.abspath(path))[0] + ".mf"
            if os.path.isfile(manifest):
                with open(manifest, "rb") as handle:
                    self._set_manifest(os.path.basename(manifest), handle.read())
        except OSError as exc:
            raise InputError("source: cannot read %s: %s" % (path, exc), option="source")

    def _path(self, href):
        path = os.path.normpath(os.path.join(self.base, href))
        if not path.startswith(self.base + os.sep):
            raise InputError("source: file reference '%s' leaves the OVF's directory" % href, option="source")
        if not os.path.isfile(path):
            raise InputError("source: %s is referenced by the descriptor but missing" % path, option="source")
        return path

    def size(self, href):
        return os.path.getsize(self._path(href))

    def open(self, href):
        return open(self._path(href), "rb", buffering=CHUNK)


class RangeFile(io.RawIOBase):
    """A seekable, read-only view of a remote file through HTTP range requests (tar headers)."""

    def __init__(self, session, url, length, timeout, verify=True):
        super(RangeFile, self).__init__()
        self._session, self._url, self._length, self._timeout = session, url, length, timeout
        self._verify = verify
        self._pos = 0
        self._buf_start, self._buf = 0, b""

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=0):
        self._pos = offset if whence == 0 else (self._pos + offset if whence == 1 else self._length + offset)
        return self._pos

    def read(self, n=-1):
        if n is None or n < 0:
            n = self._length - self._pos
        if n <= 0 or self._pos >= self._length:
            return b""
        start = self._pos - self._buf_start
        if not (0 <= start and start + n <= len(self._buf)):
            fetch = max(n, 64 * 1024)
            end = min(self._length, self._pos + fetch) - 1
            resp = self._session.get(self._url, headers={"Range": "bytes=%d-%d" % (self._pos, end)},
                                     timeout=self._timeout, verify=self._verify)
            resp.raise_for_status()
            self._buf_start, self._buf = self._pos, resp.content
            start = 0
        data = self._buf[start:start + n]
        self._pos += len(data)
        return data

    def readinto(self, buf):
        data = self.read(len(buf))
        buf[:len(data)] = data
        return len(data)


class _ResponseStream(io.RawIOBase):
    def __init__(self, response):
        super(_ResponseStream, self).__init__()
        self._response = response
        self._raw = response.raw

    def readable(self):
        return True

    def read(self, n=-1):
        return self._raw.read(n)

    def readinto(self, buf):
        data = self._raw.read(len(buf))
        buf[:len(data)] = data
        return len(data)

    def close(self):
        self._response.close()
        super(_ResponseStream, self).close()


class RemoteSource(Source):
    """An OVA or OVF behind an http(s) URL, streamed (never saved first).

    ``verify`` is what requests calls it: ``True`` (the system's CAs), ``False`` (no verification) or
    the path of a CA bundle. It is given to every request: requests lets ``REQUESTS_CA_BUNDLE`` /
    ``CURL_CA_BUNDLE`` replace a session-level ``verify``, but never an explicit per-request value.
    """

    def __init__(self, url, session, timeout=60, verify=True):
        import requests  # only needed for remote sources
        self.url = url
        self.session = session
        self.timeout = timeout
        self.verify = verify
        session.verify = verify
        self._requests = requests
        self._members = None
        self._sequential_tar = None
        self._pending = None
        try:
            head = session.head(url, allow_redirects=True, timeout=timeout, verify=verify)
            if head.status_code >= 400:
                raise InputError("source: %s answered HTTP %s" % (url, head.status_code), option="source")
            self.length = int(head.headers.get("Content-Length") or 0)
            ranges = "bytes" in head.headers.get("Accept-Ranges", "")
            ctype = head.headers.get("Content-Type", "")
            if url.lower().split("?")[0].endswith(".ovf") or "xml" in ctype:
                self.kind = "ovf"
                resp = session.get(url, timeout=timeout, verify=verify)
                resp.raise_for_status()
                self._set_descriptor(posixpath.basename(url.split("?")[0]), resp.content)
                manifest = posixpath.splitext(url.split("?")[0])[0] + ".mf"
                resp = session.get(manifest, timeout=timeout, verify=verify)
                if resp.status_code != 404:  # no manifest beside the descriptor: nothing to verify
                    resp.raise_for_status()
                    self._set_manifest(manifest, resp.content)
            elif ranges and self.length:
                self.kind = "ova-ranges"
                with tarfile.open(fileobj=io.BufferedReader(RangeFile(session, url, self.length, timeout, verify), 1 << 16),
                                  mode="r:") as tar:
                    self._members = dict((m.name, (m.offset_data, m.size)) for m in tar.getmembers() if m.isfile())
                ovf = [n for n in self._members if n.lower().endswith(".ovf")]
                if not ovf:
                    raise InputError("source: %s holds no .ovf descriptor" % url, option="source")
                with self.open(ovf[0]) as stream:
                    self._set_descriptor(ovf[0], stream.read())
                manifest = self._manifest_member(list(self._members))
                if manifest is not None:
                    with self.open(manifest) as stream:
                        self._set_manifest(manifest, stream.read())
            else:
                self.kind = "ova-stream"
                self.sequential = True
                resp = session.get(url, stream=True, timeout=timeout, verify=verify)
                resp.raise_for_status()
                self._sequential_tar = tarfile.open(fileobj=_ResponseStream(resp), mode="r|")
                first = self._sequential_tar.next()
                if first is None or not first.name.lower().endswith(".ovf"):
                    raise InputError("source: the first member of %s must be the .ovf descriptor" % url,
                                     option="source")
                self._set_descriptor(first.name, self._sequential_tar.extractfile(first).read())
                # the manifest, when there is one, follows the descriptor (the order OVF packages keep)
                self._pending = self._sequential_tar.next()
                if self._pending is not None and self._pending.name.lower().endswith(".mf"):
                    self._set_manifest(self._pending.name, self._sequential_tar.extractfile(self._pending).read())
                    self._pending = None
        except InputError:
            raise
        except (requests.RequestException, tarfile.TarError, ValueError, UnicodeDecodeError) as exc:
            raise InputError("source: cannot read %s: %s" % (url, exc), option="source")

    def _ova_member(self, href):
        member = self._members.get(href) or self._members.get(posixpath.basename(href))
        if member is None:
            raise InputError("source: the OVA has no member '%s'" % href, option="source")
        return member

    def size(self, href):
        if self.kind == "ova-ranges":
            return self._ova_member(href)[1]
        if self.kind == "ovf":
            head = self.session.head(posixpath.join(posixpath.dirname(self.url), href), timeout=self.timeout,
                                     allow_redirects=True, verify=self.verify)
            if head.status_code >= 400:
                raise InputError("source: %s is referenced by the descriptor but answers HTTP %s"
                                 % (href, head.status_code), option="source")
            return int(head.headers.get("Content-Length") or 0) or None
        return None  # known only when the stream reaches the member

    def open(self, href):
        if self.kind == "ova-ranges":
            offset, size = self._ova_member(href)
            resp = self.session.get(self.url, headers={"Range": "bytes=%d-%d" % (offset, offset + size - 1)},
                                    stream=True, timeout=self.timeout, verify=self.verify)
            resp.raise_for_status()
            return io.BufferedReader(LimitedReader(_ResponseStream(resp), size), CHUNK)
        if self.kind == "ovf":
            resp = self.session.get(posixpath.join(posixpath.dirname(self.url), href), stream=True,
                                    timeout=self.timeout, verify=self.verify)
            resp.raise_for_status()
            return io.BufferedReader(_ResponseStream(resp), CHUNK)
        raise InputError("source: a streamed OVA can only be read in order", option="source")

    def members(self, hrefs):
        if not self.sequential:
            yield from super(RemoteSource, self).members(hrefs)
            return
        wanted = set(hrefs)

        def rest():
            if self._pending is not None:
                pending, self._pending = self._pending, None
                yield pending
            yield from self._sequential_tar
        for member in rest():
            if member.name in wanted or posixpath.basename(member.name) in wanted:
                name = member.name if member.name in wanted else posixpath.basename(member.name)
                yield name, self._sequential_tar.extractfile(member)
                wanted.discard(name)
        if wanted:
            raise InputError("source: the OVA ends before its members %s" % ", ".join(sorted(wanted)),
                             option="source")

    def member_size(self, href):
        return None

    def close(self):
        if self._sequential_tar is not None:
            self._sequential_tar.close()


def open_source(source, session_factory=None, timeout=60, verify=True):
    """Pick the right reader for ``source`` (path or URL); ``verify`` as for `RemoteSource`."""
    lowered = source.lower()
    if lowered.startswith("http://") or lowered.startswith("https://"):
        return RemoteSource(source, session_factory(), timeout, verify)
    if not os.path.exists(source):
        raise InputError("source: %s does not exist" % source, option="source")
    if os.path.isdir(source):
        ovfs = sorted(f for f in os.listdir(source) if f.lower().endswith(".ovf"))
        if len(ovfs) != 1:
            raise InputError("source: directory %s must hold exactly one .ovf (found: %s)"
                             % (source, ", ".join(ovfs) or "none"), option="source")
        return LocalOvf(os.path.join(source, ovfs[0]))
    if lowered.endswith(".ovf"):
        return LocalOvf(source)
    return LocalOva(source)
