"""Sessions (docs/api/vcda.md#sessions), the root-password calls (docs/api/vcda.md#appliance-configuration) and
GET /diagnostics/about."""
from __future__ import annotations

import re

from ..common.appliance import Endpoint
from ..common.tasks import now_ms
from . import checks, inferred, schemas

EXPIRED_OK = {"expired_ok": True}


def _session_body(appliance, principal):
    site = appliance.local_site()
    org = principal.get("org", "System")
    return {"roles": list(principal["roles"]), "user": principal["user"],
            "authenticatedSites": ([{"org": org, "site": site}] if site else []) + list(principal.get("extendedSites") or [])}


def login(call):
    appliance = call.appliance
    body = call.body
    state = appliance.state
    kind = body["type"]
    principal = None
    if kind == "localUser":
        if body["localUser"] == "root" and body["localPassword"] == appliance.root_password():
            principal = {"user": "root", "roles": ["ADMINISTRATORS"], "org": "System", "type": kind}
    elif kind == "ssoCredentials":
        ls = state["lookupService"] or state.get("managerLookupService")
        if ls and checks.check_sso_credentials(appliance.lab, ls["url"], body["username"], body["password"]):
            principal = {"user": body["username"], "roles": ["ADMINISTRATORS"], "org": "System", "type": kind}
    elif kind == "vcdCredentials" and appliance.spec.type == "cloud":
        found = checks.vcd_login(appliance.lab, state["vcloud"], body["vcdUser"], body["vcdPassword"])
        if found:
            user, org = found
            roles = ["ADMINISTRATORS"] if org.lower() == "system" else ["EVERYONE"]
            principal = {"user": user, "roles": roles, "org": org, "type": kind}
    elif kind == "vcdAccessToken" and appliance.spec.type == "cloud":
        # [I] the site asks its Cloud Director (the lab vCD) who the access token belongs to; without a lab
        # vCD, the API tokens of lab.yml (vcda.vcloud_directors[].api_tokens) stand for that exchange.
        found = checks.vcd_token_login(appliance.lab, state["vcloud"], body["vcdAccessToken"], body.get("context"))
        if found:
            user, org = found
            roles = ["ADMINISTRATORS"] if org.lower() == "system" else ["EVERYONE"]
            principal = {"user": user, "roles": roles, "org": org, "type": kind}
    # ssoToken, vcdCookie: the lab has nothing that could vouch for them yet.
    if principal is None:
        raise inferred.bad_credentials()
    token = appliance.sessions.create(principal)
    return 200, _session_body(appliance, principal), {"X-VCAV-Auth": token}


def get_session(call):
    return _session_body(call.appliance, call.principal)


def logout(call):
    call.appliance.sessions.delete(call.token)
    return 204, None


def password_expired(call):
    return call.appliance.password_status()


def _password_ok(new, current):
    return (len(new) >= inferred.PASSWORD_MIN_LENGTH and new != current and re.search(r"[a-z]", new)
            and re.search(r"[A-Z]", new) and re.search(r"[0-9]", new) and re.search(r"[^A-Za-z0-9]", new)
            and not re.search(r"\s", new))


def change_root_password(call):
    appliance = call.appliance
    appliance.check_config_secret(call, required=True)
    new = call.body["rootPassword"]
    if not _password_ok(new, appliance.root_password()):
        raise inferred.weak_password()
    with appliance.password_store.edit() as state:
        state.update(rootPassword=new, rootPasswordExpired=False, rootPasswordChangedAt=now_ms())
    return 204, None


def check_root_password(call):
    if call.body["password"] != call.appliance.root_password():
        raise inferred.wrong_old_password()
    return 204, None


def about(call):
    return call.appliance.about()


def endpoints(appliance):
    f = appliance.features
    return [
        Endpoint("POST", "/sessions", login, auth=False, body="json", schema=schemas.login_schema(f.access_token_login)),
        Endpoint("GET", "/sessions", get_session, flags=dict(EXPIRED_OK, admin=False)),
        Endpoint("DELETE", "/sessions", logout, flags=dict(EXPIRED_OK, admin=False)),
        Endpoint("GET", f.password_expired_path, password_expired, flags=EXPIRED_OK),
        Endpoint("POST", "/config/root-password", change_root_password, body="json", schema=schemas.ROOT_PASSWORD,
                 flags=EXPIRED_OK),
        Endpoint("POST", "/config/check-root-password", check_root_password, body="json",
                 schema=schemas.CHECK_ROOT_PASSWORD, flags=EXPIRED_OK),
        Endpoint("GET", "/diagnostics/about", about, flags=dict(EXPIRED_OK, admin=False)),
    ]
