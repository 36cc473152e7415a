# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base class of the NSX autonomous edge modules: their connection options and client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import HTTP_OPTIONS, REQUESTS, CloudmoveModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx.edge import NsxEdgeClient


class NsxModule(CloudmoveModule):
    """A module with an autonomous edge client (``self.nsx``)."""

    ENV = "NSX"
    LIBRARIES = (REQUESTS,)
    CONNECTION = dict(
        HTTP_OPTIONS,
        url=dict(type="str", required=True, env=("URL",)),
        username=dict(type="str", default="admin", env=("USERNAME",)),
        password=dict(type="str", required=True, no_log=True, env=("PASSWORD",)),
    )

    @property
    def nsx(self):
        if getattr(self, "_nsx", None) is None:
            params = self.params
            self._nsx = self.keep(NsxEdgeClient(params["url"], params["username"], params["password"],
                                                validate_certs=params["validate_certs"], thumbprint=self.pin(params["thumbprint"]),
                                                request_timeout=self.request_timeout(), **self.http_options()))
        return self._nsx
