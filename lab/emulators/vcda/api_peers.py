"""The calls that involve another appliance (docs/api/vcda.md#replicators-and-tunnels): replicator and tunnel preparation,
replicator registration (``/replicators``), tunnels (``/config/tunnels`` in 4.6+,
``/config/tunnel-service`` up to 4.5) and, on a replicator, ``POST /config/manager``.

Who serves what (docs/api/vcda.md#corrections point 1): on 4.x the Manager Service (``type: manager``, its own
listener on :8441) owns ``/replicators`` and ``/config/replicators/*``; the Cloud Service owns the
tunnels and answers the replicator paths as unknown (404). On 3.x the cloud appliance of the lab
stands for the manager and serves both.

Every one of them really reaches the other appliance over HTTPS with its certificate pinned
(``checks.Peer``), so a wrong URL, thumbprint, password or missing lookup service on the
other side fails here the way it would on a real appliance.
"""
from __future__ import annotations

import uuid

from ..common import certs
from ..common.appliance import Endpoint
from ..common.errors import ApiError
from . import checks, inferred, schemas
from .api_config import config_summary


def _peer(call, url, thumbprint=None, certificate_der=None):
    return checks.Peer(url, thumbprint, certificate_der, timeout=call.appliance.peer_timeout)


# ----- preparation of a replicator or tunnel through the cloud (ANS/TF) -------------------------
def remote_password_expired(call):
    peer = _peer(call, call.body["apiUrl"], call.body["apiThumbprint"]).login(call.body["rootPassword"])
    return {"rootPasswordExpired": peer.password_expired()}


def remote_root_password(call):
    current = call.header("Config-Secret")
    if current is None:
        raise inferred.missing_config_secret()
    peer = _peer(call, call.body["apiUrl"], call.body["apiThumbprint"]).login(current)
    peer.expect(204, peer.call("POST", "/config/root-password", {"rootPassword": call.body["rootPassword"]},
                               headers={"Config-Secret": current}))
    return 204, None


def remote_lookup_service(call):
    body = call.body
    peer = _peer(call, body["apiUrl"], body["apiThumbprint"]).login(body["rootPassword"])
    reply = peer.expect(200, peer.call("POST", "/config/lookup-service", {"url": body["lsUrl"], "thumbprint": body["lsThumbprint"]}))
    return {"lsUrl": reply.get("lsUrl"), "lsThumbprint": reply.get("lsThumbprint")}


# ----- replicators (cloud) ------------------------------------------------------------------------
def _replicator_view(appliance, rep, live=True):
    out = {k: rep[k] for k in ("id", "owner", "site", "description", "apiUrl", "certThumbprint", "isInMaintenanceMode",
                               "apiVersion")}
    out["state"] = {"incomingCommError": None, "outgoingCommError": None}
    if live:
        try:
            checks.check_tls(rep["apiUrl"], rep["certThumbprint"], timeout=min(2.0, appliance.peer_timeout))
        except ApiError as exc:  # the replicator is unreachable or presents another certificate
            out["state"]["outgoingCommError"] = inferred.health_error(exc.code, exc.msg, *exc.error_args)
    return out


def _replicator_lookup_service(appliance, state):
    """The lookup service the replicators' manager uses: the Manager Service's own registration
    (4.x), the 3.x cloud's manager one."""
    return state["lookupService"] if appliance.spec.type == "manager" else state.get("managerLookupService")


def _pair_replicator(call, details, what):
    """Checks and the replicator side of pairing; returns ``(thumbprint, apiVersion)``."""
    appliance = call.appliance
    state = appliance.state
    ls = _replicator_lookup_service(appliance, state)
    if not ls:
        raise inferred.prerequisite_missing(what, "configure the lookup service (POST /config/lookup-service)")
    if not checks.check_sso_credentials(appliance.lab, ls["url"], details["ssoUser"], details["ssoPassword"]):
        raise inferred.remote_authentication_failure(ls["url"], "invalid SSO credentials for %s" % details["ssoUser"])
    thumbprint = certs.normalize_thumbprint(details["apiThumbprint"])
    peer = _peer(call, details["apiUrl"], thumbprint).login(details["rootPassword"])
    about = peer.require_service(inferred.SERVICE_TYPE["replicator"])
    peer.require_lookup_service(what)
    peer.expect(200, peer.call("POST", "/config/manager", {
        "managerUrl": appliance.spec.url, "managerCertificate": certs.b64_der(appliance.certificate_der),
        "ssoUsername": details["ssoUser"], "ssoPassword": details["ssoPassword"]}))
    api_version = ".".join(str(about.get("buildVersion", "")).split(".")[:2])
    return thumbprint, api_version


