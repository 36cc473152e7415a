"""vcda_replication_info as a reporting module: its real main() against a fake VCDA list API that pages.

Paging (one request per page, whatever the size), filters, the summary's sums, the JMESPath query, jmespath
missing, Cloud Director logins (the token never in the result) and bad input naming the option."""
import math
import os
import sys
from urllib.parse import parse_qs, urlparse

import pytest

from ansible_collections.cloudmove.vcda.plugins.modules import vcda_replication_info
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import report

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position

GIB = 1024 ** 3
TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2ln"
ABOUT = {"serviceType": "Cloud", "productName": "VMware Cloud Director Availability", "buildVersion": "4.7.0.1"}
BASE = dict(url="https://vcda.example:8046", thumbprint="SHA-256:" + ":".join(["AB"] * 32), password="Secret-1!")


def vm_item(index, org="org1", migration=False, paused=False, late=0, health="GREEN", storage=10 * GIB, seq=5,
            instances=3, site="site1", recovered=False, last=1764633600000):
    return {"id": "C4-%04d" % index, "owner": org, "vmName": "vm-%04d" % index, "isMigration": migration,
            "isPaused": paused, "isReversed": False, "overallHealth": health, "dataConnectionState": "OK",
            "source": {"site": "onprem1", "org": org, "vmId": "vm-%d" % index},
            "destination": {"site": site, "org": org, "vdcName": org + "-vdc", "vdcId": "vdc-" + org},
            "settings": {"rpo": 15, "retentionPolicy": {"rules": [{"numberOfInstances": instances, "distance": 15}]}},
            "destinationState": {"currentRpoViolation": late, "spaceRequirement": storage,
                                 "latestInstance": {"sequenceNumber": seq, "timestamp": last + index},
                                 "recoveryInfo": {"recoveryState": "COMPLETE" if recovered else "NOT_STARTED"}}}


def vapp_item():
    members = [vm_item(900 + n, org="org2", storage=2 * GIB, seq=1) for n in range(2)]
    for member in members:
        member["vappReplicationId"] = "C4VAPP-1"
    return {"id": "C4VAPP-1", "owner": "org2", "isMigration": False, "isPaused": False, "overallHealth": "GREEN",
            "source": {"site": "onprem1", "org": "org2", "vappName": "app"},
            "destination": {"site": "site1", "org": "org2", "vdcName": "org2-vdc"},
            "settings": {"rpo": 60}, "vmReplications": members}


def paged(items, calls):
    def handler(request, unused_body):
        query = parse_qs(urlparse(request.url).query)
        calls.append(query)
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        return (200, {"items": items[offset:offset + limit], "total": len(items)}, None)
    return handler


def api(vms, vapps=(), logins=None, calls=None):
    calls = [] if calls is None else calls

    def login(unused_request, body):
        if logins is not None:
            logins.append(body)
        if body.get("type") == "vcdAccessToken" and body.get("vcdAccessToken") != TOKEN:
            return (401, {"code": "NotAuthenticated", "msg": "Authentication failed: invalid credentials."}, None)
        sites = [{"org": "org1" if body.get("type") == "vcdAccessToken" else "System", "site": "site1"}]
        return (200, {"roles": ["EVERYONE"], "user": "x", "authenticatedSites": sites}, {"X-VCAV-Auth": "tok"})
    return FakeApi({"POST /sessions": login, "DELETE /sessions": (204, None, None),
                    "GET /diagnostics/about": (200, ABOUT, None),
                    "GET /vm-replications": paged(list(vms), calls),
                    "GET /vapp-replications": paged(list(vapps), calls)})


def mix():
    return ([vm_item(1), vm_item(2, paused=True, health="YELLOW"), vm_item(3, late=47, health="YELLOW"),
             vm_item(4, migration=True, recovered=True, storage=20 * GIB),
             vm_item(5, org="org2", migration=True, storage=5 * GIB, seq=2),
             vm_item(6, org="org2", site="site2")], [vapp_item()])


def test_paging_reads_one_request_per_page_whatever_the_size(monkeypatch):
    vms = [vm_item(i) for i in range(1234)]
    for page_size in (100, 1000):
        calls = []
        result = run_module(vcda_replication_info, dict(BASE, output=["summary"], page_size=page_size),
                            api(vms, calls=calls), monkeypatch=monkeypatch)
        assert not result.get("failed"), result
        want = math.ceil(1234 / page_size) + 1  # the vApp list answers one empty page
        assert result["pages"] == want == len(calls)
        vm_offsets = [int(c["offset"][0]) for c in calls[:-1]]
        assert vm_offsets == list(range(0, 1234, page_size)) and all(c["limit"] == [str(page_size)] for c in calls)
        assert result["summary"]["totals"]["vms"] == 1234
        assert "replications" not in result


