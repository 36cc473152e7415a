# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the NSX autonomous edge client uses that no public source settles, in one place.
Each item needs a real NSX autonomous edge (listed in docs/verification.md, "vCD and NSX").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# [inferred, docs/api/vcd-nsx.md#nsx-autonomous-edge] where the autonomous edge keeps the VLAN -> tunnel id L2Extension of a
# session is unknown; the lab defines GET|PUT .../sessions/{id}/l2-extensions {"results":[{vlan,tunnel_id}]}.
L2_EXTENSIONS_PATH = "%s/%s/l2-extensions"
