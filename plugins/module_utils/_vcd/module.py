# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the Cloud Director modules: their connection options, client and tenant org."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import HTTP_OPTIONS, REQUESTS, CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import client as _vcd


class VcdModule(CloudmoveModule):
    """A module with a Cloud Director session (``self.vcd``), logged in on first use and out at exit."""

    ENV = "VCD"
    LIBRARIES = (REQUESTS, ("lxml", _vcd.HAS_LXML, _vcd.LXML_IMPORT_ERROR))
    CONNECTION = dict(
        HTTP_OPTIONS,
        url=dict(type="str", required=True, env=("URL",)),
        username=dict(type="str", required=True, env=("USERNAME",)),
        password=dict(type="str", required=True, no_log=True, env=("PASSWORD",)),
        org=dict(type="str", default="System", env=("ORG",)),
        api_version=dict(type="str"),
    )

    @property
    def vcd(self):
        if getattr(self, "_vcd", None) is None:
            params = self.params
            self._vcd = self.keep(_vcd.VcdClient(
                params["url"], params["username"], params["password"], params["org"],
                api_version=params["api_version"], validate_certs=params["validate_certs"],
                thumbprint=self.pin(params["thumbprint"]), timeout=params["timeout"], request_timeout=self.request_timeout(), **self.http_options()))
        return self._vcd

    def tenant_org(self, option="organization"):
        """The organization the module works in: the option, else the login org (a tenant's own)."""
        name = self.params.get(option)
        if name:
            return name
        if _vcd.is_provider(self.params["org"]):
            raise InputError("%s: required when logged in as the provider (org System)" % option, option=option)
        return self.params["org"]
