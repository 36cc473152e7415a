"""On-premises appliance [inferred endpoints]: pairing with a cloud site using org credentials, the
"allow access from cloud" switch, and placement validated against the tenant vcsim (when running)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from emulator_helpers import REPO, SSO_PASSWORD, SSO_USER, configure_cloud, first_boot, ok

from test_pairing_sites import wait

LAB = [
    {"name": "a-cloud", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0},
    {"name": "op", "type": "onprem", "site": "onprem1", "address": "127.0.1.31", "port": 0},
]


def setup(lab_factory, lookup_service, ls_url=None, ls_thumbprint=None, sso=None, state_dir=None):
    lab = lab_factory(LAB, state_dir=state_dir)
    cloud = first_boot(lab.client("a-cloud"))
    configure_cloud(cloud, lookup_service)
    onprem = first_boot(lab.client("op"))
    ok(onprem.call("POST", "/config/site", {"site": "onprem1"}))
    body = {"url": ls_url or lookup_service.url, "thumbprint": ls_thumbprint or lookup_service.thumbprint,
            "ssoAdminCredentials": sso}
    ok(onprem.call("POST", "/config/lookup-service", body))
    return lab, cloud, onprem


def pair_body(lab, user="admin1@org1", password="Org1-Pass-1!", allow=True):
    return {"apiUrl": lab.url("a-cloud"), "apiThumbprint": lab.thumbprint("a-cloud"), "description": "dc1",
            "allowAccessFromCloud": allow, "credentials": {"type": "credentials", "vcdUsername": user, "vcdPassword": password}}


def test_pairing_with_org_credentials_registers_on_the_cloud(lab_factory, lookup_service):
    lab, cloud, onprem = setup(lab_factory, lookup_service)
    bad = wait(onprem, ok(onprem.call("POST", "/sites", pair_body(lab, password="nope")), 202))
    assert bad["state"] == "FAILED" and bad["error"]["code"] == "RemoteAuthenticationFailure"
    system = wait(onprem, ok(onprem.call("POST", "/sites", pair_body(lab, "administrator@System", "VMware1!")), 202))
    assert system["state"] == "FAILED" and "organization" in system["error"]["msg"]
    task = wait(onprem, ok(onprem.call("POST", "/sites", pair_body(lab)), 202))
    assert task["state"] == "SUCCEEDED", task
    sites = {s["site"]: s for s in ok(onprem.call("GET", "/sites"))}
    assert sites["onprem1"]["isLocal"] and sites["onprem1"]["allowAccessFromCloud"] is True
    assert sites["site1"]["org"] == "org1" and sites["site1"]["state"] == {"incomingCommError": None, "outgoingCommError": None}
    assert "Org1-Pass-1!" not in json.dumps(ok(onprem.call("GET", "/sites")))
    vc_sites = ok(cloud.call("GET", "/vc-sites"))["items"]
    assert vc_sites == [dict(vc_sites[0], site="onprem1", owner="org1", allowAccessFromCloud=True)]
    assert onprem.call("POST", "/sites", pair_body(lab)).status == 400   # already paired: PUT repairs
    # The switch, on both sides.
    assert ok(onprem.call("POST", "/config/cloud-access", {"allowAccessFromCloud": False})) == {"allowAccessFromCloud": False}
    assert ok(cloud.call("GET", "/vc-sites"))["items"][0]["allowAccessFromCloud"] is False
    # Unpairing removes it on the cloud too.
    wait(onprem, ok(onprem.call("DELETE", "/sites/site1"), 202))
    assert [s["site"] for s in ok(onprem.call("GET", "/sites"))] == ["onprem1"]
    assert ok(cloud.call("GET", "/vc-sites"))["items"] == []


@pytest.fixture(scope="module")
def placement_vcsim():
    """A lab vCenter of its own (127.0.0.1:8994) whose inventory the placement is checked against."""
    def vcsim_sh(*args):
        subprocess.run(["bash", os.path.join(REPO, "lab", "vcsim.sh")] + list(args), cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, timeout=900)
    vcsim_sh("start", "placement", "127.0.0.1:8994")
    try:
        yield os.path.join(REPO, "lab", "run", "vcsim-placement.json")
    finally:
        vcsim_sh("stop", "placement")


def test_placement_needs_sso_credentials_and_valid_morefs(lab_factory, lookup_service, tmp_path, placement_vcsim):
    state_file = placement_vcsim
    _lab, _cloud, onprem = setup(lab_factory, lookup_service)
    body = {"vmFolder": "group-v3", "cluster": "clustercomputeresource-29", "network": "network-7", "datastore": "datastore-54"}
    reply = onprem.call("POST", "/config/placement", body)
    assert reply.status == 400 and "ssoAdminCredentials" in reply.body["msg"]
    assert onprem.call("POST", "/config/placement", dict(body, vmFolder="not a moref")).status == 400
    with open(state_file) as handle:
        vc = json.load(handle)
    _lab2, _cloud2, onprem2 = setup(lab_factory, lookup_service, vc["lookup_service_url"], vc["thumbprint"],
                                    {"ssoUser": SSO_USER, "ssoPassword": SSO_PASSWORD}, tmp_path / "state2")
    # The unit lab's SSO list differs from vcsim's password: give the appliance the vcsim one.
    ok(onprem2.lab("PATCH", "/_lab/state", [{"op": "replace", "path": "/lookupService/sso/password", "value": vc["password"]}]))
    candidates = ok(onprem2.call("GET", "/config/placement/candidates"))
    names = {k: {c["name"]: c["id"] for c in v} for k, v in candidates.items()}
    assert "vm" in names["vmFolders"] and "DC0_C0" in names["clusters"] and "LocalDS_0" in names["datastores"]
    body = {"vmFolder": names["vmFolders"]["vm"], "cluster": names["clusters"]["DC0_C0"],
            "network": names["networks"]["VM Network"], "datastore": names["datastores"]["LocalDS_0"]}
    placed = ok(onprem2.call("POST", "/config/placement", body))
    assert placed["clusterName"] == "DC0_C0" and placed["datastore"] == body["datastore"]
    assert ok(onprem2.call("GET", "/config/placement")) == placed
    missing = onprem2.call("POST", "/config/placement", dict(body, datastore="datastore-99999"))
    assert missing.status == 400 and missing.body["args"] == ["datastore", "datastore-99999"]
