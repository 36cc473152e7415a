"""Serving appliances: one werkzeug TLS server thread per appliance, all in one process."""
from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
from typing import Dict, List, Optional, Type
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server

from . import certs
from .app import create_app
from .appliance import BaseAppliance
from .config import LabConfig
from .control import LAB_PREFIX
from .tlsclient import PEER_HEADER, PinnedHttpsClient, TlsError


class LabRequestHandler(WSGIRequestHandler):
    """Decides the injected fault before the app runs: a connection reset never reaches the
    app (the socket is closed with SO_LINGER 0, so the client sees ECONNRESET); other faults
    travel to the app in ``environ['lab.fault']``. The access log is the appliance's request log."""

    def log(self, type, message, *args):  # pylint: disable=redefined-builtin
        return None

    def make_environ(self):
        environ = super().make_environ()
        environ["lab.fault"] = getattr(self, "_lab_fault", None)
        environ["lab.connection"] = self.connection
        return environ

    def run_wsgi(self):
        self._lab_fault = None
        appliance = getattr(self.server.app, "lab_appliance", None)
        path = urlsplit(self.path).path
        if appliance is not None and not path.startswith(LAB_PREFIX):
            source = "peer" if self.headers.get(PEER_HEADER) else "client"
            fault = appliance.faults.decide(self.command, path, source)
            if fault.kind == "reset":
                started = time.time()
                if fault.latency:
                    time.sleep(fault.latency)
                appliance.reqlog.add(self.command, path, {}, self.headers, None, 0, started, fault="reset")
                self.close_connection = True
                reset_connection(self.connection)
                return
            if fault.kind == "sessionExpiry":
                appliance.sessions.clear()
            elif fault.kind == "restart":
                appliance.simulate_restart(fault.restart_seconds)
            self._lab_fault = fault
        super().run_wsgi()


def reset_connection(connection) -> None:
    """Close with SO_LINGER 0: the client sees ECONNRESET."""
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        connection.close()


def lost_reply_middleware(app):
    """``lostReply`` faults: the request is carried out in full, then the connection is reset
    instead of answering, as when a proxy or the network drops a reply."""
    def middleware(environ, start_response):
        fault = environ.get("lab.fault")
        if fault is None or fault.kind != "lostReply":
            return app(environ, start_response)
        result = app(environ, lambda *args, **kwargs: (lambda data: None))
        try:
            for _chunk in result:
                pass
        finally:
            if hasattr(result, "close"):
                result.close()
        reset_connection(environ["lab.connection"])
        raise ConnectionResetError("injected lost reply")
    middleware.lab_appliance = app.lab_appliance  # the request handler reads it
    return middleware


class ApplianceServer:
    def __init__(self, appliance: BaseAppliance):
        self.appliance = appliance
        spec = appliance.spec
        appliance.ssl_context = certs.server_context(*appliance.current_cert_paths())
        self.app = create_app(appliance)
        self.httpd = make_server(spec.address, spec.port, lost_reply_middleware(self.app), threaded=True,
                                 ssl_context=appliance.ssl_context, request_handler=LabRequestHandler)
        self.httpd.daemon_threads = True
        # Connection-level noise (resets we inject, clients hanging up) is not worth a traceback.
        self.httpd.log = lambda *args, **kwargs: None
        self.httpd.handle_error = lambda *args, **kwargs: None
        spec.port = self.httpd.port  # port 0 in the config means "any free port"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="serve-" + appliance.name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.thread.join(timeout=5)
        self.httpd.server_close()
        self.appliance.store.flush()  # task changes not written yet


class Lab:
    """All appliances of a lab config, for the kinds given (``{"vcda": VcdaAppliance}``)."""

    def __init__(self, config: LabConfig, kinds: Dict[str, Type[BaseAppliance]], cert_dir: Optional[str] = None):
        self.config = config
        unknown = sorted({s.kind for s in config.appliances} - set(kinds))
        self.skipped_kinds = unknown
        self.appliances: List[BaseAppliance] = [kinds[s.kind](s, config, cert_dir=cert_dir)
                                                for s in config.appliances if s.kind in kinds]
        self.servers: List[ApplianceServer] = []

    def __getitem__(self, name: str) -> BaseAppliance:
        for appliance in self.appliances:
            if appliance.name == name:
                return appliance
        raise KeyError(name)

    def start(self) -> "Lab":
        try:
            for appliance in self.appliances:
                server = ApplianceServer(appliance)
                self.servers.append(server)
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stoppers = [threading.Thread(target=server.stop) for server in self.servers]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        self.servers = []

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Return once every appliance answers ``GET /_lab/info`` over TLS with its own certificate."""
        deadline = time.monotonic() + timeout
        for appliance in self.appliances:
            while True:
                client = PinnedHttpsClient(appliance.spec.url, thumbprint_pin=appliance.thumbprint, timeout=2.0,
                                           default_headers={"X-Lab-Token": self.config.token})
                try:
                    status = client.request("GET", "/_lab/info")[0]
                    if status == 200:
                        break
                except TlsError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("appliance %s at %s did not answer" % (appliance.name, appliance.spec.url))
                time.sleep(0.1)

    def describe(self) -> Dict:
        return {"labToken": self.config.token, "config": self.config.path, "stateDir": self.config.state_dir,
                "appliances": [a.describe() for a in self.appliances]}

    def write_run_file(self, path: str) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        doc = dict(self.describe(), pid=os.getpid(), startedAt=int(time.time()))
        tmp = "%s.tmp-%d" % (path, os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
