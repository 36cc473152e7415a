#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_cloud_site
short_description: Configure the cloud site of a Cloud Director Availability cloud appliance
version_added: 0.1.0
description:
  - Configures the vApp Replication Manager of a Cloud Director Availability cloud appliance, as its setup wizard does -
    site name and description, public API and management endpoints, the Cloud Director endpoint, the licence key
    and telemetry (CEIP).
  - Only the options you set are managed; unset options are left alone.
  - The site name can be set only once. A different existing site name fails before anything is changed.
  - The Cloud Director endpoint is checked with the C(check-vcloud) dry run (also in check mode) before it is set.
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Reads the configuration, runs the Cloud Director dry run when it would change, changes nothing.
  diff_mode:
    support: full
    details: Keyed by part (C(site), C(endpoints), C(vcd), C(license), C(telemetry)); no password or licence key.
options:
  site_name:
    description: Name of the local site (set once; can never change).
    type: str
  site_description:
    description: Description of the local site.
    type: str
  api_address:
    description: Address the public API service listens on (V(null) = all).
    type: str
  api_port:
    description: Port of the public API service.
    type: int
  api_public_address:
    description: Public DNS name or address tenants and peer sites use to reach the API (the public API endpoint).
    type: str
  api_public_port:
    description: Public port of the API, for example V(443) DNAT'ed to the tunnel.
    type: int
  mgmt_address:
    description: Address of the management interface.
    type: str
  mgmt_port:
    description: Port of the management interface.
    type: int
  mgmt_public_address:
    description: Public address of the management interface.
    type: str
  mgmt_public_port:
    description: Public port of the management interface.
    type: int
  vcd_url:
    description: Cloud Director API URL, for example V(https://vcd.example.com:443/api).
    type: str
  vcd_username:
    description: Cloud Director system administrator, for example V(administrator@System).
    type: str
  vcd_password:
    description: Password of O(vcd_username). Needed when the Cloud Director endpoint is set or changed.
    type: str
  vcd_thumbprint:
    description: SHA-256 thumbprint of the Cloud Director certificate; unset means full certificate validation.
    type: str
  vcd_update_password:
    description:
      - V(on_create) sends O(vcd_password) only when the Cloud Director endpoint is set or changes
        (the password cannot be read back).
      - V(always) sends it on every run (always reports a change).
    type: str
    choices: [on_create, always]
    default: on_create
  license_key:
    description: Licence key. Compared with the installed key without showing either.
    type: str
  telemetry:
    description: Participate in the Customer Experience Improvement Program (telemetry).
    type: bool
    aliases: [ceip]
"""

EXAMPLES = r"""
- name: Configure site1
  cloudmove.vcda.vcda_cloud_site:
    url: https://127.0.1.11:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    site_name: site1
    site_description: Auckland
    api_public_address: vcda-site1.example.com
    api_public_port: 443
    vcd_url: https://127.0.1.14:8443/api
    vcd_username: administrator@System
    vcd_password: VMware1!
    license_key: "{{ vcda_license_key }}"
    telemetry: false
"""

RETURN = r"""
site:
  description: Local site name and description (C(localSite), C(localSiteDescription)).
  returned: always
  type: dict
endpoints:
  description: Configured endpoint values (C(apiPublicAddress) and so on).
  returned: always
  type: dict
vcd:
  description: Cloud Director endpoint (C(vcdUrl), C(vcdUsername), C(vcdThumbprint)); no password.
  returned: always
  type: dict
license:
  description: Licence state (C(isLicensed), C(expirationDate)); never the key.
  returned: always
  type: dict
telemetry:
  description: Telemetry (CEIP) setting.
  returned: always
  type: dict
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Outcome, prune
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import ApiError, CloudmoveError, InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import same_url
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule

ENDPOINT_OPTIONS = dict(api_address="apiAddress", api_port="apiPort", api_public_address="apiPublicAddress",
                        api_public_port="apiPublicPort", mgmt_address="mgmtAddress", mgmt_port="mgmtPort",
                        mgmt_public_address="mgmtPublicAddress", mgmt_public_port="mgmtPublicPort")


def site_part(mod, client, config, rec):
    p = mod.params
    live = {"localSite": config.get("localSite"), "localSiteDescription": config.get("localSiteDescription")}
    if p["site_name"] and live["localSite"] and live["localSite"] != p["site_name"]:
        raise InputError("site_name: this appliance's site is already '%s' and a site name can never change; "
                         "it cannot become '%s'" % (live["localSite"], p["site_name"]), option="site_name")
    if not live["localSite"] and p["site_name"] is None and p["site_description"] is not None:
        raise InputError("site_name: required to set site_description on an appliance without a site", option="site_name")
    desired = {"localSite": p["site_name"], "localSiteDescription": p["site_description"]}

    def send(_live, _delta):
        want = dict(live, **prune(desired))
        secret = p["password"] if p["auth_type"] == "local" else None
        client.set_site(want["localSite"], want["localSiteDescription"], config_secret=secret)
    return rec.present(live if live["localSite"] else None, desired, create=lambda d: send(None, d), update=send)


def endpoints_part(mod, client, rec):
    desired = dict((key, mod.params[opt]) for opt, key in ENDPOINT_OPTIONS.items())
    if not prune(desired):
        return None
    live = (client.endpoints() or {}).get("configured") or {}

    def send(_live, delta):
        client.set_endpoints(dict(live, **delta))
    return rec.present(live, desired, update=send)


def vcd_part(mod, client, config, rec):
    p = mod.params
    thumbprint = normalize_thumbprint(p["vcd_thumbprint"], "vcd_thumbprint")
    desired = {"vcdUrl": p["vcd_url"], "vcdUsername": p["vcd_username"], "vcdThumbprint": thumbprint}
    if not prune(desired):
        return None
    live = None
    if config.get("vcdUrl"):
        live = {"vcdUrl": p["vcd_url"] if same_url(config["vcdUrl"], p["vcd_url"]) else config["vcdUrl"],
                "vcdUsername": config.get("vcdUsername"),
                "vcdThumbprint": normalize_thumbprint(config["vcdThumbprint"]) if config.get("vcdThumbprint") else None}

    def wanted():
        return dict(live or {}, **prune(desired))

    def check(_live, _send):
        """The dry run: ``POST /config/check-vcloud`` (in check mode too) fails where the real call would."""
        want = wanted()
        if not want.get("vcdUrl") or not want.get("vcdUsername") or not p["vcd_password"]:
            raise InputError("vcd_url, vcd_username and vcd_password: all needed to set the Cloud Director endpoint",
                             option="vcd_password")
        try:
            client.set_vcloud(want["vcdUrl"], want["vcdUsername"], p["vcd_password"], want.get("vcdThumbprint"), dry_run=True)
        except ApiError as error:
            raise CloudmoveError("the Cloud Director check (POST /config/check-vcloud) of %s failed: HTTP %s %s: %s"
                                 % (want["vcdUrl"], error.status, error.code or "", error.api_message or error))

    def send(*_args):
        want = wanted()
        client.set_vcloud(want["vcdUrl"], want["vcdUsername"], p["vcd_password"], want.get("vcdThumbprint"))
    return rec.present(live, desired, create=send, update=send, dry_run=check,
                       force_update=p["vcd_update_password"] == "always" and p["vcd_password"] is not None)


def license_part(mod, client, rec):
    key = mod.params["license_key"]
    if key is None:
        return None, None
    live = client.license() or {}
    same = (live.get("key") or "").strip() == key.strip()
    before = {"key": "as given" if same else "different" if live.get("key") else "none"}
    outcome = rec.act(not same, before, {"key": "as given"}, apply=lambda: client.set_license(key.strip()) or {},
                      obj=live, action="update")
    return outcome, {"isLicensed": outcome.obj.get("isLicensed"), "expirationDate": outcome.obj.get("expirationDate")}


def run(mod):
    p = mod.params
    client = mod.vcda
    config = client.config() or {}
    rec = mod.reconciler()
    outcomes = {}
    outcomes["site"] = site_part(mod, client, config, rec)
    outcomes["endpoints"] = endpoints_part(mod, client, rec)
    outcomes["vcd"] = vcd_part(mod, client, config, rec)
    outcomes["license"], license_view = license_part(mod, client, rec)
    if p["telemetry"] is not None:
        live = client.telemetry() or {}

        def send(_live, _delta):
            client.set_telemetry(p["telemetry"], live.get("environment"))
        outcomes["telemetry"] = rec.present(live, {"enabled": p["telemetry"]}, update=send)
    outcomes = dict((k, v) for k, v in outcomes.items() if v is not None)
    results = dict((k, o.after) for k, o in outcomes.items() if k != "license")
    results["license"] = license_view or {}
    for key in ("site", "endpoints", "vcd", "telemetry"):
        results.setdefault(key, {})
    return mod.result(Outcome.combine(outcomes), **results)


def main():
    options = dict(
        site_name=dict(type="str"),
        site_description=dict(type="str"),
        vcd_url=dict(type="str"),
        vcd_username=dict(type="str"),
        vcd_password=dict(type="str", no_log=True),
        vcd_thumbprint=dict(type="str"),
        vcd_update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
        license_key=dict(type="str", no_log=True),
        telemetry=dict(type="bool", aliases=["ceip"]),
    )
    for option in ENDPOINT_OPTIONS:
        options[option] = dict(type="int") if option.endswith("_port") else dict(type="str")
    module = VcdaModule(options)
    module.run(run)


if __name__ == "__main__":
    main()
