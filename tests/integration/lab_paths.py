"""Paths and helpers the integration tests share (a module of its own: every test directory has a conftest.py,
so importing names from "conftest" would pick whichever was imported first)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(ROOT, "tests", "output")
RUN = os.path.join(ROOT, "lab", "run")
TARGETS = os.path.join(ROOT, "tests", "integration", "targets")

if ROOT not in sys.path:
    sys.path.append(ROOT)  # the lab's helpers: ``from lab.proctree import kill_tree``


def reset_lab(check=True):
    """The whole shared lab given back as a fresh run finds it (lab/reset.py): the emulators at first boot, the
    tenant vcsim without the workload VMs a migration left guarded. A test that changes shared lab state calls it
    before (whatever an earlier test left) and after (what the next test expects, ``check=False`` there)."""
    subprocess.run([sys.executable, os.path.join(ROOT, "lab", "reset.py")], cwd=ROOT, check=check,
                   stdout=subprocess.DEVNULL)
