"""Cloud Director logins at the lab VCDA (issue 11): vcdCredentials and vcdAccessToken are checked against the lab
vCD; a provider (@System) sees every org's replications, an org admin only its own; a refused token is a plain 401
that never repeats the token."""
from __future__ import annotations

import json

from emulator_helpers import Client
from test_replications import ok, site  # noqa: F401  pylint: disable=unused-import
from vcd_helpers import ORG1, SYSTEM


def _jwt(site_, user, password, vcd="r-vcd1"):
    client = site_.vcd(vcd).login(user, password)
    return client.headers["Authorization"].split(" ", 1)[1]


def _token_login(site_, token, context=None, cloud="r-cloud1"):
    app = site_.appliance(cloud)
    client = Client(app.spec.url, app.thumbprint)
    body = {"type": "vcdAccessToken", "vcdAccessToken": token}
    if context:
        body["context"] = context
    reply = client.call("POST", "/sessions", body)
    if reply.status == 200:
        client.token = reply.headers["x-vcav-auth"]
    return client, reply


def test_access_token_of_the_lab_vcd_logs_in_and_scopes_the_org(site):  # noqa: F811
    cloud = site.client("r-cloud1")
    for org in ("org1", "org2"):
        ok(cloud.lab("POST", "/_lab/replications/seed", {"count": 3, "org": org, "prefix": org + "-vm-", "seed": org}), 201)

    tenant, reply = _token_login(site, _jwt(site, *ORG1))
    assert reply.status == 200, reply
    assert reply.body["user"] == "admin1@org1" and reply.body["roles"] == ["EVERYONE"]
    assert reply.body["authenticatedSites"] == [{"org": "org1", "site": "site1"}]
    seen = ok(tenant.call("GET", "/vm-replications?limit=100"))
    assert seen["total"] == 3 and {i["owner"] for i in seen["items"]} == {"org1"}

    provider, reply = _token_login(site, _jwt(site, *SYSTEM), context="System")
    assert reply.status == 200 and "ADMINISTRATORS" in reply.body["roles"]
    everything = ok(provider.call("GET", "/vm-replications?limit=100"))
    assert everything["total"] == 6 and {i["owner"] for i in everything["items"]} == {"org1", "org2"}


def test_refused_tokens_are_401_without_the_token(site):  # noqa: F811
    good = _jwt(site, *ORG1)
    for token, context in ((good + "x", None), ("not-a-token-5e1f", None), (good, "org2")):
        _client, reply = _token_login(site, token, context)
        assert reply.status == 401 and reply.body["code"] == "NotAuthenticated", reply
        assert token not in json.dumps(reply.body) and token not in json.dumps(dict(reply.headers))
    # a token of site2's vCD means nothing to site1
    _client, reply = _token_login(site, _jwt(site, "admin2@org2", "Org2-Admin-1!", "r-vcd2"))
    assert reply.status == 401
    # a logout at the vCD ends what the token may do at VCDA's next login
    vcd = site.vcd("r-vcd1").login(*ORG1)
    token = vcd.headers["Authorization"].split(" ", 1)[1]
    assert vcd.json("DELETE", "/cloudapi/1.0.0/sessions/current").status == 204
    assert _token_login(site, token)[1].status == 401


def test_a_cloud_director_answering_503_fails_the_login_as_a_server_failure_not_as_refused(site):  # noqa: F811
    """The site checks vcdCredentials and access tokens at its Cloud Director: while that answers 503 (restarting,
    busy), the login is the site's 500 (a client retries it), never the 401 of refused credentials."""
    token = _jwt(site, *ORG1)
    app = site.appliance("r-vcd1")
    vcd = Client(app.spec.url, app.thumbprint)
    ok(vcd.lab("PUT", "/_lab/faults", {"seed": 1, "rules": [{"source": "peer", "error503Rate": 1.0}]}))
    try:
        cloud = site.appliance("r-cloud1")
        reply = Client(cloud.spec.url, cloud.thumbprint).call(
            "POST", "/sessions", {"type": "vcdCredentials", "vcdUser": ORG1[0], "vcdPassword": ORG1[1]})
        assert reply.status == 500 and reply.body["code"] == "GeneralServerFailure", reply
        assert ORG1[1] not in json.dumps(reply.body)
        _client, reply = _token_login(site, token)
        assert reply.status == 500 and reply.body["code"] == "GeneralServerFailure", reply
        assert token not in json.dumps(reply.body)
    finally:
        ok(vcd.lab("DELETE", "/_lab/faults"))
    assert site.client("r-cloud1", tenant=True).token  # Cloud Director answers again: the same login works
    _client, reply = _token_login(site, token)
    assert reply.status == 200, reply
