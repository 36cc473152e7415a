"""Every VCDA behaviour the contract (docs/api/vcda.md, docs/api/open-questions.md) does not settle.

All choices marked [I] in the emulator live here, so they can be checked against a live
appliance and changed in one place. Error *shape* is the contract's
(``{"code","msg","args","stacktrace"}``); the codes, HTTP statuses and messages below are
inferred unless noted.
"""
from __future__ import annotations

from ..common.errors import ApiError

# [C: PSC Test-VCAVServiceEnvironment ValidateSet "Cloud","Manager","Replicator","Tunnel"]; OnPrem is [I].
SERVICE_TYPE = {"cloud": "Cloud", "manager": "Manager", "replicator": "Replicator", "tunnel": "Tunnel", "onprem": "OnPrem"}
# [I] the casing on 4.7: upper case, as AVS (the 4.7 client) compares with "MANAGER" / "CLOUD" (PowerShell
# compares case-insensitively, so the real casing is not shown anywhere; clients must not depend on it).
SERVICE_TYPE_UPPER_FROM = (4, 7)


def service_type(kind, version):
    name = SERVICE_TYPE[kind]
    return name.upper() if tuple(version) >= SERVICE_TYPE_UPPER_FROM else name


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

# [I] 4.x restart of services (docs/api/vcda.md#corrections point 9: no 4.x client calls it; PSC shows it on 3.x only).
# "absent" (default) answers 404 like an unknown path; "accept" serves POST /os/reboot-services like 3.x.
REBOOT_SERVICES_4X_DEFAULT = "absent"


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


def replicator_already_paired(url, rid):
    """Message [C: AVS Register-VCDAReplicator matches it on a repeated registration]; code and status [I]."""
    return bad_input("The replicator is already paired to the manager.", url, rid)


def tunnel_already_registered(url, tid):
    """[I] 4.6+: a second POST /config/tunnels for a URL already registered (update it with PUT /config/tunnels/{id})."""
    return bad_input("A tunnel with URL %s is already configured (id %s); update it with PUT /config/tunnels/%s." % (url, tid, tid),
                     url, tid)


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


# ===== issue 4: site pairing, policies, on-premises appliance ==================================
# Everything below is [I] unless tagged otherwise (the contract, docs/api/vcda.md#site-pairing, #policies and docs/api/open-questions.md#on-premises-appliance,
# gives the paths and bodies of pairing and policies but no error texts; nothing for on-prem).

# [I] Site-to-site channel of the lab. Real sites talk to each other through their tunnels with a
# protocol that is not public; the lab stands it in with these unauthenticated HTTPS calls, which
# the other emulated appliance really answers. The caller proves who it is by its certificate:
# the callee connects back to the caller's URL and checks the thumbprint. NOT a VCDA API.
SITE_LINK_PATH = "/_site-link/sites"

# [I] task workflow types and result types of the pairing calls (TF only polls the state).
PAIR_WORKFLOW, REPAIR_WORKFLOW, UNPAIR_WORKFLOW = "pairSite", "repairSite", "unpairSite"
SITE_RESULT_TYPE = "Site"
POLICY_ASSIGN_WORKFLOW = "assignPolicy"

# [I] the built-in policy: docs/api/vcda.md#policies says its id is ``default`` and it forbids replication; the
# numbers are inferred.
DEFAULT_POLICY_ID = "default"
DEFAULT_POLICY_4X = {"displayName": "default", "allowIncomingProtections": False, "allowIncomingMigrations": False,
                     "allowOutgoingProtections": False, "allowOutgoingMigrations": False,
                     "allowOutgoingOnpremProtections": False, "allowOutgoingOnpremMigrations": False,
                     "allowAdvancedRetentionRules": False, "allowCustomSlaSettings": False,
                     "allowNotificationConfiguration": False, "maxIncoming": 0, "maxInstances": 24,
                     "maxPinnedInstances": 0, "minRpo": 15, "onpremDataCap": -1}
DEFAULT_POLICY_3X = {"displayName": "default", "allowIncoming": False, "allowOutgoing": False, "maxIncoming": 0,
                     "maxInstances": 24, "minRpo": 15}
# Ranges: docs/workflows.md#b-pairing-and-policies (instances 1-24, RPO 5 minutes to 24 hours) [S: admin guide]; the
# others [I]: pinned instances 0..maxInstances, onpremDataCap in GB with <0 = unlimited.
MIN_RPO, MAX_RPO = 5, 1440
MIN_INSTANCES, MAX_INSTANCES = 1, 24
# [I] the policy API generation: 4.1+ the split direction flags, 4.0 and 3.x allowIncoming/allowOutgoing.
SPLIT_POLICY_FROM = (4, 1)
# ``GET /policies/{id}/status`` [C: PSC path]: a list of objects with ``org`` [C: PSC]; the other keys
# of an item (policyId, policyName) are [I].


def same_certificate(local_site, remote_url, thumbprint):
    """[I] Pairing two sites that present the same certificate (a wildcard certificate on both).
    The admin guide says this cannot work; the code and text are inferred."""
    return bad_input("Cannot pair with %s: it presents the same certificate as the local site %s (thumbprint %s). "
                     "Paired sites need different certificates; a wildcard certificate cannot be used on both sites."
                     % (remote_url, local_site, thumbprint), remote_url, thumbprint)


def already_paired(site):
    return bad_input("Site '%s' is already paired. Use PUT /sites/%s to repair it." % (site, site), site)


