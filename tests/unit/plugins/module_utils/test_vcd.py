"""VcdClient: versions, sessions, the pager, FIQL, the name lookup, the task waiter, errors (no network)."""

import pytest
import requests

from fake_http import ScriptedAdapter
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd import client as _vcd
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ApiError, InputError, NotFoundError, TaskFailed, TimeoutExpired)

TP = "SHA-256:" + ":".join(["AB", "CD", "EF", "01", "23", "45", "67", "89"] * 4)
VERSIONS = """<?xml version="1.0"?><SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">
<VersionInfo deprecated="true"><Version>32.0</Version><LoginUrl>https://vcd/api/sessions</LoginUrl></VersionInfo>
<VersionInfo deprecated="false"><Version>36.0</Version><LoginUrl>https://vcd/api/sessions</LoginUrl></VersionInfo>
<VersionInfo deprecated="false"><Version>37.0</Version><LoginUrl>https://vcd/api/sessions</LoginUrl></VersionInfo>
<VersionInfo deprecated="false"><Version>40.0</Version><LoginUrl>https://vcd/api/sessions</LoginUrl></VersionInfo>
<VersionInfo deprecated="false"><Version>38.0.0-alpha</Version><LoginUrl>https://vcd/api/sessions</LoginUrl></VersionInfo>
</SupportedVersions>"""
NS = 'xmlns="http://www.vmware.com/vcloud/v1.5"'


def task(status, details=None, error=None):
    body = '<Task %s status="%s" href="https://vcd/api/task/t1" operationName="op">' % (NS, status)
    if error:
        body += '<Error message="%s" minorErrorCode="BAD_REQUEST"/>' % error
    if details:
        body += "<Details>%s</Details>" % details
    return body + "</Task>"


class FakeAdapter(ScriptedAdapter):
    """Records (method, path, unquoted query, headers, raw body); a str payload is vCD XML."""

    json_type = "application/json;version=37.0"
    xml_type = "application/*+xml;version=37.0"

    def record(self, request):
        url = requests.utils.urlparse(request.url)
        return (request.method, url.path, requests.utils.unquote(url.query), dict(request.headers), request.body)


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def make(script, org="System", api_version=None, timeout=30):
    clock = Clock()
    client = _vcd.VcdClient("https://vcd.example", "administrator", "Secret-1!", org, api_version=api_version,
                            thumbprint=TP, timeout=timeout, sleep=clock.sleep, clock=clock)
    adapter = FakeAdapter(script)
    client.http.session.mount("https://", adapter)
    client.http.sleep = clock.sleep
    return client, adapter


LOGIN = (200, {"id": "urn:vcloud:session:1"}, {"X-VMWARE-VCLOUD-ACCESS-TOKEN": "jwt-1"})


def page(values, number, count):
    return (200, {"resultTotal": 99, "pageCount": count, "page": number, "pageSize": 128, "values": values}, None)


# ----- versions ----------------------------------------------------------------------------------
def test_parse_versions_skips_unparseable_and_keeps_deprecated_flag():
    assert _vcd.parse_versions(VERSIONS) == [((32, 0), True), ((36, 0), False), ((37, 0), False), ((40, 0), False)]


def test_choose_version_newest_known_not_deprecated():
    offered = _vcd.parse_versions(VERSIONS)
    assert _vcd.choose_version(offered) == (37, 0)  # 40.0 is newer than this collection knows
    assert _vcd.choose_version(offered, "36.0") == (36, 0)
    assert _vcd.choose_version([((32, 0), True)]) == (32, 0)  # deprecated only when nothing else


def test_wanted_version_not_offered_names_the_offered_ones():
    with pytest.raises(InputError) as err:
        _vcd.choose_version(_vcd.parse_versions(VERSIONS), "35.0")
    assert err.value.option == "api_version" and "37.0" in str(err.value) and "32.0" in str(err.value)
    with pytest.raises(InputError):
        _vcd.parse_api_version("v37")


# ----- sessions ----------------------------------------------------------------------------------
def test_provider_login_uses_the_provider_endpoint_and_bearer_afterwards():
    client, adapter = make([(200, VERSIONS, None), LOGIN, page([{"name": "org1", "id": "urn:vcloud:org:1"}], 1, 1)])
    assert client.find_org("org1")["id"] == "urn:vcloud:org:1"
    (m0, p0, _q0, _h0, _b0), (m1, p1, _q1, h1, _b1), (_m2, p2, q2, h2, _b2) = adapter.calls
    assert (m0, p0) == ("GET", "/api/versions")
    assert (m1, p1) == ("POST", "/cloudapi/1.0.0/sessions/provider")
    assert h1["Authorization"] == "Basic " + __import__("base64").b64encode(b"administrator@System:Secret-1!").decode()
    assert h1["Accept"] == "application/json;version=37.0"
    assert p2 == "/cloudapi/1.0.0/orgs" and "filter=name==org1" in q2 and "pageSize=128" in q2
    assert h2["Authorization"] == "Bearer jwt-1" and h2["Accept"] == "application/json;version=37.0"


def test_tenant_login_and_xml_accept_on_api_paths():
    client, adapter = make([LOGIN, (200, "<OrgRights %s/>" % NS, None)], org="org1", api_version="36.0")
    client.xml("GET", "/api/admin/org/1/rights")
    assert adapter.calls[0][1] == "/cloudapi/1.0.0/sessions"
    assert adapter.calls[1][3]["Accept"] == "application/*+xml;version=36.0"


