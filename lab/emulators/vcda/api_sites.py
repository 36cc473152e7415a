"""Site pairing, cloud <-> cloud (docs/api/vcda.md#site-pairing): ``POST /sites`` (task), ``GET /sites``,
``GET /sites/{site}``, ``PUT /sites/{site}`` (repair, task), ``DELETE /sites/{site}`` (task).

Pairing really involves the other emulated appliance: the local site reaches the remote at the
``apiUrl`` given, with ``apiThumbprint`` pinned, and tells it who it is over the lab's
site-to-site channel (``inferred.SITE_LINK_PATH``, a stand-in for the tunnel protocol real sites
use, NOT a VCDA API). The remote connects back to check the caller's certificate, records the
pairing, and so ``GET /sites`` shows it on both sides. Health (``state.incomingCommError`` /
``outgoingCommError``) is computed live: the remote must answer with the pinned certificate and
must still trust this site's current certificate.

Lab deviation: a site tells its peer the URL it is reachable at in the lab (its appliance URL)
as ``apiUrl``, and its configured public endpoint as ``apiPublicUrl`` (the public names of the
lab inventory do not resolve on this machine).
"""
from __future__ import annotations

import os

from ..common import certs
from ..common.appliance import Endpoint
from ..common.errors import ApiError
from . import checks, inferred, schemas
from .api_config import endpoints_view


VIEW_KEYS = ("site", "description", "apiUrl", "apiPublicUrl", "apiThumbprint", "apiVersion", "buildVersion")


def public_url(appliance):
    if appliance.spec.type != "cloud":
        return appliance.spec.url
    eff = endpoints_view(appliance)["effective"]
    return "https://%s:%s" % (eff["apiPublicAddress"], eff["apiPublicPort"])


def identity(appliance, state=None):
    """What this site tells a peer about itself."""
    state = state or appliance.state
    site = state["site"] or {}
    return {"site": site.get("name"), "description": site.get("description"), "apiUrl": appliance.spec.url,
            "apiPublicUrl": public_url(appliance), "apiThumbprint": appliance.thumbprint,
            "apiVersion": appliance.features.version, "buildVersion": appliance.about()["buildVersion"],
            "kind": appliance.spec.type}


def _peer(appliance, url, thumbprint):
    return checks.Peer(url, thumbprint, timeout=appliance.peer_timeout)


def forget_on_remote(appliance, rec, local):
    """Best effort: the remote site forgets ``local`` too when it can be reached [I]."""
    try:
        peer = _peer(appliance, rec["apiUrl"], rec["apiThumbprint"])
        peer.call("DELETE", "%s/%s?thumbprint=%s" % (inferred.SITE_LINK_PATH, local, appliance.thumbprint))
    except ApiError:
        pass


def _remote_identity(appliance, url, thumbprint):
    peer = _peer(appliance, url, thumbprint)
    return peer, peer.expect(200, peer.call("GET", inferred.SITE_LINK_PATH))


def _records(state):
    return state.get("sites") or []


def find_record(appliance, name, state=None):
    for rec in _records(state or appliance.state):
        if rec["site"] == name:
            return rec
    return None


def _store(appliance, record):
    with appliance.store.edit() as state:
        state["sites"] = [r for r in _records(state) if r["site"] != record["site"]] + [record]


def _require_local(appliance, what):
    local = appliance.local_site()
    if local is None:
        raise inferred.prerequisite_missing(what, "set the site name (POST /config/site)")
    return local


# ----- live health ------------------------------------------------------------------------------
def comm_state(appliance, rec, timeout=2.0):
    """``{"incomingCommError","outgoingCommError"}`` of a paired site, computed now."""
    out = {"incomingCommError": None, "outgoingCommError": None}
    try:
        peer = checks.Peer(rec["apiUrl"], rec["apiThumbprint"], timeout=min(timeout, appliance.peer_timeout))
        code, _headers, body = peer.call("GET", inferred.SITE_LINK_PATH + "/" + (appliance.local_site() or ""))
    except ApiError as exc:
        out["outgoingCommError"] = inferred.comm_error(exc.msg, *exc.error_args)
        return out
    if code == 404:
        out["incomingCommError"] = inferred.comm_error(
            "Site '%s' has no pairing with this site; repair the pairing." % rec["site"], rec["site"])
    elif code != 200:
        out["incomingCommError"] = inferred.comm_error("Site '%s' answered HTTP %d." % (rec["site"], code), rec["site"])
    elif (body or {}).get("apiThumbprint") != appliance.thumbprint:
        out["incomingCommError"] = inferred.comm_error(
            "Site '%s' trusts the certificate %s for this site, which now presents %s; repair the pairing."
            % (rec["site"], (body or {}).get("apiThumbprint"), appliance.thumbprint), rec["site"])
    return out


