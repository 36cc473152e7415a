"""Which appliances of the same lab exist, for lab-only cross-appliance effects (e.g. an L2VPN
client session on one appliance bringing a server tunnel up on another).

Appliances register when they are built; ``peers(appliance, kind)`` lists the others of one
lab (same state directory) by kind. In-process only: nothing here is part of a product API.
"""
from __future__ import annotations

import threading
import weakref
from typing import Dict, List

_LOCK = threading.Lock()
_LABS: Dict[str, "weakref.WeakValueDictionary"] = {}


def register(appliance) -> None:
    with _LOCK:
        _LABS.setdefault(appliance.lab.state_dir, weakref.WeakValueDictionary())[appliance.name] = appliance


def peers(appliance, kind: str) -> List:
    with _LOCK:
        members = list((_LABS.get(appliance.lab.state_dir) or {}).values())
    return [a for a in members if a.kind == kind]
