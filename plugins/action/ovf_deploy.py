# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs ``ovf_deploy`` and shows its upload progress in the playbook output while it runs.

The module writes a small JSON progress document to the file named by the environment
variable ``CLOUDMOVE_PROGRESS_FILE`` (``plugin_utils/_progress.py`` runs it); this plugin prints a
line whenever the upload passes another 10 % (or every 15 s). That works in ansible-playbook and
in AWX job output. When the module runs on a remote host the module runs without live progress.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.cloudmove.vcda.plugins.plugin_utils import _progress

display = Display()


def progress_line(doc):
    total = doc.get("total") or 0
    done = doc.get("done") or 0
    elapsed = doc.get("elapsed") or 0
    percent = int(done * 100 // total) if total else 0
    rate = done / elapsed / 1e6 if elapsed else 0.0
    return "%s: uploaded %d%% (%d of %d MiB, %.1f MB/s)" % (
        doc.get("name"), percent, done >> 20, total >> 20, rate)


class ProgressWatcher(_progress.Watcher):
    """Shows a line at every further 10 % of the upload (or every ``heartbeat`` seconds)."""

    def __init__(self, path, host, interval=0.5, heartbeat=15.0):
        super(ProgressWatcher, self).__init__(path, interval)
        self.host = host
        self.heartbeat = heartbeat
        self.state = {"step": -1, "when": time.monotonic()}
        self.lines = []

    def poll(self, state=None):
        state = self.state if state is None else state
        doc = _progress.read(self.path)
        if doc is None:
            return
        total = doc.get("total") or 0
        step = int(doc.get("done", 0) * 10 // total) if total else 0
        now = time.monotonic()
        if step > state["step"] or now - state["when"] >= self.heartbeat:
            state["step"], state["when"] = step, now
            line = progress_line(doc)
            if line != state.get("line"):
                state["line"] = line
                self.lines.append(line)
                display.display("[%s] ovf_deploy %s" % (self.host, line))


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        result.update(_progress.execute(self, "cloudmove.vcda.ovf_deploy", task_vars, "cloudmove-ovf-progress-",
                                        ProgressWatcher))
        return result
