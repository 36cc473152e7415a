# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of ``vsphere_vm_guard``: keep a migrated VM's original from being started again.

A guard is four things on the source VM, each undone exactly by ``released``:

* ``PowerOnVM_Task`` disabled with ``AuthorizationManager.DisableMethods`` under this collection's
  source id (``EnableMethods`` with the same id lifts only our lock);
* a line in the annotation (the VM's notes) saying where the VM went and when, kept apart from the
  notes already there;
* a custom attribute with the same information;
* every network adapter set not to connect at power-on.

What the guard changed (the adapters' previous ``startConnected``, the destination, the time) is kept
in the VM's ``extraConfig`` under ``GUARD_KEY`` so that ``released`` restores what was there.

Independent of Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

try:
    from pyVmomi import vim
except ImportError:  # pragma: no cover - the module base class reports it
    vim = None

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Reconciler
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError, NotFoundError

SOURCE_ID = "cloudmove.vcda"
REASON_ID = "cloudmove.vcda.vm_guard.migrated"
GUARDED_METHODS = ("PowerOnVM_Task",)
GUARD_KEY = "cloudmove.vcda.guard"
NOTE_PREFIX = "[cloudmove.vcda guard] "
DEFAULT_ATTRIBUTE = "cloudmove.vcda.migrated_to"


def now_utc():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def note_line(destination, when):
    return "%sMigrated to %s at %s; power-on is disabled (release with cloudmove.vcda.vsphere_vm_guard " \
           "state=released)." % (NOTE_PREFIX, destination, when)


def split_annotation(text):
    """(the user's notes, our guard line or None) of an annotation."""
    ours = None
    kept = []
    for line in (text or "").split("\n"):
        if line.startswith(NOTE_PREFIX):
            ours = line
        else:
            kept.append(line)
    while kept and kept[-1] == "":
        kept.pop()
    return "\n".join(kept), ours


def join_annotation(notes, line):
    if not line:
        return notes
    return (notes + "\n\n" + line) if notes else line


def attribute_value(destination, when):
    return "%s (%s)" % (destination, when)


class VmGuard(object):
    def __init__(self, params, client, check_mode=False, warn=None):
        self.p = params
        self.client = client
        self.check_mode = check_mode
        self.rec = Reconciler(check_mode)
        self.warn = warn or (lambda msg: None)

    # --- live state ---------------------------------------------------------------------------
    def find(self):
        datacenter = self.client.datacenter(self.p.get("datacenter"))
        if self.p.get("folder"):
            folder = self.client.folder(datacenter, self.p["folder"])
            vm = self.client.vm_in_folder(folder, self.p["name"])
            if vm is None:
                raise NotFoundError("virtual machine", self.p["name"],
                                    [c.name for c in folder.childEntity if isinstance(c, vim.VirtualMachine)],
                                    option="name")
            return vm
        return self.client.vm(datacenter, self.p["name"], option="name")

    @staticmethod
    def record_of(vm):
        for option in vm.config.extraConfig or []:
            if option.key == GUARD_KEY and option.value:
                try:
                    value = json.loads(option.value)
                except ValueError:
                    return {}
                return value if isinstance(value, dict) else {}
        return None

    @staticmethod
    def nics(vm):
        return [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)]

    def read(self, vm, attribute_key):
        notes, line = split_annotation(vm.config.annotation)
        attribute = None
        if attribute_key is not None:
            for value in vm.customValue or []:
                if value.key == attribute_key:
                    attribute = value.value or None
        disabled = [m for m in GUARDED_METHODS if m in (vm.disabledMethod or [])]
        return {
            "name": vm.name,
            "moid": vm._moId,
            "power_state": str(vm.runtime.powerState),
            "power_on_disabled": bool(disabled) and len(disabled) == len(GUARDED_METHODS),
            "annotation": line,
            "attribute": attribute,
            "nics_start_connected": dict((n.deviceInfo.label, bool(n.connectable and n.connectable.startConnected))
                                         for n in self.nics(vm)),
            "record": self.record_of(vm),
            "_notes": notes,
        }

    @staticmethod
    def public(state):
        view = dict((k, v) for k, v in state.items() if not k.startswith("_") and k != "record")
        view["guarded"] = state["record"] is not None
        return view

    # --- the run ------------------------------------------------------------------------------
    def run(self):
        """``(outcome, extra)``: the core's outcome and what the module returns besides ``changed``/``diff``."""
        p = self.p
        vm = self.find()
        attribute_name = p.get("attribute") or DEFAULT_ATTRIBUTE
        key = self.client.custom_field_key(attribute_name)
        live = self.read(vm, key)
        if p["state"] == "guarded":
            desired = self.desired_guarded(live)
        else:
            desired = self.desired_released(live)
        managed = ("power_on_disabled", "annotation", "attribute", "nics_start_connected")
        changed_keys = [k for k in managed if live[k] != desired[k]]
        if live["record"] != desired["record"]:
            changed_keys.append("record")
        before = dict((k, live[k]) for k in managed)
        after = dict((k, desired[k]) for k in managed)

        def apply():
            self.apply(vm, live, desired, attribute_name, key)
            return self.read(vm, self.client.custom_field_key(attribute_name))
        outcome = self.rec.act(bool(changed_keys), before, after, apply=apply, action="update",
                               obj=dict(live, **dict((k, desired[k]) for k in managed + ("record",))))
        result_state = outcome.obj
        if p["state"] == "released" and not self.check_mode and result_state["power_on_disabled"]:
            self.warn("PowerOnVM_Task is still disabled on %s by another component (not this collection's lock); "
                      "it is left alone" % vm.name)
        vm_view = self.public(result_state)
        if vm_view["guarded"]:
            record = result_state["record"] or {}
            vm_view["destination"] = record.get("destination")
            vm_view["migrated_at"] = record.get("at")
        return outcome, {"changed_keys": sorted(set(k if k != "record" else "guard_record" for k in changed_keys)),
                         "vm": vm_view}

    def desired_guarded(self, live):
        p = self.p
        destination = p.get("destination")
        if not destination:
            raise InputError("destination: required with state=guarded (where the VM went, for example "
                             "'org1 / vdc1 (site1)')", "destination")
        if live["power_state"] != "poweredOff" and live["record"] is None and self.check_mode:
            # check mode of a whole migration: the cutover before this task (which powers the original off) was
            # only predicted
            self.warn("check mode: %s is %s; it is predicted to be guarded once a cutover powers it off (a real run "
                      "refuses a VM that is not powered off)" % (live["name"], live["power_state"]))
        elif live["power_state"] != "poweredOff" and live["record"] is None:
            raise InputError("name: %s is %s; a guard is for the powered-off original after a cutover "
                             "(power it off first)" % (live["name"], live["power_state"]), "name")
        record = dict(live["record"] or {})
        when = p.get("migrated_at")
        if not when:
            when = record.get("at") if record.get("destination") == destination and record.get("at") else now_utc()
        nics_before = dict(record.get("nics") or {})
        for label, connected in live["nics_start_connected"].items():
            if label not in nics_before:
                nics_before[label] = connected
        new_record = {"destination": destination, "at": when, "nics": nics_before}
        disconnect = p.get("disconnect_nics", True)
        nics = dict((label, False if disconnect else (nics_before.get(label, connected) if record else connected))
                    for label, connected in live["nics_start_connected"].items())
        return {
            "power_on_disabled": True,
            "annotation": note_line(destination, when),
            "attribute": attribute_value(destination, when),
            "nics_start_connected": nics,
            "record": new_record,
        }

    def desired_released(self, live):
        record = live["record"] or {}
        saved = record.get("nics") or {}
        nics = dict((label, bool(saved[label]) if label in saved else connected)
                    for label, connected in live["nics_start_connected"].items())
        disabled = live["power_on_disabled"]
        return {
            # Only our lock is lifted; without our record the method was disabled by someone else.
            "power_on_disabled": False if live["record"] is not None or not disabled else disabled,
            "annotation": None,
            "attribute": None,
            "nics_start_connected": nics,
            "record": None,
        }

    # --- actions ------------------------------------------------------------------------------
    def apply(self, vm, live, desired, attribute_name, key):
        client = self.client
        timeout = self.p.get("timeout") or 300
        if desired["power_on_disabled"] and (not live["power_on_disabled"] or live["record"] is None):
            client.disable_methods([vm], GUARDED_METHODS, SOURCE_ID, REASON_ID)
        devices = []
        for nic in self.nics(vm):
            label = nic.deviceInfo.label
            wanted = desired["nics_start_connected"].get(label)
            if wanted is not None and wanted != live["nics_start_connected"].get(label):
                nic.connectable = nic.connectable or vim.vm.device.VirtualDevice.ConnectInfo()
                nic.connectable.startConnected = wanted
                devices.append(vim.vm.device.VirtualDeviceSpec(operation="edit", device=nic))
        spec = vim.vm.ConfigSpec()
        touched = False
        if devices:
            spec.deviceChange = devices
            touched = True
        if live["annotation"] != desired["annotation"]:
            spec.annotation = join_annotation(live["_notes"], desired["annotation"])
            touched = True
        if live["record"] != desired["record"]:
            value = json.dumps(desired["record"], sort_keys=True) if desired["record"] is not None else ""
            spec.extraConfig = [vim.option.OptionValue(key=GUARD_KEY, value=value)]
            touched = True
        if touched:
            client.wait_for_task(vm.ReconfigVM_Task(spec), timeout, "guard settings of %s" % vm.name)
        if live["attribute"] != desired["attribute"]:
            if desired["attribute"] is not None and key is None:
                key = client.custom_field_key(attribute_name, create=True)
            if key is not None:
                client.set_custom_field(vm, key, desired["attribute"] or "")
        if not desired["power_on_disabled"] and live["power_on_disabled"] and live["record"] is not None:
            client.enable_methods([vm], GUARDED_METHODS, SOURCE_ID)
