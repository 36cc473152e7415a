"""Roles and the example inventory: prefixed variables, required ones required, no lab value as a
default, a README that lists every variable, and an example inventory whose role variables are
real options of the roles (a typo there would silently be ignored)."""
import glob
import json
import os
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ROOT, "roles", "*", "tasks")))
EXAMPLE = os.path.join(ROOT, "playbooks", "inventory", "example")
# Values of the lab (lab/config/lab.yml, lab/inventory.py) that must never be a role default.
LAB_VALUES = ("Vcda-Init-1!", "Vcda-Lab-Root-2!", "VMware1!", "Org1-Admin-1!", "L2vpn-", "lab-token", "LAB01-",
              "127.0.", "org1", "site1", "DC0", "LocalDS", "lab.example")


def _spec(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
        return yaml.safe_load(handle)["argument_specs"]


def _defaults(role):
    path = os.path.join(ROOT, "roles", role, "defaults", "main.yml")
    with open(path) as handle:
        return yaml.safe_load(handle) or {}, open(path).read()


def test_the_workflow_roles_exist():
    for role in ("appliance_deploy", "provider_site", "site_pairing", "replication_policies", "tenant_rights",
                 "l2vpn_server", "l2vpn_client", "tenant_onprem", "workload_migration", "replication_report"):
        assert role in ROLES, role


@pytest.mark.parametrize("role", ROLES)
def test_every_variable_carries_the_role_prefix(role):
    defaults, _text = _defaults(role)
    for key in defaults:
        assert key.startswith(role + "_"), (role, key)
    for entry in _spec(role).values():
        for key in entry["options"]:
            assert key.startswith(role + "_"), (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_required_variables_have_no_default(role):
    defaults, _text = _defaults(role)
    for entry in _spec(role).values():
        for key, option in entry["options"].items():
            if option.get("required"):
                assert key not in defaults, "%s: %s is required but defaults to %r" % (role, key, defaults[key])
                assert "default" not in option, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_no_lab_value_is_a_default(role):
    _defaults_, text = _defaults(role)
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
        spec_text = handle.read()
    for value in LAB_VALUES:
        assert value not in text, (role, value)
        for line in spec_text.splitlines():
            if line.strip().startswith("default:"):
                assert value not in line, (role, line)


@pytest.mark.parametrize("role", ROLES)
def test_defaults_match_the_argument_spec(role):
    defaults, _text = _defaults(role)
    options = dict()
    for entry in _spec(role).values():
        options.update(entry["options"])
    for key, value in defaults.items():
        assert key in options, "%s: %s is in defaults/main.yml but not in the argument spec" % (role, key)
        if "default" in options[key]:
            assert options[key]["default"] == value, (role, key)
        else:
            assert value in (None, [], {}) or options[key].get("type") == "list", (role, key, value)


@pytest.mark.parametrize("role", ROLES)
def test_readme_lists_every_variable_and_has_an_example(role):
    with open(os.path.join(ROOT, "roles", role, "README.md")) as handle:
        readme = handle.read()
    for entry in _spec(role).values():
        for key in entry["options"]:
            assert "`%s`" % key in readme, (role, key)
    assert "## Example" in readme and "cloudmove.vcda.%s" % role in readme


def _example_vars():
    """Every variable the example inventory sets, per host, as ansible-inventory resolves it (unrendered)."""
    out = subprocess.run(["ansible-inventory", "-i", EXAMPLE, "--list", "--export"], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    doc = json.loads(out)
    hosts = {}
    for group in ("provider_sites", "tenants"):
        for host in doc[group]["hosts"]:
            merged = dict(doc.get("all", {}).get("vars", {}))
            merged.update(doc[group].get("vars", {}))
            merged.update(doc["_meta"]["hostvars"].get(host, {}))
            hosts[host] = (group, merged)
    return hosts


def test_example_inventory_sets_only_real_role_options():
    options = {}
    for role in ROLES:
        for entry in _spec(role).values():
            options.update(entry["options"])
    for host, (_group, variables) in _example_vars().items():
        for key in variables:
            role = [r for r in ROLES if key.startswith(r + "_")]
            if role:
                assert key in options, "%s: %s is no option of role %s" % (host, key, role[0])


def test_example_inventory_sets_what_the_playbooks_require():
    needed = {"provider_sites": ("appliance_deploy", "provider_site", "replication_policies"),
              "tenants": ("tenant_rights", "l2vpn_server", "appliance_deploy", "tenant_onprem", "workload_migration")}
    for host, (group, variables) in _example_vars().items():
        for role in needed[group]:
            for key, option in _spec(role)["main"]["options"].items():
                if option.get("required"):
                    assert key in variables, "%s (%s): %s" % (host, group, key)


def test_the_example_wave_file_sets_only_wave_options_of_the_role():
    """A wave file (migrate_wave_file) replaces the tenant's wave variables; connections stay in the inventory."""
    import yaml
    with open(os.path.join(ROOT, "playbooks", "vars", "wave-example.yml")) as handle:
        wave = yaml.safe_load(handle)
    options = _spec("workload_migration")["main"]["options"]
    assert "workload_migration_vms" in wave and "workload_migration_vdc" in wave
    for key in wave:
        assert key in options, "%s is no option of role workload_migration" % key
        assert not any(word in key for word in ("url", "password", "username", "thumbprint", "vcenter")), key


@pytest.mark.parametrize("playbook", ["provider.yml", "tenant.yml", "migrate.yml", "report.yml", "site.yml"])
def test_the_playbooks_take_only_an_inventory(playbook):
    """No lab file, lab variable or vars file: everything comes from the inventory (demo.yml is the lab's own)."""
    with open(os.path.join(ROOT, "playbooks", playbook)) as handle:
        text = handle.read()
    for word in ("lab/", "lab_", "vcsim", "vars_files", "run_on_lab"):
        assert word not in text, (playbook, word)


def test_example_inventory_holds_no_secret_in_clear():
    for path in glob.glob(os.path.join(EXAMPLE, "**", "*.yml"), recursive=True):
        with open(path) as handle:
            for line in handle:
                if line.lstrip().startswith("#") or ":" not in line:
                    continue
                key, _sep, value = line.partition(":")
                key = key.strip().lstrip("- ").strip("{ ")
                if any(word in key for word in ("password", "pre_shared_key", "peer_code", "license_key")):
                    value = value.strip()
                    # empty, YAML null (no value at all) or a template; never a value in clear
                    where = "%s: %s" % (os.path.relpath(path, ROOT), line.strip())
                    assert value in ("", "null", "~") or "{{" in value, where
