"""Helpers for the lab emulator tests: a pinned HTTPS client, lab configs, a tiny TLS server
standing in for a lookup service, and the configuration flows several tests share."""
from __future__ import annotations

import http.server
import os
import ssl
import sys
import threading
from pathlib import Path
from typing import Any, NamedTuple

import yaml

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from lab.emulators.common import certs  # noqa: E402
from lab.emulators.common.server import Lab  # noqa: E402
from lab.emulators.common.tlsclient import PinnedHttpsClient  # noqa: E402

LAB_TOKEN = "test-lab-token"
INITIAL_PASSWORD = "Vcda-Init-1!"
NEW_PASSWORD = "Cloud-Pass-2!"
SSO_USER, SSO_PASSWORD = "administrator@vsphere.local", "VMware1!"
VCD_URL = "https://127.0.1.14:8443/api"
VCD_USER, VCD_PASSWORD = "administrator@System", "VMware1!"
LICENSE_KEY = "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"

SITE1 = [
    {"name": "t-cloud", "type": "cloud", "site": "site1", "address": "127.0.1.11", "port": 0},
    {"name": "t-manager", "type": "manager", "site": "site1", "address": "127.0.1.11", "port": 0, "cloud": "t-cloud"},
    {"name": "t-replicator", "type": "replicator", "site": "site1", "address": "127.0.1.12", "port": 0},
    {"name": "t-tunnel", "type": "tunnel", "site": "site1", "address": "127.0.1.13", "port": 0},
]
FAST = {"task_queued_seconds": 0.05, "task_run_seconds": 0.3, "restart_seconds": 0.4, "peer_timeout": 2.0}


class Reply(NamedTuple):
    status: int
    headers: dict
    body: Any


class Client:
    """A VCDA API client for tests: pins the appliance's certificate, keeps the session token."""

    def __init__(self, url: str, thumbprint: str):
        self.url = url
        self.thumbprint = thumbprint
        self.token = None

    def call(self, method, path, body=None, headers=None, accept="application/json") -> Reply:
        all_headers = {"Accept": accept} if accept else {}
        if self.token:
            all_headers["X-VCAV-Auth"] = self.token
        all_headers.update(headers or {})
        client = PinnedHttpsClient(self.url, thumbprint_pin=self.thumbprint, timeout=10)
        return Reply(*client.request(method, path, body, all_headers))

    def login(self, password=INITIAL_PASSWORD, user="root") -> "Client":
        reply = self.call("POST", "/sessions", {"type": "localUser", "localUser": user, "localPassword": password})
        assert reply.status == 200, reply
        self.token = reply.headers["x-vcav-auth"]
        return self

    def lab(self, method, path, body=None) -> Reply:
        client = PinnedHttpsClient(self.url, thumbprint_pin=self.thumbprint, timeout=10)
        return Reply(*client.request(method, path, body, {"X-Lab-Token": LAB_TOKEN}))


class RunningLab:
    """A started lab: ``lab['name']`` is the appliance, ``client(name)`` a client for it."""

    def __init__(self, lab: Lab):
        self.lab = lab

    def __getitem__(self, name):
        return self.lab[name]

    def client(self, name) -> Client:
        appliance = self.lab[name]
        return Client(appliance.spec.url, appliance.thumbprint)

    def url(self, name):
        return self.lab[name].spec.url

    def thumbprint(self, name):
        return self.lab[name].thumbprint


def write_config(path: Path, appliances, **defaults) -> Path:
    doc = {
        "lab": {"token": LAB_TOKEN},
        "sso": {"users": {SSO_USER: SSO_PASSWORD}},
        "vcda": {
            "defaults": dict({"version": "4.7", "initial_root_password": INITIAL_PASSWORD}, **FAST, **defaults),
            "vcloud_directors": [{"url": VCD_URL, "thumbprint": None, "users": {VCD_USER: VCD_PASSWORD, "admin1@org1": "Org1-Pass-1!"}}],
            "appliances": appliances,
        },
    }
    path.write_text(yaml.safe_dump(doc))
    return path


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        return None


class TinyTlsServer:
    """Any TLS server will do as a lookup service: the emulator only checks the certificate."""

    def __init__(self, cert_dir, name="ls"):
        cert_path, key_path = os.path.join(cert_dir, name + ".crt"), os.path.join(cert_dir, name + ".key")
        cert_pem = certs.load_or_create(cert_path, key_path, "127.0.0.1", ips=["127.0.0.1"])[0]
        self.thumbprint = certs.thumbprint(certs.pem_to_der(cert_pem))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_path, key_path)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d/lookupservice/sdk" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# ----- flows shared by several tests ---------------------------------------------------------
def first_boot(client: Client, new=NEW_PASSWORD) -> Client:
    """Log in with the initial password and change it, as every appliance needs first."""
    client.login(INITIAL_PASSWORD)
    reply = client.call("POST", "/config/root-password", {"rootPassword": new}, headers={"Config-Secret": INITIAL_PASSWORD})
    assert reply.status == 204, reply
    return client


def ok(reply: Reply, status=200):
    assert reply.status == status, reply
    return reply.body


def configure_cloud(client: Client, ls: TinyTlsServer, site="site1"):
    ok(client.call("POST", "/license", {"key": LICENSE_KEY}))
    ok(client.call("POST", "/config/site", {"localSite": site, "localSiteDescription": "test site"}))
    ok(client.call("POST", "/config/vcloud", {"vcdUrl": VCD_URL, "vcdUsername": VCD_USER, "vcdPassword": VCD_PASSWORD}))
    ok(client.call("POST", "/config/lookup-service", {"url": ls.url, "thumbprint": ls.thumbprint}))


def manager_of(lab: RunningLab, ls: TinyTlsServer = None, name="t-manager", password=NEW_PASSWORD) -> Client:
    """The Manager Service (same root password as its cloud), logged in; with ``ls`` its lookup service set."""
    manager = lab.client(name).login(password)
    if ls is not None:
        ok(manager.call("POST", "/config/lookup-service", {"url": ls.url, "thumbprint": ls.thumbprint}))
    return manager


def prepare_remote(cloud: Client, lab: RunningLab, name: str, ls: TinyTlsServer, group="replicators", password=True):
    """Through ``cloud`` (the manager for replicators, the cloud for tunnels): change the replicator/tunnel
    root password (unless ``password`` is false: done already) and set its lookup service."""
    url, thumb = lab.url(name), lab.thumbprint(name)
    if password:
        change = {"apiUrl": url, "apiThumbprint": thumb, "rootPassword": NEW_PASSWORD}
        ok(cloud.call("POST", "/config/%s/root-password" % group, change, headers={"Config-Secret": INITIAL_PASSWORD}), 204)
    lookup = {"apiUrl": url, "apiThumbprint": thumb, "lsUrl": ls.url, "lsThumbprint": ls.thumbprint, "rootPassword": NEW_PASSWORD}
    ok(cloud.call("POST", "/config/%s/lookup-service" % group, lookup))


def replicator_body(lab: RunningLab, name="t-replicator", site="site1", **details):
    body = {"owner": "*", "site": site, "description": "r1", "replicatorId": None,
            "details": {"apiUrl": lab.url(name), "apiThumbprint": lab.thumbprint(name), "rootPassword": NEW_PASSWORD,
                        "ssoUser": SSO_USER, "ssoPassword": SSO_PASSWORD}}
    body["details"].update(details)
    return body
