"""The reliability suite: what an operator's bad day does to the collection, measured against the lab.

    python3 tests/reliability/run.py [--bounded] [--only faults,kills,bad_inputs,secrets] [--seeds 1,2,3,4,5]

Experiments (each writes its figures to tests/output/reliability/results.json; ``report.py`` turns them
into docs/reliability.md):

- faults: the demo (playbooks/demo.yml) from reset with ~10 % of the automation's requests to every
  emulated appliance meeting a fault (503 with Retry-After, connection resets before the request is
  carried out, lost replies after it, session expiry, service restarts, 20 ms latency; 5 % of the
  appliance-to-appliance calls answered 503) and 10 % of the NFC disk uploads to both lab vCenters
  (503 with Retry-After, a reset mid-disk, a reset after the last byte; 20 ms latency), one fixed seed
  per run: must finish failed=0 with nothing duplicated;
- kills: kill -9 of the whole ansible-playbook process tree at the upload, pairing and L2 VPN points
  (and migration cutover when playbooks/migrate.yml exists), then a re-run that must converge
  (failed=0) with nothing duplicated, then a run with nothing left to change;
- bad_inputs: modules called with bad input; each must fail with a message naming the option, without a
  traceback or "unexpected error", and with no write request reaching any appliance;
- check_fresh: check mode of the whole demo from reset (a preview of a fresh deployment) must not fail;
- secrets: every secret of the lab inventory and playbooks (and the live peer codes) searched in the
  output of -vvvv --diff, check mode, the runs above and ansible-runner artifacts.

Runs the lab itself (vcsim, emulators); start it in a private network namespace (``make reliability``
does). ``--bounded`` is the form ``make test`` runs (tests/integration/test_reliability.py, at most ~4 minutes
on a loaded 2-core machine): one fault seed of provider.yml at -vvv --diff without the OVA uploads (which
converges the provider sites; the uploads' faults are tests/integration/test_ovf_resilience.py's, the tenant
and migration parts are the full run's), a sixth of the bad inputs on that lab and the secret scan over them; no kill points, no ansible-runner run
(tests/integration/test_awx_runner.py scans its artifacts) and no check mode from reset (test_demo.py runs it).
It writes results-bounded.json, never the results docs/reliability.md is made from, and leaves running a lab
it did not start.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import labctl as lab  # noqa: E402  pylint: disable=wrong-import-position
import bad_inputs  # noqa: E402  pylint: disable=wrong-import-position

RESULTS = os.path.join(lab.OUT, "results.json")
BOUNDED_RESULTS = os.path.join(lab.OUT, "results-bounded.json")
RATE = 0.10
# The bounded fault run: the provider sites (configuration, pairing, policies) without deploying the appliances'
# OVAs, at -vvv (module arguments shown, for the secret scan) and --diff.
BOUNDED_BOOK = "provider.yml"
BOUNDED_EXTRA = ["-e", json.dumps({"appliance_deploy_appliances": []}), "-vvv", "--diff"]


def log(msg):
    print("[reliability %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def save(results):
    os.makedirs(lab.OUT, exist_ok=True)
    with open(BOUNDED_RESULTS if results.get("mode") == "bounded" else RESULTS, "w") as handle:
        json.dump(results, handle, indent=1, sort_keys=True)


# ----- faults ---------------------------------------------------------------------------------------
def fault_runs(seeds, results, extra=(), verbose_seeds=(), book="demo.yml"):
    runs = []
    for seed in seeds:
        lab.reset()
        lab.clear_nfc_uploads()
        lab.set_faults(seed, RATE)
        log("faults: %s from reset, seed %s, rate %s" % (book, seed, RATE))
        rc, recap, text, _k, seconds = lab.playbook(book, os.path.join(lab.OUT, "faults-seed%s.log" % seed),
                                                    extra=list(extra) + (["-vvvv", "--diff"] if seed in verbose_seeds
                                                                         else []))
        counts = lab.fault_counts()
        peer = lab.peer_faults()
        lab.clear_faults()
        attempts, disks = lab.nfc_uploads()
        dups = lab.duplicates(lab.states()) + lab.replication_duplicates()
        run = {"seed": seed, "playbook": book, "rc": rc, "finished": lab.finished(rc, recap), "seconds": seconds,
               "failed": sum(v[3] for v in recap.values()), "faults": counts, "faults_total": sum(counts.values()),
               "nfc_faults": sum(v for k, v in counts.items() if k.startswith("nfc")), "peer_faults": peer,
               "disk_uploads": attempts, "disks": disks, "duplicates": dups, "recap": recap}
        if not run["finished"]:
            run["failures"] = [line.strip()[:600] for line in text.splitlines() if line.startswith("fatal:")][:10]
        log("faults: seed %s finished=%s failed=%s faults=%s duplicates=%d (%ss)"
            % (seed, run["finished"], run["failed"], counts, len(dups), seconds))
        runs.append(run)
        results["faults"] = {"rate": RATE, "rules": lab.fault_rules(RATE), "nfc": lab.nfc_fault_rates(RATE),
                             "runs": runs}
        save(results)
    return runs


# ----- kill -9 ----------------------------------------------------------------------------------------
def _appears(pattern):
    regex = re.compile(pattern)
    return lambda line: bool(regex.search(line))


KILL_POINTS = [
    # name, playbook, the output line after which the whole process tree is killed, seconds after that line
    ("upload", "demo.yml", _appears(r"ovf_deploy \S+: uploaded [0-9]+%"), 0.0),
    # the role's own task (the play's include_role task of the same name comes first and does nothing yet)
    ("pairing", "demo.yml", _appears(r"^TASK \[cloudmove\.vcda\.site_pairing : Pair with the remote sites"), 2.5),
    ("l2vpn", "demo.yml", _appears(r"^TASK \[cloudmove\.vcda\.l2vpn_server : L2 VPN servers"), 2.5),
    # the migration wave of the demo (site.yml imports migrate.yml): while the replications sync, and mid-cutover
    ("sync", "demo.yml", _appears(r"^TASK \[.*Replicate every VM and wait"), 4.0),
    ("cutover", "demo.yml", _appears(r"^TASK \[.*Cut over in batches"), 2.5),
]


def kill_runs(points, results):
    runs = []
    for name, book, when, delay in points:
        lab.reset()
        if book != "demo.yml":  # the migration needs the configured sites first
            lab.playbook("demo.yml", os.path.join(lab.OUT, "kill-%s-setup.log" % name))
        log("kill: %s (%s)" % (name, book))
        _rc, _recap, _text, killed, _s = lab.playbook(book, os.path.join(lab.OUT, "kill-%s.log" % name),
                                                      kill_when=when, kill_delay=delay)
        time.sleep(2)  # let the appliances finish what the killed run left in flight
        left = len(lab.replications())  # what the kill left behind (replications created before it)
        rc, recap, text, _k, seconds = lab.playbook(book, os.path.join(lab.OUT, "kill-%s-rerun.log" % name))
        converged = lab.finished(rc, recap)
        dups = lab.duplicates(lab.states()) + lab.replication_duplicates()
        run = {"point": name, "playbook": book, "killed_at": killed, "rerun_finished": converged, "seconds": seconds,
               "duplicates": dups, "replications_left_by_kill": left, "replications": len(lab.replications()),
               "survived": bool(killed) and converged and not dups}
        if not converged:
            run["failures"] = [line.strip()[:600] for line in text.splitlines() if line.startswith("fatal:")][:10]
        log("kill: %s killed_at=%r converged=%s duplicates=%d" % (name, killed, converged, len(dups)))
        runs.append(run)
        results["kills"] = runs
        save(results)
    return runs


# ----- bad inputs --------------------------------------------------------------------------------------
def bad_input_runs(sample, results, setup=True):
    if setup:
        lab.reset()
        log("bad inputs: converging the lab first")
        lab.playbook("demo.yml", os.path.join(lab.OUT, "bad-inputs-setup.log"))
    experiments = bad_inputs.experiments(lab.info())
    if sample:
        experiments = experiments[::sample]
    before_states = lab.states()
    marks = lab.request_count()
    outcome = bad_inputs.run(experiments, os.path.join(lab.OUT, "bad-inputs"))
    writes = lab.writes_since(marks)
    after_states = lab.states()
    changed_state = sorted(name for name in before_states
                           if _stable(before_states[name]) != _stable(after_states.get(name)))
    clean = [o for o in outcome if o["clean"]]
    results["bad_inputs"] = {"tried": len(outcome), "refused_cleanly": len(clean), "writes": writes,
                             "changed_state": changed_state,
                             "not_clean": [o for o in outcome if not o["clean"]]}
    log("bad inputs: %d tried, %d refused cleanly, %d writes, state changed on %s"
        % (len(outcome), len(clean), len(writes), changed_state))
    save(results)


def _stable(state):
    """A state without what reading it changes (tasks, timestamps of sessions)."""
    if isinstance(state, dict):
        return dict((k, _stable(v)) for k, v in state.items() if k not in ("tasks", "lastLogin", "sessions"))
    if isinstance(state, list):
        return [_stable(v) for v in state]
    return state


# ----- secrets -----------------------------------------------------------------------------------------
SECRET_KEY = re.compile(r"(password|psk|pre_shared_key|license_key|secret|peer_code|api_token)", re.I)


def known_secrets():
    """Plain secret values of the lab inventory, the playbooks, the roles' defaults, lab.yml and vcsim."""
    found = set()
    pattern = re.compile(r"^\s*([\w.\"'@-]+)\s*:\s*\"?([^\"#{}\n]+?)\"?\s*$")
    files = [os.path.join(lab.ROOT, "lab", "config", "lab.yml")]
    for dirpath, _dirs, names in os.walk(lab.INVENTORY):
        files += [os.path.join(dirpath, n) for n in names if n.endswith((".yml", ".yaml"))]
    for top in ("playbooks", "roles"):
        for dirpath, _dirs, names in os.walk(os.path.join(lab.ROOT, top)):
            files += [os.path.join(dirpath, n) for n in names if n.endswith((".yml", ".yaml"))]
    for path in files:
        with open(path) as handle:
            for line in handle:
                match = pattern.match(line)
                # a key naming where a secret goes (appliance_deploy_root_password_property: guestinfo...) holds none
                if match and SECRET_KEY.search(match.group(1)) and len(match.group(2).strip()) >= 6 \
                        and not match.group(1).strip("\"'").endswith(("_property", "_properties")):
                    value = match.group(2).strip()
                    if value.lower() not in ("true", "false", "null", "always", "on_create", "on_expiry") \
                            and not value.startswith(("[", "(")):
                        found.add(value)
                if "api-token" in line:
                    found.update(re.findall(r"[\w-]*api-token-[0-9a-f]+", line))
    for site in ("provider", "tenant"):
        path = os.path.join(lab.ROOT, "lab", "run", "vcsim-%s.json" % site)
        if os.path.exists(path):
            with open(path) as handle:
                found.add(json.load(handle).get("password"))
    for state in lab.states().values():  # live peer codes and pre-shared keys
        _collect(state, found)
    return sorted(s for s in found if s and len(s) >= 6)