def site_view(appliance, rec, live=True):
    out = {k: rec.get(k) for k in VIEW_KEYS}
    out["isLocal"] = False
    out["state"] = comm_state(appliance, rec) if live else {"incomingCommError": None, "outgoingCommError": None}
    return out


def local_view(appliance):
    ident = identity(appliance)
    out = {k: ident[k] for k in VIEW_KEYS}
    out.update(isLocal=True, state={"incomingCommError": None, "outgoingCommError": None})
    return out


# ----- public API ---------------------------------------------------------------------------------
def list_sites(call):
    appliance = call.appliance
    if appliance.local_site() is None:
        return []
    return [local_view(appliance)] + [site_view(appliance, r) for r in _records(appliance.state)]


def get_site(call, site):
    appliance = call.appliance
    if site == appliance.local_site():
        return local_view(appliance)
    rec = find_record(appliance, site)
    if rec is None:
        raise inferred.site_not_found(site)
    return site_view(appliance, rec)


def _link(appliance, url, thumbprint, expected_name=None):
    """Reach the remote, check it, and have it record this site. Returns the local record."""
    local = appliance.local_site()
    peer, remote = _remote_identity(appliance, url, thumbprint)
    if remote.get("kind") != "cloud":
        raise inferred.wrong_service(url, "Cloud", remote.get("kind"))
    if not remote.get("site"):
        raise inferred.prerequisite_missing("pair with %s" % url, "set the site name of the remote site")
    if remote["site"] == local:
        raise inferred.cannot_pair_with_self(local)
    if expected_name and remote["site"] != expected_name:
        raise inferred.remote_site_name_mismatch(expected_name, remote["site"], url)
    if remote.get("apiThumbprint") == appliance.thumbprint:
        raise inferred.same_certificate(local, url, appliance.thumbprint)
    peer.expect(200, peer.call("POST", inferred.SITE_LINK_PATH, identity(appliance)))
    return {"site": remote["site"], "description": remote.get("description"), "apiUrl": url,
            "apiPublicUrl": remote.get("apiPublicUrl"), "apiThumbprint": certs.normalize_thumbprint(thumbprint),
            "apiVersion": remote.get("apiVersion"), "buildVersion": remote.get("buildVersion"), "kind": "cloud"}


def pair_site(call):
    appliance = call.appliance
    body = call.body
    local = _require_local(appliance, "pair sites")
    thumbprint = certs.normalize_thumbprint(body["apiThumbprint"])
    if thumbprint == appliance.thumbprint:  # the wildcard-certificate pitfall, caught before any connection
        raise inferred.same_certificate(local, body["apiUrl"], thumbprint)
    if body.get("site") and (body["site"] == local):
        raise inferred.cannot_pair_with_self(local)
    if body.get("site") and find_record(appliance, body["site"]):
        raise inferred.already_paired(body["site"])

    def work():
        rec = _link(appliance, body["apiUrl"], thumbprint, body.get("site"))
        if find_record(appliance, rec["site"]):
            raise inferred.already_paired(rec["site"])
        _store(appliance, rec)
        return site_view(appliance, rec, live=False)

    return 202, appliance.tasks.submit(work, user=call.principal["user"], site=local, workflow_type=inferred.PAIR_WORKFLOW,
                                       result_type=inferred.SITE_RESULT_TYPE, resource_type="site",
                                       resource_id=body.get("site"))


def repair_site(call, site):
    appliance = call.appliance
    local = _require_local(appliance, "repair a site")
    if find_record(appliance, site) is None:
        raise inferred.site_not_found(site)
    body = call.body
    thumbprint = certs.normalize_thumbprint(body["apiThumbprint"])
    if thumbprint == appliance.thumbprint:
        raise inferred.same_certificate(local, body["apiUrl"], thumbprint)

    def work():
        rec = _link(appliance, body["apiUrl"], thumbprint, site)
        _store(appliance, rec)
        return site_view(appliance, rec, live=False)

    return 202, appliance.tasks.submit(work, user=call.principal["user"], site=local, workflow_type=inferred.REPAIR_WORKFLOW,
                                       result_type=inferred.SITE_RESULT_TYPE, resource_type="site", resource_id=site)


