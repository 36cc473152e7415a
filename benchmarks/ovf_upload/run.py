# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OVA upload benchmark: cloudmove.vcda.ovf_deploy vs community.vmware.vmware_deploy_ovf vs curl.

One command (``python3 benchmarks/ovf_upload/run.py`` or ``make benchmark``) does it all:

1. makes ``benchmarks/.venv-community`` (``ansible`` from PyPI, which bundles community.vmware,
   plus pyvmomi and requests) unless it is there already;
2. starts the lab vcsim instance unless it runs (default: ``bench`` on 127.0.9.1:443, see
   ``--vcsim``), links the collection into ``tests/output/collections``;
3. generates the incompressible OVAs with ``lab/ova/make_ova.py`` (cached) and copies their VMDK
   members out for curl;
4. per case and repetition runs (a) ``cloudmove.vcda.ovf_deploy`` and (b)
   ``community.vmware.vmware_deploy_ovf`` in ansible-playbook, and (c) a raw ``curl -T`` of the
   VMDK(s) to the device URL(s) of an import lease made with pyVmomi, deleting the VM after each
   run and checking with the lab's ``/_lab/nfc/uploads`` that every byte arrived;
5. writes ``benchmarks/results/ovf_upload.json`` and ``.md`` and prints the table.

It exits non-zero only when something could not be run or measured, never for a missed target.
See ``benchmarks/README.md`` for the method.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

import benchlib
from benchlib import BenchError, Ova, Vcenter

ROOT = benchlib.ROOT
BENCH = os.path.join(ROOT, "benchmarks")
HERE = os.path.join(BENCH, "ovf_upload")
RESULTS = os.path.join(BENCH, "results")
WORK = os.path.join(RESULTS, "ovf_upload-work")
VENV = os.path.join(BENCH, ".venv-community")
OVA_DIR = os.path.join(ROOT, "lab", "build", "ova")
COLLECTIONS = os.path.join(ROOT, "tests", "output", "collections")
VENV_REQUIREMENTS = ["ansible==12.3.0", "pyvmomi==9.1.1.0", "requests"]

VM_NAME = "bench-ovf-upload"
TINY = ("tiny", "1M")
CASES = [("512M", "512M"), ("2G", "2G"), ("4x256M", "256M,256M,256M,256M")]
VARIANTS = ("a", "b", "c")
LABELS = {"a": "cloudmove.vcda.ovf_deploy", "b": "community.vmware.vmware_deploy_ovf", "c": "curl -T (lease URL)"}
MODULES = {"a": "ovf_deploy", "b": "vmware_deploy_ovf"}
TARGET_AC = 0.8
TARGET_AB = 2.5
TARGET_RSS_MB = 20.0
MB = 1e6


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def run(cmd, **kwargs):
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run(cmd, check=False, **kwargs)  # pylint: disable=subprocess-run-check


# --- setup ------------------------------------------------------------------------------------
def venv_python():
    return os.path.join(VENV, "bin", "python")


def community_dir():
    # ansible_collections.* are namespace packages: no __file__, one __path__ entry.
    out = run([venv_python(), "-c", "import ansible_collections.community.vmware as m; print(list(m.__path__)[0])"])
    return out.stdout.strip() if out.returncode == 0 else None


def ensure_venv():
    """The venv of the comparison: ansible (bundling community.vmware), pyvmomi, requests."""
    probe = [venv_python(), "-c", "import pyVmomi, requests, ansible_collections.community.vmware"]
    if os.path.exists(venv_python()) and run(probe).returncode == 0 and community_dir():
        return
    log("creating %s (%s)" % (os.path.relpath(VENV, ROOT), " ".join(VENV_REQUIREMENTS)))
    if not os.path.exists(venv_python()):
        out = run([sys.executable, "-m", "venv", VENV])
        if out.returncode:
            raise BenchError("python3 -m venv failed: %s" % out.stderr[-2000:])
    out = run([venv_python(), "-m", "pip", "install", "-q", "--disable-pip-version-check"] + VENV_REQUIREMENTS)
    if out.returncode or run(probe).returncode:
        raise BenchError("pip install %s failed: %s" % (" ".join(VENV_REQUIREMENTS), out.stderr[-2000:]))


