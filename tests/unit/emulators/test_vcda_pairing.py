"""Replicators and tunnels: the manager and the cloud really reach the other emulated appliances over HTTPS.

On 4.x the Manager Service (its own listener, :8441 in lab.yml) owns the replicators; the Cloud
Service answers their paths as unknown."""
from __future__ import annotations

import pytest

from emulator_helpers import (INITIAL_PASSWORD, NEW_PASSWORD, SSO_PASSWORD, SSO_USER, configure_cloud, first_boot, manager_of,
                              ok, prepare_remote, replicator_body)

from lab.emulators.common import certs


def test_replicator_preparation_through_the_manager(lab, lookup_service):
    first_boot(lab.client("t-cloud"))
    cloud = manager_of(lab)
    url, thumb = lab.url("t-replicator"), lab.thumbprint("t-replicator")
    probe = {"apiUrl": url, "apiThumbprint": thumb, "rootPassword": INITIAL_PASSWORD}
    assert ok(cloud.call("POST", "/config/replicators/root-password-expired", probe)) == {"rootPasswordExpired": True}
    wrong_thumb = dict(probe, apiThumbprint=lab.thumbprint("t-tunnel"))
    reply = cloud.call("POST", "/config/replicators/root-password-expired", wrong_thumb)
    assert reply.status == 400 and reply.body["args"] == [url, lab.thumbprint("t-tunnel"), thumb]
    reply = cloud.call("POST", "/config/replicators/root-password-expired", dict(probe, rootPassword="nope"))
    assert reply.status == 400 and reply.body["code"] == "RemoteAuthenticationFailure"
    # The replicator's own password rules and expiry apply on the far side.
    lookup = {"apiUrl": url, "apiThumbprint": thumb, "lsUrl": lookup_service.url, "lsThumbprint": lookup_service.thumbprint,
              "rootPassword": INITIAL_PASSWORD}
    assert cloud.call("POST", "/config/replicators/lookup-service", lookup).status == 400   # password still expired
    weak = cloud.call("POST", "/config/replicators/root-password", dict(probe, rootPassword="weak"),
                      headers={"Config-Secret": INITIAL_PASSWORD})
    assert weak.status == 400 and weak.body["code"] == "BadUserInput"
    prepare_remote(cloud, lab, "t-replicator", lookup_service)
    assert ok(cloud.call("POST", "/config/replicators/root-password-expired",
                         dict(probe, rootPassword=NEW_PASSWORD))) == {"rootPasswordExpired": False}
    replicator = lab.client("t-replicator").login(NEW_PASSWORD)
    assert ok(replicator.call("GET", "/config"))["lsThumbprint"] == lookup_service.thumbprint


def test_replicator_registration_across_appliances(lab, lookup_service):
    configure_cloud(first_boot(lab.client("t-cloud")), lookup_service)
    cloud = manager_of(lab)
    body = replicator_body(lab)
    reply = cloud.call("POST", "/replicators", body)  # the manager's own lookup service is not set yet
    assert reply.status == 400 and "lookup service" in reply.body["msg"]
    ok(cloud.call("POST", "/config/lookup-service", {"url": lookup_service.url, "thumbprint": lookup_service.thumbprint}))

    # The replicator's password has not been changed yet, then it has no lookup service.
    reply = cloud.call("POST", "/replicators", dict(body, details=dict(body["details"], rootPassword=INITIAL_PASSWORD)))
    assert reply.status == 400 and "expired" in reply.body["msg"]
    first_boot(lab.client("t-replicator"))
    reply = cloud.call("POST", "/replicators", body)
    assert reply.status == 400 and "lookup service" in reply.body["msg"]
    prepare_remote(cloud, lab, "t-replicator", lookup_service, password=False)

    bad_thumb = replicator_body(lab, apiThumbprint=lab.thumbprint("t-cloud"))
    reply = cloud.call("POST", "/replicators", bad_thumb)
    assert reply.status == 400 and reply.body["args"][2] == lab.thumbprint("t-replicator")
    assert cloud.call("POST", "/replicators", replicator_body(lab, ssoPassword="bad")).body["code"] == "RemoteAuthenticationFailure"
    assert cloud.call("POST", "/replicators", replicator_body(lab, rootPassword="bad")).body["code"] == "RemoteAuthenticationFailure"
    not_a_replicator = replicator_body(lab, "t-tunnel")
    first_boot(lab.client("t-tunnel"))
    assert cloud.call("POST", "/replicators", not_a_replicator).status == 400

    rep = ok(cloud.call("POST", "/replicators", body))
    assert set(rep) == {"id", "owner", "site", "description", "apiUrl", "certThumbprint", "state", "isInMaintenanceMode",
                        "apiVersion"}
    assert rep["certThumbprint"] == lab.thumbprint("t-replicator") and rep["apiVersion"] == "4.7"
    assert ok(cloud.call("GET", "/replicators")) == [rep]
    assert ok(cloud.call("GET", "/replicators/%s" % rep["id"])) == rep
    again = cloud.call("POST", "/replicators", body)
    assert again.status == 400 and again.body["msg"] == "The replicator is already paired to the manager."
    replicator = lab.client("t-replicator").login(NEW_PASSWORD)
    config = ok(replicator.call("GET", "/config"))
    assert config["managerThumbprint"] == lab.thumbprint("t-manager") and config["managerUrl"] == lab.url("t-manager")

    # The replicator changes certificate: the cloud sees it, reset-cookie repairs it.
    lab["t-replicator"].install_certificate(*lab["t-replicator"].new_self_signed())
    state = ok(cloud.call("GET", "/replicators/%s" % rep["id"]))["state"]
    assert state["outgoingCommError"] is not None
    repair = dict(body["details"], apiThumbprint=lab.thumbprint("t-replicator"))
    flat = cloud.call("POST", "/replicators/%s/reset-cookie" % rep["id"], repair)  # the 3.x form is refused on 4.x
    assert flat.status == 400 and flat.body["code"] == "BadUserInput"
    fixed = ok(cloud.call("POST", "/replicators/%s/reset-cookie" % rep["id"], {"description": "r1", "details": repair}))
    assert fixed["certThumbprint"] == lab.thumbprint("t-replicator") and fixed["state"]["outgoingCommError"] is None

    ok(cloud.call("DELETE", "/replicators/%s" % rep["id"]), 204)
    assert ok(cloud.call("GET", "/replicators")) == []
    missing = cloud.call("GET", "/replicators/%s" % rep["id"])
    assert missing.status == 404 and missing.body["code"] == "ReplicatorNotFound"
    # Registering it again works: the replicator still trusts this manager.
    ok(cloud.call("POST", "/replicators", dict(body, details=repair)))


