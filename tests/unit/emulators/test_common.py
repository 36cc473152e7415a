"""The shared emulator machinery on its own (no servers)."""
from __future__ import annotations

import json
import threading

import pytest

from lab.emulators.common import certs
from lab.emulators.common.errors import ApiError, ValidationError
from lab.emulators.common.faults import FaultInjector
from lab.emulators.common.media import VendorMediaPolicy
from lab.emulators.common.reqlog import RequestLog, field_names
from lab.emulators.common.schema import Bool, Int, List, Obj, OneOf, Schema, Str
from lab.emulators.common.sessions import SessionStore
from lab.emulators.common.state import JsonStateStore, json_pointer_patch

INNER = Schema({"port": Int(required=True, minimum=1, maximum=65535), "tls": Bool(default=True)})
OUTER = Schema({"name": Str(required=True), "note": Str(nullable=True), "inner": Obj(INNER), "tags": List(Str())})


@pytest.mark.parametrize("body, args", [
    ({"name": "a", "bogus": 1}, ["bogus"]),
    ({}, ["name"]),
    ({"name": 5}, ["name", "string"]),
    ({"name": None}, ["name"]),
    ({"name": ""}, ["name"]),
    ({"name": "a", "inner": {"port": "443"}}, ["inner.port", "integer"]),
    ({"name": "a", "inner": {"port": True}}, ["inner.port", "integer"]),
    ({"name": "a", "inner": {"port": 1.0}}, ["inner.port", "integer"]),
    ({"name": "a", "inner": {"port": 70000}}, ["inner.port"]),
    ({"name": "a", "inner": {"port": 1, "x": 2}}, ["inner.x"]),
    ({"name": "a", "tags": ["x", 1]}, ["tags[1]", "string"]),
    ([], ["body"]),
])
def test_schema_rejects(body, args):
    with pytest.raises(ValidationError) as exc:
        OUTER.validate(body)
    assert exc.value.error_args == args


def test_schema_accepts_and_fills_defaults():
    expected = {"name": "a", "note": None, "inner": {"port": 443, "tls": True}}
    assert OUTER.validate({"name": "a", "note": None, "inner": {"port": 443}}) == expected
    login = OneOf("type", {"a": Schema({"type": Str(required=True), "x": Int(required=True)})})
    assert login.validate({"type": "a", "x": 1}) == {"type": "a", "x": 1}
    with pytest.raises(ValidationError):
        login.validate({"type": "b"})
    with pytest.raises(ValidationError):
        login.validate({"x": 1})


def test_json_pointer_patch():
    doc = {"a": {"b": [1, 2]}, "c~d/e": 1}
    json_pointer_patch(doc, [{"op": "replace", "path": "/a/b/0", "value": 9}, {"op": "add", "path": "/a/b/-", "value": 3},
                             {"op": "remove", "path": "/c~0d~1e"}, {"op": "add", "path": "/new", "value": {"x": 1}}])
    assert doc == {"a": {"b": [9, 2, 3]}, "new": {"x": 1}}
    for ops in ([{"op": "replace", "path": "/missing", "value": 1}], [{"op": "remove", "path": "/a/b/7"}],
                [{"op": "move", "path": "/a"}], [{"op": "add", "path": "a"}], {"op": "add"}):
        with pytest.raises(ValueError):
            json_pointer_patch(doc, ops)