def test_legacy_session_before_33():
    client, adapter = make([(200, "<Session %s/>" % NS, {"x-vcloud-authorization": "legacy-1"}),
                            (200, "<Org %s/>" % NS, None)], org="org1", api_version="32.0")
    client.xml("GET", "/api/org/1")
    assert adapter.calls[0][1] == "/api/sessions" and adapter.calls[1][3]["x-vcloud-authorization"] == "legacy-1"
    assert "Authorization" not in adapter.calls[1][3]


def test_relogin_once_on_401():
    client, adapter = make([LOGIN, (401, {"message": "expired"}, None), LOGIN, (200, {"ok": 1}, None)],
                           api_version="37.0")
    assert client.json("GET", "/cloudapi/1.0.0/sessions/current") == {"ok": 1}
    assert [c[1] for c in adapter.calls].count("/cloudapi/1.0.0/sessions/provider") == 2


def test_refused_login_says_why_without_the_password():
    client, _adapter = make([(401, {"message": "bad"}, None)], org="org1", api_version="37.0")
    with pytest.raises(ApiError) as err:
        client.login()
    assert "administrator@org1" in str(err.value) and "Secret-1!" not in str(err.value)


def test_tenant_context_is_the_bare_uuid():
    headers = _vcd.VcdClient.tenant_context("urn:vcloud:org:9949be75", "org1")
    assert headers == {"X-VMWARE-VCLOUD-TENANT-CONTEXT": "9949be75", "X-VMWARE-VCLOUD-AUTH-CONTEXT": "org1"}


# ----- pager, FIQL, lookup -----------------------------------------------------------------------
def test_list_all_reads_every_page():
    client, adapter = make([LOGIN, page([{"name": "a"}], 1, 3), page([{"name": "b"}], 2, 3), page([{"name": "c"}], 3, 3)],
                           api_version="37.0")
    assert [i["name"] for i in client.list_all("/cloudapi/1.0.0/rights", "name==x")] == ["a", "b", "c"]
    assert ["page=%d" % n in c[2] for n, c in zip((1, 2, 3), adapter.calls[1:])] == [True, True, True]


def test_fiql_builds_and_conditions_and_refuses_reserved_values():
    assert _vcd.fiql(("name", "!=", "x"), name="web", orgVdc__id="urn:vcloud:vdc:1") == \
        "name!=x;name==web;orgVdc.id==urn:vcloud:vdc:1"
    for value in ("a,b", "a;b", "a*", "(a)", ""):
        with pytest.raises(InputError):
            _vcd.fiql(name=value)
    assert _vcd.fiql_safe("Organization vDC Gateway: View") and not _vcd.fiql_safe("Role: Create, Edit")


def test_find_by_name_lists_everything_when_the_name_cannot_be_filtered():
    name = "Role: Create, Edit, Delete, or Copy"
    client, adapter = make([LOGIN, page([{"name": "x"}, {"name": name, "id": 7}], 1, 1)], api_version="37.0")
    assert client.find_by_name("/cloudapi/1.0.0/rights", name, "right")["id"] == 7
    assert "filter" not in adapter.calls[1][2]


def test_find_by_name_not_found_suggests_the_closest():
    client, _adapter = make([LOGIN, page([], 1, 0), page([{"name": "org1-edge-nsxv"}, {"name": "other"}], 1, 1)],
                            api_version="37.0")
    with pytest.raises(NotFoundError) as err:
        client.find_by_name("/cloudapi/1.0.0/edgeGateways", "org1-edge-nsx", "edge gateway", "edge_gateway")
    assert "did you mean 'org1-edge-nsxv'" in str(err.value) and err.value.existing == ["org1-edge-nsxv", "other"]


def test_closest_is_case_insensitive():
    assert _vcd.closest("organization vdc gateway: view nat", ["Organization vDC Gateway: View NAT", "x"])[0] == \
        "Organization vDC Gateway: View NAT"


# ----- tasks and errors --------------------------------------------------------------------------
def test_async_write_waits_for_the_task_and_returns_its_details():
    client, adapter = make([LOGIN, (202, None, {"Location": "https://vcd.example/api/task/t1"}),
                            (200, task("running"), None), (200, task("success", "urn:vcloud:network:9"), None)],
                           api_version="37.0")
    assert client.json("POST", "/cloudapi/1.0.0/orgVdcNetworks", {"name": "n"}) == "urn:vcloud:network:9"
    assert adapter.calls[2][1] == "/api/task/t1"


def test_failed_task_raises_with_the_task_error():
    client, _adapter = make([LOGIN, (200, task("error", error="network overlaps"), None)], api_version="37.0")
    with pytest.raises(TaskFailed) as err:
        client.wait_task("https://vcd.example/api/task/t1")
    assert "network overlaps" in str(err.value)


def test_task_timeout_names_the_last_state():
    client, _adapter = make([LOGIN] + [(200, task("running"), None)] * 40, api_version="37.0", timeout=3)
    with pytest.raises(TimeoutExpired) as err:
        client.wait_task("https://vcd.example/api/task/t1", what="the conversion")
    assert "the conversion" in str(err.value) and "running" in str(err.value)


@pytest.mark.parametrize("body,message", [
    ('<Error %s majorErrorCode="400" minorErrorCode="BAD_REQUEST" message="listenerIp is wrong"/>' % NS,
     "listenerIp is wrong"),
    ("<error><details>vNIC index 3 is not a subinterface</details><errorCode>4001</errorCode></error>",
     "vNIC index 3 is not a subinterface"),
])
def test_xml_error_bodies_become_readable_messages(body, message):
    client, _adapter = make([LOGIN, (400, body, None)], api_version="37.0")
    with pytest.raises(ApiError) as err:
        client.xml("GET", "/network/edges/1/l2vpn/config")
    assert message in str(err.value) and err.value.status == 400
