# -*- coding: utf-8 -*-
# Copyright: cloudmove.vcda contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one polling rhythm every wait uses: capped backoff bounded by a deadline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


class Poller(object):
    """Sleeps between polls, growing by ``factor`` up to ``cap``, never past the deadline."""

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

    def wait(self):
        remaining = self.deadline - self.clock()
        self._sleep(max(0.0, min(self.delay, remaining)))
        self.delay = min(self.cap, self.delay * self.factor)
