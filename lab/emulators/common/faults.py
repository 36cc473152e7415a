"""Deterministic fault injection: 503s with Retry-After, connection resets (before the request is
carried out, or after it: the reply is lost), session expiry, service restarts, latency.

Configuration (``PUT /_lab/faults``)::

    {"seed": 42,
     "rules": [{"method": "POST", "path": "/config/*",      # optional filters (fnmatch on the path)
                "error503Rate": 0.5, "retryAfter": 2,         # share of matching requests answered 503
                "resetRate": 0.1,                             # share whose connection is reset
                "lostReplyRate": 0.05,                        # carried out, then the connection is reset
                "sessionExpiryRate": 0.02,                    # every API session is dropped first (-> 401)
                "restartRate": 0.01, "restartSeconds": 1.5,   # the services restart (503 meanwhile)
                "latencyMs": 200,                             # added to every matching request
                "source": "client",                           # "client", "peer" (appliance to appliance) or any
                "limit": 3}]}                                 # stop after this many injected faults

The first rule whose filters match decides. Each matching request draws one number from a
``random.Random(seed)``, so the same sequence of requests meets the same faults. Requests one
emulated appliance sends another carry ``X-Lab-Peer`` (see tlsclient.py): ``source`` tells them
apart from the automation's own. ``matched``/``injected`` count per rule, ``kinds`` per fault kind.
"""
from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from .errors import ValidationError
from .schema import Field, Int, List as ListField, Obj, Schema, Str


def _rate(value):
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1")


class _Rate(Field):
    json_name = "number"

    def _validate_type(self, value, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._wrong_type(value, path)
        return float(value)


RULE = Schema({
    "method": Str(nullable=True), "path": Str(nullable=True),
    "error503Rate": _Rate(default=0.0, check=_rate), "retryAfter": Int(default=1, minimum=0, maximum=3600),
    "resetRate": _Rate(default=0.0, check=_rate), "latencyMs": Int(default=0, minimum=0, maximum=60000),
    "lostReplyRate": _Rate(default=0.0, check=_rate), "sessionExpiryRate": _Rate(default=0.0, check=_rate),
    "restartRate": _Rate(default=0.0, check=_rate), "restartSeconds": _Rate(default=1.0),
    "source": Str(nullable=True), "limit": Int(nullable=True, minimum=0),
}, name="rule")
CONFIG = Schema({"seed": Int(default=0), "rules": ListField(Obj(RULE), required=True)}, name="faults")


@dataclass
class Fault:
    kind: Optional[str] = None  # None, "503", "reset", "lostReply", "sessionExpiry" or "restart"
    latency: float = 0.0
    retry_after: int = 1
    restart_seconds: float = 1.0


KINDS = (("resetRate", "reset"), ("error503Rate", "503"), ("lostReplyRate", "lostReply"),
         ("sessionExpiryRate", "sessionExpiry"), ("restartRate", "restart"))
SOURCES = ("client", "peer")


class FaultInjector:
    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._config: Dict[str, Any] = {"seed": 0, "rules": []}
            self._rng = random.Random(0)
            self._injected: List[int] = []
            self._matched: List[int] = []
            self._kinds: Dict[str, int] = {}

    def configure(self, body: Any) -> Dict[str, Any]:
        """Validate and install a configuration (raises ValidationError)."""
        config = CONFIG.validate(body)
        for rule in config["rules"]:
            if sum(rule[key] for key, _kind in KINDS) > 1:
                raise ValidationError("The fault rates of a rule must not add up to more than 1.")
            if rule.get("source") not in (None,) + SOURCES:
                raise ValidationError("source must be client, peer or null.")
        with self._lock:
            self._config = config
            self._rng = random.Random(config["seed"])
            self._injected = [0] * len(config["rules"])
            self._matched = [0] * len(config["rules"])
            self._kinds = {}
        return self.describe()

    def describe(self) -> Dict[str, Any]:
        with self._lock:
            return {"seed": self._config["seed"], "rules": [dict(r) for r in self._config["rules"]],
                    "matched": list(self._matched), "injected": list(self._injected), "kinds": dict(self._kinds)}

    def decide(self, method: str, path: str, source: str = "client") -> Fault:
        with self._lock:
            for index, rule in enumerate(self._config["rules"]):
                if rule.get("source") and rule["source"] != source:
                    continue
                if rule.get("method") and rule["method"].upper() != method.upper():
                    continue
                if rule.get("path") and not fnmatch.fnmatchcase(path, rule["path"]):
                    continue
                self._matched[index] += 1
                fault = Fault(latency=rule["latencyMs"] / 1000.0, retry_after=rule["retryAfter"],
                              restart_seconds=rule["restartSeconds"])
                draw = self._rng.random()
                exhausted = rule.get("limit") is not None and self._injected[index] >= rule["limit"]
                if not exhausted:
                    bound = 0.0
                    for key, kind in KINDS:
                        bound += rule[key]
                        if draw < bound:
                            fault.kind = kind
                            break
                    if fault.kind:
                        self._injected[index] += 1
                        self._kinds[fault.kind] = self._kinds.get(fault.kind, 0) + 1
                return fault
        return Fault()
