"""Integration targets can run against real systems, and the lab has one control prefix.

Every lab-only step of a target (a call to a lab control endpoint under ``/_lab/``, the lab's token, the lab's
vcsim record, a lab helper script, the lab facts of ``lab/run/emulators.json``) sits behind the one switch
``run_on_lab`` (``tests/integration/README.md``): the task itself, or a block around it in the same file, has
``run_on_lab`` in its ``when``. The lab's vcsim serves its lab-only endpoints under the emulators' prefix.
"""

import glob
import json
import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGETS = os.path.join(ROOT, "tests", "integration", "targets")

# What only the lab has.
LAB_ONLY = re.compile(r"/_lab/|\blab_url\b|X-Lab-Token|\bvcda_lab\b|lab/tenant_vms\.py|lab/run/"
                      r"|\btasks_from\W+(?:lab|reset|patch)\b")


def _gated(task):
    when = task.get("when")
    return when is not None and "run_on_lab" in json.dumps(when)


def ungated_lab_tasks(tasks, gated=False, trail=()):
    """Names of the tasks in ``tasks`` that do something lab-only outside a ``when: run_on_lab``."""
    found = []
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        here = gated or _gated(task)
        name = trail + (str(task.get("name", "(unnamed)")),)
        own = {key: value for key, value in task.items() if key not in ("block", "rescue", "always")}
        if LAB_ONLY.search(yaml.safe_dump(own, default_flow_style=True, width=10 ** 6)) and not here:
            found.append(" / ".join(name))
        for key in ("block", "rescue", "always"):
            found.extend(ungated_lab_tasks(task.get(key), here, name))
    return found


def target_task_files():
    return sorted(glob.glob(os.path.join(TARGETS, "*", "tasks", "*.yml")))


def test_there_are_targets_to_check():
    assert len(target_task_files()) > 20


def test_every_lab_only_task_is_behind_run_on_lab():
    bad = []
    for path in target_task_files():
        with open(path) as handle:
            tasks = yaml.safe_load(handle)
        for name in ungated_lab_tasks(tasks):
            bad.append("%s: %s" % (os.path.relpath(path, ROOT), name))
    assert bad == [], "lab-only tasks not behind `when: run_on_lab`:\n" + "\n".join(bad)


def test_the_check_sees_lab_calls_and_accepts_gated_ones():
    """Not vacuous: a lab call is found at any depth, unless the task or a block around it is gated."""
    call = {"name": "reset", "ansible.builtin.uri": {"url": "{{ vcda.x.url }}/_lab/reset"}}
    include = {"name": "fresh", "ansible.builtin.include_role": {"name": "setup_vcda", "tasks_from": "reset"}}
    assert ungated_lab_tasks([call]) == ["reset"]
    assert ungated_lab_tasks([include]) == ["fresh"]
    assert ungated_lab_tasks([{"name": "outer", "block": [call]}]) == ["outer / reset"]
    assert ungated_lab_tasks([dict(call, when="run_on_lab")]) == []
    assert ungated_lab_tasks([dict(include, when=["x is defined", "run_on_lab"])]) == []
    assert ungated_lab_tasks([{"name": "outer", "when": "run_on_lab", "block": [call]}]) == []
    assert ungated_lab_tasks([{"name": "module", "cloudmove.vcda.vcda_info": {"url": "{{ vcda.x.url }}"}}]) == []


def test_the_lab_vars_switch_the_lab_on():
    """tests/integration/conftest.py writes run_on_lab: true into the lab's vars file."""
    with open(os.path.join(ROOT, "tests", "integration", "conftest.py")) as handle:
        source = handle.read()
    assert re.search(r"[\"']run_on_lab[\"']\s*:\s*True", source)


def test_the_readme_names_every_variable_the_targets_take_from_outside():
    """Every variable the setup roles expect from integration_config.yml when run_on_lab is false is documented."""
    with open(os.path.join(ROOT, "tests", "integration", "README.md")) as handle:
        readme = handle.read()
    assert "run_on_lab: false" in readme
    for path in glob.glob(os.path.join(TARGETS, "setup_*", "tasks", "main.yml")):
        with open(path) as handle:
            text = handle.read()
        for block in re.findall(r"that:\n((?:\s+- .+ is defined\n)+)", text):
            for name in re.findall(r"- (\w+) is defined", block):
                assert "`%s`" % name in readme, (path, name)


