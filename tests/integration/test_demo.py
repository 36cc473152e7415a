"""The main job (playbooks/demo.yml, what `make demo` runs) against the lab: check mode from reset
predicting the fresh deployment, every role and playbook of the provider and tenant flows, then the
same again with nothing left to change, then check mode predicting no change either."""
import os
import re
import subprocess
import sys

from lab_paths import OUTPUT, ROOT, reset_lab

sys.path.insert(0, os.path.join(ROOT, "tests", "reliability"))
# the lab's request log: nothing written
import labctl  # noqa: E402  pylint: disable=wrong-import-position

INVENTORY = os.path.join(OUTPUT, "inventory", "lab")
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def _demo(*extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(OUTPUT, "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_ROLES_PATH=os.path.join(ROOT, "roles"))
    result = subprocess.run(["ansible-playbook", "-i", INVENTORY, "playbooks/demo.yml"] + list(extra),
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    recap = dict((m.group(1), [int(x) for x in m.groups()[1:]]) for m in RECAP.finditer(result.stdout))
    return result, recap


def _inventory_keys(path):
    import json as _json
    out = subprocess.run(["ansible-inventory", "-i", path, "--list", "--export"], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    doc = _json.loads(out)
    keys = set()
    for group in doc.values():
        if isinstance(group, dict):
            keys.update(group.get("vars", {}))
            for host_vars in group.get("hostvars", {}).values():
                keys.update(host_vars)
    return keys, sorted(doc["provider_sites"]["hosts"]), sorted(doc["tenants"]["hosts"])


def test_demo_converges_and_reruns_without_change(vcsim, vcda_lab):
    for kind, name, disks in (("vcda", "vcda-lab.ova", ["--disks", "64M"]),
                              ("onprem", "vcda-onprem-lab.ova", ["--disks", "64M"]),
                              ("l2vpn-client", "l2vpn-client-lab.ova", [])):
        command = [sys.executable, "lab/ova/make_ova.py", "--kind", kind] + disks
        command += ["--format", "ova", "--out", os.path.join("lab", "build", "ova", name)]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    reset_lab()  # emulators at first boot, no workload VM an earlier migration left guarded
    # the same playbooks as on a real site, with the inventory generated from the running lab
    subprocess.run([sys.executable, "lab/inventory.py", "--out", INVENTORY], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    # The lab inventory has the shape of the documented example: same groups, no variable the example lacks
    # (except the lab's own control endpoint and the repository the lab's helper tasks run in).
    lab_keys, lab_sites, lab_tenants = _inventory_keys(INVENTORY)
    example_keys, example_sites, example_tenants = _inventory_keys(os.path.join(ROOT, "playbooks", "inventory", "example"))
    assert (lab_sites, lab_tenants) == (example_sites, example_tenants)
    assert lab_keys - example_keys <= {"lab_vcd_url", "lab_token", "lab_root"}, lab_keys - example_keys
    try:
        # Check mode from reset: a preview of the whole fresh deployment predicts it (every host has changes)
        # instead of failing after the root password changes it only predicts, and changes nothing.
        marks = labctl.request_count()
        preview, recap0 = _demo("--check")
        assert preview.returncode == 0, preview.stdout[-6000:]
        assert recap0 and all(v[1] > 0 and v[3] == 0 for v in recap0.values()), preview.stdout[-6000:]
        assert labctl.writes_since(marks) == []
        assert "still has its initial root password" in " ".join(preview.stderr.split())  # the warning, unwrapped
        first, recap1 = _demo()
        assert first.returncode == 0, first.stdout[-6000:]
        assert sum(v[1] for v in recap1.values()) > 0, "the first run configured nothing"
        second, recap2 = _demo()
        assert second.returncode == 0, second.stdout[-6000:]
        assert recap2 and all(v[1] == 0 and v[3] == 0 for v in recap2.values()), second.stdout[-6000:]
        assert set(recap2) == set(recap1) == set(recap0)
        check, recap3 = _demo("--check")
        assert check.returncode == 0, check.stdout[-6000:]
        assert all(v[1] == 0 for v in recap3.values()), check.stdout[-6000:]
        for secret in ("Vcda-Init-1!", "VMware1!Lab", "Org1-Admin-1!", "L2vpn-Psk-Lab-1!", "L2vpn-Peer-Lab-1!",
                       "Vcda-Lab-Root-2!", "Onprem-Lab-Root-2!", "Nsx-Edge-Admin-1!"):
            assert secret not in preview.stdout + first.stdout + second.stdout + check.stdout
    finally:
        # give the lab back as the next tests expect it: emulators at first boot, the wave's guarded sources gone
        reset_lab(check=False)
