"""The lab's replication engine: one per lab (state directory), shared by every VCDA appliance.

A replication is a record (the engine's truth, ``GET /_lab/replications``) whose sync state is a pure
function of the **lab clock**: nothing ticks. The lab clock runs ``clockRate`` lab seconds per real
second from an anchor (``LabClock``); changing the rate re-anchors it, so it never jumps.

Sync model (per VM replication; sizes in bytes, times in lab ms):

* initial sync: starts at ``max(created, initialSyncTime)`` and moves ``B`` bytes per lab second, where ``B`` is
  the link of the replication: ``min(bandwidth(source site), bandwidth(destination site))``; ``total`` = the
  source VM's disk bytes. Its end is the first instance.
* then one instance per period ``P = max(RPO, d)``, ``d = D / B`` the time a delta of ``D`` bytes (the VM's
  change rate, ``changeRatePercentPerHour`` of its disks, over one RPO) takes on the link. A link so slow that
  ``d > RPO`` leaves the latest instance older than the RPO: ``currentRpoViolation`` > 0.
* ``sync`` (and ``resume``) schedule an instance ``d`` from now; ``pause`` freezes the timeline; a bandwidth or
  clock change re-bases every record (``materialize``) so nothing already shown changes.

Persistence: ``<state_dir>/replications.json``, written at most every ``SAVE_INTERVAL`` s (5,000 records are
several MB), atomic like the appliance state. Records whose managing cloud appliance was reset (its
``instanceId`` changed) are forgotten on the next access.
"""
from __future__ import annotations

import copy
import json
import math
import os
import threading
import time
import uuid
from typing import Any, Dict, Iterable, List, Optional

SAVE_INTERVAL = 1.0
KEEP_INSTANCES = 32
NAMESPACE = uuid.UUID("3b0f6d1e-7c55-4f0e-a8a4-2a8b7e6d9c10")

DEFAULT_SETTINGS = {
    "clockRate": 60.0,                # lab seconds per real second
    "defaultBandwidthMbps": 1000.0,   # a site's link unless bandwidthMbps names it
    "bandwidthMbps": {},              # site -> Mbit/s (lab)
    "changeRatePercentPerHour": 2.0,  # share of a VM's disks that changes per lab hour
    "guestShutdownSeconds": 0.2,      # real seconds a migrate waits for the guest shutdown before powering off
    "recoverySeconds": 0.2,           # real seconds a recovery (vApp creation) takes
    "cutoverDelaySeconds": 0.0,       # extra real seconds of a migrate/failover after the source is off
    "reverseSeedShare": 0.05,         # share of the disks a seeded (reverse) sync still moves
    "failNext": None,                 # {"operation","count","step","code","msg"}
}


def now_real_ms() -> int:
    return int(time.time() * 1000)


class LabClock:
    """``labNow = anchorLab + (realNow - anchorReal) * rate`` (ms)."""

    def __init__(self, rate: float = 60.0, anchor_real: Optional[float] = None, anchor_lab: Optional[float] = None):
        real = time.time() if anchor_real is None else anchor_real
        self.anchor_real = real
        self.anchor_lab = real if anchor_lab is None else anchor_lab
        self.rate = float(rate)

    def now_ms(self) -> int:
        return int((self.anchor_lab + (time.time() - self.anchor_real) * self.rate) * 1000)

    def set_rate(self, rate: float) -> None:
        lab = self.now_ms() / 1000.0
        self.anchor_real = time.time()
        self.anchor_lab = lab
        self.rate = float(rate)

    def to_real(self, lab_ms: float) -> int:
        """A lab time as a wall-clock epoch ms (what the API shows: timestamps never lie in the future)."""
        return int(self.anchor_real * 1000 + (lab_ms - self.anchor_lab * 1000) / self.rate)

    def to_lab(self, real_ms: float) -> int:
        """A wall-clock epoch ms (e.g. ``initialSyncTime``) on the lab clock."""
        return int(self.anchor_lab * 1000 + (real_ms - self.anchor_real * 1000) * self.rate)

    def real_seconds(self, lab_ms: float) -> float:
        return max(0.0, lab_ms / 1000.0 / self.rate)

    def dump(self) -> Dict[str, float]:
        return {"anchorReal": self.anchor_real, "anchorLab": self.anchor_lab, "rate": self.rate}


