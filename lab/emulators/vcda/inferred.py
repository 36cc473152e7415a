"""Every VCDA behaviour the contract (../../shared/api/vcda.md, unknowns.md) does not settle.

All choices marked [I] in the emulator live here, so they can be checked against a live
appliance and changed in one place. Error *shape* is the contract's
(``{"code","msg","args","stacktrace"}``); the codes, HTTP statuses and messages below are
inferred unless noted.
"""
from __future__ import annotations

from ..common.errors import ApiError

# [C: PSC Test-VCAVServiceEnvironment ValidateSet "Cloud","Manager","Replicator","Tunnel"]; OnPrem is [I].
SERVICE_TYPE = {"cloud": "Cloud", "replicator": "Replicator", "tunnel": "Tunnel", "onprem": "OnPrem"}

# [I] product names per generation; build numbers come from lab.yml (defaults below).
PRODUCT_NAME_4X = "VMware Cloud Director Availability"
PRODUCT_NAME_3X = "VMware vCloud Availability"
DEFAULT_BUILD = "23456789"

# [I] stacktrace text: mimics the vendor's ("com.vmware.h4.api.error.exceptions.PermissionDeniedException: …").
STACKTRACE_PACKAGE = "com.vmware.h4.api.error.exceptions."

# [I] password quality rule for root passwords.
PASSWORD_MIN_LENGTH = 8
PASSWORD_RULE_TEXT = ("at least 8 characters with at least one lowercase letter, one uppercase letter, one digit "
                      "and one special character, and different from the current password")

# [I] licence keys the lab accepts: five groups of five upper-case letters or digits.
LICENSE_KEY_PATTERN = r"^[A-Z0-9]{5}(-[A-Z0-9]{5}){4}$"

# [I] 4.x restart of services (unknowns.md §1: not found in any 4.x reference). "accept" (default)
# serves POST /os/reboot-services like 3.x; "absent" answers 404 like an unknown path.
REBOOT_SERVICES_4X_DEFAULT = "accept"


def _err(status, code, msg, *args, headers=None):
    return ApiError(status, code, msg, args, headers)


# ----- authentication / authorisation -----------------------------------------------------
def not_authenticated(msg="Authentication required. Log in with POST /sessions and send X-VCAV-Auth."):
    return _err(401, "NotAuthenticated", msg)  # code [S], message [I]


def bad_credentials():
    return _err(401, "NotAuthenticated", "Authentication failed: invalid credentials.")


def forbidden(msg="Permission denied."):
    return _err(403, "Forbidden", msg)  # code and message [S: DOC47 sample]


def root_password_expired():
    """[I] What a call other than the password change gets while the root password is expired."""
    return _err(403, "Forbidden", "Permission denied. The root password has expired; change it with "
                "POST /config/root-password before configuring the appliance.", "rootPasswordExpired")


def missing_config_secret():
    return _err(400, "BadUserInput", "The Config-Secret header (the current root password) is required.", "Config-Secret")


def wrong_config_secret():
    """[I] A Config-Secret that is not the current root password."""
    return _err(403, "Forbidden", "Permission denied. Config-Secret does not match the current root password.",
                "Config-Secret")


# ----- generic API errors -----------------------------------------------------------------
def bad_input(msg, *args):
    return _err(400, "BadUserInput", msg, *args)  # code [S]


def not_found(method, path):
    return _err(404, "NotFound", "The requested resource does not exist: %s %s" % (method, path), path)  # [I]


def method_not_allowed(method, path):
    return _err(405, "MethodNotAllowed", "Request method %s is not supported on %s." % (method, path), method, path)  # [I]


def entity_not_found(kind, ident):
    """[I] ``ReplicatorNotFound``, ``TaskNotFound``… (patterned on the documented ``SiteNotFound``)."""
    return _err(404, "%sNotFound" % kind, "%s '%s' was not found." % (kind, ident), ident)


def site_not_found(site):
    return _err(404, "SiteNotFound", "Site '%s' was not found." % site, site)  # code [S], status [I]


def server_failure(msg, *args):
    return _err(500, "GeneralServerFailure", msg, *args)  # code [S]


# ----- configuration rules ----------------------------------------------------------------
def site_already_set(current, requested):
    """Contract: once the site is set it can never be changed again. Same name again: accepted [I]."""
    return bad_input("The site name is already set to '%s' and cannot be changed (requested '%s')." % (current, requested),
                     current, requested)


def prerequisite_missing(what, needed):
    """[I] A step called before the step it depends on."""
    return bad_input("Cannot %s: %s first." % (what, needed), needed)


def weak_password():
    return bad_input("The new password does not meet the password requirements: %s." % PASSWORD_RULE_TEXT)


def invalid_license(key_hint):
    return bad_input("The license key is not valid.", key_hint)


def wrong_old_password():
    """[I] POST /config/check-root-password with a password that is not the current one."""
    return bad_input("The password is not the current root password.")


# ----- remote checks (lookup service, vCD, peer appliances) -------------------------------
def unreachable(url, detail):
    return bad_input("Unable to connect to %s: %s" % (url, detail), url)  # [I]


def invalid_url(url, detail):
    return bad_input("Invalid URL '%s': %s" % (url, detail), url)


def thumbprint_mismatch(url, expected, actual):
    """[I] The certificate a URL presents is not the one the caller said to trust."""
    return bad_input("The certificate of %s has thumbprint %s, which does not match the expected %s." % (url, actual, expected),
                     url, expected, actual)


def certificate_not_trusted(url, actual):
    """[I] No thumbprint given (full validation) and the server's certificate is not CA-trusted."""
    return bad_input("The certificate of %s (thumbprint %s) is not trusted; provide its thumbprint." % (url, actual), url, actual)


def remote_authentication_failure(url, detail="invalid credentials"):
    """Code [S]; HTTP 400 [I] (a 401 would read as "your session expired")."""
    return _err(400, "RemoteAuthenticationFailure", "Authentication to %s failed: %s." % (url, detail), url)


def remote_password_expired(url):
    return bad_input("The root password of %s has expired; change it first." % url, url)


def wrong_service(url, expected, actual):
    return bad_input("%s is a %s appliance, not a %s." % (url, actual, expected), url, expected, actual)


# ----- health error objects ([I] codes and messages; keys [S/C]) ---------------------------
def health_error(code, msg, *args):
    return {"code": code, "msg": msg, "args": [str(a) for a in args], "stacktrace": None}


def not_configured(what):
    return health_error("NotConfigured", "%s is not configured." % what)
