import json

import pytest
import requests

from fake_http import ScriptedAdapter
from ansible_collections.cloudmove.vcda.plugins.module_utils._common import http as _http
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import ApiError, ConnectionFailure, TlsError


class FakeAdapter(ScriptedAdapter):
    """Records (method, url, raw body)."""

    def record(self, request):
        return (request.method, request.url, request.body)


def client(script, **kwargs):
    c = _http.HttpClient("https://vcda.example:8046/", **kwargs)
    adapter = FakeAdapter(script)
    c.session.mount("https://", adapter)
    c.sleeps = []
    c.sleep = c.sleeps.append
    return c, adapter


def test_get_returns_json_and_builds_url():
    c, a = client([(200, {"ok": 1}, None)])
    assert c.get("/config") == {"ok": 1}
    assert a.calls[0][:2] == ("GET", "https://vcda.example:8046/config")


def test_retries_reads_on_503_honouring_retry_after():
    c, a = client([(503, None, {"Retry-After": "2"}), (502, None, None), (200, {"v": 2}, None)])
    assert c.get("config") == {"v": 2}
    assert len(a.calls) == 3
    assert c.sleeps[0] == 2.0 and 0 <= c.sleeps[1] <= 8


def test_connection_reset_on_read_is_retried_then_reported():
    err = requests.exceptions.ConnectionError("Connection reset by peer")
    c, a = client([err] * 5, retries=4)
    with pytest.raises(ConnectionFailure) as exc:
        c.get("x")
    assert len(a.calls) == 5 and "reset" in str(exc.value)


def test_post_is_not_blindly_retried():
    c, a = client([(503, {"code": "Unavailable", "msg": "busy"}, None)])
    with pytest.raises(ApiError) as exc:
        c.post("/replicators", {"a": 1})
    assert len(a.calls) == 1
    assert exc.value.status == 503


def test_post_retry_when_caller_says_safe():
    c, a = client([(503, None, None), (200, {"ok": True}, None)])
    assert c.post("/check", {}, retry_unsafe=True) == {"ok": True}
    assert len(a.calls) == 2


def test_api_error_carries_method_url_status_and_api_message():
    c, _adapter = client([(400, {"code": "BadUserInput", "msg": "Field 'foo' is unknown", "args": ["foo"]}, None)])
    with pytest.raises(ApiError) as exc:
        c.post("/config/site", {"foo": 1})
    e = exc.value
    assert (e.method, e.status, e.code) == ("POST", 400, "BadUserInput")
    assert "https://vcda.example:8046/config/site" in str(e) and "Field 'foo' is unknown" in str(e)


def test_json_body_sent_with_content_type():
    c, a = client([(204, None, None)])
    assert c.post("/x", {"k": "v"}) is None
    assert json.loads(a.calls[0][2]) == {"k": "v"}


def test_ssl_error_without_pin_points_to_thumbprint():
    c, _adapter = client([requests.exceptions.SSLError("self-signed certificate")])
    with pytest.raises(TlsError) as exc:
        c.get("/")
    assert "thumbprint" in str(exc.value)


def test_pinned_client_mounts_adapter_with_fingerprint():
    tp = "SHA-256:" + ":".join(["AB"] * 32)
    c = _http.HttpClient("https://h", thumbprint=tp)
    adapter = c.session.get_adapter("https://h/x")
    assert isinstance(adapter, _http.PinnedAdapter)
    assert adapter._fingerprint == "ab" * 32
    assert c.session.verify is False


def test_verification_on_by_default():
    assert _http.HttpClient("https://h").session.verify is True
    assert _http.HttpClient("https://h", validate_certs=False).session.verify is False


def test_backoff_is_capped():
    delays = list(_http.backoff_delays(10, base=1, cap=4))
    assert len(delays) == 10 and max(delays) <= 4


def test_ssl_eof_during_a_restart_is_a_retried_connection_failure():
    eof = requests.exceptions.SSLError("EOF occurred in violation of protocol (_ssl.c:2427)")
    c, a = client([eof, (200, {"up": True}, None)])
    assert c.get("/") == {"up": True}
    assert len(a.calls) == 2
    c, a = client([eof] * 5, retries=4)
    with pytest.raises(ConnectionFailure) as exc:
        c.get("/")
    assert "TLS handshake" in str(exc.value) and "thumbprint" not in str(exc.value)


def test_fingerprint_mismatch_is_a_tls_error():
    c, _adapter = client([requests.exceptions.SSLError("Fingerprints did not match. Expected ab, got cd")],
                         thumbprint="SHA-256:" + ":".join(["AB"] * 32))
    with pytest.raises(TlsError) as exc:
        c.get("/")
    assert "does not match the pinned thumbprint" in str(exc.value)


class VerifyAdapter(ScriptedAdapter):
    """Records what requests hands the transport: the verify value and the proxies."""

    def send(self, request, **kwargs):
        self.seen = getattr(self, "seen", [])
        self.seen.append((kwargs.get("verify"), kwargs.get("proxies")))
        return super(VerifyAdapter, self).send(request, **kwargs)


def _verify_client(monkeypatch, bundle_env, **kwargs):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    if bundle_env:
        monkeypatch.setenv(bundle_env, "/nonexistent/env-bundle.pem")
    c = _http.HttpClient("https://vcda.example:8046/", **kwargs)
    adapter = VerifyAdapter([(200, {"ok": 1}, None)])
    c.session.mount("https://", adapter)
    return c, adapter


