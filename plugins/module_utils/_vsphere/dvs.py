# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Distributed port groups: VLAN trunk ranges, the managed view of a port group and its specs.

Independent of Ansible. The functions that build vSphere specs take the ``vim`` namespace as an
argument so that this file imports no backend library; everything else works on plain values
and on any object with the vSphere attribute names (duck typing), which keeps it testable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

VLAN_MIN = 0
VLAN_MAX = 4094
SINK_KEY = "com.vmware.etherswitch.port.extraEthFRP"
SINK_VALUE = "SINK"

BINDINGS = {"static": "earlyBinding", "ephemeral": "ephemeral"}
BINDING_NAMES = dict((v, k) for k, v in BINDINGS.items())

SECURITY_KEYS = (("promiscuous", "allowPromiscuous"),
                 ("forged_transmits", "forgedTransmits"),
                 ("mac_changes", "macChanges"))

VLAN_FORMS = ["VLAN IDs %d-%d" % (VLAN_MIN, VLAN_MAX), "a string like '1-100,200'",
              "a list of {start, end} dicts, numbers or 'START-END' strings"]

_RANGE_RE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


# --- VLAN trunk ranges ------------------------------------------------------------------------
def _vlan_id(value, option, where):
    if isinstance(value, bool):
        raise InputError("%s: %s must be a VLAN ID, got %r" % (option, where, value), option, VLAN_FORMS)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InputError("%s: %s must be a VLAN ID, got %r" % (option, where, value), option, VLAN_FORMS)
    if number < VLAN_MIN or number > VLAN_MAX:
        raise InputError("%s: VLAN ID %d is out of range %d-%d (in %s)" % (option, number, VLAN_MIN, VLAN_MAX, where),
                         option, VLAN_FORMS)
    return number


def _parse_text(text, option):
    ranges = []
    for part in text.split(","):
        if not part.strip():
            raise InputError("%s: empty element in %r" % (option, text), option, VLAN_FORMS)
        match = _RANGE_RE.match(part)
        if not match:
            raise InputError("%s: cannot read %r as a VLAN ID or START-END range" % (option, part.strip()),
                             option, VLAN_FORMS)
        start = _vlan_id(match.group(1), option, repr(part.strip()))
        end = _vlan_id(match.group(2), option, repr(part.strip())) if match.group(2) is not None else start
        ranges.append((start, end, part.strip()))
    return ranges


def parse_vlan_ranges(value, option="vlan_trunk"):
    """The trunk ranges the user gave, as a sorted list of ``(start, end)`` with adjacent ranges merged.

    Accepts ``"1-100,200"``, ``[{"start": 1, "end": 100}, 200, "300-310"]``. Fails (InputError
    naming ``option``) on IDs outside 0-4094, reversed or overlapping ranges and anything else.
    Returns ``None`` for ``None`` (the user did not set it).
    """
    if value is None:
        return None
    raw = []
    if isinstance(value, str):
        raw = _parse_text(value, option)
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, dict):
                unknown = sorted(set(item) - {"start", "end"})
                if unknown or "start" not in item:
                    raise InputError("%s: a range needs 'start' and optionally 'end', got %r" % (option, item),
                                     option, VLAN_FORMS)
                where = "range %s-%s" % (item.get("start"), item.get("end", item.get("start")))
                start = _vlan_id(item["start"], option, where)
                end = _vlan_id(item["end"], option, where) if item.get("end") is not None else start
                raw.append((start, end, "%d-%d" % (start, end)))
            elif isinstance(item, str):
                raw.extend(_parse_text(item, option))
            elif isinstance(item, int) and not isinstance(item, bool):
                number = _vlan_id(item, option, str(item))
                raw.append((number, number, str(number)))
            else:
                raise InputError("%s: cannot read %r as a VLAN range" % (option, item), option, VLAN_FORMS)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = _vlan_id(value, option, str(value))
        raw.append((number, number, str(number)))
    else:
        raise InputError("%s: cannot read %r as VLAN ranges" % (option, value), option, VLAN_FORMS)
    if not raw:
        raise InputError("%s: give at least one VLAN range" % option, option, VLAN_FORMS)
    for start, end, text in raw:
        if start > end:
            raise InputError("%s: range %s ends before it starts" % (option, text), option, VLAN_FORMS)
    ordered = sorted(raw)
    for (s1, e1, t1), (s2, e2, t2) in zip(ordered, ordered[1:]):
        if s2 <= e1:
            raise InputError("%s: ranges %s and %s overlap" % (option, t1, t2), option, VLAN_FORMS)
    return merge_ranges((s, e) for s, e, _t in ordered)


