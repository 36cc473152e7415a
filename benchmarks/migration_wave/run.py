# -*- coding: utf-8 -*-
"""Migration wave benchmark: 50 VMs through vcda_migration_wave vs the same 50 through vcda_replication in a loop,
vs one VM alone, against the lab (VCDA emulators with the replication engine, tenant vcsim, lab vCD).

    python3 benchmarks/migration_wave/run.py [--vms 50] [--disk-mb 512] [--one-reps 3] [--skip-setup] [--out FILE]

Needs the lab running (``make lab-up``; run it in a private network namespace). Steps: the lab is prepared by the
integration role ``setup_replication`` (sites, pairing, policy, onprem1, company-network), ``lab/tenant_vms.py``
creates the source VMs (powered on), then each scenario runs as one ansible-playbook process, measured on its own:

* wall time of that process;
* the API requests site1's cloud appliance served while it ran: a thread drains ``/_lab/requests?since=N`` every
  0.5 s (the lab keeps only the last 2000), and they are split into replication list requests (``GET
  /vm-replications``, ``/vapp-replications``, by ``?site=``), task requests and the rest;
* polls: what the modules return (``polls``, summed over the loop's items) - lists per poll = list requests / polls,
  so the few lists outside the waits (finding existing replications before creating) are counted in;
* peak RSS: ``ru_maxrss`` that ``os.wait4`` returns for this ansible-playbook process alone (the largest single
  process of its tree: controller, forked workers, module processes) and the peak of the summed RSS of the whole
  tree, sampled from ``/proc`` every 0.1 s; CPU seconds (user + system) of the tree from the same ``wait4``.

Prints a Markdown table and writes JSON next to it.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time

import requests
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.append(ROOT)
from lab import proctree  # noqa: E402  pylint: disable=wrong-import-position
RUN = os.path.join(ROOT, "lab", "run")
OUT = os.path.join(ROOT, "tests", "output")
LIST_PATHS = ("/vm-replications", "/vapp-replications")
WAVE_DEFAULTS = """
      url: "{{ repl_tenant.url }}"
      thumbprint: "{{ repl_tenant.thumbprint }}"
      auth_type: vcd
      username: admin1@org1
      password: Org1-Admin-1!
      source_site: onprem1
      source_vcenter: "{{ repl_vcenter }}"
      destination_site: site1
      vdc: org1-vdc
      network_mappings: [{source: DC0_DVPG0, destination: company-network}]
      rpo: 15
      wait_timeout: 1800
"""


def lab():
    with open(os.path.join(RUN, "emulators.json")) as handle:
        return json.load(handle)


def lab_vars():
    data = {"run_on_lab": True, "lab_root": ROOT, "lab_output": OUT, "vcda_lab": lab()}  # the lab switch of the targets
    for name in ("provider", "tenant"):
        with open(os.path.join(RUN, "vcsim-%s.json" % name)) as handle:
            data["vcsim_%s" % name] = json.load(handle)
    path = os.path.join(OUT, "lab-vars-bench.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(data, handle)
    return path


def playbook(tasks, setup=False):
    roles = "  roles:\n    - setup_replication\n" if setup else ""
    text = ("- hosts: localhost\n  gather_facts: false\n%s  tasks:\n"
            "    - {name: Lab facts, ansible.builtin.import_role: {name: setup_vcda}}\n"
            "    - {name: Facts, ansible.builtin.include_role: {name: setup_replication, tasks_from: facts}}\n%s"
            % (roles, tasks))
    handle, path = tempfile.mkstemp(prefix="bench-", suffix=".yml", dir=OUT)
    with os.fdopen(handle, "w") as out:
        out.write(text)
    return path


def _rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root):
    """Summed resident set of ``root`` and all its descendants, now."""
    return sum(_rss_kb(pid) for pid in proctree.descendants(root))


def run_playbook(path, variables):
    """Run ansible-playbook as a child of this process; wall time, ``wait4`` rusage of its tree, sampled tree RSS."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(OUT, "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_ROLES_PATH="%s:%s" % (os.path.join(ROOT, "tests", "integration", "targets"),
                                             os.path.join(ROOT, "roles")),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen(["ansible-playbook", "-i", "localhost,", "-c", "local", path, "-e", "@" + variables],
                                cwd=ROOT, env=env, stdout=out, stderr=err)
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss_kb(proc.pid))
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.stderr.write(stdout[-5000:] + stderr[-2000:])
        raise SystemExit("playbook %s failed" % path)
    return {"wall_s": elapsed, "stdout": stdout, "maxrss_kb": usage.ru_maxrss, "tree_peak_kb": peak[0],
            "cpu_s": usage.ru_utime + usage.ru_stime}


