# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one polling rhythm every wait uses: capped backoff bounded by a deadline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import TimeoutExpired


class Poller(object):
    """Sleeps between polls, growing by ``factor`` up to ``cap``, never past the deadline.

    :meth:`until` is the one wait loop: every wait of the collection (tasks, leases, health, tunnel
    status, IP addresses) is a ``probe``, a ``done`` predicate and a description of what it waits for.
    """

    def __init__(self, timeout, first=0.2, cap=5.0, factor=2.0, clock=time.monotonic, sleep=time.sleep):
        self.timeout = timeout
        self.clock = clock
        self.deadline = clock() + timeout
        self.delay = first
        self.cap = cap
        self.factor = factor
        self._sleep = sleep

    def expired(self):
        return self.clock() >= self.deadline

    def remaining(self):
        return max(0.0, self.deadline - self.clock())

    def wait(self):
        self._sleep(max(0.0, min(self.delay, self.remaining())))
        self.delay = min(self.cap, self.delay * self.factor)

    def until(self, probe, done, what, last_state=None, progress=None, transient=(), first=None):
        """Call ``probe()`` until ``done(value)`` holds and return that value.

        ``progress(value)`` is called after every probe; ``last_state(value)`` (default: the value)
        is what :class:`TimeoutExpired` reports as last seen; exceptions of the ``transient`` types
        count as "not yet" (their message is the last state); any other exception ends the wait.
        ``first``: a value already read, used instead of the first probe.
        """
        value, have = first, first is not None
        while True:
            try:
                if not have:
                    value = probe()
                have = False
                if progress is not None:
                    progress(value)
                if done(value):
                    return value
                last = last_state(value) if last_state is not None else value
            except transient as error:  # pylint: disable=catching-non-exception
                last = str(error)
            if self.expired():
                raise TimeoutExpired(what, self.timeout, last)
            self.wait()