def remote_site_name_mismatch(given, actual, url):
    return bad_input("The site at %s is '%s', not '%s'." % (url, actual, given), given, actual, url)


def cannot_pair_with_self(site):
    return bad_input("Site '%s' cannot be paired with itself." % site, site)


def policy_name_taken(name):
    return bad_input("A policy with display name '%s' already exists." % name, name)


def default_policy_protected(action):
    return bad_input("The default policy cannot be %s." % action, DEFAULT_POLICY_ID)


def out_of_range(field, value, low, high):
    return bad_input("Field '%s' must be between %s and %s, got %s." % (field, low, high, value), field, value)


def org_not_found(org):
    """[I] code patterned on the documented ``SiteNotFound``."""
    return _err(404, "OrgNotFound", "Organization '%s' was not found." % org, org)


def comm_error(msg, *args):
    """[I] the error object of ``state.incomingCommError``/``outgoingCommError`` of a paired site."""
    return health_error("SiteCommunicationError", msg, *args)


# [I] on-prem appliance (docs/api/open-questions.md#on-premises-appliance: no contract). Paths follow the published conventions.
ONPREM_PAIR_PATH = "/sites"                       # like cloud pairing, body with a ``credentials`` object
ONPREM_CLOUD_ACCESS_PATH = "/config/cloud-access"  # {"allowAccessFromCloud": bool}
ONPREM_PLACEMENT_PATH = "/config/placement"       # {"vmFolder","cluster","network","datastore"}: MoRef ids
CLOUD_ACCESS_KEY = "allowAccessFromCloud"


# ===== issue 10: replications, migrations and operations (api_replications, replication_engine) ==========
# docs/api/vcda.md#replications gives the paths, bodies and most read fields [S/C]; everything below is [I].

# [I] task workflow and result types of the replication calls.
REPLICATION_WORKFLOW = {"vm": "createVmReplication", "vapp": "createVappReplication"}
REPLICATION_RESULT_TYPE = {"vm": "VmReplication", "vapp": "VappReplication"}
REPLICATION_RESOURCE_TYPE = {"vm": "vmReplication", "vapp": "vappReplication"}
# [I] the destination discriminator per API version: 4.5+ data-structure pages name the Cloud Director targets
# ``vm`` / ``vapp``; the 4.5 request example (and older) use ``vcloud``. The lab accepts exactly one per version.
DESTINATION_TYPES_FROM = (4, 5)
# [I] list paging: default and largest ``limit``.
LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT = 100, 1000
# [I] name of the test vApp a failover-test creates.
TEST_VAPP_SUFFIX = "-test"
# [I] ``dataConnectionState`` after a migrate/failover (sync stopped).
FINISHED_CONNECTION_STATE = "FINISHED"
# [I] ``On-Prem-Auth`` header value: ``Basic base64(user:password)`` of an SSO user of the on-prem vCenter.
ONPREM_AUTH_HEADER = "On-Prem-Auth"


def replication_not_found(kind, ident):
    return _err(404, "%sNotFound" % ("VmReplication" if kind == "vm" else "VappReplication"),
                "Replication '%s' was not found." % ident, ident)


def not_extended(site):
    """[I status] A cross-site call without ``POST /sessions/extend`` to ``site`` (docs/api/vcda.md#replications)."""
    return _err(401, "NotAuthenticated", "The session is not authenticated to site '%s'; extend it with POST /sessions/extend "
                "first." % site, site)


def onprem_access_denied(site):
    return forbidden("The on-premises site '%s' does not allow access from the cloud; send On-Prem-Auth or enable "
                     "\"allow access from cloud\" there." % site)


def policy_refused(policy, org, site, field, value, limit, what):
    return bad_input("Policy '%s' of organization '%s' at site '%s' %s (%s=%s%s)." % (
        policy, org, site, what, field, value, "" if limit is None else ", limit %s" % limit), field, value,
        "" if limit is None else limit)


def wrong_recovery_state(operation, state, needed):
    return bad_input("Cannot %s: the replication's recovery state is %s (needs %s)." % (operation, state, needed),
                     operation, state)


def replication_busy(ident, operation):
    return bad_input("Replication '%s' is busy with a '%s' operation; wait for its task." % (ident, operation), ident, operation)


def not_synced(ident, operation):
    return bad_input("Cannot %s replication '%s': it has no instance yet (the initial sync is not complete)." % (operation, ident),
                     ident)


def already_replicated(vm, existing):
    return bad_input("The VM '%s' is already replicated to this destination by '%s'." % (vm, existing), vm, existing)


def source_vm_gone(vm):
    return bad_input("The source VM '%s' does not exist." % vm, vm)


def vcenter_fault(url, name, msg):
    """A vSphere fault of a lab vCenter call (e.g. ``MethodDisabled`` on a guarded VM)."""
    return bad_input("vCenter %s refused the operation: %s: %s" % (url, name, msg), name)


def vcd_refused(site, exc):
    return bad_input("Cloud Director of site '%s' refused the recovery: %s" % (site, exc.msg), site, *exc.error_args)


# ===== reporting (issue 11) ==========================================================================
# [I] how a site checks a ``vcdAccessToken`` login (no public client sends one): it asks its Cloud Director who the
# bearer token belongs to - the current session of that token - and takes the user and org from the answer. A
# ``context`` naming another org is refused like a wrong token (401, without echoing the token).
VCD_TOKEN_SESSION_PATH = "/cloudapi/1.0.0/sessions/current"
VCD_TOKEN_ACCEPT = "application/json;version=36.0"