def _collect(value, found, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            _collect(v, found, k)
    elif isinstance(value, list):
        for v in value:
            _collect(v, found, key)
    elif isinstance(value, str) and re.search(r"(peerCode|preSharedKey|psk|password)", key, re.I) and len(value) >= 6:
        found.add(value)


def check_fresh_run(results):
    """Check mode of the whole demo from reset: a preview of a fresh deployment, must not fail."""
    lab.reset()
    log("check mode from reset")
    rc, recap, text, _k, seconds = lab.playbook("demo.yml", os.path.join(lab.OUT, "check-fresh.log"),
                                                extra=["--check", "--diff"])
    run = {"finished": lab.finished(rc, recap), "changed": sum(v[1] for v in recap.values()), "seconds": seconds,
           "hosts_predicting_changes": sorted(h for h, v in recap.items() if v[1] > 0), "hosts": sorted(recap),
           "writes": None}
    if not run["finished"]:
        run["failures"] = [line.strip()[:600] for line in text.splitlines() if line.startswith("fatal:")][:10]
    results["check_fresh"] = run
    log("check mode from reset: finished=%s changed=%s" % (run["finished"], run["changed"]))
    save(results)


def secret_runs(results, bounded=False, verbose=False):
    """The runs whose output is scanned besides the others: -vvvv --diff (the bounded form ran its fault run so),
    ansible-runner."""
    if bounded:
        return  # the fault run was at -vvvv --diff; test_awx_runner.py scans ansible-runner's artifacts
    if not verbose:
        log("secrets: -vvvv --diff run")
        lab.playbook("demo.yml", os.path.join(lab.OUT, "secrets-vvvv-diff.log"), extra=["-vvvv", "--diff"])
    log("secrets: ansible-runner")
    runner_dir = os.path.join(lab.OUT, "runner")
    subprocess.run(["rm", "-rf", runner_dir], check=False)
    book = "provider.yml"
    cmd = [sys.executable, "-m", "ansible_runner", "run", runner_dir, "--playbook",
           os.path.join(lab.ROOT, "playbooks", book), "--inventory", lab.INVENTORY, "-j"]
    os.makedirs(runner_dir, exist_ok=True)
    with open(os.path.join(lab.OUT, "secrets-runner.log"), "w") as out:
        subprocess.run(cmd, cwd=lab.ROOT, env=lab.env(), stdout=out, stderr=subprocess.STDOUT, check=False)


def secret_scan(results):
    """Every secret in every output of this run: playbook logs, the bad-input results, ansible-runner artifacts."""
    outputs = {}
    if os.path.isdir(os.path.join(lab.OUT, "runner")):
        outputs["ansible-runner"] = os.path.join(lab.OUT, "runner")
    for name in os.listdir(lab.OUT):
        if name.endswith((".log", "-results.json")):
            outputs[name.rsplit(".", 1)[0]] = os.path.join(lab.OUT, name)
    secrets = known_secrets()
    hits = []
    scanned = 0
    for label, path in sorted(outputs.items()):
        for text_path in _files(path):
            with open(text_path, errors="replace") as handle:
                text = handle.read()
            scanned += len(text)
            hits += ["%s: %s" % (os.path.relpath(text_path, lab.OUT), _mask(s)) for s in secrets if s in text]
    results["secrets"] = {"secrets": len(secrets), "outputs": sorted(outputs), "bytes_scanned": scanned,
                          "hits": hits}
    log("secrets: %d secrets, %d bytes scanned, %d hits" % (len(secrets), scanned, len(hits)))
    save(results)


def _files(path):
    if os.path.isfile(path):
        return [path]
    out = []
    for dirpath, _dirs, names in os.walk(path):
        out += [os.path.join(dirpath, n) for n in names if not n.endswith((".pyc",))]
    return out


def _mask(secret):
    return secret[:2] + "*" * (len(secret) - 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bounded", action="store_true")
    parser.add_argument("--only", default="faults,kills,bad_inputs,secrets,check_fresh,scan")
    parser.add_argument("--seeds", default=None)
    parser.add_argument("--verbose-seeds", default="", help="fault runs at -vvvv --diff (then no separate -vvvv run)")
    parser.add_argument("--kill-points", default=None, help="names of the kill points to run (default: all)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else ([1] if args.bounded else [1, 2, 3, 4, 5])
    results = {"mode": "bounded" if args.bounded else "full", "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "commit": os.environ.get("RELIABILITY_COMMIT") or subprocess.run(
                   ["git", "rev-parse", "--short", "HEAD"], cwd=lab.ROOT, capture_output=True, text=True,
                   check=False).stdout.strip()}
    if os.path.exists(RESULTS) and args.only != parser.get_default("only") and not args.bounded:
        with open(RESULTS) as handle:  # a partial run adds to the last results
            results = dict(json.load(handle), **dict((k, v) for k, v in results.items() if k != "started"))
    if args.bounded and os.path.isdir(lab.OUT):  # its scan covers its own outputs only
        for name in os.listdir(lab.OUT):
            if name.endswith((".log", "-results.json")):
                os.unlink(os.path.join(lab.OUT, name))
    started = lab.start()
    try:
        converged = False
        if "faults" in only:
            verbose = [int(x) for x in args.verbose_seeds.split(",") if x]
            if args.bounded:
                runs = fault_runs(seeds, results, BOUNDED_EXTRA, book=BOUNDED_BOOK)
            else:
                runs = fault_runs(seeds, results, (), verbose)
            converged = bool(runs) and runs[-1]["finished"]
        if "kills" in only and not args.bounded:
            points = [k for k in KILL_POINTS if not args.kill_points or k[0] in args.kill_points.split(",")]
            runs = kill_runs(points, results)
            converged = bool(runs) and runs[-1]["rerun_finished"]
        if "bad_inputs" in only:
            bad_input_runs(6 if args.bounded else None, results, setup=not converged)
        if "secrets" in only:
            secret_runs(results, args.bounded, bool(args.verbose_seeds))
        if "check_fresh" in only and not args.bounded:
            check_fresh_run(results)
        if "scan" in only:
            secret_scan(results)
    finally:
        lab.reset()
        if started:  # a lab someone else started (a pytest session) keeps running
            lab.stop()
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    save(results)
    problems = check(results)
    for problem in problems:
        log("PROBLEM: " + problem)
    return 1 if problems else 0


def check(results):
    problems = []
    for run in (results.get("faults") or {}).get("runs", []):
        if not run["finished"] or run["duplicates"]:
            problems.append("fault run seed %s: finished=%s duplicates=%s" % (run["seed"], run["finished"], run["duplicates"]))
    for run in results.get("kills") or []:
        if not run["survived"]:
            problems.append("kill at %s not survived: %s" % (run["point"], {k: v for k, v in run.items() if k != "point"}))
    bad = results.get("bad_inputs")
    if bad and (bad["not_clean"] or bad["writes"] or bad["changed_state"]):
        problems.append("bad inputs: %d not refused cleanly, writes %s, state changed on %s"
                        % (len(bad["not_clean"]), bad["writes"], bad["changed_state"]))
    fresh = results.get("check_fresh")
    if fresh and not fresh["finished"]:
        problems.append("check mode from reset failed: %s" % fresh.get("failures"))
    elif fresh and fresh.get("hosts_predicting_changes") != fresh.get("hosts"):
        problems.append("check mode from reset predicted no change on %s"
                        % sorted(set(fresh.get("hosts") or []) - set(fresh.get("hosts_predicting_changes") or [])))
    if (results.get("secrets") or {}).get("hits"):
        problems.append("secrets found: %s" % results["secrets"]["hits"])
    return problems


if __name__ == "__main__":
    sys.exit(main())
