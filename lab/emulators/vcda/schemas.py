"""Request bodies of the VCDA API (docs/api/vcda.md#sessions, docs/api/vcda.md#appliance-configuration), strictly: every field the contract lists,
nothing else. Required-ness follows what the contract's clients always send; fields the
contract shows as ``null`` or optional are nullable/optional."""
from __future__ import annotations

import re

from ..common.certs import normalize_thumbprint
from ..common.schema import Bool, Int, Obj, OneOf, Schema, Str


def _thumbprint(value):
    normalize_thumbprint(value)


def _https_url(value):
    if not re.match(r"^https://[^/\s:]+(:\d+)?(/\S*)?$", value, re.IGNORECASE):
        raise ValueError("expected an https:// URL")


def _owner(value):
    if value != "*" and not re.match(r"^[^@\s]+@[^@\s]+$", value):
        raise ValueError("expected '*' (multi-tenant) or '<org>@<site>' (dedicated)")


def _site_name(value):
    # [I] site names: letters, digits, '-', '_', '.', at most 64 characters.
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", value):
        raise ValueError("use letters, digits, '-', '_' or '.', at most 64 characters")


def _port():
    return Int(nullable=True, minimum=1, maximum=65535)


URL = dict(required=True, check=_https_url)
THUMBPRINT = dict(required=True, check=_thumbprint)

# ----- sessions (docs/api/vcda.md#sessions) -------------------------------------------------------
LOGIN_TYPES = {
    "localUser": Schema({"type": Str(required=True), "localUser": Str(required=True), "localPassword": Str(required=True)}),
    "ssoCredentials": Schema({"type": Str(required=True), "username": Str(required=True), "password": Str(required=True),
                              "principal": Str(nullable=True)}),
    "ssoToken": Schema({"type": Str(required=True), "samlToken": Str(required=True), "timestamp": Int(required=True),
                        "nonce": Str(required=True), "signature": Str(required=True), "principal": Str(nullable=True)}),
    "vcdCredentials": Schema({"type": Str(required=True), "vcdUser": Str(required=True), "vcdPassword": Str(required=True)}),
    "vcdCookie": Schema({"type": Str(required=True), "vcdCookie": Str(required=True)}),
    "vcdAccessToken": Schema({"type": Str(required=True), "vcdAccessToken": Str(required=True),
                              "context": Str(nullable=True)}),
}


def login_schema(access_token_login: bool) -> OneOf:
    variants = dict(LOGIN_TYPES)
    if not access_token_login:
        del variants["vcdAccessToken"]
    return OneOf("type", variants)


# ----- appliance configuration (docs/api/vcda.md#appliance-configuration) -------------------------
ROOT_PASSWORD = Schema({"rootPassword": Str(required=True)})
CHECK_ROOT_PASSWORD = Schema({"password": Str(required=True)})
LICENSE = Schema({"key": Str(required=True)})
CLOUD_SITE = Schema({"localSite": Str(required=True, check=_site_name), "localSiteDescription": Str(nullable=True, allow_empty=True),
                     "apiUrl": Str(nullable=True, check=_https_url)})
MANAGER_SITE = Schema({"site": Str(required=True, check=_site_name)})

_ENDPOINT_FIELDS = {
    "apiAddress": Str(nullable=True), "apiPort": _port(), "apiPublicAddress": Str(nullable=True), "apiPublicPort": _port(),
    "mgmtAddress": Str(nullable=True), "mgmtPort": _port(), "mgmtPublicAddress": Str(nullable=True), "mgmtPublicPort": _port(),
}
_TUNNEL_ENDPOINT_FIELDS = {"tunnelAddress": Str(nullable=True), "tunnelPort": _port(),
                           "tunnelPublicAddress": Str(nullable=True), "tunnelPublicPort": _port()}
ENDPOINT_KEYS_4X = list(_ENDPOINT_FIELDS)
ENDPOINT_KEYS_3X = ENDPOINT_KEYS_4X + list(_TUNNEL_ENDPOINT_FIELDS)


def endpoints_schema(with_tunnel_fields: bool) -> Schema:
    fields = dict(_ENDPOINT_FIELDS)
    if with_tunnel_fields:
        fields.update(_TUNNEL_ENDPOINT_FIELDS)
    return Schema(fields)


