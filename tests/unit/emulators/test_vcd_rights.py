"""vCD emulator: rights catalog, paging and FIQL, legacy org rights XML, bundles and roles publishing."""
from __future__ import annotations

from lxml import etree

from vcd_helpers import CONFIGURE_L2VPN_ID, NS, ORG1, VIEW_L2VPN_ID, VcdClient, q

from lab.emulators.vcd import inferred

ORG_RIGHTS_TYPE = "application/vnd.vmware.admin.org.rights+xml;version=36.0"


def _client(lab):
    return VcdClient(lab.url("t-vcd"), lab.thumbprint("t-vcd"))


def _org_rights_body(vcd, *right_ids, link_last=False):
    root = etree.Element(q("OrgRights"), nsmap={None: NS})
    link = etree.Element(q("Link"), rel="up", href=vcd.url + "/api/admin/org/x", type="application/vnd.vmware.admin.organization+xml")
    if not link_last:
        root.append(link)
    for right_id in right_ids:
        etree.SubElement(root, q("RightReference"), href="%s/api/admin/right/%s" % (vcd.url, right_id),
                         type="application/vnd.vmware.admin.right+xml")
    if link_last:
        root.append(link)
    return root


def test_catalog_paging_and_fiql(vcd_lab_factory):
    vcd = _client(vcd_lab_factory()).login()
    every = vcd.json("GET", "/cloudapi/1.0.0/rights?pageSize=128").body
    names = {r["name"]: r for r in every["values"]}
    for name in inferred.C1_RIGHTS:
        assert name in names, name
    assert names["Organization vDC Gateway: Configure L2 VPN"]["id"] == "urn:vcloud:right:" + CONFIGURE_L2VPN_ID
    assert names["Organization vDC Gateway: View L2 VPN"]["id"] == "urn:vcloud:right:" + VIEW_L2VPN_ID
    assert names["Organization vDC Gateway: View L2 VPN"]["rightType"] == "VIEW"
    page = vcd.json("GET", "/cloudapi/1.0.0/rights?page=2&pageSize=5&sortAsc=name").body
    assert page["page"] == 2 and page["pageSize"] == 5 and len(page["values"]) == 5
    assert page["resultTotal"] == every["resultTotal"] and page["pageCount"] == -(-every["resultTotal"] // 5)
    assert page["values"][0]["name"] == sorted(names)[5]
    one = vcd.json("GET", "/cloudapi/1.0.0/rights?filter=name==Organization vDC Gateway: Configure L2 VPN").body
    assert [r["id"] for r in one["values"]] == ["urn:vcloud:right:" + CONFIGURE_L2VPN_ID]
    wild = vcd.json("GET", "/cloudapi/1.0.0/rights?filter=name==*L2 VPN;rightType==VIEW").body
    assert [r["name"] for r in wild["values"]] == ["Organization vDC Gateway: View L2 VPN"]
    assert vcd.json("GET", "/cloudapi/1.0.0/rights?filter=name").status == 400
    assert vcd.json("GET", "/cloudapi/1.0.0/rights?pageSize=129").status == 400
    # Legacy lookups: query service, one right, the catalog.
    rec = vcd.xml("GET", "/api/query?type=right&format=records&filter=name==Organization vDC Gateway: View L2 VPN").body
    assert rec[0].get("href").endswith("/api/admin/right/" + VIEW_L2VPN_ID)
    right = vcd.xml("GET", "/api/admin/right/" + VIEW_L2VPN_ID)
    assert right.body.get("name") == "Organization vDC Gateway: View L2 VPN"
    refs = vcd.xml("GET", "/api/admin").body.find(q("RightReferences"))
    assert len(refs) == every["resultTotal"]


def test_org_rights_xml_round_trip_and_order(vcd_lab_factory):
    lab = vcd_lab_factory()
    vcd = _client(lab)
    vcd.login_legacy()
    org1 = next(o for o in vcd.xml("GET", "/api/org").body if o.get("name") == "org1").get("href").rsplit("/", 1)[-1]
    path = "/api/admin/org/%s/rights" % org1
    assert len(vcd.xml("GET", path).body.findall(q("RightReference"))) == 0
    reply = vcd.xml("POST", path, _org_rights_body(vcd, CONFIGURE_L2VPN_ID), ORG_RIGHTS_TYPE)
    assert reply.status == 200 and reply.headers["content-type"] == ORG_RIGHTS_TYPE
    # POST adds (twice is harmless), PUT replaces; GET returns what was stored.
    vcd.xml("POST", path, _org_rights_body(vcd, CONFIGURE_L2VPN_ID, VIEW_L2VPN_ID), ORG_RIGHTS_TYPE)
    got = vcd.xml("GET", path).body
    refs = got.findall(q("RightReference"))
    assert [r.get("name") for r in refs] == ["Organization vDC Gateway: Configure L2 VPN", "Organization vDC Gateway: View L2 VPN"]
    # Round trip: what GET gives can be PUT back as is.
    assert vcd.xml("PUT", path, got, ORG_RIGHTS_TYPE).status == 200
    assert len(vcd.xml("GET", path).body.findall(q("RightReference"))) == 2
    # Schema order: Link before RightReference; vCD rejects the other order.
    bad = vcd.xml("PUT", path, _org_rights_body(vcd, VIEW_L2VPN_ID, link_last=True), ORG_RIGHTS_TYPE)
    assert bad.status == 400 and bad.body.tag == q("Error") and bad.body.get("minorErrorCode") == "BAD_REQUEST"
    assert "cvc-complex-type.2.4.a" in bad.body.get("message") and "'Link'" in bad.body.get("message")
    assert bad.body.get("majorErrorCode") == "400"
    unknown = _org_rights_body(vcd, VIEW_L2VPN_ID)
    etree.SubElement(unknown, q("Bogus"))
    assert vcd.xml("PUT", path, unknown, ORG_RIGHTS_TYPE).status == 400
    assert vcd.xml("PUT", path, _org_rights_body(vcd, "00000000-0000-0000-0000-000000000000"), ORG_RIGHTS_TYPE).status == 400
    assert vcd.xml("PUT", path, _org_rights_body(vcd, VIEW_L2VPN_ID), "application/xml").status == 415
    assert len(vcd.xml("GET", path).body.findall(q("RightReference"))) == 2  # failed calls changed nothing
    assert vcd.xml("DELETE", path + "/../right/" + VIEW_L2VPN_ID).status in (204, 404)
    # Tenants may not touch org rights.
    tenant = _client(lab)
    tenant.login_legacy(*ORG1)
    assert tenant.xml("GET", path).status == 403


def test_bundles_roles_publish_and_tenant_access(vcd_lab_factory):
    lab = vcd_lab_factory()
    vcd = _client(lab).login()
    tenant = _client(lab).login(*ORG1)
    edges = tenant.json("GET", "/cloudapi/1.0.0/edgeGateways?filter=gatewayBacking.gatewayType==NSXT_BACKED").body["values"]
    assert [e["name"] for e in edges] == ["org1-edge-nsxt"]
    tunnels = "/cloudapi/1.0.0/edgeGateways/%s/l2vpn/tunnels" % edges[0]["id"]
    assert tenant.json("GET", tunnels).status == 403  # no L2 VPN rights yet
    org1 = vcd.json("GET", "/cloudapi/1.0.0/orgs?filter=name==org1").body["values"][0]
    rights = {"values": [{"name": "Organization vDC Gateway: View L2 VPN", "id": "urn:vcloud:right:" + VIEW_L2VPN_ID},
                         {"name": "Organization vDC Gateway: Configure L2 VPN", "id": "urn:vcloud:right:" + CONFIGURE_L2VPN_ID}]}
    bundle = vcd.json("POST", "/cloudapi/1.0.0/rightsBundles", {"name": "L2VPN", "description": "dcx"})
    assert bundle.status == 201 and bundle.body["id"].startswith("urn:vcloud:rightsBundle:")
    base = "/cloudapi/1.0.0/rightsBundles/" + bundle.body["id"]
    assert vcd.json("POST", base + "/rights", rights).status == 200
    assert vcd.json("POST", base + "/rights", rights).body["resultTotal"] == 2  # duplicates ignored
    assert vcd.json("POST", base + "/rights", {"values": [{"id": "urn:vcloud:right:nope"}]}).status == 400
    assert vcd.json("GET", base + "/tenants").body["values"] == []
    published = vcd.json("POST", base + "/tenants/publish", {"values": [{"name": "org1", "id": org1["id"]}]})
    assert published.status == 200 and [o["name"] for o in published.body["values"]] == ["org1"]
    # The org now has the rights, but the tenant's role (the published global role) does not.
    assert tenant.json("GET", tunnels).status == 403
    groles = vcd.json("GET", "/cloudapi/1.0.0/globalRoles?filter=name==Organization Administrator").body["values"]
    gbase = "/cloudapi/1.0.0/globalRoles/" + groles[0]["id"]
    assert vcd.json("POST", gbase + "/rights", rights).status == 200
    assert tenant.json("GET", tunnels).status == 200
    # Tenant roles: provider needs the tenant context (bare UUID, not the URN); role rights must be org rights.
    ctx = {"X-VMWARE-VCLOUD-TENANT-CONTEXT": org1["id"].rsplit(":", 1)[-1], "X-VMWARE-VCLOUD-AUTH-CONTEXT": "org1"}
    assert vcd.json("GET", "/cloudapi/1.0.0/roles").status == 400
    assert vcd.json("GET", "/cloudapi/1.0.0/roles", headers={"X-VMWARE-VCLOUD-TENANT-CONTEXT": org1["id"]}).status == 401
    roles = vcd.json("GET", "/cloudapi/1.0.0/roles", headers=ctx).body["values"]
    admin = next(r for r in roles if r["name"] == "Organization Administrator")
    assert admin["readOnly"] is True
    role = vcd.json("POST", "/cloudapi/1.0.0/roles", {"name": "L2VPN operator", "description": ""}, headers=ctx).body
    rbase = "/cloudapi/1.0.0/roles/" + role["id"]
    assert vcd.json("PUT", rbase + "/rights", rights, headers=ctx).body["resultTotal"] == 2
    other = {"values": [{"id": "urn:vcloud:right:" + inferred.right_uuid("Organization vDC Gateway: Configure NAT")}]}
    assert vcd.json("POST", rbase + "/rights", other, headers=ctx).status == 400
    assert tenant.json("GET", rbase + "/rights").body["resultTotal"] == 2
    assert vcd.json("POST", base + "/tenants/unpublishAll").body["values"] == []
    assert tenant.json("GET", tunnels).status == 403
    assert vcd.json("POST", base + "/tenants/publishAll").status == 200
    assert [o["name"] for o in vcd.json("GET", base + "/tenants").body["values"]] == ["org1", "org2"]
