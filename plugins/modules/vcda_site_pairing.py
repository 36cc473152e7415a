#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_site_pairing
short_description: Pair two Cloud Director Availability cloud sites
version_added: 0.1.0
description:
  - Pairs the cloud site at O(url) with the remote cloud site whose public API is O(remote_url)
    (C(POST /sites), a task), waits for the task and checks the pairing from the local side (C(GET /sites)).
  - A pairing is visible from both sites, so running the module on the other site with this site's URL changes
    nothing once paired.
  - When the remote certificate is no longer the one the pairing trusts, or either side reports a communication
    error, the pairing is repaired (C(PUT /sites/{site})).
  - Two sites that present the same certificate (one wildcard certificate on both) cannot be paired; the module
    says so before calling the API.
  - O(state=absent) unpairs (C(DELETE /sites/{site})).
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Reads both sides' view and the remote certificate, predicts pair, repair or unpair, changes nothing.
  diff_mode:
    support: full
    details: Shows the remote site, its URL, the trusted thumbprint and whether the link is healthy.
options:
  remote_url:
    description:
      - Public API URL of the remote cloud site, for example V(https://vcda-site2.example.com:443).
    type: str
    required: true
  remote_site:
    description:
      - Name of the remote site. When set, the pairing is found by this name and the remote must carry it.
      - When unset, the pairing is found by O(remote_url).
    type: str
  remote_thumbprint:
    description:
      - SHA-256 thumbprint of the remote site's certificate, pinned as is (the local site checks it while pairing).
      - Exactly one of O(remote_thumbprint) and O(accept_remote_certificate) is required with O(state=present).
    type: str
  accept_remote_certificate:
    description:
      - The thumbprint the remote certificate is expected to have. The local site fetches the certificate
        (C(GET /config/remote-certificate)) and the module pairs only when it matches, failing before any change
        otherwise.
    type: str
  description:
    description: Description sent with the pairing. Not compared on later runs.
    type: str
  state:
    description: V(present) pairs (or repairs), V(absent) unpairs.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Pair site1 with site2
  cloudmove.vcda.vcda_site_pairing:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    password: "{{ vcda_root_password }}"
    remote_url: https://127.0.1.21:8046
    remote_site: site2
    accept_remote_certificate: "{{ site2_thumbprint }}"

- name: Unpair
  cloudmove.vcda.vcda_site_pairing:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_thumbprint }}"
    password: "{{ vcda_root_password }}"
    remote_url: https://127.0.1.21:8046
    remote_site: site2
    state: absent
"""

RETURN = r"""
site:
  description: The paired site as the local site reports it (C(GET /sites) entry); empty after unpairing.
  returned: always
  type: dict
action:
  description: V(pair), V(repair), V(unpair) or null when nothing was needed.
  returned: always
  type: str
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError, TaskFailed, TlsError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import site_comm_errors
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule


def _pin(mod, client, local):
    p = mod.params
    if p["remote_thumbprint"]:
        pin = normalize_thumbprint(p["remote_thumbprint"], "remote_thumbprint")
    else:
        pin = normalize_thumbprint(p["accept_remote_certificate"], "accept_remote_certificate")
    if pin == normalize_thumbprint(local.get("apiThumbprint")):
        raise InputError("remote_thumbprint: the remote site presents the same certificate as the local site %s (%s). "
                         "Paired sites need different certificates: a wildcard certificate cannot be used on both; give "
                         "each site its own certificate (POST /config/certificate), then pair."
                         % (local.get("site"), pin), option="remote_thumbprint")
    if p["accept_remote_certificate"] and not client.predicted_fresh:  # a locked fresh appliance cannot fetch it
        actual = client.remote_certificate(p["remote_url"])["thumbprint"]
        if actual == normalize_thumbprint(local.get("apiThumbprint")):
            raise InputError("accept_remote_certificate: %s presents the same certificate as the local site (%s); "
                             "a wildcard certificate cannot be used on both paired sites." % (p["remote_url"], actual),
                             option="accept_remote_certificate")
        if actual != pin:
            raise TlsError("accept_remote_certificate: %s presents a certificate with thumbprint %s (as the local site "
                           "sees it), not %s" % (p["remote_url"], actual, pin))
    return pin


def _view(site):
    if site is None:
        return None
    return {"site": site.get("site"), "url": site.get("apiUrl"), "thumbprint": site.get("apiThumbprint"),
            "healthy": not site_comm_errors(site)}


def run(mod):
    p = mod.params
    client = mod.vcda
    local = client.local_site()
    if local is None and client.predicted_fresh:
        local = {}  # check mode on a fresh site: the site an earlier vcda_cloud_site task only predicted
    if local is None:
        raise InputError("url: the local site has no site name yet; set it up first (cloudmove.vcda.vcda_cloud_site)",
                         option="url")
    if p["remote_site"] and p["remote_site"] == local.get("site"):
        raise InputError("remote_site: '%s' is the local site" % p["remote_site"], option="remote_site")
    live_site = client.find_site(name=p["remote_site"], url=p["remote_url"])
    live = _view(live_site)
    if p["state"] == "absent":
        outcome = mod.reconciler().absent(
            live, delete=lambda obj: client.unpair_site(obj["site"]), keys=["site", "url", "thumbprint", "healthy"])
        return mod.result(outcome, site={}, action=outcome.action and "unpair")
    pin = _pin(mod, client, local)
    desired = {"site": p["remote_site"] or (live or {}).get("site"), "url": (live or {}).get("url") or p["remote_url"],
               "thumbprint": pin, "healthy": True}

    def create(_desired):
        client.pair_site(p["remote_url"], pin, p["remote_site"], p["description"])

    def update(current, _delta):
        client.repair_site(current["site"], p["remote_url"], pin, p["description"])

    def settle():
        site = client.settled_site(name=p["remote_site"] or (live or {}).get("site"), url=p["remote_url"])
        if site is None:
            raise TaskFailed("the pairing task succeeded but %s does not list %s" % (p["url"], p["remote_url"]))
        problems = site_comm_errors(site)
        if problems:
            raise TaskFailed("paired with %s, but the link is not healthy: %s" % (site.get("site"), "; ".join(problems)))
        return site

    rec = mod.reconciler()
    outcome = rec.present(live, desired, create=create, update=update)
    site = rec.follow(outcome, settle) or live_site
    action = {"create": "pair", "update": "repair"}.get(outcome.action)
    return mod.result(outcome, site=site or outcome.after, action=action)


def main():
    module = VcdaModule(dict(
        remote_url=dict(type="str", required=True),
        remote_site=dict(type="str"),
        remote_thumbprint=dict(type="str"),
        accept_remote_certificate=dict(type="str"),
        description=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), mutually_exclusive=[("remote_thumbprint", "accept_remote_certificate")],
        required_if=[("state", "present", ("remote_thumbprint", "accept_remote_certificate"), True)])
    module.run(run)


if __name__ == "__main__":
    main()
