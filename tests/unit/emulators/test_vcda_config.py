"""Strict request handling and the appliance's own configuration (docs/api/vcda.md#conventions, #appliance-configuration)."""
from __future__ import annotations

from emulator_helpers import (LICENSE_KEY, NEW_PASSWORD, VCD_PASSWORD, VCD_URL, VCD_USER, TinyTlsServer, configure_cloud,
                              first_boot, ok, replicator_body)

from lab.emulators.common import certs

CLOUD = [{"name": "t-cloud", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0},
         {"name": "t-manager", "type": "manager", "site": "site1", "address": "127.0.1.11", "port": 0, "cloud": "t-cloud"}]


def _error(reply, status, code="BadUserInput"):
    assert reply.status == status, reply
    assert reply.body["code"] == code, reply
    assert set(reply.body) == {"code", "msg", "args", "stacktrace"}
    return reply.body


def test_strict_bodies(lab_factory):
    lab = lab_factory(CLOUD)
    cloud = first_boot(lab.client("t-cloud"))
    manager = lab.client("t-manager").login(NEW_PASSWORD)
    assert "extra" in _error(cloud.call("POST", "/license", {"key": LICENSE_KEY, "extra": 1}), 400)["args"]
    assert "key" in _error(cloud.call("POST", "/license", {}), 400)["args"]
    _error(cloud.call("POST", "/license", {"key": 12345}), 400)
    _error(cloud.call("POST", "/license", {"key": None}), 400)
    _error(cloud.call("POST", "/license", [LICENSE_KEY]), 400)
    _error(cloud.call("POST", "/license", b"{not json", headers={"Content-Type": "application/json"}), 400)
    _error(cloud.call("POST", "/license", {"key": "not-a-key"}), 400)
    # Integers are integers: no strings, no booleans; nested fields are checked too.
    _error(cloud.call("POST", "/config/endpoints", {"apiPublicAddress": "vcda.example.com", "apiPublicPort": "443"}), 400)
    _error(cloud.call("POST", "/config/endpoints", {"apiPublicPort": True}), 400)
    _error(cloud.call("POST", "/config/telemetry", {"enabled": "yes"}), 400)
    _error(cloud.call("POST", "/config/telemetry", {"enabled": True, "environment": "LAB"}), 400)
    details = {"apiUrl": "https://x:8043", "apiThumbprint": "SHA-256:00", "rootPassword": "p", "ssoUser": "u", "ssoPassword": "p",
               "bogus": 1}
    nested = {"owner": "*", "site": "site1", "details": details}
    assert "details.bogus" in _error(manager.call("POST", "/replicators", nested), 400)["args"]
    # The flat replicator body ANS sends is not the documented form.
    flat = {"apiUrl": "https://x:8043", "apiThumbprint": "SHA-256:" + ":".join(["AA"] * 32), "rootPassword": "p",
            "ssoUser": "u", "ssoPassword": "p", "description": "d"}
    _error(manager.call("POST", "/replicators", flat), 400)


def test_media_types_and_unknown_paths(lab_factory):
    lab = lab_factory(CLOUD + [{"name": "t-old", "type": "cloud", "address": "127.0.1.12", "port": 0, "version": "4.5"}])
    cloud = first_boot(lab.client("t-cloud"))
    vendor47 = "application/vnd.vmware.h4-v4.7+json;charset=UTF-8"
    reply = cloud.call("GET", "/config", accept=vendor47)
    assert reply.status == 200 and reply.headers["content-type"] == vendor47
    reply = cloud.call("GET", "/config", accept="application/json")
    assert reply.headers["content-type"] == "application/json;charset=UTF-8"
    _error(cloud.call("GET", "/config", accept="application/vnd.vmware.h4-v4.5+json;charset=UTF-8"), 406, "NotAcceptable")
    _error(cloud.call("GET", "/config", accept="text/html"), 406, "NotAcceptable")
    _error(cloud.call("GET", "/config", accept="application/vnd.vmware.h4-v4+json"), 406, "NotAcceptable")
    _error(cloud.call("POST", "/license", '{"key": "%s"}' % LICENSE_KEY, headers={"Content-Type": "text/plain"}), 415,
           "UnsupportedMediaType")
    ok(cloud.call("POST", "/license", '{"key": "%s"}' % LICENSE_KEY, headers={"Content-Type": vendor47}))
    _error(cloud.call("GET", "/no/such/path"), 404, "NotFound")
    _error(cloud.call("PUT", "/license", {"key": LICENSE_KEY}), 405, "MethodNotAllowed")
    old = first_boot(lab.client("t-old"))
    assert old.call("GET", "/config", accept="application/vnd.vmware.h4-v4.5+json;charset=UTF-8").status == 200
    assert old.call("GET", "/config", accept=vendor47).status == 406