def test_summary_sums_per_org_and_site(monkeypatch):
    vms, vapps = mix()
    result = run_module(vcda_replication_info, dict(BASE, output=["summary", "vms", "replications"]),
                        api(vms, vapps), monkeypatch=monkeypatch)
    summary = result["summary"]
    assert result["count"] == 7 and len(result["vms"]) == 8
    pairs = dict(((e["org"], e["site"]), e) for e in summary["by_org_site"])
    assert sorted(pairs) == [("org1", "site1"), ("org2", "site1"), ("org2", "site2")]
    org1 = pairs[("org1", "site1")]
    assert (org1["vms"], org1["protections"], org1["migrations"], org1["protected"], org1["migrated"]) == (4, 3, 1, 3, 1)
    assert org1["storage_bytes"] == 50 * GIB and org1["instances"] == 12 and org1["paused"] == 1
    assert org1["health"] == {"GREEN": 2, "YELLOW": 2, "RED": 0}
    assert org1["rpo_violations"] == 1 and org1["max_rpo_violation_minutes"] == 47
    org2 = pairs[("org2", "site1")]
    assert (org2["vms"], org2["migrating"], org2["storage_bytes"], org2["instances"]) == (3, 1, 9 * GIB, 2 + 1 + 1)
    assert summary["totals"]["vms"] == 8 and summary["totals"]["storage_bytes"] == 69 * GIB
    assert [v["vm"] for v in summary["rpo_violations"]] == ["vm-0003"]
    assert summary["rpo_violations"][0]["rpo_violation_minutes"] == 47
    assert org1["last_sync"] == 1764633600004 and org1["last_sync_time"] == "2025-12-02T00:00:00Z"


@pytest.mark.parametrize("args,ids", [
    (dict(org="org2"), ["C4-0005", "C4-0006", "C4-0900", "C4-0901"]),
    (dict(type="migration"), ["C4-0004", "C4-0005"]),
    (dict(paused=True), ["C4-0002"]),
    (dict(rpo_violation=True), ["C4-0003"]),
    (dict(health=["YELLOW"]), ["C4-0002", "C4-0003"]),
    (dict(site="site2"), ["C4-0006"]),
    (dict(vdc="org1-vdc", paused=False), ["C4-0001", "C4-0003", "C4-0004"]),
    (dict(direction="incoming", destination_org="org1"), ["C4-0001", "C4-0002", "C4-0003", "C4-0004"]),
    (dict(direction="outgoing"), []),
])
def test_filters(monkeypatch, args, ids):
    vms, vapps = mix()
    result = run_module(vcda_replication_info, dict(BASE, output=["vms"], **args), api(vms, vapps), monkeypatch=monkeypatch)
    assert sorted(r["id"] for r in result["vms"]) == ids


def test_server_side_filters_are_the_documented_query_keys(monkeypatch):
    calls = []
    run_module(vcda_replication_info, dict(BASE, source_org="org1", destination_site="site1", vdc="org1-vdc"),
               api([], calls=calls), monkeypatch=monkeypatch)
    assert calls[0]["sourceOrg"] == ["org1"] and calls[0]["site"] == ["site1"]
    assert calls[0]["destinationVdcName"] == ["org1-vdc"]


def test_query_applies_jmespath_and_bad_expressions_name_the_option(monkeypatch):
    vms, vapps = mix()
    result = run_module(vcda_replication_info, dict(BASE, output=["vms"], query="vms[?rpo_violation_minutes > `0`].vm"),
                        api(vms, vapps), monkeypatch=monkeypatch)
    assert result["query_result"] == ["vm-0003"]
    result = run_module(vcda_replication_info, dict(BASE, output=["summary"], query="summary.by_org[?org=='org2'].vms | [0]"),
                        api(vms, vapps), monkeypatch=monkeypatch)
    assert result["query_result"] == 4
    bad = run_module(vcda_replication_info, dict(BASE, query="vms[?"), api(vms, vapps), monkeypatch=monkeypatch)
    assert bad["failed"] and bad["option"] == "query" and "JMESPath" in bad["msg"]


def test_missing_jmespath_is_missing_required_lib(monkeypatch):
    monkeypatch.setattr(report, "HAS_JMESPATH", False)
    result = run_module(vcda_replication_info, dict(BASE, query="count"), api([]), monkeypatch=monkeypatch)
    assert result["failed"] and "jmespath" in result["msg"] and "Failed to import" in result["msg"]
    assert run_module(vcda_replication_info, dict(BASE), api([]), monkeypatch=monkeypatch)["count"] == 0


def test_token_login_and_the_token_never_in_the_result(monkeypatch):
    logins = []
    vms, vapps = mix()
    args = dict(BASE, auth_type="vcd_token", access_token=TOKEN, access_token_org="org1", output=["summary"])
    del args["password"]
    result = run_module(vcda_replication_info, args, api(vms, vapps, logins), monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert logins == [{"type": "vcdAccessToken", "vcdAccessToken": TOKEN, "context": "org1"}]
    assert TOKEN not in text(result)
    wrong = run_module(vcda_replication_info, dict(args, access_token=TOKEN + "x"), api(vms, vapps), monkeypatch=monkeypatch)
    assert wrong["failed"] and wrong["status"] == 401 and "access token" in wrong["msg"]
    assert TOKEN not in text(wrong) and "c2VjcmV0LXRva2Vu" not in text(wrong)


@pytest.mark.parametrize("args,option", [
    (dict(auth_type="vcd_token"), "access_token"),
    (dict(auth_type="vcd", username="admin"), "username"),
    (dict(page_size=0), "page_size"),
    (dict(page_size=5000), "page_size"),
])
def test_bad_input_names_the_option(monkeypatch, args, option):
    fake = api([])
    full = dict(BASE, **args)
    if args.get("auth_type") == "vcd_token":
        del full["password"]
    result = run_module(vcda_replication_info, full, fake, monkeypatch=monkeypatch)
    assert result["failed"] and result["msg"].startswith(option + ":"), result
    assert [c for c in fake.calls if c[1].endswith("-replications")] == []  # refused before any list request


def test_password_missing_names_the_option(monkeypatch):
    args = dict(BASE)
    del args["password"]
    result = run_module(vcda_replication_info, args, api([]), monkeypatch=monkeypatch)
    assert result["failed"] and result["msg"].startswith("password:") and result["option"] == "password"
