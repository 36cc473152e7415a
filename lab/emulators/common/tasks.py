"""Asynchronous tasks with time-based progression: QUEUED → RUNNING → SUCCEEDED / FAILED.

``submit(work, …)`` records a QUEUED task in the appliance state and returns it at once. A
worker thread waits ``queued_seconds``, marks it RUNNING, calls ``work()`` and keeps it
RUNNING until ``run_seconds`` have passed (``progress`` grows with time), then stores the
result, or the error when ``work`` raised :class:`ApiError`. Tasks live in the persisted
state under ``tasks``; a task that was still QUEUED/RUNNING when the process stopped is
FAILED on the next start. ``render`` gives the public form (override it for another API).
"""
from __future__ import annotations

import copy
import threading
import time
import traceback
import uuid
from typing import Any, Callable, Dict, List, Optional

from .errors import ApiError
from .state import JsonStateStore

QUEUED, RUNNING, SUCCEEDED, FAILED = "QUEUED", "RUNNING", "SUCCEEDED", "FAILED"


def now_ms() -> int:
    return int(time.time() * 1000)


class TaskEngine:
    def __init__(self, store: JsonStateStore, error_body: Callable[[ApiError], Dict[str, Any]],
                 queued_seconds: float = 0.1, run_seconds: float = 0.9, keep: int = 200):
        self.store = store
        self.error_body = error_body
        self.queued_seconds = float(queued_seconds)
        self.run_seconds = float(run_seconds)
        self.keep = keep

    def recover(self) -> None:
        """Fail the tasks a previous process left unfinished."""
        with self.store.edit() as state:
            for task in state.setdefault("tasks", {}).values():
                if task["state"] in (QUEUED, RUNNING):
                    task.update(state=FAILED, endTime=now_ms(), progress=task.get("progress", 0),
                                error=self.error_body(ApiError(500, "GeneralServerFailure",
                                                               "The task was interrupted by an appliance restart.")))

    def submit(self, work: Callable[[], Any], *, user: str, site: Optional[str], workflow_type: str,
               result_type: Optional[str] = None, resource_type: Optional[str] = None,
               resource_id: Optional[str] = None) -> Dict[str, Any]:
        task_id = str(uuid.uuid4())
        task = {
            "id": task_id, "user": user, "site": site,
            "workflowInfo": {"type": workflow_type, "resourceType": resource_type, "resourceId": resource_id},
            "progress": 0, "state": QUEUED, "startTime": now_ms(), "endTime": -1,
            "resultType": result_type, "result": None, "error": None, "warnings": [],
            "lab": {"runStart": None, "runSeconds": self.run_seconds},
        }

        def add(state):
            tasks = state.setdefault("tasks", {})
            tasks[task_id] = copy.deepcopy(task)
            self._prune(tasks)
        self.store.update(add)  # tasks change often: written within a moment, not on every change
        threading.Thread(target=self._run, args=(task_id, work), name="task-" + task_id[:8], daemon=True).start()
        return self.render(task)

    def _prune(self, tasks: Dict[str, Any]) -> None:
        finished = sorted((t for t in tasks.values() if t["state"] in (SUCCEEDED, FAILED)), key=lambda t: t["startTime"])
        for task in finished[:max(0, len(tasks) - self.keep)]:
            del tasks[task["id"]]

    def _update(self, task_id: str, **changes) -> None:
        changes = copy.deepcopy(changes)

        def change(state):
            task = state.get("tasks", {}).get(task_id)
            if task is not None:
                task.update(changes)
        self.store.update(change)

    def _run(self, task_id: str, work: Callable[[], Any]) -> None:
        time.sleep(self.queued_seconds)
        started = time.monotonic()
        self._update(task_id, state=RUNNING, lab={"runStart": now_ms(), "runSeconds": self.run_seconds})
        result, error = None, None
        try:
            result = work()
        except ApiError as exc:
            error = self.error_body(exc)
        except Exception as exc:  # the task fails like a real one would; the process keeps serving
            traceback.print_exc()
            error = self.error_body(ApiError(500, "GeneralServerFailure", "Task failed: %s" % exc))
        remaining = self.run_seconds - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        if error is None:
            self._update(task_id, state=SUCCEEDED, progress=100, endTime=now_ms(), result=result)
        else:
            self._update(task_id, state=FAILED, endTime=now_ms(), error=error)

    def get(self, task_id: str) -> Optional[Dict[str, Any]]:
        task = self.store.read(lambda state: state.get("tasks", {}).get(task_id))
        return self.render(task) if task else None

    def list(self, predicate: Callable[[Dict[str, Any]], bool] = lambda t: True) -> List[Dict[str, Any]]:
        tasks = sorted(self.store.read(lambda state: list(state.get("tasks", {}).values())), key=lambda t: t["startTime"],
                       reverse=True)
        return [self.render(t) for t in tasks if predicate(t)]

    def render(self, task: Dict[str, Any]) -> Dict[str, Any]:
        out = {k: v for k, v in task.items() if k != "lab"}
        if task["state"] == RUNNING and task.get("lab", {}).get("runStart"):
            elapsed = (now_ms() - task["lab"]["runStart"]) / 1000.0
            span = task["lab"].get("runSeconds") or 1.0
            out["progress"] = max(1, min(99, int(elapsed / span * 100)))
        return out