def test_media_type_of_x0_releases_has_no_minor(lab_factory):
    """docs/api/vcda.md#corrections point 7: 4.0 and 3.0 are h4-v4 / h4-v3; h4-v4.0 is not a media type they serve."""
    lab = lab_factory([{"name": "v40", "type": "cloud", "address": "127.0.1.11", "port": 0, "version": "4.0"},
                       {"name": "v30", "type": "cloud", "address": "127.0.1.12", "port": 0, "version": "3.0"}])
    for name, good, bad in (("v40", "h4-v4", "h4-v4.0"), ("v30", "h4-v3", "h4-v3.0")):
        client = first_boot(lab.client(name))
        reply = client.call("GET", "/config", accept="application/vnd.vmware.%s+json;charset=UTF-8" % good)
        assert reply.status == 200 and reply.headers["content-type"] == "application/vnd.vmware.%s+json;charset=UTF-8" % good
        _error(client.call("GET", "/config", accept="application/vnd.vmware.%s+json" % bad), 406, "NotAcceptable")
        assert ok(client.call("GET", "/diagnostics/about"))["buildVersion"].startswith(name[1] + ".0.0.")


def test_out_of_order_calls(lab_factory, lookup_service):
    lab = lab_factory()
    cloud = first_boot(lab.client("t-cloud"))
    manager = lab.client("t-manager").login(NEW_PASSWORD)
    body = replicator_body(lab)
    _error(manager.call("POST", "/replicators", body), 400)                  # no site yet
    ok(cloud.call("POST", "/config/site", {"localSite": "site1"}))
    msg = _error(manager.call("POST", "/replicators", body), 400)["msg"]     # no lookup service yet
    assert "lookup service" in msg
    _error(cloud.call("POST", "/config/tunnels", {"url": lab.url("t-tunnel"), "certificate": "AAAA", "rootPassword": "x"}), 400)
    _error(manager.call("POST", "/replicators", dict(body, site="elsewhere")), 404, "SiteNotFound")


def test_site_is_set_once(lab_factory):
    cloud = first_boot(lab_factory(CLOUD).client("t-cloud"))
    ok(cloud.call("POST", "/config/site", {"localSite": "site1", "localSiteDescription": "first"}))
    config = ok(cloud.call("POST", "/config/site", {"localSite": "site1", "localSiteDescription": "second"}))
    assert config["localSite"] == "site1" and config["localSiteDescription"] == "second"
    body = _error(cloud.call("POST", "/config/site", {"localSite": "site9"}), 400)
    assert body["args"] == ["site1", "site9"]
    assert ok(cloud.call("GET", "/config"))["localSite"] == "site1"
    _error(cloud.call("POST", "/config/site", {"site": "site1"}), 400)  # the manager form is not the cloud's
    _error(cloud.call("POST", "/config/site", {"localSite": "bad name!"}), 400)
    _error(cloud.call("POST", "/config/site", {"localSite": "site1"}, headers={"Config-Secret": "wrong"}), 403, "Forbidden")
    ok(cloud.call("POST", "/config/site", {"localSite": "site1"}, headers={"Config-Secret": NEW_PASSWORD}))