def test_state_store_is_transactional_and_persistent(tmp_path):
    path = tmp_path / "a.json"
    store = JsonStateStore(str(path), lambda: {"n": 0, "items": []})
    with store.edit() as state:
        state["n"] = 1
    with pytest.raises(RuntimeError):
        with store.edit() as state:
            state["n"] = 99
            raise RuntimeError("abandon")
    assert store.snapshot()["n"] == 1

    def bump():
        for dummy in range(50):
            with store.edit() as draft:
                draft["items"].append(1)
    threads = [threading.Thread(target=bump) for dummy in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(JsonStateStore(str(path), dict).snapshot()["items"]) == 200
    assert json.loads(path.read_text())["n"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temp files left behind


def test_media_policy():
    policy = VendorMediaPolicy(r"application/vnd\.vmware\.h4-v(?P<version>[0-9.]+)\+json",
                               "application/vnd.vmware.h4-v{version}+json", ["4.7"], "4.7")
    assert policy.response_type(None) == "application/vnd.vmware.h4-v4.7+json;charset=UTF-8"
    assert policy.response_type("application/json") == "application/json;charset=UTF-8"
    assert policy.response_type("text/html, application/vnd.vmware.h4-v4.7+json") == \
        "application/vnd.vmware.h4-v4.7+json;charset=UTF-8"
    assert policy.response_type("application/vnd.vmware.h4-v4.5+json;q=1, */*;q=0.1").startswith("application/vnd.vmware.h4-v4.7")
    with pytest.raises(ApiError) as exc:
        policy.response_type("application/vnd.vmware.h4-v4.5+json;charset=UTF-8")
    assert exc.value.status == 406
    policy.check_request_type("application/json; charset=utf-8")
    policy.check_request_type("application/vnd.vmware.h4-v4.7+json;charset=UTF-8")
    for bad in ("text/plain", "", None, "application/vnd.vmware.h4-v3.5+json"):
        with pytest.raises(ApiError) as exc:
            policy.check_request_type(bad)
        assert exc.value.status == 415


def test_faults_same_seed_same_sequence():
    def sequence():
        injector = FaultInjector()
        injector.configure({"seed": 3, "rules": [{"path": "/config/*", "error503Rate": 0.3, "resetRate": 0.2}]})
        return [injector.decide("GET", "/config/x").kind for dummy in range(40)], injector.decide("GET", "/sessions").kind

    first, second = sequence(), sequence()
    assert first == second and first[1] is None
    assert {"503", "reset", None} == set(first[0])


def test_request_log_and_sessions():
    assert field_names({"a": 1, "b": {"c": [{"d": 2}, {"d": 3, "e": 4}]}}) == ["a", "b", "b.c", "b.c[].d", "b.c[].e"]
    log = RequestLog(size=2)
    for i in range(3):
        log.add("GET", "/p%d" % i, {}, {"X-VCAV-Auth": "t", "Config-Secret": "s", "Accept": "a"}, None, 200, 0.0)
    entries = log.list()
    assert [e["path"] for e in entries] == ["/p1", "/p2"] and entries[0]["headers"] == {"Accept": "a"}

    now = [0.0]
    sessions = SessionStore(10, clock=lambda: now[0])
    token = sessions.create({"user": "root"})
    now[0] = 9
    assert sessions.get(token) == {"user": "root"}
    now[0] = 18
    assert sessions.get(token) is not None       # idle time counts from the last use
    now[0] = 29
    assert sessions.get(token) is None


def test_thumbprints_and_certificates(tmp_path):
    cert_pem, key_pem = certs.load_or_create(str(tmp_path / "x.crt"), str(tmp_path / "x.key"), "127.0.1.9", ips=["127.0.1.9"])
    again = certs.load_or_create(str(tmp_path / "x.crt"), str(tmp_path / "x.key"), "127.0.1.9", ips=["127.0.1.9"])[0]
    assert again == cert_pem
    der = certs.pem_to_der(cert_pem)
    thumb = certs.thumbprint(der)
    assert thumb.startswith("SHA-256:") and len(thumb.split(":")) == 33 and thumb == thumb.upper()
    assert certs.normalize_thumbprint("SHA-256:" + thumb[8:].lower()) == thumb
    with pytest.raises(ValueError):
        certs.normalize_thumbprint(thumb[8:])
    assert certs.der_from_b64(certs.b64_der(der)) == der
    p12 = certs.make_pkcs12(cert_pem, key_pem, "pw")
    assert certs.load_pkcs12(p12, "pw")[0] == cert_pem
    with pytest.raises(ValueError):
        certs.load_pkcs12(p12, "wrong")
