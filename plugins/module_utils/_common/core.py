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
    """What a reconciliation did (or would do in check mode)."""

    def __init__(self, changed, before, after, obj=None, action=None, delta=None):
        self.changed = changed
        self.before = before
        self.after = after
        self.obj = obj
        self.action = action
        self.delta = delta or {}

    def diff(self):
        return {"before": self.before, "after": self.after}


class Reconciler(object):
    """Compare-then-act for one object.

    ``secret_keys`` are masked in ``diff``; ``unordered_keys`` compare lists as sets;
    ``managed_keys`` (default: the desired keys) restrict the diff.
    """

    def __init__(self, check_mode=False, secret_keys=(), unordered_keys=()):
        self.check_mode = check_mode
        self.secret_keys = frozenset(secret_keys)
        self.unordered_keys = frozenset(unordered_keys)

    def _view(self, obj, keys):
        return redact(restrict(obj, keys), self.secret_keys) if obj is not None else {}

    def present(self, live, desired, create=None, update=None, force_update=False):
        """Make the object exist with ``desired``.

        ``create(desired)`` and ``update(live, delta)`` return the new live object (or None to
        fall back on the prediction). ``force_update`` sends an update even without a visible
        delta (e.g. a secret the user asked to re-send).
        """
        desired = prune(desired)
        keys = sorted(desired)
        if live is None:
            predicted = merge({}, desired)
            obj = predicted
            if not self.check_mode and create is not None:
                obj = create(desired) or predicted
            return Outcome(True, {}, self._view(obj, keys), obj, "create", desired)
        delta = compute_delta(live, desired, self.unordered_keys, self.secret_keys)
        if not delta and not force_update:
            return Outcome(False, self._view(live, keys), self._view(live, keys), live, None, {})
        predicted = merge(live, delta)
        obj = predicted
        if not self.check_mode and update is not None:
            send = dict(delta)
            if force_update:
                send.update((k, v) for k, v in desired.items() if k in self.secret_keys)
            obj = update(live, send) or predicted
        return Outcome(True, self._view(live, keys), self._view(obj, keys), obj, "update", delta)

    def absent(self, live, delete=None, keys=None):
        if live is None:
            return Outcome(False, {}, {}, None, None)
        keys = keys if keys is not None else sorted(live)
        if not self.check_mode and delete is not None:
            delete(live)
        return Outcome(True, self._view(live, keys), {}, None, "delete")

    def ensure(self, state, live, desired, create=None, update=None, delete=None, force_update=False):
        if state == "absent":
            return self.absent(live, delete, keys=sorted(prune(desired)) or None)
        return self.present(live, desired, create, update, force_update)


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
