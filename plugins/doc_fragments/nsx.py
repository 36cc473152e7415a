# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
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
  validate_certs:
    description:
      - Verify the edge's TLS certificate against the system's trusted CAs.
      - Prefer O(thumbprint) for a self-signed certificate; set V(false) only when you accept the risk.
      - Taken from E(NSX_VALIDATE_CERTS) when unset.
    type: bool
    default: true
  thumbprint:
    description:
      - SHA-256 thumbprint of the edge's certificate, for example V(SHA-256:AB:CD:...) or plain hex.
      - Taken from E(NSX_THUMBPRINT) when unset.
    type: str
  ca_path:
    description:
      - CA bundle (PEM file) to verify the edge's certificate with, for an endpoint whose certificate a
        private CA signed. Used instead of the system CAs, and instead of E(REQUESTS_CA_BUNDLE).
      - Ignored when O(thumbprint) pins the certificate or O(validate_certs=false).
      - Taken from E(NSX_CA_PATH) when unset.
    type: path
  proxy_host:
    description:
      - Address (host name or IP) of an HTTP proxy that relays every request (HTTPS through C(CONNECT)); a
        pinned O(thumbprint) is still checked through it.
      - When unset, the usual E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables apply.
      - Taken from E(NSX_PROXY_HOST) when unset.
    type: str
  proxy_port:
    description:
      - Port of O(proxy_host). Taken from E(NSX_PROXY_PORT) when unset.
    type: int
  proxy_protocol:
    description:
      - How to talk to O(proxy_host) itself - V(http) (most proxies) or V(https).
    type: str
    choices: [http, https]
    default: http
  timeout:
    description:
      - Seconds a wait (for example for the session to come up) may take. Single requests time out after at
        most 60 seconds.
    type: int
    default: 300
requirements:
  - requests
"""