@pytest.mark.parametrize("bundle_env", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", None])
def test_validate_certs_false_wins_over_ca_bundle_environment(monkeypatch, bundle_env):
    c, a = _verify_client(monkeypatch, bundle_env, validate_certs=False)
    assert c.get("/") == {"ok": 1}
    assert a.seen == [(False, {})]


@pytest.mark.parametrize("bundle_env", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_path_wins_over_ca_bundle_environment(monkeypatch, bundle_env):
    c, a = _verify_client(monkeypatch, bundle_env, ca_path="/etc/pki/private-ca.pem")
    c.get("/")
    assert a.seen[0][0] == "/etc/pki/private-ca.pem"


def test_environment_bundle_still_applies_when_nothing_else_is_chosen(monkeypatch):
    c, a = _verify_client(monkeypatch, "REQUESTS_CA_BUNDLE")
    c.get("/")
    assert a.seen[0][0] == "/nonexistent/env-bundle.pem"


def test_thumbprint_pins_whatever_the_environment(monkeypatch):
    c, _a = _verify_client(monkeypatch, "REQUESTS_CA_BUNDLE", thumbprint="AB" * 32, ca_path="/x.pem")
    assert c.verify is False


def test_proxy_from_environment_and_explicit_proxy_url(monkeypatch):
    c, a = _verify_client(monkeypatch, None)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.env:3128")
    c.get("/")
    assert a.seen[0][1].get("https") == "http://proxy.env:3128"
    c, a = _verify_client(monkeypatch, None, proxy_url="http://proxy.opt:8080")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.env:3128")
    c.get("/")
    assert a.seen[0][1]["https"] == "http://proxy.opt:8080"


def test_no_proxy_environment_is_honoured(monkeypatch):
    c, a = _verify_client(monkeypatch, None)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.env:3128")
    monkeypatch.setenv("NO_PROXY", "vcda.example")
    c.get("/")
    assert not a.seen[0][1].get("https")


def test_pinned_adapter_pins_through_a_proxy_too():
    adapter = _http.PinnedAdapter("ab" * 32)
    manager = adapter.proxy_manager_for("http://proxy.example:3128")
    assert manager.connection_pool_kw["assert_fingerprint"] == "ab" * 32
    assert manager.connection_pool_kw["cert_reqs"] == "CERT_NONE"
    pool = adapter.poolmanager
    assert pool.connection_pool_kw["assert_fingerprint"] == "ab" * 32


def test_pinned_adapter_gives_every_connection_one_context_without_a_ca_store():
    """urllib3 makes a TLS context per connection and loads the system CA store into it unless it is given one:
    most of the CPU a request costs (a wave sends hundreds). A pin needs no CA, so one bare context serves all."""
    import ssl
    adapter = _http.PinnedAdapter("ab" * 32)
    context = adapter.poolmanager.connection_pool_kw["ssl_context"]
    assert adapter.proxy_manager_for("http://proxy.example:3128").connection_pool_kw["ssl_context"] is context
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname  # the fingerprint decides
    pool = adapter.poolmanager.connection_from_url("https://vcda.example:8046/")
    assert pool.conn_kw["ssl_context"] is context  # what each new connection of the pool is wrapped with
    assert context.cert_store_stats()["x509_ca"] == 0


# ----- non-idempotent calls: re-read the state, retry only when nothing happened ---------------
def test_post_with_find_existing_retries_when_nothing_appeared():
    reads = []
    c, a = client([(503, None, {"Retry-After": "3"}), (201, {"id": "r1"}, None)])
    assert c.post("/replicators", {"a": 1}, find_existing=lambda: reads.append(1)) == {"id": "r1"}
    assert len(a.calls) == 2 and reads == [1]
    assert c.sleeps == [3.0]  # Retry-After honoured for the unsafe call too


def test_post_with_find_existing_returns_what_the_lost_reply_made():
    reset = requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('closed'))")
    c, a = client([reset])
    assert c.post("/sites", {"apiUrl": "x"}, find_existing=lambda: {"id": "task-1", "state": "RUNNING"}) == \
        {"id": "task-1", "state": "RUNNING"}
    assert len(a.calls) == 1  # never sent twice: nothing duplicated
    c, a = client([reset])
    found = c.request("POST", "/sites", json_body={}, raw=True, find_existing=lambda: {"id": "s"})
    assert isinstance(found, _http.Found) and found.value == {"id": "s"}


def test_post_with_find_existing_gives_up_after_the_retries():
    c, a = client([(503, {"msg": "busy"}, None)] * 3, retries=2)
    with pytest.raises(ApiError) as exc:
        c.post("/replicators", {}, find_existing=lambda: None)
    assert len(a.calls) == 3 and exc.value.status == 503


def test_refused_connection_is_retried_for_any_method():
    refused = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool: Max retries exceeded (Caused by NewConnectionError('[Errno 111] Connection refused'))")
    c, a = client([refused, (201, {"id": 1}, None)])
    assert c.post("/replicators", {}) == {"id": 1}
    assert len(a.calls) == 2


def test_upstream_500_is_retried_for_idempotent_calls_only():
    c, a = client([(500, {"code": "GeneralServerFailure", "msg": "replicator answered HTTP 503"}, None),
                   (200, {"lsUrl": "u"}, None)])
    assert c.post("/config/replicators/lookup-service", {}, retry_unsafe=True) == {"lsUrl": "u"}
    c, a = client([(500, {"msg": "boom"}, None)])
    with pytest.raises(ApiError):
        c.post("/policies", {})
    assert len(a.calls) == 1


def test_delete_after_a_lost_reply_is_done_when_404():
    reset = requests.exceptions.ConnectionError("Connection reset by peer")
    c, a = client([reset, (404, {"code": "SiteNotFound"}, None)])
    assert c.delete("/sites/site2") is None
    assert len(a.calls) == 2
    c, a = client([(404, {"code": "SiteNotFound", "msg": "no"}, None)])
    with pytest.raises(ApiError):  # a first 404 is still an error
        c.delete("/sites/site2")
