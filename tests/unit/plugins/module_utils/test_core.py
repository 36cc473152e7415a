from ansible_collections.cloudmove.vcda.plugins.module_utils._common import core as _core
import pytest

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.core import MASK, Outcome, Reconciler, reconcile_set


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


# ----- the dry-run hook, act, set reconciliation, nested objects, the one result shape ---------------
def test_dry_run_runs_in_check_mode_and_the_action_does_not():
    calls = []
    rec = Reconciler(check_mode=True)
    out = rec.present({"url": "a"}, {"url": "b"}, update=lambda live, d: calls.append(("update", d)),
                      dry_run=lambda live, d: calls.append(("check", d)))
    assert out.changed and calls == [("check", {"url": "b"})]


def test_dry_run_runs_before_the_action_and_its_failure_stops_it():
    calls = []

    def refuse(live, send):
        calls.append("check")
        raise ValueError("refused")
    rec = Reconciler()
    with pytest.raises(ValueError):
        rec.present(None, {"url": "b"}, create=lambda d: calls.append("create"), dry_run=refuse)
    assert calls == ["check"]


def test_no_dry_run_without_a_change():
    rec = Reconciler(check_mode=True)
    out = rec.present({"url": "a"}, {"url": "a"}, dry_run=lambda *a: 1 / 0)
    assert not out.changed


def test_act_applies_only_outside_check_mode_and_keeps_the_returned_object():
    assert Reconciler().act(True, {}, {"k": 1}, apply=lambda: {"id": 7}, action="x").obj == {"id": 7}
    out = Reconciler(check_mode=True).act(True, {}, {"k": 1}, apply=lambda: 1 / 0, obj={"k": 1}, action="x")
    assert out.changed and out.obj == {"k": 1} and out.action == "x"
    assert Reconciler().act(False, {"k": 1}, {"k": 1}, apply=lambda: 1 / 0, action="x").action is None


@pytest.mark.parametrize("check_mode", [False, True])
def test_members_exact_adds_and_removes_with_a_diff_of_the_set(check_mode):
    added, removed = [], []
    out = Reconciler(check_mode=check_mode).members(["a", "b"], ["b", "c"], "exact", add=added.extend,
                                                    remove=removed.extend, key="orgs")
    assert out.changed and out.diff() == {"before": {"orgs": ["a", "b"]}, "after": {"orgs": ["b", "c"]}}
    assert (added, removed) == (([], []) if check_mode else (["c"], ["a"]))
    assert not Reconciler().members(["a"], ["a"], "present", add=lambda n: 1 / 0).changed


def test_combine_keys_the_parts_and_leaves_unset_parts_out():
    rec = Reconciler(check_mode=True)
    out = Outcome.combine({"site": rec.present({"name": "a"}, {"name": "a"}), "vcd": rec.present(None, {"url": "u"}),
                           "license": None})
    assert out.changed
    assert out.diff() == {"before": {"site": {"name": "a"}, "vcd": {}},
                          "after": {"site": {"name": "a"}, "vcd": {"url": "u"}}}


def test_result_is_changed_the_object_and_the_diff_only_in_diff_mode():
    out = Reconciler(secret_keys=("password",)).present(None, {"name": "n", "password": "pw"})
    assert _core.result(out, False, thing={"name": "n"}) == {"changed": True, "thing": {"name": "n"}}
    with_diff = _core.result(out, True)
    assert with_diff["diff"]["after"] == {"name": "n", "password": MASK}
    assert "pw" not in repr(with_diff)


def test_keys_choose_what_the_diff_shows():
    out = Reconciler().present({"name": "n", "port": 1, "other": 2}, {"port": 2}, keys=["name", "port"])
    assert out.diff() == {"before": {"name": "n", "port": 1}, "after": {"name": "n", "port": 2}}


@pytest.mark.parametrize("check_mode", [False, True])
def test_follow_runs_the_settle_step_only_after_a_change_that_was_made(check_mode):
    rec = Reconciler(check_mode=check_mode)
    calls = []

    def settle():
        calls.append("settle")
        return {"settled": True}

    changed = rec.present(None, {"name": "a"}, create=lambda d: None)
    unchanged = rec.present({"name": "a"}, {"name": "a"}, create=lambda d: None)
    assert changed.applied is not check_mode and changed.pending is check_mode
    assert not unchanged.applied and not unchanged.pending
    assert rec.follow(unchanged, settle) is None
    assert rec.follow(changed, settle) == (None if check_mode else {"settled": True})
    assert rec.follow(unchanged, settle, always=True) == (None if check_mode else {"settled": True})
    assert calls == ([] if check_mode else ["settle", "settle"])


def test_combined_outcomes_are_applied_when_any_part_was_made():
    rec = Reconciler()
    made = rec.present(None, {"name": "a"}, create=lambda d: None)
    kept = rec.present({"name": "a"}, {"name": "a"})
    predicted = Reconciler(check_mode=True).present(None, {"name": "b"}, create=lambda d: None)
    assert Outcome.combine({"a": made, "b": kept}).applied
    assert Outcome.join(made, kept).applied
    assert not Outcome.combine({"b": kept}).applied
    assert Outcome.combine({"b": predicted}).pending