def unpair_site(call, site):
    appliance = call.appliance
    local = _require_local(appliance, "unpair a site")
    rec = find_record(appliance, site)
    if rec is None:
        raise inferred.site_not_found(site)

    def work():
        with appliance.store.edit() as state:
            state["sites"] = [r for r in _records(state) if r["site"] != site]
        forget_on_remote(appliance, rec, local)
        return None

    return 202, appliance.tasks.submit(work, user=call.principal["user"], site=local, workflow_type=inferred.UNPAIR_WORKFLOW,
                                       resource_type="site", resource_id=site)


# ----- the lab's site-to-site channel (the remote side) [I] --------------------------------------
def link_identity(call):
    return identity(call.appliance)


def _any_record(appliance, site, state=None):
    """A paired cloud site, or (on a cloud) a registered on-prem site."""
    state = state or appliance.state
    rec = find_record(appliance, site, state)
    if rec is None:
        rec = next((r for r in state.get("vcSites") or [] if r["site"] == site), None)
    return rec


def link_record(call, site):
    rec = _any_record(call.appliance, site)
    if rec is None:
        raise inferred.site_not_found(site)
    return {"site": rec["site"], "apiThumbprint": rec["apiThumbprint"]}


def link_pair(call):
    appliance = call.appliance
    body = call.body
    local = _require_local(appliance, "accept a pairing")
    thumbprint = certs.normalize_thumbprint(body["apiThumbprint"])
    if thumbprint == appliance.thumbprint:
        raise inferred.same_certificate(local, body["apiUrl"], thumbprint)
    if body["site"] == local:
        raise inferred.cannot_pair_with_self(local)
    checks.check_tls(body["apiUrl"], thumbprint, timeout=appliance.peer_timeout)  # the caller is who it says
    rec = {k: body.get(k) for k in ("site", "description", "apiUrl", "apiPublicUrl", "apiVersion", "buildVersion")}
    rec.update(apiThumbprint=thumbprint, kind="cloud")
    _store(appliance, rec)
    return identity(appliance)


def link_unpair(call, site):
    appliance = call.appliance
    rec = _any_record(appliance, site)
    if rec is None:
        raise inferred.site_not_found(site)
    if (call.request.args.get("thumbprint") or "").upper() != rec["apiThumbprint"]:
        raise inferred.forbidden()
    with appliance.store.edit() as state:
        state["sites"] = [r for r in _records(state) if r["site"] != site]
        state["vcSites"] = [r for r in state.get("vcSites") or [] if r["site"] != site]
    return 204, None


def endpoints(appliance):
    if appliance.spec.type != "cloud":
        return []
    link = inferred.SITE_LINK_PATH
    return [
        Endpoint("GET", "/sites", list_sites),
        Endpoint("POST", "/sites", pair_site, body="json", schema=schemas.PAIR_SITE),
        Endpoint("GET", "/sites/<site>", get_site),
        Endpoint("PUT", "/sites/<site>", repair_site, body="json", schema=schemas.REPAIR_SITE),
        Endpoint("DELETE", "/sites/<site>", unpair_site),
        Endpoint("GET", link, link_identity, auth=False),
        Endpoint("POST", link, link_pair, auth=False, body="json", schema=schemas.SITE_LINK),
        Endpoint("GET", link + "/<site>", link_record, auth=False),
        Endpoint("DELETE", link + "/<site>", link_unpair, auth=False),
    ]


# ----- lab-only operations (POST /_lab/ops/<name>) ------------------------------------------------
def control_ops(appliance):
    def use_shared_certificate(body):
        """``{"name": "wildcard"}``: serve the lab-wide certificate NAME (made on first use, SANs of
        every appliance given in ``addresses``), as a wildcard certificate on several sites would."""
        name = str(body.get("name") or "wildcard")
        if not name.replace("-", "").isalnum():
            raise ApiError(400, "BadUserInput", "name: letters, digits and '-' only")
        base = os.path.join(appliance.cert_dir, "shared-%s" % name)
        cert_pem, key_pem = certs.load_or_create(base + ".crt", base + ".key", "*.lab.example",
                                                 ips=[appliance.spec.address], dns_names=["*.lab.example"])
        appliance.install_certificate(cert_pem, key_pem)
        return appliance.describe()

    return {"use-shared-certificate": use_shared_certificate}
