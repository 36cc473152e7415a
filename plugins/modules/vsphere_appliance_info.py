#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vsphere_appliance_info
short_description: Read the role and the pinned certificate thumbprints of Cloud Director Availability appliance VMs
version_added: 0.1.0
description:
  - A Cloud Director Availability appliance VM carries its service certificates in its C(extraConfig) as
    C(guestinfo.<service>.certificate) (base64 DER), and its role in the vApp property
    C(guestinfo.cis.appliance.role). This module reads them from vCenter and returns each certificate's SHA-256
    thumbprint, so that a provider pins the appliances (the C(thumbprint) options of the VCDA modules) without
    trusting the first TLS connection to them. The trust comes from the vCenter connection.
  - Changes nothing. M(cloudmove.vcda.ovf_deploy) returns the same values when it deploys an appliance.
extends_documentation_fragment:
  - cloudmove.vcda.vsphere
  - cloudmove.vcda.attributes.info_module
options:
  names:
    description: Names (or paths under the datacenter's VM folder) of the appliance VMs.
    type: list
    elements: str
    required: true
  datacenter:
    description: Datacenter of the VMs. Optional when vCenter has exactly one.
    type: str
  wait_timeout:
    description:
      - Seconds to wait for each VM to publish the certificate of its role (an appliance does so once it booted).
      - V(0) reads once; a missing certificate is then returned as null.
    type: int
    default: 0
notes:
  - The certificate is published by the appliance; a thumbprint read here names the certificate the appliance
    serves after boot. A certificate replaced later through the appliance's API may not be reflected.
"""

EXAMPLES = r"""
- name: Thumbprints of the site's appliances, from vCenter
  cloudmove.vcda.vsphere_appliance_info:
    hostname: "{{ vcenter_host }}"
    username: "{{ vcenter_user }}"
    password: "{{ vcenter_password }}"
    thumbprint: "{{ vcenter_thumbprint }}"
    names: [vcda-cloud-01, vcda-replicator-01, vcda-tunnel-01]
    wait_timeout: 300
  register: vms

- name: Pin the cloud appliance
  cloudmove.vcda.vcda_info:
    url: https://vcda-cloud-01.example.com:443
    thumbprint: "{{ vms.appliances['vcda-cloud-01'].thumbprint }}"
    password: "{{ vcda_root_password }}"
"""

RETURN = r"""
appliances:
  description: Each VM of O(names), by the name as given.
  returned: always
  type: dict
  contains:
    name: {description: VM name., type: str}
    moid: {description: Managed object id., type: str, sample: vm-77}
    power_state: {description: Power state., type: str, sample: poweredOn}
    ip_address: {description: IP address reported by VMware Tools (null when unknown)., type: str}
    role:
      description: V(cloud), V(replicator) or V(tunnel) (C(guestinfo.cis.appliance.role)); null for other VMs.
      type: str
      sample: cloud
    thumbprint:
      description: SHA-256 thumbprint of the certificate of the role's service; null while not published.
      type: str
      sample: "SHA-256:3F:9A:...:0C"
    thumbprints:
      description: Every published service certificate (V(cloud), V(manager), V(replicator), V(tunnel)) to its thumbprint.
      type: dict
      sample: {cloud: "SHA-256:3F:9A:...:0C", manager: "SHA-256:71:02:...:E4"}
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.appliance import appliance_thumbprints
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.module import VsphereModule


def read(mod, datacenter, name):
    vm = mod.vsphere.vm(datacenter, name, option="names")

    def probe():
        found = appliance_thumbprints(vm)
        guest = vm.guest
        return dict(found, name=vm.name, moid=vm._moId, power_state=str(vm.runtime.powerState),
                    ip_address=(guest.ipAddress if guest is not None else None) or None)

    timeout = mod.params["wait_timeout"]
    if timeout == 0:
        return probe()

    def state(found):
        return "role %s, published: %s" % (found["role"], ", ".join(sorted(found["thumbprints"])) or "nothing")

    return Poller(timeout, first=1.0).until(
        probe, lambda found: found["role"] is None or found["thumbprint"] is not None,
        "the certificate of %s in its extraConfig" % name, last_state=state)


def run(mod):
    datacenter = mod.vsphere.datacenter(mod.params["datacenter"])
    appliances = dict((name, read(mod, datacenter, name)) for name in mod.params["names"])
    return dict(changed=False, appliances=appliances)


def main():
    module = VsphereModule(
        dict(
            names=dict(type="list", elements="str", required=True),
            datacenter=dict(type="str"),
            wait_timeout=dict(type="int", default=0),
        ),
    )
    if module.params["wait_timeout"] < 0:
        module.fail_json(msg="wait_timeout: must be 0 or more, got %s" % module.params["wait_timeout"],
                         option="wait_timeout")
    if not module.params["names"]:
        module.fail_json(msg="names: give at least one VM name", option="names")
    module.run(run)


if __name__ == "__main__":
    main()
