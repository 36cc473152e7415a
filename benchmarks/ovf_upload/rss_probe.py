# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interpreter probe: run the real Python as a child and record its wall time and peak RSS.

``run.py`` points ``ansible_python_interpreter`` at a two-line shell shim that execs::

    python3 rss_probe.py REAL_PYTHON LOG_FILE [args Ansible gave the interpreter...]

The probe starts ``REAL_PYTHON args...`` with stdin/stdout/stderr inherited (Ansible talks to
it exactly as to a plain interpreter), reaps it with ``os.wait4`` and appends one JSON line to
LOG_FILE: the child's wall time (fork to exit), its peak resident set size (``ru_maxrss``, the
kernel's high-water mark of the process, so no sample can be missed) and its CPU time. The exit
status is passed through.
"""

import json
import os
import subprocess
import sys
import time


def main():
    real, log = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    started = time.time()
    begin = time.monotonic()
    proc = subprocess.Popen([real] + args)  # pylint: disable=consider-using-with
    pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - begin
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped here; keep Popen from waiting again
    script = next((a for a in args if "AnsiballZ_" in os.path.basename(a)), None)
    record = {
        "pid": pid,
        "script": os.path.basename(script) if script else None,
        "argv": args[:3],
        "started": started,
        "wall_s": round(elapsed, 4),
        "maxrss_kib": usage.ru_maxrss,
        "utime_s": round(usage.ru_utime, 3),
        "stime_s": round(usage.ru_stime, 3),
        "rc": code,
    }
    with open(log, "a") as handle:
        handle.write(json.dumps(record) + "\n")
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
