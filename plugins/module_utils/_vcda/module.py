# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the Cloud Director Availability modules: their connection options and client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import HTTP_OPTIONS, REQUESTS, CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as _vcda


class VcdaModule(CloudmoveModule):
    """A module with a VCDA session (``self.vcda``), logged in on first use and out at exit."""

    ENV = "VCDA"
    LIBRARIES = (REQUESTS,)
    CONNECTION = dict(
        HTTP_OPTIONS,
        url=dict(type="str", required=True, env=("URL",)),
        username=dict(type="str", default="root", env=("USERNAME",)),
        password=dict(type="str", required=True, no_log=True, env=("PASSWORD",)),
        auth_type=dict(type="str", default="local", choices=list(_vcda.AUTH_TYPES)),
        api_version=dict(type="str"),
    )

    def client(self, url, password, username="root", auth_type="local", thumbprint=None, option_prefix="",
               validate_certs=None):
        """A further client (e.g. a replicator reached directly), closed at exit like ``self.vcda``."""
        params = self.params
        return self.keep(_vcda.VcdaClient(
            url, username=username, password=password, auth_type=auth_type,
            validate_certs=params["validate_certs"] if validate_certs is None else validate_certs,
            thumbprint=self.pin(thumbprint, option_prefix + "thumbprint"),
            api_version=params["api_version"], timeout=params["timeout"], request_timeout=self.request_timeout(), **self.http_options()))

    @property
    def vcda(self):
        if getattr(self, "_vcda", None) is None:
            params = self.params
            self._vcda = self.client(params["url"], params["password"], params["username"], params["auth_type"],
                                     params["thumbprint"])
        return self._vcda
