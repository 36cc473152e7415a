"""Replication policies: option <-> API field mapping (4.x and 3.5 forms), range checks before any call,
and the org assignments computed for orgs_state present/exact (no network)."""
import json

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as _vcda
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import policy
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import inferred
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import Reconciler
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.modules import vcda_policy as module

TP = "SHA-256:" + ":".join(["AB", "CD", "EF", "01", "23", "45", "67", "89"] * 4)

# Every option of the module with a value that differs from the creation defaults, and its API field.
FULL_4X = {
    "allow_incoming_protections": ("allowIncomingProtections", True),
    "allow_incoming_migrations": ("allowIncomingMigrations", True),
    "allow_outgoing_protections": ("allowOutgoingProtections", True),
    "allow_outgoing_migrations": ("allowOutgoingMigrations", True),
    "allow_outgoing_onprem_protections": ("allowOutgoingOnpremProtections", True),
    "allow_outgoing_onprem_migrations": ("allowOutgoingOnpremMigrations", True),
    "allow_custom_sla_settings": ("allowCustomSlaSettings", True),
    "allow_advanced_retention_rules": ("allowAdvancedRetentionRules", True),
    "allow_notification_configuration": ("allowNotificationConfiguration", True),
    "max_replicated_vms": ("maxIncoming", 50),
    "max_instances": ("maxInstances", 12),
    "max_pinned_instances": ("maxPinnedInstances", 3),
    "min_rpo": ("minRpo", 240),
    "onprem_data_cap": ("onpremDataCap", 512),
}
FULL_3X = {
    "allow_incoming": ("allowIncoming", True),
    "allow_outgoing": ("allowOutgoing", True),
    "max_replicated_vms": ("maxIncoming", 10),
    "max_instances": ("maxInstances", 5),
    "min_rpo": ("minRpo", 30),
}
ALL_OPTIONS = sorted(set(FULL_4X) | set(FULL_3X))


def params(**values):
    out = dict((k, None) for k in ALL_OPTIONS)
    out.update(name="Gold", state="present", orgs=None, orgs_state="present")
    out.update(values)
    return out


# ----- field mapping ------------------------------------------------------------------------------
def test_every_4x_option_maps_to_its_api_field_both_ways():
    values = dict((opt, value) for opt, (_api, value) in FULL_4X.items())
    body = policy.to_api(values, (4, 7), name="Gold")
    assert body == dict([("displayName", "Gold")] + list(FULL_4X.values()))
    assert policy.to_options(body, split=True) == values
    assert set(policy.FIELDS_4X) == set(FULL_4X) == set(policy.fields_for((4, 7)))


def test_each_version_is_sent_only_its_own_fields():
    """docs/api/vcda.md#corrections point 5: 4.1 lacks allowAdvancedRetentionRules / allowOutgoingOnprem* (and onpremDataCap);
    4.5 lacks allowOutgoingOnpremProtections; 4.7 has every field."""
    values = dict((opt, value) for opt, (_api, value) in FULL_4X.items())
    in_45 = ("allowAdvancedRetentionRules", "allowOutgoingOnpremMigrations", "onpremDataCap")
    assert "allowOutgoingOnpremProtections" not in policy.to_api(values, (4, 5), "Gold")
    assert set(in_45) <= set(policy.to_api(values, (4, 6), "Gold"))
    body_41 = policy.to_api(values, (4, 1), "Gold")
    assert not set(in_45 + ("allowOutgoingOnpremProtections",)) & set(body_41) and body_41["allowCustomSlaSettings"] is True
    with pytest.raises(InputError) as err:
        policy.policy_desired(params(allow_outgoing_onprem_protections=True), (4, 5))
    assert err.value.option == "allow_outgoing_onprem_protections" and "4.5" in str(err.value)
    with pytest.raises(InputError) as err:
        policy.policy_desired(params(onprem_data_cap=5), (4, 2))
    assert err.value.option == "onprem_data_cap"


