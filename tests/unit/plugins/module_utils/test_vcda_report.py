"""The reporting logic (_vcda/report.py) and the replication_report filters: rows, one summary over several
sites, the CSV a billing system imports, paging (no network)."""
import csv
import io

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudmove.vcda.plugins.filter import replication_report as filters
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import report
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError


def row(vm, org="org1", site="site1", storage=100, rid=None, **extra):
    base = {"id": rid or "C4-" + vm, "replication_id": rid or "C4-" + vm, "kind": "vm", "vm": vm, "type": "protection",
            "state": "present", "org": org, "source_site": "onprem1", "destination_site": site, "site": site,
            "vdc": None, "health": "GREEN", "paused": False, "rpo": 15, "rpo_violation_minutes": 0,
            "storage_bytes": storage, "instances": 1, "last_sync": None, "data_connection_state": "OK"}
    base.update(extra)
    return base


def test_a_replication_read_at_both_of_its_sites_counts_once():
    site1 = {"vms": [row("a"), row("b", site="site2")]}
    site2 = {"vms": [row("b", site="site2"), row("c", org="org, two")]}
    summary = filters.replication_summary([site1, site2, {"skipped": True}])
    assert summary["totals"]["vms"] == 3 and summary["totals"]["storage_bytes"] == 300
    assert summary["orgs"] == ["org, two", "org1"] and summary["sites"] == ["site1", "site2"]


def test_csv_columns_quoting_and_one_line_per_site():
    late = row("b", site="site2", paused=True, health="YELLOW", rpo_violation_minutes=12)
    summary = report.summarize([row("a", storage=3 * 1024 ** 3), late, row("c", org='Acme, "EU"', last_sync=1764633600000)])
    text = filters.replication_csv(summary, "org1", "2026-12")
    parsed = list(csv.reader(io.StringIO(text)))
    assert tuple(parsed[0]) == report.CSV_COLUMNS
    lines = [dict(zip(parsed[0], p)) for p in parsed[1:]]
    assert [(l["site"], l["vms"], l["paused"], l["rpo_violations"], l["max_rpo_violation_minutes"]) for l in lines] == [
        ("site1", "1", "0", "0", "0"), ("site2", "1", "1", "1", "12")]
    assert lines[0]["storage_gib"] == "3.00" and lines[0]["storage_bytes"] == str(3 * 1024 ** 3)
    odd = list(csv.reader(io.StringIO(report.csv_text(summary, 'Acme, "EU"', "2026-12"))))
    assert odd[1][1] == 'Acme, "EU"' and odd[1][-1] == "2025-12-02T00:00:00Z"
    assert text.endswith("\n") and "\r" not in text


def test_filters_refuse_what_they_cannot_read():
    with pytest.raises(AnsibleFilterError, match="output: \\[vms\\]"):
        filters.replication_summary([{"replications": []}])
    with pytest.raises(AnsibleFilterError, match="summary"):
        filters.replication_csv({"totals": {}}, "org1", "2026-12")


class Pager(object):
    def __init__(self, total, grow=0):
        self.total = total
        self.grow = grow
        self.calls = []

    def get(self, path, params=None):
        self.calls.append(dict(params))
        items = list(range(self.total))[params["offset"]:params["offset"] + params["limit"]]
        self.total += self.grow
        self.grow = 0
        return {"items": items, "total": self.total}


def test_pages_stop_at_the_total_and_on_an_empty_page():
    pager = Pager(250)
    assert [len(p) for p in report.pages(pager, "/vm-replications", {"sourceOrg": "o"}, 100)] == [100, 100, 50]
    assert [c["offset"] for c in pager.calls] == [0, 100, 200] and pager.calls[0]["sourceOrg"] == "o"
    pager = Pager(0)
    assert [len(p) for p in report.pages(pager, "/vm-replications")] == [0] and len(pager.calls) == 1
    pager = Pager(100, grow=1)  # an item added while paging: read on to the new total
    assert sum(len(p) for p in report.pages(pager, "/x", page_size=100)) == 101


def test_a_plain_array_is_one_page():
    class Plain(object):
        def get(self, path, params=None):
            return [1, 2]
    assert list(report.pages(Plain(), "/x")) == [[1, 2]]


def test_direction_needs_the_local_site():
    with pytest.raises(InputError) as info:
        report.Filter(direction="incoming")
    assert info.value.option == "direction"
