#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ovf_deploy
short_description: Deploy an OVF or OVA appliance into vCenter, streaming and idempotently
version_added: 0.1.0
description:
  - Deploys an OVF or OVA (a local path, or an http(s) URL streamed without saving it first) into vCenter,
    as C(ovftool) does for every VMware Cloud Director Availability appliance.
  - Disks are streamed in large chunks, several in parallel (O(upload_workers)), and never read whole into
    memory; an OVA member is read in place from the tar file.
  - The import lease is kept alive with progress updates; on any failure or interrupt it is aborted and the
    half-imported VM removed, so a re-run starts clean. Interrupts include SIGTERM/SIGINT to the module and
    the controller going away (Ctrl-C on C(ansible-playbook) or a cancelled AWX job close the module's result
    pipe, which the module watches, since Ansible does not forward the signal to module processes).
  - A VM named O(name) in O(folder) counts as deployed. Differences between the request and the deployed
    deployment option or network mapping are reported in C(diff) and as warnings; differing property
    values are corrected in place.
  - The import marks the new VM (C(extraConfig) key C(cloudmove.vcda.import)) until C(HttpNfcLeaseComplete)
    succeeded. A VM still carrying the mark was left by an import that did not finish (the process was killed
    during the upload); a re-run removes it and deploys again, it never accepts it (RV(replaced_incomplete)).
  - Property values are checked against the descriptor's types and qualifiers before anything is created
    (C(boolean), integer ranges, C(MinLen)/C(MaxLen), C(ValueMap)); the error names the property and the accepted
    values and never shows the value of a password or O(secret_properties) property. Faults and warnings of
    vCenter's C(CreateImportSpec) are shown with secret values masked.
  - An existing VM of that name without vApp options (not made from an OVF) cannot be compared with the request;
    the module warns, changes nothing (not even the power state) and returns RV(comparable=false).
  - Progress (percent, MB/s) is shown by the action plugin while the upload runs, and in vCenter's lease.
  - A Cloud Director Availability appliance publishes its service certificates in the VM's C(extraConfig); the module
    returns their thumbprints (RV(vm.appliance_thumbprint)) so that a playbook pins them without trusting the first
    TLS connection. M(cloudmove.vcda.vsphere_appliance_info) reads them from an appliance deployed earlier.
extends_documentation_fragment:
  - cloudmove.vcda.vsphere
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Runs C(CreateImportSpec) and reports its errors and warnings without uploading anything.
  diff_mode:
    support: full
    details: Values of password properties and of O(secret_properties) are masked.
