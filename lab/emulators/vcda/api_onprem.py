"""The on-premises appliance's pairing with a cloud site, its "allow access from cloud" switch and
the placement of workloads replicated from the cloud, plus the cloud side (``/vc-sites``).

ALL INFERRED (docs/api/open-questions.md#on-premises-appliance: no public contract). The calls follow the published conventions:
pairing is the cloud pairing's ``POST /sites`` (docs/api/vcda.md#site-pairing) (task) with the organization credentials in a ``credentials``
object shaped like the ``POST /sessions/extend`` bodies; ``GET /sites`` lists the local site and
the cloud site; ``PUT /sites/{site}`` re-pairs, ``DELETE`` unpairs. Placement uses vCenter MoRef
ids as in the VSDR ``FailoverPlacement``, validated against the vCenter behind the appliance's
lookup service (the tenant vcsim) with pyvmomi. The paths are in ``inferred.ONPREM_*``.

Pairing really involves the cloud appliance: the on-prem logs in to the cloud's public API with
the org user (``vcdCredentials``) or the VCD API token (``vcdAccessToken``), then registers itself
(``POST /vc-sites`` [I], org session); the cloud connects back to check the on-prem certificate.
"""
from __future__ import annotations

import ssl
from urllib.parse import urlsplit

from ..common import certs
from ..common.appliance import Endpoint
from ..common.errors import ApiError
from . import api_sites, checks, inferred, schemas


# ----- on-prem: pairing with the cloud --------------------------------------------------------------
def _cloud_record(state):
    return state.get("cloudSite")


def _login_cloud(appliance, body):
    peer = checks.Peer(body["apiUrl"], body["apiThumbprint"], timeout=appliance.peer_timeout)
    creds = body["credentials"]
    if creds["type"] == "credentials":
        login = {"type": "vcdCredentials", "vcdUser": creds["vcdUsername"], "vcdPassword": creds["vcdPassword"]}
    else:
        login = {"type": "vcdAccessToken", "vcdAccessToken": creds["vcdAccessToken"], "context": creds.get("org")}
    code, headers, reply = peer.call("POST", "/sessions", login)
    if code != 200:
        raise inferred.remote_authentication_failure(body["apiUrl"], "the organization credentials were refused")
    peer.token = headers.get("x-vcav-auth")
    session = reply or {}
    org = (session.get("authenticatedSites") or [{}])[0].get("org") or session.get("user", "@").rsplit("@", 1)[-1]
    if org.lower() == "system":
        raise inferred.bad_input("Pair the on-premises site with organization credentials (user@org), not a system "
                                 "administrator.", session.get("user"))
    return peer, session, org


def onprem_pair(call, site=None):
    appliance = call.appliance
    body = call.body
    state = appliance.state
    local = api_sites._require_local(appliance, "pair with a cloud site")  # pylint: disable=protected-access
    if not state["lookupService"]:
        raise inferred.prerequisite_missing("pair with a cloud site", "configure the lookup service")
    current = _cloud_record(state)
    if site is None and current:
        raise inferred.already_paired(current["site"])
    if site is not None and (not current or current["site"] != site):
        raise inferred.site_not_found(site)
    thumbprint = certs.normalize_thumbprint(body["apiThumbprint"])
    if thumbprint == appliance.thumbprint:
        raise inferred.same_certificate(local, body["apiUrl"], thumbprint)

    def work():
        peer, session, org = _login_cloud(appliance, body)
        ident = api_sites.identity(appliance)
        ident.update(owner=org, allowAccessFromCloud=body["allowAccessFromCloud"], description=body.get("description"))
        cloud = peer.expect(200, peer.call("POST", "/vc-sites", ident))
        rec = {"site": cloud["site"], "description": cloud.get("description"), "apiUrl": body["apiUrl"],
               "apiPublicUrl": cloud.get("apiPublicUrl"), "apiThumbprint": thumbprint, "apiVersion": cloud.get("apiVersion"),
               "buildVersion": cloud.get("buildVersion"), "org": org, "user": session.get("user"),
               "authType": body["credentials"]["type"]}
        with appliance.store.edit() as draft:
            draft["cloudSite"] = rec
            draft["allowAccessFromCloud"] = body["allowAccessFromCloud"]
        return onprem_cloud_view(appliance, rec, live=False)

    workflow = inferred.PAIR_WORKFLOW if site is None else inferred.REPAIR_WORKFLOW
    return 202, appliance.tasks.submit(work, user=call.principal["user"], site=local, workflow_type=workflow,
                                       result_type=inferred.SITE_RESULT_TYPE, resource_type="site", resource_id=site)


