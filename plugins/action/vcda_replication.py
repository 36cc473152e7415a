# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs ``vcda_replication`` (and, by subclass, ``vcda_migration_wave``) and shows its progress lines (sync
percentage, operations, cutover batches) in the playbook output while it runs.

The module appends its lines to the JSON file named by ``CLOUDMOVE_PROGRESS_FILE`` (``{"lines", "count"}``); this
plugin creates that file on the controller and prints each new line from a thread. On a remote host, or with
``async``, the module runs without live progress (its result still carries ``progress``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile
import threading

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()

PROGRESS_ENV = "CLOUDMOVE_PROGRESS_FILE"


class LineWatcher(threading.Thread):
    def __init__(self, path, prefix, interval=0.5):
        super(LineWatcher, self).__init__(daemon=True)
        self.path = path
        self.prefix = prefix
        self.interval = interval
        self.stopped = threading.Event()
        self.shown = 0

    def poll(self):
        try:
            with open(self.path) as handle:
                doc = json.load(handle)
        except (OSError, ValueError):
            return
        lines, count = doc.get("lines") or [], doc.get("count") or 0
        new = lines[max(0, len(lines) - (count - self.shown)):] if count > self.shown else []
        for line in new:
            display.display("%s %s" % (self.prefix, line))
        self.shown = max(self.shown, count)

    def run(self):
        while not self.stopped.wait(self.interval):
            self.poll()
        self.poll()


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True
    MODULE = "cloudmove.vcda.vcda_replication"

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        if self._connection.transport != "local" or self._task.async_val:
            result.update(self._execute_module(module_name=self.MODULE, task_vars=task_vars,
                                               wrap_async=self._task.async_val))
            return result
        handle, path = tempfile.mkstemp(prefix="cloudmove-replication-progress-", suffix=".json")
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
        host = (task_vars or {}).get("inventory_hostname", "localhost")
        watcher = LineWatcher(path, "[%s] %s" % (host, self.MODULE.rsplit(".", maxsplit=1)[-1]))
        watcher.start()
        try:
            result.update(self._execute_module(module_name=self.MODULE, task_vars=task_vars))
        finally:
            watcher.stopped.set()
            watcher.join(5)
            self._task.environment = environment
            for leftover in (path, path + ".tmp"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
        return result
