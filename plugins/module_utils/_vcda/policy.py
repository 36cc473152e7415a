# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication policies (docs/api/vcda.md#policies): option names <-> API body, per API generation, and the range
checks done before any call. Knows nothing of Ansible (``params`` is a plain dict)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

# option -> API field; 4.1+ (NewReplicationPolicyRequest [S]) and 4.0/3.x [S/C]
API_4X = {
    "allow_incoming_protections": "allowIncomingProtections", "allow_incoming_migrations": "allowIncomingMigrations",
    "allow_outgoing_protections": "allowOutgoingProtections", "allow_outgoing_migrations": "allowOutgoingMigrations",
    "allow_outgoing_onprem_protections": "allowOutgoingOnpremProtections",
    "allow_outgoing_onprem_migrations": "allowOutgoingOnpremMigrations",
    "allow_advanced_retention_rules": "allowAdvancedRetentionRules", "allow_custom_sla_settings": "allowCustomSlaSettings",
    "allow_notification_configuration": "allowNotificationConfiguration", "max_replicated_vms": "maxIncoming",
    "max_instances": "maxInstances", "max_pinned_instances": "maxPinnedInstances", "min_rpo": "minRpo",
    "onprem_data_cap": "onpremDataCap",
}
API_3X = {"allow_incoming": "allowIncoming", "allow_outgoing": "allowOutgoing", "max_replicated_vms": "maxIncoming",
          "max_instances": "maxInstances", "min_rpo": "minRpo"}
FIELDS_4X = tuple(sorted(API_4X))
FIELDS_3X = tuple(sorted(API_3X))
# Fields per version (docs/api/vcda.md#corrections point 5, DOC41/DOC45/DOC47): 4.1 has none of these, 4.5 adds all but
# allow_outgoing_onprem_protections, 4.7 has every field of API_4X.
NEW_IN_45 = ("allow_advanced_retention_rules", "allow_outgoing_onprem_migrations", "onprem_data_cap")
NEW_IN_47 = ("allow_outgoing_onprem_protections",)
# Accepted by the API but never read back (ReplicationPolicyInfo has no onpremDataCap): sent when set,
# never compared, never sent as null.
WRITE_ONLY = ("onprem_data_cap",)
# Values of a new policy for the options left unset (the default policy forbids everything too).
CREATE_DEFAULTS = {"max_replicated_vms": inferred.UNLIMITED, "max_instances": 24, "max_pinned_instances": 0, "min_rpo": 15,
                   "onprem_data_cap": inferred.UNLIMITED}
MIN_RPO, MAX_RPO = 5, 1440
MIN_INSTANCES, MAX_INSTANCES = 1, 24


def uses_split_directions(version):
    return tuple(version) >= inferred.POLICY_SPLIT_DIRECTIONS_FROM


def fields_for(version):
    """The options API ``version`` (a tuple) has, sorted."""
    version = tuple(version)
    if not uses_split_directions(version):
        return FIELDS_3X
    missing = () if version >= (4, 7) else NEW_IN_47 if version >= (4, 5) else NEW_IN_47 + NEW_IN_45
    return tuple(k for k in FIELDS_4X if k not in missing)


def _count(params, option, allow_zero=True):
    """An int >= 0 (or >= 1), or ``unlimited`` -> inferred.UNLIMITED; None stays None."""
    value = params.get(option)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == "unlimited":
        return inferred.UNLIMITED
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or isinstance(value, bool) or number < (0 if allow_zero else 1):
        raise InputError("%s: give a whole number of 0 or more, or 'unlimited'; got %r" % (option, value), option=option)
    return number


def _range(params, option, low, high):
    value = params.get(option)
    if value is not None and not low <= value <= high:
        raise InputError("%s: must be between %d and %d, got %d" % (option, low, high, value), option=option)


def validate(params):
    """Range and type checks that do not depend on the API version."""
    _range(params, "min_rpo", MIN_RPO, MAX_RPO)
    _range(params, "max_instances", MIN_INSTANCES, MAX_INSTANCES)
    _range(params, "max_pinned_instances", 0, params.get("max_instances") or MAX_INSTANCES)
    values = dict((k, params.get(k)) for k in set(API_4X) | set(API_3X))
    values["max_replicated_vms"] = _count(params, "max_replicated_vms")
    values["onprem_data_cap"] = _count(params, "onprem_data_cap")
    if not (params.get("name") or "").strip():
        raise InputError("name: must not be empty", option="name")
    return values


def policy_desired(params, version):
    """The desired option values for API ``version`` (None = leave alone); InputError for options that
    version does not have."""
    values = validate(params)
    version = tuple(version)
    fields = fields_for(version)
    wrong = sorted(k for k in set(API_4X) | set(API_3X) if k not in fields and values.get(k) is not None)
    if wrong:
        if not uses_split_directions(version) or any(k in API_3X and k not in API_4X for k in wrong):
            hint = ("4.1 and later use the split direction flags" if uses_split_directions(version)
                    else "4.0 and 3.x use allow_incoming/allow_outgoing")
        else:
            hint = "%s is in API 4.5+ / 4.7+ only" % ", ".join(wrong)
        raise InputError("%s: not available on API %d.%d (%s)" % (", ".join(wrong), version[0], version[1], hint),
                         option=wrong[0])
    return dict((k, values.get(k)) for k in fields)


def comparable(desired, live_policy, split):
    """``desired`` restricted to what the server reads back: fields the live policy does not carry
    (``onpremDataCap`` always; others a version lacks) are not compared."""
    if live_policy is None:
        return dict((k, v) for k, v in desired.items() if k not in WRITE_ONLY)
    mapping = API_4X if split else API_3X
    return dict((k, v) for k, v in desired.items() if k not in mapping or mapping[k] in live_policy)


def _unlimited(value):
    return inferred.UNLIMITED if isinstance(value, int) and value < 0 else value


def to_options(policy, split):
    """A ``GET /policies`` item as option values: only the fields it carries."""
    mapping = API_4X if split else API_3X
    out = dict((opt, policy.get(api)) for opt, api in mapping.items() if api in policy)
    for key in ("max_replicated_vms", "onprem_data_cap"):
        if key in out:
            out[key] = _unlimited(out[key])
    return out


def to_api(values, version, name, defaults=False):
    """The ``POST``/``PUT /policies`` body of API ``version``: exactly that version's fields. Unset options
    get the creation defaults with ``defaults`` (create); otherwise they are left out, never sent as null."""
    version = tuple(version)
    mapping = API_4X if uses_split_directions(version) else API_3X
    body = {"displayName": name}
    for opt in fields_for(version):
        value = values.get(opt)
        if value is None and defaults:
            value = CREATE_DEFAULTS.get(opt, False)
        if value is not None:
            body[mapping[opt]] = value
    return body


def describe(policy, split, orgs):
    """A ``GET /policies`` item for a reader: as the site returns it, plus ``name``, the assigned ``orgs`` and
    ``settings`` (its fields under the option names of ``vcda_policy``, unlimited as ``unlimited``)."""
    settings = to_options(policy, split)
    for key in ("max_replicated_vms", "onprem_data_cap"):
        if settings.get(key) == inferred.UNLIMITED:
            settings[key] = "unlimited"
    return dict(policy, name=policy.get("displayName"), orgs=sorted(orgs), settings=settings)
