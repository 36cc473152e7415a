#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_tunnel
short_description: Configure the tunnel of a Cloud Director Availability cloud appliance
version_added: 0.1.0
description:
  - Configures the tunnel appliance on the manager at O(url) (C(POST /config/tunnels) on API 4.6 and later,
    C(POST /config/tunnel-service) before).
  - The tunnel certificate is fetched by the manager (C(GET /config/remote-certificate)) and used only when its
    thumbprint equals O(tunnel_thumbprint).
  - A tunnel with the same URL and certificate counts as configured; a changed certificate is configured again.
  - The tunnel's lookup service must be configured first (M(cloudmove.vcda.vcda_lookup_service)). On API 3.x the
    services must be restarted afterwards (M(cloudmove.vcda.vcda_service)).
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Fetches and checks the tunnel certificate, changes nothing.
  diff_mode:
    support: full
    details: Shows the tunnel URL and certificate thumbprint, never the root password.
options:
  tunnel_url:
    description: URL of the tunnel appliance, for example V(https://tunnel.example.com:8047).
    type: str
    required: true
  tunnel_thumbprint:
    description: SHA-256 thumbprint the tunnel's certificate must have.
    type: str
    required: true
  tunnel_password:
    description: Root password of the tunnel appliance.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Configure the tunnel of site1
  cloudmove.vcda.vcda_tunnel:
    url: https://127.0.1.11:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    tunnel_url: https://127.0.1.13:8047
    tunnel_thumbprint: "{{ tunnel_thumbprint }}"
    tunnel_password: "{{ vcda_root_password }}"
"""

RETURN = r"""
tunnel:
  description: The configured tunnel (C(url), C(thumbprint) of its certificate).
  returned: always
  type: dict
restart_required:
  description: True on API 3.x after a change (restart the services before the tunnel is used).
  returned: always
  type: bool
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import TlsError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import der_thumbprint, same_url
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule


def run(mod):
    p = mod.params
    client = mod.vcda
    pin = normalize_thumbprint(p["tunnel_thumbprint"], "tunnel_thumbprint")
    remote = client.remote_certificate(p["tunnel_url"])
    if client.predicted_fresh:
        # check mode on a fresh appliance (locked until its password changes): it cannot fetch the tunnel's
        # certificate yet; the real run checks the pin before it configures anything
        remote = {"thumbprint": pin, "encoded": None}
    if remote["thumbprint"] != pin:
        raise TlsError("tunnel_thumbprint: the certificate %s presents (as the manager sees it) has the thumbprint %s, "
                       "not %s" % (p["tunnel_url"], remote["thumbprint"], pin))
    live = None
    for tunnel in client.tunnels():
        if same_url(tunnel.get("url"), p["tunnel_url"]):
            live = {"url": p["tunnel_url"], "thumbprint": der_thumbprint(tunnel.get("certificate"))}
    desired = {"url": p["tunnel_url"], "thumbprint": pin}

    def send(*_args):
        client.add_tunnel(p["tunnel_url"], remote["encoded"], p["tunnel_password"])

    outcome = mod.reconciler().present(live, desired, create=send, update=send)
    return mod.result(outcome, tunnel=outcome.after, restart_required=outcome.changed and client.version < (4, 0))


def main():
    module = VcdaModule(dict(
        tunnel_url=dict(type="str", required=True),
        tunnel_thumbprint=dict(type="str", required=True),
        tunnel_password=dict(type="str", required=True, no_log=True),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
