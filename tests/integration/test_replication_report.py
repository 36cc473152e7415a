"""The replication report (issue 11) against the lab's replication engine, end to end.

A known mix is seeded through the lab's own controls (``/_lab/replications/seed``): protections and migrations
of two organizations, some paused, one in error, migrations cut over and not yet, and one cloud-to-cloud protection
(site1 -> site2) whose link is made too slow for its RPO. Then ``playbooks/report.yml`` runs over the lab inventory
(both provider sites, as the vCD system administrator): the summary, every CSV and the HTML page - rendered by
headless Chromium - must equal what the lab holds, read independently through the lab's API
(``GET /_lab/replications`` and one ``GET /vm-replications/{id}/instances`` per VM). A second run for the month is
``changed=0``. An organization administrator (password or access token) sees only its organization; a wrong token
fails with a clear 401 and the token never appears in the ``-vvvv`` output.
"""
import csv
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import requests
import yaml

from lab_paths import OUTPUT, ROOT, TARGETS

GIB = 1024 ** 3
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
MONTH = "2026-12"
NONE = {"migrationShare": 0, "pausedShare": 0, "errorShare": 0, "slowShare": 0, "completedShare": 0}
# The known mix: (seeded at, body). Counts per org and site are asserted from the lab's truth, not from this table.
MIX = [
    ("site1-cloud", dict(NONE, count=5, org="org1", prefix="org1-prot-", seed=101)),
    ("site1-cloud", dict(NONE, count=3, org="org1", prefix="org1-migr-", seed=102, migrationShare=1, completedShare=1)),
    ("site1-cloud", dict(NONE, count=2, org="org1", prefix="org1-paused-", seed=103, pausedShare=1)),
    ("site1-cloud", dict(NONE, count=1, org="org1", prefix="org1-error-", seed=104, errorShare=1)),
    ("site1-cloud", dict(NONE, count=3, org="org2", prefix="org2-migr-", seed=105, migrationShare=1)),
    ("site2-cloud", dict(NONE, count=1, org="org2", prefix="org2-slow-", seed=106, sourceSite="site1",
                         destinationSite="site2")),
]


def _env():
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(OUTPUT, "collections"),
               ANSIBLE_ROLES_PATH="%s:%s" % (TARGETS, os.path.join(ROOT, "roles")), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    return env


def _play(playbook, inventory="localhost,", extra=()):
    cmd = ["ansible-playbook", "-i", inventory, playbook] + list(extra)
    if inventory == "localhost,":
        cmd += ["-c", "local"]
    result = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, check=False)
    recap = dict((m.group(1), [int(x) for x in m.groups()[1:]]) for m in RECAP.finditer(result.stdout))
    return result, recap


class Lab(object):
    def __init__(self, facts):
        self.apps = dict((a["name"], a) for a in facts["appliances"])
        self.token = facts["labToken"]

    def lab(self, method, name, path, body=None):
        reply = requests.request(method, self.apps[name]["url"] + path, json=body, headers={"X-Lab-Token": self.token},
                                 verify=False, timeout=60)  # lab control endpoint (self-signed)
        assert reply.status_code in (200, 201), (path, reply.status_code, reply.text)
        return reply.json()

    def vcda_session(self, name, body):
        session = requests.Session()
        session.verify = False  # the lab appliance's self-signed certificate; only used to read
        session.headers["Accept"] = "application/json"
        reply = session.post(self.apps[name]["url"] + "/sessions", json=body, timeout=30, verify=False)
        assert reply.status_code == 200, reply.text
        session.headers["X-VCAV-Auth"] = reply.headers["X-VCAV-Auth"]
        return session

    def vcd_token(self, site, user, password):
        vcd = self.apps[site + "-vcd"]
        path = "/cloudapi/1.0.0/sessions/provider" if user.lower().endswith("@system") else "/cloudapi/1.0.0/sessions"
        reply = requests.post(vcd["url"] + path, auth=(user, password), verify=False, timeout=30,
                              headers={"Accept": "application/json;version=36.0"})
        assert reply.status_code == 200, reply.text
        return reply.headers["X-VMWARE-VCLOUD-ACCESS-TOKEN"]