def test_one_control_prefix_for_the_whole_lab():
    """vcsim's lab-only handlers are under /_lab/, like the emulators' (lab/emulators/common/control.py)."""
    with open(os.path.join(ROOT, "lab", "vcsim", "main.go")) as handle:
        main = handle.read()
    handlers = re.findall(r'HandleFunc\("([^"]+)"', main)
    assert handlers and all(h.startswith("/_lab/") for h in handlers), handlers
    with open(os.path.join(ROOT, "lab", "emulators", "common", "control.py")) as handle:
        assert 'url_prefix="/_lab"' in handle.read()
    with open(os.path.join(ROOT, "lab", "vcsim.sh")) as handle:
        assert '"lab_url": base + "/_lab"' in handle.read()
    old = re.compile(r"(?<![\w.\-/\u2026])/lab/(?!run/|state/|config/|build/)")
    stale = []
    for folder in ("lab", "tests", "benchmarks", "roles", "playbooks", "docs", "changelogs"):
        for base, _dirs, files in os.walk(os.path.join(ROOT, folder)):
            if os.sep + "output" in base or os.sep + "run" in base or os.sep + "build" in base:
                continue
            for name in files:
                if not name.endswith((".py", ".yml", ".yaml", ".md", ".sh", ".go", ".patch", ".json")):
                    continue
                if name == os.path.basename(__file__):
                    continue
                path = os.path.join(base, name)
                with open(path, errors="replace") as handle:
                    if old.search(handle.read()):
                        stale.append(os.path.relpath(path, ROOT))
    assert stale == [], "vcsim's old /lab/ prefix still used in: %s" % ", ".join(stale)


LAB_CONFIG = os.path.join(ROOT, "tests", "integration", "lab_config.yml")
# The vSphere targets (ovf_deploy, vsphere_*) still use vcsim's default inventory names (tests/integration/README.md).
VSPHERE_TARGETS = re.compile(r"^(ovf_deploy|vsphere_\w+)$")


def _lab_names():
    with open(LAB_CONFIG) as handle:
        config = yaml.safe_load(handle)
    return config, sorted(set(str(v) for group in config.values() for v in group.values()))


def test_targets_take_the_lab_names_from_variables():
    """The tenant organization, its user, password, token and VDC, the vSphere names of the on-prem placement and
    the Cloud Director administrator are variables (lab_config.yml in the lab, integration_config.yml on real
    systems): no task of a VCDA, Cloud Director or NSX target writes the lab's values (comments and task names
    may)."""
    _config, values = _lab_names()
    found = []
    for path in sorted(glob.glob(os.path.join(TARGETS, "*", "*", "*.yml"))):
        target = os.path.relpath(path, TARGETS).split(os.sep)[0]
        if VSPHERE_TARGETS.match(target):
            continue
        for number, line in enumerate(open(path), 1):
            text = line.strip()
            if text.startswith("#") or text.startswith("- name:"):
                continue
            for value in values:
                if re.search(r"(?<![\w@.-])%s(?![\w@.-])" % re.escape(value), line):
                    found.append("%s:%d: %s" % (os.path.relpath(path, TARGETS), number, value))
    assert found == [], "\n".join(found)


def test_every_lab_name_is_a_variable_real_systems_are_told_to_set():
    """What lab_config.yml gives the lab, the template and the README tell a real run to give."""
    config, _values = _lab_names()
    with open(os.path.join(ROOT, "tests", "integration", "integration_config.yml.template")) as handle:
        template = yaml.safe_load(handle)
    with open(os.path.join(ROOT, "tests", "integration", "README.md")) as handle:
        readme = handle.read()
    for name, keys in config.items():
        assert "`%s`" % name in readme, name
        assert sorted(template.get(name) or {}) == sorted(keys), name
