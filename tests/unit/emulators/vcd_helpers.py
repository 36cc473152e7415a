"""Helpers for the vCD/NSX emulator tests: lab configs with vcd/nsx sections and a client that
speaks both the XML (/api, /network) and JSON (/cloudapi) halves."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from urllib.parse import quote

import yaml
from lxml import etree

from emulator_helpers import FAST, INITIAL_PASSWORD, LAB_TOKEN, SSO_PASSWORD, SSO_USER, Reply

from lab.emulators.common.tlsclient import PinnedHttpsClient

NS = "http://www.vmware.com/vcloud/v1.5"
V = "36.0"
XML_ACCEPT = "application/*+xml;version=%s" % V
JSON_ACCEPT = "application/json;version=%s" % V
SYSTEM = ("administrator@System", "VMware1!")
ORG1 = ("admin1@org1", "Org1-Admin-1!")
EDGE_PASSWORD = "Nsx-Edge-Admin-1!"
CONFIGURE_L2VPN_ID = "eeb2b2a0-33a1-36d4-a121-6547ad992d59"
VIEW_L2VPN_ID = "105191de-9e29-3495-a917-05fcb5ec1ad0"

VCD = [{"name": "t-vcd", "type": "vcd", "site": "site1", "address": "127.0.1.14", "port": 0, "uplink_prefix": "203.0.113"}]
EDGE = [{"name": "t-edge", "type": "autonomous-edge", "address": "127.0.1.35", "port": 0, "uplink_ip": "198.51.100.20"}]


def write_vcd_config(path: Path, vcd=None, nsx=None, vcda=None, vcd_defaults=None) -> Path:
    doc = {
        "lab": {"token": LAB_TOKEN},
        "sso": {"users": {SSO_USER: SSO_PASSWORD}},
        "vcd": {"defaults": dict({"system_users": {"administrator": "VMware1!"},
                                  "orgs": [{"name": "org1", "users": {"admin1": "Org1-Admin-1!"}},
                                           {"name": "org2", "users": {"admin2": "Org2-Admin-1!"}}],
                                  "task_queued_seconds": 0.02, "task_run_seconds": 0.1}, **(vcd_defaults or {})),
                "appliances": vcd if vcd is not None else VCD},
        "nsx": {"defaults": {"users": {"admin": EDGE_PASSWORD}}, "appliances": nsx or []},
    }
    if vcda:
        doc["vcda"] = {"defaults": dict({"version": "4.7", "initial_root_password": INITIAL_PASSWORD}, **FAST),
                       "vcloud_directors": [], "appliances": vcda}
    path.write_text(yaml.safe_dump(doc))
    return path


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


class VcdClient:
    def __init__(self, url, thumbprint):
        self.url = url
        self.thumbprint = thumbprint
        self.headers = {}

    def raw(self, method, path, body=None, headers=None, accept=XML_ACCEPT):
        all_headers = dict(self.headers)
        if accept:
            all_headers["Accept"] = accept
        all_headers.update(headers or {})
        client = PinnedHttpsClient(self.url, thumbprint_pin=self.thumbprint, timeout=10)
        status, resp_headers, data = client.request_raw(method, quote(path, safe="/?=&:;,*@()!$'"), body, all_headers)
        return status, resp_headers, data

    def xml(self, method, path, body=None, content_type=None, headers=None, accept=XML_ACCEPT):
        extra = dict(headers or {})
        if content_type:
            extra["Content-Type"] = content_type
        if isinstance(body, etree._Element):  # pylint: disable=protected-access
            body = etree.tostring(body)
        status, resp_headers, data = self.raw(method, path, body, extra, accept)
        return Reply(status, resp_headers, etree.fromstring(data) if data else None)

    def json(self, method, path, body=None, headers=None, accept=JSON_ACCEPT):
        extra = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            extra.setdefault("Content-Type", "application/json")
        status, resp_headers, data = self.raw(method, path, body, extra, accept)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data
        return Reply(status, resp_headers, parsed)

    def login_legacy(self, user=SYSTEM[0], password=SYSTEM[1]):
        reply = self.xml("POST", "/api/sessions", headers={"Authorization": basic(user, password)})
        assert reply.status == 200, reply
        self.headers = {"x-vcloud-authorization": reply.headers["x-vcloud-authorization"]}
        return reply

    def login(self, user=SYSTEM[0], password=SYSTEM[1]):
        path = "/cloudapi/1.0.0/sessions/provider" if user.lower().endswith("@system") else "/cloudapi/1.0.0/sessions"
        reply = self.json("POST", path, headers={"Authorization": basic(user, password)})
        assert reply.status == 200, reply
        self.headers = {"Authorization": "Bearer " + reply.headers["x-vmware-vcloud-access-token"]}
        return self

    def lab(self, method, path, body=None):
        client = PinnedHttpsClient(self.url, thumbprint_pin=self.thumbprint, timeout=10)
        return Reply(*client.request(method, path, body, {"X-Lab-Token": LAB_TOKEN}))

    def wait_task(self, href_or_id, timeout=10):
        task_id = href_or_id.rstrip("/").rsplit("/", 1)[-1]
        deadline = time.monotonic() + timeout
        while True:
            reply = self.xml("GET", "/api/task/" + task_id)
            assert reply.status == 200, reply
            if reply.body.get("status") in ("success", "error", "aborted", "canceled"):
                return reply.body
            assert time.monotonic() < deadline, "task did not finish"
            time.sleep(0.05)


def q(tag):
    return "{%s}%s" % (NS, tag)
