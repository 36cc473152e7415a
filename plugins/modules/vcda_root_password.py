#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vcda_root_password
short_description: Change the root password of a Cloud Director Availability appliance
version_added: 0.1.0
description:
  - Changes the root password of a Cloud Director Availability appliance (cloud, replicator, tunnel or
    on-premises) from O(password) to O(new_password), as the first login after deployment requires
    (the initial password is expired).
  - Idempotent without storing anything; the module first tries to log in with O(new_password). When that
    works the password is already set and nothing changes.
  - Otherwise it logs in with O(password) and changes the password when it is expired or when
    O(update_password=always) (rotation).
extends_documentation_fragment:
  - cloudmove.vcda.vcda
  - cloudmove.vcda.rest
  - cloudmove.vcda.attributes
attributes:
  check_mode:
    support: full
    details: Logs in to find out which password is in use and whether it is expired; changes nothing.
  diff_mode:
    support: full
    details: Shows which of the two passwords is in use and whether it is expired, never a password.
options:
  password:
    description:
      - The current root password (the initial one on a new appliance). Required.
      - Taken from E(VCDA_PASSWORD) when unset.
    type: str
  new_password:
    description: The root password to set.
    type: str
    required: true
  update_password:
    description:
      - V(on_expiry) changes the password only when it is expired (first boot, or expired by age).
      - V(always) changes it whenever the appliance does not accept O(new_password) yet (rotation).
    type: str
    choices: [on_expiry, always]
    default: on_expiry
  rotate:
    description: Same as O(update_password=always).
    type: bool
    default: false
notes:
  - Always logs in as V(root) with a local session; O(username) and O(auth_type) must keep their defaults.
  - The appliance checks the password rule (length, character classes, not the current password).
"""

EXAMPLES = r"""
- name: Set the root password of a freshly deployed appliance
  cloudmove.vcda.vcda_root_password:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_cloud_thumbprint }}"
    password: Vcda-Init-1!
    new_password: "{{ vcda_root_password }}"

- name: Rotate it
  cloudmove.vcda.vcda_root_password:
    url: https://127.0.1.11:8046
    thumbprint: "{{ site1_cloud_thumbprint }}"
    password: "{{ vcda_root_password }}"
    new_password: "{{ vcda_next_root_password }}"
    update_password: always
"""

RETURN = r"""
password_in_use:
  description: Which password the appliance accepts after the run (or would, in check mode).
  returned: always
  type: str
  sample: new_password
password_expired:
  description: Whether the password in use was expired before the run.
  returned: always
  type: bool
seconds_until_expiration:
  description: Seconds until the password in use expires, as the appliance reported before the run.
  returned: always
  type: int
"""

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import ApiError, InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule


def _try_login(mod, password):
    client = mod.client(mod.params["url"], password, thumbprint=mod.params["thumbprint"])
    try:
        client.login()
    except ApiError as error:
        if error.status in (400, 401, 403):
            return None
        raise
    return client


def run(mod):
    params = mod.params
    if params["auth_type"] != "local" or params["username"] != "root":
        raise InputError("auth_type/username: the root password is changed in a local root session; keep the defaults",
                         option="auth_type")
    always = params["rotate"] or params["update_password"] == "always"
    client = _try_login(mod, params["new_password"])
    if client is not None:
        status = client.password_status()
        if status.get("rootPasswordExpired"):
            raise InputError("new_password: the appliance accepts new_password but it is expired; give a different "
                             "new_password (the appliance refuses to set the current password again)",
                             option="new_password")
        state = dict(password_in_use="new_password", password_expired=False)
        outcome = mod.reconciler().act(False, state, state)
        return mod.result(outcome, seconds_until_expiration=status.get("secondsUntilExpiration"), **state)
    client = _try_login(mod, params["password"])
    if client is None:
        raise InputError("password: the appliance %s accepts neither password nor new_password for root"
                         % params["url"], option="password")
    status = client.password_status()
    expired = bool(status.get("rootPasswordExpired"))
    before = dict(password_in_use="password", password_expired=expired)
    change = expired or always
    after = dict(password_in_use="new_password", password_expired=False) if change else before
    outcome = mod.reconciler().act(change, before, after, action="change",
                                   apply=lambda: client.change_root_password(params["password"], params["new_password"]))
    shown = dict(password_in_use="new_password", password_expired=expired) if change else before
    return mod.result(outcome, seconds_until_expiration=status.get("secondsUntilExpiration"), **shown)


def main():
    module = VcdaModule(dict(
        new_password=dict(type="str", required=True, no_log=True),
        update_password=dict(type="str", default="on_expiry", choices=["on_expiry", "always"], no_log=False),
        rotate=dict(type="bool", default=False),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
