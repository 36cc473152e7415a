"""Run the lab emulators in one process: ``python3 -m lab.emulators.run`` (from the repo root).

Serves every appliance of ``lab/config/lab.yml`` whose section has an emulator below, writes
``<run_dir>/emulators.json`` once all of them answer, and runs until SIGTERM/SIGINT.
``lab/emulators.sh`` wraps this; see lab/README.md, section "Emulators".
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .common.config import load_lab_config


def kinds():
    """One entry per emulator: lab.yml section name -> appliance class (imported on demand, so
    that ``--print-dirs`` stays quick)."""
    from .vcda import VcdaAppliance
    from .vcd import VcdAppliance
    from .nsx import NsxEdgeAppliance
    return {"vcda": VcdaAppliance, "vcd": VcdAppliance, "nsx": NsxEdgeAppliance}


LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lab.emulators.run", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=os.path.join(LAB_DIR, "config", "lab.yml"), help="lab file (default: %(default)s)")
    parser.add_argument("--state-dir", help="state directory (default: lab.state_dir of the lab file)")
    parser.add_argument("--run-dir", help="run directory (default: lab.run_dir of the lab file)")
    parser.add_argument("--cert-dir", help="factory certificates (default: <state-dir>/certs)")
    parser.add_argument("--only", action="append", help="serve only this emulator section (repeatable)")
    parser.add_argument("--print-dirs", action="store_true", help="print the state and run directories, then exit")
    args = parser.parse_args(argv)

    config = load_lab_config(args.config, state_dir=args.state_dir, run_dir=args.run_dir, kinds=args.only)
    if args.print_dirs:
        print(config.state_dir, config.run_dir)
        return 0
    from .common.server import Lab
    lab = Lab(config, kinds(), cert_dir=args.cert_dir)
    for kind in lab.skipped_kinds:
        print("note: no emulator for lab.yml section %r yet; its appliances are not served" % kind, file=sys.stderr)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lab.start()
    run_file = os.path.join(config.run_dir, "emulators.json")
    try:
        lab.wait_ready()
        lab.write_run_file(run_file)
        for info in lab.describe()["appliances"]:
            print("%-18s %-10s %-4s %s %s" % (info["name"], info["type"], info.get("version", ""), info["url"], info["thumbprint"]),
                  flush=True)
        print("ready: %s" % run_file, flush=True)
        while not stop.wait(1.0):
            pass
    finally:
        lab.stop()
        if os.path.exists(run_file):
            os.unlink(run_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
