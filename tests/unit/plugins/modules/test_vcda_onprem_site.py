"""vcda_onprem_site's run() through its real main() against a fake on-premises appliance (scripted transport,
no network): site name, lookup service, cloud pairing, cloud access and placement set with the exact calls, a
second run that changes nothing, check mode without writes, diff without secrets, bad input."""
from fake_module import run_module, text
from fake_vcda import ROOT_PASSWORD, FakeVcda

from ansible_collections.cloudmove.vcda.plugins.modules import vcda_onprem_site

URL = "https://onprem.example"
LS_THUMB = "SHA-256:" + ":".join(["AB"] * 32)
CLOUD_THUMB = "SHA-256:" + ":".join(["CD"] * 32)
CLOUD_URL = "https://cloud.example:443"
SSO_PASSWORD = "Sso-Pass-77"
CLOUD_PASSWORD = "Tenant-Pass-88"
ONPREM = {"url": URL, "password": ROOT_PASSWORD, "site_name": "onprem1",
          "lookup_service_url": "https://vc.example/lookupservice/sdk", "lookup_service_thumbprint": LS_THUMB,
          "sso_password": SSO_PASSWORD, "cloud_url": CLOUD_URL, "cloud_thumbprint": CLOUD_THUMB,
          "cloud_user": "admin@tenant1", "cloud_password": CLOUD_PASSWORD, "allow_access_from_cloud": True,
          "placement": {"cluster": "cluster-a", "datastore": "ds-1"}}


class OnPrem(object):
    """What an on-premises appliance adds to the fake: ``/sites``, cloud access and placement."""

    def __init__(self, vcda):
        self.vcda = vcda
        self.access = False
        self.placement = {}
        self.candidates = {"clusters": [{"id": "domain-c1", "name": "cluster-a"}],
                           "datastores": [{"id": "datastore-1", "name": "ds-1"}],
                           "vmFolders": [], "networks": []}
        self.cloud = None
        vcda.api.routes[:0] = [
            ("GET /sites", lambda r, b: (200, self.sites(), None)),
            ("POST /sites", self.pair),
            ("GET /config/cloud-access", lambda r, b: (200, {"allowAccessFromCloud": self.access}, None)),
            ("POST /config/cloud-access", self.set_access),
            ("GET /config/placement/candidates", lambda r, b: (200, self.candidates, None)),
            ("GET /config/placement", lambda r, b: (200, self.placement, None)),
            ("POST /config/placement", self.set_placement),
        ]

    def sites(self):
        local = [{"site": self.vcda.config["site"], "isLocal": True}] if self.vcda.config.get("site") else []
        return local + ([self.cloud] if self.cloud else [])

    def pair(self, request, body):
        self.cloud = {"site": "cloud1", "isLocal": False, "apiUrl": body["apiUrl"], "apiThumbprint": body["apiThumbprint"],
                      "org": body["credentials"]["vcdUsername"].rsplit("@", 1)[1], "state": {}}
        self.access = body["allowAccessFromCloud"]
        return (200, {"id": "t-pair", "state": "SUCCEEDED", "workflowInfo": {"type": "pairSite"}, "result": {}}, None)

    def set_access(self, request, body):
        self.access = body["allowAccessFromCloud"]
        return (200, {}, None)

    def set_placement(self, request, body):
        names = dict((i["id"], i["name"]) for items in self.candidates.values() for i in items)
        self.placement = dict(body, **dict((k + "Name", names[v]) for k, v in body.items()))
        return (200, {}, None)


def setup():
    vcda = FakeVcda(service_type="OnPremise")
    return vcda, OnPrem(vcda)


def bodies(vcda):
    return [(m, p, b) for m, p, b in vcda.api.calls if (m, p) in vcda.api.writes()]