class Timeline:
    """The sync numbers of one VM replication under the current settings."""

    def __init__(self, rec: Dict[str, Any], bandwidth_mbps: float, change_pct_hour: float):
        self.total = max(1, int(rec["vm"]["diskBytes"]))
        self.rpo_ms = int(rec["settings"]["rpo"]) * 60000
        self.bps = max(1e-3, float(bandwidth_mbps)) * 1e6 / 8.0           # bytes per lab second
        self.delta = self.total * float(change_pct_hour) / 100.0 / 3600.0 * (self.rpo_ms / 1000.0)
        self.d_ms = self.delta / self.bps * 1000.0
        self.p_ms = max(float(self.rpo_ms), self.d_ms)

    def retained(self, rec) -> int:
        rules = (rec["settings"].get("retentionPolicy") or {}).get("rules") or []
        return max(1, sum(int(r.get("numberOfInstances") or 0) for r in rules) or 1)


def _instance(rec, seq, ts, nbytes, seconds):
    ident = "h4replica-%s" % uuid.uuid5(NAMESPACE, "%s:%d" % (rec["id"], seq))
    return {"id": ident, "key": ident, "sequenceNumber": seq, "timestamp": int(ts), "transferBytes": int(nbytes),
            "transferSeconds": round(seconds, 3), "isPinned": False,
            "quiescedType": "QUIESCED" if rec["settings"].get("quiesced") else "NOT_QUIESCED"}


