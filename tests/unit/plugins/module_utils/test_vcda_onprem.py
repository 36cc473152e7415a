"""The on-premises appliance's calls (all inferred, docs/api/open-questions.md#on-premises-appliance): request paths and bodies, task waiting,
reading back cloud access and placement, placement names -> MoRef ids (no network)."""
import json

import pytest
import requests

from fake_http import ScriptedAdapter
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as _vcda
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import onprem
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import NotFoundError, TaskFailed

TP = "SHA-256:" + ":".join(["AB", "CD", "EF", "01", "23", "45", "67", "89"] * 4)
CLOUD_TP = "SHA-256:" + ":".join(["12", "34", "56", "78", "9A", "BC", "DE", "F0"] * 4)
LOGIN = (200, {"roles": ["ADMINISTRATORS"], "user": "root"}, {"X-VCAV-Auth": "tok-1"})


class FakeAdapter(ScriptedAdapter):
    """Records (method, path, JSON body)."""

    def record(self, request):
        url = requests.utils.urlparse(request.url)
        return (request.method, url.path, json.loads(request.body) if request.body else None)


def make(script):
    sleeps = []
    client = _vcda.VcdaClient("https://onprem.example:443", password="Onprem-Root-1!", thumbprint=TP,
                              api_version="4.7", sleep=sleeps.append, clock=lambda: float(len(sleeps)))
    adapter = FakeAdapter([LOGIN] + list(script))
    client.http.session.mount("https://", adapter)
    return client, adapter


def task(state, result=None, error=None):
    return {"id": "t-1", "user": "root", "workflowInfo": {"type": "pair"}, "progress": 100 if state != "RUNNING" else 40,
            "state": state, "startTime": 1, "endTime": -1 if state == "RUNNING" else 2, "result": result,
            "error": error, "warnings": [], "site": "onprem1"}


def writes(adapter):
    return [c for c in adapter.calls if c[1] != "/sessions"]


# ----- site ---------------------------------------------------------------------------------------
def test_set_site_posts_the_name():
    client, adapter = make([(200, {"site": "onprem1"}, None)])
    onprem.set_site(client, "onprem1")
    assert writes(adapter) == [("POST", "/config/site", {"site": "onprem1"})]


def test_cloud_site_is_the_paired_not_the_local_one():
    local = {"site": "onprem1", "isLocal": True}
    cloud = {"site": "site1", "isLocal": False, "org": "org1", "apiUrl": "https://cloud:443"}
    client, adapter = make([(200, [local, cloud], None), (200, [local], None)])
    assert onprem.cloud_site(client) == cloud
    assert onprem.cloud_site(client) is None
    assert [c[:2] for c in writes(adapter)] == [("GET", "/sites"), ("GET", "/sites")]


# ----- credentials and pairing ---------------------------------------------------------------------
def test_credentials_with_user_and_password():
    assert onprem.credentials("admin1@org1", "Org-Pass-1!") == {
        "type": inferred.ONPREM_CREDENTIALS_TYPES["password"], "vcdUsername": "admin1@org1", "vcdPassword": "Org-Pass-1!"}
    assert inferred.ONPREM_CREDENTIALS_TYPES["password"] == "credentials"


def test_credentials_with_an_api_token_carry_the_org_and_no_password():
    creds = onprem.credentials("ignored", "ignored", token="tok-abc", org="org1")
    assert creds == {"type": "vcdAccessToken", "vcdAccessToken": "tok-abc", "org": "org1"}


def test_first_pairing_posts_sites_and_waits_for_its_task():
    creds = onprem.credentials("admin1@org1", "Org-Pass-1!")
    client, adapter = make([(202, task("RUNNING"), None), (200, task("SUCCEEDED", result={"site": "site1"}), None)])
    result = onprem.pair(client, "https://cloud:443", CLOUD_TP, creds, True, description="Tenant DC")
    assert result == {"site": "site1"}
    assert writes(adapter) == [
        ("POST", "/sites", {"apiUrl": "https://cloud:443", "apiThumbprint": CLOUD_TP, "description": "Tenant DC",
                            "allowAccessFromCloud": True, "credentials": creds}),
        ("GET", "/tasks/t-1", None)]


def test_pairing_again_puts_the_known_site_with_allow_access_false():
    creds = onprem.credentials(token="tok-abc", org="org1")
    client, adapter = make([(202, task("SUCCEEDED"), None)])
    onprem.pair(client, "https://cloud:443", CLOUD_TP, creds, None, site="site1")
    (call,) = writes(adapter)
    assert call[:2] == ("PUT", "/sites/site1")
    assert call[2]["allowAccessFromCloud"] is False and call[2]["credentials"] == creds and call[2]["description"] is None


def test_failed_pairing_task_names_the_cloud_url():
    client, unused = make([(202, task("FAILED", error={"code": "RemoteAuthenticationFailure", "msg": "bad creds"}), None)])
    with pytest.raises(TaskFailed) as err:
        onprem.pair(client, "https://cloud:443", CLOUD_TP, onprem.credentials("u@o", "Org-Pass-9!"), True)
    assert "https://cloud:443" in str(err.value) and "bad creds" in str(err.value)
    assert "Org-Pass-9!" not in str(err.value)


