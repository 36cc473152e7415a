#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_service
short_description: Restart the services of a Cloud Director Availability appliance and wait until it is healthy
version_added: 0.1.0
description:
  - O(state=restarted) restarts the services of the appliance (C(POST /os/reboot-services)) and reports
    C(changed=true). A restart is an action, not a state; run it from a handler or with C(when:) so that a
    re-run of the playbook does not restart again (see the examples).
  - O(state=healthy) only waits until the system health is green and never changes anything.
  - With O(wait_healthy=true) (the default) the module waits up to O(timeout) seconds until every health
    item is green (lookup service, Cloud Director, tunnel, replicators, manager...) and fails naming the red items.
  - The restart call is inferred for API 4.x (the contract only shows it for 3.x); an appliance that does not
    serve it fails with a clear "unsupported" message. Restart the VM through vSphere instead.
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: O(state=restarted) reports the restart it would do without doing it; O(state=healthy) reads the health.
  diff_mode:
    support: full
    details: Shows the services as V(running) before and V(restarted) after a restart.
options:
  state:
    description:
      - V(restarted) restarts the services (always C(changed=true)).
      - V(healthy) waits for green health (always C(changed=false)).
    type: str
    choices: [restarted, healthy]
    required: true
  wait_healthy:
    description: Wait until the health is green (after the restart with O(state=restarted)).
    type: bool
    default: true
  ignore:
    description:
      - Health items not to wait for, by name as reported in C(problems), for example V(tunnelError) before
        the tunnel exists, or V(managerHealth.offlineReplicators).
      - Known names are V(lsError), V(dbError), V(ntpError), V(vcdError), V(managerError), V(tunnelError),
        V(hbrError), V(lwdError), V(h4dmError), V(managerHealth.ssoAdminError), V(managerHealth.offlineReplicators)
        and V(offlineManagers); any other name is an error.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Configure the tunnel (API 3.x needs a restart afterwards)
  cloudmove.vcda.vcda_tunnel:
    url: https://127.0.1.11:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    tunnel_url: https://127.0.1.13:8047
    tunnel_thumbprint: "{{ tunnel_thumbprint }}"
    tunnel_password: "{{ vcda_root_password }}"
  register: tunnel

- name: Restart the services only when something changed
  cloudmove.vcda.vcda_service:
    url: https://127.0.1.11:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    state: restarted
  when: tunnel is changed

- name: Wait until every connection is green
  cloudmove.vcda.vcda_service:
    url: https://127.0.1.11:8046
    thumbprint: "{{ cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    state: healthy
    timeout: 120
"""

RETURN = r"""
restarted:
  description: Whether the services were restarted (or would be, in check mode).
  returned: always
  type: bool
healthy:
  description: Whether the health was green at the end (null when not checked).
  returned: always
  type: bool
problems:
  description: The red health items, each as C(<name>) colon C(<code> <message>).
  returned: always
  type: list
  elements: str
health:
  description: The last system health data read.
  returned: when read
  type: dict
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import ApiError, CloudmoveError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.validate import known_names
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.client import HEALTH_ITEMS, health_problems
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule


def wait_healthy(client, timeout, ignore):
    """Poll health (capped backoff) until no red item is left; TimeoutExpired names the red items."""
    poller = Poller(timeout, first=1.0, cap=5.0, factor=1.5, clock=client.clock, sleep=client.sleep)

    def probe():
        health = client.health(timeout=max(1, poller.remaining()))
        return health, [p for p in health_problems(health) if p.split(":", 1)[0] not in ignore]
    # restarting: 503, resets, a failed health task are "not yet"
    return poller.until(probe, lambda value: not value[1], "green health of %s" % client.url,
                        last_state=lambda value: "red: " + "; ".join(value[1]), transient=(ApiError, CloudmoveError))


def restart(client):
    try:
        client.reboot_services()
    except ApiError as error:
        if error.status in inferred.REBOOT_SERVICES_UNSUPPORTED:
            raise CloudmoveError(
                "restarting the services is unsupported on this appliance (API %s): POST %s answered HTTP %s; "
                "restart the appliance VM instead (for example with vmware_guest_powerstate state=restarted)"
                % (client.api_version, inferred.REBOOT_SERVICES_PATH, error.status))
        raise


def run(mod):
    p = mod.params
    known_names(p["ignore"], HEALTH_ITEMS, "ignore")
    client = mod.vcda
    restarting = p["state"] == "restarted"
    outcome = mod.reconciler().act(restarting, {"services": "running"},
                                   {"services": "restarted" if restarting else "running"},
                                   apply=lambda: restart(client), action="restart")
    result = dict(restarted=restarting, healthy=None, problems=[])
    if outcome.pending:
        return mod.result(outcome, **result)  # nothing restarted: the health after a restart is unknown
    if p["wait_healthy"] or p["state"] == "healthy":
        if mod.check_mode and client.about() is not None and client.predicted_fresh:
            # a fresh appliance whose password change is only predicted: health unknown (null)
            return mod.result(outcome, **result)
        health, problems = wait_healthy(client, p["timeout"], set(p["ignore"]))
        result.update(healthy=not problems, problems=problems, health=health)
    return mod.result(outcome, **result)


def main():
    module = VcdaModule(dict(
        state=dict(type="str", required=True, choices=["restarted", "healthy"]),
        wait_healthy=dict(type="bool", default=True),
        ignore=dict(type="list", elements="str", default=[]),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
