# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of every vSphere module (the base class's), what it requires and its action group.
    DOCUMENTATION = r"""
options:
  hostname:
    description:
      - vCenter server name or address.
      - Taken from the E(VMWARE_HOST) environment variable (as AWX injects it) when unset.
    type: str
    required: true
  username:
    description:
      - vCenter user name. Taken from E(VMWARE_USER) when unset.
    type: str
    required: true
    aliases: [user]
  password:
    description:
      - Password of O(username). Taken from E(VMWARE_PASSWORD) when unset.
    type: str
    required: true
    aliases: [pass, pwd]
  port:
    description:
      - vCenter HTTPS port. Taken from E(VMWARE_PORT) when unset.
    type: int
    default: 443
  validate_certs:
    description:
      - Verify vCenter's TLS certificate against the system's trusted CAs.
      - Prefer O(thumbprint) for a self-signed vCenter; set V(false) only when you accept the risk.
      - Taken from E(VMWARE_VALIDATE_CERTS) when unset.
    type: bool
    default: true
  thumbprint:
    description:
      - SHA-256 thumbprint of vCenter's certificate, for example V(SHA-256:AB:CD:...) or plain hex.
      - When set, a certificate with exactly this thumbprint is trusted even if self-signed.
      - Taken from E(VMWARE_THUMBPRINT) when unset.
    type: str
requirements:
  - pyvmomi >= 8.0.1.0
attributes:
  action_group:
    description: Use C(group/cloudmove.vcda.vsphere) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmove.vcda.vsphere
"""