def test_only_fields_the_server_returns_are_compared():
    desired = policy.policy_desired(params(min_rpo=30, onprem_data_cap=100, allow_advanced_retention_rules=True), (4, 7))
    live_45 = {"id": "p", "displayName": "Gold", "minRpo": 30, "allowIncomingProtections": False}
    compared = policy.comparable(desired, live_45, True)
    assert "onprem_data_cap" not in compared and "allow_advanced_retention_rules" not in compared
    assert compared["min_rpo"] == 30
    assert "onprem_data_cap" not in policy.comparable(desired, None, True)   # not readable after creation either


def test_every_35_option_maps_to_its_api_field_both_ways():
    values = dict((opt, value) for opt, (_api, value) in FULL_3X.items())
    body = policy.to_api(values, (3, 5), name="Legacy")
    assert body == dict([("displayName", "Legacy")] + list(FULL_3X.values()))
    assert policy.to_options(body, split=False) == values
    assert set(policy.FIELDS_3X) == set(FULL_3X)
    assert not any(api.startswith("allowIncomingP") or api == "onpremDataCap" for api in body)


@pytest.mark.parametrize("version,split", [((4, 7), True), ((4, 1), True), ((4, 0), False), ((3, 5), False)])
def test_split_direction_flags_from_41(version, split):
    assert policy.uses_split_directions(version) is split


def test_creation_defaults_fill_unset_options_and_nothing_else():
    body = policy.to_api({"allow_incoming_protections": True, "min_rpo": 60}, (4, 7), name="Gold", defaults=True)
    assert body["allowIncomingProtections"] is True and body["minRpo"] == 60
    assert body["allowOutgoingProtections"] is False  # forbidden unless asked for, like the default policy
    assert (body["maxIncoming"], body["maxInstances"], body["maxPinnedInstances"], body["onpremDataCap"]) == (
        inferred.UNLIMITED, 24, 0, inferred.UNLIMITED)
    # an update sends the values it is given and leaves unset ones out, never null (the module merges the live values)
    update = policy.to_api({"min_rpo": 60}, (4, 7), name="Gold")
    assert update == {"displayName": "Gold", "minRpo": 60} and None not in update.values()


def test_unlimited_both_ways():
    values = policy.policy_desired(params(max_replicated_vms="Unlimited", onprem_data_cap="unlimited"), (4, 7))
    assert values["max_replicated_vms"] == inferred.UNLIMITED and values["onprem_data_cap"] == inferred.UNLIMITED
    assert policy.policy_desired(params(max_replicated_vms="0"), (4, 7))["max_replicated_vms"] == 0
    live = policy.to_options({"maxIncoming": -5, "onpremDataCap": -1, "maxInstances": 24}, split=True)
    assert live["max_replicated_vms"] == inferred.UNLIMITED and live["onprem_data_cap"] == inferred.UNLIMITED
    assert live["max_instances"] == 24


def test_desired_leaves_unset_options_alone():
    values = policy.policy_desired(params(min_rpo=30), (4, 7))
    assert values == dict((k, 30 if k == "min_rpo" else None) for k in policy.FIELDS_4X)


@pytest.mark.parametrize("version,option", [((4, 7), "allow_incoming"), ((4, 7), "allow_outgoing"),
                                            ((3, 5), "allow_incoming_protections"), ((3, 5), "onprem_data_cap"),
                                            ((3, 5), "max_pinned_instances")])
def test_options_of_the_other_generation_are_refused(version, option):
    with pytest.raises(InputError) as err:
        policy.policy_desired(params(**{option: 1 if "max" in option or "cap" in option else True}), version)
    assert err.value.option == option
    assert option in str(err.value)


# ----- range validation ---------------------------------------------------------------------------
@pytest.mark.parametrize("option,value,low,high", [
    ("min_rpo", 3, 5, 1440), ("min_rpo", 1441, 5, 1440),
    ("max_instances", 30, 1, 24), ("max_instances", 0, 1, 24),
    ("max_pinned_instances", 25, 0, 24), ("max_pinned_instances", -1, 0, 24),
])
def test_out_of_range_names_the_option_and_the_range(option, value, low, high):
    with pytest.raises(InputError) as err:
        policy.validate(params(**{option: value}))
    assert err.value.option == option
    assert str(err.value).startswith(option + ":")
    assert "between %d and %d" % (low, high) in str(err.value)
    assert str(value) in str(err.value)


@pytest.mark.parametrize("option,value", [("min_rpo", 5), ("min_rpo", 1440), ("max_instances", 1),
                                          ("max_instances", 24), ("max_pinned_instances", 0)])
