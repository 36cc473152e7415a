import pytest

from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import ApiError, TimeoutExpired
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.wait import Poller


class Clock(object):
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def poller(timeout, clock, **kwargs):
    return Poller(timeout, clock=clock, sleep=clock.sleep, **kwargs)


def test_until_returns_the_first_value_that_is_done_with_capped_backoff():
    clock, values = Clock(), iter([1, 2, 3, 4, 5, 6])
    seen = []
    assert poller(60, clock, first=1.0, factor=2.0, cap=3.0).until(
        lambda: next(values), lambda v: v == 5, "five", progress=seen.append) == 5
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0] and seen == [1, 2, 3, 4, 5]


def test_until_times_out_with_what_and_the_last_state():
    clock = Clock()
    with pytest.raises(TimeoutExpired) as err:
        poller(5, clock, first=2.0).until(lambda: "RUNNING", lambda v: False, "the task", last_state=str.lower)
    assert "the task" in str(err.value) and err.value.last_state == "running"
    assert sum(clock.sleeps) == 5  # never sleeps past the deadline


def test_transient_errors_are_not_done_yet_and_others_end_the_wait():
    clock, answers = Clock(), [ApiError("GET", "/health", 503), "green"]

    def probe():
        item = answers.pop(0)
        if isinstance(item, Exception):
            raise item
        return item
    assert poller(10, clock).until(probe, lambda v: v == "green", "health", transient=(ApiError,)) == "green"
    answers.append(ApiError("GET", "/x", 500))
    with pytest.raises(ApiError):
        poller(10, clock).until(probe, lambda v: True, "x")


def test_a_value_already_read_is_used_as_the_first_probe():
    calls = []
    clock = Clock()
    assert poller(10, clock).until(lambda: calls.append(1) or "done", lambda v: v == "done", "x", first="running") \
        == "done"
    assert calls == [1]
