# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of every Cloud Director module (the base class's), what it requires and its action group.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of Cloud Director, without a path, for example V(https://vcd.example.com).
      - Taken from the E(VCD_URL) environment variable when unset.
    type: str
    required: true
  username:
    description:
      - User to log in as, without the organization (V(administrator)); a value with C(@) is used as is.
      - Taken from E(VCD_USERNAME) when unset.
    type: str
    required: true
  password:
    description:
      - Password of O(username). Taken from E(VCD_PASSWORD) when unset.
    type: str
    required: true
  org:
    description:
      - Organization to log in to. V(System) logs in as the provider (C(POST /cloudapi/1.0.0/sessions/provider)),
        any other organization as a tenant (C(POST /cloudapi/1.0.0/sessions)).
      - API versions before 33.0 use the legacy C(POST /api/sessions) session instead.
      - Taken from E(VCD_ORG) when unset.
    type: str
    default: System
  api_version:
    description:
      - API version to speak, for example V(37.0); Cloud Director refuses versions it does not offer.
      - When unset, the newest version offered by C(GET /api/versions) that this collection knows (up to 39.0).
    type: str
  timeout:
    description:
      - Seconds each Cloud Director task may take. Single requests time out after at most 60 seconds.
    type: int
    default: 300
requirements:
  - requests
  - lxml
attributes:
  action_group:
    description: Use C(group/cloudmove.vcda.vcd) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmove.vcda.vcd
"""

    # The edge gateway a module works on (vcd_l2vpn_server, vcd_l2vpn_info).
    EDGE_GATEWAY = r"""
options:
  edge_gateway:
    description: Name of the edge gateway.
    type: str
    required: true
  organization:
    description: Organization of the edge gateway; defaults to O(org) when logged in as a tenant.
    type: str
"""