VCLOUD = Schema({"vcdUrl": Str(**URL), "vcdUsername": Str(required=True), "vcdPassword": Str(required=True),
                 "vcdThumbprint": Str(nullable=True, check=_thumbprint)})
LOOKUP_SERVICE = Schema({"url": Str(**URL), "thumbprint": Str(**THUMBPRINT)})
SSO_ADMIN = Schema({"ssoUser": Str(required=True), "ssoPassword": Str(required=True)})
# [C: TF setManagerLookupService] manager form; the on-prem appliance accepts it too [I: docs/api/open-questions.md#on-premises-appliance].
LOOKUP_SERVICE_WITH_SSO = Schema({"url": Str(**URL), "thumbprint": Str(**THUMBPRINT),
                                  "ssoAdminCredentials": Obj(SSO_ADMIN, nullable=True)})
DATA_ENGINE = Schema({"hbrsrv": Bool(required=True), "h4dm": Bool(required=True)})
TELEMETRY = Schema({"enabled": Bool(required=True), "environment": Str(nullable=True, enum=["PRODUCTION", None])})

# Replicator / tunnel preparation through the cloud appliance [C: ANS, TF].
REMOTE_PASSWORD_EXPIRED = Schema({"apiUrl": Str(**URL), "apiThumbprint": Str(**THUMBPRINT), "rootPassword": Str(required=True)})
REMOTE_ROOT_PASSWORD = REMOTE_PASSWORD_EXPIRED  # rootPassword is the new one; Config-Secret the current one
REMOTE_LOOKUP_SERVICE = Schema({"apiUrl": Str(**URL), "apiThumbprint": Str(**THUMBPRINT), "lsUrl": Str(**URL),
                                "lsThumbprint": Str(**THUMBPRINT), "rootPassword": Str(required=True)})

REPLICATOR_DETAILS = Schema({"apiUrl": Str(**URL), "apiThumbprint": Str(**THUMBPRINT), "rootPassword": Str(required=True),
                             "ssoUser": Str(required=True), "ssoPassword": Str(required=True)})
# Nested form [S: VSDR NewReplicatorRequest; C: TF, PSC, JAVA]. The flat form ANS sends is not accepted.
NEW_REPLICATOR = Schema({"owner": Str(required=True, check=_owner), "site": Str(required=True),
                         "description": Str(nullable=True, allow_empty=True), "replicatorId": Str(nullable=True),
                         "details": Obj(REPLICATOR_DETAILS, required=True)})
# reset-cookie (repair): 4.x nested {"description","details"} [C: AVS Repair-VCDAReplicator]; 3.x flat [C: PSC].
RESET_COOKIE_4X = Schema({"description": Str(nullable=True, allow_empty=True), "details": Obj(REPLICATOR_DETAILS, required=True)})
RESET_COOKIE_3X = REPLICATOR_DETAILS

TUNNEL = Schema({"url": Str(**URL), "certificate": Str(required=True), "rootPassword": Str(required=True)})

# [I] what the cloud sends a replicator it registers (3.x-era POST /config/manager, docs/api/vcda.md#appliance-configuration "Misc").
SET_MANAGER = Schema({"managerUrl": Str(**URL), "managerCertificate": Str(required=True), "ssoUsername": Str(required=True),
                      "ssoPassword": Str(required=True)})

# ----- site pairing (docs/api/vcda.md#site-pairing) -----------------------------------------------
# Cloud body [C: TF PairCloudSiteData]; ``site`` optional as in the VSDR UpdateSiteRequest [S].
PAIR_SITE = Schema({"site": Str(nullable=True, check=_site_name), "apiUrl": Str(**URL), "apiThumbprint": Str(**THUMBPRINT),
                    "description": Str(nullable=True, allow_empty=True)})
