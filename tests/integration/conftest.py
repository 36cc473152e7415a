"""Integration fixtures: the lab (vcsim and the emulators) and a runner for Ansible targets.

The lab is started once per pytest session through the same scripts `make demo` uses, and
stopped at the end when this session started it.
"""
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
import yaml

from lab_paths import OUTPUT, ROOT, RUN, TARGETS, reset_lab


def _sh(*args, **kwargs):
    return subprocess.run(list(args), cwd=ROOT, check=True, **kwargs)


def _running(name):
    return subprocess.run(["bash", "lab/vcsim.sh", "status", name], cwd=ROOT, capture_output=True,
                          text=True, check=False).stdout.find("running") >= 0


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
        subprocess.run(["bash", "lab/vcsim.sh", "stop", name], cwd=ROOT, check=False)


@pytest.fixture(scope="session")
def ovas():
    """Lab OVAs/OVFs for the targets, generated once (cached by the generator)."""
    out = os.path.join(ROOT, "lab", "build", "ova")
    specs = {
        "vcda_ova": ("--kind", "vcda", "--disks", "64M", "--format", "ova", "--out", os.path.join(out, "vcda-lab.ova")),
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


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves lab/build/ova; honours single byte ranges except under /norange/ (a plain server)
    and /slow/ (a plain server sending about 20 MB/s, for interrupting an upload midway)."""

    def log_message(self, *args):  # keep pytest output quiet
        pass

    def _plain(self):
        return self.path.startswith("/norange/") or self.path.startswith("/slow/")

    def translate_path(self, path):
        for prefix in ("/norange/", "/slow/"):
            if path.startswith(prefix):
                path = path[len(prefix) - 1:]
        return super().translate_path(path)

    def end_headers(self):
        if not self._plain():
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def send_head(self):
        match = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range", ""))
        if self._plain() or not match:
            return super().send_head()
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404)
            return None
        size = os.path.getsize(path)
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
        handle = open(path, "rb")
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._left = end - start + 1
        return handle

    def copyfile(self, source, outputfile):
        left = getattr(self, "_left", None)
        if self.path.startswith("/slow/"):
            while True:
                chunk = source.read(1 << 20)
                if not chunk:
                    return None
                outputfile.write(chunk)
                time.sleep(0.05)
        if left is None:
            return super().copyfile(source, outputfile)
        while left > 0:
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                break
            outputfile.write(chunk)
            left -= len(chunk)
        return None


@pytest.fixture(scope="session")
def ova_http(ovas):
    """An HTTP server on loopback for remote-source tests: /NAME (ranges) and /norange/NAME."""
    directory = os.path.join(ROOT, "lab", "build", "ova")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(RangeHandler, directory=directory))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()


def _emulators_running():
    return subprocess.run(["bash", "lab/emulators.sh", "status"], cwd=ROOT, capture_output=True,
                          check=False).returncode == 0


@pytest.fixture(scope="session")
def vcda_lab():
    """The VCDA emulators, first boot again (reset), started for this session: lab/run/emulators.json.

    Stopped at the end when this session started them.
    """
    was_running = _emulators_running()
    reset_lab()
    if not _emulators_running():
        _sh("bash", "lab/emulators.sh", "start", stdout=subprocess.DEVNULL)
    with open(os.path.join(RUN, "emulators.json")) as handle:
        facts = json.load(handle)
    yield facts
    if not was_running:
        subprocess.run(["bash", "lab/emulators.sh", "stop"], cwd=ROOT, stdout=subprocess.DEVNULL, check=False)


@pytest.fixture(scope="session")
def lab_vars(vcsim, ovas, ova_http, vcda_lab):
    """A vars file every target gets: connection facts of the lab and the generated sources."""
    os.makedirs(OUTPUT, exist_ok=True)
    # run_on_lab: the switch every lab-only step of a target sits behind (tests/integration/README.md).
    data = {"run_on_lab": True, "lab_root": ROOT, "lab_output": OUTPUT}
    for name, facts in vcsim.items():
        data["vcsim_%s" % name] = facts
    data["ovas"] = ovas
    data["vcda_lab"] = vcda_lab
    data["ova_http_url"] = ova_http
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
    return subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True, check=False)


def integration_config():
    """The vars file describing real systems, when there is one: $CLOUDMOVE_INTEGRATION_CONFIG or
    tests/integration/integration_config.yml (see tests/integration/README.md); None means the lab."""
    path = os.environ.get("CLOUDMOVE_INTEGRATION_CONFIG") or os.path.join(ROOT, "tests", "integration", "integration_config.yml")
    return path if os.path.isfile(path) else None


@pytest.fixture(scope="session")
def target_runner(request):
    """Runs a target's playbook with the real systems' integration_config.yml if there is one, else with the lab
    (started for the session) and its vars file."""
    config = integration_config()
    if config:
        with open(config) as handle:
            if (yaml.safe_load(handle) or {}).get("run_on_lab", True):
                pytest.fail("%s: set run_on_lab: false in it (tests/integration/README.md)" % config)
    vars_file = config or request.getfixturevalue("lab_vars")

    def runner(playbook, **kwargs):
        return run_playbook(playbook, vars_file, **kwargs)
    return runner


@pytest.fixture(scope="session")
def playbook_runner(lab_vars):
    def runner(playbook, **kwargs):
        return run_playbook(playbook, lab_vars, **kwargs)
    return runner
