"""Rights: name resolution with closest names, the set plan, OrgRights XML, reconcile (no network)."""
import pytest

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import rights
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Reconciler
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.client import VCLOUD_NS, etree

CONF = "Organization vDC Gateway: Configure L2 VPN"
VIEW = "Organization vDC Gateway: View L2 VPN"
NAT = "Organization vDC Gateway: View NAT"
CATALOG = [{"name": CONF, "id": "urn:vcloud:right:eeb2b2a0-33a1-36d4-a121-6547ad992d59"},
           {"name": VIEW, "id": "urn:vcloud:right:105191de-9e29-3495-a917-05fcb5ec1ad0"},
           {"name": NAT, "id": "urn:vcloud:right:00000000-0000-0000-0000-000000000003"}]


def test_resolve_known_names():
    assert rights.resolve(CATALOG, [VIEW, CONF]) == {VIEW: CATALOG[1]["id"], CONF: CATALOG[0]["id"]}


def test_unknown_rights_fail_with_the_closest_names():
    with pytest.raises(InputError) as err:
        rights.resolve(CATALOG, ["Organization vDC Gateway: Configure L2 VPNN", "Completely different"])
    message = str(err.value)
    assert err.value.option == "rights"
    assert "did you mean '%s'" % CONF in message
    assert "'Completely different' (no similar right)" in message


@pytest.mark.parametrize("state,add,remove,after", [
    ("present", [NAT], [], [CONF, VIEW, NAT]),
    ("absent", [], [VIEW], [CONF]),
    ("exact", [NAT], [CONF, VIEW], [NAT]),
])
def test_plan(state, add, remove, after):
    wanted = [NAT] if state != "absent" else [VIEW, NAT]
    assert rights.plan([CONF, VIEW], wanted, state) == (add, remove, after)


def test_org_rights_xml_in_the_vcloud_namespace_and_back():
    root = rights.org_rights_xml("https://vcd/", [(CONF, CATALOG[0]["id"])])
    assert root.tag == "{%s}OrgRights" % VCLOUD_NS
    ref = root[0]
    assert ref.tag == "{%s}RightReference" % VCLOUD_NS
    assert ref.get("href") == "https://vcd/api/admin/right/eeb2b2a0-33a1-36d4-a121-6547ad992d59"
    assert ref.get("type") == "application/vnd.vmware.admin.right+xml" and ref.get("name") == CONF
    parsed = rights.parse_org_rights(etree.fromstring(etree.tostring(root)))
    assert parsed == {"eeb2b2a0-33a1-36d4-a121-6547ad992d59": CONF}


class FakeService(object):
    def __init__(self, live, tenants=()):
        self.live = list(live)
        self.tenant_names = list(tenants)
        self.writes = []
        self.client = self

    def catalog(self):
        return CATALOG

    def org_rights(self, org):
        return sorted(self.live)

    def change_org_rights(self, org, pairs, replace):
        self.writes.append(("PUT" if replace else "POST", [n for n, _u in pairs]))

    def find(self, kind, name, org=None):
        return {"id": "urn:vcloud:%s:1" % kind, "name": name, "readOnly": name == "ro"}

    def item_rights(self, kind, item, org=None):
        return sorted(self.live)

    def change_item_rights(self, kind, item, pairs, replace, org=None):
        self.writes.append(("PUT" if replace else "POST", [n for n, _u in pairs]))

    def tenants(self, kind, item):
        return self.tenant_names

    def publish(self, kind, item, orgs):
        self.writes.append(("publish", [o["name"] for o in orgs]))

    def find_org(self, name, option=None):
        return {"name": name, "id": "urn:vcloud:org:" + name}


ORG = {"name": "org1", "id": "urn:vcloud:org:1"}


def test_present_posts_only_the_missing_rights():
    service = FakeService([CONF])
    result = rights.reconcile(service, "org", None, [CONF, VIEW], "present", org=ORG)
    assert result["changed"] and result["added"] == [VIEW] and service.writes == [("POST", [VIEW])]


def test_exact_replaces_the_whole_set():
    service = FakeService([CONF, VIEW])
    result = rights.reconcile(service, "rights_bundle", "b", [NAT], "exact")
    assert service.writes == [("PUT", [NAT])] and result["after"]["rights"] == [NAT]


def test_check_mode_predicts_without_writing():
    service = FakeService([], tenants=["org2"])
    result = rights.reconcile(service, "global_role", "g", [CONF], "present", publish_to=["org1", "org2"],
                              rec=Reconciler(check_mode=True))
    assert result["changed"] and result["published"] == ["org1"] and service.writes == []
    assert result["after"] == {"rights": [CONF], "tenants": ["org1", "org2"]}


def test_no_change_when_satisfied():
    service = FakeService([CONF, VIEW], tenants=["org1"])
    result = rights.reconcile(service, "rights_bundle", "b", [CONF], "present", publish_to=["org1"])
    assert not result["changed"] and service.writes == []


def test_read_only_role_and_duplicates_fail_clearly():
    with pytest.raises(InputError) as err:
        rights.reconcile(FakeService([]), "role", "ro", [CONF], "present", org=ORG)
    assert "read-only" in str(err.value) and err.value.option == "role"
    with pytest.raises(InputError):
        rights.reconcile(FakeService([]), "org", None, [CONF, CONF], "present", org=ORG)