options:
  name:
    description: Name of the virtual machine.
    type: str
    required: true
  datacenter:
    description: Datacenter to deploy into. Optional when vCenter has exactly one.
    type: str
  cluster:
    description: Cluster to deploy into (its root resource pool).
    type: str
  esxi_host:
    description: ESXi host to deploy onto.
    type: str
  resource_pool:
    description: Resource pool to deploy into.
    type: str
  folder:
    description: VM folder path relative to the datacenter's VM folder, for example V(vcda/site1).
    type: str
  datastore:
    description: Datastore for the disks. Defaults to the first datastore of the placement.
    type: str
  source:
    description:
      - Path of an C(.ova) or C(.ovf) (with its files beside it), a directory holding one C(.ovf),
        or an http(s) URL of either.
      - Required unless O(state=absent).
    type: str
  source_validate_certs:
    description:
      - Verify the TLS certificate of an https O(source) against the system's trusted CAs (or O(source_ca_path)).
      - Defaults to O(validate_certs). The value is given to every request, so E(REQUESTS_CA_BUNDLE) and
        E(CURL_CA_BUNDLE) in the environment never override it.
    type: bool
  source_ca_path:
    description:
      - CA bundle (PEM) that signed the certificate of an https O(source), for a web server with a private CA.
      - Ignored when O(source_validate_certs) (or O(validate_certs) it defaults to) is V(false).
    type: path
  deployment_option:
    description:
      - Deployment option (configuration) of the OVF, for example V(cloud), V(replicator) or V(tunnel).
      - Defaults to the OVF's default option.
    type: str
  networks:
    description: Map of OVF network name to port group name.
    type: dict
    default: {}
  properties:
    description:
      - Map of OVF property key to value.
      - Values of properties the OVF marks as passwords and of keys listed in O(secret_properties) are
        never shown in results, diffs or errors.
    type: dict
    default: {}
  secret_properties:
    description: Further property keys whose values are secret.
    type: list
    elements: str
    default: []
  disk_provisioning:
    description: Disk provisioning type.
    type: str
    choices: [thin, thick, eagerZeroedThick]
    default: thin
  power_on:
    description: Power the VM on after deploying it (like C(ovftool --powerOn)).
    type: bool
    default: false
  wait_for_ip:
    description: Wait for VMware Tools to report an IP address once the VM is powered on.
    type: bool
    default: false
  wait_for_ip_timeout:
    description: Seconds to wait for the IP address.
    type: int
    default: 300
  upload_workers:
    description: How many disks are uploaded in parallel.
    type: int
    default: 4
  upload_retries:
    description:
      - How many times a disk upload that the server resets (connection reset, closed without a response) or
        answers with a transient status (429, 502, 503, 504) is sent again, from its start, with a backoff of
        1, 2, 4... seconds, or after the server's C(Retry-After) when it is longer. V(0) disables it.
      - A source streamed from an http(s) server without range requests cannot be read twice and is not retried.
    type: int
    default: 2
  timeout:
    description: Seconds the whole import (lease and uploads) may take, and the limit of each vSphere task.
    type: int
    default: 3600
  state:
    description:
      - V(present) deploys the VM when missing and leaves its power state alone.
      - V(poweredon) and V(poweredoff) deploy when missing and enforce the power state.
      - V(absent) powers the VM off and deletes it.
    type: str
    choices: [present, absent, poweredon, poweredoff]
    default: present
notes:
  - Verified against the lab's vCenter simulator (vcsim, govmomi 0.24.2 with the lab's patches); a real vCenter
    uses the same API calls.
  - The deployed deployment option is not stored by vCenter; it is recognised from the VM's CPU and memory
    sizing per option in the descriptor and is V(unknown) when several options share one sizing.
"""

EXAMPLES = r"""
- name: Deploy the Cloud Director Availability cloud appliance
  cloudmove.vcda.ovf_deploy:
    hostname: "{{ vcenter_host }}"
    username: "{{ vcenter_user }}"
    password: "{{ vcenter_password }}"
    port: "{{ vcenter_port | default(443) }}"
    thumbprint: "{{ vcenter_thumbprint }}"
    name: vcda-cloud-01
    datacenter: DC0
    cluster: DC0_C0
    datastore: LocalDS_0
    source: /srv/ova/vcda-lab.ova
    deployment_option: cloud
    networks:
      VM Network: DC0_DVPG0
    properties:
      guestinfo.cis.appliance.net.ip0: 10.0.0.10
      guestinfo.cis.appliance.root.password: "{{ vcda_initial_root_password }}"
    state: poweredon

- name: Remove it again
  cloudmove.vcda.ovf_deploy:
    name: vcda-cloud-01
    datacenter: DC0
    state: absent
