"""vCD emulator: version discovery, both login kinds, Accept versions, organizations, errors."""
from __future__ import annotations

from vcd_helpers import JSON_ACCEPT, NS, ORG1, SYSTEM, VCD, VcdClient, basic, q

from lab.emulators.vcd import inferred


def _client(lab):
    return VcdClient(lab.url("t-vcd"), lab.thumbprint("t-vcd"))


def test_versions_and_legacy_login(vcd_lab_factory):
    lab = vcd_lab_factory()
    vcd = _client(lab)
    reply = vcd.xml("GET", "/api/versions", accept=None)
    assert reply.status == 200
    versions = [v.findtext("{http://www.vmware.com/vcloud/versions}Version") for v in reply.body]
    assert versions == ["%d.0" % v for v in range(27, 38)]  # a 10.4 cell
    assert reply.body[0].findtext("{http://www.vmware.com/vcloud/versions}LoginUrl") == lab.url("t-vcd") + "/api/sessions"
    # Wrong password, unknown org, no version, unsupported version.
    assert vcd.xml("POST", "/api/sessions", headers={"Authorization": basic(SYSTEM[0], "nope")}).status == 401
    assert vcd.xml("POST", "/api/sessions", headers={"Authorization": basic("administrator@nowhere", SYSTEM[1])}).status == 401
    reply = vcd.xml("POST", "/api/sessions", headers={"Authorization": basic(*SYSTEM)}, accept="application/*+xml")
    assert reply.status == 406 and reply.body.tag == q("Error")
    assert reply.body.get("minorErrorCode") == "NOT_ACCEPTABLE" and reply.body.get("majorErrorCode") == "406"
    assert vcd.xml("POST", "/api/sessions", headers={"Authorization": basic(*SYSTEM)}, accept="application/*+xml;version=5.1").status == 406
    reply = vcd.login_legacy()
    assert reply.body.tag == q("Session") and reply.body.get("org") == "System" and reply.body.get("user") == "administrator"
    assert reply.headers["content-type"] == "application/vnd.vmware.vcloud.session+xml;version=36.0"
    rels = {l.get("rel"): l.get("href") for l in reply.body.findall(q("Link"))}
    assert rels["nsx"] == lab.url("t-vcd") + "/network" and rels["openapi"] == lab.url("t-vcd") + "/cloudapi"
    assert reply.headers["x-vmware-vcloud-access-token"].count(".") == 2
    orgs = vcd.xml("GET", "/api/org")
    assert sorted(o.get("name") for o in orgs.body) == ["System", "org1", "org2"]
    # The bearer token of the same login works too.
    bearer = VcdClient(vcd.url, vcd.thumbprint)
    bearer.headers = {"Authorization": "Bearer " + reply.headers["x-vmware-vcloud-access-token"]}
    assert bearer.json("GET", "/cloudapi/1.0.0/sessions/current").body["org"]["name"] == "System"
    assert vcd.xml("DELETE", "/api/session").status == 204
    assert vcd.xml("GET", "/api/org").status == 401
    assert bearer.json("GET", "/cloudapi/1.0.0/sessions/current").status == 401


def test_openapi_login_tenant_and_provider(vcd_lab_factory):
    lab = vcd_lab_factory()
    vcd = _client(lab)
    # System users log in at /sessions/provider, tenants at /sessions.
    assert vcd.json("POST", "/cloudapi/1.0.0/sessions", headers={"Authorization": basic(*SYSTEM)}).status == 401
    assert vcd.json("POST", "/cloudapi/1.0.0/sessions/provider", headers={"Authorization": basic(*ORG1)}).status == 401
    reply = vcd.json("POST", "/cloudapi/1.0.0/sessions", headers={"Authorization": basic(*ORG1)}, accept="application/json")
    assert reply.status == 406 and reply.body["minorErrorCode"] == "NOT_ACCEPTABLE"
    vcd.login(*ORG1)
    session = vcd.json("GET", "/cloudapi/1.0.0/sessions/current").body
    assert session["org"]["name"] == "org1" and session["user"]["name"] == "admin1"
    assert session["id"].startswith("urn:vcloud:session:") and session["roles"] == ["Organization Administrator"]
    orgs = vcd.json("GET", "/cloudapi/1.0.0/orgs").body
    assert [o["name"] for o in orgs["values"]] == ["org1"]
    # A tenant is not a provider: its admin view holds its own org and no rights catalog.
    admin = vcd.xml("GET", "/api/admin").body
    assert [r.get("name") for r in admin.iter(q("OrganizationReference"))] == ["org1"]
    assert admin.find(q("RightReferences")) is None
    provider = _client(lab).login()
    assert provider.json("GET", "/cloudapi/1.0.0/orgs?filter=name==org2").body["values"][0]["name"] == "org2"
    assert provider.json("GET", "/cloudapi/1.0.0/orgs", accept=JSON_ACCEPT.replace("36.0", "26.0")).status == 406
    assert provider.json("DELETE", "/cloudapi/1.0.0/sessions/current").status == 204
    assert provider.json("GET", "/cloudapi/1.0.0/orgs").status == 401


def test_unknown_paths_and_methods(vcd_lab_factory):
    vcd = _client(vcd_lab_factory())
    vcd.login_legacy()
    reply = vcd.xml("GET", "/api/nothing/here")
    assert reply.status == 404 and reply.body.tag == "{%s}Error" % NS and reply.body.get("minorErrorCode") == "NOT_FOUND"
    assert vcd.json("PATCH", "/cloudapi/1.0.0/rights").status == 405
    assert inferred.right_uuid("Organization vDC Gateway: Configure L2 VPN") == "eeb2b2a0-33a1-36d4-a121-6547ad992d59"
    assert VCD[0]["address"] == "127.0.1.14"
