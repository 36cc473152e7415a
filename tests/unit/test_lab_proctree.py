"""lab/proctree.py: the kill of a whole run reaches processes that left its session (as Ansible's workers do)."""
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.append(ROOT)

from lab import proctree  # noqa: E402  pylint: disable=wrong-import-position

# A parent whose child calls setsid() (out of the parent's process group and session) and forks a grandchild;
# the parent says when they are there, then waits.
TREE = r"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    time.sleep(60)
    os._exit(0)
time.sleep(0.5)
print("ready", flush=True)
time.sleep(60)
"""


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_kill_tree_reaches_a_child_that_left_the_session_and_its_child():
    proc = subprocess.Popen([sys.executable, "-c", TREE], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        proc.stdout.readline()
        below = proctree.descendants(proc.pid)
        assert below[0] == proc.pid and len(below) == 3
        assert os.getpgid(below[1]) != os.getpgid(proc.pid)  # killpg of the run's group would miss them
        killed = proctree.kill_tree(proc.pid)
        assert sorted(killed) == sorted(below)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in below[1:]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in below[1:])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