@pytest.fixture(scope="module")
def seeded(vcsim, vcda_lab, tmp_path_factory):
    """Configured site1/site2 with the known mix, the lab clock frozen once the slow link is late."""
    work = tmp_path_factory.mktemp("report")
    lab = Lab(vcda_lab)
    varsfile = work / "vars.yml"
    varsfile.write_text(yaml.safe_dump({"run_on_lab": True, "lab_root": ROOT, "lab_output": OUTPUT, "vcda_lab": vcda_lab,
                                        "vcsim_provider": vcsim["provider"], "vcsim_tenant": vcsim["tenant"]}))
    setup = work / "setup.yml"
    setup.write_text("- hosts: localhost\n  gather_facts: false\n  roles:\n    - setup_vcda_sites\n")
    result, _recap = _play(str(setup), extra=["-e", "@%s" % varsfile])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    before = lab.lab("GET", "site1-cloud", "/_lab/replications/settings")
    lab.lab("DELETE", "site1-cloud", "/_lab/replications")
    lab.lab("PUT", "site1-cloud", "/_lab/replications/settings", {"clockRate": 600, "bandwidthMbps": {}})
    for name, body in MIX:
        assert lab.lab("POST", name, "/_lab/replications/seed", body)["created"] == body["count"]
    slow = [i for i in lab.lab("GET", "site1-cloud", "/_lab/replications")["items"]
            if i["record"]["vm"]["name"].startswith("org2-slow-")]
    assert len(slow) == 1
    lab.lab("PATCH", "site1-cloud", "/_lab/replications/" + slow[0]["id"], {"settings": {"rpo": 15}})
    # the link of site2 becomes far too slow for a 15-minute RPO; a few lab hours later the replica is late
    lab.lab("PUT", "site1-cloud", "/_lab/replications/settings", {"bandwidthMbps": {"site2": 0.001}})
    deadline = time.monotonic() + 60
    while True:
        view = lab.lab("GET", "site1-cloud", "/_lab/replications?id=" + slow[0]["id"])["items"][0]["view"]
        if view["destinationState"]["currentRpoViolation"] > 0:
            break
        assert time.monotonic() < deadline, view
        time.sleep(0.5)
    lab.lab("PUT", "site1-cloud", "/_lab/replications/settings", {"clockRate": 0.001})  # frozen for the test
    inventory = work / "inventory"
    subprocess.run([sys.executable, "lab/inventory.py", "--out", str(inventory)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    yield lab, work, str(inventory)
    # The lab is shared by the session: the frozen clock and the slow link would stall every later replication
    # (a target's initial sync would sit at 0 %), so give back the settings found and drop the seeded mix.
    lab.lab("DELETE", "site1-cloud", "/_lab/replications")
    restore = {"clockRate": before["clockRate"], "defaultBandwidthMbps": before["defaultBandwidthMbps"],
               "bandwidthMbps": dict({site: None for site in ("site1", "site2")}, **(before.get("bandwidthMbps") or {}))}
    after = lab.lab("PUT", "site1-cloud", "/_lab/replications/settings", restore)
    assert after["clockRate"] == before["clockRate"] and after["bandwidthMbps"] == (before.get("bandwidthMbps") or {})


def truth(lab):
    """What the lab holds, per VM, through its own API (not the module)."""
    items = lab.lab("GET", "site1-cloud", "/_lab/replications")["items"]
    rows = []
    root = lab.vcda_session("site1-cloud", {"type": "vcdCredentials", "vcdUser": "administrator@System",
                                            "vcdPassword": "VMware1!"})
    for item in items:
        view, rec = item["view"], item["record"]
        site = rec["destination"]["site"]
        assert "site1" in (site, rec["source"]["site"])  # every record of the mix is visible at site1
        instances = root.get(lab.apps["site1-cloud"]["url"] + "/vm-replications/%s/instances" % rec["id"], timeout=30,
                             verify=False)
        assert instances.status_code == 200, instances.text
        rows.append({"org": rec["owner"], "site": site, "migration": rec["isMigration"],
                     "migrated": view["destinationState"]["recoveryInfo"]["recoveryState"] == "COMPLETE",
                     "paused": view["isPaused"], "health": view["overallHealth"],
                     "storage": view["destinationState"]["spaceRequirement"], "instances": len(instances.json()),
                     "late": view["destinationState"]["currentRpoViolation"], "vm": view["vmName"],
                     "last": (view["destinationState"]["latestInstance"] or {}).get("timestamp")})
    return rows


def expected(rows):
    out = {}
    for r in rows:
        e = out.setdefault((r["org"], r["site"]), {"vms": 0, "protections": 0, "migrations": 0, "migrated": 0, "paused": 0,
                                                   "storage_bytes": 0, "instances": 0, "rpo_violations": 0,
                                                   "health_green": 0, "health_yellow": 0, "health_red": 0})
        e["vms"] += 1
        e["migrations" if r["migration"] else "protections"] += 1
        e["migrated"] += 1 if r["migrated"] else 0
        e["paused"] += 1 if r["paused"] else 0
        e["storage_bytes"] += r["storage"]
        e["instances"] += r["instances"]
        e["rpo_violations"] += 1 if r["late"] > 0 else 0
        e["health_" + r["health"].lower()] += 1
    return out


class Cells(html.parser.HTMLParser):
    """The rendered DOM's usage table cells (data-field), bars and RPO violations."""

    def __init__(self):
        super().__init__()
        self.rows, self.bars, self.late, self.assets = {}, {}, [], []
        self._row = self._field = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key):
                self.assets.append(a[key])
        if tag == "tr" and "data-org" in a:
            self._row = (a["data-org"], a["data-site"])
            self.rows[self._row] = {}
        elif tag == "td" and self._row is not None and a.get("data-field"):
            self._field, self._text = a["data-field"], ""
        elif tag == "g" and a.get("class") == "bar":
            self.bars[a["data-org"]] = a["data-storage-gib"]
        elif tag == "li" and a.get("data-minutes"):
            self.late.append((a["data-org"], int(a["data-minutes"])))

    def handle_data(self, data):
        if self._field:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "td" and self._field:
            self.rows[self._row][self._field] = self._text.strip()
            self._field = None
        elif tag == "tr":
            self._row = None


def chromium_dom(path):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("headless Chromium is needed (Debian packages chromium and chromium-driver; make apt-deps)")
    out = subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + path],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0 and "<table" in out.stdout, out.stderr[-2000:]
    return out.stdout


