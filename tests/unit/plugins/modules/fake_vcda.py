"""A small VCDA appliance behind the scripted transport, for module tests: sessions with the root password,
``GET /config`` and what the modules under test change. Each handler changes ``state`` as the real API would."""
from fake_module import FakeApi

ROOT_PASSWORD = "Initial-Root-1"
TOKEN = "token-of-the-session"


class FakeVcda(object):
    def __init__(self, service_type="Cloud", version="4.7.0.1", password=ROOT_PASSWORD, expired=False, **config):
        self.password = password
        self.expired = expired
        self.about = {"serviceType": service_type, "buildVersion": version}
        self.config = dict(config)
        self.license = {}
        self.tunnels = []
        self.replicators = []
        self.health = {"red": []}
        self.restarts = 0
        self.checks = []
        routes = {
            "POST /sessions": self.login,
            "DELETE /sessions": (200, None, None),
            "GET /diagnostics/about": lambda r, b: (200, self.about, None),
            "GET /config": lambda r, b: (200, self.config, None),
            "GET /config/root-password-expired": lambda r, b: (200, {"rootPasswordExpired": self.expired,
                                                                     "secondsUntilExpiration": 86400}, None),
            "POST /config/root-password": self.change_password,
            "POST /config/check-lookup-service": self.check,
            "POST /config/lookup-service": self.set_lookup_service,
            "POST /config/check-vcloud": self.check,
            "POST /config/vcloud": self.set_vcloud,
            "POST /config/site": self.set_site,
            "GET /license": lambda r, b: (200, self.license, None),
            "POST /license": self.set_license,
            "GET /config/tunnels": lambda r, b: (200, {"tunnels": self.tunnels}, None),
            "POST /config/tunnels": self.add_tunnel,
            "GET /config/remote-certificate": lambda r, b: (200, {"certificate": {"thumbPrint": self.remote_thumbprint},
                                                                  "encoded": self.remote_der}, None),
            "GET /replicators": lambda r, b: (200, self.replicators, None),
            "POST /replicators": self.add_replicator,
            "DELETE /replicators/([^/]+)": self.delete_replicator,
            "POST /os/reboot-services": self.restart,
            "POST /diagnostics/health": lambda r, b: (200, {"id": "t1", "state": "SUCCEEDED",
                                                            "workflowInfo": {"type": "health"},
                                                            "result": self.health}, None),
        }
        self.api = FakeApi(routes)
        self.check_fails = None
        self.remote_thumbprint = None
        self.remote_der = None

    # ----- handlers ----------------------------------------------------------------------------------
    def login(self, request, body):
        if body.get("localPassword") != self.password:
            return (401, {"code": "Unauthorized", "msg": "bad credentials"}, None)
        return (200, {"user": "root"}, {"X-VCAV-Auth": TOKEN})

    def change_password(self, request, body):
        self.password, self.expired = body["rootPassword"], False
        return (204, None, None)

    def check(self, request, body):
        self.checks.append(request.path_url.split("?")[0])
        if self.check_fails:
            return (400, {"code": "CheckFailed", "msg": self.check_fails}, None)
        return (200, {}, None)

    def set_lookup_service(self, request, body):
        self.config.update(lsUrl=body["url"], lsThumbprint=body["thumbprint"])
        return (200, self.config, None)

    def set_vcloud(self, request, body):
        self.config.update(vcdUrl=body["vcdUrl"], vcdUsername=body["vcdUsername"], vcdThumbprint=body["vcdThumbprint"])
        return (200, self.config, None)

    def set_site(self, request, body):
        self.config.update(body)
        return (200, self.config, None)

    def set_license(self, request, body):
        self.license = {"key": body["key"], "isLicensed": True, "expirationDate": 1900000000000}
        return (200, self.license, None)

    def add_tunnel(self, request, body):
        self.tunnels.append({"id": "tun%d" % (len(self.tunnels) + 1), "url": body["url"],
                             "certificate": body["certificate"]})
        return (200, self.tunnels[-1], None)

    def add_replicator(self, request, body):
        item = {"id": "rep%d" % (len(self.replicators) + 1), "apiUrl": body["details"]["apiUrl"],
                "certThumbprint": body["details"]["apiThumbprint"], "owner": body["owner"], "site": body["site"],
                "description": body["description"]}
        self.replicators.append(item)
        return (200, item, None)

    def delete_replicator(self, request, body):
        ident = request.path_url.rsplit("/", 1)[-1]
        self.replicators = [r for r in self.replicators if r["id"] != ident]
        return (204, None, None)

    def restart(self, request, body):
        self.restarts += 1
        return (204, None, None)


def virtual_time(monkeypatch, clock):
    """Every ``VcdaClient`` and ``ReplicationService`` a module makes waits on ``clock`` (``clock()`` the time,
    ``clock.sleep(s)`` moves it on), as the clients' own tests inject it: waits take no real time."""
    from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import client as _client
    from ansible_collections.cloudmove.vcda.plugins.module_utils._vcda import replication as _replication

    for cls in (_client.VcdaClient, _replication.ReplicationService):
        original = cls.__init__

        def init(self, *args, _original=original, **kwargs):
            kwargs.update(clock=clock, sleep=clock.sleep)
            _original(self, *args, **kwargs)
        monkeypatch.setattr(cls, "__init__", init)
    return clock