def test_replicator_refuses_a_second_manager(lab_factory, lookup_service):
    lab = lab_factory([
        {"name": "c1", "type": "cloud", "address": "127.0.1.11", "port": 0},
        {"name": "m1", "type": "manager", "address": "127.0.1.11", "port": 0, "cloud": "c1"},
        {"name": "c2", "type": "cloud", "address": "127.0.1.21", "port": 0},
        {"name": "m2", "type": "manager", "address": "127.0.1.21", "port": 0, "cloud": "c2"},
        {"name": "t-replicator", "type": "replicator", "address": "127.0.1.12", "port": 0},
    ])
    configure_cloud(first_boot(lab.client("c1")), lookup_service, "site1")
    configure_cloud(first_boot(lab.client("c2")), lookup_service, "site2")
    c1, c2 = manager_of(lab, lookup_service, "m1"), manager_of(lab, lookup_service, "m2")
    prepare_remote(c1, lab, "t-replicator", lookup_service)
    ok(c1.call("POST", "/replicators", replicator_body(lab)))
    reply = c2.call("POST", "/replicators", replicator_body(lab, site="site2"))
    assert reply.status == 400 and "already paired" in reply.body["msg"]


def _tunnel_body(cloud, lab):
    remote = ok(cloud.call("GET", "/config/remote-certificate?url=%s" % lab.url("t-tunnel")))
    return {"url": lab.url("t-tunnel"), "certificate": remote["encoded"], "rootPassword": NEW_PASSWORD}


def _prepared_cloud(lab, lookup_service):
    cloud = first_boot(lab.client("t-cloud"))
    configure_cloud(cloud, lookup_service)
    prepare_remote(cloud, lab, "t-tunnel", lookup_service, group="tunnels")
    return cloud


def test_tunnels_46_and_later(lab, lookup_service):
    cloud = _prepared_cloud(lab, lookup_service)
    body = _tunnel_body(cloud, lab)
    assert cloud.call("POST", "/config/tunnel-service", body).status == 404
    other_cert = certs.b64_der(lab["t-replicator"].certificate_der)
    assert cloud.call("POST", "/config/tunnels", dict(body, certificate=other_cert)).status == 400
    assert cloud.call("POST", "/config/tunnels", dict(body, certificate="not base64 DER")).status == 400
    assert cloud.call("POST", "/config/tunnels", dict(body, rootPassword="x")).body["code"] == "RemoteAuthenticationFailure"
    tunnel = ok(cloud.call("POST", "/config/tunnels", body))  # one tunnel back [C: TF setTunnel]
    assert set(tunnel) == {"id", "url", "certificate"}
    assert tunnel["url"] == body["url"] and tunnel["certificate"] == body["certificate"]
    again = cloud.call("POST", "/config/tunnels", body)  # same URL again: refused, update with PUT
    assert again.status == 400 and tunnel["id"] in again.body["args"]
    assert ok(cloud.call("GET", "/config/tunnels")) == {"tunnels": [tunnel]}
    assert ok(cloud.call("GET", "/config"))["tunnelUrl"] == body["url"]
    # The tunnel gets a new certificate: PUT /config/tunnels/{id} [C: AVS Update-Tunnel] updates it in place.
    lab["t-tunnel"].install_certificate(*lab["t-tunnel"].new_self_signed())
    assert cloud.call("PUT", "/config/tunnels/%s" % tunnel["id"], body).status == 400   # old certificate: refused
    updated = ok(cloud.call("PUT", "/config/tunnels/%s" % tunnel["id"], _tunnel_body(cloud, lab)))
    assert updated["id"] == tunnel["id"] and updated["certificate"] != tunnel["certificate"]
    assert ok(cloud.call("GET", "/config/tunnels"))["tunnels"] == [updated]
    assert cloud.call("PUT", "/config/tunnels/nope", body).status == 404


