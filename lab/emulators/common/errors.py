"""The one exception type every emulator raises for an HTTP error answer.

Each emulator renders an :class:`ApiError` in its own API's error shape
(``BaseAppliance.error_body``); the machinery only needs the status and headers.
"""
from __future__ import annotations


class ApiError(Exception):
    """An error answer: HTTP ``status``, an API error ``code``, a message and positional args."""

    def __init__(self, status: int, code: str, msg: str, args=(), headers=None):
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg
        self.error_args = [str(a) for a in args]
        self.headers = dict(headers or {})

    def __repr__(self):
        return "ApiError(%d, %r, %r)" % (self.status, self.code, self.msg)


class ValidationError(Exception):
    """Raised by the request-validation helpers; the appliance maps it to its bad-input error."""

    def __init__(self, msg: str, args=()):
        super().__init__(msg)
        self.msg = msg
        self.error_args = [str(a) for a in args]