def test_pairing_post_after_503_re_reads_and_pairs_only_once():
    cloud = {"site": "cloud1", "isLocal": False, "apiUrl": "https://cloud:443"}
    client, adapter = make([(503, {"code": "GeneralServerFailure", "msg": "busy"}, None), (200, [cloud], None)])
    assert onprem.pair(client, "https://cloud:443", CLOUD_TP, onprem.credentials("u@o", "p"), True) == cloud
    assert [c[:2] for c in writes(adapter)] == [("POST", "/sites"), ("GET", "/sites")]
    empty = (200, {"items": [], "total": 0}, None)
    client, adapter = make([(503, None, {"Retry-After": "2"}), (200, [], None), empty, empty,
                            (202, task("SUCCEEDED", result=cloud), None)])
    assert onprem.pair(client, "https://cloud:443", CLOUD_TP, onprem.credentials("u@o", "p"), True) == cloud
    assert [c[:2] for c in writes(adapter)] == [("POST", "/sites"), ("GET", "/sites"), ("GET", "/tasks"),
                                                ("GET", "/tasks"), ("POST", "/sites")]


# ----- allow access from cloud ---------------------------------------------------------------------
@pytest.mark.parametrize("body,expected", [({"allowAccessFromCloud": True}, True), ({"allowAccessFromCloud": False}, False),
                                           ({}, False), (None, False)])
def test_cloud_access_reads_the_switch(body, expected):
    client, adapter = make([(200, body, None)])
    assert onprem.cloud_access(client) is expected
    assert writes(adapter) == [("GET", "/config/cloud-access", None)]


def test_set_cloud_access_posts_a_boolean():
    client, adapter = make([(200, {"allowAccessFromCloud": True}, None)])
    onprem.set_cloud_access(client, 1)
    assert writes(adapter) == [("POST", "/config/cloud-access", {"allowAccessFromCloud": True})]


# ----- placement -----------------------------------------------------------------------------------
CANDIDATES = {
    "vmFolders": [{"id": "group-v4", "name": "vm"}, {"id": "group-v9", "name": "replicas"}],
    "clusters": [{"id": "domain-c7", "name": "DC0_C0"}],
    "networks": [{"id": "network-14", "name": "VM Network"}, {"id": "dvportgroup-20", "name": "DVPG"}],
    "datastores": [{"id": "datastore-12", "name": "LocalDS_0"}],
}


def test_placement_reads_ids_and_names_and_unset_parts_as_none():
    body = {"vmFolder": "group-v4", "vmFolderName": "vm", "datastore": "datastore-12", "datastoreName": "LocalDS_0"}
    client, adapter = make([(200, body, None)])
    assert onprem.placement(client) == {"folder": {"id": "group-v4", "name": "vm"}, "cluster": None, "network": None,
                                        "datastore": {"id": "datastore-12", "name": "LocalDS_0"}}
    assert writes(adapter) == [("GET", "/config/placement", None)]


def test_resolve_placement_by_name_or_id_skipping_unset():
    client, adapter = make([(200, CANDIDATES, None)])
    resolved = onprem.resolve_placement(client, {"folder": "vm", "cluster": None, "network": "dvportgroup-20",
                                                 "datastore": "LocalDS_0"})
    assert resolved == {"folder": {"id": "group-v4", "name": "vm"}, "network": {"id": "dvportgroup-20", "name": "DVPG"},
                        "datastore": {"id": "datastore-12", "name": "LocalDS_0"}}
    assert writes(adapter) == [("GET", "/config/placement/candidates", None)]


def test_unknown_placement_name_lists_what_exists():
    client, unused = make([(200, CANDIDATES, None)])
    with pytest.raises(NotFoundError) as err:
        onprem.resolve_placement(client, {"network": "Nope"})
    assert str(err.value).startswith("placement.network:")
    assert "'Nope'" in str(err.value) and "DVPG, VM Network" in str(err.value)


def test_set_placement_posts_moref_ids_under_the_api_keys():
    client, adapter = make([(200, {}, None)])
    onprem.set_placement(client, {"folder": {"id": "group-v4", "name": "vm"}, "cluster": {"id": "domain-c7", "name": "C"},
                                  "network": {"id": "network-14", "name": "VM Network"},
                                  "datastore": {"id": "datastore-12", "name": "LocalDS_0"}})
    expected = {"vmFolder": "group-v4", "cluster": "domain-c7", "network": "network-14", "datastore": "datastore-12"}
    assert writes(adapter) == [("POST", "/config/placement", expected)]


def test_same_cloud_decides_whether_a_pairing_would_be_re_pointed():
    from ansible_collections.cloudmove.vcda.plugins.modules.vcda_onprem_site import same_cloud
    paired = {"site": "cloud1", "apiUrl": "https://cloud:443", "apiPublicUrl": "https://vcda.example.com",
              "apiThumbprint": CLOUD_TP}
    assert same_cloud(paired, "https://CLOUD/", TP)                  # same URL, renewed certificate: a repair
    assert same_cloud(paired, "https://vcda.example.com:443", None)  # its public URL
    assert same_cloud(paired, "https://other-name:8046", CLOUD_TP)   # another name, same certificate
    assert not same_cloud(paired, "https://other-cloud:443", TP)     # another cloud: refused up front


def test_service_ignore_names_are_the_health_items():
    problems = _vcda.health_problems({"lsError": {"code": "X", "msg": "m"}, "offlineManagers": 1,
                                      "managerHealth": {"ssoAdminError": {"code": "Y"}, "offlineReplicators": 2}})
    assert set(p.split(":", 1)[0] for p in problems) <= set(_vcda.HEALTH_ITEMS)
