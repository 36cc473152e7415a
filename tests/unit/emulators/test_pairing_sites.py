"""Site pairing (docs/api/vcda.md#site-pairing): the two emulated cloud sites really reach each other over HTTPS."""
from __future__ import annotations

import time

from emulator_helpers import first_boot, configure_cloud, ok

TWO_SITES = [
    {"name": "a-cloud", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0},
    {"name": "b-cloud", "type": "cloud", "site": "site2", "address": "127.0.1.21", "port": 0},
]


def wait(client, task, timeout=10):
    deadline = time.time() + timeout
    while task["state"] not in ("SUCCEEDED", "FAILED"):
        assert time.time() < deadline, task
        time.sleep(0.05)
        task = ok(client.call("GET", "/tasks/%s" % task["id"]))
    return task


def two_sites(lab_factory, lookup_service):
    lab = lab_factory(TWO_SITES)
    a = first_boot(lab.client("a-cloud"))
    b = first_boot(lab.client("b-cloud"))
    configure_cloud(a, lookup_service, "site1")
    configure_cloud(b, lookup_service, "site2")
    return lab, a, b


def pair(lab, a, target="b-cloud", **extra):
    body = dict({"site": "site2", "apiUrl": lab.url(target), "apiThumbprint": lab.thumbprint(target), "description": "x"}, **extra)
    reply = a.call("POST", "/sites", body)
    assert reply.status == 202, reply
    return wait(a, reply.body)


def by_site(client):
    return {s["site"]: s for s in ok(client.call("GET", "/sites"))}


def test_pairing_is_visible_from_both_sides_and_healthy(lab_factory, lookup_service):
    lab, a, b = two_sites(lab_factory, lookup_service)
    assert [s["site"] for s in ok(a.call("GET", "/sites"))] == ["site1"]
    task = pair(lab, a)
    assert task["state"] == "SUCCEEDED" and task["result"]["site"] == "site2"
    sites_a, sites_b = by_site(a), by_site(b)
    assert sites_a["site1"]["isLocal"] and not sites_a["site2"]["isLocal"]
    assert sites_b["site2"]["isLocal"] and sites_b["site1"]["apiThumbprint"] == lab.thumbprint("a-cloud")
    for view in (sites_a["site2"], sites_b["site1"]):
        assert view["state"] == {"incomingCommError": None, "outgoingCommError": None}
    # Pairing again from either side is refused: already paired.
    again = a.call("POST", "/sites", {"site": "site2", "apiUrl": lab.url("b-cloud"), "apiThumbprint": lab.thumbprint("b-cloud")})
    assert again.status == 400 and "already paired" in again.body["msg"]


def test_wrong_name_thumbprint_and_unreachable_fail_the_task(lab_factory, lookup_service):
    lab, a, _b = two_sites(lab_factory, lookup_service)
    assert "not 'site9'" in pair(lab, a, site="site9")["error"]["msg"]
    bad = pair(lab, a, apiThumbprint="SHA-256:" + ":".join(["AB"] * 32))
    assert bad["state"] == "FAILED" and bad["error"]["args"][2] == lab.thumbprint("b-cloud")
    down = pair(lab, a, apiUrl="https://127.0.1.29:9", apiThumbprint=lab.thumbprint("b-cloud"))
    assert down["state"] == "FAILED" and "Unable to connect" in down["error"]["msg"]
    assert list(by_site(a)) == ["site1"]


def test_same_certificate_on_both_sites_is_refused(lab_factory, lookup_service):
    lab, a, b = two_sites(lab_factory, lookup_service)
    for client in (a, b):
        ok(client.lab("POST", "/_lab/ops/use-shared-certificate", {"name": "wild"}))
    shared = lab.thumbprint("a-cloud")
    assert shared == lab.thumbprint("b-cloud")
    a.thumbprint = b.thumbprint = shared
    reply = a.call("POST", "/sites", {"site": "site2", "apiUrl": lab.url("b-cloud"), "apiThumbprint": shared})
    assert reply.status == 400 and reply.body["code"] == "BadUserInput"
    assert "same certificate" in reply.body["msg"] and "wildcard" in reply.body["msg"]
    assert list(by_site(b)) == ["site2"]


def test_certificate_change_breaks_then_repair_fixes(lab_factory, lookup_service):
    lab, a, b = two_sites(lab_factory, lookup_service)
    pair(lab, a)
    ok(b.lab("POST", "/_lab/ops/regenerate-certificate"))
    b.thumbprint = lab.thumbprint("b-cloud")
    broken = by_site(a)["site2"]["state"]
    assert broken["outgoingCommError"] and "does not match" in broken["outgoingCommError"]["msg"]
    assert by_site(b)["site1"]["state"]["incomingCommError"]["code"] == "SiteCommunicationError"
    reply = a.call("PUT", "/sites/site2", {"apiUrl": lab.url("b-cloud"), "apiThumbprint": lab.thumbprint("b-cloud"),
                                           "description": None})
    assert reply.status == 202 and wait(a, reply.body)["state"] == "SUCCEEDED"
    assert by_site(a)["site2"]["state"] == {"incomingCommError": None, "outgoingCommError": None}
    assert by_site(b)["site1"]["state"] == {"incomingCommError": None, "outgoingCommError": None}
    assert a.call("PUT", "/sites/site7", {"apiUrl": lab.url("b-cloud"), "apiThumbprint": lab.thumbprint("b-cloud")}).status == 404


def test_pairing_removed_on_one_side_shows_and_unpair_removes_both(lab_factory, lookup_service):
    lab, a, b = two_sites(lab_factory, lookup_service)
    pair(lab, a)
    ok(b.lab("PATCH", "/_lab/state", [{"op": "replace", "path": "/sites", "value": []}]))
    err = by_site(a)["site2"]["state"]["incomingCommError"]
    assert err and "no pairing" in err["msg"]
    reply = a.call("DELETE", "/sites/site2")
    assert reply.status == 202 and wait(a, reply.body)["state"] == "SUCCEEDED"
    assert list(by_site(a)) == ["site1"] and list(by_site(b)) == ["site2"]
    pair(lab, b, target="a-cloud", site="site1")
    assert "site2" in by_site(a)
    reply = b.call("DELETE", "/sites/site1")
    wait(b, reply.body)
    assert list(by_site(a)) == ["site1"]
    assert a.call("DELETE", "/sites/site2").status == 404
