"""Runs every integration target (tests/integration/targets/NAME/tasks/main.yml) against the lab, or against
real systems described in tests/integration/integration_config.yml (tests/integration/README.md).

A target is an Ansible role whose tasks assert the behaviour (the check mode -> apply -> check
mode -> apply rhythm, bad input, drift); a failed assertion fails the play and this test.
"""
import os

import pytest

from lab_paths import TARGETS, OUTPUT


def _disabled(name):
    aliases = os.path.join(TARGETS, name, "aliases")
    if not os.path.exists(aliases):
        return False
    with open(aliases) as handle:
        return "disabled" in handle.read()


NAMES = sorted(d for d in os.listdir(TARGETS)
               if os.path.isfile(os.path.join(TARGETS, d, "tasks", "main.yml")) and not _disabled(d))


@pytest.mark.parametrize("target", NAMES)
def test_target(target, target_runner):
    playbook = os.path.join(OUTPUT, "target-%s.yml" % target)
    with open(playbook, "w") as handle:
        handle.write("- hosts: localhost\n  gather_facts: false\n  roles:\n    - %s\n" % target)
    result = target_runner(playbook, extra=["-v"])
    log = os.path.join(OUTPUT, "target-%s.log" % target)
    with open(log, "w") as handle:
        handle.write(result.stdout + result.stderr)
    assert result.returncode == 0, "target %s failed (log: %s):\n%s" % (target, log, result.stdout[-6000:] + result.stderr[-3000:])
