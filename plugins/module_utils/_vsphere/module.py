# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the modules that talk to vCenter: their connection options and client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vsphere import client as _vsphere


class VsphereModule(CloudmoveModule):
    """A module with a vCenter connection (``self.vsphere``), created on first use.

    The environment variables are those AWX's VMware credential injects; the modules' own
    ``timeout`` options (their defaults differ) are declared by the modules.
    """

    ENV = "VMWARE"
    LIBRARIES = (("pyvmomi", _vsphere.HAS_PYVMOMI, _vsphere.PYVMOMI_IMPORT_ERROR),)
    TIMEOUT = None
    CONNECTION = dict(
        hostname=dict(type="str", required=True, env=("HOST",)),
        username=dict(type="str", required=True, aliases=["user"], env=("USER", "USERNAME")),
        password=dict(type="str", required=True, no_log=True, aliases=["pass", "pwd"], env=("PASSWORD",)),
        port=dict(type="int", default=443, env=("PORT",)),
    )

    @property
    def vsphere(self):
        if getattr(self, "_vsphere", None) is None:
            params = self.params
            self._vsphere = self.keep(_vsphere.VsphereClient(
                params["hostname"], params["username"], params["password"], port=params["port"],
                validate_certs=params["validate_certs"], thumbprint=self.pin(params["thumbprint"])))
        return self._vsphere
