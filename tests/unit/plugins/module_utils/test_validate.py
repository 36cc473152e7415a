"""The shared input checks: URL and port options by name (nested too), known names, the base-class hook and
the validate_certs warning."""
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.cloudmove.vcda.plugins.module_utils._common import validate
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.module import CloudmoveModule


@pytest.mark.parametrize("value", ["https://vcda.example.com", "https://127.0.1.11:8046", "https://h:443/path?q=1",
                                   "HTTPS://Host.Example", "https://[::1]:8443/"])
def test_https_urls_pass(value):
    assert validate.https_url(value, "url") == value


@pytest.mark.parametrize("value,words", [
    ("ftp://files.example/x", ["url:", "ftp://", "only https://"]),
    ("http://vcda.example", ["url:", "http://", "only https://"]),
    ("not a url", ["url:", "'not a url' is not a URL"]),
    ("vcda.example.com", ["is not a URL"]),
    ("https://", ["no valid host"]),
    ("https://host:70000", ["70000 is not a TCP port"]),
    ("https://host:abc/", ["invalid port 'abc'"]),
    ("https://bad host/", ["no valid host"]),
])
def test_bad_urls_name_the_option(value, words):
    with pytest.raises(InputError) as err:
        validate.https_url(value, "url")
    assert err.value.option == "url"
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize("value", [0, 70000, -1, True])
def test_ports(value):
    with pytest.raises(InputError) as err:
        validate.tcp_port(value, "api_port")
    assert err.value.option == "api_port" and "1-65535" in str(err.value)
    assert validate.tcp_port(8046, "api_port") == 8046


def test_known_names_lists_the_known_ones():
    with pytest.raises(InputError) as err:
        validate.known_names(["tunnelError", "bogusError"], ("lsError", "tunnelError"), "ignore")
    assert str(err.value) == "ignore: unknown name 'bogusError' (accepted: lsError, tunnelError)"
    assert validate.known_names(["lsError"], ("lsError",), "ignore") == ["lsError"]


SPEC = dict(url=dict(type="str"), lookup_service_url=dict(type="str"), api_port=dict(type="int"),
            name=dict(type="str"), sites=dict(type="list", elements="dict", options=dict(remote_url=dict(type="str"))),
            nested=dict(type="dict", options=dict(listener_port=dict(type="int"))))


@pytest.mark.parametrize("params,option", [
    ({"url": "ftp://x"}, "url"), ({"lookup_service_url": "not a url"}, "lookup_service_url"),
    ({"api_port": 70000}, "api_port"),
    ({"sites": [{"remote_url": "https://ok"}, {"remote_url": "http://x"}]}, "sites[1].remote_url"),
    ({"nested": {"listener_port": 0}}, "nested.listener_port")])
def test_check_params_walks_the_spec(params, option):
    with pytest.raises(InputError) as err:
        validate.check_params(SPEC, params)
    assert err.value.option == option and str(err.value).startswith(option + ":")


def test_check_params_leaves_other_options_alone():
    validate.check_params(SPEC, {"name": "ftp://not-checked", "url": None, "api_port": 443})


def run_module(args, capsys, monkeypatch=None, warned=None):
    if monkeypatch is not None:  # record warn() calls (under a controller, Ansible displays them instead)
        monkeypatch.setattr(CloudmoveModule, "warn", lambda self, text, **kw: warned.append(text))
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module = CloudmoveModule(dict(url=dict(type="str"), validate_certs=dict(type="bool", default=True),
                                          thumbprint=dict(type="str"), api_port=dict(type="int")))
            module.exit_json(changed=False)
    return json.loads(capsys.readouterr().out)


def test_the_base_class_refuses_bad_urls_before_anything(capsys):
    result = run_module({"url": "ftp://vcda.example"}, capsys)
    assert result["failed"] and result["option"] == "url" and "only https://" in result["msg"]
    assert "unexpected error" not in result["msg"] and "exception" not in result
    result = run_module({"url": "https://vcda.example", "api_port": 70000}, capsys)
    assert result["failed"] and result["option"] == "api_port"


@pytest.mark.parametrize("args,count", [
    ({"url": "https://vcda.example", "validate_certs": False}, 1),
    ({"url": "https://vcda.example"}, 0),
    ({"url": "https://vcda.example", "validate_certs": False, "thumbprint": "SHA-256:" + ":".join(["AB"] * 32)}, 0)])
def test_validate_certs_false_warns_once_unless_pinned(capsys, monkeypatch, args, count):
    warned = []
    run_module(args, capsys, monkeypatch, warned)
    assert len(warned) == count
    if count:
        assert "validate_certs is false" in warned[0] and "https://vcda.example" in warned[0] and "thumbprint" in warned[0]
