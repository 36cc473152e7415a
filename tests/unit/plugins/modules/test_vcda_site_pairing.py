"""vcda_site_pairing's run() through its real main() against a fake appliance (scripted transport, no network):
pair, a second run that changes nothing, repair on a new certificate, unpair, check mode, diff without secrets,
bad input."""
from fake_module import run_module, text
from fake_vcda import ROOT_PASSWORD, FakeVcda

from ansible_collections.cloudmove.vcda.plugins.modules import vcda_site_pairing

URL = "https://vcda.example"
LOCAL_THUMB = "SHA-256:" + ":".join(["11"] * 32)
REMOTE_THUMB = "SHA-256:" + ":".join(["AB"] * 32)
NEW_THUMB = "SHA-256:" + ":".join(["CD"] * 32)
REMOTE_URL = "https://remote.example:8048"
PAIR = {"url": URL, "password": ROOT_PASSWORD, "remote_url": REMOTE_URL, "remote_site": "site2",
        "remote_thumbprint": REMOTE_THUMB, "description": "the second site"}


def task():
    return {"id": "t-pair", "state": "SUCCEEDED", "workflowInfo": {"type": "pairSite"}, "result": {}}


class Sites(object):
    """``/sites`` of a cloud site: the local entry and the paired ones, changed as the API would."""

    def __init__(self, vcda):
        self.items = [{"site": "site1", "isLocal": True, "apiUrl": URL, "apiThumbprint": LOCAL_THUMB}]
        vcda.api.routes[:0] = [
            ("GET /sites", lambda r, b: (200, self.items, None)),
            ("POST /sites", self.pair),
            ("PUT /sites/([^/]+)", self.repair),
            ("DELETE /sites/([^/]+)", self.unpair),
        ]

    def pair(self, request, body):
        self.items.append({"site": body["site"], "isLocal": False, "apiUrl": body["apiUrl"],
                           "apiThumbprint": body["apiThumbprint"], "description": body["description"], "state": {}})
        return (200, task(), None)

    def repair(self, request, body):
        name = request.path_url.split("?")[0].rsplit("/", 1)[-1]
        for item in self.items:
            if item["site"] == name:
                item.update(apiUrl=body["apiUrl"], apiThumbprint=body["apiThumbprint"])
        return (200, task(), None)

    def unpair(self, request, _body):
        name = request.path_url.split("?")[0].rsplit("/", 1)[-1]
        self.items = [item for item in self.items if item["site"] != name]
        return (204, None, None)


def setup():
    vcda = FakeVcda(service_type="Cloud")
    return vcda, Sites(vcda)


def test_pairs_once_with_the_exact_call_then_changes_nothing(monkeypatch):
    vcda, sites = setup()
    first = run_module(vcda_site_pairing, PAIR, vcda.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"] and first["action"] == "pair", first
    assert [(m, p, b) for m, p, b in vcda.api.calls if (m, p) in vcda.api.writes()] == [
        ("POST", "/sites", {"site": "site2", "apiUrl": REMOTE_URL, "apiThumbprint": REMOTE_THUMB,
                            "description": "the second site"})]
    assert first["site"]["site"] == "site2" and first["site"]["apiThumbprint"] == REMOTE_THUMB
    assert first["diff"]["before"] == {} and first["diff"]["after"]["thumbprint"] == REMOTE_THUMB
    assert ROOT_PASSWORD not in text(first)
    vcda.api.calls[:] = []
    second = run_module(vcda_site_pairing, PAIR, vcda.api, monkeypatch=monkeypatch)
    assert not second["changed"] and second["action"] is None and vcda.api.writes() == []
    assert len(sites.items) == 2


def test_a_new_remote_certificate_repairs_the_pairing(monkeypatch):
    vcda, sites = setup()
    run_module(vcda_site_pairing, PAIR, vcda.api, monkeypatch=monkeypatch)
    vcda.api.calls[:] = []
    repaired = run_module(vcda_site_pairing, dict(PAIR, remote_thumbprint=NEW_THUMB), vcda.api, diff=True,
                          monkeypatch=monkeypatch)
    assert repaired["changed"] and repaired["action"] == "repair"
    assert vcda.api.writes() == [("PUT", "/sites/site2")] and sites.items[1]["apiThumbprint"] == NEW_THUMB
    assert repaired["diff"]["before"]["thumbprint"] == REMOTE_THUMB and repaired["diff"]["after"]["thumbprint"] == NEW_THUMB


def test_unpair_then_absent_is_a_no_op(monkeypatch):
    vcda, sites = setup()
    run_module(vcda_site_pairing, PAIR, vcda.api, monkeypatch=monkeypatch)
    absent = {"url": URL, "password": ROOT_PASSWORD, "remote_url": REMOTE_URL, "remote_site": "site2", "state": "absent"}
    vcda.api.calls[:] = []
    gone = run_module(vcda_site_pairing, absent, vcda.api, monkeypatch=monkeypatch)
    assert gone["changed"] and gone["action"] == "unpair" and vcda.api.writes() == [("DELETE", "/sites/site2")]
    assert [item["site"] for item in sites.items] == ["site1"]
    again = run_module(vcda_site_pairing, absent, vcda.api, monkeypatch=monkeypatch)
    assert not again["changed"] and again["action"] is None


def test_check_mode_predicts_the_pairing_without_any_write(monkeypatch):
    vcda, sites = setup()
    predicted = run_module(vcda_site_pairing, PAIR, vcda.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and predicted["action"] == "pair"
    assert vcda.api.writes() == [] and len(sites.items) == 1
    assert predicted["diff"]["after"] == {"site": "site2", "url": REMOTE_URL, "thumbprint": REMOTE_THUMB, "healthy": True}
    assert ROOT_PASSWORD not in text(predicted)


def test_bad_input_names_the_option_and_changes_nothing(monkeypatch):
    vcda, sites = setup()
    result = run_module(vcda_site_pairing, dict(PAIR, remote_site="site1"), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "remote_site" and "remote_site" in result["msg"]
    result = run_module(vcda_site_pairing, dict(PAIR, remote_thumbprint=LOCAL_THUMB), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "remote_thumbprint" and "wildcard" in result["msg"]
    assert vcda.api.writes() == [] and len(sites.items) == 1