REPAIR_SITE = Schema({"apiUrl": Str(**URL), "apiThumbprint": Str(**THUMBPRINT), "description": Str(nullable=True, allow_empty=True)})
# [I] the lab's site-to-site channel (inferred.SITE_LINK_PATH): the caller's identity.
SITE_LINK = Schema({"site": Str(required=True, check=_site_name), "description": Str(nullable=True, allow_empty=True),
                    "apiUrl": Str(**URL), "apiPublicUrl": Str(nullable=True), "apiThumbprint": Str(**THUMBPRINT),
                    "apiVersion": Str(nullable=True), "buildVersion": Str(nullable=True), "kind": Str(nullable=True),
                    "owner": Str(nullable=True), "allowAccessFromCloud": Bool(nullable=True)})

# ----- policies (docs/api/vcda.md#policies) -------------------------------------------------------
_FLAG = dict(required=True)
# 4.x NewReplicationPolicyRequest [S: DOC41/DOC45/DOC47; docs/api/vcda.md#corrections point 5]: the fields of each version,
# all required except ``onpremDataCap`` (accepted, never read back, so clients send it only when set; never null).
_POLICY_41 = {"displayName": Str(required=True), "allowIncomingProtections": Bool(**_FLAG),
              "allowIncomingMigrations": Bool(**_FLAG), "allowOutgoingProtections": Bool(**_FLAG),
              "allowOutgoingMigrations": Bool(**_FLAG), "allowCustomSlaSettings": Bool(**_FLAG),
              "allowNotificationConfiguration": Bool(**_FLAG), "maxIncoming": Int(required=True),
              "maxInstances": Int(required=True), "maxPinnedInstances": Int(required=True), "minRpo": Int(required=True)}
_POLICY_45 = dict(_POLICY_41, allowAdvancedRetentionRules=Bool(**_FLAG), allowOutgoingOnpremMigrations=Bool(**_FLAG),
                  onpremDataCap=Int())
_POLICY_47 = dict(_POLICY_45, allowOutgoingOnpremProtections=Bool(**_FLAG))
POLICY_41, POLICY_45, POLICY_47 = Schema(_POLICY_41), Schema(_POLICY_45), Schema(_POLICY_47)
# Fields a read-back (ReplicationPolicyInfo) never carries [S: 4.0/4.2/4.7 examples].
POLICY_WRITE_ONLY = ("onpremDataCap",)


def policy_schema(version):
    """The policy body of API ``version`` (a tuple): 4.7+, 4.5-4.6, 4.1-4.4, else 4.0 / 3.x."""
    if version >= (4, 7):
        return POLICY_47
    if version >= (4, 5):
        return POLICY_45
    if version >= (4, 1):
        return POLICY_41
    return POLICY_3X


# 4.0 / 3.x [S: DOC 4.0; C: PSC New-vCAVTenantPolicy].
POLICY_3X = Schema({"displayName": Str(required=True), "allowIncoming": Bool(**_FLAG), "allowOutgoing": Bool(**_FLAG),
                    "maxIncoming": Int(required=True), "maxInstances": Int(required=True), "minRpo": Int(required=True)})

# ----- on-prem appliance [I] (docs/api/open-questions.md#on-premises-appliance) -------------------
# Credentials shaped like the POST /sessions/extend bodies (docs/api/vcda.md#sessions).
ONPREM_CREDENTIALS = OneOf("type", {
    "credentials": Schema({"type": Str(required=True), "vcdUsername": Str(required=True), "vcdPassword": Str(required=True)}),
    "vcdAccessToken": Schema({"type": Str(required=True), "vcdAccessToken": Str(required=True), "org": Str(nullable=True)}),
})
ONPREM_PAIR = Schema({"apiUrl": Str(**URL), "apiThumbprint": Str(**THUMBPRINT), "description": Str(nullable=True, allow_empty=True),
                      "allowAccessFromCloud": Bool(required=True), "credentials": Obj(ONPREM_CREDENTIALS, required=True)})
CLOUD_ACCESS = Schema({"allowAccessFromCloud": Bool(required=True)})


def _moref(value):
    if not re.match(r"^[a-z][a-z-]*-[a-z]*\d+$", value):
        raise ValueError("expected a vCenter MoRef id such as group-v3 or datastore-54")


_MOREF = dict(required=True, check=_moref)
PLACEMENT = Schema({"vmFolder": Str(**_MOREF), "cluster": Str(**_MOREF), "network": Str(**_MOREF), "datastore": Str(**_MOREF)})
