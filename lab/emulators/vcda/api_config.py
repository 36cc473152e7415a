"""Configuration of the appliance itself (docs/api/vcda.md#appliance-configuration): licence, site, endpoints,
Cloud Director, lookup service, telemetry, data engine, summary, certificates. Also the VCDA convenience
operations of ``POST /_lab/ops/<name>``."""
from __future__ import annotations

import re

from ..common import certs
from ..common.appliance import Endpoint
from ..common.errors import ApiError
from ..common.tasks import now_ms
from . import checks, inferred, schemas

DAY_MS = 86400 * 1000


# ----- licence ------------------------------------------------------------------------------
def _license_view(lic):
    if not lic:
        return {"key": None, "isLicensed": False, "expirationDate": 0}  # [I] before any key is set
    return {"key": lic["key"], "isLicensed": lic["expirationDate"] > now_ms(), "expirationDate": lic["expirationDate"]}


def set_license(call):
    key = call.body["key"].strip()
    if not re.match(call.appliance.spec.get("license_key_pattern", inferred.LICENSE_KEY_PATTERN), key):
        raise inferred.invalid_license(key[:5] + "…")
    days = float(call.appliance.spec.get("license_days", 365))
    with call.appliance.store.edit() as state:
        state["license"] = {"key": key, "expirationDate": now_ms() + int(days * DAY_MS)}
    return _license_view(call.appliance.state["license"])


def get_license(call):
    return _license_view(call.appliance.state["license"])


# ----- summary ------------------------------------------------------------------------------
def config_summary(appliance, state=None):
    state = state or appliance.state
    ls = state["lookupService"] or {}
    tunnel = state["tunnels"][0] if state["tunnels"] else {}
    site = state["site"] or {}
    kind = appliance.spec.type
    if kind == "cloud":
        vcloud = state["vcloud"] or {}
        return {"id": state["instanceId"], "lsUrl": ls.get("url"), "lsThumbprint": ls.get("thumbprint"),
                "localSite": site.get("name"), "localSiteDescription": site.get("description"),
                "vcdUrl": vcloud.get("vcdUrl"), "vcdThumbprint": vcloud.get("vcdThumbprint"),
                "vcdUsername": vcloud.get("vcdUsername"), "tunnelUrl": tunnel.get("url"),
                "tunnelCertificate": tunnel.get("certificate"), "isCombined": False}
    if kind == "manager":  # [S: docs/api/vcda.md#appliance-configuration manager form; C: AVS Register-VCDAReplicator reads .site]
        return {"id": state["instanceId"], "site": appliance.local_site(), "lsUrl": ls.get("url"),
                "lsThumbprint": ls.get("thumbprint")}
    if kind == "onprem":
        return {"id": state["instanceId"], "site": site.get("name"), "lsUrl": ls.get("url"), "lsThumbprint": ls.get("thumbprint"),
                "tunnelUrl": tunnel.get("url"), "tunnelCertificate": tunnel.get("certificate")}
    out = {"id": state["instanceId"], "lsUrl": ls.get("url"), "lsThumbprint": ls.get("thumbprint")}  # [I] replicator/tunnel
    if kind == "replicator":
        manager = state["manager"] or {}
        out.update(managerUrl=manager.get("url"), managerThumbprint=manager.get("thumbprint"))
    return out


def get_config(call):
    return config_summary(call.appliance)


def is_configured(appliance, state=None):
    """[I] cloud: site, lookup service and Cloud Director set; on-prem: site and lookup service;
    replicator/tunnel: lookup service. Always false while the root password is expired."""
    state = state or appliance.state
    if appliance.password_status(state)["rootPasswordExpired"]:
        return False
    needed = {"cloud": ("site", "lookupService", "vcloud"), "onprem": ("site", "lookupService")}.get(
        appliance.spec.type, ("lookupService",))
    if appliance.spec.type == "manager" and not appliance.local_site():
        return False
    return all(state[k] for k in needed)


def get_is_configured(call):
    return {"isConfigured": is_configured(call.appliance)}


# ----- site -----------------------------------------------------------------------------------
def set_site(call):
    appliance = call.appliance
    appliance.check_config_secret(call, required=False)
    if appliance.spec.type == "cloud":
        name, description = call.body["localSite"], call.body.get("localSiteDescription")
    else:
        name, description = call.body["site"], None
    with appliance.store.edit() as state:
        current = state["site"]
        if current and current["name"] != name:
            raise inferred.site_already_set(current["name"], name)
        state["site"] = {"name": name, "description": description}
    return config_summary(appliance)


# ----- endpoints (cloud) --------------------------------------------------------------------
def _endpoint_keys(appliance):
    return schemas.ENDPOINT_KEYS_3X if appliance.features.endpoint_tunnel_fields else schemas.ENDPOINT_KEYS_4X


