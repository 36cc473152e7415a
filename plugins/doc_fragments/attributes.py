# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
"""

    VSPHERE_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/cloudmove.vcda.vsphere) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmove.vcda.vsphere
"""

    VCDA_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/cloudmove.vcda.vcda) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmove.vcda.vcda
"""

    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    details: This module only reads and always returns C(changed=false).
  diff_mode:
    support: N/A
    details: This module does not change anything.
"""

    VCD_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/cloudmove.vcda.vcd) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmove.vcda.vcd
"""

    NSX_GROUP = r"""
attributes:
  action_group:
    description: Use C(group/cloudmove.vcda.nsx) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmove.vcda.nsx
"""
