"""The one fake for module tests: a module's real ``main()`` (argument spec, base class, the core,
the result builder, Ansible's own no_log masking) against a fake API behind the scripted transport.

No network: every ``HttpClient`` the module makes gets ``api`` mounted for http and https.
"""
import contextlib
import io
import json
import os
import re
import sys

import requests

from ansible.module_utils import _internal as _ansible_internal
from ansible.module_utils.common import warnings as _warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cloudmove.vcda.plugins.module_utils._common import http as _http
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils"))
from fake_http import ScriptedAdapter  # noqa: E402  pylint: disable=wrong-import-position

MASK = "********"


class FakeApi(ScriptedAdapter):
    """Answers by route instead of by order: ``routes`` maps ``"METHOD /path"`` (a regular expression
    on the path, query string left out) to ``(status, payload, headers)``, to a list of them (one per
    call, the last one repeats) or to ``handler(request, body)`` returning one. ``calls`` records
    ``(METHOD, path, body)``; an unrouted request answers 404 so that a test sees what it missed."""

    LOGIN = r"^/sessions$|^/api/sessions$|^/cloudapi/1\.0\.0/sessions.*$"

    def __init__(self, routes, login=LOGIN):
        super(FakeApi, self).__init__([])
        self.routes = list(routes.items())
        self.login = login

    def record(self, request):
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        try:
            body = json.loads(body) if body else None
        except ValueError:
            pass
        return (request.method, requests.utils.urlparse(request.url).path, body)

    def answer(self, request):
        method, path, body = self.calls[-1]
        for route, item in self.routes:
            want_method, want_path = route.split(" ", 1)
            if want_method == method and re.match("^%s$" % want_path, path):
                if callable(item):
                    return item(request, body)
                if isinstance(item, list):
                    return item.pop(0) if len(item) > 1 else item[0]
                return item
        return (404, {"code": "NotFound", "msg": "no route for %s %s" % (method, path)}, None)

    def writes(self):
        """The calls that change something (not reads, not logging in or out)."""
        return [(m, p) for m, p, _b in self.calls if m != "GET" and not re.match(self.login, p)]


def run_module(module, args, api=None, check_mode=False, diff=False, monkeypatch=None):
    """Run ``module.main()`` with ``args``; the result dict (``failed`` set when it failed)."""
    if api is not None:
        original = _http.HttpClient.__init__

        def init(self, *a, **kw):
            original(self, *a, **kw)
            self.session.mount("https://", api)
            self.session.mount("http://", api)
        monkeypatch.setattr(_http.HttpClient, "__init__", init)
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    _warnings._global_warnings.clear()  # one process runs many modules: each result has its own warnings only
    _warnings._global_deprecations.clear()
    out = io.StringIO()
    # a module's warnings go into its result, not to the controller's display (which importing an action
    # plugin in another test switches on for the whole process)
    controller, _ansible_internal.is_controller = _ansible_internal.is_controller, False
    try:
        with patch_module_args(args), contextlib.redirect_stdout(out):
            try:
                module.main()
            except SystemExit:
                pass
    finally:
        _ansible_internal.is_controller = controller
    return json.loads(out.getvalue())


def text(result):
    """The whole result as text, to look for secrets anywhere in it."""
    return json.dumps(result, sort_keys=True)


def warnings(result):
    """The warnings of a result as text (ansible-core gives strings or ``{"event": {"msg": ...}}`` records)."""
    return [w if isinstance(w, str) else (w.get("event") or w).get("msg", "") for w in result.get("warnings") or []]
