# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the Cloud Director modules: shared options, the client, results."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.http import proxy_url
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import client as _vcd


def vcd_argument_spec():
    """Connection options, with environment fallbacks (AWX custom credential types inject these)."""
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["VCD_URL"])),
        username=dict(type="str", required=True, fallback=(env_fallback, ["VCD_USERNAME"])),
        password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["VCD_PASSWORD"])),
        org=dict(type="str", default="System", fallback=(env_fallback, ["VCD_ORG"])),
        api_version=dict(type="str"),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["VCD_VALIDATE_CERTS"])),
        thumbprint=dict(type="str", fallback=(env_fallback, ["VCD_THUMBPRINT"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["VCD_CA_PATH"])),
        proxy_host=dict(type="str", fallback=(env_fallback, ["VCD_PROXY_HOST"])),
        proxy_port=dict(type="int", fallback=(env_fallback, ["VCD_PROXY_PORT"])),
        proxy_protocol=dict(type="str", default="http", choices=["http", "https"]),
        timeout=dict(type="int", default=300),
    )


class VcdModule(CloudmoveModule):
    """A module with a Cloud Director session (``self.vcd``), logged in on first use and out at exit."""

    def __init__(self, argument_spec, **kwargs):
        spec = vcd_argument_spec()
        spec.update(argument_spec)
        super(VcdModule, self).__init__(spec, **kwargs)
        self._client = None

    @property
    def vcd(self):
        if self._client is None:
            params = self.params
            if params["timeout"] < 1:
                raise InputError("timeout: must be 1 or more, got %s" % params["timeout"], option="timeout")
            self._client = _vcd.VcdClient(
                params["url"], params["username"], params["password"], params["org"],
                api_version=params["api_version"], validate_certs=params["validate_certs"],
                thumbprint=normalize_thumbprint(params["thumbprint"], "thumbprint"),
                timeout=params["timeout"], request_timeout=min(60, params["timeout"]), ca_path=params["ca_path"],
                proxy_url=proxy_url(params["proxy_host"], params["proxy_port"], params["proxy_protocol"]))
        return self._client

    def tenant_org(self, option="organization"):
        """The organization the module works in: the option, else the login org (a tenant's own)."""
        name = self.params.get(option)
        if name:
            return name
        if _vcd.is_provider(self.params["org"]):
            raise InputError("%s: required when logged in as the provider (org System)" % option, option=option)
        return self.params["org"]

    def exit_json(self, **kwargs):
        self._close()
        super(VcdModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._close()
        super(VcdModule, self).fail_json(msg=msg, **kwargs)

    def _close(self):
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            client.logout()

    def diff_result(self, changed, before, after, **extra):
        result = dict(changed=changed, **extra)
        if self._diff:
            result["diff"] = {"before": before, "after": after}
        return result