def test_endpoints_license_telemetry(lab_factory):
    cloud = first_boot(lab_factory(CLOUD).client("t-cloud"))
    assert ok(cloud.call("GET", "/license")) == {"key": None, "isLicensed": False, "expirationDate": 0}
    lic = ok(cloud.call("POST", "/license", {"key": LICENSE_KEY}))
    assert lic["isLicensed"] is True and lic["key"] == LICENSE_KEY and lic["expirationDate"] > 0
    body = {"apiAddress": None, "apiPort": 8443, "apiPublicAddress": "vcda.example.com", "apiPublicPort": 443,
            "mgmtAddress": None, "mgmtPort": 8046, "mgmtPublicAddress": None, "mgmtPublicPort": None}
    reply = ok(cloud.call("POST", "/config/endpoints", body))
    assert reply["configured"] == body
    assert reply["effective"]["apiPublicAddress"] == "vcda.example.com" and reply["effective"]["mgmtPort"] == 8046
    assert ok(cloud.call("GET", "/config/endpoints")) == reply
    _error(cloud.call("POST", "/config/endpoints", dict(body, tunnelPort=8047)), 400)  # 3.x-only field
    assert ok(cloud.call("POST", "/config/telemetry", {"enabled": True, "environment": "PRODUCTION"}))["enabled"] is True
    assert ok(cloud.call("GET", "/config/telemetry")) == {"enabled": True, "environment": "PRODUCTION"}
    ok(cloud.call("POST", "/config/data-engine", {"hbrsrv": True, "h4dm": False}), 204)


def test_lookup_service_and_vcloud_are_really_checked(lab_factory, lookup_service, cert_dir):
    cloud = first_boot(lab_factory(CLOUD).client("t-cloud"))
    ls = {"url": lookup_service.url, "thumbprint": lookup_service.thumbprint}
    ok(cloud.call("POST", "/config/check-lookup-service", ls), 204)
    other = TinyTlsServer(cert_dir, "other-ls")
    try:
        wrong = dict(ls, thumbprint=other.thumbprint)
        body = _error(cloud.call("POST", "/config/lookup-service", wrong), 400)
        assert body["args"] == [lookup_service.url, other.thumbprint, lookup_service.thumbprint]
    finally:
        other.stop()
    _error(cloud.call("POST", "/config/lookup-service", dict(ls, url="https://127.0.0.1:1/lookupservice/sdk")), 400)
    _error(cloud.call("POST", "/config/lookup-service", dict(ls, url="http://127.0.0.1/x")), 400)
    _error(cloud.call("POST", "/config/lookup-service", dict(ls, thumbprint="AA:BB")), 400)
    reply = ok(cloud.call("POST", "/config/lookup-service", dict(ls, thumbprint="SHA-256:" + ls["thumbprint"][8:].lower())))
    assert reply == {"lsUrl": lookup_service.url, "lsThumbprint": lookup_service.thumbprint}

    vcd = {"vcdUrl": VCD_URL, "vcdUsername": VCD_USER, "vcdPassword": VCD_PASSWORD}
    ok(cloud.call("POST", "/config/check-vcloud", vcd), 204)
    _error(cloud.call("POST", "/config/check-vcloud", dict(vcd, vcdPassword="bad")), 400, "RemoteAuthenticationFailure")
    _error(cloud.call("POST", "/config/check-vcloud", dict(vcd, vcdUrl="https://127.0.1.99/api")), 400)
    _error(cloud.call("POST", "/config/check-vcloud", dict(vcd, vcdUsername="admin1@org1", vcdPassword="Org1-Pass-1!")), 400)
    config = ok(cloud.call("POST", "/config/vcloud", vcd))
    assert config["vcdUrl"] == VCD_URL and config["vcdUsername"] == VCD_USER and "vcdPassword" not in config
    ok(cloud.call("POST", "/config/site", {"localSite": "site1"}))
    assert ok(cloud.call("GET", "/config/is-configured")) == {"isConfigured": True}


