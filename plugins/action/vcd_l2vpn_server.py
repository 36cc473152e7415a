# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs ``vcd_l2vpn_server``; a result that carries the NSX-T peer code (``return_peer_code``) is
marked ``no_log`` so that no callback prints it at any verbosity, while the registered variable keeps
it for the client task. A one-line summary without secrets is displayed instead.

Why not ``module.add_secret()``: Ansible replaces registered secrets by ``********`` in the module's
own return values, so the peer code could not be passed on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()


def summary(result):
    tunnels = ", ".join("%s=%s" % (k, v) for k, v in sorted((result.get("tunnels") or {}).items())) or "none"
    return "vcd_l2vpn_server: %s, tunnel %s, tunnel ids: %s (peer code returned, result hidden)" % (
        "changed" if result.get("changed") else "ok", result.get("tunnel_id"), tunnels)


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        result.update(self._execute_module(module_name="cloudmove.vcda.vcd_l2vpn_server",
                                           module_args=self._task.args, task_vars=task_vars))
        if result.get("peer_code"):
            result["_ansible_no_log"] = True
            display.display(summary(result))
        return result
