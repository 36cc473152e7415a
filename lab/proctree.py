"""The process tree of a run the lab's tests and benchmarks start (ansible-playbook: the controller, its forked
workers, the module processes), read from ``/proc``.

Ansible's workers call ``setsid()``, so neither the run's process group nor its session reaches them: killing
"the whole run" as a lost CI runner loses it means walking the tree. Linux only (the lab runs on Linux).
"""
import os
import signal
import time


def _stat(pid):
    """``(state, ppid)`` of ``pid`` from ``/proc/PID/stat``; None when it is gone."""
    try:
        with open("/proc/%s/stat" % pid) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1])
    except (OSError, ValueError, IndexError):
        return None


def children():
    """``{ppid: [pid, ...]}`` of every process now."""
    tree = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _stat(name)
            if stat is not None:
                tree.setdefault(stat[1], []).append(int(name))
    return tree


def descendants(root):
    """``root`` first, then every process below it now."""
    tree, out, todo = children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


def kill_tree(root, wait=10.0):
    """SIGKILL ``root`` and every process below it (listed before any is killed, so that none is re-parented
    out of reach first); returns the pids killed, ``root`` first. Waits up to ``wait`` seconds until each
    descendant is gone or a zombie (``root`` is the caller's to reap)."""
    pids = descendants(root)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + wait
    for pid in pids[1:]:
        while time.monotonic() < deadline:
            stat = _stat(pid)
            if stat is None or stat[0] == "Z":
                break  # gone, or killed and waiting for its (dead) parent's reaper
            time.sleep(0.1)
    return pids
