# -*- coding: utf-8 -*-
"""Migration wave benchmark: 50 VMs through vcda_migration_wave vs the same 50 through vcda_replication in a loop,
vs one VM alone, against the lab (VCDA emulators with the replication engine, tenant vcsim, lab vCD).

    python3 benchmarks/migration_wave/run.py [--vms 50] [--disk-mb 512] [--skip-setup] [--out FILE]

Needs the lab running (``make lab-up``; run it in a private network namespace). Steps: the lab is prepared by the
integration role ``setup_replication`` (sites, pairing, policy, onprem1, company-network), ``lab/tenant_vms.py``
creates the source VMs, then each scenario runs as one ansible-playbook process: wall time of that process, the API
requests site1's cloud appliance logged (``/_lab/requests``: total, replication list requests, task requests),
polls and list requests per poll (the wave reports its polls), and the peak RSS of the largest process
(``RUSAGE_CHILDREN`` ru_maxrss). Prints a Markdown table and writes JSON next to it.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import requests
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUN = os.path.join(ROOT, "lab", "run")
OUT = os.path.join(ROOT, "tests", "output")
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
    data = {"lab_root": ROOT, "lab_output": OUT, "vcda_lab": lab()}
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


def run_playbook(path, variables):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(OUT, "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_ROLES_PATH="%s:%s" % (os.path.join(ROOT, "tests", "integration", "targets"),
                                             os.path.join(ROOT, "roles")),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    start = time.monotonic()
    result = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", path, "-e", "@" + variables],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-5000:] + result.stderr[-2000:])
        raise SystemExit("playbook %s failed" % path)
    return elapsed, result.stdout


def site1(facts):
    return next(a for a in facts["appliances"] if a["name"] == "site1-cloud")


def control(facts, method, path, body=None):
    app = site1(facts)
    response = requests.request(method, app["url"] + path, json=body, headers={"X-Lab-Token": facts["labToken"]},
                                verify=False, timeout=60)  # lab control endpoint (loopback, lab token)
    response.raise_for_status()
    return response.json() if response.content else None


def requests_logged(facts):
    seen, since = [], 0
    while True:
        page = control(facts, "GET", "/_lab/requests?since=%d" % since) or {}
        items = page.get("items") if isinstance(page, dict) else page
        if not items:
            return seen
        seen.extend(items)
        since = max(i.get("seq", 0) for i in items)


def scenario(facts, variables, name, tasks, polls_from=None):
    control(facts, "DELETE", "/_lab/requests")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    elapsed, stdout = run_playbook(playbook(tasks), variables)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    log = requests_logged(facts)
    lists = [r for r in log if r.get("method") == "GET" and r.get("path") in ("/vm-replications", "/vapp-replications")]
    tasks_ = [r for r in log if r.get("method") == "GET" and str(r.get("path", "")).startswith("/tasks")]
    polls = None
    marker = "POLLS="
    for line in stdout.splitlines():
        if marker in line:
            polls = int(line.split(marker)[1].split('"')[0].split()[0])
    row = {"scenario": name, "wall_s": round(elapsed, 1), "requests": len(log), "list_requests": len(lists),
           "task_requests": len(tasks_), "polls": polls,
           "list_per_poll": round(len(lists) / polls, 2) if polls else None,
           "peak_rss_mb": round(max(rss, before) / 1024.0, 1)}
    print(json.dumps(row), flush=True)
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vms", type=int, default=50)
    parser.add_argument("--disk-mb", type=int, default=512)
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--out", default=os.path.join(OUT, "benchmark-migration-wave.json"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["make", "-s", "collection"], cwd=ROOT, check=True)
    requests.packages.urllib3.disable_warnings()
    variables = lab_vars()
    facts = lab()
    wave = ["bench-w-%02d" % i for i in range(args.vms)]
    loop = ["bench-l-%02d" % i for i in range(args.vms)]
    one = ["bench-one-00"]
    if not args.skip_setup:
        run_playbook(playbook("", setup=True), variables)
    subprocess.run([sys.executable, "lab/tenant_vms.py", "ensure"] + wave + loop + one + ["--disk-mb", str(args.disk_mb)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    # lab clock: an initial sync of disk-mb at 1 Gbit/s on a compressed clock; no extra cutover delay
    control(facts, "PUT", "/_lab/replications/settings", {"clockRate": 60, "cutoverDelaySeconds": 0,
                                                          "bandwidthMbps": {"onprem1": 1000}})
    rows = []
    module = "cloudmove.vcda.vcda_replication"
    rows.append(scenario(facts, variables, "one VM (vcda_replication)", """
    - name: One VM
      %s: {vms: %s, state: migrated}
      module_defaults: &d
        %s:%s
      register: one
    - {name: Polls, ansible.builtin.debug: {msg: "POLLS={{ one.polls }}"}}
""" % (module, json.dumps(one), module, WAVE_DEFAULTS.replace("\n      ", "\n          "))))
    rows.append(scenario(facts, variables, "%d VMs, vcda_migration_wave" % args.vms, """
    - name: The wave
      cloudmove.vcda.vcda_migration_wave: {vms: %s, state: migrated}
      module_defaults:
        cloudmove.vcda.vcda_migration_wave:%s
      register: wave
    - {name: Polls, ansible.builtin.debug: {msg: "POLLS={{ wave.polls }}"}}
""" % (json.dumps(wave), WAVE_DEFAULTS.replace("\n      ", "\n          "))))
    rows.append(scenario(facts, variables, "%d VMs, vcda_replication in a loop" % args.vms, """
    - name: One task per VM
      %s: {vms: ["{{ item }}"], state: migrated}
      loop: %s
      module_defaults:
        %s:%s
""" % (module, json.dumps(loop), module, WAVE_DEFAULTS.replace("\n      ", "\n          "))))
    with open(args.out, "w") as handle:
        json.dump({"vms": args.vms, "disk_mb": args.disk_mb, "rows": rows}, handle, indent=1)
    print("\n| scenario | wall s | API requests | list requests | task requests | polls | lists/poll | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = (r["scenario"], r["wall_s"], r["requests"], r["list_requests"], r["task_requests"], r["polls"] or "-",
                 r["list_per_poll"] or "-", r["peak_rss_mb"])
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % cells)
    ratio = rows[1]["wall_s"] / rows[0]["wall_s"] if rows[0]["wall_s"] else None
    print("\nwave / one VM = %.2fx (target 1.5x)" % ratio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