def test_sets_every_part_with_the_exact_calls_then_changes_nothing(monkeypatch):
    vcda, onprem = setup()
    first = run_module(vcda_onprem_site, ONPREM, vcda.api, diff=True, monkeypatch=monkeypatch)
    assert first["changed"], first
    assert bodies(vcda) == [
        ("POST", "/config/site", {"site": "onprem1"}),
        ("POST", "/config/lookup-service", {"url": ONPREM["lookup_service_url"], "thumbprint": LS_THUMB,
                                            "ssoAdminCredentials": {"ssoUser": "administrator@vsphere.local",
                                                                    "ssoPassword": SSO_PASSWORD}}),
        ("POST", "/sites", {"apiUrl": CLOUD_URL, "apiThumbprint": CLOUD_THUMB, "description": None,
                            "allowAccessFromCloud": True,
                            "credentials": {"type": "credentials", "vcdUsername": "admin@tenant1",
                                            "vcdPassword": CLOUD_PASSWORD}}),
        ("POST", "/config/placement", {"cluster": "domain-c1", "datastore": "datastore-1"}),
    ]
    assert first["cloud_site"]["site"] == "cloud1" and onprem.access is True
    assert first["placement"]["cluster"] == {"id": "domain-c1", "name": "cluster-a"}
    for secret in (ROOT_PASSWORD, SSO_PASSWORD, CLOUD_PASSWORD):
        assert secret not in text(first)
    vcda.api.calls[:] = []
    second = run_module(vcda_onprem_site, ONPREM, vcda.api, diff=True, monkeypatch=monkeypatch)
    assert not second["changed"] and vcda.api.writes() == [], vcda.api.writes()
    assert second["diff"]["before"] == second["diff"]["after"]


def test_cloud_access_alone_is_switched_off_and_on(monkeypatch):
    vcda, onprem = setup()
    run_module(vcda_onprem_site, ONPREM, vcda.api, monkeypatch=monkeypatch)
    vcda.api.calls[:] = []
    args = {"url": URL, "password": ROOT_PASSWORD, "allow_access_from_cloud": False}
    off = run_module(vcda_onprem_site, args, vcda.api, monkeypatch=monkeypatch)
    assert off["changed"] and bodies(vcda) == [("POST", "/config/cloud-access", {"allowAccessFromCloud": False})]
    assert onprem.access is False
    assert not run_module(vcda_onprem_site, args, vcda.api, monkeypatch=monkeypatch)["changed"]


def test_check_mode_predicts_without_any_write(monkeypatch):
    vcda, onprem = setup()
    predicted = run_module(vcda_onprem_site, ONPREM, vcda.api, check_mode=True, diff=True, monkeypatch=monkeypatch)
    assert predicted["changed"] and [w for w in vcda.api.writes() if "check-" not in w[1]] == []
    assert "site" not in vcda.config and onprem.cloud is None and onprem.placement == {}
    assert predicted["diff"]["after"]["cloud"] == {"url": CLOUD_URL, "thumbprint": CLOUD_THUMB, "org": "tenant1",
                                                   "healthy": True}
    for secret in (ROOT_PASSWORD, SSO_PASSWORD, CLOUD_PASSWORD):
        assert secret not in text(predicted)


def test_bad_input_names_the_option_and_changes_nothing(monkeypatch):
    vcda, onprem = setup()
    result = run_module(vcda_onprem_site, dict(ONPREM, cloud_org="other"), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "cloud_org" and "cloud_org" in result["msg"]
    assert vcda.api.writes() == []
    vcda.config["site"] = "onprem1"
    result = run_module(vcda_onprem_site, dict(ONPREM, site_name="renamed"), vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and result["option"] == "site_name" and vcda.api.writes() == []
    result = run_module(vcda_onprem_site, {"url": URL, "password": ROOT_PASSWORD, "placement": {"cluster": "nope"}},
                        vcda.api, monkeypatch=monkeypatch)
    assert result["failed"] and "placement.cluster" in text(result) and "cluster-a" in result["msg"]
    assert vcda.api.writes() == [] and onprem.placement == {}
