"""The reliability suite in its bounded form (tests/reliability/run.py --bounded), as `make test` runs it: one
fault-injection run of provider.yml at -vvv --diff (10 % of the requests to every emulated appliance meet a fault),
a sample of the bad inputs on the lab it converged, and every secret of the lab searched in all that output.
docs/reliability.md is made from the full run only (`make reliability`)."""
import json
import os
import subprocess
import sys
import time

from lab_paths import OUTPUT, ROOT

RESULTS = os.path.join(OUTPUT, "reliability", "results-bounded.json")
FULL = os.path.join(OUTPUT, "reliability", "results.json")


def test_bounded_reliability(vcsim, vcda_lab):
    full_before = os.path.getmtime(FULL) if os.path.exists(FULL) else None
    started = time.monotonic()
    run = subprocess.run([sys.executable, "tests/reliability/run.py", "--bounded"], cwd=ROOT, capture_output=True,
                         text=True, check=False, timeout=1200,
                         env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(OUTPUT, "collections")))
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    with open(RESULTS) as handle:
        results = json.load(handle)
    assert results["mode"] == "bounded"
    [faults] = results["faults"]["runs"]
    assert faults["finished"] and faults["failed"] == 0 and faults["duplicates"] == [], faults
    assert faults["faults_total"] > 0, "no fault was injected"
    bad = results["bad_inputs"]
    assert bad["tried"] >= 10 and bad["refused_cleanly"] == bad["tried"], bad["not_clean"]
    assert bad["writes"] == [] and bad["changed_state"] == []
    secrets = results["secrets"]
    assert secrets["secrets"] >= 10 and secrets["bytes_scanned"] > 0 and secrets["hits"] == []
    assert "kills" not in results and "check_fresh" not in results
    # the figures of docs/reliability.md are not touched, and the lab this session started keeps running
    assert (os.path.getmtime(FULL) if os.path.exists(FULL) else None) == full_before
    assert subprocess.run(["bash", "lab/emulators.sh", "status"], cwd=ROOT, capture_output=True,
                          check=False).returncode == 0
    print("bounded reliability: %.0f s" % seconds)
