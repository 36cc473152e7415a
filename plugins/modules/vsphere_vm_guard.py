#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vsphere_vm_guard
short_description: Keep the original of a migrated VM from being powered on, and say where it went
version_added: 0.1.0
description:
  - After a migration cutover the original VM stays in vCenter, powered off. Starting it by mistake puts two
    copies of the VM on a stretched network. With O(state=guarded) this module makes that impossible and says
    why; O(state=released) undoes exactly what it did (for a failback).
  - "A guard is: C(PowerOnVM_Task) disabled through vCenter's C(AuthorizationManager.DisableMethods) with the
    source id C(cloudmove.vcda) (C(EnableMethods) with that id lifts only this lock, never another component's);
    a line in the VM's annotation and a custom attribute (O(attribute)) naming the destination and the time;
    every network adapter set not to connect at power-on (O(disconnect_nics))."
  - The adapters' previous C(startConnected) values, the destination and the time are kept in the VM's
    C(extraConfig) key C(cloudmove.vcda.guard), so O(state=released) restores them and a re-run keeps the
    original time.
  - Only a powered-off VM can be guarded; a guarded VM stays guarded when its power state is changed by other
    means (it cannot be powered on through the API).
extends_documentation_fragment:
  - cloudmove.vcda.vsphere
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  name:
    description: Name (or path under the datacenter's VM folder) of the original VM.
    type: str
    required: true
  datacenter:
    description: Datacenter of the VM. Optional when vCenter has exactly one.
    type: str
  folder:
    description: VM folder path relative to the datacenter's VM folder; the VM is looked up only there.
    type: str
  destination:
    description:
      - Where the VM went, as a person reading the VM's notes in vCenter should see it, for example
        V(org1 / org1-vdc / WebApp (site1)).
      - Required with O(state=guarded).
    type: str
  migrated_at:
    description:
      - When the VM was moved (free text, ISO 8601 recommended).
      - Default is the time of the first guard with this O(destination); re-runs keep it.
    type: str
  attribute:
    description: Name of the VirtualMachine custom attribute holding the destination and time (created if missing).
    type: str
    default: cloudmove.vcda.migrated_to
  disconnect_nics:
    description: Set every network adapter not to connect at power-on (restored by O(state=released)).
    type: bool
    default: true
  timeout:
    description: Seconds a vSphere reconfiguration task may take.
    type: int
    default: 300
  state:
    description:
      - V(guarded) disables power-on and records the destination.
      - V(released) lifts this collection's lock, removes the note and the attribute value and restores the
        adapters' connect-at-power-on settings.
    type: str
    choices: [guarded, released]
    default: guarded
notes:
  - C(DisableMethods) and C(EnableMethods) belong to vCenter's internal API (govmomi calls them the same way);
    they need the C(Global.DisableMethods) and C(Global.EnableMethods) privileges.
  - Verified against the lab's vCenter simulator (vcsim 0.24 with the lab's patch for these two methods).
"""

EXAMPLES = r"""
- name: Guard the original of a migrated VM
  cloudmove.vcda.vsphere_vm_guard:
    hostname: "{{ vcenter_host }}"
    username: "{{ vcenter_user }}"
    password: "{{ vcenter_password }}"
    thumbprint: "{{ vcenter_thumbprint }}"
    datacenter: DC0
    name: DC0_H0_VM0
    destination: "org1 / org1-vdc / WebApp (site1)"

- name: Failback - allow the original to be started again
  cloudmove.vcda.vsphere_vm_guard:
    hostname: "{{ vcenter_host }}"
    username: "{{ vcenter_user }}"
    password: "{{ vcenter_password }}"
    thumbprint: "{{ vcenter_thumbprint }}"
    datacenter: DC0
    name: DC0_H0_VM0
    state: released
"""

RETURN = r"""
vm:
  description: The guard as it is (or would be, in check mode).
  returned: always
  type: dict
  contains:
    name: {description: VM name., type: str}
    moid: {description: Managed object id., type: str, sample: vm-65}
    power_state: {description: Power state., type: str, sample: poweredOff}
    guarded: {description: Whether this collection's guard is on the VM., type: bool}
    power_on_disabled: {description: Whether C(PowerOnVM_Task) is disabled (by any component)., type: bool}
    annotation: {description: The guard's line in the VM's notes (null when none)., type: str}
    attribute: {description: Value of the custom attribute (null when unset)., type: str}
    nics_start_connected: {description: Adapter label to connect-at-power-on., type: dict}
    destination: {description: Where the VM went., type: str, returned: when guarded}
    migrated_at: {description: When., type: str, returned: when guarded}
changed_keys:
  description: What changed (or would change).
  returned: always
  type: list
  elements: str
  sample: [annotation, attribute, guard_record, nics_start_connected, power_on_disabled]
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.module import VsphereModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.vm_guard import VmGuard


def main():
    module = VsphereModule(
        dict(
            name=dict(type="str", required=True),
            datacenter=dict(type="str"),
            folder=dict(type="str"),
            destination=dict(type="str"),
            migrated_at=dict(type="str"),
            attribute=dict(type="str", default="cloudmove.vcda.migrated_to"),
            disconnect_nics=dict(type="bool", default=True),
            timeout=dict(type="int", default=300),
            state=dict(type="str", default="guarded", choices=["guarded", "released"]),
        ),
        required_if=[("state", "guarded", ("destination",))],
    )

    def reconcile(mod):
        outcome, extra = VmGuard(mod.params, mod.vsphere, mod.check_mode, mod.warn).run()
        return mod.result(outcome, **extra)

    module.run(reconcile)


if __name__ == "__main__":
    main()
