# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of ``vsphere_trunk_portgroup``: a trunk port group and the sink setting of one VM port.

Independent of Ansible: takes the module's parameters as a dict and a ``VsphereClient``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from pyVmomi import vim
except ImportError:  # pragma: no cover - reported by the module base class
    vim = None

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import dvs as _dvs
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Outcome, Reconciler
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

DEFAULT_TRUNK = [(_dvs.VLAN_MIN, _dvs.VLAN_MAX)]


class TrunkPortgroup(object):
    """Compare-then-act for one distributed port group (and optionally one sink port)."""

    def __init__(self, params, client, check_mode=False):
        self.params = params
        self.client = client
        self.check_mode = check_mode
        self.timeout = params.get("timeout") or 300

    # --- input, all checked before any change ---------------------------------------------
    def _validate(self):
        ranges = _dvs.parse_vlan_ranges(self.params.get("vlan_trunk"), "vlan_trunk")
        _dvs.validate_num_ports(self.params.get("num_ports"))
        if self.timeout < 1:
            raise InputError("timeout: must be 1 or more, got %s" % self.timeout, "timeout")
        return ranges

    def _sink_target(self, datacenter, switch, portgroup):
        """(vm, nic) named by sink_vm/sink_nic, checked to sit on this port group."""
        params = self.params
        vm = self.client.vm(datacenter, params["sink_vm"], option="sink_vm")
        nics = [d for d in (vm.config.hardware.device if vm.config else [])
                if isinstance(d, vim.vm.device.VirtualEthernetCard)]
        nic = _dvs.pick_nic(nics, params["sink_nic"])
        port = getattr(nic.backing, "port", None)
        on_group = (port is not None and portgroup is not None and port.switchUuid == switch.uuid
                    and port.portgroupKey == portgroup.key)
        if not on_group:
            where = self._network_of(nic)
            raise InputError("sink_nic: adapter '%s' of VM '%s' is connected to %s, not to port group '%s' of "
                             "switch '%s'; connect it first" % (nic.deviceInfo.label, vm.name, where,
                                                                params["name"], switch.name),
                             "sink_nic", [n.deviceInfo.label for n in nics])
        if not port.portKey:
            raise InputError("sink_nic: adapter '%s' of VM '%s' has no port of '%s' yet (an ephemeral port group "
                             "gives it one when the VM is powered on)" % (nic.deviceInfo.label, vm.name,
                                                                          params["name"]), "sink_nic")
        return vm, nic

    def _network_of(self, nic):
        port = getattr(nic.backing, "port", None)
        if port is not None:
            for portgroup in self._all_portgroups():
                if portgroup.key == port.portgroupKey:
                    return "port group '%s'" % portgroup.name
            return "port group key '%s'" % port.portgroupKey
        name = getattr(nic.backing, "deviceName", None)
        return "network '%s'" % name if name else "no network"

    def _all_portgroups(self):
        return self.client._view(vim.dvs.DistributedVirtualPortgroup)  # pylint: disable=protected-access

    # --- actions ----------------------------------------------------------------------------
    def _create(self, switch, desired):
        spec = _dvs.create_spec(vim, self.params["name"], desired)
        self.client.wait_for_task(switch.AddDVPortgroup_Task([spec]), self.timeout,
                                  "creating port group '%s'" % self.params["name"])
        portgroup = self.client.distributed_portgroup(switch, self.params["name"])
        return _dvs.portgroup_state(portgroup.config, switch.name) if portgroup else None

    def _update(self, switch, portgroup, delta):
        policy = portgroup.config.policy if "vendor_config_override_allowed" in delta else None
        spec = _dvs.portgroup_spec(vim, delta, portgroup.config.name, portgroup.config.configVersion, policy)
        self.client.wait_for_task(portgroup.ReconfigureDVPortgroup_Task(spec), self.timeout,
                                  "reconfiguring port group '%s'" % portgroup.name)
        return _dvs.portgroup_state(portgroup.config, switch.name)

    def _sink(self, reconciler, switch, vm, nic):
        """Ensure the sink key on the adapter's port; the outcome shows ``{"sink_port": ...}``."""
        key = nic.backing.port.portKey
        ports = self.client.dv_ports(switch, port_keys=[key])
        if not ports:
            raise InputError("sink_nic: port %s of adapter '%s' of VM '%s' was not found on switch '%s'"
                             % (key, nic.deviceInfo.label, vm.name, switch.name), "sink_nic")
        port = ports[0]
        view = {"vm": vm.name, "nic": nic.deviceInfo.label, "port_key": key}
        before = dict(view, sink=_dvs.port_is_sink(port))

        def apply():
            spec = _dvs.sink_port_spec(vim, key, port.config.configVersion)
            self.client.wait_for_task(switch.ReconfigureDVPort_Task([spec]), self.timeout,
                                      "setting the sink on port %s of switch '%s'" % (key, switch.name))
            return dict(view, sink=_dvs.port_is_sink(self.client.dv_ports(switch, port_keys=[key])[0]))
        outcome = reconciler.act(not before["sink"], {"sink_port": before}, None, apply=apply,
                                 obj=dict(view, sink=True), action="sink")
        outcome.after = {"sink_port": outcome.obj}
        return outcome

    # --- the run ----------------------------------------------------------------------------
    def run(self):
        """``(outcome, extra)``: the core's outcome and what the module returns besides ``changed``/``diff``."""
        params = self.params
        ranges = self._validate()
        datacenter = self.client.datacenter(params.get("datacenter"))
        switch = self.client.distributed_switch(datacenter, params["switch"])
        portgroup = self.client.distributed_portgroup(switch, params["name"])
        live = _dvs.portgroup_state(portgroup.config, switch.name) if portgroup else None
        reconciler = Reconciler(check_mode=self.check_mode)

        if params["state"] == "absent":
            def delete(_live):
                self.client.wait_for_task(portgroup.Destroy_Task(), self.timeout,
                                          "removing port group '%s'" % params["name"])
            outcome = reconciler.absent(live, delete, keys=list(_dvs.MANAGED_KEYS))
            return outcome, dict(portgroup=None, changed_keys=["portgroup"] if outcome.changed else [])

        sink_target = None
        if params.get("sink_vm"):
            sink_target = self._sink_target(datacenter, switch, portgroup)

        desired = _dvs.desired_state(params, ranges)
        if portgroup is None:  # what creating it sets, so that check mode predicts it
            desired = _dvs.create_defaults(desired)
            if desired["vlan_trunk"] is None:
                desired["vlan_trunk"] = _dvs.ranges_to_list(DEFAULT_TRUNK)
        outcome = reconciler.present(
            live, desired,
            create=lambda want: self._create(switch, want),
            update=lambda _live, delta: self._update(switch, portgroup, delta))

        result_pg = dict(outcome.obj or {})
        if self.check_mode and outcome.changed:
            result_pg.pop("config_version", None)  # vCenter assigns it
            if outcome.action == "create":
                result_pg = dict(dict.fromkeys(_dvs.MANAGED_KEYS), name=params["name"], switch=switch.name,
                                 **result_pg)
        if portgroup is None and not self.check_mode:
            portgroup = self.client.distributed_portgroup(switch, params["name"])
        if portgroup is not None:
            result_pg.update(moid=portgroup._moId, key=portgroup.key)
        changed_keys = sorted(outcome.delta) if outcome.action == "update" else (
            ["portgroup"] if outcome.action == "create" else [])
        result = dict(portgroup=result_pg, changed_keys=changed_keys)
        if sink_target is not None:
            sink = self._sink(reconciler, switch, *sink_target)
            result["sink_port"] = sink.after["sink_port"]
            if sink.changed:
                changed_keys.append("sink_port")
            outcome = Outcome.join(outcome, sink)
        return outcome, result