def endpoints_view(appliance, state=None):
    state = state or appliance.state
    configured = {k: (state["endpoints"] or {}).get(k) for k in _endpoint_keys(appliance)}
    address = appliance.spec.get("hostname") or appliance.spec.address

    def pick(key, default):
        return configured.get(key) if configured.get(key) is not None else default

    effective = {"apiAddress": pick("apiAddress", appliance.spec.address), "apiPort": pick("apiPort", 8443)}
    effective.update(apiPublicAddress=pick("apiPublicAddress", address), apiPublicPort=pick("apiPublicPort", effective["apiPort"]),
                     mgmtAddress=pick("mgmtAddress", appliance.spec.address), mgmtPort=pick("mgmtPort", 8046))
    effective.update(mgmtPublicAddress=pick("mgmtPublicAddress", address), mgmtPublicPort=pick("mgmtPublicPort", effective["mgmtPort"]))
    if appliance.features.endpoint_tunnel_fields:
        effective.update(tunnelAddress=pick("tunnelAddress", appliance.spec.address), tunnelPort=pick("tunnelPort", 8047))
        effective.update(tunnelPublicAddress=pick("tunnelPublicAddress", address),
                         tunnelPublicPort=pick("tunnelPublicPort", effective["tunnelPort"]))
    return {"configured": configured, "effective": effective}


def set_endpoints(call):
    with call.appliance.store.edit() as state:
        state["endpoints"] = {k: call.body.get(k) for k in _endpoint_keys(call.appliance)}
    return endpoints_view(call.appliance)


def get_endpoints(call):
    return endpoints_view(call.appliance)


# ----- Cloud Director (cloud) -----------------------------------------------------------------
def _check_vcloud(call):
    body = call.body
    thumbprint = certs.normalize_thumbprint(body["vcdThumbprint"]) if body.get("vcdThumbprint") else None
    checks.check_vcloud(call.appliance.lab, body["vcdUrl"], body["vcdUsername"], body["vcdPassword"], thumbprint)
    return dict(body, vcdThumbprint=thumbprint)


def set_vcloud(call):
    vcloud = _check_vcloud(call)
    with call.appliance.store.edit() as state:
        state["vcloud"] = vcloud
    return config_summary(call.appliance)


def check_vcloud(call):
    _check_vcloud(call)
    return 204, None


# ----- lookup service ---------------------------------------------------------------------------
def _check_lookup_service(call):
    appliance = call.appliance
    pin = checks.check_lookup_service(call.body["url"], call.body["thumbprint"], appliance.peer_timeout)
    sso = call.body.get("ssoAdminCredentials")
    if sso and not checks.check_sso_credentials(appliance.lab, call.body["url"], sso["ssoUser"], sso["ssoPassword"]):
        raise inferred.remote_authentication_failure(call.body["url"])
    return {"url": call.body["url"], "thumbprint": pin}


def set_lookup_service(call):
    ls = _check_lookup_service(call)
    with call.appliance.store.edit() as state:
        state["lookupService"] = ls
        if call.appliance.spec.type == "cloud" and not call.appliance.features.separate_manager:
            state["managerLookupService"] = dict(ls)  # 3.x: the cloud appliance stands for its manager too
        sso = call.body.get("ssoAdminCredentials")
        if sso and call.appliance.spec.type == "onprem":  # kept to read the vCenter inventory (placement) [I]
            state["lookupService"]["sso"] = {"user": sso["ssoUser"], "password": sso["ssoPassword"]}
    return {"lsUrl": ls["url"], "lsThumbprint": ls["thumbprint"]}


def set_manager_lookup_service(call):
    ls = _check_lookup_service(call)
    with call.appliance.store.edit() as state:
        state["managerLookupService"] = ls
    return {"lsUrl": ls["url"], "lsThumbprint": ls["thumbprint"]}


def check_lookup_service(call):
    _check_lookup_service(call)
    return 204, None


# ----- small settings ---------------------------------------------------------------------------
def set_telemetry(call):
    telemetry = {"enabled": call.body["enabled"], "environment": call.body.get("environment")}
    with call.appliance.store.edit() as state:
        state["telemetry"] = telemetry
    return telemetry


def get_telemetry(call):
    return call.appliance.state["telemetry"]


def set_data_engine(call):
    with call.appliance.store.edit() as state:
        state["dataEngine"] = dict(call.body)
    return 204, None


# ----- certificates -----------------------------------------------------------------------------
def remote_certificate(call):
    url = call.request.args.get("url")
    if not url:
        raise inferred.bad_input("The query parameter 'url' is required.", "url")
    der = checks.check_tls(url, timeout=call.appliance.peer_timeout)
    return {"certificate": {"thumbPrint": certs.thumbprint(der)}, "encoded": certs.b64_der(der)}


def get_certificate(call):
    return call.appliance.own_certificate()  # [I] same shape as remote-certificate


