# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the Cloud Director Availability modules: their connection options and client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import HTTP_OPTIONS, REQUESTS, CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as _vcda


def login_problem(params):
    """The InputError of a login that cannot work (checked before any call), or None."""
    auth = params.get("auth_type")
    if auth == "vcd_token":
        if not params.get("access_token"):
            return InputError("access_token: required with auth_type=vcd_token (a Cloud Director API access token; "
                              "or set VCDA_ACCESS_TOKEN)", option="access_token")
        return None
    if params.get("password") is None:
        return InputError("password: required with auth_type=%s (or set VCDA_PASSWORD); auth_type=vcd_token logs in "
                          "with access_token instead" % auth, option="password")
    if auth == "vcd" and "@" not in (params.get("username") or ""):
        return InputError("username: with auth_type=vcd give a Cloud Director user as user@org (for example "
                          "admin@System or admin1@org1), got %r" % params.get("username"), option="username")
    return None


class VcdaModule(CloudmoveModule):
    """A module with a VCDA session (``self.vcda``), logged in on first use and out at exit."""

    ENV = "VCDA"
    LIBRARIES = (REQUESTS,)
    CONNECTION = dict(
        HTTP_OPTIONS,
        url=dict(type="str", required=True, env=("URL",)),
        username=dict(type="str", default="root", env=("USERNAME",)),
        password=dict(type="str", no_log=True, env=("PASSWORD",)),
        initial_password=dict(type="str", no_log=True, env=("INITIAL_PASSWORD",)),
        auth_type=dict(type="str", default="local", choices=list(_vcda.AUTH_TYPES), env=("AUTH_TYPE",)),
        access_token=dict(type="str", no_log=True, env=("ACCESS_TOKEN",)),
        access_token_org=dict(type="str", no_log=False, env=("ACCESS_TOKEN_ORG",)),
        api_version=dict(type="str"),
    )

    def __init__(self, argument_spec, **kwargs):
        super(VcdaModule, self).__init__(argument_spec, **kwargs)
        problem = login_problem(self.params)
        if problem:
            self.fail(problem)

    def client(self, url, password, username="root", auth_type="local", thumbprint=None, option_prefix="",
               validate_certs=None, access_token=None, token_org=None, initial_password=None):
        """A further client (e.g. a replicator reached directly), closed at exit like ``self.vcda``.

        ``initial_password``: that appliance's initial root password, used in check mode only (see
        ``VcdaClient.predict_fresh``)."""
        params = self.params
        client = self.keep(_vcda.VcdaClient(
            url, username=username, password=password, auth_type=auth_type,
            validate_certs=params["validate_certs"] if validate_certs is None else validate_certs,
            thumbprint=self.pin(thumbprint, option_prefix + "thumbprint"),
            api_version=params["api_version"], timeout=params["timeout"], request_timeout=self.request_timeout(),
            access_token=access_token, token_org=token_org, **self.http_options()))
        if self.check_mode:
            client.initial_password = initial_password
        return client

    @property
    def vcda(self):
        if getattr(self, "_vcda", None) is None:
            params = self.params
            # check mode on a fresh appliance whose password change is only predicted: see predict_fresh()
            self._vcda = self.client(params["url"], params["password"], params["username"], params["auth_type"],
                                     params["thumbprint"], access_token=params["access_token"],
                                     token_org=params["access_token_org"], initial_password=params["initial_password"])
        return self._vcda

    def exit_json(self, **kwargs):
        for client in list(getattr(self, "_clients", [])):
            if getattr(client, "predicted_fresh", False) is True:
                self.warn("check mode: %s still has its initial root password (the change is only predicted); this "
                          "task was predicted for the appliance as it will be once the password is changed" % client.url)
        super(VcdaModule, self).exit_json(**kwargs)
