"""vCD emulator in the lab: VCDA really logs in to it, state survives a restart, lab control."""
from __future__ import annotations

from lxml import etree

from emulator_helpers import first_boot, ok
from vcd_helpers import CONFIGURE_L2VPN_ID, NS, ORG1, VCD, VcdClient, q

CLOUD = [{"name": "t-cloud", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0}]


def test_vcda_logs_in_to_the_vcd_emulator(vcd_lab_factory):
    lab = vcd_lab_factory(vcda=CLOUD)
    cloud = first_boot(lab.client("t-cloud"))
    url = lab.url("t-vcd") + "/api"
    body = {"vcdUrl": url, "vcdUsername": "administrator@System", "vcdPassword": "VMware1!"}
    ok(cloud.call("POST", "/config/check-vcloud", dict(body, vcdThumbprint=lab.thumbprint("t-vcd"))), 204)
    assert cloud.call("POST", "/config/check-vcloud", dict(body, vcdPassword="wrong")).body["code"] == "RemoteAuthenticationFailure"
    wrong = "SHA-256:" + ":".join(["AB"] * 32)
    assert cloud.call("POST", "/config/check-vcloud", dict(body, vcdThumbprint=wrong)).status == 400
    assert cloud.call("POST", "/config/check-vcloud", dict(body, vcdUsername=ORG1[0], vcdPassword=ORG1[1])).status == 400
    ok(cloud.call("POST", "/config/vcloud", body))
    vcd = VcdClient(lab.url("t-vcd"), lab.thumbprint("t-vcd"))
    logins = [e for e in vcd.lab("GET", "/_lab/requests").body["items"] if e["path"] == "/api/sessions"]
    assert logins and all("authorization" not in {k.lower() for k in e["headers"]} for e in logins)
    tenant = cloud.call("POST", "/sessions", {"type": "vcdCredentials", "vcdUser": ORG1[0], "vcdPassword": ORG1[1]})
    assert tenant.status == 200 and tenant.body["roles"] == ["EVERYONE"]
    assert cloud.call("POST", "/sessions", {"type": "vcdCredentials", "vcdUser": ORG1[0], "vcdPassword": "no"}).status == 401


def test_state_persists_across_restart_and_lab_info(vcd_lab_factory, tmp_path):
    state_dir = tmp_path / "persist"
    lab = vcd_lab_factory(state_dir=state_dir)
    vcd = VcdClient(lab.url("t-vcd"), lab.thumbprint("t-vcd"))
    vcd.login_legacy()
    org1 = next(o for o in vcd.xml("GET", "/api/org").body if o.get("name") == "org1").get("href").rsplit("/", 1)[-1]
    root = etree.Element(q("OrgRights"), nsmap={None: NS})
    etree.SubElement(root, q("RightReference"), href="%s/api/admin/right/%s" % (vcd.url, CONFIGURE_L2VPN_ID))
    assert vcd.xml("PUT", "/api/admin/org/%s/rights" % org1, root, "application/vnd.vmware.admin.org.rights+xml").status == 200
    info = vcd.lab("GET", "/_lab/info").body
    assert info["kind"] == "vcd" and info["systemAdmin"] == {"user": "administrator@System", "password": "VMware1!"}
    assert {o["name"] for o in info["orgs"]} == {"org1", "org2"} and len(info["edgeGateways"]) == 4
    thumb = lab.thumbprint("t-vcd")
    lab.lab.stop()
    again = vcd_lab_factory(vcd=[dict(VCD[0])], state_dir=state_dir)
    assert again.thumbprint("t-vcd") == thumb
    vcd = VcdClient(again.url("t-vcd"), thumb)
    assert vcd.xml("GET", "/api/org").status == 401  # sessions are not persisted
    vcd.login_legacy()
    refs = vcd.xml("GET", "/api/admin/org/%s/rights" % org1).body.findall(q("RightReference"))
    assert [r.get("href").rsplit("/", 1)[-1] for r in refs] == [CONFIGURE_L2VPN_ID]
    # Drift through the lab state, faults like every emulator.
    ok(vcd.lab("PATCH", "/_lab/state", [{"op": "replace", "path": "/orgs/%s/rights" % org1, "value": []}]))
    assert vcd.xml("GET", "/api/admin/org/%s/rights" % org1).body.findall(q("RightReference")) == []
    ok(vcd.lab("PUT", "/_lab/faults", {"seed": 1, "rules": [{"path": "/api/org*", "error503Rate": 1.0, "retryAfter": 1}]}))
    reply = vcd.xml("GET", "/api/org")
    assert reply.status == 503 and reply.headers["retry-after"] == "1" and reply.body.tag == q("Error")
