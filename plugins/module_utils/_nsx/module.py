# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the NSX autonomous edge modules: shared options and the client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.http import proxy_url
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx.edge import NsxEdgeClient
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint


def nsx_argument_spec():
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["NSX_URL"])),
        username=dict(type="str", default="admin", fallback=(env_fallback, ["NSX_USERNAME"])),
        password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["NSX_PASSWORD"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["NSX_VALIDATE_CERTS"])),
        thumbprint=dict(type="str", fallback=(env_fallback, ["NSX_THUMBPRINT"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["NSX_CA_PATH"])),
        proxy_host=dict(type="str", fallback=(env_fallback, ["NSX_PROXY_HOST"])),
        proxy_port=dict(type="int", fallback=(env_fallback, ["NSX_PROXY_PORT"])),
        proxy_protocol=dict(type="str", default="http", choices=["http", "https"]),
        timeout=dict(type="int", default=300),
    )


class NsxModule(CloudmoveModule):
    """A module with an autonomous edge client (``self.nsx``)."""

    def __init__(self, argument_spec, **kwargs):
        spec = nsx_argument_spec()
        spec.update(argument_spec)
        super(NsxModule, self).__init__(spec, **kwargs)
        self._client = None

    @property
    def nsx(self):
        if self._client is None:
            params = self.params
            if params["timeout"] < 1:
                raise InputError("timeout: must be 1 or more, got %s" % params["timeout"], option="timeout")
            self._client = NsxEdgeClient(params["url"], params["username"], params["password"],
                                         validate_certs=params["validate_certs"],
                                         thumbprint=normalize_thumbprint(params["thumbprint"], "thumbprint"),
                                         request_timeout=min(60, params["timeout"]), ca_path=params["ca_path"],
                                         proxy_url=proxy_url(params["proxy_host"], params["proxy_port"],
                                                             params["proxy_protocol"]))
        return self._client

    def diff_result(self, changed, before, after, **extra):
        result = dict(changed=changed, **extra)
        if self._diff:
            result["diff"] = {"before": before, "after": after}
        return result
