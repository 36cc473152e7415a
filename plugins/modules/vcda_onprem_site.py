#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_onprem_site
short_description: Set up the on-premises Cloud Director Availability appliance and pair it with a cloud site
version_added: 0.1.0
description:
  - Does what the on-premises setup wizard does, idempotently, on the appliance at O(url) (logged in as root), covering the
    site name, local lookup service, pairing with the provider's cloud site using organization credentials or a
    Cloud Director API token, the "allow access from cloud" switch, and the placement of workloads replicated from
    the cloud (VM folder, compute cluster, network, datastore, given by name).
  - B(The vendor does not publish the on-premises API.) The calls are inferred (see C(docs/verification.md)) and
    kept in one place, C(plugins/module_utils/_vcda/inferred.py).
  - The site name is set once and cannot change. The pairing is redone (C(PUT /sites/{site})) when the cloud URL,
    its certificate, the organization changed, or the link reports an error; credentials are not compared.
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Reads the appliance, resolves placement names, predicts every change, changes nothing.
  diff_mode:
    support: full
    details: Per part (site, lookup_service, cloud, allow_access_from_cloud, placement); never passwords or tokens.
options:
  site_name:
    description: Name of the on-premises site (set once).
    type: str
  site_description:
    description: Description sent with the pairing.
    type: str
  lookup_service_url:
    description: URL of the local (tenant vCenter) lookup service, for example V(https://vc.example.com/lookupservice/sdk).
    type: str
  lookup_service_thumbprint:
    description: SHA-256 thumbprint of the lookup service certificate. Required with O(lookup_service_url).
    type: str
  sso_user:
    description: vSphere SSO administrator, used by the appliance to read the vCenter inventory (placement).
    type: str
    default: administrator@vsphere.local
  sso_password:
    description: Password of O(sso_user). Sent only when the lookup service is (re)configured.
    type: str
  cloud_url:
    description: Public API URL of the provider's Cloud Director Availability site.
    type: str
  cloud_thumbprint:
    description: SHA-256 thumbprint of the cloud site's certificate. Required with O(cloud_url).
    type: str
  cloud_repoint:
    description:
      - An appliance paired with one cloud site is never re-pointed to a different cloud by accident. When
        O(cloud_url) and O(cloud_thumbprint) both differ from the paired cloud's URL and certificate, the module
        fails before any change unless O(cloud_repoint=true). Unpair first, or set this to move the pairing.
      - The same cloud under another URL (same certificate), or a renewed certificate at the same URL, is a repair
        and needs no flag.
    type: bool
    default: false
  cloud_org:
    description: Cloud Director organization (short name). With O(cloud_user) it may be omitted (C(user@org)).
    type: str
  cloud_user:
    description: Organization user, V(user@org) or V(user) with O(cloud_org). Mutually exclusive with O(cloud_api_token).
    type: str
  cloud_password:
    description: Password of O(cloud_user).
    type: str
  cloud_api_token:
    description: Cloud Director API token of an organization user (API 4.7), instead of O(cloud_user).
    type: str
  allow_access_from_cloud:
    description:
      - Let provider and organization administrators discover on-premises workloads and reverse replications from the
        cloud without authenticating on-premises.
    type: bool
  placement:
    description: Where workloads replicated from the cloud land, by vCenter inventory name.
    type: dict
    suboptions:
      folder:
        description: VM folder.
        type: str
      cluster:
        description: Compute cluster.
        type: str
      network:
        description: Network (port group).
        type: str
      datastore:
        description: Datastore.
        type: str
"""

EXAMPLES = r"""
- name: Set up onprem1 and pair it with site1
  cloudmove.vcda.vcda_onprem_site:
    url: https://127.0.1.31:8046
    thumbprint: "{{ onprem_thumbprint }}"
    password: "{{ onprem_root_password }}"
    site_name: onprem1
    lookup_service_url: https://127.0.0.1:8990/lookupservice/sdk
    lookup_service_thumbprint: "{{ tenant_vcenter_thumbprint }}"
    sso_password: "{{ tenant_sso_password }}"
    cloud_url: https://127.0.1.11:8046
    cloud_thumbprint: "{{ site1_thumbprint }}"
    cloud_user: admin1@org1
    cloud_password: "{{ org1_admin_password }}"
    allow_access_from_cloud: true
    placement: {folder: vm, cluster: DC0_C0, network: VM Network, datastore: LocalDS_0}
"""

RETURN = r"""
cloud_site:
  description: The cloud site entry of C(GET /sites) (with C(org), C(state)), or null when not paired.
  returned: always
  type: dict
placement:
  description: The placement, each part as C(id) (MoRef) and C(name).
  returned: always
  type: dict
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import onprem
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Outcome
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import same_url, site_comm_errors
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule


def _org(p):
    if p["cloud_api_token"]:
        if not p["cloud_org"]:
            raise InputError("cloud_org: required with cloud_api_token", option="cloud_org")
        return p["cloud_org"]
    user = p["cloud_user"]
    if not user:
        raise InputError("cloud_user: give cloud_user and cloud_password, or cloud_api_token, with cloud_url",
                         option="cloud_user")
    if "@" in user:
        org = user.rsplit("@", 1)[1]
        if p["cloud_org"] and p["cloud_org"] != org:
            raise InputError("cloud_org: '%s' differs from the org of cloud_user (%s)" % (p["cloud_org"], org),
                             option="cloud_org")
        return org
    if not p["cloud_org"]:
        raise InputError("cloud_org: required when cloud_user has no @org", option="cloud_org")
    return p["cloud_org"]


def same_cloud(cloud, url, pin):
    """The paired cloud entry is the cloud ``url``/``pin`` name: same URL (or public URL), or same certificate."""
    if same_url(cloud.get("apiUrl"), url) or same_url(cloud.get("apiPublicUrl"), url):
        return True
    return bool(pin) and normalize_thumbprint(cloud.get("apiThumbprint")) == pin


def run(mod):
    p = mod.params
    cloud_pin = normalize_thumbprint(p["cloud_thumbprint"], "cloud_thumbprint") if p["cloud_url"] else None
    ls_pin = normalize_thumbprint(p["lookup_service_thumbprint"], "lookup_service_thumbprint") if p["lookup_service_url"] else None
    org = _org(p) if p["cloud_url"] else None
    client = mod.vcda
    rec = mod.reconciler()
    outcomes = {}
    config = client.config() or {}
    if p["site_name"] is not None:
        if config.get("site") and config["site"] != p["site_name"]:
            raise InputError("site_name: the site is already '%s' and can never change" % config["site"], option="site_name")
        outcomes["site"] = rec.present({"name": config["site"]} if config.get("site") else None, {"name": p["site_name"]},
                                       create=lambda d: onprem.set_site(client, d["name"]))
    if p["lookup_service_url"]:
        live = {"url": config["lsUrl"], "thumbprint": normalize_thumbprint(config.get("lsThumbprint"))} if config.get("lsUrl") else None
        desired = {"url": p["lookup_service_url"], "thumbprint": ls_pin}
        if live and same_url(live["url"], desired["url"]):
            live["url"] = desired["url"]

        def set_ls(*_args):
            client.set_lookup_service(p["lookup_service_url"], ls_pin, p["sso_user"] if p["sso_password"] else None,
                                      p["sso_password"])
        outcomes["lookup_service"] = rec.present(live, desired, create=set_ls, update=set_ls)
    cloud = onprem.cloud_site(client) if config.get("site") else None
    if p["cloud_url"]:
        live = None
        if cloud and not p["cloud_repoint"] and not same_cloud(cloud, p["cloud_url"], cloud_pin):
            raise InputError("cloud_url: this appliance is paired with the cloud site '%s' at %s (certificate %s); "
                             "%s with certificate %s is a different cloud: unpair first, or set cloud_repoint=true "
                             "to move the pairing" % (cloud.get("site"), cloud.get("apiUrl"), cloud.get("apiThumbprint"),
                                                      p["cloud_url"], cloud_pin), option="cloud_url")
        if cloud:
            live = {"url": p["cloud_url"] if same_url(cloud.get("apiUrl"), p["cloud_url"]) else cloud.get("apiUrl"),
                    "thumbprint": cloud.get("apiThumbprint"), "org": cloud.get("org"), "healthy": not site_comm_errors(cloud)}
        desired = {"url": p["cloud_url"], "thumbprint": cloud_pin, "org": org, "healthy": True}
        creds = onprem.credentials(p["cloud_user"], p["cloud_password"], p["cloud_api_token"], org)
        access = p["allow_access_from_cloud"]
        if access is None:
            access = onprem.cloud_access(client) if config.get("site") else False

        def do_pair(*_args):
            onprem.pair(client, p["cloud_url"], cloud_pin, creds, access, p["site_description"], (cloud or {}).get("site"))
        outcomes["cloud"] = rec.present(live, desired, create=do_pair, update=do_pair)
    if p["allow_access_from_cloud"] is not None:
        live_access = onprem.cloud_access(client) if config.get("site") else None
        if "cloud" in outcomes and outcomes["cloud"].changed:
            live_access = p["allow_access_from_cloud"]  # sent with the pairing
        outcomes["allow_access_from_cloud"] = rec.present(
            {"enabled": live_access} if live_access is not None else None, {"enabled": p["allow_access_from_cloud"]},
            create=lambda d: onprem.set_cloud_access(client, d["enabled"]),
            update=lambda _l, d: onprem.set_cloud_access(client, d["enabled"]))
    placement = onprem.placement(client) if config.get("site") else {}
    if p["placement"]:
        names = dict((k, v) for k, v in p["placement"].items() if v is not None)
        if "lookup_service" in outcomes and outcomes["lookup_service"].pending:
            # the inventory is readable once the lookup service is set: predict
            outcomes["placement"] = rec.present(None, names)
            return mod.result(Outcome.combine(outcomes), cloud_site=cloud, placement=placement)
        resolved = onprem.resolve_placement(client, names)
        live = dict((k, (placement.get(k) or {}).get("name")) for k in names) if any(placement.values()) else None
        outcomes["placement"] = rec.present(live, names, create=lambda _d: onprem.set_placement(client, resolved),
                                            update=lambda _l, _d: onprem.set_placement(client, dict(
                                                ((k, v) for k, v in placement.items() if v), **resolved)))

    outcome = Outcome.combine(outcomes)
    cloud, placement = rec.follow(outcome, lambda: onprem.settled(client, bool(p["cloud_url"]))) or (cloud, placement)
    return mod.result(outcome, cloud_site=cloud, placement=placement)


def main():
    module = VcdaModule(dict(
        site_name=dict(type="str"), site_description=dict(type="str"),
        lookup_service_url=dict(type="str"), lookup_service_thumbprint=dict(type="str"),
        sso_user=dict(type="str", default="administrator@vsphere.local"), sso_password=dict(type="str", no_log=True),
        cloud_url=dict(type="str"), cloud_thumbprint=dict(type="str"), cloud_org=dict(type="str"),
        cloud_user=dict(type="str"), cloud_password=dict(type="str", no_log=True), cloud_api_token=dict(type="str", no_log=True),
        cloud_repoint=dict(type="bool", default=False),
        allow_access_from_cloud=dict(type="bool"),
        placement=dict(type="dict", options=dict(folder=dict(type="str"), cluster=dict(type="str"),
                                                 network=dict(type="str"), datastore=dict(type="str"))),
    ), required_together=[("lookup_service_url", "lookup_service_thumbprint"), ("cloud_url", "cloud_thumbprint"),
                          ("cloud_user", "cloud_password")],
        mutually_exclusive=[("cloud_user", "cloud_api_token")])
    module.run(run)


if __name__ == "__main__":
    main()
