"""Persisted JSON state, one file per appliance.

Edits are transactional: ``with store.edit() as s:`` works on a copy that replaces the
current state, and is written to disk atomically (temp file, fsync, rename), only when the
block ends without an exception. Restarting with the same file gives back the same state.

``store.update(change)`` is the light form for frequent small changes (a task's progress): ``change`` runs on
the state itself under the lock, and the file is written within ``SAVE_DELAY`` seconds (once for all the
changes of that time) - or at once by ``flush()``, which stopping a lab calls. A process killed in between
loses at most that much of them, as the replication engine's records (``replication_engine.SAVE_INTERVAL``).
"""
from __future__ import annotations

import contextlib
import copy
import json
import os
import threading
from typing import Any, Callable, Dict

SAVE_DELAY = 0.5


class JsonStateStore:
    def __init__(self, path: str, factory: Callable[[], Dict[str, Any]]):
        self.path = path
        self.factory = factory
        self._lock = threading.RLock()
        self._dirty = False
        self._timer = None
        self._data = self._load()

    def _load(self) -> Dict[str, Any]:
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                return json.load(handle)
        data = self.factory()
        self._write(data)
        return data

    def snapshot(self, without=()) -> Dict[str, Any]:
        """A deep copy of the current state (safe to read without holding the lock); ``without``: top-level keys
        left out (an appliance's task list, which only its task engine reads, is most of what there is to copy)."""
        with self._lock:
            if not without:
                return copy.deepcopy(self._data)
            return {k: copy.deepcopy(v) for k, v in self._data.items() if k not in without}

    def read(self, pick: Callable[[Dict[str, Any]], Any]) -> Any:
        """A deep copy of what ``pick(state)`` returns (a part of the state, without copying the rest)."""
        with self._lock:
            return copy.deepcopy(pick(self._data))

    def peek(self, key: str, default: Any = None) -> Any:
        """A deep copy of one top-level key."""
        with self._lock:
            return copy.deepcopy(self._data.get(key, default))

    @contextlib.contextmanager
    def edit(self):
        """Yield a mutable copy; commit and persist it when the block succeeds."""
        with self._lock:
            draft = copy.deepcopy(self._data)
            yield draft
            self._write(draft)
            self._data = draft
            self._dirty = False

    def update(self, change: Callable[[Dict[str, Any]], None]) -> None:
        """Apply ``change`` to the state in place; written within ``SAVE_DELAY`` (see the module doc)."""
        with self._lock:
            change(self._data)
            self._dirty = True
            if self._timer is None:
                self._timer = threading.Timer(SAVE_DELAY, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write what ``update`` changed, now."""
        with self._lock:
            self._timer = None
            if self._dirty:
                self._write(self._data)
                self._dirty = False

    def replace(self, data: Dict[str, Any]) -> None:
        with self._lock:
            self._write(data)
            self._data = copy.deepcopy(data)
            self._dirty = False

    def reset(self) -> None:
        self.replace(self.factory())

    @property
    def lock(self):
        return self._lock

    def _write(self, data: Dict[str, Any]) -> None:
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        tmp = "%s.tmp-%d-%d" % (self.path, os.getpid(), threading.get_ident())
        # json.dumps without indent: the C encoder (json.dump, or any indent, is the pure-Python one - tens of
        # milliseconds for an appliance with a few hundred tasks, on every task update)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        try:
            dir_fd = os.open(directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def json_pointer_patch(doc: Any, ops) -> Any:
    """Apply RFC 6902-style ``add``/``replace``/``remove`` operations (JSON Pointer paths) to
    ``doc`` in place and return it. ValueError describes the first operation that fails."""
    if not isinstance(ops, list):
        raise ValueError("expected a list of operations")
    for index, op in enumerate(ops):
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove") or not isinstance(op.get("path"), str):
            raise ValueError("operation %d: expected {\"op\": add|replace|remove, \"path\": \"/json/pointer\", \"value\": …}" % index)
        if op["op"] != "remove" and "value" not in op:
            raise ValueError("operation %d: '%s' needs a value" % (index, op["op"]))
        tokens = _pointer_tokens(op["path"])
        if not tokens:
            raise ValueError("operation %d: the whole document cannot be patched" % index)
        parent = doc
        for token in tokens[:-1]:
            parent = _step(parent, token, index)
        last = tokens[-1]
        if isinstance(parent, list):
            _patch_list(parent, last, op, index)
        elif isinstance(parent, dict):
            if op["op"] in ("replace", "remove") and last not in parent:
                raise ValueError("operation %d: %s does not exist" % (index, op["path"]))
            if op["op"] == "remove":
                del parent[last]
            else:
                parent[last] = op["value"]
        else:
            raise ValueError("operation %d: the parent of %s is not an object or array" % (index, op["path"]))
    return doc


def _pointer_tokens(path: str):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError("JSON pointer must start with '/': %r" % path)
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _step(node, token, index):
    if isinstance(node, dict) and token in node:
        return node[token]
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    raise ValueError("operation %d: no member %r" % (index, token))


def _patch_list(parent, last, op, index):
    if last == "-" and op["op"] == "add":
        parent.append(op["value"])
        return
    if not last.isdigit():
        raise ValueError("operation %d: %r is not an array index" % (index, last))
    pos = int(last)
    limit = len(parent) + (1 if op["op"] == "add" else 0)
    if pos >= limit:
        raise ValueError("operation %d: index %d out of range" % (index, pos))
    if op["op"] == "add":
        parent.insert(pos, op["value"])
    elif op["op"] == "replace":
        parent[pos] = op["value"]
    else:
        del parent[pos]