def onprem_cloud_view(appliance, rec, live=True):
    out = api_sites.site_view(appliance, rec, live)
    out.update(org=rec.get("org"), user=rec.get("user"), authType=rec.get("authType"))
    return out


def onprem_sites(call):
    appliance = call.appliance
    if appliance.local_site() is None:
        return []
    rec = _cloud_record(appliance.state)
    local = api_sites.local_view(appliance)
    local[inferred.CLOUD_ACCESS_KEY] = bool(appliance.state.get("allowAccessFromCloud"))
    return [local] + ([onprem_cloud_view(appliance, rec)] if rec else [])


def onprem_get_site(call, site):
    for item in onprem_sites(call):
        if item["site"] == site:
            return item
    raise inferred.site_not_found(site)


def onprem_repair(call, site):
    return onprem_pair(call, site)


def onprem_unpair(call, site):
    appliance = call.appliance
    rec = _cloud_record(appliance.state)
    if not rec or rec["site"] != site:
        raise inferred.site_not_found(site)
    local = appliance.local_site()

    def work():
        with appliance.store.edit() as draft:
            draft["cloudSite"] = None
        api_sites.forget_on_remote(appliance, rec, local)
        return None

    return 202, appliance.tasks.submit(work, user=call.principal["user"], site=local, workflow_type=inferred.UNPAIR_WORKFLOW,
                                       resource_type="site", resource_id=site)


def get_cloud_access(call):
    return {inferred.CLOUD_ACCESS_KEY: bool(call.appliance.state.get("allowAccessFromCloud"))}


def set_cloud_access(call):
    appliance = call.appliance
    value = call.body[inferred.CLOUD_ACCESS_KEY]
    with appliance.store.edit() as draft:
        draft["allowAccessFromCloud"] = value
    rec = _cloud_record(appliance.state)
    if rec:  # the cloud learns the new setting over the site-to-site channel [I]
        try:
            peer = checks.Peer(rec["apiUrl"], rec["apiThumbprint"], timeout=appliance.peer_timeout)
            peer.call("POST", inferred.SITE_LINK_PATH + "/" + appliance.local_site() + "/cloud-access",
                      {inferred.CLOUD_ACCESS_KEY: value, "apiThumbprint": appliance.thumbprint})
        except ApiError:
            pass
    return get_cloud_access(call)


