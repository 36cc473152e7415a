#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vsphere_trunk_portgroup
short_description: Trunk distributed port group for an L2VPN client's sink interface, with an optional sink port
version_added: 0.1.0
description:
  - Creates, updates or removes a distributed port group with VLAN trunking, as the trunk ("sink") interface of
    a standalone L2VPN client edge needs for data-center extension.
  - Reads the live port group and changes only what differs from the options that are set; options left unset
    are left alone. VLAN trunk ranges are compared after normalising (sorted, adjacent ranges joined), so
    V(1-100,101-4094) and V(1-4094) are the same.
  - Reconfigures with the port group's current C(configVersion), sending only the changed parts.
  - With O(sink_vm) and O(sink_nic), sets the vendor-specific key C(com.vmware.etherswitch.port.extraEthFRP) to
    C(SINK) on the distributed port of that VM network adapter (the vCenter-API form of
    C(net-dvs --enableSink 1)); this also allows port-level vendor configuration overrides on the port group
    (C(policy.vendorConfigOverrideAllowed)). A port that already carries the key is left alone.
extends_documentation_fragment:
  - cloudmove.vcda.vsphere
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Reads the port group and the sink port and reports what would change.
  diff_mode:
    support: full
    details: Shows the managed keys that are set, and the sink state of the port, before and after.
options:
  name:
    description: Name of the distributed port group.
    type: str
    required: true
  switch:
    description: Name of the distributed virtual switch the port group belongs to.
    type: str
    required: true
    aliases: [switch_name, dvswitch]
  datacenter:
    description: Datacenter of the switch. Optional when vCenter has exactly one.
    type: str
  vlan_trunk:
    description:
      - VLAN ranges the port group trunks, each VLAN ID in 0-4094.
      - A string such as V(1-100,200), or a list whose elements are C({start, end}) dicts (C(end) defaults to
        C(start)), VLAN IDs or V(START-END) strings.
      - Overlapping ranges are refused; adjacent ones are joined.
      - Defaults to V(0-4094) when the port group is created; otherwise unset means "leave alone".
    type: raw
  promiscuous:
    description: Accept promiscuous mode on the port group (security policy).
    type: bool
  forged_transmits:
    description: Accept forged transmits (security policy). An L2VPN client's trunk interface needs V(true).
    type: bool
  mac_changes:
    description: Accept MAC address changes (security policy).
    type: bool
  num_ports:
    description:
      - Number of ports of the port group (0-8192). Defaults to V(8) when the port group is created.
      - Ports in use by VM network adapters are never removed; shrinking below them fails.
    type: int
  port_binding:
    description: Port binding; V(static) is vCenter's C(earlyBinding). Defaults to V(static) at creation.
    type: str
    choices: [static, ephemeral]
  sink_vm:
    description:
      - Name of the VM (the L2VPN client edge) whose network adapter O(sink_nic) gets a sink port.
      - The adapter must already be connected to this port group.
    type: str
  sink_nic:
    description:
      - The adapter of O(sink_vm) whose port becomes a sink port, by label (for example V(Network adapter 2))
        or by its position among the VM's network adapters counting from 1 (for example V(2)).
    type: str
  timeout:
    description: Seconds each vSphere task may take.
    type: int
    default: 300
  state:
    description:
      - V(present) creates or updates the port group (and the sink port).
      - V(absent) removes the port group; vCenter refuses while VM network adapters use its ports.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Verified against the lab's vCenter simulator (vcsim, govmomi 0.24.2 with the lab's patches, among them
    per-port state and C(ReconfigureDVPort_Task)); a real vCenter uses the same API calls.
  - The sink setting belongs to the port, not to the VM. When the adapter moves to another port (ephemeral
    binding, or a port group whose policy resets ports at disconnect), run the module again.
  - Promiscuous mode works as an alternative to a sink port on a distributed switch but duplicates frames;
    the sink port is the documented way for a standalone edge.
"""

EXAMPLES = r"""
- name: Trunk port group for the L2VPN client edge, forged transmits accepted
  cloudmove.vcda.vsphere_trunk_portgroup:
    hostname: "{{ vcenter_host }}"
    port: "{{ vcenter_port | default(443) }}"
    username: "{{ vcenter_user }}"
    password: "{{ vcenter_password }}"
    thumbprint: "{{ vcenter_thumbprint }}"
    datacenter: DC0
    switch: DVS0
    name: l2vpn-trunk
    vlan_trunk: [{start: 1, end: 4094}]
    forged_transmits: true
    promiscuous: false
    num_ports: 16