@pytest.mark.lab
def test_report_equals_what_the_lab_holds_and_reruns_without_change(seeded):
    lab, work, inventory = seeded
    reports = work / "reports"
    extra = ["-e", "replication_report_dir=%s" % reports, "-e", "replication_report_month=%s" % MONTH]
    playbook = os.path.join(ROOT, "playbooks", "report.yml")
    first, recap = _play(playbook, inventory, extra)
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-2000:]
    assert recap["localhost"][1] > 0
    want = expected(truth(lab))
    assert sorted(want) == [("org1", "site1"), ("org2", "site1"), ("org2", "site2")]
    assert want[("org2", "site2")]["rpo_violations"] == 1 and want[("org1", "site1")]["paused"] == 2
    month = reports / MONTH

    document = json.loads((month / ("replications-%s.json" % MONTH)).read_text())
    assert document["sites"] == ["site1", "site2"]
    summary = document["summary"]
    got = dict(((e["org"], e["site"]), e) for e in summary["by_org_site"])
    assert sorted(got) == sorted(want)
    for key, e in want.items():
        for field in ("vms", "protections", "migrations", "migrated", "paused", "storage_bytes", "instances",
                      "rpo_violations"):
            assert got[key][field] == e[field], (key, field, got[key][field], e[field])
        assert got[key]["health"] == {"GREEN": e["health_green"], "YELLOW": e["health_yellow"], "RED": e["health_red"]}
    # the site1 -> site2 replication is listed by both sites and counted once
    assert summary["totals"]["vms"] == sum(e["vms"] for e in want.values()) == len(document["vms"])
    late = sorted((r["vm"], r["late"]) for r in truth(lab) if r["late"] > 0)
    assert sorted((v["vm"], v["rpo_violation_minutes"]) for v in summary["rpo_violations"]) == late
    assert any(vm.startswith("org2-slow-") for vm, _minutes in late)  # the slow link is late

    csv_values = {}
    for org in ("org1", "org2"):
        lines = list(csv.DictReader(io.StringIO((month / ("%s-%s.csv" % (org, MONTH))).read_text())))
        for line in lines:
            key = (line["org"], line["site"])
            assert line["month"] == MONTH
            for field, value in want[key].items():
                assert int(line[field]) == value, (key, field, line[field], value)
            assert line["storage_gib"] == "%.2f" % (want[key]["storage_bytes"] / GIB)
            csv_values[key] = line
        assert sorted(k for k in csv_values if k[0] == org) == sorted(k for k in want if k[0] == org)

    page = str(month / ("replications-%s.html" % MONTH))
    cells = Cells()
    cells.feed(chromium_dom(page))
    assert cells.assets == []  # self-contained: nothing fetched
    for key, line in csv_values.items():
        shown = cells.rows[key]
        for field in ("vms", "protections", "migrations", "migrated", "paused", "storage_gib", "instances",
                      "rpo_violations", "health_green", "health_yellow", "health_red"):
            assert shown[field] == line[field], (key, field, shown[field], line[field])
    by_org = dict((e["org"], e) for e in summary["by_org"])
    assert cells.bars == dict((o, "%.2f" % (by_org[o]["storage_bytes"] / GIB)) for o in ("org1", "org2"))
    assert cells.late == [(v["org"], v["rpo_violation_minutes"]) for v in summary["rpo_violations"]]

    second, recap = _play(playbook, inventory, extra)
    assert second.returncode == 0 and recap["localhost"][1] == 0, second.stdout[-6000:]
    check, recap = _play(playbook, inventory, extra + ["--check"])
    assert check.returncode == 0 and recap["localhost"][1] == 0, check.stdout[-6000:]