# ----- on-prem: placement (vCenter inventory through pyvmomi) --------------------------------------
class _Inventory:
    """The vCenter behind the on-prem appliance's lookup service, with the SSO credentials given
    at setup."""

    KINDS = {"vmFolder": "Folder", "cluster": "ClusterComputeResource", "network": "Network", "datastore": "Datastore"}

    def __init__(self, appliance):
        ls = appliance.state["lookupService"] or {}
        if not ls or not ls.get("sso"):
            raise inferred.prerequisite_missing("configure placement", "configure the lookup service with SSO administrator "
                                                "credentials (ssoAdminCredentials)")
        checks.check_tls(ls["url"], ls["thumbprint"], timeout=appliance.peer_timeout)
        parts = urlsplit(ls["url"])
        from pyVim.connect import Disconnect, SmartConnect  # pylint: disable=import-outside-toplevel
        from pyVmomi import vim  # pylint: disable=import-outside-toplevel
        self.vim, self._disconnect = vim, Disconnect
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # pinned just above (check_tls)
        try:
            self.si = SmartConnect(host=parts.hostname, port=parts.port or 443, user=ls["sso"]["user"],
                                   pwd=ls["sso"]["password"], sslContext=context)
        except vim.fault.InvalidLogin:
            raise inferred.remote_authentication_failure(ls["url"], "the vCenter refused the SSO credentials") from None
        except Exception as exc:  # pylint: disable=broad-except
            raise inferred.unreachable(ls["url"], str(exc)) from None

    def close(self):
        self._disconnect(self.si)

    def _all(self, vimtype):
        content = self.si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
        try:
            return list(view.view)
        finally:
            view.Destroy()

    def candidates(self):
        vim = self.vim
        folders = [f for f in self._all(vim.Folder) if "VirtualMachine" in (f.childType or [])]
        return {"vmFolders": [self.ref(f) for f in folders],
                "clusters": [self.ref(c) for c in self._all(vim.ClusterComputeResource)],
                "networks": [self.ref(n) for n in self._all(vim.Network)],
                "datastores": [self.ref(d) for d in self._all(vim.Datastore)]}

    @staticmethod
    def ref(obj):
        return {"id": obj._moId, "name": obj.name}  # pylint: disable=protected-access

    def lookup(self, field, moid):
        vim = self.vim
        cls = getattr(vim, self.KINDS[field])
        obj = cls(moid, self.si._stub)  # pylint: disable=protected-access
        try:
            name = obj.name
        except Exception:  # pylint: disable=broad-except  # ManagedObjectNotFound, InvalidArgument, a type mismatch
            raise inferred.bad_input("Field '%s': no %s with id '%s' in the vCenter." % (field, self.KINDS[field], moid),
                                     field, moid) from None
        if field == "vmFolder" and "VirtualMachine" not in (obj.childType or []):
            raise inferred.bad_input("Field 'vmFolder': '%s' (%s) is not a VM folder." % (moid, name), field, moid)
        return obj, name


def placement_view(state):
    return state.get("placement") or {k: None for k in ("vmFolder", "vmFolderName", "cluster", "clusterName", "network",
                                                        "networkName", "datastore", "datastoreName")}


def get_placement(call):
    return placement_view(call.appliance.state)


def get_candidates(call):
    inv = _Inventory(call.appliance)
    try:
        return inv.candidates()
    finally:
        inv.close()


def set_placement(call):
    body = call.body
    inv = _Inventory(call.appliance)
    try:
        found = {field: inv.lookup(field, body[field]) for field in _Inventory.KINDS}
        cluster = found["cluster"][0]
        mounted = {d._moId for d in cluster.datastore}  # pylint: disable=protected-access
        if body["datastore"] not in mounted:
            msg = "Field 'datastore': %s is not available to cluster %s." % (found["datastore"][1], found["cluster"][1])
            raise inferred.bad_input(msg, "datastore", body["datastore"])
        networks = {n._moId for n in cluster.network}  # pylint: disable=protected-access
        if body["network"] not in networks:
            msg = "Field 'network': %s is not available to cluster %s." % (found["network"][1], found["cluster"][1])
            raise inferred.bad_input(msg, "network", body["network"])
    finally:
        inv.close()
    placement = {}
    for field, (_obj, name) in found.items():
        placement[field] = body[field]
        placement[field + "Name"] = name
    with call.appliance.store.edit() as draft:
        draft["placement"] = placement
    return placement


# ----- cloud side: on-prem sites (/vc-sites [C: PSC]; registration [I]) ------------------------------
def _vc_sites(state):
    return state.get("vcSites") or []


def vc_site_view(rec):
    keys = ("site", "owner", "description", "apiThumbprint", "apiVersion", "buildVersion", inferred.CLOUD_ACCESS_KEY)
    return {k: rec.get(k) for k in keys}


