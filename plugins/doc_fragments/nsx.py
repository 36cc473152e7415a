# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options of every NSX module (the base class's), what it requires and its action group.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the NSX autonomous edge API, without a path, for example V(https://edge.example.com).
      - Taken from the E(NSX_URL) environment variable when unset.
    type: str
    required: true
  username:
    description:
      - User of the edge's REST API (HTTP Basic). Taken from E(NSX_USERNAME) when unset.
    type: str
    default: admin
  password:
    description:
      - Password of O(username). Taken from E(NSX_PASSWORD) when unset.
    type: str
    required: true
  timeout:
    description:
      - Seconds a wait (for example for the session to come up) may take. Single requests time out after at
        most 60 seconds.
    type: int
    default: 300
requirements:
  - requests
attributes:
  action_group:
    description: Use C(group/cloudmove.vcda.nsx) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmove.vcda.nsx
"""
