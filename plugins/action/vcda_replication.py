# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs ``vcda_replication`` (and, by subclass, ``vcda_migration_wave``) and shows its progress lines (sync
percentage, operations, cutover batches) in the playbook output while it runs.

The module appends its lines to the JSON file named by ``CLOUDMOVE_PROGRESS_FILE`` (``{"lines", "count"}``); this
plugin prints each new line (``plugin_utils/_progress.py``). On a remote host, or with ``async``, the module runs
without live progress (its result still carries ``progress``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.cloudmove.vcda.plugins.plugin_utils import _progress

display = Display()


class LineWatcher(_progress.Watcher):
    """Shows each line the module added since the last poll (``{"lines": [...], "count": n}``)."""

    def __init__(self, path, prefix, interval=0.5):
        super(LineWatcher, self).__init__(path, interval)
        self.prefix = prefix
        self.shown = 0

    def poll(self):
        doc = _progress.read(self.path)
        if doc is None:
            return
        lines, count = doc.get("lines") or [], doc.get("count") or 0
        new = lines[max(0, len(lines) - (count - self.shown)):] if count > self.shown else []
        for line in new:
            display.display("%s %s" % (self.prefix, line))
        self.shown = max(self.shown, count)


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True
    MODULE = "cloudmove.vcda.vcda_replication"

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        name = self.MODULE.rsplit(".", maxsplit=1)[-1]
        result.update(_progress.execute(self, self.MODULE, task_vars, "cloudmove-replication-progress-",
                                        lambda path, host: LineWatcher(path, "[%s] %s" % (host, name))))
        return result