def site1(facts):
    return next(a for a in facts["appliances"] if a["name"] == "site1-cloud")


def control(facts, method, path, body=None):
    app = site1(facts)
    response = requests.request(method, app["url"] + path, json=body, headers={"X-Lab-Token": facts["labToken"]},
                                verify=False, timeout=60)  # lab control endpoint (loopback, lab token)
    response.raise_for_status()
    return response.json() if response.content else None


class RequestTap(object):
    """Drains site1's request log while a scenario runs (the lab keeps only its last 2000 entries)."""

    def __init__(self, facts):
        self.facts = facts
        self.seen = []
        self.since = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def drain(self):
        page = control(self.facts, "GET", "/_lab/requests?since=%d" % self.since) or {}
        items = [i for i in page.get("items") or [] if not str(i.get("path", "")).startswith("/_lab")]
        self.seen.extend(items)
        if page.get("items"):
            self.since = max(i.get("seq", 0) for i in page["items"])

    def loop(self):
        while not self.stop.wait(0.5):
            self.drain()

    def __enter__(self):
        control(self.facts, "DELETE", "/_lab/requests")
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.drain()


def polls_in(stdout):
    marker = "POLLS="
    for line in stdout.splitlines():
        if marker in line:
            return int(line.split(marker)[1].split('"')[0].split()[0])
    return None


def category(entry):
    method, path = entry.get("method"), str(entry.get("path", ""))
    if path.startswith("/sessions"):
        return "sessions"
    if method == "GET" and path in LIST_PATHS:
        return "replication lists"
    if method == "POST" and path in LIST_PATHS:
        return "creates"
    if method == "POST" and path.startswith(LIST_PATHS):
        return "operations (%s)" % path.rsplit("/", 1)[-1]
    if path.startswith("/tasks"):
        return "tasks"
    if path.startswith("/inventory"):
        return "inventory"
    if path.startswith("/policies"):
        return "policies"
    return "other"


def phases(log, started):
    """Per request category: count, seconds from the process start to its first and last request, and the
    seconds the site spent serving them (summed)."""
    out = {}
    for entry in log:
        row = out.setdefault(category(entry), {"count": 0, "first_s": None, "last_s": None, "served_s": 0.0})
        at = float(entry.get("time") or 0) - started
        row["count"] += 1
        row["first_s"] = round(at, 2) if row["first_s"] is None else min(row["first_s"], round(at, 2))
        row["last_s"] = round(at, 2) if row["last_s"] is None else max(row["last_s"], round(at, 2))
        row["served_s"] = round(row["served_s"] + (entry.get("durationMs") or 0) / 1000.0, 2)
    return out


def wait_lists(log):
    """Replication list requests between the last create and the first cutover request of a run: the sync wait
    (the polls) plus the re-reads after the create step and after the wait (3 for one run, whatever its size);
    None for a loop (many runs)."""
    creates = [float(e["time"]) for e in log if category(e) == "creates"]
    cutovers = [float(e["time"]) for e in log if category(e) == "operations (migrate)"]
    if not creates or not cutovers or min(cutovers) < max(creates):
        return None
    return sum(1 for e in log if category(e) == "replication lists" and max(creates) < float(e["time"]) < min(cutovers))


