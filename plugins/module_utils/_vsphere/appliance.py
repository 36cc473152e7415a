# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Cloud Director Availability appliance VM tells vCenter about itself: its role and the
service certificates it publishes, so that a provider pins the appliance without trusting the
first TLS connection.

The appliance VM carries each service certificate in ``config.extraConfig`` as
``guestinfo.<service>.certificate`` (base64 DER): ``cloud`` and ``manager`` on the cloud appliance,
``replicator``, ``tunnel``. Its role is the default value of the vApp property
``guestinfo.cis.appliance.role`` (set by the deployment option). That is how VMware's PowerCLI
module for VCDA reads them (docs/verification.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import thumbprint_of_encoded

ROLE_PROPERTY = "guestinfo.cis.appliance.role"
CERTIFICATE_KEY = re.compile(r"^guestinfo\.([A-Za-z0-9_-]+)\.certificate$")


def certificate_key(service):
    return "guestinfo.%s.certificate" % service


def appliance_role(vm):
    """The role of the appliance VM (``cloud``, ``replicator``, ``tunnel``), or None (not such an appliance)."""
    vapp = getattr(getattr(vm, "config", None), "vAppConfig", None)
    for prop in getattr(vapp, "property", None) or []:
        if prop.id == ROLE_PROPERTY:
            return prop.defaultValue or prop.value or None
    return None


def extra_config(vm):
    """The VM's extraConfig as a dict (empty when vCenter shows no config)."""
    options = getattr(getattr(vm, "config", None), "extraConfig", None) or []
    return dict((o.key, o.value) for o in options)


def service_thumbprint(extra, service, vm_name="the VM"):
    """SHA-256 thumbprint (``SHA-256:AA:...``) of the certificate ``service`` publishes in ``extra``
    (extraConfig as a dict), or None when the key is missing or empty; TlsError when it is not base64 DER."""
    key = certificate_key(service)
    return thumbprint_of_encoded(extra.get(key), "%s: extraConfig %s" % (vm_name, key))


def appliance_thumbprints(vm):
    """``{"role", "thumbprint", "thumbprints"}`` of an appliance VM: ``thumbprints`` maps every service that
    publishes a certificate to its SHA-256 thumbprint, ``thumbprint`` is the one of the VM's role (None while
    the appliance has not published it yet, or when the VM is no VCDA appliance)."""
    extra = extra_config(vm)
    thumbprints = {}
    for key in sorted(extra):
        match = CERTIFICATE_KEY.match(key)
        if match:
            value = service_thumbprint(extra, match.group(1), vm.name)
            if value is not None:
                thumbprints[match.group(1)] = value
    role = appliance_role(vm)
    return {"role": role, "thumbprint": thumbprints.get(role) if role else None, "thumbprints": thumbprints}
