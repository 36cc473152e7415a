"""Reading ``lab/config/lab.yml``.

Layout (only the parts the machinery reads; each emulator reads its own section)::

    lab:        {token: …, state_dir: state, run_dir: run}   # dirs relative to lab/
    <kind>:                                                  # e.g. vcda; one section per emulator
      defaults: {version: "4.7", …}                          # merged under every appliance entry
      appliances:
        - {name: site1-cloud, type: cloud, site: site1, address: 127.0.1.11, port: 8046, …}

Sections without ``appliances`` (e.g. ``sso``) are shared data other code may read.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import yaml


@dataclass
class ApplianceSpec:
    kind: str                 # emulator section, e.g. "vcda"
    name: str                 # unique, also the state file name
    type: str                 # appliance role within the emulator, e.g. "cloud"
    address: str
    port: int
    options: Dict[str, Any] = field(default_factory=dict)  # defaults merged with the entry

    @property
    def url(self) -> str:
        host = "[%s]" % self.address if ":" in self.address else self.address
        return "https://%s:%d" % (host, self.port)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass
class LabConfig:
    path: str
    lab_dir: str
    token: str
    state_dir: str
    run_dir: str
    raw: Dict[str, Any]
    appliances: List[ApplianceSpec]

    def section(self, name: str) -> Dict[str, Any]:
        return self.raw.get(name) or {}

    def appliance(self, name: str) -> ApplianceSpec:
        for spec in self.appliances:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _merge(base: Dict[str, Any], over: Dict[str, Any]) -> Dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_lab_config(path: str, state_dir: Optional[str] = None, run_dir: Optional[str] = None,
                    kinds: Optional[List[str]] = None) -> LabConfig:
    """Parse the lab file. ``state_dir``/``run_dir`` override the file; ``kinds`` limits which
    emulator sections are turned into appliances (default: every section with ``appliances``)."""
    path = os.path.abspath(path)
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    lab_dir = os.path.dirname(os.path.dirname(path))  # lab/config/lab.yml -> lab/
    lab = raw.get("lab") or {}
    token = str(lab.get("token") or "")
    if not token:
        raise ValueError("%s: lab.token is required (it guards the /_lab/ control endpoints)" % path)

    def _dir(value, default):
        value = value or default
        return value if os.path.isabs(value) else os.path.join(lab_dir, value)

    appliances: List[ApplianceSpec] = []
    seen = set()
    for kind, section in raw.items():
        if not isinstance(section, dict) or "appliances" not in section:
            continue
        if kinds is not None and kind not in kinds:
            continue
        defaults = section.get("defaults") or {}
        for entry in section.get("appliances") or []:
            options = _merge(defaults, entry)
            missing = [k for k in ("name", "type", "address", "port") if k not in options]
            if missing:
                raise ValueError("%s: %s appliance %r lacks %s" % (path, kind, entry.get("name"), ", ".join(missing)))
            name = str(options["name"])
            if name in seen:
                raise ValueError("%s: duplicate appliance name %r" % (path, name))
            seen.add(name)
            appliances.append(ApplianceSpec(kind=kind, name=name, type=str(options["type"]),
                                            address=str(options["address"]), port=int(options["port"]), options=options))
    endpoints = [(a.address, a.port) for a in appliances if a.port != 0]  # port 0: any free port
    if len(set(endpoints)) != len(endpoints):
        raise ValueError("%s: two appliances share an address and port" % path)
    return LabConfig(path=path, lab_dir=lab_dir, token=token,
                     state_dir=os.path.abspath(state_dir) if state_dir else _dir(lab.get("state_dir"), "state"),
                     run_dir=os.path.abspath(run_dir) if run_dir else _dir(lab.get("run_dir"), "run"),
                     raw=raw, appliances=appliances)
