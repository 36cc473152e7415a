"""The AWX credential types (awx/credential_types/) against the modules: each injector sets a variable a module base
reads, secrets are secret inputs, and what AWX renders (every injector, a blank field as an empty variable) arrives
at the modules as the credential meant it - blank fields unset, a Cloud Director access token as ``access_token``."""
import os

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import with_env
from ansible_collections.cloudmove.vcda.plugins.module_utils._nsx.module import NsxModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcd.module import VcdModule
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as vcda_client
from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda.module import VcdaModule, login_problem

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASES = {"vcda": VcdaModule, "vcd": VcdModule, "nsx": NsxModule}
SECRET_INPUTS = {"vcda": {"password", "access_token"}, "vcd": {"password"}, "nsx": {"password"}}
TOKEN = "eyJhbGciOiJSUzI1NiJ9.lab-token-for-the-unit-test.c2lnbmF0dXJl"


def credential_type(name):
    with open(os.path.join(ROOT, "awx", "credential_types", name + ".yml")) as handle:
        return yaml.safe_load(handle)


def awx_render(name, inputs):
    """The environment AWX gives the job: every env injector rendered in a sandbox, a field not given left out of
    the namespace (so it renders empty), as AWX's CredentialType.inject_credential does."""
    ctype = credential_type(name)
    fields = dict((f["id"], f) for f in ctype["inputs"]["fields"])
    assert set(inputs) <= set(fields), set(inputs) - set(fields)
    for field, value in inputs.items():
        assert value in fields[field].get("choices", [value]), (field, value)
    for field in ctype["inputs"].get("required", []):
        assert inputs.get(field), "%s: required input %s" % (name, field)
    sandbox = ImmutableSandboxedEnvironment()
    namespace = dict((k, v) for k, v in inputs.items() if v)
    return dict((var, sandbox.from_string(tmpl).render(**namespace)) for var, tmpl in ctype["injectors"]["env"].items())


def module_params(cls, environ, monkeypatch, params=None):
    """The parameters a module of base ``cls`` gets from ``environ`` (its real argument spec and env fallbacks)."""
    for var in list(os.environ):
        if var.startswith(cls.ENV + "_"):
            monkeypatch.delenv(var)
    for var, value in environ.items():
        monkeypatch.setenv(var, value)
    spec = with_env(cls.ENV, dict(cls.CONNECTION, validate_certs=dict(type="bool", default=True, env=("VALIDATE_CERTS",)),
                                  thumbprint=dict(type="str", env=("THUMBPRINT",))))
    result = ArgumentSpecValidator(spec).validate(dict(params or {}))
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def env_names(cls):
    options = list(cls.CONNECTION.values()) + [dict(env=("VALIDATE_CERTS",)), dict(env=("THUMBPRINT",))]
    return set("%s_%s" % (cls.ENV, name) for option in options for name in option.get("env", ()))


@pytest.mark.parametrize("name", sorted(BASES))
def test_each_injector_sets_a_variable_the_modules_read_and_secrets_are_secret(name):
    ctype = credential_type(name)
    injected = set(ctype["injectors"]["env"])
    assert injected <= env_names(BASES[name]), injected - env_names(BASES[name])
    assert "%s_PASSWORD" % BASES[name].ENV in injected
    secret = set(f["id"] for f in ctype["inputs"]["fields"] if f.get("secret"))
    assert secret == SECRET_INPUTS[name]
    # every input is injected (none is collected for nothing), each into the variable of its own name
    for field in ctype["inputs"]["fields"]:
        assert ctype["injectors"]["env"]["%s_%s" % (BASES[name].ENV, field["id"].upper())] == "{{ %s }}" % field["id"]


def test_the_vcda_credential_offers_every_login_type_and_the_token():
    ctype = credential_type("vcda")
    fields = dict((f["id"], f) for f in ctype["inputs"]["fields"])
    assert fields["auth_type"]["choices"] == list(vcda_client.AUTH_TYPES)
    assert {"VCDA_AUTH_TYPE", "VCDA_ACCESS_TOKEN", "VCDA_ACCESS_TOKEN_ORG"} <= set(ctype["injectors"]["env"])
    assert "password" not in ctype["inputs"].get("required", [])  # a token credential has no password


def test_a_vcd_token_credential_logs_in_with_the_token(monkeypatch):
    env = awx_render("vcda", {"auth_type": "vcd_token", "access_token": TOKEN, "access_token_org": "System"})
    assert env["VCDA_ACCESS_TOKEN"] == TOKEN and env["VCDA_PASSWORD"] == "" and env["VCDA_USERNAME"] == ""
    params = module_params(VcdaModule, env, monkeypatch, {"url": "https://vcda.example.com"})
    assert (params["auth_type"], params["access_token"], params["access_token_org"]) == ("vcd_token", TOKEN, "System")
    assert params["password"] is None and params["username"] == "root"  # blank fields are unset
    assert login_problem(params) is None


def test_blank_fields_are_unset_so_defaults_and_the_inventory_apply(monkeypatch):
    env = awx_render("vcda", {"password": "Root-Password-1!"})
    assert env["VCDA_AUTH_TYPE"] == "" and env["VCDA_THUMBPRINT"] == "" and env["VCDA_URL"] == ""
    params = module_params(VcdaModule, env, monkeypatch, {"url": "https://vcda.example.com"})
    assert params["auth_type"] == "local" and params["username"] == "root" and params["thumbprint"] is None
    assert params["access_token"] is None and params["password"] == "Root-Password-1!"
    # a credential's value never replaces one the task gives
    params = module_params(VcdaModule, awx_render("vcda", {"password": "x", "auth_type": "vcd", "username": "a@System"}),
                           monkeypatch, {"url": "https://vcda.example.com", "auth_type": "local", "username": "root"})
    assert (params["auth_type"], params["username"], params["password"]) == ("local", "root", "x")


def test_a_vcd_login_credential_needs_user_at_org(monkeypatch):
    env = awx_render("vcda", {"auth_type": "vcd", "username": "reports@System", "password": "Report-1!"})
    params = module_params(VcdaModule, env, monkeypatch, {"url": "https://vcda.example.com"})
    assert login_problem(params) is None
    env = awx_render("vcda", {"auth_type": "vcd", "username": "reports", "password": "Report-1!"})
    problem = login_problem(module_params(VcdaModule, env, monkeypatch, {"url": "https://vcda.example.com"}))
    assert problem is not None and problem.option == "username"
    env = awx_render("vcda", {"auth_type": "vcd_token"})
    problem = login_problem(module_params(VcdaModule, env, monkeypatch, {"url": "https://vcda.example.com"}))
    assert problem is not None and problem.option == "access_token"


@pytest.mark.parametrize("name", ["vcd", "nsx"])
def test_the_other_credentials_reach_their_modules(name, monkeypatch):
    inputs = {"url": "https://%s.example.com" % name, "username": "admin", "password": "Secret-1!"}
    params = module_params(BASES[name], awx_render(name, inputs), monkeypatch)
    assert (params["url"], params["username"], params["password"]) == (inputs["url"], "admin", "Secret-1!")
    assert params["thumbprint"] is None
    if name == "vcd":
        assert params["org"] == "System"  # blank organization: the provider's
