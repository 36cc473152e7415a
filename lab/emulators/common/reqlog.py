"""Request log: what clients sent, never the secrets they sent.

Each entry keeps the method, path, query, the request headers minus credentials, and the
*names* of the JSON body fields (dotted paths, ``[]`` for array items) or XML body elements
(dotted local names) but none of their values.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from typing import Any, Dict, List

SECRET_HEADERS = frozenset({
    "x-vcav-auth", "config-secret", "authorization", "secret", "x-lab-token", "cookie",
    "proxy-authorization", "x-vcloud-authorization", "on-prem-auth", "x-vmware-vcloud-access-token",
})


def redact_headers(headers) -> Dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}


def field_names(body: Any, prefix: str = "") -> List[str]:
    """``{"a": 1, "b": {"c": [{"d": 2}]}}`` -> ``['a', 'b', 'b.c', 'b.c[].d']``."""
    names: List[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            name = "%s.%s" % (prefix, key) if prefix else str(key)
            names.append(name)
            names.extend(field_names(value, name))
    elif isinstance(body, list):
        for item in body:
            for name in field_names(item, prefix + "[]"):
                if name not in names:
                    names.append(name)
    return names


class RequestLog:
    def __init__(self, size: int = 2000):
        self._entries = deque(maxlen=size)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, method: str, path: str, query: Dict[str, List[str]], headers, body: Any, status: int,
            started: float, fault: str = None, body_bytes: int = 0, names: List[str] = None) -> Dict[str, Any]:
        entry = {
            "seq": next(self._seq),
            "time": started,
            "method": method,
            "path": path,
            "query": query,
            "headers": redact_headers(headers),
            "bodyFields": names if names is not None else field_names(body),
            "bodyBytes": body_bytes,
            "status": status,
            "durationMs": int((time.time() - started) * 1000),
            "fault": fault,
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def list(self, since: int = 0) -> List[Dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > since]

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count
