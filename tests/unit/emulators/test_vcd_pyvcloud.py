"""The lab vCD as VMware's own Python SDK sees it (pyvcloud 23.0.4, requirements-test.txt).

pyvcloud finds everything by following links whose ``type`` must equal the bare media type, reads
the query list for typed queries and creates networks through the VDC's ``add`` link: a lab that
drifts from what a real cell serves (a ``;version=`` in a link type, a missing link, a query type
or a path) fails here, the way it would fail a real user.
"""
from __future__ import annotations

import pytest
from pyvcloud.vcd.client import BasicLoginCredentials, Client, EntityType, RelationType, find_link
from pyvcloud.vcd.exceptions import BadRequestException
from pyvcloud.vcd.gateway import Gateway
from pyvcloud.vcd.org import Org
from pyvcloud.vcd.vdc import VDC
from pyvcloud.vcd.vdc_network import VdcNetwork

from vcd_helpers import ORG1, SYSTEM, VcdClient

ORG1_USER = ORG1[0].split("@", maxsplit=1)[0]
L2VPN_RIGHTS = ["Organization vDC Gateway: Configure L2 VPN", "Organization vDC Gateway: View L2 VPN"]


def _client(lab, tmp_path, user, password, org, api_version=None):
    appliance = lab["t-vcd"]
    ca_file = tmp_path / "t-vcd.pem"  # the lab's self-signed certificate: verified, not switched off
    ca_file.write_bytes(appliance.certificate_pem)
    client = Client(appliance.spec.url.split("://", 1)[1], verify_ssl_certs=str(ca_file), api_version=api_version,
                    log_file=str(tmp_path / "vcd_pysdk.log"),
                    log_requests=False, log_headers=False, log_bodies=False)
    client.set_credentials(BasicLoginCredentials(user, org, password))
    return client


def _wait(client, task):
    return client.get_task_monitor().wait_for_success(task, timeout=20, poll_frequency=0.05)


def test_pyvcloud_as_provider_and_org_admin(vcd_lab_factory, tmp_path):
    lab = vcd_lab_factory()
    system = _client(lab, tmp_path, "administrator", SYSTEM[1], "System")
    # negotiated from /api/versions (27.0-37.0): the newest pyvcloud knows, OpenAPI login from 33.0
    assert system.get_api_version() == "36.0" and system.is_sysadmin()
    assert sorted(o.get("name") for o in system.get_org_list()) == ["System", "org1", "org2"]
    admin = system.get_admin()
    refs = {r.get("name"): r.get("href") for r in admin.OrganizationReferences.OrganizationReference}
    assert set(refs) == {"System", "org1", "org2"}

    # AdminOrg rights: add by name (the right query), list them back through the AdminOrg.
    org1 = Org(system, href=refs["org1"])
    assert org1.list_rights_of_org() == []
    org1.add_rights(L2VPN_RIGHTS)
    assert sorted(r["name"] for r in org1.list_rights_of_org()) == L2VPN_RIGHTS
    assert len(org1.list_rights_available_in_vcd()) > 25  # every page of the query (nextPage links)

    # The org administrator: its own org only, its VDC through the Org's query link.
    tenant = _client(lab, tmp_path, ORG1_USER, ORG1[1], "org1")
    assert not tenant.is_sysadmin()
    assert [o.get("name") for o in tenant.get_org_list()] == ["org1"]
    org = Org(tenant, resource=tenant.get_org())
    assert [v["name"] for v in org.list_vdcs()] == ["org1-vdc"]
    vdc = VDC(tenant, resource=org.get_vdc("org1-vdc"))
    assert sorted(e["name"] for e in vdc.list_edge_gateways()) == ["org1-edge-nsxt", "org1-edge-nsxv"]
    nsxv = vdc.get_gateway("org1-edge-nsxv")
    gateway = Gateway(tenant, href=nsxv.get("href"))
    uplinks = gateway.list_external_network_ip_allocations()
    assert list(uplinks.values()) == [["203.0.113.11"]]

    # A routed network through the VDC's add link (POST /api/admin/vdc/{id}/networks), then a subinterface.
    created = vdc.create_routed_vdc_network("pyvcloud-net", "org1-edge-nsxv", "172.16.20.1/24", description="by pyvcloud",
                                            primary_dns_ip="172.16.20.1", ip_range_start="172.16.20.100",
                                            ip_range_end="172.16.20.199")
    _wait(tenant, created.Tasks.Task[0])
    vdc.reload()
    network = VdcNetwork(tenant, resource=vdc.get_routed_orgvdc_network("pyvcloud-net"))
    assert str(network.get_resource().Configuration.SubInterface).lower() == "false"
    _wait(tenant, network.convert_to_sub_interface())
    network.reload_admin()
    assert str(network.get_admin_resource().Configuration.SubInterface).lower() == "true"
    assert [n["name"] for n in vdc.list_orgvdc_network_records()] == ["pyvcloud-net"]

    # The same network again, overlapping the subnet now on the edge: refused as vCD does, nothing made.
    with pytest.raises(BadRequestException) as refused:
        vdc.create_routed_vdc_network("pyvcloud-overlap", "org1-edge-nsxv", "172.16.20.5/24")
    assert "overlaps" in str(refused.value)
    assert [n["name"] for n in vdc.list_orgvdc_network_records()] == ["pyvcloud-net"]
    tenant.logout()
    system.logout()


def test_pyvcloud_link_types_carry_no_version(vcd_lab_factory, tmp_path):
    """Every ``type`` pyvcloud compares is the bare media type; the version travels in Content-Type only."""
    lab = vcd_lab_factory()
    system = _client(lab, tmp_path, "administrator", SYSTEM[1], "System")
    session = system.get_vcloud_session()
    for link in session.findall("{http://www.vmware.com/vcloud/v1.5}Link"):
        assert ";" not in (link.get("type") or ""), link.get("type")
    query_list = system.get_query_list()
    assert find_link(query_list, RelationType.DOWN, EntityType.RECORDS.value, name="orgVdc") is not None
    raw = VcdClient(lab.url("t-vcd"), lab.thumbprint("t-vcd"))
    raw.login_legacy()
    reply = raw.xml("GET", "/api/org")
    assert reply.headers["content-type"] == "application/vnd.vmware.vcloud.orgList+xml;version=36.0"
    assert all(";" not in o.get("type") for o in reply.body)


def test_pyvcloud_legacy_login_below_33(vcd_lab_factory, tmp_path):
    """API 32.0 logs in through POST /api/sessions and finds the VDC through the Org's down links."""
    lab = vcd_lab_factory()
    tenant = _client(lab, tmp_path, ORG1_USER, ORG1[1], "org1", api_version="32.0")
    assert tenant.get_xvcloud_authorization_token()
    org = Org(tenant, resource=tenant.get_org())
    assert [v["name"] for v in org.list_vdcs()] == ["org1-vdc"]
    requests_seen = VcdClient(lab.url("t-vcd"), lab.thumbprint("t-vcd")).lab("GET", "/_lab/requests").body["items"]
    assert any(e["method"] == "POST" and e["path"] == "/api/sessions" for e in requests_seen)
    assert not any(e["path"].startswith("/cloudapi/1.0.0/sessions") for e in requests_seen)
