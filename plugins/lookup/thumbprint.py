# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: thumbprint
short_description: Fetch the SHA-256 thumbprint of the certificate a TLS endpoint presents
version_added: 0.1.0
description:
  - Connects to each endpoint, reads the certificate it presents B(without trusting it) and returns its SHA-256
    thumbprint in the form every C(thumbprint) option of this collection takes (V(SHA-256:AB:CD:...)).
  - The answer is only as trustworthy as the network path it came over. Compare it with the thumbprint the
    appliance shows on its console or its management UI before you pin it in your inventory; never pin it
    automatically in the same run.
  - A Cloud Director Availability appliance also publishes its certificates in its VM's C(extraConfig); read them
    over the pinned vCenter connection with M(cloudmove.vcda.vsphere_appliance_info) (or the C(vm.appliance_thumbprint)
    that M(cloudmove.vcda.ovf_deploy) returns) to pin it without trusting the network path.
options:
  _terms:
    description:
      - Endpoints, as V(https://host:port/...) URLs (the port defaults to 443) or V(host:port).
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds to wait for each connection.
    type: int
    default: 10
author:
  - cloudmove.vcda maintainers (@cloudmove)
"""

EXAMPLES = r"""
- name: Show the thumbprint of an appliance, to verify against its console and pin in the inventory
  ansible.builtin.debug:
    msg: "{{ lookup('cloudmove.vcda.thumbprint', 'https://vcda-cloud.example.com:8046') }}"

- name: Several at once (a list, in order)
  ansible.builtin.debug:
    msg: "{{ query('cloudmove.vcda.thumbprint', 'vcenter.example.com:443', 'https://vcd.example.com') }}"
"""

RETURN = r"""
_raw:
  description: The SHA-256 thumbprints, one per endpoint, for example V(SHA-256:30:F9:C0:...).
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.six.moves.urllib.parse import urlsplit
from ansible.plugins.lookup import LookupBase

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import CloudmoveError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import fetch_certificate, thumbprint_of_der


def endpoint(term):
    """(host, port) of a URL or ``host:port``."""
    text = str(term).strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if not parts.hostname:
        raise AnsibleLookupError("thumbprint: %r is neither a URL nor host:port" % (term,))
    try:
        port = parts.port or 443
    except ValueError:
        raise AnsibleLookupError("thumbprint: %r has an invalid port" % (term,))
    return parts.hostname, port


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        timeout = self.get_option("timeout")
        results = []
        for term in terms:
            host, port = endpoint(term)
            try:
                results.append(thumbprint_of_der(fetch_certificate(host, port, timeout=timeout)))
            except CloudmoveError as exc:
                raise AnsibleLookupError("thumbprint: %s" % to_native(exc))
        return results
