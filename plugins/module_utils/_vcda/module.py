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
        initial_password=dict(type="str", no_log=True, env=("INITIAL_PASSWORD",)),
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
            if self.check_mode:  # a fresh appliance whose password change is only predicted: see predict_fresh()
                self._vcda.initial_password = params["initial_password"]
        return self._vcda

    def exit_json(self, **kwargs):
        client = getattr(self, "_vcda", None)
        if client is not None and client.predicted_fresh:
            self.warn("check mode: %s still has its initial root password (the change is only predicted); this "
                      "task was predicted for the appliance as it will be once the password is changed" % client.url)
        super(VcdaModule, self).exit_json(**kwargs)