def register_vc_site(call):
    """[I] The on-prem appliance registers itself with an org session (owner = the org)."""
    appliance = call.appliance
    body = call.body
    org = call.principal.get("org")
    if not org or org.lower() == "system":
        raise inferred.forbidden("Only organization users can register an on-premises site.")
    thumbprint = certs.normalize_thumbprint(body["apiThumbprint"])
    if thumbprint == appliance.thumbprint:
        raise inferred.same_certificate(appliance.local_site(), body["apiUrl"], thumbprint)
    checks.check_tls(body["apiUrl"], thumbprint, timeout=appliance.peer_timeout)
    for rec in _vc_sites(appliance.state):
        if rec["site"] == body["site"] and rec["owner"] != org:
            raise inferred.bad_input("An on-premises site named '%s' is already registered by another organization."
                                     % body["site"], body["site"])
    rec = {k: body.get(k) for k in ("site", "description", "apiUrl", "apiVersion", "buildVersion")}
    rec.update(owner=org, apiThumbprint=thumbprint, kind="onprem", **{inferred.CLOUD_ACCESS_KEY: bool(body.get(
        inferred.CLOUD_ACCESS_KEY))})
    with appliance.store.edit() as draft:
        draft["vcSites"] = [r for r in _vc_sites(draft) if r["site"] != rec["site"]] + [rec]
    return api_sites.identity(appliance)


def link_cloud_access(call, site):
    """[I] site-to-site channel: the on-prem site tells the cloud its new "allow access from cloud"."""
    appliance = call.appliance
    with appliance.store.edit() as draft:
        for rec in _vc_sites(draft):
            if rec["site"] == site and rec["apiThumbprint"] == str(call.body.get("apiThumbprint") or "").upper():
                rec[inferred.CLOUD_ACCESS_KEY] = bool(call.body.get(inferred.CLOUD_ACCESS_KEY))
                return 204, None
    raise inferred.site_not_found(site)


def list_vc_sites(call):
    org = call.principal.get("org")
    items = [vc_site_view(r) for r in _vc_sites(call.appliance.state)
             if "ADMINISTRATORS" in call.principal.get("roles", []) or r["owner"] == org]
    return {"items": items, "total": len(items)}


def delete_vc_site(call, site):
    appliance = call.appliance
    if not any(r["site"] == site for r in _vc_sites(appliance.state)):
        raise inferred.site_not_found(site)

    def work():
        with appliance.store.edit() as draft:
            draft["vcSites"] = [r for r in _vc_sites(draft) if r["site"] != site]

    return 202, appliance.tasks.submit(work, user=call.principal["user"], site=appliance.local_site(),
                                       workflow_type=inferred.UNPAIR_WORKFLOW, resource_type="vcSite", resource_id=site)


def endpoints(appliance):
    if appliance.spec.type == "cloud":
        return [Endpoint("GET", "/vc-sites", list_vc_sites, flags={"admin": False}),
                Endpoint("POST", "/vc-sites", register_vc_site, body="json", schema=schemas.SITE_LINK, flags={"admin": False}),
                Endpoint("DELETE", "/vc-sites/<site>", delete_vc_site),
                Endpoint("POST", inferred.SITE_LINK_PATH + "/<site>/cloud-access", link_cloud_access, auth=False, body="json")]
    if appliance.spec.type != "onprem":
        return []
    return [
        Endpoint("GET", "/sites", onprem_sites),
        Endpoint("POST", inferred.ONPREM_PAIR_PATH, onprem_pair, body="json", schema=schemas.ONPREM_PAIR),
        Endpoint("GET", "/sites/<site>", onprem_get_site),
        Endpoint("PUT", "/sites/<site>", onprem_repair, body="json", schema=schemas.ONPREM_PAIR),
        Endpoint("DELETE", "/sites/<site>", onprem_unpair),
        Endpoint("GET", inferred.ONPREM_CLOUD_ACCESS_PATH, get_cloud_access),
        Endpoint("POST", inferred.ONPREM_CLOUD_ACCESS_PATH, set_cloud_access, body="json", schema=schemas.CLOUD_ACCESS),
        Endpoint("GET", inferred.ONPREM_PLACEMENT_PATH, get_placement),
        Endpoint("POST", inferred.ONPREM_PLACEMENT_PATH, set_placement, body="json", schema=schemas.PLACEMENT),
        Endpoint("GET", inferred.ONPREM_PLACEMENT_PATH + "/candidates", get_candidates),
    ]