def test_range_limits_are_accepted(option, value):
    assert policy.validate(params(**{option: value}))[option] == value


def test_pinned_instances_are_bounded_by_max_instances():
    with pytest.raises(InputError) as err:
        policy.validate(params(max_instances=5, max_pinned_instances=6))
    assert err.value.option == "max_pinned_instances" and "between 0 and 5" in str(err.value)
    assert policy.validate(params(max_instances=5, max_pinned_instances=5))["max_pinned_instances"] == 5


@pytest.mark.parametrize("value", ["lots", -1, "-3", True, "2.5"])
def test_counts_must_be_whole_numbers_or_unlimited(value):
    with pytest.raises(InputError) as err:
        policy.validate(params(max_replicated_vms=value))
    assert err.value.option == "max_replicated_vms" and "unlimited" in str(err.value)


def test_empty_name_is_refused():
    with pytest.raises(InputError) as err:
        policy.validate(params(name="  "))
    assert err.value.option == "name"


# ----- orgs present / exact through the module's run() against a fake site -----------------------
class FakeSite(BaseAdapter):
    """A site with policies and org assignments behind /policies (4.7); records every call."""

    def __init__(self, policies, assignments):
        super(FakeSite, self).__init__()
        self.policies = dict((p["id"], p) for p in policies)
        self.assignments = dict(assignments)  # org -> policy id
        self.calls = []

    def _orgs(self, policy_id):
        return sorted(org for org, pid in self.assignments.items() if pid == policy_id)

    def send(self, request, **kwargs):
        url = requests.utils.urlparse(request.url)
        path, method = url.path, request.method
        body = json.loads(request.body) if request.body else None
        self.calls.append((method, path, body))
        status, payload, headers = 200, None, {}
        parts = path.strip("/").split("/")
        if path == "/sessions":
            payload, headers = {"roles": ["ADMINISTRATORS"], "user": "root"}, {"X-VCAV-Auth": "tok"}
        elif path == "/policies" and method == "GET":  # a plain array, read-backs without onpremDataCap
            payload = [dict((k, v) for k, v in p.items() if k != "onpremDataCap") for p in self.policies.values()]
        elif path == "/policies" and method == "POST":
            payload = dict(body, id="p-new")
            self.policies["p-new"] = payload
        elif parts[0] == "policies" and len(parts) == 3 and parts[2] == "status":
            payload = [{"org": org} for org in self._orgs(parts[1])]  # [C: PSC] a list of objects with org
        elif parts[0] == "policies" and len(parts) == 4 and method == "PATCH":
            self.assignments[parts[3]] = parts[1]
            status = 202
        elif parts[0] == "policies" and len(parts) == 2 and method == "PUT":
            payload = self.policies[parts[1]] = dict(body, id=parts[1])
        else:
            status, payload = 404, {"code": "NotFound", "msg": "no %s %s" % (method, path)}
        resp = requests.Response()
        resp.status_code = status
        resp.headers.update({"Content-Type": "application/json"})
        resp.headers.update(headers)
        resp._content = json.dumps(payload).encode() if payload is not None else b""
        resp.url = request.url
        resp.request = request
        return resp

    def close(self):
        pass

    def writes(self):
        return [(m, p) for m, p, _b in self.calls if m not in ("GET",) and p != "/sessions"]


class FakeModule(object):
    """What vcda_policy.run() uses of VcdaModule."""

    def __init__(self, params, vcda, check_mode=False):
        self.params = params
        self.vcda = vcda
        self.check_mode = check_mode

    def reconciler(self, secret_keys=(), unordered_keys=()):
        return Reconciler(check_mode=self.check_mode, secret_keys=secret_keys, unordered_keys=unordered_keys)

    def result(self, outcome, **extra):
        return dict(extra, changed=outcome.changed, diff=outcome.diff())


GOLD = dict(policy.to_api(dict((opt, v) for opt, (_a, v) in FULL_4X.items()), (4, 7), "Gold"), id="p-gold")
DEFAULT = dict(policy.to_api({}, (4, 7), "default", defaults=True), id="default", maxIncoming=0)


