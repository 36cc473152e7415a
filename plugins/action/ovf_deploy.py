# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs ``ovf_deploy`` and shows its upload progress in the playbook output while it runs.

The module writes a small JSON progress document to the file named by the environment
variable ``CLOUDMOVE_PROGRESS_FILE``; this plugin creates that file on the controller, polls
it from a thread and prints a line whenever the upload passes another 10 % (or every 15 s).
That works in ansible-playbook and in AWX job output. When the module runs on a remote host
the file is not readable here, and the module runs without live progress.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile
import threading
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

PROGRESS_ENV = "CLOUDMOVE_PROGRESS_FILE"


def progress_line(doc):
    total = doc.get("total") or 0
    done = doc.get("done") or 0
    elapsed = doc.get("elapsed") or 0
    percent = int(done * 100 // total) if total else 0
    rate = done / elapsed / 1e6 if elapsed else 0.0
    return "%s: uploaded %d%% (%d of %d MiB, %.1f MB/s)" % (
        doc.get("name"), percent, done >> 20, total >> 20, rate)


class ProgressWatcher(threading.Thread):
    def __init__(self, path, host, interval=0.5, heartbeat=15.0):
        super(ProgressWatcher, self).__init__(daemon=True)
        self.path = path
        self.host = host
        self.interval = interval
        self.heartbeat = heartbeat
        self.stopped = threading.Event()
        self.lines = []

    def poll(self, state):
        try:
            with open(self.path) as handle:
                doc = json.load(handle)
        except (OSError, ValueError):
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

    def run(self):
        state = {"step": -1, "when": time.monotonic()}
        while not self.stopped.wait(self.interval):
            self.poll(state)
        self.poll(state)


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        local = self._connection.transport == "local"
        if not local or self._task.async_val:
            result.update(self._execute_module(module_name="cloudmove.vcda.ovf_deploy", task_vars=task_vars,
                                               wrap_async=self._task.async_val))
            return result
        handle, path = tempfile.mkstemp(prefix="cloudmove-ovf-progress-", suffix=".json")
        os.close(handle)
        os.unlink(path)
        environment = self._task.environment
        extra = [{PROGRESS_ENV: path}]
        if isinstance(environment, list):
            self._task.environment = environment + extra
        elif environment:
            self._task.environment = [environment] + extra
        else:
            self._task.environment = extra
        watcher = ProgressWatcher(path, task_vars.get("inventory_hostname", "localhost") if task_vars else "localhost")
        watcher.start()
        try:
            result.update(self._execute_module(module_name="cloudmove.vcda.ovf_deploy", task_vars=task_vars))
        finally:
            watcher.stopped.set()
            watcher.join(5)
            self._task.environment = environment
            for leftover in (path, path + ".tmp"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
        return result
