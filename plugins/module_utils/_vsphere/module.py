# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the modules that talk to vCenter: shared options and client creation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import client as _vsphere


def vsphere_argument_spec():
    """Connection options, with the environment variables AWX's VMware credential injects."""
    return dict(
        hostname=dict(type="str", required=True, fallback=(env_fallback, ["VMWARE_HOST"])),
        username=dict(type="str", required=True, aliases=["user"],
                      fallback=(env_fallback, ["VMWARE_USER", "VMWARE_USERNAME"])),
        password=dict(type="str", required=True, no_log=True, aliases=["pass", "pwd"],
                      fallback=(env_fallback, ["VMWARE_PASSWORD"])),
        port=dict(type="int", default=443, fallback=(env_fallback, ["VMWARE_PORT"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["VMWARE_VALIDATE_CERTS"])),
        thumbprint=dict(type="str", fallback=(env_fallback, ["VMWARE_THUMBPRINT"])),
    )


class VsphereModule(CloudmoveModule):
    """A module with a vCenter connection (``self.vsphere``), created on first use."""

    def __init__(self, argument_spec, **kwargs):
        spec = vsphere_argument_spec()
        spec.update(argument_spec)
        super(VsphereModule, self).__init__(spec, **kwargs)
        if not _vsphere.HAS_PYVMOMI:
            self.fail_json(msg=missing_required_lib("pyvmomi"), exception=str(_vsphere.PYVMOMI_IMPORT_ERROR))
        self._client = None

    @property
    def vsphere(self):
        if self._client is None:
            params = self.params
            self._client = _vsphere.VsphereClient(
                params["hostname"], params["username"], params["password"], port=params["port"],
                validate_certs=params["validate_certs"],
                thumbprint=normalize_thumbprint(params["thumbprint"] or None, "thumbprint"),
            )
        return self._client

    def exit_json(self, **kwargs):
        self._close()
        super(VsphereModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._close()
        super(VsphereModule, self).fail_json(msg=msg, **kwargs)

    def _close(self):
        if getattr(self, "_client", None) is not None:
            self._client.close()
            self._client = None
