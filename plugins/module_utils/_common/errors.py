# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors raised by the collection's clients.

The clients know nothing of Ansible; modules map these errors to ``fail_json`` in one place
(the base module class of each backend).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class CloudmoveError(Exception):
    """Base class of every error raised by the collection's clients."""

    def __init__(self, message, **details):
        super(CloudmoveError, self).__init__(message)
        self.message = message
        self.details = details

    def __str__(self):
        return self.message


class InputError(CloudmoveError):
    """The user's input is invalid; ``option`` names the offending option."""

    def __init__(self, message, option=None, choices=None):
        if choices is not None:
            message = "%s (accepted: %s)" % (message, ", ".join(str(c) for c in choices) or "none")
        super(InputError, self).__init__(message, option=option, choices=choices)
        self.option = option
        self.choices = choices


class NotFoundError(CloudmoveError):
    """A named object does not exist; ``existing`` lists what does."""

    def __init__(self, kind, name, existing=None, option=None):
        existing = sorted(existing or [])
        shown = ", ".join(existing[:30]) + (", ..." if len(existing) > 30 else "")
        message = "%s '%s' not found" % (kind, name)
        if option:
            message = "%s: %s" % (option, message)
        message += "; these exist: %s" % shown if existing else "; none exist"
        super(NotFoundError, self).__init__(message, kind=kind, name=name, existing=existing)
        self.option = option
        self.kind = kind
        self.name = name
        self.existing = existing


class TlsError(CloudmoveError):
    """The peer's certificate could not be verified or does not match the pinned thumbprint."""


class ConnectionFailure(CloudmoveError):
    """The endpoint could not be reached (refused, reset, DNS, timeout)."""


class TimeoutExpired(CloudmoveError):
    """A wait ran past its timeout; ``last_state`` tells what was last seen."""

    def __init__(self, what, timeout, last_state=None):
        message = "timed out after %ss waiting for %s" % (timeout, what)
        if last_state is not None:
            message += " (last state: %s)" % (last_state,)
        super(TimeoutExpired, self).__init__(message, what=what, timeout=timeout, last_state=last_state)
        self.last_state = last_state


class PartialFailure(CloudmoveError):
    """Some items of a run failed while the others went on; ``results`` is what the module returns with the
    failure (each item's outcome, the failed ones with their error)."""

    def __init__(self, message, results):
        super(PartialFailure, self).__init__(message, results=results)
        self.results = results


class TaskFailed(CloudmoveError):
    """A vSphere or REST task ended in error; ``code`` is the API's error code when known."""

    @property
    def code(self):
        return self.details.get("code")


class ApiError(CloudmoveError):
    """An HTTP API answered with an error status.

    Carries the method, URL, status and the API's own error code and message.
    """

    def __init__(self, method, url, status, api_message=None, code=None, body=None):
        message = "%s %s returned HTTP %s" % (method, url, status)
        if code:
            message += " %s" % code
        if api_message:
            message += ": %s" % api_message
        super(ApiError, self).__init__(message, method=method, url=url, status=status, code=code)
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.api_message = api_message
        self.body = body
