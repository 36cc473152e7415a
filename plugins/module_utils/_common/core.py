# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one compare-then-act core every module uses.

live state -> desired state (only the options the user set; ``None`` means "leave it alone")
-> delta -> act on the delta only, and only outside check mode -> ``changed``, the resulting
object and a ``diff`` restricted to managed keys with secrets removed.

Independent of Ansible: modules hand in callables that talk to the backend.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

MASK = "********"


def prune(desired):
    """Drop the keys the user did not set (value ``None``), recursively for dicts."""
    if isinstance(desired, dict):
        return dict((k, prune(v)) for k, v in desired.items() if v is not None)
    return desired


def _normalize(value, unordered):
    if isinstance(value, dict):
        return dict((k, _normalize(v, unordered)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        items = [_normalize(v, unordered) for v in value]
        if unordered:
            return sorted(items, key=repr)
        return items
    return value


def differs(live_value, desired_value, unordered=False):
    """True when ``desired_value`` is not already satisfied by ``live_value``.

    A desired dict is compared key by key (keys the user did not set are left alone).
    """
    if isinstance(desired_value, dict) and isinstance(live_value, dict):
        return any(differs(live_value.get(k), v, unordered) for k, v in desired_value.items())
    return _normalize(live_value, unordered) != _normalize(desired_value, unordered)


def compute_delta(live, desired, unordered_keys=(), secret_keys=()):
    """Keys of ``desired`` whose value differs from ``live``, with the desired value.

    Secret keys are never compared (the backend does not return them); callers decide
    separately whether to (re)send them.
    """
    live = live or {}
    delta = {}
    for key, value in prune(desired).items():
        if key in secret_keys:
            continue
        if differs(live.get(key), value, key in unordered_keys):
            delta[key] = value
    return delta


def merge(live, delta):
    """What the object looks like once ``delta`` is applied (used to predict in check mode)."""
    result = copy.deepcopy(live) if live else {}
    for key, value in delta.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def redact(value, secret_keys):
    """A copy of ``value`` with every secret key masked, at any depth."""
    if isinstance(value, dict):
        return dict((k, MASK if k in secret_keys and v is not None else redact(v, secret_keys))
                    for k, v in value.items())
    if isinstance(value, list):
        return [redact(v, secret_keys) for v in value]
    return value


def restrict(obj, keys):
    if obj is None:
        return {}
    return dict((k, obj.get(k)) for k in keys if k in obj)


class Outcome(object):
    """What a reconciliation did (or would do in check mode).

    ``before``/``after`` are the views shown in ``diff`` (managed keys, secrets masked); ``obj`` is the
    resulting object (predicted in check mode); ``action`` names what was (or would be) done;
    ``applied`` is true when the change was made (never in check mode).
    """

    def __init__(self, changed, before, after, obj=None, action=None, delta=None, applied=False):
        self.changed = changed
        self.before = before
        self.after = after
        self.obj = obj
        self.action = action
        self.delta = delta or {}
        self.applied = applied

    @property
    def pending(self):
        """The change is predicted only (check mode): what depends on it cannot be read from the backend yet."""
        return bool(self.changed) and not self.applied

    def diff(self):
        return {"before": self.before, "after": self.after}

    @classmethod
    def combine(cls, parts):
        """One outcome for a nested object made of named parts (``None`` parts are left out):
        changed when any part changed; ``before``/``after``/``obj`` keyed by part."""
        parts = dict((k, o) for k, o in parts.items() if o is not None)
        return cls(any(o.changed for o in parts.values()),
                   dict((k, o.before) for k, o in parts.items()),
                   dict((k, o.after) for k, o in parts.items()),
                   dict((k, o.obj) for k, o in parts.items()),
                   action=dict((k, o.action) for k, o in parts.items() if o.action) or None,
                   applied=any(o.applied for o in parts.values()))

    @classmethod
    def join(cls, *outcomes):
        """One outcome for parts shown side by side in one view (their ``before``/``after`` keys do not
        overlap, e.g. ``{"rights": ...}`` and ``{"tenants": ...}``); ``None`` parts are left out."""
        outcomes = [o for o in outcomes if o is not None]
        before, after = {}, {}
        for outcome in outcomes:
            before.update(outcome.before or {})
            after.update(outcome.after or {})
        return cls(any(o.changed for o in outcomes), before, after,
                   action=[o.action for o in outcomes if o.action] or None,
                   applied=any(o.applied for o in outcomes))


def result(outcome, with_diff, **extra):
    """The one result shape of a module: ``changed``, what the module returns about the object
    (``extra``) and, in diff mode, ``diff`` (the outcome's views: managed keys, secrets masked)."""
    out = dict(extra, changed=bool(outcome.changed))
    if with_diff:
        out["diff"] = outcome.diff()
    return out


class Reconciler(object):
    """Compare-then-act for one object.

    ``secret_keys`` are masked in ``diff``; ``unordered_keys`` compare lists as sets; the diff shows
    the desired keys unless ``keys`` are given.

    Every action goes through :meth:`act`: a ``dry_run`` hook (a backend's own validation call such
    as VCDA ``check-vcloud`` or vSphere ``CreateImportSpec``) runs whenever something would change,
    in check mode too, so that check mode fails where the real run would; the action itself runs
    only outside check mode. Callbacks never test check mode themselves, and neither do modules: what
    follows a change (a re-read, a wait until the backend settles) goes through :meth:`follow`.
    """

    def __init__(self, check_mode=False, secret_keys=(), unordered_keys=()):
        self.check_mode = check_mode
        self.secret_keys = frozenset(secret_keys)
        self.unordered_keys = frozenset(unordered_keys)

    def view(self, obj, keys):
        """What ``diff`` shows of ``obj``: the ``keys`` (all when ``None``), secrets masked."""
        if obj is None:
            return {}
        return redact(restrict(obj, keys) if keys is not None else dict(obj), self.secret_keys)

    def act(self, changed, before, after, apply=None, dry_run=None, action=None, obj=None, delta=None):
        """The one place where a change is made: ``dry_run()`` when ``changed`` (check mode too), then
        ``apply()`` outside check mode. ``apply`` may return the resulting object (else ``obj``)."""
        made = False
        if changed:
            if dry_run is not None:
                dry_run()
            if not self.check_mode and apply is not None:
                made_obj, made = apply(), True
                if made_obj is not None:
                    obj = made_obj
        return Outcome(bool(changed), before, after, obj, action if changed else None, delta, applied=made)

    def follow(self, outcome, settle, always=False):
        """What follows a run: ``settle()`` -- a re-read of what the backend made, or a wait until it settles --
        runs once ``outcome``'s change was made (with ``always``: after every run outside check mode, changed
        or not) and its value is returned. Otherwise (nothing changed, or check mode, where the prediction
        stands and nothing is written or waited for) the answer is None."""
        if outcome.applied or (always and not self.check_mode):
            return settle()
        return None

    def present(self, live, desired, create=None, update=None, force_update=False, dry_run=None, keys=None):
        """Make the object exist with ``desired``.

        ``create(desired)`` and ``update(live, delta)`` return the new live object (or None to
        fall back on the prediction). ``force_update`` sends an update even without a visible
        delta (e.g. a secret the user asked to re-send). ``dry_run(live, send)`` validates what
        would be sent (``live`` is None on create), in check mode too.
        """
        desired = prune(desired)
        keys = sorted(desired) if keys is None else keys
        if live is None:
            predicted = merge({}, desired)
            outcome = self.act(True, {}, None, create and (lambda: create(desired)),
                               dry_run and (lambda: dry_run(None, desired)), "create", predicted, desired)
            outcome.after = self.view(outcome.obj, keys)
            return outcome
        delta = compute_delta(live, desired, self.unordered_keys, self.secret_keys)
        if not delta and not force_update:
            return Outcome(False, self.view(live, keys), self.view(live, keys), live, None, {})
        send = dict(delta)
        if force_update:
            send.update((k, v) for k, v in desired.items() if k in self.secret_keys)
        outcome = self.act(True, self.view(live, keys), None, update and (lambda: update(live, send)),
                           dry_run and (lambda: dry_run(live, send)), "update", merge(live, delta), delta)
        outcome.after = self.view(outcome.obj, keys)
        return outcome

    def absent(self, live, delete=None, keys=None, dry_run=None):
        if live is None:
            return Outcome(False, {}, {}, None, None)
        keys = keys if keys is not None else sorted(live)
        return self.act(True, self.view(live, keys), {}, delete and (lambda: delete(live)),
                        dry_run and (lambda: dry_run(live)), "delete")

    def ensure(self, state, live, desired, create=None, update=None, delete=None, force_update=False,
               dry_run=None, keys=None):
        if state == "absent":
            return self.absent(live, delete, keys=keys if keys is not None else (sorted(prune(desired)) or None))
        return self.present(live, desired, create, update, force_update, dry_run, keys)

    def members(self, live, wanted, state, add=None, remove=None, key="members", obj=None, change=None):
        """Set reconciliation as a part of the core: membership ``live`` -> ``wanted`` with ``state``
        present (add), absent (remove) or exact (replace). ``add(names)`` / ``remove(names)`` run
        outside check mode, or ``change(to_add, to_remove, after)`` when one call makes the whole change
        (a backend that replaces the set); the diff shows ``{key: sorted members}`` before and after."""
        to_add, to_remove = reconcile_set(live, wanted, state)
        before = sorted(set(live or ()))
        after = sorted((set(before) | set(to_add)) - set(to_remove))

        def apply():
            if change is not None:
                change(to_add, to_remove, after)
                return
            if to_add and add is not None:
                add(to_add)
            if to_remove and remove is not None:
                remove(to_remove)
        return self.act(bool(to_add or to_remove), {key: before}, {key: after}, apply, action="members",
                        obj=obj, delta={"add": to_add, "remove": to_remove})


def reconcile_set(live, wanted, state):
    """Membership lists with ``state`` present (add), absent (remove) or exact (replace).

    Returns ``(to_add, to_remove)``, each sorted; a re-run never duplicates anything.
    """
    live_set, wanted_set = set(live or ()), set(wanted or ())
    if state == "present":
        return sorted(wanted_set - live_set), []
    if state == "absent":
        return [], sorted(wanted_set & live_set)
    if state == "exact":
        return sorted(wanted_set - live_set), sorted(live_set - wanted_set)
    raise ValueError("state must be present, absent or exact, not %r" % (state,))
