# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When the client sends a request again, and how long it waits first.

Only GETs are retried. A POST (retry, rollback, skip, cancel) that may have reached OCP must not
be sent twice: the client raises an ambiguous OcpConnectionError and the caller re-reads the
task's state to find out whether the action happened.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random as _random

try:
    from urllib3.util.retry import Retry as _Urllib3Retry
    from urllib3.exceptions import InvalidHeader as _InvalidHeader
except ImportError:  # the client reports the missing requests (and urllib3) library itself
    _Urllib3Retry = None
    _InvalidHeader = ValueError

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError

# Answers that say "try again later": rate limiting, and a proxy or load balancer in front of
# OCP that could not reach it.
RETRYABLE_STATUSES = frozenset([429, 502, 503, 504])
# Methods that are safe to send twice.
RETRYABLE_METHODS = frozenset(["GET"])
# A Retry-After longer than this is not waited out inside one call: the caller (a wait with a
# deadline) decides whether it has the time, from the error's ``retry_after``.
RETRY_AFTER_MAX = 60.0


def retry_after_seconds(value):
    """Seconds a ``Retry-After`` header value (delay-seconds or an HTTP-date) asks to wait, or None.

    urllib3 parses both forms; a value it cannot read, or a date in the past, asks for no wait.
    """
    if not value or _Urllib3Retry is None:
        return None
    try:
        seconds = _Urllib3Retry().parse_retry_after(value)
    except (_InvalidHeader, ValueError, TypeError, OverflowError):
        return None
    return max(float(seconds), 0.0)


class RetryPolicy:
    """Exponential backoff with jitter, bounded by ``backoff_max``.

    The n-th retry waits between half and all of ``min(backoff_max, backoff_base * 2 ** (n - 1))``
    seconds; the jitter keeps many Ansible forks polling one OCP from retrying in lockstep.
    ``random`` returns a float in [0, 1); tests pass a fixed one.
    """

    def __init__(self, max_retries=3, backoff_base=0.5, backoff_max=8.0, random=_random.random):
        if max_retries < 0:
            raise OcpClientError("max_retries must be 0 or more, got %r" % (max_retries,))
        if backoff_base < 0 or backoff_max < 0:
            raise OcpClientError("backoff delays must be 0 or more, got %r and %r" % (backoff_base, backoff_max))
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._random = random

    def should_retry(self, method, retries_done, status_code=None):
        """Whether a failed request may be sent again.

        ``status_code`` is the HTTP status of the answer, or None when no answer came
        (connection refused, reset or timed out).
        """
        if method.upper() not in RETRYABLE_METHODS or retries_done >= self.max_retries:
            return False
        return status_code is None or status_code in RETRYABLE_STATUSES

    def delay(self, retry_number, retry_after=None):
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry).

        ``retry_after`` is what the server asked for (``Retry-After``, in seconds): the wait is
        never shorter than that.
        """
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (retry_number - 1))
        backoff = ceiling / 2 + self._random() * ceiling / 2
        return max(backoff, retry_after or 0)
