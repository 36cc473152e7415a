# -*- coding: utf-8 -*-
"""Replication report benchmark: the summary of thousands of replications with vcda_replication_info (one request per
page) against what a user would otherwise do (one GET per replication, and one for its instances).

    python3 benchmarks/replication_report/run.py [--counts 1000,2500,5000] [--page-sizes 100,1000]
                                                 [--naive-count 5000] [--naive-sample 250] [--uri-loop 40]
                                                 [--skip-setup]

Needs the lab running (``make lab-up``; run it in a private network namespace). Steps: site1 and site2 configured
fresh by the integration role ``setup_vcda_sites``; for each count, the lab's replications are replaced by that many
synthetic ones (``POST /_lab/replications/seed``: 60 % org1, 40 % org2, protections and migrations, some paused,
late, in error) and the lab clock is frozen, then:

* **module**: one ansible-playbook process runs ``vcda_replication_info`` (``output: [summary]``, logged in as the
  vCD system administrator) at each page size. Measured: the playbook's wall time, the module process's wall time and
  peak RSS (``ru_maxrss`` through ``benchmarks/ovf_upload/rss_probe.py`` as the interpreter), the list requests the
  site logged (``/_lab/requests``), and the summary's VM count (must equal the count seeded);
* **naive** (Python, ``requests``, one session): list the ids page by page (measured in full), then
  ``GET /vm-replications/{id}`` and ``GET /vm-replications/{id}/instances`` for ``--naive-sample`` of them - the least
  a per-VM report costs; the per-replication time is extrapolated to the count;
* **uri loop** (Ansible): a playbook looping ``ansible.builtin.uri`` over the first ``--uri-loop`` ids, one GET each,
  as a user without the module would write it; its per-item time (minus a one-item run) is extrapolated to the count.

Prints a Markdown table and writes ``tests/output/benchmark-replication-report.json``.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import requests
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUN = os.path.join(ROOT, "lab", "run")
OUT = os.path.join(ROOT, "tests", "output")
PROBE = os.path.join(ROOT, "benchmarks", "ovf_upload", "rss_probe.py")
SYSTEM = ("administrator@System", "VMware1!")  # the lab vCD's system administrator (lab/config/lab.yml)


def lab():
    with open(os.path.join(RUN, "emulators.json")) as handle:
        return json.load(handle)


def app(facts, name):
    return next(a for a in facts["appliances"] if a["name"] == name)


def control(facts, method, path, body=None, name="site1-cloud"):
    response = requests.request(method, app(facts, name)["url"] + path, json=body, verify=False, timeout=300,
                                headers={"X-Lab-Token": facts["labToken"]})  # lab control endpoint (loopback, token)
    response.raise_for_status()
    return response.json() if response.content else None


def env():
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(OUT, "collections"), ANSIBLE_NOCOLOR="1",
                ANSIBLE_ROLES_PATH="%s:%s" % (os.path.join(ROOT, "tests", "integration", "targets"),
                                              os.path.join(ROOT, "roles")),
                ANSIBLE_PYTHON_INTERPRETER=sys.executable)


def playbook(text, variables=None):
    handle, path = tempfile.mkstemp(prefix="bench-report-", suffix=".yml", dir=OUT)
    with os.fdopen(handle, "w") as out:
        out.write(text)
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", path]
    if variables:
        cmd += ["-e", "@" + variables]
    start = time.monotonic()
    result = subprocess.run(cmd, cwd=ROOT, env=env(), capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    os.unlink(path)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-5000:] + result.stderr[-2000:])
        raise SystemExit("playbook failed")
    return elapsed, result.stdout


def setup(facts):
    data = {"run_on_lab": True, "lab_root": ROOT, "lab_output": OUT, "vcda_lab": facts}
    for name in ("provider", "tenant"):
        with open(os.path.join(RUN, "vcsim-%s.json" % name)) as handle:
            data["vcsim_%s" % name] = json.load(handle)
    path = os.path.join(OUT, "lab-vars-bench-report.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(data, handle)
    playbook("- hosts: localhost\n  gather_facts: false\n  roles:\n    - setup_vcda_sites\n", path)


def seed(facts, count):
    control(facts, "DELETE", "/_lab/replications")
    control(facts, "PUT", "/_lab/replications/settings", {"clockRate": 60.0, "bandwidthMbps": {}})
    started = time.monotonic()
    org1 = int(count * 0.6)
    for org, number, rng in (("org1", org1, 1), ("org2", count - org1, 2)):
        body = {"count": number, "org": org, "prefix": "%s-bench-" % org, "seed": rng, "migrationShare": 0.3,
                "pausedShare": 0.05, "errorShare": 0.02, "completedShare": 0.1}
        assert control(facts, "POST", "/_lab/replications/seed", body)["created"] == number
    control(facts, "PUT", "/_lab/replications/settings", {"clockRate": 0.001})  # frozen while measured
    return round(time.monotonic() - started, 2)


def probe_shim(log):
    handle, path = tempfile.mkstemp(prefix="bench-python-", suffix=".sh", dir=OUT)
    with os.fdopen(handle, "w") as out:
        words = (sys.executable, PROBE, os.path.realpath(sys.executable), log)
        out.write("#!/bin/sh\nexec %s \"$@\"\n" % " ".join(shlex.quote(w) for w in words))
    os.chmod(path, 0o755)
    return path


def module_run(facts, count, page_size):
    cloud = app(facts, "site1-cloud")
    log = os.path.join(OUT, "bench-report-probe.jsonl")
    if os.path.exists(log):
        os.unlink(log)
    shim = probe_shim(log)
    text = yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "vars": {"ansible_python_interpreter": shim},
                            "tasks": [{"name": "summary", "cloudmove.vcda.vcda_replication_info": {
                                "url": cloud["url"], "thumbprint": cloud["thumbprint"], "auth_type": "vcd",
                                "username": SYSTEM[0], "password": SYSTEM[1], "output": ["summary"],
                                "page_size": page_size}, "register": "out"},
                                {"name": "figures", "ansible.builtin.copy": {
                                    "content": "{{ {'vms': out.summary.totals.vms, 'pages': out.pages} | to_json }}",
                                    "dest": log + ".figures", "mode": "0600"}}]}])
    control(facts, "DELETE", "/_lab/requests")
    elapsed, _stdout = playbook(text)
    os.unlink(shim)
    with open(log + ".figures") as handle:
        figures = json.load(handle)
    with open(log) as handle:
        probes = [json.loads(line) for line in handle if line.strip()]
    module = max((p for p in probes if p.get("script") and "vcda_replication_info" in p["script"]),
                 key=lambda p: p["wall_s"])
    logged = logged_requests(facts)
    lists = [r for r in logged if r.get("method") == "GET" and r.get("path") in ("/vm-replications", "/vapp-replications")]
    row = {"scenario": "module", "count": count, "page_size": page_size, "vms_in_summary": figures["vms"],
           "pages": figures["pages"], "list_requests": len(lists), "requests": len(logged),
           "playbook_wall_s": round(elapsed, 2), "module_wall_s": module["wall_s"],
           "module_peak_rss_mb": round(module["maxrss_kib"] / 1024.0, 1)}
    assert row["vms_in_summary"] == count, row
    print(json.dumps(row), flush=True)
    return row


def logged_requests(facts):
    seen, since = [], 0
    while True:
        page = control(facts, "GET", "/_lab/requests?since=%d" % since) or {}
        items = page.get("items") if isinstance(page, dict) else page
        if not items:
            return seen
        seen.extend(items)
        since = max(i.get("seq", 0) for i in items)


def naive_run(facts, count, sample):
    """List every id page by page (measured), then GET each of ``sample`` replications and its instances; the
    per-replication cost is extrapolated to ``count``."""
    cloud = app(facts, "site1-cloud")
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    start = time.monotonic()
    login = {"type": "vcdCredentials", "vcdUser": SYSTEM[0], "vcdPassword": SYSTEM[1]}
    reply = session.post(cloud["url"] + "/sessions", json=login, verify=False, timeout=60)
    reply.raise_for_status()
    session.headers["X-VCAV-Auth"] = reply.headers["X-VCAV-Auth"]
    ids, offset, pages = [], 0, 0
    while True:
        page = session.get(cloud["url"] + "/vm-replications", params={"offset": offset, "limit": 100}, verify=False,
                           timeout=60).json()
        pages += 1
        ids.extend(i["id"] for i in page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    listed = time.monotonic()
    storage = 0
    for rid in ids[:sample]:
        item = session.get(cloud["url"] + "/vm-replications/" + rid, verify=False, timeout=60).json()
        session.get(cloud["url"] + "/vm-replications/%s/instances" % rid, verify=False, timeout=60).json()
        storage += item["destinationState"]["spaceRequirement"]
    done = time.monotonic()
    per_item = (done - listed) / min(sample, len(ids))
    row = {"scenario": "naive", "count": count, "ids_listed": len(ids), "list_pages": pages, "measured_items": min(sample, len(ids)),
           "list_s": round(listed - start, 2), "per_item_s": round(per_item, 4), "requests": 1 + pages + 2 * count,
           "wall_s": round(listed - start + per_item * count, 1)}
    print(json.dumps(row), flush=True)
    return row


def uri_loop_run(facts, count, loop):
    """A playbook looping ansible.builtin.uri (one GET per replication) over ``loop`` ids, and over one id for the
    fixed cost; the per-item time is extrapolated to ``count``."""
    cloud = app(facts, "site1-cloud")
    session = requests.Session()
    login = {"type": "vcdCredentials", "vcdUser": SYSTEM[0], "vcdPassword": SYSTEM[1]}
    reply = session.post(cloud["url"] + "/sessions", json=login, verify=False, timeout=60)
    token = reply.headers["X-VCAV-Auth"]
    page = session.get(cloud["url"] + "/vm-replications", params={"offset": 0, "limit": loop}, verify=False,
                       headers={"X-VCAV-Auth": token, "Accept": "application/json"}, timeout=60).json()
    ids = [i["id"] for i in page["items"]]

    def loop_over(chosen):
        text = yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [{
            "name": "one GET per replication", "ansible.builtin.uri": {
                "url": cloud["url"] + "/vm-replications/{{ item }}",
                "headers": {"X-VCAV-Auth": token, "Accept": "application/json"},
                "validate_certs": False}, "loop": chosen, "register": "items"}]}])
        return playbook(text)[0]
    fixed = loop_over(ids[:1])
    elapsed = loop_over(ids)
    per_item = (elapsed - fixed) / max(1, len(ids) - 1)
    row = {"scenario": "uri_loop", "measured_items": len(ids), "playbook_wall_s": round(elapsed, 2),
           "one_item_playbook_s": round(fixed, 2), "per_item_s": round(per_item, 3), "count": count,
           "requests": count + 1, "wall_s": round(fixed + per_item * (count - 1), 1)}
    print(json.dumps(row), flush=True)
    return row


def table(rows, count):
    lines = ["| scenario | replications | page size | requests | wall s | module s | module peak RSS MB |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["scenario"] == "module":
            lines.append("| vcda_replication_info summary | %d | %d | %d (%d list pages) | %.2f | %.2f | %.1f |" % (
                r["count"], r["page_size"], r["requests"], r["list_requests"], r["playbook_wall_s"], r["module_wall_s"],
                r["module_peak_rss_mb"]))
        elif r["scenario"] == "naive":
            lines.append("| list, then one GET per replication + its instances (Python; %d measured) | %d | 100 | %d | %.1f "
                         "(extrapolated) | - | - |" % (r["measured_items"], r["count"], r["requests"], r["wall_s"]))
        else:
            lines.append("| ansible.builtin.uri loop, one GET each (%d measured) | %d | - | %d | %.1f (extrapolated) | - | - |" % (
                r["measured_items"], r["count"], r["requests"], r["wall_s"]))
    best = [r for r in rows if r["scenario"] == "module" and r["count"] == count]
    for other in [r for r in rows if r["scenario"] != "module"]:
        for mine in best:
            lines.append("\n%s vs module (page %d): %.0fx the requests, %.1fx the wall time" % (
                other["scenario"], mine["page_size"], other["requests"] / float(mine["requests"]),
                other["wall_s"] / mine["playbook_wall_s"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="1000,2500,5000")
    parser.add_argument("--page-sizes", default="100,1000")
    parser.add_argument("--naive-count", type=int, default=5000)
    parser.add_argument("--naive-sample", type=int, default=250)
    parser.add_argument("--uri-loop", type=int, default=40)
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--out", default=os.path.join(OUT, "benchmark-replication-report.json"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["make", "-s", "collection"], cwd=ROOT, check=True)
    requests.packages.urllib3.disable_warnings()
    facts = lab()
    if not args.skip_setup:
        setup(facts)
    rows = []
    counts = [int(c) for c in args.counts.split(",")]
    for count in counts:
        seeded_s = seed(facts, count)
        print(json.dumps({"seeded": count, "seconds": seeded_s}), flush=True)
        for size in [int(s) for s in args.page_sizes.split(",")]:
            rows.append(module_run(facts, count, size))
        if count == args.naive_count:
            rows.append(naive_run(facts, count, args.naive_sample))
            if args.uri_loop:
                rows.append(uri_loop_run(facts, count, args.uri_loop))
    per_page = [r["module_wall_s"] / r["list_requests"] for r in rows if r["scenario"] == "module" and r["page_size"] == 100]
    doc = {"rows": rows, "module_seconds_per_page_100": [round(p, 4) for p in per_page],
           "machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}}
    with open(args.out, "w") as handle:
        json.dump(doc, handle, indent=1)
    print(table(rows, max(counts)))
    print("\nseconds per page (page size 100) across counts %s: %s" % (counts, doc["module_seconds_per_page_100"]))


if __name__ == "__main__":
    main()
