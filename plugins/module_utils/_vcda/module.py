# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the Cloud Director Availability modules: shared options, the client, results."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.http import proxy_url
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as _vcda


def vcda_argument_spec():
    """Connection options, with environment fallbacks (AWX custom credential types inject these)."""
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["VCDA_URL"])),
        username=dict(type="str", default="root", fallback=(env_fallback, ["VCDA_USERNAME"])),
        password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["VCDA_PASSWORD"])),
        auth_type=dict(type="str", default="local", choices=list(_vcda.AUTH_TYPES)),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["VCDA_VALIDATE_CERTS"])),
        thumbprint=dict(type="str", fallback=(env_fallback, ["VCDA_THUMBPRINT"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["VCDA_CA_PATH"])),
        proxy_host=dict(type="str", fallback=(env_fallback, ["VCDA_PROXY_HOST"])),
        proxy_port=dict(type="int", fallback=(env_fallback, ["VCDA_PROXY_PORT"])),
        proxy_protocol=dict(type="str", default="http", choices=["http", "https"]),
        api_version=dict(type="str"),
        timeout=dict(type="int", default=300),
    )


class VcdaModule(CloudmoveModule):
    """A module with a VCDA session (``self.vcda``), logged in on first use and out at exit."""

    def __init__(self, argument_spec, **kwargs):
        spec = vcda_argument_spec()
        spec.update(argument_spec)
        super(VcdaModule, self).__init__(spec, **kwargs)
        self._clients = []
        self._client = None

    def client(self, url, password, username="root", auth_type="local", thumbprint=None, option_prefix="",
               validate_certs=None):
        """A further client (e.g. a replicator reached directly), closed at exit like ``self.vcda``."""
        params = self.params
        if params["timeout"] < 1:
            self.fail_json(msg="timeout: must be 1 or more, got %s" % params["timeout"], option="timeout")
        client = _vcda.VcdaClient(
            url, username=username, password=password, auth_type=auth_type,
            validate_certs=params["validate_certs"] if validate_certs is None else validate_certs,
            thumbprint=normalize_thumbprint(thumbprint, option_prefix + "thumbprint"),
            api_version=params["api_version"], timeout=params["timeout"],
            request_timeout=min(60, params["timeout"]), ca_path=params["ca_path"],
            proxy_url=proxy_url(params["proxy_host"], params["proxy_port"], params["proxy_protocol"]))
        self._clients.append(client)
        return client

    @property
    def vcda(self):
        if self._client is None:
            params = self.params
            self._client = self.client(params["url"], params["password"], params["username"], params["auth_type"],
                                       params["thumbprint"])
        return self._client

    def exit_json(self, **kwargs):
        self._close()
        super(VcdaModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._close()
        super(VcdaModule, self).fail_json(msg=msg, **kwargs)

    def _close(self):
        for client in getattr(self, "_clients", []):
            client.logout()
        self._clients = []

    def combined_result(self, outcomes, **extra):
        """One result for several reconciled parts: changed if any changed; diff keyed by part."""
        result = dict(changed=any(o.changed for o in outcomes.values()), **extra)
        if self._diff:
            result["diff"] = {"before": dict((k, o.before) for k, o in outcomes.items()),
                              "after": dict((k, o.after) for k, o in outcomes.items())}
        return result
