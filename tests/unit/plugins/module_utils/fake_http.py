"""A scripted requests transport for the clients' unit tests: no network, every request recorded."""
import json

import requests
from requests.adapters import BaseAdapter


class ScriptedAdapter(BaseAdapter):
    """Answers from a script of ``(status, payload, headers)`` items or exceptions to raise.

    A ``str`` payload is sent as XML, anything else as JSON (``None``: no body). Subclasses
    shape what ``calls`` records by overriding ``record``.
    """

    json_type = "application/json"
    xml_type = "application/xml"

    def __init__(self, script):
        super(ScriptedAdapter, self).__init__()
        self.script = list(script)
        self.calls = []

    def record(self, request):
        return request

    def answer(self, request):
        """The next ``(status, payload, headers)`` (or exception) for ``request``: the script's next item."""
        return self.script.pop(0)

    def send(self, request, **kwargs):
        self.calls.append(self.record(request))
        item = self.answer(request)
        if isinstance(item, Exception):
            raise item
        status, payload, headers = item
        resp = requests.Response()
        resp.status_code = status
        if isinstance(payload, str):
            resp.headers["Content-Type"] = self.xml_type
            resp._content = payload.encode()
        else:
            resp.headers["Content-Type"] = self.json_type
            resp._content = json.dumps(payload).encode() if payload is not None else b""
        resp.headers.update(headers or {})
        resp.url = request.url
        resp.request = request
        return resp

    def close(self):
        pass
