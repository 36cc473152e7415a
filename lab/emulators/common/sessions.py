"""In-memory API sessions with an idle timeout.

Sessions are not persisted: a restarted appliance (or a simulated service restart) forgets
them, and clients log in again.
"""
from __future__ import annotations

import secrets
import threading
import time
from typing import Any, Callable, Dict, Optional


class SessionStore:
    def __init__(self, idle_timeout: float, clock: Callable[[], float] = time.monotonic):
        self.idle_timeout = float(idle_timeout)
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: Dict[str, Dict[str, Any]] = {}

    def create(self, principal: Dict[str, Any], token: Optional[str] = None, aliases=()) -> str:
        """A new session; ``token`` (default: random) and every alias in ``aliases`` name it."""
        token = token or secrets.token_hex(24)
        entry = {"principal": principal, "last_used": self._clock(), "names": [token] + list(aliases)}
        with self._lock:
            for name in entry["names"]:
                self._sessions[name] = entry
        return token

    def get(self, token: Optional[str]) -> Optional[Dict[str, Any]]:
        """The principal of a live session (and mark it used), or None when unknown or idle too long."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            entry = self._sessions.get(token)
            if entry is None:
                return None
            if now - entry["last_used"] > self.idle_timeout:
                for name in entry.get("names", [token]):
                    self._sessions.pop(name, None)
                return None
            entry["last_used"] = now
            return entry["principal"]

    def delete(self, token: str) -> bool:
        with self._lock:
            entry = self._sessions.pop(token, None)
            for name in (entry or {}).get("names", []):
                self._sessions.pop(name, None)
            return entry is not None

    def clear(self) -> int:
        with self._lock:
            count = self._count()
            self._sessions.clear()
            return count

    def _count(self) -> int:
        return len({id(e) for e in self._sessions.values()})

    def count(self) -> int:
        with self._lock:
            return self._count()
