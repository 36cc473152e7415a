"""Integration fixtures: the lab (vcsim and the emulators) and a runner for Ansible targets.

The lab is started once per pytest session through the same scripts `make demo` uses, and
stopped at the end when this session started it.
"""
import json
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(ROOT, "tests", "output")
RUN = os.path.join(ROOT, "lab", "run")
TARGETS = os.path.join(ROOT, "tests", "integration", "targets")


def _sh(*args, **kwargs):
    return subprocess.run(list(args), cwd=ROOT, check=True, **kwargs)


def _running(name):
    return subprocess.run(["bash", "lab/vcsim.sh", "status", name], cwd=ROOT, capture_output=True,
                          text=True).stdout.find("running") >= 0


@pytest.fixture(scope="session")
def vcsim():
    """Both lab vCenters (provider and tenant): name -> connection facts."""
    started = []
    for name in ("provider", "tenant"):
        if not _running(name):
            _sh("bash", "lab/vcsim.sh", "start", name)
            started.append(name)
    facts = {}
    for name in ("provider", "tenant"):
        with open(os.path.join(RUN, "vcsim-%s.json" % name)) as handle:
            facts[name] = json.load(handle)
    yield facts
    for name in started:
        subprocess.run(["bash", "lab/vcsim.sh", "stop", name], cwd=ROOT)


@pytest.fixture(scope="session")
def ovas():
    """Lab OVAs/OVFs for the targets, generated once (cached by the generator)."""
    out = os.path.join(ROOT, "lab", "build", "ova")
    specs = {
        "vcda_ova": ("--kind", "vcda", "--disks", "32M", "--format", "ova", "--out", os.path.join(out, "vcda-lab.ova")),
        "vcda_multidisk_ova": ("--kind", "vcda", "--disks", "24M,16M,8M", "--format", "ova",
                               "--out", os.path.join(out, "vcda-multidisk.ova")),
        "vcda_ovf_dir": ("--kind", "vcda", "--disks", "16M", "--format", "ovf", "--out", os.path.join(out, "vcda-ovf")),
        "vcda_big_ova": ("--kind", "vcda", "--disks", "256M", "--fill", "random", "--format", "ova",
                         "--out", os.path.join(out, "vcda-random256.ova")),
    }
    paths = {}
    for key, args in specs.items():
        _sh(sys.executable, "lab/ova/make_ova.py", *args, stdout=subprocess.DEVNULL)
        paths[key] = args[-1]
    return paths


@pytest.fixture(scope="session")
def lab_vars(vcsim, ovas):
    """A vars file every target gets: connection facts of the lab and the generated sources."""
    os.makedirs(OUTPUT, exist_ok=True)
    data = {"lab_root": ROOT, "lab_output": OUTPUT}
    for name, facts in vcsim.items():
        data["vcsim_%s" % name] = facts
    data["ovas"] = ovas
    path = os.path.join(OUTPUT, "lab-vars.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(data, handle)
    return path


def run_playbook(playbook, extra_vars_file=None, extra=(), env=None, check=False):
    environ = dict(os.environ)
    environ.update({
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(OUTPUT, "collections"),
        "ANSIBLE_ROLES_PATH": "%s:%s" % (TARGETS, os.path.join(ROOT, "roles")),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    })
    environ.update(env or {})
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", playbook]
    if extra_vars_file:
        cmd += ["-e", "@" + extra_vars_file]
    cmd += list(extra)
    if check:
        cmd.append("--check")
    return subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True)


@pytest.fixture(scope="session")
def playbook_runner(lab_vars):
    def runner(playbook, **kwargs):
        return run_playbook(playbook, lab_vars, **kwargs)
    return runner
