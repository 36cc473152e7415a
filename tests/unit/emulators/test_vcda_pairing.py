"""Replicators and tunnels: the cloud really reaches the other emulated appliances over HTTPS."""
from __future__ import annotations

from emulator_helpers import (INITIAL_PASSWORD, NEW_PASSWORD, SSO_PASSWORD, configure_cloud, first_boot, ok, prepare_remote,
                              replicator_body)

from lab.emulators.common import certs


def test_replicator_preparation_through_the_cloud(lab, lookup_service):
    cloud = first_boot(lab.client("t-cloud"))
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
    cloud = first_boot(lab.client("t-cloud"))
    configure_cloud(cloud, lookup_service)
    body = replicator_body(lab)

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
    assert cloud.call("POST", "/replicators", body).status == 400  # already registered
    replicator = lab.client("t-replicator").login(NEW_PASSWORD)
    assert ok(replicator.call("GET", "/config"))["managerThumbprint"] == lab.thumbprint("t-cloud")

    # The replicator changes certificate: the cloud sees it, reset-cookie repairs it.
    lab["t-replicator"].install_certificate(*lab["t-replicator"].new_self_signed())
    state = ok(cloud.call("GET", "/replicators/%s" % rep["id"]))["state"]
    assert state["outgoingCommError"] is not None
    repair = dict(body["details"], apiThumbprint=lab.thumbprint("t-replicator"))
    fixed = ok(cloud.call("POST", "/replicators/%s/reset-cookie" % rep["id"], repair))
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
        {"name": "c2", "type": "cloud", "address": "127.0.1.21", "port": 0},
        {"name": "t-replicator", "type": "replicator", "address": "127.0.1.12", "port": 0},
    ])
    c1, c2 = first_boot(lab.client("c1")), first_boot(lab.client("c2"))
    configure_cloud(c1, lookup_service, "site1")
    configure_cloud(c2, lookup_service, "site2")
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
    tunnels = ok(cloud.call("POST", "/config/tunnels", body))["tunnels"]
    assert len(tunnels) == 1 and tunnels[0]["url"] == body["url"] and tunnels[0]["certificate"] == body["certificate"]
    assert ok(cloud.call("POST", "/config/tunnels", body))["tunnels"] == tunnels  # same URL again: no duplicate
    assert ok(cloud.call("GET", "/config/tunnels")) == {"tunnels": tunnels}
    assert ok(cloud.call("GET", "/config"))["tunnelUrl"] == body["url"]


def test_tunnel_service_up_to_45(lab_factory, lookup_service):
    lab = lab_factory(version="4.5")
    cloud = _prepared_cloud(lab, lookup_service)
    body = _tunnel_body(cloud, lab)
    assert cloud.call("POST", "/config/tunnels", body).status == 404
    assert cloud.call("GET", "/config/tunnels").status == 404
    config = ok(cloud.call("POST", "/config/tunnel-service", body))
    assert config["tunnelUrl"] == body["url"] and config["tunnelCertificate"] == body["certificate"]


def test_sso_password_is_never_logged(lab, lookup_service):
    cloud = first_boot(lab.client("t-cloud"))
    configure_cloud(cloud, lookup_service)
    prepare_remote(cloud, lab, "t-replicator", lookup_service)
    ok(cloud.call("POST", "/replicators", replicator_body(lab)))
    for name in ("t-cloud", "t-replicator"):
        log = ok(lab.client(name).lab("GET", "/_lab/requests"))["items"]
        text = repr(log)
        for secret in (NEW_PASSWORD, INITIAL_PASSWORD, SSO_PASSWORD, cloud.token):
            assert secret not in text
    fields = [e["bodyFields"] for e in ok(lab.client("t-cloud").lab("GET", "/_lab/requests"))["items"] if e["path"] == "/replicators"]
    assert "details.ssoPassword" in fields[0]
