#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_info
short_description: Read the configuration and health of a Cloud Director Availability appliance
version_added: 0.1.0
description:
  - Reads what a Cloud Director Availability appliance reports about itself; changes nothing.
  - Parts the appliance type or API version does not serve (for example replicators on a tunnel, or
    C(GET /sites) where it is missing) are left out.
author:
  - cloudmove.vcda maintainers (@cloudmove)
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.attributes
  - cloudmove.vcda.attributes.info_module
  - cloudmove.vcda.attributes.vcda_group
options:
  gather_subset:
    description:
      - What to read. V(all) reads everything; V(health) runs a health check (a task of a few seconds).
    type: list
    elements: str
    choices: [all, about, config, password, license, endpoints, telemetry, health, replicators, tunnels, sites]
    default: [all]
"""

EXAMPLES = r"""
- name: What is configured on site1?
  cloudmove.vcda.vcda_info:
    url: https://127.0.1.11:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    gather_subset: [about, config, replicators]
  register: site1
"""

RETURN = r"""
appliance_type:
  description: V(cloud), V(replicator), V(tunnel), V(onprem) (from C(about.serviceType)).
  returned: always
  type: str
api_version:
  description: API version in use, for example V(4.7).
  returned: always
  type: str
about:
  description: C(GET /diagnostics/about).
  returned: when asked
  type: dict
config:
  description: C(GET /config).
  returned: when asked
  type: dict
password:
  description: Root password expiry (C(rootPasswordExpired), C(secondsUntilExpiration)).
  returned: when asked
  type: dict
license:
  description: Licence state (C(isLicensed), C(expirationDate), C(hasKey)); never the key. Cloud appliances only.
  returned: when asked
  type: dict
endpoints:
  description: C(GET /config/endpoints). Cloud appliances only.
  returned: when asked
  type: dict
telemetry:
  description: C(GET /config/telemetry).
  returned: when asked
  type: dict
health:
  description: System health data, plus C(problems) (the red items).
  returned: when asked
  type: dict
replicators:
  description: Registered replicators. Cloud appliances only.
  returned: when asked
  type: list
  elements: dict
tunnels:
  description: Configured tunnels (C(id), C(url), C(certificate)). Cloud appliances only.
  returned: when asked
  type: list
  elements: dict
sites:
  description: C(GET /sites), when the appliance serves it.
  returned: when asked and served
  type: list
  elements: dict
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import health_problems
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule

CLOUD_ONLY = ("license", "endpoints", "replicators", "tunnels", "sites")


def run(mod):
    client = mod.vcda
    subset = set(mod.params["gather_subset"])
    if "all" in subset:
        subset = set(["about", "config", "password", "license", "endpoints", "telemetry", "health", "replicators",
                      "tunnels", "sites"])
    kind = client.appliance_type()
    result = dict(changed=False, appliance_type=kind, api_version=client.api_version)
    if kind != "cloud":
        subset -= set(CLOUD_ONLY)
    readers = dict(
        about=client.about, config=client.config, password=client.password_status, endpoints=client.endpoints,
        telemetry=client.telemetry, replicators=client.replicators, tunnels=client.tunnels,
        sites=lambda: client.get_or_none("/sites"),
    )
    for name in sorted(subset):
        if name == "license":
            lic = client.license() or {}
            result["license"] = dict(isLicensed=lic.get("isLicensed"), expirationDate=lic.get("expirationDate"),
                                     hasKey=bool(lic.get("key")))
        elif name == "health":
            health = dict(client.health() or {})
            health["problems"] = health_problems(health)
            result["health"] = health
        else:
            value = readers[name]()
            if value is not None:
                result[name] = value
    return result


def main():
    choices = ["all", "about", "config", "password", "license", "endpoints", "telemetry", "health", "replicators",
               "tunnels", "sites"]
    module = VcdaModule(dict(gather_subset=dict(type="list", elements="str", default=["all"], choices=choices)))
    module.run(run)


if __name__ == "__main__":
    main()
