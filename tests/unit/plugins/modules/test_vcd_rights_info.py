"""vcd_rights_info: its real main() against a routed fake Cloud Director."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position
from vcd_fake import VCD_ARGS, page, vcd_routes  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudmove.vcda.plugins.modules import vcd_rights_info  # noqa: E402

L2VPN = "Organization vDC Gateway: Configure L2 VPN"
VIEW = "Organization vDC Gateway: View L2 VPN"
CATALOG = [{"name": L2VPN, "id": "urn:vcloud:right:r1"}, {"name": VIEW, "id": "urn:vcloud:right:r2"},
           {"name": "vApp: Create", "id": "urn:vcloud:right:r3"}]
ORG_RIGHTS = """<OrgRights xmlns="http://www.vmware.com/vcloud/v1.5">
<RightReference href="https://vcd.example/api/admin/right/r2" name="%s" type="application/vnd.vmware.admin.right+xml"/>
<RightReference href="https://vcd.example/api/admin/right/r3" type="application/vnd.vmware.admin.right+xml"/>
</OrgRights>""" % VIEW


def in_org_context(answer):
    """A tenant role is found only in its organization's context (the provider's tenant-context header)."""
    def handler(request, _body):
        if request.headers.get("X-VMWARE-VCLOUD-TENANT-CONTEXT") != "o1":
            return (403, {"message": "not in the org's context"}, None)
        return answer
    return handler


def api():
    return FakeApi(vcd_routes(**{
        "GET /cloudapi/1.0.0/rights": page(CATALOG),
        "GET /cloudapi/1.0.0/orgs": page([{"name": "org1", "id": "urn:vcloud:org:o1"}]),
        "GET /api/admin/org/o1/rights": (200, ORG_RIGHTS, None),
        "GET /cloudapi/1.0.0/rightsBundles": page([{"name": "Default Rights Bundle", "id": "urn:vcloud:rightsBundle:b1"}]),
        "GET /cloudapi/1.0.0/rightsBundles/urn:vcloud:rightsBundle:b1/rights": page([CATALOG[2], CATALOG[0]]),
        "GET /cloudapi/1.0.0/rightsBundles/urn:vcloud:rightsBundle:b1/tenants": page([{"name": "org2"}, {"name": "org1"}]),
        "GET /cloudapi/1.0.0/roles": page([{"name": "Network Admin", "id": "urn:vcloud:role:t1"}]),
        "GET /cloudapi/1.0.0/roles/urn:vcloud:role:t1/rights": in_org_context(page([CATALOG[1]])),
    }))


@pytest.mark.parametrize("check_mode", [False, True])
def test_legacy_org_rights_with_names_from_the_catalog(monkeypatch, check_mode):
    fake = api()
    result = run_module(vcd_rights_info, dict(VCD_ARGS, organization="org1", rights=[L2VPN, VIEW]), fake,
                        check_mode=check_mode, monkeypatch=monkeypatch)
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["target"] == {"kind": "org", "name": "org1", "id": "urn:vcloud:org:o1"}
    assert result["rights"] == [VIEW, "vApp: Create"]  # a reference without a name is named from the catalog
    assert result["missing"] == [L2VPN] and "tenants" not in result
    assert fake.writes() == []
    assert VCD_ARGS["password"] not in text(result)


def test_a_bundle_and_where_it_is_published(monkeypatch):
    result = run_module(vcd_rights_info, dict(VCD_ARGS, rights_bundle="Default Rights Bundle"), api(),
                        monkeypatch=monkeypatch)
    assert result["rights"] == [L2VPN, "vApp: Create"] and result["tenants"] == ["org1", "org2"]
    assert result["target"]["kind"] == "rights_bundle" and "missing" not in result


def test_a_tenant_role_is_read_in_the_org_context(monkeypatch):
    fake = api()
    result = run_module(vcd_rights_info, dict(VCD_ARGS, organization="org1", role="Network Admin"), fake,
                        monkeypatch=monkeypatch)
    assert result["rights"] == [VIEW] and result["target"]["kind"] == "role"
    assert any(c[1] == "/cloudapi/1.0.0/roles/urn:vcloud:role:t1/rights" for c in fake.calls)


def test_an_unknown_right_or_target_names_the_option(monkeypatch):
    typo = "Organization vDC Gateway: Configure L2VPN"
    result = run_module(vcd_rights_info, dict(VCD_ARGS, organization="org1", rights=[typo]), api(),
                        monkeypatch=monkeypatch)
    assert result["failed"] and "rights: unknown right" in result["msg"] and L2VPN in result["msg"]
    result = run_module(vcd_rights_info, dict(VCD_ARGS, rights_bundle="Gold Bundle"), api(), monkeypatch=monkeypatch)
    assert result["failed"] and "Gold Bundle" in result["msg"] and "Default Rights Bundle" in result["msg"]
    result = run_module(vcd_rights_info, dict(VCD_ARGS, role="Network Admin"), api(), monkeypatch=monkeypatch)
    assert result["failed"] and "organization" in result["msg"]