def site(assignments):
    fake = FakeSite([dict(DEFAULT), dict(GOLD)], assignments)
    client = _vcda.VcdaClient("https://vcda.example:8046", password="Secret-1!", thumbprint=TP, api_version="4.7")
    client.http.session.mount("https://", fake)
    return fake, client


@pytest.mark.parametrize("orgs_state,orgs,expected_writes,expected_orgs", [
    ("present", ["org1"], [("PATCH", "/policies/p-gold/orgs/org1")], ["org1", "org2"]),
    ("present", ["org2"], [], ["org2"]),
    ("exact", ["org1"], [("PATCH", "/policies/p-gold/orgs/org1"), ("PATCH", "/policies/default/orgs/org2")], ["org1"]),
    ("exact", ["org2"], [], ["org2"]),
    ("exact", [], [("PATCH", "/policies/default/orgs/org2")], []),
])
def test_orgs_present_adds_and_exact_moves_the_others_back_to_default(orgs_state, orgs, expected_writes,
                                                                      expected_orgs):
    fake, client = site({"org1": "default", "org2": "p-gold", "org3": "default"})
    result = module.run(FakeModule(params(orgs=orgs, orgs_state=orgs_state), client))
    assert fake.writes() == expected_writes
    assert result["changed"] is bool(expected_writes)
    assert fake._orgs("p-gold") == expected_orgs == result["policy"]["orgs"]
    assert fake.assignments["org3"] == "default"  # never touched


def test_orgs_check_mode_predicts_without_writing():
    fake, client = site({"org1": "default", "org2": "p-gold"})
    result = module.run(FakeModule(params(orgs=["org1"], orgs_state="exact"), client, check_mode=True))
    assert fake.writes() == []
    assert result["changed"] is True
    assert result["diff"]["before"]["orgs"] == ["org2"] and result["diff"]["after"]["orgs"] == ["org1"]


def test_unknown_org_fails_before_any_write():
    fake, client = site({"org1": "default"})
    with pytest.raises(InputError) as err:
        module.run(FakeModule(params(orgs=["org1", "nope"]), client))
    assert err.value.option == "orgs" and "nope" in str(err.value) and "org1" in str(err.value)
    assert fake.writes() == []


def test_out_of_range_fails_before_any_call():
    fake, client = site({})
    with pytest.raises(InputError) as err:
        module.run(FakeModule(params(min_rpo=3), client))
    assert err.value.option == "min_rpo" and "between 5 and 1440" in str(err.value)
    assert fake.calls == []


def test_new_policy_gets_creation_defaults_and_its_orgs():
    fake, client = site({"org1": "default"})
    result = module.run(FakeModule(params(name="Silver", allow_incoming_protections=True, min_rpo=60,
                                          orgs=["org1"]), client))
    assert result["changed"] is True
    post = [b for m, p, b in fake.calls if (m, p) == ("POST", "/policies")]
    assert post == [policy.to_api({"allow_incoming_protections": True, "min_rpo": 60}, (4, 7), "Silver", defaults=True)]
    assert fake.assignments["org1"] == "p-new"


def test_changed_field_updates_with_the_live_values_merged():
    fake, client = site({})
    result = module.run(FakeModule(params(min_rpo=60), client))
    assert result["changed"] is True
    (put,) = [b for m, p, b in fake.calls if (m, p) == ("PUT", "/policies/p-gold")]
    # the live values merged; onpremDataCap was not read back, so it is not sent (and never as null)
    assert put == dict(dict((k, v) for k, v in GOLD.items() if k not in ("id", "onpremDataCap")), minRpo=60)
    # the same again: nothing to do
    fake.calls = []
    assert module.run(FakeModule(params(min_rpo=60), client))["changed"] is False
    assert fake.writes() == []


def test_write_only_data_cap_is_sent_when_set_and_never_compared():
    fake, client = site({})
    assert module.run(FakeModule(params(onprem_data_cap=100), client))["changed"] is False   # not readable: no change
    assert fake.writes() == []
    module.run(FakeModule(params(min_rpo=60, onprem_data_cap=100), client))
    (put,) = [b for m, p, b in fake.calls if (m, p) == ("PUT", "/policies/p-gold")]
    assert put["onpremDataCap"] == 100 and put["minRpo"] == 60
