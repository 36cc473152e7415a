# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live progress of a long module in the playbook output, shared by the action plugins.

The module writes a small JSON document to the file named by ``CLOUDMOVE_PROGRESS_FILE``; the action plugin
creates that file on the controller, runs the module and, from a thread, reads the document every half second
and shows what is new. On a remote host, or with ``async``, the file is not readable here: the module runs
without live progress.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile
import threading

PROGRESS_ENV = "CLOUDMOVE_PROGRESS_FILE"


def read(path):
    """The progress document at ``path``, or None while there is none (not written yet, or half written)."""
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


class Watcher(threading.Thread):
    """Calls :meth:`poll` every ``interval`` seconds until :attr:`stopped` is set, and once more at the end."""

    def __init__(self, path, interval=0.5):
        super(Watcher, self).__init__(daemon=True)
        self.path = path
        self.interval = interval
        self.stopped = threading.Event()

    def poll(self):
        raise NotImplementedError

    def run(self):
        while not self.stopped.wait(self.interval):
            self.poll()
        self.poll()


def execute(plugin, module, task_vars, prefix, watcher):
    """Run ``module`` from the action ``plugin``; on the controller with a progress file and
    ``watcher(path, host)`` (a :class:`Watcher`) showing it. The task's environment is restored and the file
    removed afterwards."""
    task = plugin._task  # pylint: disable=protected-access
    if plugin._connection.transport != "local" or task.async_val:  # pylint: disable=protected-access
        return plugin._execute_module(module_name=module, task_vars=task_vars,  # pylint: disable=protected-access
                                      wrap_async=task.async_val)
    handle, path = tempfile.mkstemp(prefix=prefix, suffix=".json")
    os.close(handle)
    os.unlink(path)
    environment = task.environment
    extra = [{PROGRESS_ENV: path}]
    if isinstance(environment, list):
        task.environment = environment + extra
    elif environment:
        task.environment = [environment] + extra
    else:
        task.environment = extra
    thread = watcher(path, (task_vars or {}).get("inventory_hostname", "localhost"))
    thread.start()
    try:
        return plugin._execute_module(module_name=module, task_vars=task_vars)  # pylint: disable=protected-access
    finally:
        thread.stopped.set()
        thread.join(5)
        task.environment = environment
        for leftover in (path, path + ".tmp"):
            if os.path.exists(leftover):
                os.unlink(leftover)
