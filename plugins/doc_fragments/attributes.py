# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # What every module shares besides its product's fragment: the check and diff mode attributes and the author.
    # DOCUMENTATION for a module that changes things (it adds the support and details of both modes),
    # INFO_MODULE for one that only reads; a module lists one of the two.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
author:
  - cloudmove.vcda maintainers (@cloudmove)
"""

    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: This module only reads and always returns C(changed=false).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: N/A
    details: This module does not change anything.
author:
  - cloudmove.vcda maintainers (@cloudmove)
"""