def test_tunnel_service_up_to_45(lab_factory, lookup_service):
    lab = lab_factory(version="4.5")
    cloud = _prepared_cloud(lab, lookup_service)
    body = _tunnel_body(cloud, lab)
    assert cloud.call("POST", "/config/tunnels", body).status == 404
    assert cloud.call("GET", "/config/tunnels").status == 404
    config = ok(cloud.call("POST", "/config/tunnel-service", body))
    assert config["tunnelUrl"] == body["url"] and config["tunnelCertificate"] == body["certificate"]
    assert ok(cloud.call("POST", "/config/tunnel-service", body))["tunnelUrl"] == body["url"]  # replaces the one tunnel
    assert cloud.call("PUT", "/config/tunnels/x", body).status == 404


@pytest.mark.parametrize("path", ["/replicators", "/config/replicators/lookup-service", "/config/replicators/root-password"])
def test_cloud_service_refuses_replicator_calls(lab, lookup_service, path):
    """4.x: the Cloud Service does not serve the manager's paths; it answers like any unknown path."""
    cloud = first_boot(lab.client("t-cloud"))
    configure_cloud(cloud, lookup_service)
    unknown = cloud.call("GET", "/no-such-path")
    for method, body in (("POST", replicator_body(lab)), ("GET", None)):
        reply = cloud.call(method, path, body)
        assert reply.status == unknown.status == 404 and reply.body["code"] == unknown.body["code"], reply
    assert cloud.call("DELETE", "/replicators/x").status == 404
    assert cloud.call("POST", "/config/manager/lookup-service", {"url": lookup_service.url,
                                                                 "thumbprint": lookup_service.thumbprint}).status == 404


def test_manager_service_is_its_own_api(lab, lookup_service):
    """Own session, own lookup service, the cloud's root password and site; serviceType says MANAGER."""
    cloud = first_boot(lab.client("t-cloud"))
    manager = lab.client("t-manager")
    assert manager.call("GET", "/config").status == 401
    manager.token = cloud.token
    assert manager.call("GET", "/config").status == 401   # a Cloud Service session is not a manager session
    manager.token = None
    assert manager.call("POST", "/sessions", {"type": "localUser", "localUser": "root",
                                              "localPassword": INITIAL_PASSWORD}).status == 401   # one root password
    manager.login(NEW_PASSWORD)
    assert ok(manager.call("GET", "/diagnostics/about"))["serviceType"] == "MANAGER"
    assert ok(manager.call("GET", "/config"))["site"] is None
    configure_cloud(cloud, lookup_service)
    config = ok(manager.call("GET", "/config"))
    assert config["site"] == "site1" and config["lsUrl"] is None          # the cloud's lookup service is not the manager's
    sso = {"url": lookup_service.url, "thumbprint": lookup_service.thumbprint,
           "ssoAdminCredentials": {"ssoUser": SSO_USER, "ssoPassword": SSO_PASSWORD}}
    ok(manager.call("POST", "/config/lookup-service", sso))
    assert ok(manager.call("GET", "/config"))["lsThumbprint"] == lookup_service.thumbprint
    bad = manager.call("POST", "/config/lookup-service", dict(sso, ssoAdminCredentials={"ssoUser": SSO_USER, "ssoPassword": "x"}))
    assert bad.status == 400 and bad.body["code"] == "RemoteAuthenticationFailure"
    assert manager.call("POST", "/config/site", {"site": "other"}).status == 404   # the site is set on the Cloud Service
    assert manager.call("POST", "/config/tunnels", {}).status == 404              # tunnels belong to the Cloud Service
    # A reset of the cloud appliance is a first boot of both services.
    assert lab.client("t-cloud").lab("POST", "/_lab/reset").status in (200, 204)
    assert lab["t-manager"].state["lookupService"] is None
    lab.client("t-manager").login(INITIAL_PASSWORD)


def test_sso_password_is_never_logged(lab, lookup_service):
    cloud = first_boot(lab.client("t-cloud"))
    configure_cloud(cloud, lookup_service)
    manager = manager_of(lab, lookup_service)
    prepare_remote(manager, lab, "t-replicator", lookup_service)
    ok(manager.call("POST", "/replicators", replicator_body(lab)))
    for name in ("t-cloud", "t-manager", "t-replicator"):
        log = ok(lab.client(name).lab("GET", "/_lab/requests"))["items"]
        text = repr(log)
        for secret in (NEW_PASSWORD, INITIAL_PASSWORD, SSO_PASSWORD, cloud.token):
            assert secret not in text
    fields = [e["bodyFields"] for e in ok(lab.client("t-manager").lab("GET", "/_lab/requests"))["items"] if e["path"] == "/replicators"]
    assert "details.ssoPassword" in fields[0]
