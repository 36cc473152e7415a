# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Options shared by vcda_replication and vcda_migration_wave.
    DOCUMENTATION = r"""
options:
  source_site:
    description:
      - VCDA site name of the source, for example the on-premises site V(onprem1) or the cloud site V(site1).
    type: str
    required: true
  source_vcenter:
    description:
      - The vCenter of an on-premises source site. When set, the source VMs are on-premises vCenter VMs
        (C(vcVm)/C(vcVapp) sources) - their names are resolved to MoRefs and the vCenter instance UUID there,
        and their power state is checked (warm or cold). When unset, the sources are Cloud Director VMs of the
        cloud site O(source_site), found through C(/inventory/vms).
    type: dict
    suboptions:
      hostname:
        description: vCenter host name or address.
        type: str
        required: true
      port:
        description: vCenter HTTPS port.
        type: int
        default: 443
      username:
        description: vCenter user.
        type: str
        required: true
      password:
        description: Password of O(source_vcenter.username).
        type: str
        required: true
      thumbprint:
        description: SHA-256 thumbprint of the vCenter certificate (pinning a self-signed certificate).
        type: str
      validate_certs:
        description: Verify the vCenter certificate against the system CAs (when no thumbprint is pinned).
        type: bool
        default: true
      datacenter:
        description: Only look for the VMs in this datacenter.
        type: str
  destination_site:
    description: VCDA site name of the destination cloud site, for example V(site1).
    type: str
    required: true
  vdc:
    description: Name (or id) of the destination organization VDC. Required to create a replication.
    type: str
  storage_profile:
    description: Storage profile of the destination VDC, by name; V(*) or unset is the VDC default.
    type: str
  network_mappings:
    description:
      - Source network name to destination org VDC network name, used at recovery (cutover, failover, test).
      - Every destination network must exist in O(vdc); every source network must be used by a source VM.
    type: list
    elements: dict
    suboptions:
      source:
        description: Network (port group) name of a source NIC.
        type: str
        required: true
      destination:
        description: Org VDC network name in the destination VDC.
        type: str
        required: true
  nics:
    description: NIC settings at recovery, per source NIC index.
    type: list
    elements: dict
    suboptions:
      index:
        description: Source NIC index (0 = first NIC).
        type: int
        default: 0
      network:
        description: Org VDC network for this NIC (overrides O(network_mappings)).
        type: str
      ip_mode:
        description: IP address allocation mode.
        type: str
        choices: [dhcp, pool, manual, none]
        default: dhcp
      ip_address:
        description: IP address with O(nics[].ip_mode=manual).
        type: str
      connected:
        description: Connect the NIC at power-on.
        type: bool
        default: true
      reset_mac:
        description: Give the NIC a new MAC address.
        type: bool
        default: false
  guest_customization:
    description: Enable guest customization of the recovered VM (applies the NIC settings inside the guest).
    type: bool
    default: false
  type:
    description:
      - V(migration) moves the VMs (a cutover ends it); V(protection) keeps replicating with retained instances
        (failover, test failover, reverse, failback). The type of an existing replication cannot change.
    type: str
    choices: [migration, protection]
    default: migration
  migration_mode:
    description:
      - V(warm) replicates running VMs until the cutover (the source must be powered on); V(cold) moves
        powered-off VMs (the source must be powered off). Checked when a replication is created.
    type: str
    choices: [warm, cold]
    default: warm
  rpo:
    description:
      - Recovery point objective in minutes (5 to 1440), checked against the minimum RPO of the org's policy at
        the destination site before any call. Unset on creation - 60, or the policy minimum when higher.
    type: int
  retention_rules:
    description: Retained instances; the total must stay within the policy's C(maxInstances).
    type: list
    elements: dict
    suboptions:
      instances:
        description: Number of instances kept at this distance.
        type: int
        required: true
      distance:
        description: Minutes between these instances.
        type: int
        required: true
  disk_type:
    description: Disk provisioning at the destination (V(thick) is C(PREALLOCATED), V(thick_eager_zeroed) C(PREALLOCATED_ZEROS)).
    type: str
    choices: [thin, thick, thick_eager_zeroed]
    default: thin
  initial_sync_time:
    description: When the initial sync starts - V(now), an ISO 8601 UTC time (V(2026-12-02T01:00:00Z)) or epoch milliseconds.
    type: str
  description:
    description: Description (tag) of the replication.
    type: str
  quiesce:
    description: Quiesce the guest file systems for each instance.
    type: bool
  data_connection_type:
    description: Replication traffic encryption / compression.
    type: str
    choices: [plain, encrypted, encrypted_compressed]
    default: encrypted
  power_on:
    description: Power the VMs on at the destination after a cutover, failover or test failover.
    type: bool
    default: true
  remote_username:
    description:
      - Cloud Director user (C(user@org)) of a remote cloud site. Operations between two cloud sites extend the
        session to the other site (C(POST /sessions/extend)) with these credentials; defaults to O(username)
        and O(password) with O(auth_type=vcd).
    type: str
  remote_password:
    description: Password of O(remote_username).
    type: str
  wait:
    description:
      - Wait for the initial sync when the state needs it (a cutover, a failover, a test failover) and for
        every operation. With V(false) the replications are created and started, and steps that need a
        finished sync are left for a later run (returned as C(pending)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the initial sync and for the operations.
    type: int
    default: 3600
"""