def merge_ranges(ranges):
    """Sorted ``(start, end)`` tuples with overlapping and adjacent ranges joined."""
    merged = []
    for start, end in sorted((int(s), int(e)) for s, e in ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def ranges_to_list(ranges):
    """The managed (diff/result) form of ranges: ``[{"start": 1, "end": 100}, ...]``."""
    if ranges is None:
        return None
    return [{"start": s, "end": e} for s, e in ranges]


def ranges_to_text(ranges):
    return ",".join(str(s) if s == e else "%d-%d" % (s, e) for s, e in ranges or [])


# --- live state -------------------------------------------------------------------------------
def _bool_policy(policy):
    if policy is None:
        return None
    return getattr(policy, "value", None)


def live_vlan(setting):
    """``(trunk_ranges or None, description)`` of a port setting's VLAN spec."""
    vlan = getattr(setting, "vlan", None) if setting is not None else None
    if vlan is None:
        return None, "none"
    ranges = getattr(vlan, "vlanId", None)
    if isinstance(ranges, (list, tuple)):
        merged = merge_ranges((r.start, r.end) for r in ranges)
        return merged, "trunk %s" % ranges_to_text(merged)
    if getattr(vlan, "pvlanId", None) is not None:
        return None, "private VLAN %s" % vlan.pvlanId
    return None, "VLAN %s" % ranges


def vendor_values(vendor_config):
    """``{key: opaqueData}`` of a DVSVendorSpecificConfig (empty when unset)."""
    values = {}
    for blob in getattr(vendor_config, "keyValue", None) or []:
        values[blob.key] = blob.opaqueData
    return values


def portgroup_state(config, switch_name=None):
    """The managed view of a port group from its ``config`` (DVPortgroupConfigInfo)."""
    setting = config.defaultPortConfig
    ranges, _desc = live_vlan(setting)
    security = getattr(setting, "securityPolicy", None) if setting is not None else None
    policy = getattr(config, "policy", None)
    state = {
        "name": config.name,
        "switch": switch_name,
        "vlan_trunk": ranges_to_list(ranges),
        "num_ports": config.numPorts,
        "port_binding": BINDING_NAMES.get(config.type, config.type),
        "vendor_config_override_allowed": bool(getattr(policy, "vendorConfigOverrideAllowed", False)),
        "config_version": config.configVersion,
    }
    for option, attr in SECURITY_KEYS:
        state[option] = _bool_policy(getattr(security, attr, None)) if security is not None else None
    return state


def desired_state(params, ranges):
    """The managed keys the user set (``None`` = leave alone) from module-style params."""
    binding = params.get("port_binding")
    desired = {
        "vlan_trunk": ranges_to_list(ranges),
        "promiscuous": params.get("promiscuous"),
        "forged_transmits": params.get("forged_transmits"),
        "mac_changes": params.get("mac_changes"),
        "num_ports": params.get("num_ports"),
        "port_binding": binding,
    }
    if params.get("sink_vm"):
        desired["vendor_config_override_allowed"] = True
    return desired


MANAGED_KEYS = ("vlan_trunk", "promiscuous", "forged_transmits", "mac_changes", "num_ports", "port_binding",
                "vendor_config_override_allowed")


def validate_num_ports(num_ports, option="num_ports"):
    if num_ports is not None and (num_ports < 0 or num_ports > 8192):
        raise InputError("%s: must be between 0 and 8192, got %s" % (option, num_ports), option, ["0-8192"])


# --- specs ------------------------------------------------------------------------------------
def _port_setting(vim, delta):
    """A VMwareDVSPortSetting carrying only the parts of ``delta`` that live in the port setting."""
    setting = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy()
    touched = False
    if delta.get("vlan_trunk") is not None:
        setting.vlan = vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec(
            inherited=False,
            vlanId=[vim.NumericRange(start=r["start"], end=r["end"]) for r in delta["vlan_trunk"]])
        touched = True
    if any(delta.get(option) is not None for option, _attr in SECURITY_KEYS):
        security = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(inherited=False)
        for option, attr in SECURITY_KEYS:
            if delta.get(option) is not None:
                setattr(security, attr, vim.BoolPolicy(inherited=False, value=delta[option]))
        setting.securityPolicy = security
        touched = True
    return setting if touched else None


def portgroup_spec(vim, delta, name, config_version=None, live_policy=None):
    """A DVPortgroupConfigSpec that changes only what ``delta`` holds.

    vCenter merges a reconfigure spec into the port group: unset parts are left alone. The
    port group policy is one object, so it is sent whole (the live one, with the change).
    """
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(name=name)
    if config_version is not None:
        spec.configVersion = config_version
    setting = _port_setting(vim, delta)
    if setting is not None:
        spec.defaultPortConfig = setting
    if delta.get("num_ports") is not None:
        spec.numPorts = delta["num_ports"]
    if delta.get("port_binding") is not None:
        spec.type = BINDINGS[delta["port_binding"]]
    if delta.get("vendor_config_override_allowed") is not None:
        policy = live_policy
        if policy is None:
            policy = vim.dvs.VmwareDistributedVirtualSwitch.VMwarePortgroupPolicy(
                blockOverrideAllowed=True, shapingOverrideAllowed=False, livePortMovingAllowed=False,
                portConfigResetAtDisconnect=True, vlanOverrideAllowed=False,
                uplinkTeamingOverrideAllowed=False, securityPolicyOverrideAllowed=False)
        policy.vendorConfigOverrideAllowed = delta["vendor_config_override_allowed"]
        spec.policy = policy
    return spec


# What a new port group gets where the user set nothing (a port group that exists is left alone there).
CREATE_DEFAULTS = {"num_ports": 8, "port_binding": "static", "vendor_config_override_allowed": False}


def create_defaults(desired):
    """``desired`` with the creation defaults filled in where the user set nothing."""
    wanted = dict(desired)
    for key, value in CREATE_DEFAULTS.items():
        if wanted.get(key) is None:
            wanted[key] = value
    return wanted


def create_spec(vim, name, desired):
    """The spec of a new port group: defaults of a trunk port group plus what the user set."""
    wanted = create_defaults(desired)
    if not wanted["vendor_config_override_allowed"]:
        del wanted["vendor_config_override_allowed"]  # vCenter's default policy
    spec = portgroup_spec(vim, dict((k, v) for k, v in wanted.items() if v is not None), name)
    if getattr(spec, "defaultPortConfig", None) is None:
        spec.defaultPortConfig = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy()
    return spec


def sink_port_spec(vim, port_key, config_version, enable=True):
    """A DVPortConfigSpec setting (or clearing) the sink key on one port of a switch."""
    if enable:
        vendor = vim.dvs.DistributedVirtualPort.VendorSpecificConfig(
            inherited=False, keyValue=[vim.dvs.KeyedOpaqueBlob(key=SINK_KEY, opaqueData=SINK_VALUE)])
    else:
        vendor = vim.dvs.DistributedVirtualPort.VendorSpecificConfig(inherited=True)
    setting = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(vendorSpecificConfig=vendor)
    return vim.dvs.DistributedVirtualPort.ConfigSpec(operation="edit", key=port_key, configVersion=config_version,
                                                     setting=setting)


def port_is_sink(port):
    """True when a DistributedVirtualPort carries the sink key with value SINK."""
    setting = getattr(getattr(port, "config", None), "setting", None)
    values = vendor_values(getattr(setting, "vendorSpecificConfig", None))
    return str(values.get(SINK_KEY, "")).strip().upper() == SINK_VALUE


# --- VM network adapters ----------------------------------------------------------------------
def pick_nic(nics, wanted, option="sink_nic"):
    """The adapter ``wanted`` names among ``nics`` (objects with ``deviceInfo.label``).

    ``wanted`` is the adapter's label (``Network adapter 2``) or its position among the VM's
    network adapters counting from 1 (``2``).
    """
    labels = [n.deviceInfo.label for n in nics]
    text = str(wanted).strip()
    if re.match(r"^\d+$", text):
        index = int(text)
        if 1 <= index <= len(nics):
            return nics[index - 1]
    else:
        for nic in nics:
            if nic.deviceInfo.label.lower() == text.lower():
                return nic
    choices = labels + ["1-%d" % len(nics)] if nics else []
    raise InputError("%s: the VM has no network adapter %r" % (option, wanted), option, choices)