def _info_play(work, name, args):
    play = work / ("%s.yml" % name)
    play.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "read", "cloudmove.vcda.vcda_replication_info": args, "register": "out"},
        {"name": "show", "ansible.builtin.copy": {"content": "{{ out | to_json }}", "dest": str(work / (name + ".json")),
                                                  "mode": "0600"}}]}]))
    return play


@pytest.mark.lab
def test_an_org_admin_sees_only_its_org_and_a_wrong_token_fails_clearly(seeded):
    lab, work, _inventory = seeded
    cloud = lab.apps["site1-cloud"]
    base = {"url": cloud["url"], "thumbprint": cloud["thumbprint"], "output": ["summary"]}
    admin1 = _info_play(work, "admin1", dict(base, auth_type="vcd", username="admin1@org1", password="Org1-Admin-1!"))
    result, _recap = _play(str(admin1))
    assert result.returncode == 0, result.stdout[-4000:]
    summary = json.loads((work / "admin1.json").read_text())["summary"]
    assert summary["orgs"] == ["org1"]
    org1_truth = [r for r in truth(lab) if r["org"] == "org1"]
    assert summary["totals"]["vms"] == len(org1_truth) and summary["totals"]["storage_bytes"] == sum(
        r["storage"] for r in org1_truth)

    token = lab.vcd_token("site1", "admin1@org1", "Org1-Admin-1!")
    by_token = _info_play(work, "token", dict(base, auth_type="vcd_token", access_token=token, access_token_org="org1"))
    result, _recap = _play(str(by_token), extra=["-vvvv"])
    assert result.returncode == 0, result.stdout[-4000:]
    assert token not in result.stdout + result.stderr
    assert json.loads((work / "token.json").read_text())["summary"]["orgs"] == ["org1"]

    wrong = token[:-6] + "AAAAAA"
    refused = _info_play(work, "wrong", dict(base, auth_type="vcd_token", access_token=wrong))
    result, _recap = _play(str(refused), extra=["-vvvv"])
    assert result.returncode != 0
    assert "HTTP 401" in result.stdout and "access token" in result.stdout and "was refused" in result.stdout
    assert wrong not in result.stdout + result.stderr and token not in result.stdout + result.stderr
