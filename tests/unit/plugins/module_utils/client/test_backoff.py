# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy on its own: which failures, how many times, how long between."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import itertools

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import Backoff, RetryPolicy, default_max_sleep, polling_delays


@pytest.mark.parametrize("status_code", [None, 429, 502, 503, 504])
def test_get_is_retried_after_transient_failures(status_code):
    assert RetryPolicy().should_retry("GET", 0, status_code)
    assert RetryPolicy().should_retry("get", 2, status_code)


@pytest.mark.parametrize("status_code", [200, 400, 401, 403, 404, 500, 501])
def test_get_is_not_retried_after_definite_answers(status_code):
    assert not RetryPolicy().should_retry("GET", 0, status_code)


@pytest.mark.parametrize("status_code", [None, 429, 502, 503, 504])
def test_post_is_never_retried(status_code):
    assert not RetryPolicy(max_retries=10).should_retry("POST", 0, status_code)


def test_retries_stop_at_max_retries():
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry("GET", 1)
    assert not policy.should_retry("GET", 2)
    assert not RetryPolicy(max_retries=0).should_retry("GET", 0)


def test_delays_double_then_stop_growing():
    policy = RetryPolicy(backoff_base=0.5, backoff_max=8.0, random=lambda: 0.5)
    # three quarters of min(8, 0.5 * 2 ** (n - 1))
    assert [policy.delay(n) for n in range(1, 8)] == [0.375, 0.75, 1.5, 3.0, 6.0, 6.0, 6.0]


def test_jitter_stays_between_half_and_all_of_the_ceiling():
    lowest = RetryPolicy(random=lambda: 0.0)
    highest = RetryPolicy(random=lambda: 0.999999)
    assert [lowest.delay(n) for n in (1, 2, 5, 9)] == [0.25, 0.5, 4.0, 4.0]
    for retry_number, ceiling in ((1, 0.5), (2, 1.0), (5, 8.0), (9, 8.0)):
        assert ceiling * 0.99 < highest.delay(retry_number) < ceiling


@pytest.mark.parametrize("kwargs", [{"max_retries": -1}, {"backoff_base": -0.1}, {"backoff_max": -1}])
def test_rejects_negative_settings(kwargs):
    with pytest.raises(OcpClientError):
        RetryPolicy(**kwargs)


def first(count, delays):
    return list(itertools.islice(delays, count))


def test_polling_delays_grow_by_half_up_to_the_cap():
    assert first(7, polling_delays(2, 8)) == [2, 3, 4.5, 6.75, 8, 8, 8]


def test_polling_delays_with_the_cap_equal_to_the_first_pause_are_constant():
    assert first(3, polling_delays(5, 5)) == [5, 5, 5]


@pytest.mark.parametrize('sleep, expected', [
    (0.5, 2),   # 4 times the interval
    (2, 8),
    (10, 30),   # 4 times would be 40: the 30 s ceiling wins
    (60, 60),   # an interval above the ceiling is kept as asked
])
def test_default_max_sleep(sleep, expected):
    assert default_max_sleep(sleep) == expected


class TestBackoff:
    """The one backoff: the client's retries, a wait's polling, a supervision's outage and the event
    source's failed polls are each a Backoff."""

    def test_grows_by_its_factor_up_to_the_ceiling(self):
        backoff = Backoff(1, 10, factor=2)
        assert [backoff.pause(attempt) for attempt in range(1, 7)] == [1, 2, 4, 8, 10, 10]

    def test_jitter_draws_between_half_and_all_of_the_ceiling(self):
        assert Backoff(4, 10, jitter=True, random=lambda: 0.0).pause(2) == 4
        assert Backoff(4, 10, jitter=True, random=lambda: 0.999).pause(2) == pytest.approx(7.996)

    def test_jitter_never_goes_below_the_floor(self):
        assert Backoff(10, 100, jitter=True, floor=10, random=lambda: 0.0).pause(1) == 10

    def test_the_server_may_ask_for_longer(self):
        assert Backoff(1, 10).pause(1, asked=42) == 42
        assert Backoff(1, 10).pause(3, asked=2) == 4

    def test_thousands_of_attempts_stay_at_the_ceiling(self):
        assert Backoff(5, 300, factor=2).pause(5000) == 300
        assert Backoff(0.5, 8, factor=2, jitter=True, random=lambda: 0.5).pause(10 ** 6) == 6