def upload_certificate(call):
    try:
        cert_pem, key_pem = certs.load_pkcs12(call.raw, call.header("Secret"))
    except ValueError as exc:
        raise inferred.bad_input("Cannot install the certificate: %s." % exc) from None
    call.appliance.install_certificate(cert_pem, key_pem)
    return call.appliance.own_certificate()


def endpoints(appliance):
    kind = appliance.spec.type
    eps = [
        Endpoint("GET", "/config", get_config),
        Endpoint("GET", "/config/is-configured", get_is_configured),
        Endpoint("POST", "/config/lookup-service", set_lookup_service, body="json",
                 schema=schemas.LOOKUP_SERVICE_WITH_SSO if kind in ("onprem", "manager") else schemas.LOOKUP_SERVICE),
        Endpoint("POST", "/config/check-lookup-service", check_lookup_service, body="json",
                 schema=schemas.LOOKUP_SERVICE_WITH_SSO if kind in ("onprem", "manager") else schemas.LOOKUP_SERVICE),
        Endpoint("GET", "/config/telemetry", get_telemetry),
        Endpoint("POST", "/config/telemetry", set_telemetry, body="json", schema=schemas.TELEMETRY),
        Endpoint("GET", "/config/remote-certificate", remote_certificate),
        Endpoint("GET", "/config/certificate", get_certificate),
        Endpoint("POST", "/config/certificate", upload_certificate, body="binary",
                 content_types=("application/octet-stream", "application/x-pkcs12")),
    ]
    if kind == "cloud":
        eps += [
            Endpoint("GET", "/license", get_license),
            Endpoint("POST", "/license", set_license, body="json", schema=schemas.LICENSE),
            Endpoint("POST", "/config/site", set_site, body="json", schema=schemas.CLOUD_SITE),
            Endpoint("GET", "/config/endpoints", get_endpoints),
            Endpoint("POST", "/config/endpoints", set_endpoints, body="json",
                     schema=schemas.endpoints_schema(appliance.features.endpoint_tunnel_fields)),
            Endpoint("POST", "/config/vcloud", set_vcloud, body="json", schema=schemas.VCLOUD),
            Endpoint("POST", "/config/check-vcloud", check_vcloud, body="json", schema=schemas.VCLOUD),
            Endpoint("POST", "/config/data-engine", set_data_engine, body="json", schema=schemas.DATA_ENGINE),
        ]
        if not appliance.features.separate_manager:  # [C: ANS] 3.x; 4.x sets it on the Manager Service (:8441)
            eps.append(Endpoint("POST", "/config/manager/lookup-service", set_manager_lookup_service, body="json",
                                schema=schemas.LOOKUP_SERVICE))
    if kind == "onprem":
        eps.append(Endpoint("POST", "/config/site", set_site, body="json", schema=schemas.MANAGER_SITE))
    return eps


# ----- lab-only convenience operations (POST /_lab/ops/<name>) --------------------------------
def control_ops(appliance):
    def remove_replicator(body):
        if not appliance.serves_replicators:
            raise ApiError(400, "BadUserInput", "Replicators are registered at the Manager Service (%s)."
                           % (appliance.manager_service.spec.url if appliance.manager_service else "type manager"))
        key = body.get("id") or body.get("apiUrl")
        with appliance.store.edit() as state:
            before = len(state["replicators"])
            state["replicators"] = [r for r in state["replicators"] if key not in (r["id"], r["apiUrl"])]
            if len(state["replicators"]) == before:
                raise ApiError(404, "NotFound", "No replicator with id or apiUrl %r." % key)
        return {"replicators": appliance.state["replicators"]}

    def set_public_endpoint(body):
        with appliance.store.edit() as state:
            configured = state["endpoints"] or {k: None for k in _endpoint_keys(appliance)}
            for key in ("apiPublicAddress", "apiPublicPort"):
                if key in body:
                    configured[key] = body[key]
            state["endpoints"] = configured
        return endpoints_view(appliance)

    def expire_root_password(_body):
        with appliance.password_store.edit() as state:
            state["rootPasswordExpired"] = True
        return appliance.password_status()

    def set_root_password(body):
        if not isinstance(body.get("password"), str) or not body["password"]:
            raise ApiError(400, "BadUserInput", "Give {\"password\": \"…\"}.")
        with appliance.password_store.edit() as state:
            state.update(rootPassword=body["password"], rootPasswordExpired=bool(body.get("expired", False)),
                         rootPasswordChangedAt=now_ms())
        return appliance.password_status()

    def regenerate_certificate(_body):
        appliance.install_certificate(*appliance.new_self_signed())
        return appliance.describe()

    return {"remove-replicator": remove_replicator, "set-public-endpoint": set_public_endpoint,
            "expire-root-password": expire_root_password, "set-root-password": set_root_password,
            "regenerate-certificate": regenerate_certificate}