def evaluate(rec: Dict[str, Any], now: int, tl: Timeline, frozen: bool = False, keep: int = KEEP_INSTANCES) -> Dict[str, Any]:
    """Derived sync state of ``rec`` at lab time ``now`` (``frozen``: as of its base, e.g. paused); the last
    ``keep`` instances."""
    sync = rec["sync"]
    at = sync["base"] if frozen else now
    out = {"phase": "delta", "done": tl.total, "syncing": False, "deltaFraction": 0.0, "since": sync["base"],
           "instances": list(sync["instances"]), "next": None}
    grid, seq0 = sync["grid"], sync["seq0"]
    if grid is None:
        start = max(sync["base"], sync["start"])
        need_ms = (tl.total - sync["done"]) / tl.bps * 1000.0
        if at < start:
            out.update(phase="waiting", done=sync["done"], since=sync["start"] if sync["done"] == 0 else sync["base"])
            return out
        if at < start + need_ms:
            out.update(phase="initial", done=int(sync["done"] + (at - start) / 1000.0 * tl.bps), since=sync["start"])
            return out
        grid, seq0 = start + need_ms, 1
        first = _instance(rec, 1, grid, tl.total, tl.total / tl.bps)
        out["instances"] = [first]
        count = int((at - grid) // tl.p_ms) if at >= grid else -1
        for k in range(max(1, count - keep + 1), count + 1):
            if k >= 1:
                out["instances"].append(_instance(rec, 1 + k, grid + k * tl.p_ms, tl.delta, tl.d_ms / 1000.0))
        nxt = grid + (count + 1) * tl.p_ms
    elif at < grid:
        nxt = grid
    else:
        count = int((at - grid) // tl.p_ms)
        for k in range(max(0, count - keep + 1), count + 1):
            out["instances"].append(_instance(rec, seq0 + k, grid + k * tl.p_ms, tl.delta, tl.d_ms / 1000.0))
        nxt = grid + (count + 1) * tl.p_ms
    out["instances"] = out["instances"][-keep:]
    out["next"] = nxt
    if not frozen and nxt - tl.d_ms <= at:
        out.update(syncing=True, deltaFraction=min(1.0, max(0.0, (at - (nxt - tl.d_ms)) / max(tl.d_ms, 1.0))),
                   since=int(nxt - tl.d_ms))
    elif out["instances"]:
        out["since"] = out["instances"][-1]["timestamp"]
    return out


def materialize(rec: Dict[str, Any], now: int, tl: Timeline) -> None:
    """Re-base ``rec`` at ``now``: what happened so far becomes explicit, the schedule continues from there."""
    if rec.get("paused") or rec.get("finished") or rec.get("error"):
        return
    ev = evaluate(rec, now, tl)
    sync = rec["sync"]
    if ev["phase"] in ("waiting", "initial"):
        sync["done"] = ev["done"]
        if now > sync["start"]:
            sync["base"] = now
        return
    sync["instances"] = ev["instances"][-KEEP_INSTANCES:]
    sync["seq0"] = sync["instances"][-1]["sequenceNumber"] + 1 if sync["instances"] else 1
    sync["grid"] = ev["next"]
    sync["base"] = now
    sync["done"] = tl.total


def latest(ev) -> Optional[Dict[str, Any]]:
    return ev["instances"][-1] if ev["instances"] else None


class Engine:
    """All replications of one lab, their settings and lab clock."""

    def __init__(self, state_dir: str):
        self.path = os.path.join(state_dir, "replications.json")
        self.lock = threading.RLock()
        self.records: Dict[str, Dict[str, Any]] = {}
        self.settings = copy.deepcopy(DEFAULT_SETTINGS)
        self.clock = LabClock(self.settings["clockRate"])
        self._dirty = False
        self._last_save = 0.0
        self._timer: Optional[threading.Timer] = None
        self._load()

    # ----- persistence ------------------------------------------------------------------------------
    def _load(self) -> None:
        if not os.path.exists(self.path):
            return
        try:
            with open(self.path, encoding="utf-8") as handle:
                doc = json.load(handle)
        except (OSError, ValueError):
            return
        self.settings.update(doc.get("settings") or {})
        clock = doc.get("clock") or {}
        self.clock = LabClock(clock.get("rate", self.settings["clockRate"]), clock.get("anchorReal"), clock.get("anchorLab"))
        self.records = doc.get("records") or {}
        for rec in self.records.values():  # operations that were running when the process stopped
            if rec.get("busy"):
                rec["busy"] = None
                if rec["recovery"]["state"] == "IN_PROGRESS":
                    rec["recovery"]["state"] = "NOT_STARTED"
                rec["lastError"] = {"code": "GeneralServerFailure", "msg": "The operation was interrupted by an appliance restart.",
                                    "args": [], "stacktrace": None}

    def touch(self) -> None:
        """Mark changed; written by a timer within SAVE_INTERVAL (never in the request)."""
        with self.lock:
            self._dirty = True
            if self._timer is None:
                self._timer = threading.Timer(SAVE_INTERVAL, self._timed_save)
                self._timer.daemon = True
                self._timer.start()

    def _timed_save(self) -> None:
        with self.lock:
            self._timer = None
            if self._dirty:
                self.save()

    def save(self) -> None:
        with self.lock:
            doc = {"settings": self.settings, "clock": self.clock.dump(), "records": self.records}
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, exist_ok=True)
            tmp = "%s.tmp-%d-%d" % (self.path, os.getpid(), threading.get_ident())
            text = json.dumps(doc, separators=(",", ":"))  # the C encoder (json.dump to a file is pure Python)
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            self._dirty = False
            self._last_save = time.monotonic()

    # ----- settings ---------------------------------------------------------------------------------
    def now(self) -> int:
        return self.clock.now_ms()

    def bandwidth(self, site: Optional[str]) -> float:
        return float((self.settings.get("bandwidthMbps") or {}).get(site or "", self.settings["defaultBandwidthMbps"]))

    def timeline(self, rec) -> Timeline:
        link = rec.get("bandwidthMbps") or min(self.bandwidth(rec["source"]["site"]), self.bandwidth(rec["destination"]["site"]))
        return Timeline(rec, link, self.settings["changeRatePercentPerHour"])

    def update_settings(self, changes: Dict[str, Any]) -> Dict[str, Any]:
        with self.lock:
            now = self.now()
            vms = list(self.vm_records())
            old = {r["id"]: self.timeline(r) for r in vms}
            for rec in vms:
                materialize(rec, now, old[rec["id"]])
            if "clockRate" in changes:
                self.clock.set_rate(changes["clockRate"])
            for key, value in changes.items():
                if key == "bandwidthMbps":
                    merged = dict(self.settings.get("bandwidthMbps") or {})
                    for site, mbps in value.items():
                        if mbps is None:
                            merged.pop(site, None)
                        else:
                            merged[site] = mbps
                    self.settings[key] = merged
                else:
                    self.settings[key] = value
            now = self.now()
            for rec in vms:  # keep what was shown; the next instance follows the new numbers
                sync = rec["sync"]
                if sync["grid"] is not None and not rec.get("paused") and not rec.get("finished"):
                    tl = self.timeline(rec)
                    last = sync["instances"][-1]["timestamp"] if sync["instances"] else now
                    pending = sync["grid"] - old[rec["id"]].d_ms <= now < sync["grid"]
                    sync["grid"] = now + tl.d_ms if pending else max(last + tl.p_ms, now + tl.d_ms)
            self.touch()
            return self.describe_settings()

    def describe_settings(self) -> Dict[str, Any]:
        out = copy.deepcopy(self.settings)
        out.update(clockRate=self.clock.rate, labNow=self.now(), realNow=now_real_ms())
        return out

    # ----- records ----------------------------------------------------------------------------------
    def vm_records(self) -> Iterable[Dict[str, Any]]:
        return (r for r in self.records.values() if r["kind"] == "vm")

    def get(self, rec_id: str) -> Optional[Dict[str, Any]]:
        return self.records.get(rec_id)

    def add(self, rec: Dict[str, Any]) -> None:
        with self.lock:
            self.records[rec["id"]] = rec
            self.touch()

    def remove(self, rec_id: str) -> None:
        with self.lock:
            rec = self.records.pop(rec_id, None)
            for child in (rec or {}).get("children") or []:
                self.records.pop(child, None)
            self.touch()

    def prune(self, alive) -> None:
        """Forget records whose managing appliance was reset (``alive(rec)`` False)."""
        with self.lock:
            dead = [i for i, r in self.records.items() if not alive(r)]
            for rec_id in dead:
                self.records.pop(rec_id, None)
            if dead:
                self.touch()

    def children(self, rec) -> List[Dict[str, Any]]:
        return [self.records[c] for c in rec.get("children") or [] if c in self.records]

    def vm_members(self, rec) -> List[Dict[str, Any]]:
        return self.children(rec) if rec["kind"] == "vapp" else [rec]

    # ----- state changes (engine lock held by callers or taken here) ---------------------------------
    def pause(self, rec) -> None:
        with self.lock:
            now = self.now()
            for vm in self.vm_members(rec):
                materialize(vm, now, self.timeline(vm))
                vm["paused"] = True
            rec["paused"] = True
            self.touch()

    def resume(self, rec) -> None:
        with self.lock:
            now = self.now()
            for vm in self.vm_members(rec):
                if vm.get("paused"):
                    vm["paused"] = False
                    sync = vm["sync"]
                    if sync["grid"] is None:
                        sync["base"] = max(now, sync["base"])
                    else:
                        sync["grid"] = now + self.timeline(vm).d_ms
                        sync["base"] = now
            rec["paused"] = False
            self.touch()

    def force_sync(self, rec) -> float:
        """Schedule an instance now + d on every VM; returns the lab ms until the last one lands."""
        with self.lock:
            now = self.now()
            wait = 0.0
            for vm in self.vm_members(rec):
                tl = self.timeline(vm)
                materialize(vm, now, tl)
                if vm["sync"]["grid"] is None:  # still in the initial sync: it ends when it ends
                    ev = evaluate(vm, now, tl)
                    wait = max(wait, (tl.total - ev["done"]) / tl.bps * 1000.0 + 1)
                    continue
                vm["sync"]["grid"] = now + tl.d_ms
                wait = max(wait, tl.d_ms + 1)
            self.touch()
            return wait

    def finish(self, rec) -> None:
        """Stop syncing (after a migrate/failover): the timeline freezes as it is now."""
        with self.lock:
            now = self.now()
            for vm in self.vm_members(rec):
                materialize(vm, now, self.timeline(vm))
                vm["finished"] = True
            rec["finished"] = True
            self.touch()

    def set_error(self, rec, error: Optional[Dict[str, Any]]) -> None:
        with self.lock:
            now = self.now()
            for vm in self.vm_members(rec):
                if error is not None:
                    materialize(vm, now, self.timeline(vm))
                    vm["error"] = True
                elif vm.get("error"):
                    vm["error"] = False
                    if vm["sync"]["grid"] is not None:
                        vm["sync"]["grid"] = now + self.timeline(vm).d_ms
                    vm["sync"]["base"] = max(now, vm["sync"]["base"])
                vm["lastError"] = error
            rec["lastError"] = error
            self.touch()

    def restart_sync(self, rec, seeded_share: float) -> None:
        """A new (reverse) sync from now: only ``seeded_share`` of the disks still moves (the old source is the seed)."""
        with self.lock:
            now = self.now()
            for vm in self.vm_members(rec):
                total = int(vm["vm"]["diskBytes"])
                vm["sync"] = new_sync(now, done=int(total * (1.0 - seeded_share)))
                vm["finished"] = False
                vm["paused"] = False
            rec["finished"] = False
            rec["paused"] = False
            self.touch()


def new_sync(start: int, done: int = 0) -> Dict[str, Any]:
    return {"start": int(start), "base": int(start), "done": int(done), "grid": None, "seq0": 1, "instances": []}


def new_id(kind: str) -> str:
    return ("C4VAPP-" if kind == "vapp" else "C4-") + str(uuid.uuid4())


# ----- one engine per lab ------------------------------------------------------------------------------
_ENGINES: Dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(appliance) -> Engine:
    key = os.path.abspath(appliance.lab.state_dir)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = Engine(key)
        return engine


def forget_engine(state_dir: str) -> None:
    """Drop the in-memory engine of a lab (tests that restart a lab in the same directory)."""
    with _ENGINES_LOCK:
        _ENGINES.pop(os.path.abspath(state_dir), None)


def ceil_minutes(ms: float) -> int:
    return int(math.ceil(ms / 60000.0)) if ms > 0 else 0