def test_remote_and_own_certificates(lab):
    cloud = first_boot(lab.client("t-cloud"))
    remote = ok(cloud.call("GET", "/config/remote-certificate?url=%s" % lab.url("t-replicator")))
    assert remote["certificate"]["thumbPrint"] == lab.thumbprint("t-replicator")
    assert certs.thumbprint(certs.der_from_b64(remote["encoded"])) == lab.thumbprint("t-replicator")
    _error(cloud.call("GET", "/config/remote-certificate"), 400)
    _error(cloud.call("GET", "/config/remote-certificate?url=https://127.0.0.1:1"), 400)
    assert ok(cloud.call("GET", "/config/certificate"))["certificate"]["thumbPrint"] == lab.thumbprint("t-cloud")

    old = lab.thumbprint("t-cloud")
    cert_pem, key_pem = lab["t-cloud"].new_self_signed()
    p12 = certs.make_pkcs12(cert_pem, key_pem, "p12-secret")
    _error(cloud.call("POST", "/config/certificate", p12, headers={"Content-Type": "application/octet-stream", "Secret": "no"}), 400)
    _error(cloud.call("POST", "/config/certificate", p12, headers={"Content-Type": "application/json"}), 415,
           "UnsupportedMediaType")
    upload = {"Content-Type": "application/octet-stream", "Secret": "p12-secret"}
    new = ok(cloud.call("POST", "/config/certificate", p12, headers=upload))
    assert new["certificate"]["thumbPrint"] != old
    assert certs.thumbprint(certs.der_from_b64(new["encoded"])) == lab.thumbprint("t-cloud")
    # The server presents the new certificate from now on; a client pinning the old one is refused.
    assert lab.client("t-cloud").call("GET", "/diagnostics/about").status == 401


def test_onprem_appliance(lab_factory, lookup_service):
    lab = lab_factory([{"name": "t-onprem", "type": "onprem", "site": "onprem1", "address": "127.0.1.31", "port": 0}])
    onprem = first_boot(lab.client("t-onprem"))
    assert ok(onprem.call("GET", "/diagnostics/about"))["serviceType"] == "ONPREM"   # [I] 4.7 upper case
    _error(onprem.call("POST", "/config/site", {"localSite": "x"}), 400)
    assert ok(onprem.call("POST", "/config/site", {"site": "onprem1"}))["site"] == "onprem1"
    ls = {"url": lookup_service.url, "thumbprint": lookup_service.thumbprint,
          "ssoAdminCredentials": {"ssoUser": "administrator@vsphere.local", "ssoPassword": "bad"}}
    _error(onprem.call("POST", "/config/lookup-service", ls), 400, "RemoteAuthenticationFailure")
    ok(onprem.call("POST", "/config/lookup-service", dict(ls, ssoAdminCredentials=None)))
    assert ok(onprem.call("GET", "/config/is-configured")) == {"isConfigured": True}
    assert onprem.call("POST", "/license", {"key": LICENSE_KEY}).status == 404


def test_full_cloud_configuration(lab, lookup_service):
    cloud = first_boot(lab.client("t-cloud"))
    configure_cloud(cloud, lookup_service)
    config = ok(cloud.call("GET", "/config"))
    assert set(config) == {"id", "lsUrl", "lsThumbprint", "localSite", "localSiteDescription", "vcdUrl", "vcdThumbprint",
                           "vcdUsername", "tunnelUrl", "tunnelCertificate", "isCombined"}
    assert config["localSite"] == "site1" and config["lsUrl"] == lookup_service.url
    about = ok(cloud.call("GET", "/diagnostics/about"))
    assert set(about) == {"serviceType", "productName", "buildVersion", "buildDate"} and about["serviceType"] == "CLOUD"
