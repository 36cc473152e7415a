from ansible_collections.cloudmove.vcda.plugins.module_utils._common import core as _core
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import MASK, Reconciler, reconcile_set


def test_prune_drops_unset_recursively():
    assert _core.prune({"a": None, "b": {"c": None, "d": 1}, "e": 0}) == {"b": {"d": 1}, "e": 0}


def test_delta_only_keys_that_differ_and_ignores_unset():
    live = {"name": "site1", "port": 443, "desc": "x"}
    assert _core.compute_delta(live, {"name": "site1", "port": 8443, "desc": None}) == {"port": 8443}


def test_nested_dict_compares_only_managed_subkeys():
    live = {"endpoint": {"address": "a", "port": 1, "extra": True}}
    assert _core.compute_delta(live, {"endpoint": {"port": 1}}) == {}
    assert _core.compute_delta(live, {"endpoint": {"port": 2}}) == {"endpoint": {"port": 2}}


def test_unordered_lists():
    live = {"orgs": ["a", "b"]}
    assert _core.compute_delta(live, {"orgs": ["b", "a"]}, unordered_keys=("orgs",)) == {}
    assert _core.compute_delta(live, {"orgs": ["b", "a"]}) == {"orgs": ["b", "a"]}


def test_secrets_are_not_compared():
    assert _core.compute_delta({"password": None}, {"password": "s3cret"}, secret_keys=("password",)) == {}


def test_present_creates_and_masks_secrets_in_diff():
    created = []
    rec = Reconciler(secret_keys=("password",))
    out = rec.present(None, {"name": "n", "password": "pw"}, create=lambda d: created.append(d) or dict(d))
    assert out.changed and out.action == "create"
    assert created == [{"name": "n", "password": "pw"}]
    assert out.after == {"name": "n", "password": MASK}
    assert "pw" not in repr(out.diff())


def test_check_mode_predicts_without_acting():
    rec = Reconciler(check_mode=True)
    calls = []
    out = rec.present({"name": "n", "port": 1}, {"port": 2}, update=lambda live, d: calls.append(d))
    assert out.changed and calls == []
    assert out.after == {"port": 2} and out.before == {"port": 1}


def test_no_change_when_live_matches():
    rec = Reconciler()
    out = rec.present({"name": "n", "port": 1}, {"port": 1}, update=lambda *a: 1 / 0)
    assert not out.changed and out.diff() == {"before": {"port": 1}, "after": {"port": 1}}


def test_force_update_resends_secrets():
    sent = []
    rec = Reconciler(secret_keys=("password",))
    out = rec.present({"user": "u"}, {"user": "u", "password": "p"}, update=lambda live, d: sent.append(d),
                      force_update=True)
    assert out.changed and sent == [{"password": "p"}]


def test_absent():
    deleted = []
    rec = Reconciler()
    assert not rec.absent(None, delete=deleted.append).changed
    out = rec.absent({"id": 1}, delete=deleted.append)
    assert out.changed and deleted == [{"id": 1}] and out.after == {}


def test_reconcile_set_states():
    assert reconcile_set(["a", "b"], ["b", "c"], "present") == (["c"], [])
    assert reconcile_set(["a", "b"], ["b", "c"], "absent") == ([], ["b"])
    assert reconcile_set(["a", "b"], ["b", "c"], "exact") == (["c"], ["a"])


def test_redact_any_depth():
    value = {"a": [{"password": "x", "b": 1}], "password": None}
    assert _core.redact(value, {"password"}) == {"a": [{"password": MASK, "b": 1}], "password": None}