def add_replicator(call):
    appliance = call.appliance
    body = call.body
    local = appliance.local_site()
    if local is None:
        raise inferred.prerequisite_missing("register a replicator", "set the site name (POST /config/site)")
    if body["site"] != local:
        raise inferred.site_not_found(body["site"])
    url = body["details"]["apiUrl"].rstrip("/")
    for rep in appliance.state["replicators"]:
        if rep["apiUrl"].rstrip("/").lower() == url.lower():
            raise inferred.replicator_already_paired(url, rep["id"])
    thumbprint, api_version = _pair_replicator(call, body["details"], "register the replicator")
    rep = {"id": body.get("replicatorId") or str(uuid.uuid4()), "owner": body["owner"], "site": body["site"],
           "description": body.get("description"), "apiUrl": body["details"]["apiUrl"], "certThumbprint": thumbprint,
           "isInMaintenanceMode": False, "apiVersion": api_version}
    with appliance.store.edit() as state:
        state["replicators"].append(rep)
    return _replicator_view(appliance, rep, live=False)


def list_replicators(call):
    # An array, as TF (`[]Replicator`) and PSC read it (not the {"items","total"} page) [I].
    return [_replicator_view(call.appliance, r) for r in call.appliance.state["replicators"]]


def _find_replicator(appliance, rid):
    for rep in appliance.state["replicators"]:
        if rep["id"] == rid:
            return rep
    raise inferred.entity_not_found("Replicator", rid)


def get_replicator(call, rid):
    return _replicator_view(call.appliance, _find_replicator(call.appliance, rid))


def delete_replicator(call, rid):
    _find_replicator(call.appliance, rid)
    with call.appliance.store.edit() as state:
        state["replicators"] = [r for r in state["replicators"] if r["id"] != rid]
    return 204, None


def reset_cookie(call, rid):
    appliance = call.appliance
    _find_replicator(appliance, rid)
    details = call.body["details"] if appliance.features.nested_reset_cookie else call.body
    thumbprint, api_version = _pair_replicator(call, details, "repair the replicator")
    with appliance.store.edit() as state:
        rep = next(r for r in state["replicators"] if r["id"] == rid)
        rep.update(apiUrl=details["apiUrl"], certThumbprint=thumbprint, apiVersion=api_version)
        if appliance.features.nested_reset_cookie and call.body.get("description") is not None:
            rep["description"] = call.body["description"]  # [I] the description of the nested form is applied
    return _replicator_view(appliance, _find_replicator(appliance, rid))


# ----- the replicator side of pairing [I] ---------------------------------------------------------
def set_manager(call):
    appliance = call.appliance
    body = call.body
    state = appliance.state
    if not state["lookupService"]:
        raise inferred.prerequisite_missing("pair with a manager", "configure the lookup service")
    if not checks.check_sso_credentials(appliance.lab, state["lookupService"]["url"], body["ssoUsername"], body["ssoPassword"]):
        raise inferred.remote_authentication_failure(state["lookupService"]["url"], "invalid SSO credentials")
    try:
        der = certs.der_from_b64(body["managerCertificate"])
    except ValueError:
        raise inferred.bad_input("managerCertificate is not a base64 DER certificate.", "managerCertificate") from None
    checks.check_tls(body["managerUrl"], certificate_der=der, timeout=appliance.peer_timeout)
    current = state["manager"]
    if current and current["url"].rstrip("/") != body["managerUrl"].rstrip("/"):
        raise inferred.bad_input("This replicator is already paired with the manager at %s." % current["url"], current["url"])
    with appliance.store.edit() as draft:
        draft["manager"] = {"url": body["managerUrl"], "thumbprint": certs.thumbprint(der)}
    return config_summary(appliance)


# ----- tunnels (cloud) ------------------------------------------------------------------------------
def _tunnel_view(tunnel):
    return {"id": tunnel["id"], "url": tunnel["url"], "certificate": tunnel["certificate"]}


def tunnels_view(appliance):
    return {"tunnels": [_tunnel_view(t) for t in appliance.state["tunnels"]]}


def _same_url(left, right):
    return left.rstrip("/").lower() == right.rstrip("/").lower()


