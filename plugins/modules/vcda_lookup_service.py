#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_lookup_service
short_description: Register the vSphere lookup service with a Cloud Director Availability appliance
version_added: 0.1.0
description:
  - Registers the lookup service (URL and certificate thumbprint) of the management vCenter with the Cloud
    Service or the Manager Service of a cloud appliance, with an on-premises appliance, or, through the
    Manager Service, with a replicator (C(POST /config/replicators/lookup-service)) and, through the Cloud
    Service, with a tunnel appliance (C(POST /config/tunnels/lookup-service)).
  - "A 4.x cloud appliance runs two services with separate APIs: the Cloud Service (C(https://<cloud>:443),
    management C(:8046)) and the Manager Service at C(https://<cloud>:8441), which has its own lookup service
    registration and owns the replicators. Set the lookup service of both: O(appliance_type=cloud) with the
    Cloud Service URL, O(appliance_type=manager) with the Manager Service URL."
  - Runs the C(check-lookup-service) dry run first (also in check mode) and reports its error.
  - The thumbprint is given, or computed from the certificate the lookup service presents when that
    certificate is trusted (O(vcenter_thumbprint) matches, or O(lookup_service_validate_certs=true) verifies it).
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Runs the dry-run check of the lookup service and predicts the change.
  diff_mode:
    support: full
options:
  appliance_type:
    description:
      - V(cloud), V(manager) or V(onprem) configures the service at O(url) itself. With V(manager), O(url) is
        the Manager Service, C(https://<cloud>:8441) (on 3.x, the cloud appliance itself).
      - V(replicator) configures the replicator at O(remote_url) through the Manager Service at O(url)
        (C(https://<cloud>:8441)); V(tunnel) configures the tunnel at O(remote_url) through the Cloud Service at
        O(url). The current state is read from O(remote_url) directly.
    type: str
    choices: [cloud, manager, replicator, tunnel, onprem]
    default: cloud
  lookup_service_url:
    description: URL of the lookup service, for example V(https://vcenter.example.com/lookupservice/sdk).
    type: str
    required: true
  lookup_service_thumbprint:
    description: SHA-256 thumbprint of the lookup service certificate.
    type: str
  vcenter_thumbprint:
    description:
      - Pin of the vCenter (or PSC) certificate that serves the lookup service. When O(lookup_service_thumbprint)
        is unset, the certificate presented at O(lookup_service_url) is read and used only if it matches this pin.
    type: str
  lookup_service_validate_certs:
    description:
      - When O(lookup_service_thumbprint) and O(vcenter_thumbprint) are unset, verify the lookup service
        certificate against the system CAs and use its thumbprint.
    type: bool
    default: false
  sso_user:
    description:
      - vSphere SSO administrator sent with the lookup service (C(ssoAdminCredentials)), for
        O(appliance_type=onprem) and O(appliance_type=manager) only; optional for the manager.
    type: str
  sso_password:
    description: Password of O(sso_user).
    type: str
  remote_url:
    description: API URL of the replicator or tunnel, for example V(https://replicator:8043). Required for those types.
    type: str
  remote_thumbprint:
    description: SHA-256 thumbprint of the replicator's or tunnel's certificate. Required for those types.
    type: str
  remote_password:
    description: Root password of the replicator or tunnel. Required for those types.
    type: str
  remote_initial_password:
    description:
      - Check mode on a fresh site. The initial root password of the replicator or tunnel, used only in check mode and
        only when O(remote_password) is refused, as O(initial_password) is for the appliance at O(url).
      - Defaults to O(initial_password) (the appliances of a site come from one OVA with one initial password).
    type: str
"""

EXAMPLES = r"""
- name: Lookup service of the cloud appliance
  cloudmove.vcda.vcda_lookup_service:
    url: https://127.0.1.11:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    lookup_service_url: https://127.0.0.1:8989/lookupservice/sdk
    vcenter_thumbprint: "{{ vcenter_thumbprint }}"

- name: Lookup service of the Manager Service of the same appliance
  cloudmove.vcda.vcda_lookup_service:
    url: https://127.0.1.11:8441
    thumbprint: "{{ manager_thumbprint }}"
    password: "{{ vcda_root_password }}"
    appliance_type: manager
    lookup_service_url: https://127.0.0.1:8989/lookupservice/sdk
    vcenter_thumbprint: "{{ vcenter_thumbprint }}"

- name: Lookup service of the replicator, through the Manager Service
  cloudmove.vcda.vcda_lookup_service:
    url: https://127.0.1.11:8441
    thumbprint: "{{ manager_thumbprint }}"
    password: "{{ vcda_root_password }}"
    appliance_type: replicator
    remote_url: https://127.0.1.12:8043
    remote_thumbprint: "{{ replicator_thumbprint }}"
    remote_password: "{{ vcda_root_password }}"
    lookup_service_url: https://127.0.0.1:8989/lookupservice/sdk
    lookup_service_thumbprint: "{{ vcenter_thumbprint }}"
"""

RETURN = r"""
lookup_service:
  description: The lookup service registered after the run (or in check mode, as it would be).
  returned: always
  type: dict
  contains:
    lsUrl: {description: Lookup service URL., type: str}
    lsThumbprint: {description: Its certificate thumbprint., type: str}
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import ApiError, CloudmoveError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import lookup_service_thumbprint, same_url
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule

REMOTE = ("replicator", "tunnel")


def run(mod):
    p = mod.params
    kind = p["appliance_type"]
    thumbprint = lookup_service_thumbprint(p["lookup_service_url"], p["lookup_service_thumbprint"],
                                           p["vcenter_thumbprint"], p["lookup_service_validate_certs"])
    desired = {"lsUrl": p["lookup_service_url"], "lsThumbprint": thumbprint}
    if kind in ("manager", "replicator"):
        mod.vcda.require_replicator_owner("url")  # 4.x: the Manager Service (:8441), not the Cloud Service
    if kind in REMOTE:
        remote = mod.client(p["remote_url"], p["remote_password"], thumbprint=p["remote_thumbprint"],
                            option_prefix="remote_", initial_password=p["remote_initial_password"] or p["initial_password"])
        config = remote.config() or {}
    else:
        config = mod.vcda.config() or {}
    live = None
    if config.get("lsUrl"):
        live = {"lsUrl": p["lookup_service_url"] if same_url(config["lsUrl"], p["lookup_service_url"]) else config["lsUrl"],
                "lsThumbprint": normalize_thumbprint(config.get("lsThumbprint")) if config.get("lsThumbprint") else None}
    sso = p["sso_user"] if kind in ("onprem", "manager") else None

    def check(_live, _send):
        """The dry run: ``POST /config/check-lookup-service`` (in check mode too)."""
        try:
            mod.vcda.set_lookup_service(desired["lsUrl"], thumbprint, sso, p["sso_password"], dry_run=True)
        except ApiError as error:
            raise CloudmoveError(
                "the lookup service check (POST /config/check-lookup-service) of %s with thumbprint %s failed: HTTP %s %s: %s"
                % (desired["lsUrl"], thumbprint, error.status, error.code or "", error.api_message or error))

    def apply(*_args):
        if kind in REMOTE:
            mod.vcda.set_remote_lookup_service(kind + "s", p["remote_url"], normalize_thumbprint(p["remote_thumbprint"]),
                                               p["remote_password"], desired["lsUrl"], thumbprint)
        else:
            mod.vcda.set_lookup_service(desired["lsUrl"], thumbprint, sso, p["sso_password"])

    outcome = mod.reconciler().present(live, desired, create=apply, update=apply, dry_run=check)
    return mod.result(outcome, lookup_service=outcome.after)


def main():
    module = VcdaModule(
        dict(
            appliance_type=dict(type="str", default="cloud", choices=["cloud", "manager", "replicator", "tunnel", "onprem"]),
            lookup_service_url=dict(type="str", required=True),
            lookup_service_thumbprint=dict(type="str"),
            vcenter_thumbprint=dict(type="str"),
            lookup_service_validate_certs=dict(type="bool", default=False),
            sso_user=dict(type="str"),
            sso_password=dict(type="str", no_log=True),
            remote_url=dict(type="str"),
            remote_thumbprint=dict(type="str"),
            remote_password=dict(type="str", no_log=True),
            remote_initial_password=dict(type="str", no_log=True),
        ),
        required_if=[("appliance_type", "replicator", ("remote_url", "remote_thumbprint", "remote_password")),
                     ("appliance_type", "tunnel", ("remote_url", "remote_thumbprint", "remote_password"))],
        required_together=[("sso_user", "sso_password")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