"""

RETURN = r"""
vm:
  description: The VM as deployed (or as it would be in check mode); secret property values masked.
  returned: unless O(state=absent)
  type: dict
  contains:
    moid: {description: Managed object id., type: str, sample: vm-42}
    name: {description: VM name., type: str}
    power_state: {description: poweredOn or poweredOff., type: str}
    ip_address: {description: IP address reported by VMware Tools once known., type: str}
    deployment_option: {description: Deployment option., type: str, sample: cloud}
    properties: {description: OVF property values., type: dict}
    networks: {description: OVF network name to port group., type: dict}
    appliance_role:
      description:
        - Role of a Cloud Director Availability appliance (V(cloud), V(replicator), V(tunnel)), from the VM's vApp
          property C(guestinfo.cis.appliance.role); null for other VMs.
      type: str
      returned: when the VM exists
      sample: cloud
    appliance_thumbprint:
      description:
        - SHA-256 thumbprint of the certificate of the appliance's own service, computed from the base64 DER
          certificate the appliance publishes in its C(extraConfig) as C(guestinfo.<role>.certificate).
        - Pin it (the C(thumbprint) options of the VCDA modules) instead of trusting the first TLS connection.
        - Null while the appliance has not published it (not booted yet) and for VMs that are no VCDA appliance.
      type: str
      returned: when the VM exists
      sample: "SHA-256:3F:9A:...:0C"
    appliance_thumbprints:
      description:
        - Every service certificate the VM publishes (C(guestinfo.<service>.certificate)), service name to SHA-256
          thumbprint; the cloud appliance publishes V(cloud) and V(manager) (the Manager Service on port 8441).
      type: dict
      returned: when the VM exists
      sample: {cloud: "SHA-256:3F:9A:...:0C", manager: "SHA-256:71:02:...:E4"}
replaced_incomplete:
  description: True when a VM left by an unfinished import was removed and deployed again.
  returned: when that happened (or would, in check mode)
  type: bool
comparable:
  description:
    - False when the existing VM has no vApp options (not made from an OVF, or its vApp options were removed); its
      properties and deployment option cannot be compared with the request and nothing is changed, not even the
      power state.
  returned: when the VM already existed and has no vApp options
  type: bool
drift:
  description: Differences from the request that the module reports but does not change.
  returned: when the VM already existed
  type: list
  elements: str
import_spec_warnings:
  description: Warnings of vCenter's CreateImportSpec.
  returned: when the VM is deployed (or would be, in check mode)
  type: list
  elements: str
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.module import VsphereModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere.ovf_deploy import OvfDeployment


def main():
    module = VsphereModule(
        dict(
            name=dict(type="str", required=True),
            datacenter=dict(type="str"),
            cluster=dict(type="str"),
            esxi_host=dict(type="str"),
            resource_pool=dict(type="str"),
            folder=dict(type="str"),
            datastore=dict(type="str"),
            source=dict(type="str"),
            source_validate_certs=dict(type="bool"),
            source_ca_path=dict(type="path"),
            deployment_option=dict(type="str"),
            networks=dict(type="dict", default={}),
            properties=dict(type="dict", default={}),
            secret_properties=dict(type="list", elements="str", default=[], no_log=False),
            disk_provisioning=dict(type="str", default="thin", choices=["thin", "thick", "eagerZeroedThick"]),
            power_on=dict(type="bool", default=False),
            wait_for_ip=dict(type="bool", default=False),
            wait_for_ip_timeout=dict(type="int", default=300),
            upload_workers=dict(type="int", default=4),
            upload_retries=dict(type="int", default=2),
            timeout=dict(type="int", default=3600),
            state=dict(type="str", default="present", choices=["present", "absent", "poweredon", "poweredoff"]),
        ),
        positive=("upload_workers", "wait_for_ip_timeout"),
        masked_on_failure=("properties",),  # which ones are passwords is known once the descriptor is read
        mutually_exclusive=[("cluster", "esxi_host", "resource_pool")],
        required_if=[("state", "present", ("source",)), ("state", "poweredon", ("source",)),
                     ("state", "poweredoff", ("source",))],
    )
    secret_keys = set(module.params["secret_properties"])

    def deploy(mod):
        for key, value in (mod.params["properties"] or {}).items():
            if key in secret_keys:
                mod.add_secret(value)
        deployment = OvfDeployment(mod.params, mod.vsphere, mod.check_mode, _session, mod.warn, mod.add_secret)
        outcome, extra = deployment.run()
        for key in deployment.secret_keys:
            mod.add_secret((mod.params["properties"] or {}).get(key))
        return mod.result(outcome, **extra)

    module.run(deploy)


def _session():
    import requests
    return requests.Session()


if __name__ == "__main__":
    main()
