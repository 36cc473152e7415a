# -*- coding: utf-8 -*-
"""Lab helper (not part of the collection): give the whole shared lab back as a fresh run finds it.

    python3 lab/reset.py [--all]

1. The emulators boot for the first time again (``lab/emulators.sh reset``; ``--all`` also drops their
   certificates): configuration, pairings, policies, replications, rights, L2 VPN, sessions, faults, the lab clock
   and the link settings are gone.
2. The tenant vcsim's workload VMs (``lab/tenant_vms.py reset``): every VM ``lab/tenant_vms.py`` created is deleted,
   whatever a migration left it as (a guarded source: powered off, power-on disabled, noted, NICs disconnected), so
   the next wave creates its VMs new and migrates them again.

What the vCenters keep: the provider vcsim's deployed appliance VMs, the tenant vcsim's L2 VPN client VM and trunk
port group and vcsim's own inventory. The playbooks find those as they left them and reconcile their settings.
A test that changes shared lab state calls this before and after (tests/integration/conftest.py ``reset_lab``).
Prints JSON ``{"emulators": "reset", "tenant_vms": {"deleted": [...]}}``.
"""
import argparse
import json
import os
import subprocess
import sys

LAB = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(LAB)


def vcsim_running(name):
    return subprocess.run(["bash", os.path.join(LAB, "vcsim.sh"), "status", name], cwd=ROOT, capture_output=True,
                          check=False).returncode == 0


def reset(all_certificates=False):
    """Reset the emulators and the tenant's workload VMs; returns what was done."""
    command = ["bash", os.path.join(LAB, "emulators.sh"), "reset"] + (["--all"] if all_certificates else [])
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    done = {"emulators": "reset", "tenant_vms": None}
    run_dir = os.environ.get("VCSIM_RUN_DIR", os.path.join(LAB, "run"))
    if vcsim_running("tenant"):
        reply = subprocess.run([sys.executable, os.path.join(LAB, "tenant_vms.py"), "--vcsim",
                                os.path.join(run_dir, "vcsim-tenant.json"), "reset"],
                               cwd=ROOT, check=True, capture_output=True, text=True)
        done["tenant_vms"] = {"deleted": json.loads(reply.stdout)["deleted"]}
    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().partition("\n")[0])
    parser.add_argument("--all", action="store_true", help="new emulator certificates too (new thumbprints)")
    args = parser.parse_args()
    json.dump(reset(args.all), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
