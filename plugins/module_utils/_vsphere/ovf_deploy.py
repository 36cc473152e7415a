# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired-state logic of ``ovf_deploy``: read the VM, compare, deploy or correct.

Independent of Ansible: takes a parameters dict, a ``VsphereClient`` and check mode, and
returns the core's outcome with what the module returns besides it. Raises the typed errors of ``_errors``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

try:
    from pyVmomi import vim
except ImportError:  # pragma: no cover
    vim = None

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import MASK, Reconciler
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    InputError,
    NotFoundError,
    TaskFailed,
    TlsError,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.appliance import (
    appliance_role,
    appliance_thumbprints,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.ovf_source import open_source
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.ovf_import import (
    IMPORT_MARKER,
    OvfImporter,
    import_spec_params,
    incomplete_import,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller

POWER = {"poweredon": "poweredOn", "poweredoff": "poweredOff"}
PROGRESS_ENV = "CLOUDMOVE_PROGRESS_FILE"


def progress_writer(path, name):
    """A progress callback that writes one small JSON document (for the action plugin)."""
    if not path:
        return None
    state = {"last": 0.0}

    def write(done, total, elapsed):
        now = time.monotonic()
        if now - state["last"] < 0.5 and done < total:
            return
        state["last"] = now
        tmp = path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump({"name": name, "done": done, "total": total, "elapsed": round(elapsed, 2)}, handle)
        os.replace(tmp, path)

    return write


def source_verify(params):
    """requests' ``verify`` for an https source: its own options, else the module's ``validate_certs``."""
    validate = params.get("source_validate_certs")
    if validate is None:
        validate = params.get("validate_certs", True)
    if not validate:
        return False
    return params.get("source_ca_path") or True


class OvfDeployment(object):
    def __init__(self, params, client, check_mode=False, session_factory=None, warn=None, add_secret=None):
        self.p = params
        self.client = client
        self.check_mode = check_mode
        self.rec = Reconciler(check_mode, secret_keys=("properties",))
        self.session_factory = session_factory
        self.warn = warn or (lambda msg: None)
        self.add_secret = add_secret or (lambda value: None)
        self.secret_keys = set(params.get("secret_properties") or [])

    def secret_values(self):
        props = self.p.get("properties") or {}
        return [str(props[k]) for k in self.secret_keys if props.get(k) not in (None, "")]

    # --- inputs ------------------------------------------------------------------------------
    def _source(self):
        return open_source(self.p["source"], self.session_factory, timeout=min(self.p["timeout"], 300),
                           verify=source_verify(self.p))

    def protect(self, descriptor):
        """Register the values of the descriptor's password properties (and of ``secret_properties``) as secrets,
        before anything can fail: an error result echoes the module's arguments."""
        self.secret_keys |= descriptor.password_keys()
        for value in self.secret_values():
            self.add_secret(value)

    def validate(self, descriptor):
        """Fail, naming the option and the accepted values, before anything is created."""
        p = self.p
        option = p.get("deployment_option")
        if option is not None and option not in descriptor.deployment_options:
            raise InputError("deployment_option: '%s' is not offered by the OVF" % option, "deployment_option",
                             descriptor.deployment_options)
        unknown = sorted(set(p.get("properties") or {}) - set(descriptor.properties))
        if unknown:
            raise InputError("properties: the OVF declares no propert%s %s"
                             % ("y" if len(unknown) == 1 else "ies", ", ".join(unknown)),
                             "properties", sorted(descriptor.properties))
        unknown = sorted(set(p.get("networks") or {}) - set(descriptor.networks))
        if unknown:
            raise InputError("networks: the OVF has no network named %s" % ", ".join(unknown), "networks",
                             descriptor.networks)
        unknown = sorted(self.secret_keys - set(descriptor.properties))
        if unknown:
            raise InputError("secret_properties: the OVF declares no property %s" % ", ".join(unknown),
                             "secret_properties", sorted(descriptor.properties))
        self.protect(descriptor)
        problems = []
        for key, value in sorted((p.get("properties") or {}).items()):
            prop = descriptor.properties[key]
            text = "true" if value is True else "false" if value is False else str(value)
            problem = prop.problem(text)
            if problem is None:
                continue
            shown = "" if key in self.secret_keys else ", got '%s'" % text
            problems.append("'%s' %s%s" % (key, problem, shown))
        if problems:
            raise InputError("properties: %s" % "; ".join(problems), "properties")

    # --- live state ---------------------------------------------------------------------------
    def read_vm(self, vm, descriptor):
        config = vm.config
        props = {}
        if config is not None and config.vAppConfig is not None:
            for prop in config.vAppConfig.property or []:
                props[prop.id] = prop.value if prop.value not in (None, "") else prop.defaultValue
        nics = [d for d in (config.hardware.device if config else []) if isinstance(d, vim.vm.device.VirtualEthernetCard)]
        networks = {}
        names = descriptor.nic_networks if descriptor else []
        for ovf_name, nic in zip(names, nics):
            networks[ovf_name] = self._nic_network_name(nic)
        option = None
        if descriptor is not None and descriptor.deployment_options and config is not None:
            matching = descriptor.options_matching(config.hardware.numCPU, config.hardware.memoryMB)
            option = matching[0] if len(matching) == 1 else ("|".join(matching) or "unknown")
        guest = vm.guest
        live = {
            "moid": vm._moId,
            "name": vm.name,
            "power_state": str(vm.runtime.powerState),
            "ip_address": guest.ipAddress if guest is not None else None,
            "deployment_option": option,
            "properties": props,
            "networks": networks,
        }
        live.update(self.appliance(vm))
        return live

    def appliance(self, vm):
        """The appliance's role and the thumbprints of the certificates it publishes in extraConfig."""
        try:
            found = appliance_thumbprints(vm)
        except TlsError as exc:
            self.warn("%s; its thumbprint is not returned" % exc)
            found = {"role": appliance_role(vm), "thumbprint": None, "thumbprints": {}}
        return {"appliance_role": found["role"], "appliance_thumbprint": found["thumbprint"],
                "appliance_thumbprints": found["thumbprints"]}

    def _nic_network_name(self, nic):
        backing = nic.backing
        if isinstance(backing, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo):
            key = backing.port.portgroupKey
            for net in self.client._view(vim.dvs.DistributedVirtualPortgroup):
                if net.key == key:
                    return net.name
            return key
        network = getattr(backing, "network", None)
        return network.name if network is not None else getattr(backing, "deviceName", None)

    def masked(self, props):
        return dict((k, MASK if k in self.secret_keys and v not in (None, "") else v) for k, v in props.items())

    def public(self, live):
        if live is None:
            return None
        view = dict(live)
        if live.get("properties") is not None:
            view["properties"] = self.masked(live["properties"])
        return view

    # --- the run ------------------------------------------------------------------------------
    def run(self):
        """``(outcome, extra)``: the core's outcome and what the module returns besides ``changed``/``diff``."""
        p = self.p
        if p["state"] == "absent":
            vm = self.find()[2]
            live = self.read_vm(vm, None) if vm is not None else None
            outcome = self.rec.absent(live and {"name": live["name"], "power_state": live["power_state"]},
                                      delete=lambda _: self.destroy(vm))
            return outcome, {"vm": None}
        source = self._source()
        try:
            descriptor = source.descriptor
            self.protect(descriptor)  # first: every error below is shown with the module's arguments
            if p.get("upload_retries", 2) < 0:
                raise InputError("upload_retries: must be 0 or more, got %s" % p["upload_retries"], "upload_retries")
            datacenter, folder, vm = self.find()
            self.validate(descriptor)
            source.verify_manifest()  # the descriptor against the package's .mf (the disks while they stream)
            networks = self.networks(datacenter)
            desired = self.desired(descriptor)
            replaced = None
            if vm is not None and incomplete_import(vm):
                replaced = self.replace_incomplete(vm)
                vm = None
            if vm is None:
                outcome, extra = self.deploy(source, datacenter, folder, networks, desired)
                if replaced is not None:
                    extra["replaced_incomplete"] = True
                    outcome.before = replaced
                return outcome, extra
            return self.correct(vm, descriptor, desired)
        finally:
            source.close()

    def find(self):
        """(datacenter, folder, the VM named ``name`` in it or None)."""
        datacenter = self.client.datacenter(self.p.get("datacenter"))
        folder = self.client.folder(datacenter, self.p.get("folder"))
        return datacenter, folder, self.client.vm_in_folder(folder, self.p["name"])

    def networks(self, datacenter):
        """``{OVF network: vCenter network}`` of the ``networks`` option. In check mode a port group that does not
        exist yet (an earlier task in the same check run only predicted creating it, as on a fresh site) is left
        out of the import spec check, with a warning; a real run fails on it."""
        out = {}
        for ovf_name, name in sorted((self.p.get("networks") or {}).items()):
            try:
                out[ovf_name] = self.client.network(datacenter, name, "networks")
            except NotFoundError:
                if not self.check_mode:
                    raise
                self.warn("check mode: network '%s' (for OVF network %s) not found; predicted to exist once an "
                          "earlier task creates it (a real run fails on a network that does not exist)"
                          % (name, ovf_name))
        return out

    def replace_incomplete(self, vm):
        """A VM an earlier run did not finish importing (its marker is still set): never accept it."""
        before = {"name": vm.name, "incomplete_import": True, "power_state": str(vm.runtime.powerState)}
        verb = "would be" if self.check_mode else "is"
        self.warn("%s was left by an import that did not finish (marker %s is still set, e.g. after kill -9 of "
                  "the upload); it %s removed and deployed again" % (vm.name, IMPORT_MARKER, verb))
        self.rec.act(True, before, {}, apply=lambda: self.destroy(vm), action="delete")
        return before

    def desired(self, descriptor):
        p = self.p
        props = dict((k, str(v)) for k, v in (p.get("properties") or {}).items())
        return {
            "deployment_option": p.get("deployment_option") or descriptor.default_option,
            "properties": props,
            "networks": dict(p.get("networks") or {}),
            "power_state": POWER.get(p["state"]) or ("poweredOn" if p.get("power_on") else None),
        }

    def deploy(self, source, datacenter, folder, networks, desired):
        p = self.p
        client = self.client
        pool, host = client.placement(datacenter, p.get("cluster"), p.get("esxi_host"), p.get("resource_pool"))
        datastore = client.datastore(datacenter, p.get("datastore")) if p.get("datastore") else None
        if datastore is None:
            stores = pool.owner.datastore if hasattr(pool, "owner") else []
            if not stores:
                raise InputError("datastore: none given and the placement has no datastore", "datastore")
            datastore = stores[0]
        importer = OvfImporter(client, source, p["upload_workers"], p["timeout"],
                               on_progress=progress_writer(os.environ.get(PROGRESS_ENV), p["name"]),
                               secrets=self.secret_values(), retries=p.get("upload_retries", 2), warn=self.warn)
        params = import_spec_params(p["name"], p.get("deployment_option"), p.get("disk_provisioning"),
                                    networks, desired["properties"], host)
        checked = {}

        def check():
            """The dry run (in check mode too): vCenter's CreateImportSpec validates the whole request."""
            spec = importer.create_import_spec(pool, datastore, params)
            for warning in spec.warnings:
                self.warn("CreateImportSpec: %s" % warning)
            if spec.errors:
                raise TaskFailed("CreateImportSpec rejected the deployment: %s" % "; ".join(spec.errors))
            checked["spec"] = spec

        def apply():
            vm = importer.run(checked["spec"], pool, folder, host)
            if desired["power_state"] == "poweredOn":
                self.power(vm, "poweredOn")
            live = self.read_vm(vm, source.descriptor)
            live["deployment_option"] = desired["deployment_option"]
            if p.get("wait_for_ip") and live["power_state"] == "poweredOn":
                live["ip_address"] = self.wait_for_ip(vm)
                live.update(self.appliance(vm))  # a booted appliance publishes its certificates
            return self.public(live)
        after = {"name": p["name"], "deployment_option": desired["deployment_option"],
                 "properties": self.masked(desired["properties"]), "networks": desired["networks"],
                 "power_state": desired["power_state"] or "poweredOff"}
        outcome = self.rec.act(True, {}, after, apply=apply, dry_run=check, obj=after, action="create")
        return outcome, {"vm": outcome.obj, "import_spec_warnings": checked["spec"].warnings}

    def not_comparable(self, vm, live, desired):
        """The VM has no vApp options: nothing of the OVF request can be compared, so nothing is changed.

        That is an existing VM of this name not made from an OVF, or a vCenter that dropped the vApp
        options. Its power state is left alone too: it may not be the appliance at all.
        """
        line = ("%s has no vApp options (config.vAppConfig is unset): its properties and deployment option "
                "cannot be compared with the request; nothing was changed (remove the VM with state=absent to "
                "deploy it from the OVF)" % vm.name)
        self.warn(line)
        live = dict(live, properties=None, deployment_option=None)
        view = {"properties": None, "deployment_option": None, "power_state": live["power_state"]}
        return self.rec.act(False, view, dict(view)), {"vm": self.public(live), "drift": [line], "comparable": False}

    def correct(self, vm, descriptor, desired):
        live = self.read_vm(vm, descriptor)
        if vm.config is None or vm.config.vAppConfig is None:
            return self.not_comparable(vm, live, desired)
        drift = []
        option = desired["deployment_option"]
        # An ambiguous sizing ("cloud|replicator") is consistent with any option it names.
        if self.p.get("deployment_option") and live["deployment_option"] is not None \
                and option not in live["deployment_option"].split("|"):
            drift.append("deployment_option: deployed as '%s', requested '%s' (redeploy to change it)"
                         % (live["deployment_option"], option))
        for net, wanted in sorted(desired["networks"].items()):
            if live["networks"].get(net) != wanted:
                drift.append("networks: OVF network '%s' is on '%s', requested '%s' (not changed by this module)"
                             % (net, live["networks"].get(net), wanted))
        for line in drift:
            self.warn(line)
        fixable = {"properties": dict((k, v) for k, v in desired["properties"].items() if k not in self.secret_keys),
                   "power_state": desired["power_state"]}
        current = {"properties": live["properties"], "power_state": live["power_state"]}
        wrong = dict((k, v) for k, v in fixable["properties"].items() if current["properties"].get(k) != v)
        changed = bool(wrong) or (fixable["power_state"] not in (None, live["power_state"]))
        if wrong:
            self.warn("properties: %s differ%s from the request; %s"
                      % (", ".join(sorted(wrong)), "s" if len(wrong) == 1 else "",
                         "would be corrected in place" if self.check_mode else "corrected in place"))

        def apply():
            if wrong:
                self.set_properties(vm, wrong)
            if fixable["power_state"] not in (None, live["power_state"]):
                self.power(vm, fixable["power_state"])
            return self.read_vm(vm, descriptor)
        predicted = dict(live, properties=dict(live["properties"], **wrong),
                         power_state=fixable["power_state"] or live["power_state"]) if changed else live
        outcome = self.rec.act(changed, None, None, apply=apply, obj=predicted, action="update")
        live = outcome.obj
        before = {"properties": self.masked(current["properties"]), "power_state": current["power_state"]}
        after = {"properties": self.masked(live["properties"]), "power_state": live["power_state"]}
        if drift:
            before.update(deployment_option=live["deployment_option"], networks=live["networks"])
            after.update(deployment_option=option, networks=dict(live["networks"], **desired["networks"]))
        outcome.before, outcome.after = before, after
        if self.p.get("wait_for_ip") and live["power_state"] == "poweredOn" and not self.check_mode:
            if not live["ip_address"]:
                live["ip_address"] = self.wait_for_ip(vm)
                live.update(self.appliance(vm))
        return outcome, {"vm": self.public(live), "drift": drift}

    # --- actions ------------------------------------------------------------------------------
    def set_properties(self, vm, values):
        by_id = dict((prop.id, prop) for prop in vm.config.vAppConfig.property or [])
        specs = []
        for key, value in sorted(values.items()):
            info = vim.vApp.PropertyInfo(key=by_id[key].key, id=key, value=value)
            specs.append(vim.vApp.PropertySpec(operation="edit", info=info))
        spec = vim.vm.ConfigSpec(vAppConfig=vim.vApp.VmConfigSpec(property=specs))
        self.client.wait_for_task(vm.ReconfigVM_Task(spec), self.p["timeout"], "property update of %s" % vm.name)

    def power(self, vm, state):
        if str(vm.runtime.powerState) == state:
            return
        what = "power %s of %s" % (state, vm.name)
        task = vm.PowerOnVM_Task() if state == "poweredOn" else vm.PowerOffVM_Task()
        self.client.wait_for_task(task, self.p["timeout"], what)

    def destroy(self, vm):
        if str(vm.runtime.powerState) == "poweredOn":
            self.power(vm, "poweredOff")
        what = "removal of %s" % vm.name  # read before the VM is gone
        self.client.wait_for_task(vm.Destroy_Task(), self.p["timeout"], what)

    def wait_for_ip(self, vm):
        def probe():
            guest = vm.guest
            return (guest.ipAddress if guest is not None else None), getattr(guest, "toolsRunningStatus", None)
        address, _tools = Poller(self.p["wait_for_ip_timeout"], first=1.0).until(
            probe, lambda seen: bool(seen[0]), "an IP address on %s from VMware Tools" % vm.name,
            last_state=lambda seen: seen[1])
        return address
