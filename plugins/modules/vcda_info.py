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
  - Parts the appliance type or API version does not serve (for example replicators on a tunnel or on a 4.x
    Cloud Service, or C(GET /sites) where it is missing), and parts a Cloud Director login (O(auth_type=vcd) or
    O(auth_type=vcd_token)) may not read, are left out and named in RV(unavailable). Pointed at
    a Manager Service (C(https://<cloud>:8441)), a replicator or a tunnel, it still reports what that service has.
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes.info_module
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
  description:
    - V(cloud), V(manager), V(replicator), V(tunnel), V(onprem) or V(unknown) (from C(about.serviceType), compared
      without regard to case).
  returned: always
  type: str
unavailable:
  description: The asked parts this appliance type or version does not serve (left out of the result).
  returned: always
  type: list
  elements: str
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

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import ApiError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import health_problems
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule

# What each service serves besides about, config, password and health.
SERVED = {"cloud": ("license", "endpoints", "telemetry", "tunnels", "sites"), "manager": ("replicators",),
          "onprem": ("telemetry", "sites")}
COMMON = ("about", "config", "password", "health")


def run(mod):
    client = mod.vcda
    subset = set(mod.params["gather_subset"])
    if "all" in subset:
        subset = set(["about", "config", "password", "license", "endpoints", "telemetry", "health", "replicators",
                      "tunnels", "sites"])
    kind = client.appliance_type()
    result = dict(changed=False, appliance_type=kind, api_version=client.api_version, unavailable=[])
    served = set(COMMON) | set(SERVED.get(kind, ()))
    if kind in client.path("replicator_owner"):  # 3.x: the cloud appliance is the manager
        served.add("replicators")
    result["unavailable"] = sorted(subset - served)
    subset &= served
    readers = dict(
        about=client.about, config=client.config, password=client.password_status, endpoints=client.endpoints,
        telemetry=client.telemetry, replicators=client.replicators, tunnels=client.tunnels,
        sites=lambda: client.get_or_none("/sites"),
    )
    for name in sorted(subset):
        try:
            read(name, client, readers, result)
        except ApiError as error:
            # 404/405: a path this service or version does not serve; 403: a part this login may not read (a
            # Cloud Director user, auth_type vcd or vcd_token, reads less than the appliance's root)
            if error.status not in (404, 405) and not (error.status == 403 and mod.params["auth_type"] in ("vcd", "vcd_token")):
                raise
            result["unavailable"] = sorted(result["unavailable"] + [name])
    return result


def read(name, client, readers, result):
    """One part into ``result`` (ApiError when the appliance does not serve it)."""
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


def main():
    choices = ["all", "about", "config", "password", "license", "endpoints", "telemetry", "health", "replicators",
               "tunnels", "sites"]
    module = VcdaModule(dict(gather_subset=dict(type="list", elements="str", default=["all"], choices=choices)))
    module.run(run)


if __name__ == "__main__":
    main()
