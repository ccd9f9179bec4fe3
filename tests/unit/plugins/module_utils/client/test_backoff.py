# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy on its own: which failures, how many times, how long between."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError
from ansible_collections.oceanbase.ocp.plugins.module_utils.client.backoff import RetryPolicy


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
