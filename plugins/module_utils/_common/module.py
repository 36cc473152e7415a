# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one module base: shared argument handling, client lifetime, error mapping and the result.

Per-product subclasses (``_vsphere/module.py``, ``_vcda/module.py``, ``_vcd/module.py``,
``_nsx/module.py``) only declare what differs: their environment prefix, their connection options,
the libraries they need and how to build their client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule, missing_required_lib

from ansible_collections.cloudmove.vcda.plugins.module_utils._common import core as _core
from ansible_collections.cloudmove.vcda.plugins.module_utils._common import http as _http
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import (
    ApiError,
    CloudmoveError,
    InputError,
    NotFoundError,
    PartialFailure,
)
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.tls import normalize_thumbprint
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.validate import check_params

INSECURE_WARNING = ("validate_certs is false: the TLS certificate of %s is not verified, so anyone on the path can "
                    "read the credentials; pin the endpoint's SHA-256 thumbprint with the 'thumbprint' option instead")

REQUESTS = ("requests", _http.HAS_REQUESTS, _http.REQUESTS_IMPORT_ERROR)

# The options of every REST backend (VCDA, Cloud Director, NSX): a private CA and a proxy.
HTTP_OPTIONS = dict(
    ca_path=dict(type="path", env=("CA_PATH",)),
    proxy_host=dict(type="str", env=("PROXY_HOST",)),
    proxy_port=dict(type="int", env=("PROXY_PORT",)),
    proxy_protocol=dict(type="str", default="http", choices=["http", "https"]),
)


def set_env_fallback(*names):
    """The first of the environment variables ``names`` that is set and not empty.

    AWX renders every injector of a credential type, so a field left blank arrives as an empty variable: it means
    unset (the option's default applies), not an empty value (an empty ``auth_type`` would fail its choices, an
    empty ``username`` would replace ``root``)."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def with_env(prefix, options):
    """The options with ``env=("NAME", ...)`` falling back to ``PREFIX_NAME`` when set and not empty."""
    spec = {}
    for name, option in options.items():
        option = dict(option)
        names = option.pop("env", None)
        if names:
            option["fallback"] = (set_env_fallback, ["%s_%s" % (prefix, n) for n in names])
        spec[name] = option
    return spec


class CloudmoveModule(AnsibleModule):
    """AnsibleModule plus shared options, client lifetime, error mapping and the result layout.

    Subclasses set ``ENV`` (prefix of the environment fallbacks that AWX credential types inject),
    ``CONNECTION`` (their connection options; ``env`` names the variables), ``LIBRARIES``
    (``(name, available, import error)``, reported through ``missing_required_lib``) and
    ``TIMEOUT`` (the default of the shared ``timeout`` option; ``None``: no such option). REST
    backends add ``HTTP_OPTIONS`` to their ``CONNECTION`` and pass ``http_options()`` to their client.
    Every option named in ``POSITIVE`` (and ``timeout``) must be 1 or more; this is checked once, here.
    """

    ENV = None
    CONNECTION = {}
    LIBRARIES = ()
    TIMEOUT = 300

    def __init__(self, argument_spec, positive=(), masked_on_failure=(), **kwargs):
        self._clients = []  # set first: AnsibleModule may fail (bad arguments) before __init__ returns
        # dict options whose values may hold secrets known only later (ovf_deploy: the password properties of an
        # OVF not read yet): a failure echoes them masked in its invocation
        self._masked_on_failure = tuple(masked_on_failure)
        spec = with_env(self.ENV, dict(self.CONNECTION,
                                       validate_certs=dict(type="bool", default=True, env=("VALIDATE_CERTS",)),
                                       thumbprint=dict(type="str", env=("THUMBPRINT",))))
        if self.TIMEOUT is not None:
            spec["timeout"] = dict(type="int", default=self.TIMEOUT)
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super(CloudmoveModule, self).__init__(argument_spec=spec, **kwargs)
        for name, available, error in self.LIBRARIES:
            if not available:
                self.fail_json(msg=missing_required_lib(name), exception=str(error))
        for option in ("timeout",) + tuple(positive):
            value = self.params.get(option)
            if value is not None and value < 1:
                self.fail_json(msg="%s: must be 1 or more, got %s" % (option, value), option=option)
        try:
            check_params(spec, self.params)  # URL and port options of every module, before any call
        except InputError as error:
            self.fail(error)
        if self.params.get("validate_certs") is False and not self.params.get("thumbprint"):
            self.warn(INSECURE_WARNING % (self.params.get("url") or self.params.get("hostname") or "the endpoint"))

    # ----- clients ---------------------------------------------------------------------------------
    @staticmethod
    def pin(value, option="thumbprint"):
        """A thumbprint to pin, in the one normal form; empty (an AWX field left blank) is none."""
        return normalize_thumbprint(value or None, option)

    def request_timeout(self):
        return min(60, self.params["timeout"])

    def http_options(self):
        """The ``HttpClient`` keywords of the ``HTTP_OPTIONS`` (CA bundle, proxy)."""
        params = self.params
        return dict(ca_path=params["ca_path"],
                    proxy_url=_http.proxy_url(params["proxy_host"], params["proxy_port"], params["proxy_protocol"]))

    def keep(self, client):
        """Register ``client`` so that it is closed (``logout``/``close``) when the module exits."""
        self._clients.append(client)
        return client

    def _close(self):
        clients, self._clients = getattr(self, "_clients", []), []
        for client in clients:
            close = getattr(client, "logout", None) or getattr(client, "close", None)
            if close is not None:
                close()

    def exit_json(self, **kwargs):
        self._close()
        super(CloudmoveModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._close()
        params = getattr(self, "params", None)
        if getattr(self, "_masked_on_failure", ()) and isinstance(params, dict) and "invocation" not in kwargs:
            shown = dict(params)
            for option in self._masked_on_failure:
                if isinstance(shown.get(option), dict):
                    shown[option] = dict((key, _core.MASK) for key in shown[option])
            kwargs["invocation"] = {"module_args": shown}
        super(CloudmoveModule, self).fail_json(msg=msg, **kwargs)

    # ----- secrets, errors, results ----------------------------------------------------------------
    def add_secret(self, value):
        """Register a derived secret so Ansible masks it wherever it would appear."""
        if value:
            self.no_log_values.add(str(value))

    def fail(self, error):
        details = {}
        if isinstance(error, (InputError, NotFoundError)) and error.option:
            details["option"] = error.option
        if isinstance(error, NotFoundError):
            details["existing"] = error.existing
        if isinstance(error, ApiError):
            details.update(status=error.status, url=error.url, method=error.method, api_code=error.code)
        if isinstance(error, PartialFailure):
            details.update(error.results)
        self.fail_json(msg=str(error), **details)

    def reconciler(self, secret_keys=(), unordered_keys=()):
        """The compare-then-act core in this module's check mode."""
        return _core.Reconciler(check_mode=self.check_mode, secret_keys=secret_keys, unordered_keys=unordered_keys)

    def result(self, outcome, **extra):
        """The one result shape: ``changed``, ``extra`` (the object) and ``diff`` in diff mode."""
        return _core.result(outcome, self._diff, **extra)

    def run(self, action):
        """Call ``action(self)`` and exit with its result dict, mapping client errors."""
        try:
            result = action(self)
        except CloudmoveError as error:
            self.fail(error)
        except Exception as error:  # pylint: disable=broad-except
            self.fail_json(msg="unexpected error: %s: %s" % (type(error).__name__, error),
                           exception=traceback.format_exc())
        self.exit_json(**result)