def venv_versions():
    code = ("import json, importlib.metadata as m, ansible_collections.community.vmware as c, os\n"
            "man = json.load(open(os.path.join(list(c.__path__)[0], 'MANIFEST.json')))\n"
            "print(json.dumps({'ansible': m.version('ansible'), 'ansible-core': m.version('ansible-core'),"
            " 'community.vmware': man['collection_info']['version'], 'pyvmomi': m.version('pyvmomi'),"
            " 'python': '%d.%d.%d' % __import__('sys').version_info[:3]}))")
    out = run([venv_python(), "-c", code])
    return json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr[-500:]}


def main_versions():
    import importlib.metadata as meta  # pylint: disable=import-outside-toplevel
    versions = {"python": platform.python_version()}
    for dist in ("ansible-core", "pyvmomi", "requests", "urllib3"):
        try:
            versions[dist] = meta.version(dist)
        except meta.PackageNotFoundError:
            versions[dist] = None
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        match = re.search(r"^version:\s*(\S+)", handle.read(), re.M)
    versions["cloudmove.vcda"] = match.group(1) if match else None
    versions["git"] = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).stdout.strip()
    dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--", "plugins"]).stdout.split("\n")
    versions["plugins_uncommitted"] = [line.strip() for line in dirty if line.strip()]
    versions["curl"] = benchlib.tool_version(["curl", "--version"])
    return versions


def ensure_collection():
    link = os.path.join(COLLECTIONS, "ansible_collections", "cloudmove", "vcda")
    if os.path.realpath(link) != os.path.realpath(ROOT):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(ROOT, link)


def make_ova(label, disks):
    out = os.path.join(OVA_DIR, "bench-%s.ova" % label.lower())
    cmd = [sys.executable, os.path.join(ROOT, "lab", "ova", "make_ova.py"), "--kind", "vcda", "--disks", disks,
           "--fill", "random", "--format", "ova", "--out", out, "--json"]
    began = time.monotonic()
    res = run(cmd)
    if res.returncode:
        raise BenchError("%s failed: %s" % (" ".join(cmd), res.stderr[-2000:]))
    doc = json.loads(res.stdout)
    if not doc.get("cached"):
        log("generated %s in %.0f s" % (os.path.relpath(out, ROOT), time.monotonic() - began))
    return Ova(doc["path"])


def write_shim(variant, real_python):
    """An interpreter for ansible_python_interpreter that runs the module under rss_probe.py."""
    path = os.path.join(WORK, "python-%s" % variant)
    log_file = os.path.join(WORK, "probe-%s.jsonl" % variant)
    with open(path, "w") as handle:
        handle.write("#!/bin/sh\nexec %s %s %s %s \"$@\"\n" % (
            shlex.quote(sys.executable), shlex.quote(os.path.join(HERE, "rss_probe.py")),
            shlex.quote(real_python), shlex.quote(log_file)))
    os.chmod(path, 0o755)
    return path, log_file