def _checked_tunnel(call):
    """The tunnel body checked against the tunnel appliance itself: ``{"url","certificate"}``."""
    appliance = call.appliance
    body = call.body
    if not appliance.state["lookupService"]:
        raise inferred.prerequisite_missing("configure a tunnel", "configure the lookup service (POST /config/lookup-service)")
    try:
        der = certs.der_from_b64(body["certificate"])
    except ValueError:
        raise inferred.bad_input("certificate is not a base64 DER certificate (use remote-certificate 'encoded').",
                                 "certificate") from None
    peer = _peer(call, body["url"], certificate_der=der).login(body["rootPassword"])
    peer.require_service(inferred.SERVICE_TYPE["tunnel"])
    peer.require_lookup_service("configure the tunnel")
    return {"url": body["url"], "certificate": certs.b64_der(der)}


def add_tunnel(call):
    """4.6+ ``POST /config/tunnels`` adds one tunnel and answers it [C: TF setTunnel -> TunnelConfig]; a
    URL already configured is refused [I] (AVS updates with PUT). ≤4.5 ``/config/tunnel-service`` replaces
    the one tunnel and answers the config summary (TF)."""
    appliance = call.appliance
    for existing in appliance.state["tunnels"]:
        if appliance.features.tunnels_collection and _same_url(existing["url"], call.body["url"]):
            raise inferred.tunnel_already_registered(existing["url"], existing["id"])
    tunnel = _checked_tunnel(call)
    with appliance.store.edit() as state:
        if appliance.features.tunnels_collection:
            tunnel = dict(tunnel, id=str(uuid.uuid4()))
            state["tunnels"].append(tunnel)
        else:
            previous = state["tunnels"][0]["id"] if state["tunnels"] else str(uuid.uuid4())
            state["tunnels"] = [dict(tunnel, id=previous)]
        if appliance.features.tunnel_needs_restart:
            state["pendingRestart"] = True
    if appliance.features.tunnels_collection:
        return _tunnel_view(tunnel)
    return config_summary(appliance)


def update_tunnel(call, tid):
    """4.6+ ``PUT /config/tunnels/{id}`` [C: AVS Update-Tunnel]: same body as POST; answers the tunnel [I]."""
    appliance = call.appliance
    if not any(t["id"] == tid for t in appliance.state["tunnels"]):
        raise inferred.entity_not_found("Tunnel", tid)
    for other in appliance.state["tunnels"]:
        if other["id"] != tid and _same_url(other["url"], call.body["url"]):
            raise inferred.tunnel_already_registered(other["url"], other["id"])
    tunnel = _checked_tunnel(call)
    with appliance.store.edit() as state:
        for existing in state["tunnels"]:
            if existing["id"] == tid:
                existing.update(tunnel)
                tunnel = dict(existing)
    return _tunnel_view(tunnel)


def get_tunnels(call):
    return tunnels_view(call.appliance)


def endpoints(appliance):
    kind = appliance.spec.type
    if kind == "replicator":
        return [Endpoint("POST", "/config/manager", set_manager, body="json", schema=schemas.SET_MANAGER)]
    eps = []
    groups = (["replicators"] if appliance.serves_replicators else []) + (["tunnels"] if kind == "cloud" else [])
    for group in groups:
        eps += [
            Endpoint("POST", "/config/%s/root-password-expired" % group, remote_password_expired, body="json",
                     schema=schemas.REMOTE_PASSWORD_EXPIRED),
            Endpoint("POST", "/config/%s/root-password" % group, remote_root_password, body="json",
                     schema=schemas.REMOTE_ROOT_PASSWORD),
            Endpoint("POST", "/config/%s/lookup-service" % group, remote_lookup_service, body="json",
                     schema=schemas.REMOTE_LOOKUP_SERVICE),
        ]
    if appliance.serves_replicators:
        reset_schema = schemas.RESET_COOKIE_4X if appliance.features.nested_reset_cookie else schemas.RESET_COOKIE_3X
        eps += [
            Endpoint("POST", "/replicators", add_replicator, body="json", schema=schemas.NEW_REPLICATOR),
            Endpoint("GET", "/replicators", list_replicators),
            Endpoint("GET", "/replicators/<rid>", get_replicator),
            Endpoint("DELETE", "/replicators/<rid>", delete_replicator),
            Endpoint("POST", "/replicators/<rid>/reset-cookie", reset_cookie, body="json", schema=reset_schema),
        ]
    if kind != "cloud":
        return eps
    if appliance.features.tunnels_collection:
        eps += [Endpoint("POST", "/config/tunnels", add_tunnel, body="json", schema=schemas.TUNNEL),
                Endpoint("GET", "/config/tunnels", get_tunnels),
                Endpoint("PUT", "/config/tunnels/<tid>", update_tunnel, body="json", schema=schemas.TUNNEL)]
    else:
        eps.append(Endpoint("POST", "/config/tunnel-service", add_tunnel, body="json", schema=schemas.TUNNEL))
    return eps
