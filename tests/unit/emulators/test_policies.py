"""Replication policies (docs/api/vcda.md#policies): per site, the built-in default, ranges, assignment moves an org."""
from __future__ import annotations

from emulator_helpers import configure_cloud, first_boot, ok

from test_pairing_sites import TWO_SITES

GOLD = {"displayName": "Gold", "allowIncomingProtections": True, "allowIncomingMigrations": True,
        "allowOutgoingProtections": True, "allowOutgoingMigrations": True, "allowOutgoingOnpremProtections": True,
        "allowOutgoingOnpremMigrations": False, "allowAdvancedRetentionRules": True, "allowCustomSlaSettings": False,
        "allowNotificationConfiguration": True, "maxIncoming": -1, "maxInstances": 24, "maxPinnedInstances": 4,
        "minRpo": 15, "onpremDataCap": 512}


def cloud(lab_factory, lookup_service, **defaults):
    lab = lab_factory(TWO_SITES[:1], **defaults)
    client = first_boot(lab.client("a-cloud"))
    configure_cloud(client, lookup_service)
    return lab, client


def test_default_policy_forbids_replication_and_is_protected(lab_factory, lookup_service):
    _lab, a = cloud(lab_factory, lookup_service)
    page = ok(a.call("GET", "/policies"))
    assert isinstance(page, list) and len(page) == 1 and page[0]["id"] == "default"   # a plain array [C: PSC]
    default = page[0]
    assert not any(v for k, v in default.items() if k.startswith("allow")) and default["maxIncoming"] == 0
    assert "onpremDataCap" not in default
    assert a.call("DELETE", "/policies/default").status == 400
    assert _orgs(a, "default") == ["org1"]


def _orgs(client, policy_id):
    status = ok(client.call("GET", "/policies/%s/status" % policy_id))
    assert isinstance(status, list) and all(set(item) >= {"org"} for item in status)   # [C: PSC $objOrg.org]
    return [item["org"] for item in status]


def test_create_update_validate_delete(lab_factory, lookup_service):
    _lab, a = cloud(lab_factory, lookup_service)
    gold = ok(a.call("POST", "/policies", GOLD))
    assert gold["id"] != "default" and gold["orgs"] == 0 and gold["minRpo"] == 15
    assert "onpremDataCap" not in gold   # accepted, never read back
    assert a.call("POST", "/policies", dict(GOLD, displayName="n", onpremDataCap=None)).status == 400   # never null
    assert ok(a.call("POST", "/policies", {k: v for k, v in dict(GOLD, displayName="nocap").items() if k != "onpremDataCap"}))
    assert ok(a.call("GET", "/policies/%s" % gold["id"]))["displayName"] == "Gold"
    assert a.call("POST", "/policies", dict(GOLD, displayName="gold")).body["msg"].startswith("A policy with display name")
    for field, value in (("minRpo", 3), ("minRpo", 1441), ("maxInstances", 30), ("maxInstances", 0), ("maxPinnedInstances", 25)):
        reply = a.call("POST", "/policies", dict(GOLD, displayName="x", **{field: value}))
        assert reply.status == 400 and reply.body["args"][0] == field, (field, reply)
    missing = {k: v for k, v in GOLD.items() if k != "minRpo"}
    assert a.call("POST", "/policies", missing).status == 400
    assert a.call("POST", "/policies", dict(GOLD, allowIncoming=True)).status == 400  # 3.x field on 4.7
    updated = ok(a.call("PUT", "/policies/%s" % gold["id"], dict(GOLD, minRpo=60)))
    assert updated["minRpo"] == 60
    assert a.call("DELETE", "/policies/%s" % gold["id"]).status == 204
    assert a.call("GET", "/policies/%s" % gold["id"]).status == 404


def test_assignment_moves_the_org_and_deleting_falls_back_to_default(lab_factory, lookup_service):
    _lab, a = cloud(lab_factory, lookup_service)
    gold = ok(a.call("POST", "/policies", GOLD))
    silver = ok(a.call("POST", "/policies", dict(GOLD, displayName="Silver")))
    reply = a.call("PATCH", "/policies/%s/orgs/org1" % gold["id"])
    assert reply.status == 202 and reply.body is None
    assert _orgs(a, gold["id"]) == ["org1"]
    assert _orgs(a, "default") == []
    ok(a.call("PATCH", "/policies/%s/orgs/org1" % silver["id"]), 202)
    assert ok(a.call("GET", "/policies/%s" % gold["id"]))["orgs"] == 0
    assert _orgs(a, silver["id"]) == ["org1"]
    unknown = a.call("PATCH", "/policies/%s/orgs/org9" % gold["id"])
    assert unknown.status == 404 and unknown.body["code"] == "OrgNotFound"
    assert a.call("PATCH", "/policies/nope/orgs/org1").status == 404
    ok(a.call("DELETE", "/policies/%s" % silver["id"]), 204)
    assert _orgs(a, "default") == ["org1"]


def test_policies_are_not_shared_between_sites(lab_factory, lookup_service):
    lab = lab_factory(TWO_SITES)
    a, b = first_boot(lab.client("a-cloud")), first_boot(lab.client("b-cloud"))
    configure_cloud(a, lookup_service, "site1")
    configure_cloud(b, lookup_service, "site2")
    ok(a.call("POST", "/policies", GOLD))
    assert len(ok(b.call("GET", "/policies"))) == 1


def test_3x_policy_body(lab_factory, lookup_service):
    lab = lab_factory([dict(TWO_SITES[0], version="3.5")])
    a = first_boot(lab.client("a-cloud"))
    configure_cloud(a, lookup_service)
    assert a.call("POST", "/policies", GOLD).status == 400
    old = ok(a.call("POST", "/policies", {"displayName": "Old", "allowIncoming": True, "allowOutgoing": False,
                                          "maxIncoming": 10, "maxInstances": 3, "minRpo": 30}))
    assert old["allowIncoming"] is True and "allowIncomingProtections" not in old


def test_each_version_takes_its_own_policy_fields(lab_factory, lookup_service, tmp_path):
    """4.1: no allowAdvancedRetentionRules / allowOutgoingOnprem*; 4.5 adds allowAdvancedRetentionRules and
    allowOutgoingOnpremMigrations (no allowOutgoingOnpremProtections); 4.7 has all (docs/api/vcda.md#corrections point 5)."""
    only_47 = ("allowOutgoingOnpremProtections",)
    only_45 = ("allowAdvancedRetentionRules", "allowOutgoingOnpremMigrations", "onpremDataCap")
    v45 = {k: v for k, v in GOLD.items() if k not in only_47}
    v41 = {k: v for k, v in v45.items() if k not in only_45}
    for version, body, extra in (("4.1", v41, only_45 + only_47), ("4.5", v45, only_47)):
        lab = lab_factory([dict(TWO_SITES[0], version=version)], state_dir=tmp_path / version)
        a = first_boot(lab.client("a-cloud"))
        configure_cloud(a, lookup_service)
        for key in extra:
            reply = a.call("POST", "/policies", dict(body, **{key: GOLD[key]}))
            assert reply.status == 400 and key in reply.body["args"], (version, key, reply)
        created = ok(a.call("POST", "/policies", body))
        assert set(created) == set(body) - {"onpremDataCap"} | {"id", "orgs"}, version
        default = ok(a.call("GET", "/policies"))[0]
        assert set(default) == set(body) - {"onpremDataCap"} | {"id", "orgs"}, version
        lab.lab.stop()