# --- the three variants -----------------------------------------------------------------------
class Bench(object):
    def __init__(self, state, ovas, disk_paths, timeout, retries=2, max_others=0.3, quiet_wait=60):
        self.state = state
        self.quiet_wait = quiet_wait
        self.retries = retries
        self.max_others = max_others
        self.ovas = ovas
        self.disk_paths = disk_paths
        self.timeout = timeout
        self.shims = {"a": write_shim("a", os.path.realpath(sys.executable)), "b": write_shim("b", venv_python())}
        self.empty_collections = os.path.join(WORK, "no-collections")
        os.makedirs(self.empty_collections, exist_ok=True)
        exe = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
        self.playbook_exe = {"a": exe if os.path.exists(exe) else "ansible-playbook",
                             "b": os.path.join(VENV, "bin", "ansible-playbook")}

    def connection(self, variant):
        st = self.state
        args = {"hostname": st["hostname"], "port": int(st["port"]), "username": st["username"],
                "password": st["password"]}
        if variant == "a":
            args["thumbprint"] = st["thumbprint"]  # pinned, the collection's way
        else:
            args["validate_certs"] = True  # verified against the lab certificate given as SSL_CERT_FILE
        return args

    def playbook(self, variant, ova):
        args = self.connection(variant)
        args.update(name=VM_NAME, datacenter=benchlib.DATACENTER, cluster=benchlib.CLUSTER,
                    datastore=benchlib.DATASTORE, networks={benchlib.NETWORK: benchlib.NETWORK}, power_on=False,
                    disk_provisioning="thin")
        if variant == "a":
            args["source"] = ova.path
            task = {"name": "deploy", "cloudmove.vcda.ovf_deploy": args}
        else:
            args["ovf"] = ova.path
            task = {"name": "deploy", "community.vmware.vmware_deploy_ovf": args}
        path = os.path.join(WORK, "playbook-%s.yml" % variant)
        with open(path, "w") as handle:
            json.dump([{"hosts": "localhost", "gather_facts": False, "tasks": [task]}], handle, indent=1)
        return path

    def env(self, variant):
        env = dict(os.environ)
        env.update(ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
                   ANSIBLE_PYTHON_INTERPRETER=self.shims[variant][0], PYTHONUNBUFFERED="1")
        env.pop("ANSIBLE_CONFIG", None)
        if variant == "a":
            env["ANSIBLE_COLLECTIONS_PATH"] = COLLECTIONS
        else:
            # Only the community.vmware bundled in the venv's ansible package.
            env["ANSIBLE_COLLECTIONS_PATH"] = self.empty_collections
            env["SSL_CERT_FILE"] = self.state["cert_file"]
            env["PATH"] = os.path.join(VENV, "bin") + os.pathsep + env.get("PATH", "")
        return env

    def run_module(self, variant, ova, window):
        shim, probe_log = self.shims[variant]
        open(probe_log, "w").close()  # pylint: disable=consider-using-with
        out_file = os.path.join(WORK, "playbook-%s.log" % variant)
        cmd = [self.playbook_exe[variant], "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % shim, self.playbook(variant, ova)]
        with open(out_file, "w") as out:
            window.start()
            proc = subprocess.Popen(cmd, env=self.env(variant), cwd=WORK, stdout=out,  # pylint: disable=consider-using-with
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            status, usage = wait_child(proc, self.timeout, LABELS[variant])
            cpu = window.stop(usage.ru_utime + usage.ru_stime)
        with open(out_file) as handle:
            text = handle.read()
        if status != 0:
            raise BenchError("%s failed (rc %s): %s" % (LABELS[variant], status, text.strip()[-1500:]))
        with open(probe_log) as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        ours = [r for r in records if r.get("script") == "AnsiballZ_%s.py" % MODULES[variant]]
        if len(ours) != 1:
            raise BenchError("%s: expected one module process, the probe saw %s" % (LABELS[variant], records))
        rec = ours[0]
        sample = {"wall_s": rec["wall_s"], "playbook_wall_s": cpu["window_s"], "rss_mb": rec["maxrss_kib"] * 1024 / MB,
                  "cpu_s": round(rec["utime_s"] + rec["stime_s"], 3)}
        sample.update(cpu)
        rates = re.findall(r"uploaded 100% \(\d+ of \d+ MiB, ([0-9.]+) MB/s\)", text)
        if variant == "a" and rates:
            sample["module_reported_mbps"] = float(rates[-1])
        return sample

    def run_curl(self, ova, window):
        cert = self.state["cert_file"]
        with Vcenter(self.state) as vc:
            lease, uploads = vc.import_lease(ova.descriptor, VM_NAME)
            try:
                cmds = []
                for item, url in uploads:
                    cmds.append(["curl", "-sS", "--fail", "--cacert", cert, "-X", "PUT" if item.create else "POST",
                                 "-H", "Content-Type: application/x-vnd.vmware-streamVmdk", "-H", "Expect:",
                                 "-T", self.disk_paths[ova.path][item.path], "-o", "/dev/null",
                                 "-w", "%{http_code} %{size_upload} %{time_total}", url])
                window.start()
                procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # pylint: disable=consider-using-with
                         for c in cmds]
                rss, cpu, outputs = 0, 0.0, []
                for proc in procs:
                    status, usage = wait_child(proc, self.timeout, "curl")
                    rss = max(rss, usage.ru_maxrss)
                    cpu += usage.ru_utime + usage.ru_stime
                    outputs.append((status, proc.stdout.read().decode(), proc.stderr.read().decode()))
                    proc.stdout.close()
                    proc.stderr.close()
                figures = window.stop(cpu)
                bad = [o for o in outputs if o[0] != 0 or not o[1].startswith("20")]
                if bad:
                    raise BenchError("curl upload failed: %s" % bad)
                vc.complete(lease)
            except BaseException as exc:
                vc.abort(lease, "benchmark: %s" % exc)
                raise
        sample = {"wall_s": figures["window_s"], "rss_mb": rss * 1024 / MB, "cpu_s": round(cpu, 3),
                  "curl_time_total_s": [float(o[1].split()[2]) for o in outputs], "parallel": len(cmds)}
        sample.update(figures)
        return sample

    def inputs(self, variant, ova):
        return list(self.disk_paths[ova.path].values()) if variant == "c" else [ova.path]

    def measure_once(self, variant, ova):
        with Vcenter(self.state) as vc:
            vc.destroy_vms(VM_NAME)
        benchlib.nfc_forget(self.state)
        began = time.monotonic()
        for path in self.inputs(variant, ova):
            benchlib.read_through(path)  # the page cache here is reclaimed after ~minutes idle
        prewarm = time.monotonic() - began
        load = os.getloadavg()[0]
        busy, waited = benchlib.wait_quiet(self.max_others, self.quiet_wait)
        window = benchlib.CpuWindow(int(self.state["pid"]))
        try:
            sample = self.run_curl(ova, window) if variant == "c" else self.run_module(variant, ova, window)
            sample.update(benchlib.verify_upload(self.state, VM_NAME, ova.vmdk_bytes))
            sample["load1_before"] = round(load, 2)
            sample["busy_before_cores"] = busy
            sample["quiet_wait_s"] = waited
            sample["prewarm_s"] = round(prewarm, 2)
            sample["mbps"] = round(ova.vmdk_bytes / sample["wall_s"] / MB, 1)
            return sample
        finally:
            with Vcenter(self.state) as vc:
                vc.destroy_vms(VM_NAME)

    def measure(self, variant, ova):
        """One sample; re-measured (up to ``retries`` times) while other processes took too much CPU."""
        attempts = []
        for _attempt in range(1 + self.retries):
            attempts.append(self.measure_once(variant, ova))
            if (attempts[-1].get("others_cores") or 0) <= self.max_others:
                break
        best = min(attempts, key=lambda s: s.get("others_cores") or 0)
        best["disturbed_attempts"] = [s.get("others_cores") for s in attempts if s is not best]
        return best


def wait_child(proc, timeout, what):
    """Reap ``proc`` with wait4: (exit code, its rusage including reaped descendants)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise BenchError("%s did not finish within %ss" % (what, timeout))
        time.sleep(0.005)


# --- summary ----------------------------------------------------------------------------------
def median_of(samples, key):
    values = [s[key] for s in samples if "error" not in s and s.get(key) is not None]
    return statistics.median(values) if values else None


def summarise(results, reps):
    overhead, fixed_cpu = {}, {}
    for variant in ("a", "b"):
        tiny = results["tiny"]["samples"].get(variant, [])
        overhead[variant] = median_of(tiny, "wall_s")
        fixed_cpu[variant] = (median_of(tiny, "cpu_s") or 0.0, median_of(tiny, "vcsim_cpu_s") or 0.0)
    summary = {"overhead_s": overhead, "overhead_cpu_s": fixed_cpu, "cases": {}}
    for label, _disks in CASES:
        case = results.get(label)
        if case is None:
            continue
        size = case["vmdk_bytes"]
        row = {"vmdk_bytes": size, "disks": case["disks"]}
        for variant in VARIANTS:
            samples = case["samples"].get(variant, [])
            wall = median_of(samples, "wall_s")
            ok = [s for s in samples if "error" not in s]
            entry = {"n": len(ok), "errors": len(samples) - len(ok), "wall_s": wall,
                     "others_cores": median_of(samples, "others_cores"),
                     "mbps": round(size / wall / MB, 1) if wall else None,
                     "mbps_min_max": [round(size / max(s["wall_s"] for s in ok) / MB, 1),
                                      round(size / min(s["wall_s"] for s in ok) / MB, 1)] if ok else None,
                     "rss_mb_peak": round(max(s["rss_mb"] for s in ok), 1) if ok else None,
                     "cpu_s": median_of(samples, "cpu_s"), "vcsim_cpu_s": median_of(samples, "vcsim_cpu_s")}
            client0, server0 = fixed_cpu.get(variant, (0.0, 0.0))
            if entry["cpu_s"] is not None:
                entry["cpu_s_per_gb"] = round((entry["cpu_s"] - client0) / size * 1e9, 2)
            if entry["vcsim_cpu_s"] is not None:
                entry["vcsim_cpu_s_per_gb"] = round((entry["vcsim_cpu_s"] - server0) / size * 1e9, 2)
            if variant in overhead:
                net = wall - overhead[variant] if wall and overhead[variant] is not None else None
                entry["mbps_corrected"] = round(size / net / MB, 1) if net and net > 0 else None
                entry["playbook_wall_s"] = median_of(samples, "playbook_wall_s")
            row[variant] = entry
        a, b, c = row["a"], row["b"], row["c"]
        row["ratio_a_c"] = _ratio(a.get("mbps_corrected"), c["mbps"])
        row["ratio_a_c_raw"] = _ratio(a["mbps"], c["mbps"])
        row["ratio_a_b"] = _ratio(a.get("mbps_corrected"), b.get("mbps_corrected"))
        row["ratio_a_b_raw"] = _ratio(a["mbps"], b["mbps"])
        summary["cases"][label] = row
    targets = []
    for label, row in summary["cases"].items():
        targets.append(_target("a >= %.1f x c (%s, overhead-corrected)" % (TARGET_AC, label), row["ratio_a_c"],
                               TARGET_AC, "%.2f x"))
        targets.append(_target("a >= %.1f x b (%s, overhead-corrected)" % (TARGET_AB, label), row["ratio_a_b"],
                               TARGET_AB, "%.2f x"))
    small, big = summary["cases"].get("512M"), summary["cases"].get("2G")
    growth = None
    if small and big and small["a"]["rss_mb_peak"] is not None and big["a"]["rss_mb_peak"] is not None:
        growth = round(big["a"]["rss_mb_peak"] - small["a"]["rss_mb_peak"], 1)
    targets.append({"name": "a peak RSS flat 512M -> 2G (within %.0f MB)" % TARGET_RSS_MB, "value": growth,
                    "shown": "%+.1f MB" % growth if growth is not None else "n/a",
                    "status": "n/a" if growth is None else ("PASS" if abs(growth) <= TARGET_RSS_MB else "FAIL")})
    summary["targets"] = targets
    summary["repetitions"] = reps
    return summary


def _ratio(x, y):
    return round(x / y, 2) if x and y else None


def _target(name, value, limit, fmt):
    return {"name": name, "value": value, "shown": fmt % value if value is not None else "n/a",
            "status": "n/a" if value is None else ("PASS" if value >= limit else "FAIL")}


def _f(value, fmt="%.1f"):
    return fmt % value if value is not None else "n/a"


def table(summary):
    head = ["case", "VMDK MB", "a MB/s raw", "a MB/s corr", "b MB/s raw", "b MB/s corr", "c MB/s",
            "a/c", "a/b", "a/c raw", "a/b raw", "a RSS MB", "b RSS MB", "curl RSS MB"]
    rows = []
    for label, row in summary["cases"].items():
        a, b, c = row["a"], row["b"], row["c"]
        rows.append([label, "%.0f" % (row["vmdk_bytes"] / MB), _f(a["mbps"]), _f(a.get("mbps_corrected")),
                     _f(b["mbps"]), _f(b.get("mbps_corrected")), _f(c["mbps"]), _f(row["ratio_a_c"], "%.2f"),
                     _f(row["ratio_a_b"], "%.2f"), _f(row["ratio_a_c_raw"], "%.2f"), _f(row["ratio_a_b_raw"], "%.2f"),
                     _f(a["rss_mb_peak"]), _f(b["rss_mb_peak"]), _f(c["rss_mb_peak"])])
    return head, rows


def cpu_table(summary):
    head = ["case", "a CPU s/GB", "b CPU s/GB", "curl CPU s/GB", "vcsim s/GB (a)", "vcsim s/GB (b)",
            "vcsim s/GB (c)", "others cores a/b/c"]
    rows = []
    for label, row in summary["cases"].items():
        rows.append([label] + [_f(row[v].get("cpu_s_per_gb"), "%.2f") for v in VARIANTS] +
                    [_f(row[v].get("vcsim_cpu_s_per_gb"), "%.2f") for v in VARIANTS] +
                    ["/".join(_f(row[v].get("others_cores"), "%.2f") for v in VARIANTS)])
    return head, rows


def spread_table(summary):
    head = ["case"] + ["%s raw MB/s min-max (n)" % v for v in VARIANTS]
    rows = []
    for label, row in summary["cases"].items():
        cells = [label]
        for variant in VARIANTS:
            spread = row[variant].get("mbps_min_max")
            cells.append("%s-%s (%d)" % (spread[0], spread[1], row[variant]["n"]) if spread else "n/a")
        rows.append(cells)
    return head, rows


def markdown(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _h in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def plain(head, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = "  ".join("%%-%ds" % w if i == 0 else "%%%ds" % w for i, w in enumerate(widths))
    return "\n".join([fmt % tuple(head)] + [fmt % tuple(r) for r in rows])


def overhead_lines(summary):
    ovh = summary["overhead_s"]
    return ["fixed overhead (median module process wall time for the %s OVA): a %s s, b %s s"
            % (TINY[1], _f(ovh.get("a"), "%.2f"), _f(ovh.get("b"), "%.2f"))]


def write_markdown(path, doc, head, rows):
    s = doc["summary"]
    lines = ["# ovf_upload benchmark", "",
             "Date: %s; machine: %s; vcsim `%s` (%s); repetitions: %d (median); MB = 10^6 bytes." % (
                 doc["date"], doc["machine"]["summary"], doc["vcsim"]["name"], doc["vcsim"]["url"],
                 s["repetitions"]), "",
             markdown(head, rows), ""]
    lines += ["- " + line for line in overhead_lines(s)]
    lines += ["", "CPU per GB uploaded (client process; vcsim server), fixed overhead removed; "
              "CPU other processes used meanwhile (median, cores):", "", markdown(*cpu_table(s)),
              "", "Spread of the raw samples:", "", markdown(*spread_table(s))]
    lines += ["", "| target | value | result |", "|---|---|---|"]
    lines += ["| %s | %s | %s |" % (t["name"], t["shown"], t["status"]) for t in s["targets"]]
    lines += ["", "Versions: `%s`" % json.dumps(doc["versions"], sort_keys=True), ""]
    if doc["errors"]:
        lines += ["Errors:", ""] + ["- %s" % e for e in doc["errors"]] + [""]
    with open(path, "w") as handle:
        handle.write("\n".join(lines))


def machine():
    mem = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpus": os.cpu_count(), "cpu_model": model, "mem_gib": round(mem / 2 ** 30, 1),
            "kernel": platform.release(),
            "summary": "%d CPUs (%s), %.0f GiB, Linux %s" % (os.cpu_count(), model, mem / 2 ** 30, platform.release())}


# --- main -------------------------------------------------------------------------------------
def describe(sample):
    if "error" in sample:
        return sample["error"]
    text = "%.2f s, %.1f MB/s, RSS %.1f MB, others %.2f cores" % (
        sample["wall_s"], sample["mbps"], sample["rss_mb"], sample.get("others_cores") or 0)
    if sample.get("disturbed_attempts"):
        text += " (re-measured, discarded: %s)" % sample["disturbed_attempts"]
    return text


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions per case and variant (median; >= 2)")
    parser.add_argument("--retries", type=int, default=2,
                        help="re-measure a sample up to this many times while other processes disturb it")
    parser.add_argument("--max-others", type=float, default=0.3,
                        help="CPU cores other processes may use during a sample before it is re-measured")
    parser.add_argument("--quiet-wait", type=float, default=60,
                        help="seconds to wait before each sample for the machine to be that quiet (then run anyway)")
    parser.add_argument("--vcsim", default="bench", help="lab vcsim instance (default bench)")
    parser.add_argument("--address", default=None,
                        help="IP:PORT when the instance must be started (default 127.0.9.1:443 for bench; "
                             "community.vmware can only upload to port 443, see README)")
    parser.add_argument("--cases", default=",".join(c[0] for c in CASES), help="subset of %s" % [c[0] for c in CASES])
    parser.add_argument("--variants", default="a,b,c", help="subset of a,b,c")
    parser.add_argument("--keep-lab", action="store_true", help="leave a vcsim instance started by this run running")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per module run")
    args = parser.parse_args(argv)
    if args.reps < 2:
        parser.error("--reps must be 2 or more")
    if args.address is None and args.vcsim == "bench":
        args.address = "127.0.9.1:443"
    args.cases = [c for c in CASES if c[0] in args.cases.split(",")]
    args.variants = [v for v in VARIANTS if v in args.variants.split(",")]
    return args


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(WORK, exist_ok=True)
    errors = []
    ensure_venv()
    ensure_collection()
    state, started = benchlib.ensure_vcsim(args.vcsim, args.address)
    log("vcsim %s at %s (%s)" % (args.vcsim, state["url"], "started" if started else "already running"))
    try:
        ovas = {}
        for label, disks in [TINY] + args.cases:
            ovas[label] = make_ova(label, disks)
        disk_paths = {}
        for label, ova in ovas.items():
            disk_paths[ova.path] = ova.extract_disks(os.path.join(OVA_DIR, "bench-%s.disks" % label.lower()))
        bench = Bench(state, ovas, disk_paths, args.timeout, args.retries, args.max_others, args.quiet_wait)
        results = {}
        modules = [v for v in args.variants if v in ("a", "b")]
        log("warm-up (not measured): %s on the tiny OVA" % ", ".join(modules))
        for variant in modules:
            bench.measure(variant, ovas["tiny"])
        for label, disks in ([TINY] if modules else []) + args.cases:
            ova = ovas[label]
            variants = modules if label == "tiny" else args.variants
            case = results[label] = {"disks": disks, "vmdk_bytes": ova.vmdk_bytes, "ova": os.path.relpath(ova.path, ROOT),
                                     "samples": dict((v, []) for v in variants)}
            # The fixed overhead is subtracted from every case: measure it twice as often.
            for rep in range(args.reps * 2 if label == "tiny" else args.reps):
                order = variants[rep % len(variants):] + variants[:rep % len(variants)]
                for variant in order:
                    try:
                        sample = bench.measure(variant, ova)
                    except Exception as exc:  # pylint: disable=broad-except
                        # recorded and reported (exit 1); the other samples still run
                        text = str(exc) if isinstance(exc, BenchError) else "%s: %s" % (type(exc).__name__, exc)
                        sample = {"error": text}
                        errors.append("%s/%s rep %d: %s" % (label, variant, rep + 1, text))
                    case["samples"][variant].append(sample)
                    log("%-6s %s rep %d: %s" % (label, variant, rep + 1, describe(sample)))
    finally:
        if started and not args.keep_lab:
            benchlib.stop_vcsim(args.vcsim)
    if "tiny" not in results:
        results["tiny"] = {"samples": {}}
    for variant in VARIANTS:
        for label, _disks in args.cases:
            results[label]["samples"].setdefault(variant, [])
    summary = summarise(results, args.reps)
    versions = {"main": main_versions(), "community_venv": venv_versions()}
    doc = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
           "vcsim": {"name": args.vcsim, "url": state["url"]}, "versions": versions,
           "variants": LABELS, "results": results, "summary": summary, "errors": errors}
    head, rows = table(summary)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "ovf_upload.json"), "w") as handle:
        json.dump(doc, handle, indent=1, sort_keys=True)
    write_markdown(os.path.join(RESULTS, "ovf_upload.md"), doc, head, rows)
    print()
    print(plain(head, rows))
    print()
    for line in overhead_lines(summary):
        print(line)
    print()
    print(plain(*cpu_table(summary)))
    print()
    for target in summary["targets"]:
        print("%-4s  %-55s %s" % (target["status"], target["name"], target["shown"]))
    print("\nresults: %s, %s" % (os.path.relpath(os.path.join(RESULTS, "ovf_upload.json"), ROOT),
                                 os.path.relpath(os.path.join(RESULTS, "ovf_upload.md"), ROOT)))
    for error in errors:
        print("ERROR: %s" % error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print("ERROR: %s" % exc, file=sys.stderr)
        sys.exit(2)