- name: Stretch only some VLANs (string form)
  cloudmove.vcda.vsphere_trunk_portgroup:
    hostname: "{{ vcenter_host }}"
    port: "{{ vcenter_port | default(443) }}"
    username: "{{ vcenter_user }}"
    password: "{{ vcenter_password }}"
    thumbprint: "{{ vcenter_thumbprint }}"
    switch: DVS0
    name: l2vpn-trunk
    vlan_trunk: "100-110,200"

- name: Make the port of the edge's first adapter a sink port (the adapter is on DC0_DVPG0 in the lab)
  cloudmove.vcda.vsphere_trunk_portgroup:
    hostname: "{{ vcenter_host }}"
    port: "{{ vcenter_port | default(443) }}"
    username: "{{ vcenter_user }}"
    password: "{{ vcenter_password }}"
    thumbprint: "{{ vcenter_thumbprint }}"
    switch: DVS0
    name: DC0_DVPG0
    sink_vm: DC0_H0_VM0
    sink_nic: 1

- name: Remove the trunk port group
  cloudmove.vcda.vsphere_trunk_portgroup:
    hostname: "{{ vcenter_host }}"
    port: "{{ vcenter_port | default(443) }}"
    username: "{{ vcenter_user }}"
    password: "{{ vcenter_password }}"
    thumbprint: "{{ vcenter_thumbprint }}"
    switch: DVS0
    name: l2vpn-trunk
    state: absent
"""

RETURN = r"""
portgroup:
  description: The port group's managed settings as they are (or would be, in check mode).
  returned: when O(state=present)
  type: dict
  contains:
    name: {description: Port group name., type: str, sample: l2vpn-trunk}
    moid: {description: Managed object id., type: str, sample: dvportgroup-80}
    key: {description: Port group key., type: str}
    switch: {description: Switch name., type: str, sample: DVS0}
    vlan_trunk:
      description: Trunked VLAN ranges, normalised; null when the port group does not trunk.
      type: list
      elements: dict
      sample: [{start: 1, end: 4094}]
    promiscuous: {description: Promiscuous mode accepted., type: bool}
    forged_transmits: {description: Forged transmits accepted., type: bool}
    mac_changes: {description: MAC changes accepted., type: bool}
    num_ports: {description: Number of ports., type: int}
    port_binding: {description: V(static) or V(ephemeral)., type: str}
    vendor_config_override_allowed: {description: Ports may override the vendor-specific config., type: bool}
    config_version: {description: vCenter's configuration version of the port group., type: str}
sink_port:
  description: The sink state of the adapter's port.
  returned: when O(sink_vm) is set
  type: dict
  contains:
    vm: {description: VM name., type: str}
    nic: {description: Adapter label., type: str}
    port_key: {description: Key of the distributed port., type: str}
    sink: {description: Whether the port carries C(extraEthFRP = SINK)., type: bool}
changed_keys:
  description: What changed (or would change); managed keys of the port group, V(sink_port), or V(portgroup)
    when the port group is created or removed.
  returned: always
  type: list
  elements: str
  sample: [forged_transmits]
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.module import VsphereModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.trunk_portgroup import TrunkPortgroup


def main():
    module = VsphereModule(
        dict(
            name=dict(type="str", required=True),
            switch=dict(type="str", required=True, aliases=["switch_name", "dvswitch"]),
            datacenter=dict(type="str"),
            vlan_trunk=dict(type="raw"),
            promiscuous=dict(type="bool"),
            forged_transmits=dict(type="bool"),
            mac_changes=dict(type="bool"),
            num_ports=dict(type="int"),
            port_binding=dict(type="str", choices=["static", "ephemeral"]),
            sink_vm=dict(type="str"),
            sink_nic=dict(type="str"),
            timeout=dict(type="int", default=300),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        required_together=[("sink_vm", "sink_nic")],
    )

    def reconcile(mod):
        outcome, extra = TrunkPortgroup(mod.params, mod.vsphere, mod.check_mode).run()
        return mod.result(outcome, **extra)

    module.run(reconcile)


if __name__ == "__main__":
    main()
