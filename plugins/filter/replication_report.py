# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the replication report: one summary from the rows of several sites, and the billing CSV."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import report


def _rows(data):
    """The VM rows of module results (their ``vms``) or of a list of rows."""
    if isinstance(data, dict):
        data = [data]
    if not is_sequence(data):
        raise AnsibleFilterError("replication_summary: give a list of vcda_replication_info results (with output vms) "
                                 "or of their vms rows, got %s" % type(data).__name__)
    rows = []
    for entry in data:
        if isinstance(entry, dict) and "vms" in entry:
            rows.extend(entry["vms"] or [])
        elif isinstance(entry, dict) and "storage_bytes" in entry:
            rows.append(entry)
        elif isinstance(entry, dict) and entry.get("skipped"):
            continue
        else:
            raise AnsibleFilterError("replication_summary: an entry is neither a vcda_replication_info result with "
                                     "vms (output: [vms]) nor a vms row")
    return rows


def replication_summary(data):
    return report.summarize(_rows(data))


def replication_csv(summary, org, month):
    if not isinstance(summary, dict) or "by_org_site" not in summary:
        raise AnsibleFilterError("replication_csv: give a summary (vcda_replication_info output summary, or the "
                                 "replication_summary filter's value)")
    return report.csv_text(summary, org, month)


class FilterModule(object):
    def filters(self):
        return {"replication_summary": replication_summary, "replication_csv": replication_csv}
