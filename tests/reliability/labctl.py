"""The reliability suite's view of the lab: start/reset it, set faults, read states, run playbooks.

Lab-only machinery (the ``/_lab/`` control endpoints); nothing here is collection code.
"""
import json
import os
import re
import subprocess
import sys
import time

import requests
import urllib3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(ROOT)
from lab.proctree import kill_tree  # noqa: E402  pylint: disable=wrong-import-position
OUT = os.path.join(ROOT, "tests", "output", "reliability")
RUN_FILE = os.path.join(ROOT, "lab", "run", "emulators.json")
# The lab's inventory, generated from the running lab in the shape of playbooks/inventory/example/ (start()).
INVENTORY = os.path.join(ROOT, "tests", "output", "inventory", "lab")
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)

urllib3.disable_warnings()


def env():
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "tests", "output", "collections"),
                ANSIBLE_ROLES_PATH=os.path.join(ROOT, "roles"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                PYTHONUNBUFFERED="1", EMULATORS_START_TIMEOUT=os.environ.get("EMULATORS_START_TIMEOUT", "180"))


def sh(*args, **kwargs):
    return subprocess.run(list(args), cwd=ROOT, env=env(), check=kwargs.pop("check", True), **kwargs)


def running():
    """Whether the lab (both vcsim instances and the emulators) is up already."""
    checks = [("lab/vcsim.sh", "status", "provider"), ("lab/vcsim.sh", "status", "tenant"), ("lab/emulators.sh", "status")]
    return all(sh("bash", *check, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
               for check in checks)


def start():
    """vcsim (provider, tenant), the emulators and the OVAs, as ``make demo`` has them. Returns whether it started
    the lab (False: it was running, e.g. started by a pytest session)."""
    was_running = running()
    sh("make", "--no-print-directory", "collection")
    sh("bash", "lab/vcsim.sh", "start", "provider", stdout=subprocess.DEVNULL)
    sh("bash", "lab/vcsim.sh", "start", "tenant", stdout=subprocess.DEVNULL)
    sh("bash", "lab/emulators.sh", "start", stdout=subprocess.DEVNULL)
    for kind, name, disks in (("vcda", "vcda-lab.ova", ["--disks", "64M"]),
                              ("onprem", "vcda-onprem-lab.ova", ["--disks", "64M"]),
                              ("l2vpn-client", "l2vpn-client-lab.ova", [])):
        path = os.path.join(ROOT, "lab", "build", "ova", name)
        if not os.path.exists(path):
            sh(sys.executable, "lab/ova/make_ova.py", "--kind", kind, *disks, "--format", "ova",
               "--out", path, stdout=subprocess.DEVNULL)
    sh(sys.executable, "lab/inventory.py", "--out", INVENTORY, stdout=subprocess.DEVNULL)
    return not was_running


def stop():
    sh("bash", "lab/emulators.sh", "stop", check=False, stdout=subprocess.DEVNULL)
    sh("bash", "lab/vcsim.sh", "stop", "provider", check=False, stdout=subprocess.DEVNULL)
    sh("bash", "lab/vcsim.sh", "stop", "tenant", check=False, stdout=subprocess.DEVNULL)


def reset():
    """First boot for every emulated appliance (as ``make demo`` starts) and no workload VM left in the tenant vcsim
    (a migrated, guarded source would fail the next wave's pre-flight): lab/reset.py."""
    sh(sys.executable, "lab/reset.py", stdout=subprocess.DEVNULL)


def info():
    with open(RUN_FILE) as handle:
        return json.load(handle)


def control(appliance, method, path, body=None, token=None):
    token = token or info()["labToken"]
    reply = requests.request(method, appliance["url"] + path, json=body, verify=False, timeout=30,
                             headers={"X-Lab-Token": token})
    reply.raise_for_status()
    return reply.json()


def appliances():
    return info()["appliances"]


def fault_rules(rate):
    """``rate`` of the automation's requests meet a fault, spread over every kind; appliance-to-appliance
    calls meet 503s (a manager relays them as 500)."""
    share = dict(error503Rate=0.4, resetRate=0.2, lostReplyRate=0.2, sessionExpiryRate=0.1, restartRate=0.1)
    client = dict((k, round(v * rate, 4)) for k, v in share.items())
    client.update(source="client", retryAfter=1, restartSeconds=1.0, latencyMs=20)
    peer = dict(source="peer", error503Rate=round(rate / 2, 4), retryAfter=1, latencyMs=20)
    return [client, peer]


def nfc_fault_rates(rate):
    """``rate`` of the NFC disk uploads to each lab vCenter meet a fault: 503 with Retry-After after the body,
    a connection reset at a random byte, a reset after the last byte (no reply); 20 ms latency on each."""
    share = dict(error503Rate=0.4, resetRate=0.3, lastByteResetRate=0.3)
    rates = dict((k, round(v * rate, 4)) for k, v in share.items())
    rates.update(retryAfter=1, latencyMs=20)
    return rates


VCSIMS = ("provider", "tenant")


def vcsim(name):
    with open(os.path.join(ROOT, "lab", "run", "vcsim-%s.json" % name)) as handle:
        return json.load(handle)


def vcsim_control(name, method, body=None):
    """``/_lab/faults/nfc`` of the lab vCenter ``name`` (its own certificate verifies it)."""
    state = vcsim(name)
    reply = requests.request(method, state["lab_url"] + "/faults/nfc", json=body, verify=state["cert_file"],
                             timeout=30)
    reply.raise_for_status()
    return reply.json()


def set_faults(seed, rate):
    lab = info()
    for index, appliance in enumerate(lab["appliances"]):
        control(appliance, "PUT", "/_lab/faults", {"seed": seed * 1000 + index, "rules": fault_rules(rate)},
                lab["labToken"])
    for index, name in enumerate(VCSIMS):
        vcsim_control(name, "PUT", dict(nfc_fault_rates(rate), seed=seed * 1000 + 900 + index))


def fault_counts():
    """Faults injected so far, per kind, summed over every appliance and both lab vCenters' NFC."""
    lab = info()
    total = {}
    kinds = [control(a, "GET", "/_lab/faults", token=lab["labToken"]).get("kinds") or {} for a in lab["appliances"]]
    kinds += [vcsim_control(name, "GET").get("kinds") or {} for name in VCSIMS]
    for found in kinds:
        for kind, count in found.items():
            total[kind] = total.get(kind, 0) + count
    return total


def peer_faults():
    """Faults injected so far on appliance-to-appliance calls (the ``source: peer`` rule), over every appliance."""
    lab = info()
    total = 0
    for appliance in lab["appliances"]:
        state = control(appliance, "GET", "/_lab/faults", token=lab["labToken"])
        total += sum(n for rule, n in zip(state.get("rules") or [], state.get("injected") or [])
                     if rule.get("source") == "peer")
    return total


def nfc_uploads():
    """(disk upload attempts, disks) of both lab vCenters since the last ``clear_nfc_uploads``."""
    attempts = disks = 0
    for name in VCSIMS:
        state = vcsim(name)
        reply = requests.get(state["lab_url"] + "/nfc/uploads", verify=state["cert_file"], timeout=30)
        reply.raise_for_status()
        for lease in reply.json().get("leases") or []:
            for device in (lease.get("devices") or {}).values():
                attempts += device.get("attempts", 0)
                disks += 1
    return attempts, disks


def clear_nfc_uploads():
    for name in VCSIMS:
        state = vcsim(name)
        requests.delete(state["lab_url"] + "/nfc/uploads", verify=state["cert_file"], timeout=30).raise_for_status()


def clear_faults():
    lab = info()
    for appliance in lab["appliances"]:
        control(appliance, "DELETE", "/_lab/faults", token=lab["labToken"])
    for name in VCSIMS:
        vcsim_control(name, "DELETE")


def states():
    lab = info()
    return dict((a["name"], control(a, "GET", "/_lab/state", token=lab["labToken"])) for a in lab["appliances"])


def request_count():
    lab = info()
    return dict((a["name"], len(control(a, "GET", "/_lab/requests", token=lab["labToken"])["items"]))
                for a in lab["appliances"])


def writes_since(marks):
    """Requests that change something (not a session login/logout) since ``marks`` (from request_count)."""
    lab = info()
    out = []
    for a in lab["appliances"]:
        items = control(a, "GET", "/_lab/requests", token=lab["labToken"])["items"][marks.get(a["name"], 0):]
        for item in items:
            if item.get("method") not in ("GET", "HEAD") and not item.get("path", "").startswith("/sessions") \
                    and "/api/sessions" not in item.get("path", "") and "/cloudapi/1.0.0/sessions" not in item.get("path", "") \
                    and not item.get("path", "").endswith("/session/create") and not item.get("path", "").endswith("/check-root-password"):
                out.append("%s %s %s -> %s" % (a["name"], item.get("method"), item.get("path"), item.get("status")))
    return out


IDENTITY_KEYS = ("name", "displayName", "site", "apiUrl", "display_name", "url")


def duplicates(state_by_appliance):
    """Objects that exist twice: in every list of every appliance state, items of the same kind sharing
    one identity key (name, displayName, site, apiUrl, ...)."""
    found = []

    def walk(where, value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("tasks", "requests", "events", "log", "history"):
                    continue
                walk("%s/%s" % (where, key), item)
        elif isinstance(value, list):
            seen = {}
            for item in value:
                if isinstance(item, dict):
                    ident = next(((k, json.dumps(item[k], sort_keys=True)) for k in IDENTITY_KEYS if item.get(k)), None)
                    if ident is not None:
                        seen.setdefault(ident, 0)
                        seen[ident] += 1
                    walk(where + "[]", item)
            found.extend("%s %s=%s x%d" % (where, k[0], k[1], n) for k, n in seen.items() if n > 1)
    for name, state in sorted(state_by_appliance.items()):
        walk(name, state)
    return found


def replications():
    """Every replication the lab's engine holds (its own truth, ``GET /_lab/replications``; one engine serves
    every cloud and on-premises appliance)."""
    lab = info()
    cloud = next(a for a in lab["appliances"] if a["name"] == "site1-cloud")
    return control(cloud, "GET", "/_lab/replications", token=lab["labToken"])["items"]


def replication_duplicates(items=None):
    """Source VMs replicated more than once (a re-run after a kill must not create a second replication)."""
    seen = {}
    for item in replications() if items is None else items:
        record = item.get("record") or {}
        if record.get("kind") != "vm" or record.get("parent"):
            continue
        source = record.get("source") or {}
        key = (source.get("site"), source.get("vmId") or (record.get("vm") or {}).get("name"))
        seen[key] = seen.get(key, 0) + 1
    return ["replication of %s/%s x%d" % (k[0], k[1], n) for k, n in sorted(seen.items(), key=repr) if n > 1]


def playbook(name, log, extra=(), timeout=3600, kill_when=None, kill_delay=0.0):
    """Run ``playbooks/<name>``; returns (rc, recap, output). ``kill_when(line)``: SIGKILL the whole process
    tree at the first line it accepts (returns the marker it matched in ``recap['killed']``)."""
    cmd = ["ansible-playbook", "-i", INVENTORY, os.path.join(ROOT, "playbooks", name)] + list(extra)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    started = time.monotonic()
    killed = None
    with open(log, "w", buffering=1) as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        lines = []
        for line in proc.stdout:
            out.write(line)
            lines.append(line)
            if kill_when is not None and killed is None and kill_when(line):
                killed = line.strip()
                time.sleep(kill_delay)  # into the task: its calls are in flight
                kill_tree(proc.pid)
                break
            if time.monotonic() - started > timeout:
                kill_tree(proc.pid)
                lines.append("TIMEOUT after %ss\n" % timeout)
                break
        proc.wait()
    text = "".join(lines)
    recap = dict((m.group(1), [int(x) for x in m.groups()[1:]]) for m in RECAP.finditer(text))
    return proc.returncode, recap, text, killed, round(time.monotonic() - started, 1)


def finished(rc, recap):
    return rc == 0 and bool(recap) and all(v[3] == 0 and v[2] == 0 for v in recap.values())


def unchanged(recap):
    return bool(recap) and all(v[1] == 0 for v in recap.values())
