"""vcd_rights: its real main() against a routed fake Cloud Director whose rights bundle and tenants change."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_module import FakeApi, run_module, text  # noqa: E402  pylint: disable=wrong-import-position
from vcd_fake import VCD_ARGS, page, vcd_routes  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.cloudmove.vcda.plugins.modules import vcd_rights  # noqa: E402

CONF = "Organization vDC Gateway: Configure L2 VPN"
VIEW = "Organization vDC Gateway: View L2 VPN"
OTHER = "vApp: Create"
CATALOG = [{"name": CONF, "id": "urn:vcloud:right:r1"}, {"name": VIEW, "id": "urn:vcloud:right:r2"},
           {"name": OTHER, "id": "urn:vcloud:right:r3"}]
BUNDLE = "/cloudapi/1.0.0/rightsBundles/urn:vcloud:rightsBundle:b1"
ARGS = dict(VCD_ARGS, rights_bundle="Default Rights Bundle", rights=[CONF, VIEW], publish_to=["org1"])


class Cell(object):
    def __init__(self, rights=(OTHER,), tenants=()):
        self.rights = list(rights)
        self.tenants = list(tenants)
        by_name = dict((r["name"], r) for r in CATALOG)
        self.api = FakeApi(vcd_routes(**{
            "GET /cloudapi/1.0.0/rights": page(CATALOG),
            "GET /cloudapi/1.0.0/orgs": page([{"name": "org1", "id": "urn:vcloud:org:o1"}]),
            "GET /cloudapi/1.0.0/rightsBundles": page([{"name": "Default Rights Bundle",
                                                       "id": "urn:vcloud:rightsBundle:b1"}]),
            "GET %s/rights" % BUNDLE: lambda r, b: page([by_name[n] for n in self.rights]),
            "POST %s/rights" % BUNDLE: self.add,
            "PUT %s/rights" % BUNDLE: self.replace,
            "GET %s/tenants" % BUNDLE: lambda r, b: page([{"name": n} for n in self.tenants]),
            "POST %s/tenants/publish" % BUNDLE: self.publish,
        }))

    def add(self, request, body):
        self.rights.extend(v["name"] for v in body["values"] if v["name"] not in self.rights)
        return (200, body, None)

    def replace(self, request, body):
        self.rights = [v["name"] for v in body["values"]]
        return (200, body, None)

    def publish(self, request, body):
        self.tenants.extend(v["name"] for v in body["values"])
        return (200, body, None)


def writes(cell):
    return [(m, p.rsplit("/", 1)[-1]) for m, p in cell.api.writes()]


def test_grant_and_publish_then_a_second_run_changes_nothing(monkeypatch):
    cell = Cell()
    first = run_module(vcd_rights, ARGS, cell.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"] and not first.get("failed"), first
    assert writes(cell) == [("POST", "rights"), ("POST", "publish")]  # only the missing rights are added
    assert sorted(cell.rights) == sorted([OTHER, CONF, VIEW]) and cell.tenants == ["org1"]
    assert first["added"] == sorted([CONF, VIEW]) and first["published"] == ["org1"]
    assert first["diff"] == {"before": {"rights": [OTHER], "tenants": []},
                             "after": {"rights": sorted([CONF, OTHER, VIEW]), "tenants": ["org1"]}}
    assert VCD_ARGS["password"] not in text(first)
    cell.api.calls[:] = []
    second = run_module(vcd_rights, ARGS, cell.api, monkeypatch=monkeypatch)
    assert not second["changed"] and writes(cell) == []


def test_check_mode_predicts_and_writes_nothing(monkeypatch):
    cell = Cell()
    predicted = run_module(vcd_rights, ARGS, cell.api, check_mode=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and writes(cell) == [] and cell.rights == [OTHER] and cell.tenants == []
    assert predicted["rights"] == sorted([CONF, OTHER, VIEW]) and predicted["published"] == ["org1"]


def test_exact_replaces_the_set_in_one_call(monkeypatch):
    cell = Cell(rights=(OTHER, VIEW))
    result = run_module(vcd_rights, dict(ARGS, rights=[CONF], state="exact", publish_to=None), cell.api,
                        monkeypatch=monkeypatch)
    assert result["changed"] and writes(cell) == [("PUT", "rights")] and cell.rights == [CONF]
    assert result["added"] == [CONF] and result["removed"] == sorted([OTHER, VIEW])


def test_bad_input_names_the_option_before_any_write(monkeypatch):
    cell = Cell()
    result = run_module(vcd_rights, dict(ARGS, rights=["Organization vDC Gateway: Configure L2VPN"]), cell.api,
                        monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "rights" and "did you mean" in result["msg"]
    assert writes(cell) == [] and "Traceback" not in text(result)
    result = run_module(vcd_rights, dict(ARGS, publish_to=["nowhere"]), cell.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["msg"].startswith("publish_to:") and result["existing"] == ["org1"]
    assert writes(cell) == []
