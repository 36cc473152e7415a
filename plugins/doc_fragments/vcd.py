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
  validate_certs:
    description:
      - Verify the TLS certificate of Cloud Director against the system's trusted CAs.
      - Prefer O(thumbprint) for a self-signed certificate; set V(false) only when you accept the risk.
      - Taken from E(VCD_VALIDATE_CERTS) when unset.
    type: bool
    default: true
  thumbprint:
    description:
      - SHA-256 thumbprint of the Cloud Director certificate, for example V(SHA-256:AB:CD:...) or plain hex.
      - When set, a certificate with exactly this thumbprint is trusted even if self-signed.
      - Taken from E(VCD_THUMBPRINT) when unset.
    type: str
  ca_path:
    description:
      - CA bundle (PEM file) to verify the Cloud Director certificate with, for an endpoint whose certificate a
        private CA signed. Used instead of the system CAs, and instead of E(REQUESTS_CA_BUNDLE).
      - Ignored when O(thumbprint) pins the certificate or O(validate_certs=false).
      - Taken from E(VCD_CA_PATH) when unset.
    type: path
  proxy_host:
    description:
      - Address (host name or IP) of an HTTP proxy that relays every request (HTTPS through C(CONNECT)); a
        pinned O(thumbprint) is still checked through it.
      - When unset, the usual E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables apply.
      - Taken from E(VCD_PROXY_HOST) when unset.
    type: str
  proxy_port:
    description:
      - Port of O(proxy_host). Taken from E(VCD_PROXY_PORT) when unset.
    type: int
  proxy_protocol:
    description:
      - How to talk to O(proxy_host) itself - V(http) (most proxies) or V(https).
    type: str
    choices: [http, https]
    default: http
  timeout:
    description:
      - Seconds each Cloud Director task may take. Single requests time out after at most 60 seconds.
    type: int
    default: 300
requirements:
  - requests
  - lxml
"""
