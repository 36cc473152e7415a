# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The TLS and proxy options every REST backend shares (validate_certs and thumbprint of the module base,
    # HTTP_OPTIONS of module_utils/_common/module.py). Listed right after cloudmove.vcda.vcda, cloudmove.vcda.vcd or
    # cloudmove.vcda.nsx, whose prefix (VCDA, VCD, NSX) names the environment variables.
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Verify the endpoint's TLS certificate against the system's trusted CAs.
      - Prefer O(thumbprint) for a self-signed certificate; set V(false) only when you accept the risk.
      - Taken from E(VCDA_VALIDATE_CERTS), E(VCD_VALIDATE_CERTS) or E(NSX_VALIDATE_CERTS) (the module's product)
        when unset.
    type: bool
    default: true
  thumbprint:
    description:
      - SHA-256 thumbprint of the endpoint's certificate, for example V(SHA-256:AB:CD:...) or plain hex.
      - When set, a certificate with exactly this thumbprint is trusted even if self-signed.
      - Taken from E(VCDA_THUMBPRINT), E(VCD_THUMBPRINT) or E(NSX_THUMBPRINT) when unset.
    type: str
  ca_path:
    description:
      - CA bundle (PEM file) to verify the endpoint's certificate with, for an endpoint whose certificate a
        private CA signed. Used instead of the system CAs, and instead of E(REQUESTS_CA_BUNDLE).
      - Ignored when O(thumbprint) pins the certificate or O(validate_certs=false).
      - Taken from E(VCDA_CA_PATH), E(VCD_CA_PATH) or E(NSX_CA_PATH) when unset.
    type: path
  proxy_host:
    description:
      - Address (host name or IP) of an HTTP proxy that relays every request (HTTPS through C(CONNECT)); a
        pinned O(thumbprint) is still checked through it.
      - When unset, the usual E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables apply.
      - Taken from E(VCDA_PROXY_HOST), E(VCD_PROXY_HOST) or E(NSX_PROXY_HOST) when unset.
    type: str
  proxy_port:
    description:
      - Port of O(proxy_host). Taken from E(VCDA_PROXY_PORT), E(VCD_PROXY_PORT) or E(NSX_PROXY_PORT) when unset.
    type: int
  proxy_protocol:
    description:
      - How to talk to O(proxy_host) itself - V(http) (most proxies) or V(https).
    type: str
    choices: [http, https]
    default: http
"""