def scenario(facts, variables, name, vms, tasks):
    with RequestTap(facts) as tap:
        started = time.time()
        run = run_playbook(playbook(tasks), variables)
    log = tap.seen
    lists = [r for r in log if r.get("method") == "GET" and r.get("path") in LIST_PATHS]
    by_site = {}
    for r in lists:
        site = ((r.get("query") or {}).get("site") or ["(local)"])[0]
        by_site[site] = by_site.get(site, 0) + 1
    task_requests = [r for r in log if r.get("method") == "GET" and str(r.get("path", "")).startswith("/tasks")]
    polls = polls_in(run["stdout"])
    row = {"scenario": name, "vms": vms, "wall_s": round(run["wall_s"], 1), "requests": len(log),
           "list_requests": len(lists), "lists_by_site": by_site, "task_requests": len(task_requests), "polls": polls,
           "lists_per_poll": round(len(lists) / float(polls), 2) if polls else None,
           "requests_per_poll": round(len(log) / float(polls), 1) if polls else None,
           "maxrss_mb": round(run["maxrss_kb"] / 1024.0, 1), "tree_peak_mb": round(run["tree_peak_kb"] / 1024.0, 1),
           "cpu_s": round(run["cpu_s"], 1), "phases": phases(log, started), "wait_lists": wait_lists(log)}
    print(json.dumps(row), flush=True)
    return row


def one_vm_tasks(vm):
    module = "cloudmove.vcda.vcda_replication"
    return """
    - name: One VM
      %s: {vms: %s, state: migrated}
      module_defaults:
        %s:%s
      register: one
    - {name: Polls, ansible.builtin.debug: {msg: "POLLS={{ one.polls }}"}}
""" % (module, json.dumps([vm]), module, WAVE_DEFAULTS.replace("\n      ", "\n          "))


def wave_tasks(vms):
    return """
    - name: The wave
      cloudmove.vcda.vcda_migration_wave: {vms: %s, state: migrated}
      module_defaults:
        cloudmove.vcda.vcda_migration_wave:%s
      register: wave
    - {name: Polls, ansible.builtin.debug: {msg: "POLLS={{ wave.polls }}"}}
""" % (json.dumps(vms), WAVE_DEFAULTS.replace("\n      ", "\n          "))


