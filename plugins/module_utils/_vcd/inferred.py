# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the vCD/NSX client side uses that the contract (docs/api/vcd-nsx.md, docs/api/open-questions.md)
marks inferred or does not settle, in one place. Each item needs a real Cloud Director / NSX
(listed in docs/verification.md, "vCD and NSX").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

# [spec NSX 6.3.5+, proxied through vCD: inferred] GET .../l2vpn/config?showSensitiveData=true returns
# peer-site passwords, which lets a re-run compare them instead of re-sending blindly.
SHOW_SENSITIVE = {"showSensitiveData": "true"}

# [client, docs/api/vcd-nsx.md#nsx-t-l2-vpn-tunnels] the pre-shared key of a tunnel read by id comes back masked from API 38.0 (10.5.1.1),
# in clear below; the list carries no key at all. The mask is only ever compared, never sent.
MASKED_PSK = "******"
# [I] A tunnel PUT without ``preSharedKey`` keeps the key (used from 38.0, when the key cannot be read back and the
# user gave none); no public client shows it (go-vcloud-director always marshals the field).


def psk_from_peer_code(code):
    """The pre-shared key inside a peer code, or None when the code's format is not known.

    [inferred] The contract says the peer code is "base64 config incl. PSK"; its inner format is not
    public. The lab's format is base64(JSON) with a ``psk`` key; a real code that does not decode
    this way yields None and the caller falls back on ``update_secrets``.
    """
    try:
        doc = json.loads(base64.b64decode((code or "").encode("ascii"), validate=True))
    except (ValueError, TypeError, UnicodeEncodeError):
        return None
    if isinstance(doc, dict) and isinstance(doc.get("psk"), str):
        return doc["psk"]
    return None