def loop_tasks(vms):
    module = "cloudmove.vcda.vcda_replication"
    return """
    - name: One task per VM
      %s: {vms: ["{{ item }}"], state: migrated}
      loop: %s
      module_defaults:
        %s:%s
      register: looped
    - {name: Polls, ansible.builtin.debug: {msg: "POLLS={{ looped.results | map(attribute='polls') | sum }}"}}
""" % (module, json.dumps(vms), module, WAVE_DEFAULTS.replace("\n      ", "\n          "))


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def table(rows):
    lines = ["| scenario | wall s | API requests | list requests (by site) | task requests | polls | lists/poll | "
             "requests/poll | lists in the sync wait | peak RSS MB (largest process) | peak RSS MB (process tree) | CPU s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        sites = ", ".join("%s %d" % kv for kv in sorted(r["lists_by_site"].items()))
        lines.append("| %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["scenario"], r["wall_s"], r["requests"], r["list_requests"], sites or "-", r["task_requests"],
            r["polls"] if r["polls"] is not None else "-", r["lists_per_poll"] if r["lists_per_poll"] is not None else "-",
            r["requests_per_poll"] if r["requests_per_poll"] is not None else "-",
            r["wait_lists"] if r.get("wait_lists") is not None else "-", r["maxrss_mb"], r["tree_peak_mb"], r["cpu_s"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vms", type=int, default=50)
    parser.add_argument("--disk-mb", type=int, default=512)
    parser.add_argument("--one-reps", type=int, default=3, help="runs of the one-VM scenario (median reported)")
    parser.add_argument("--clock-rate", type=float, default=60.0)
    parser.add_argument("--bandwidth-mbps", type=float, default=1000.0)
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--only", choices=["one", "wave", "loop"], action="append",
                        help="run only these scenarios (repeatable; for looking into one, no ratios)")
    parser.add_argument("--out", default=os.path.join(OUT, "benchmark-migration-wave.json"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["make", "-s", "collection"], cwd=ROOT, check=True)
    requests.packages.urllib3.disable_warnings()
    variables = lab_vars()
    facts = lab()
    wave = ["bench-w-%02d" % i for i in range(args.vms)]
    loop = ["bench-l-%02d" % i for i in range(args.vms)]
    ones = ["bench-one-%02d" % i for i in range(args.one_reps)]
    if not args.skip_setup:
        run_playbook(playbook("", setup=True), variables)
    names = wave + loop + ones
    for action in (["ensure"] + names + ["--disk-mb", str(args.disk_mb)], ["power"] + names + ["--power", "on"]):
        subprocess.run([sys.executable, "lab/tenant_vms.py", "--vcsim", os.path.join(RUN, "vcsim-tenant.json")] + action,
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    # lab clock: an initial sync of disk-mb at the lab bandwidth on a compressed clock; no extra cutover delay
    control(facts, "PUT", "/_lab/replications/settings", {"clockRate": args.clock_rate, "cutoverDelaySeconds": 0,
                                                          "bandwidthMbps": {"onprem1": args.bandwidth_mbps}})
    settings = control(facts, "GET", "/_lab/replications/settings")
    started = datetime.datetime.now(datetime.timezone.utc)
    if args.only:
        chosen = {"one": lambda: scenario(facts, variables, "one VM, vcda_replication", 1, one_vm_tasks(ones[0])),
                  "wave": lambda: scenario(facts, variables, "%d VMs, vcda_migration_wave" % args.vms, args.vms,
                                           wave_tasks(wave)),
                  "loop": lambda: scenario(facts, variables, "%d VMs, vcda_replication in a loop" % args.vms, args.vms,
                                           loop_tasks(loop))}
        rows = [chosen[name]() for name in args.only]
        if args.only[:2] == ["one", "wave"]:
            print("wave / one VM wall time = %.2fx" % (rows[1]["wall_s"] / rows[0]["wall_s"]))
        with open(args.out, "w") as handle:
            json.dump({"date": started.strftime("%Y-%m-%d %H:%M UTC"), "rows": rows}, handle, indent=1)
        print("\n" + table(rows))
        return 0
    one_runs = [scenario(facts, variables, "one VM, vcda_replication", 1, one_vm_tasks(vm)) for vm in ones]
    one = dict(sorted(one_runs, key=lambda r: r["wall_s"])[len(one_runs) // 2])
    one["scenario"] = "one VM, vcda_replication (median of %d: %s s)" % (len(one_runs), " / ".join(
        str(r["wall_s"]) for r in one_runs))
    rows = [one,
            scenario(facts, variables, "%d VMs, vcda_migration_wave" % args.vms, args.vms, wave_tasks(wave)),
            scenario(facts, variables, "%d VMs, vcda_replication in a loop" % args.vms, args.vms, loop_tasks(loop))]
    ratios = {"wave_over_one_wall": round(rows[1]["wall_s"] / rows[0]["wall_s"], 2),
              "loop_over_one_wall": round(rows[2]["wall_s"] / rows[0]["wall_s"], 2),
              "loop_over_wave_wall": round(rows[2]["wall_s"] / rows[1]["wall_s"], 2),
              "loop_over_wave_requests": round(rows[2]["requests"] / float(rows[1]["requests"]), 2),
              "wave_over_one_requests": round(rows[1]["requests"] / float(rows[0]["requests"]), 2),
              "wave_over_one_tree_rss": round(rows[1]["tree_peak_mb"] / rows[0]["tree_peak_mb"], 2),
              "loop_over_one_tree_rss": round(rows[2]["tree_peak_mb"] / rows[0]["tree_peak_mb"], 2),
              "wave_over_one_maxrss": round(rows[1]["maxrss_mb"] / rows[0]["maxrss_mb"], 2)}
    result = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "vms": args.vms, "disk_mb": args.disk_mb,
              "lab_settings": {k: settings.get(k) for k in ("clockRate", "bandwidthMbps", "defaultBandwidthMbps",
                                                            "guestShutdownSeconds", "recoverySeconds",
                                                            "cutoverDelaySeconds")},
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_at_start": os.getloadavg()},
              "one_vm_runs": one_runs, "rows": rows, "ratios": ratios}
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1)
    print("\n" + table(rows))
    print("\nratios: " + ", ".join("%s %.2f" % kv for kv in sorted(ratios.items())))
    print("wave / one VM wall time = %.2fx (target <= 1.5x); wave lists/poll = %s (target 1 per site)" % (
        ratios["wave_over_one_wall"], rows[1]["lists_per_poll"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
