# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long to wait before trying again: the one backoff of the collection, and when the client
sends a request again.

Backoff is used four ways: the client between retries of a GET, a wait between its polls (slowing
down while nothing changes), a supervision while OCP does not answer, and the event source after a
failed poll. Each is a Backoff with its own first pause, growth and ceiling.

Only GETs are retried. A POST (retry, rollback, skip, cancel) that may have reached OCP must not
be sent twice: the client raises an ambiguous OcpConnectionError and the caller re-reads the
task's state to find out whether the action happened.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
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
# A Retry-After (or a 429's RateLimit-Reset) longer than this is not waited out inside one call:
# the caller (a wait with a deadline) decides whether it has the time, from the error's ``retry_after``.
RETRY_AFTER_MAX = 60.0
# A throttled GET is sent again as often as OCP throttles it, each time after the wait OCP asks
# for, while those waits add up to no more than this: OCP throttles per user in windows of 10 s and
# 1 min by default (THR-3), and forks or sources sharing the user meet their limit together, so a
# count of retries would give up on a request that one more window lets through. Each wait is
# at least THROTTLE_PAUSE_MIN, so the budget also bounds the number of requests.
THROTTLE_WAIT_MAX = 120.0
THROTTLE_PAUSE_MIN = 1.0


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


def rate_limit_reset_seconds(value):
    """Seconds a ``RateLimit-Reset`` header value asks to wait, or None.

    OCP answers a throttled request with 429 and ``RateLimit-Reset``, "the countdown to the reset of
    the throttling time window", and no ``Retry-After`` (docs/ocp-behaviour.md#throttling-and-login-lock-out,
    THR-2): a number of seconds (the unit is inferred; the IETF draft's is seconds too).
    """
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def asked_wait(status, headers):
    """Seconds an answer asks the client to wait before sending again, or None.

    ``Retry-After`` (any answer, RFC 9110) and, on a 429, ``RateLimit-Reset`` (OCP's way): the longer
    of the two when both come. On other answers ``RateLimit-Reset`` is only where the window stands,
    not a request to wait.
    """
    asked = [retry_after_seconds(headers.get("Retry-After"))]
    if status == 429 and headers.get("RateLimit-Reset") is not None:
        asked.append(rate_limit_reset_seconds(headers.get("RateLimit-Reset")))
    asked = [seconds for seconds in asked if seconds is not None]
    return max(asked) if asked else None


# Polls of a wait come this many times further apart while nothing changes.
POLLING_FACTOR = 1.5
# Without an explicit cap, polling slows down to 4 times the requested interval, but not beyond
# 30 s unless the requested interval is itself longer: OCP tasks take minutes, and noticing the
# end of one half a minute late is the most a playbook should lose.
DEFAULT_MAX_SLEEP_FACTOR = 4
DEFAULT_MAX_SLEEP_CEILING = 30.0


# Pauses stop growing after this many steps (far past any ceiling: 2 ** 64 times the first pause).
MAX_GROWTH_STEPS = 64


class Backoff(object):
    """Pauses growing ``factor`` times from ``first`` up to ``longest`` seconds.

    With ``jitter`` each pause is drawn between half and all of its ceiling, so that many Ansible
    forks (or sources) waiting on one OCP do not come back in lockstep; ``floor`` is the shortest
    pause jitter may give. A pause is never shorter than what the server asked for. ``random``
    returns a float in [0, 1); tests pass a fixed one.
    """

    def __init__(self, first, longest, factor=2.0, jitter=False, floor=0.0, random=_random.random):
        self.first = first
        self.longest = longest
        self.factor = factor
        self.jitter = jitter
        self.floor = floor
        self._random = random

    def pause(self, attempt, asked=None):
        """Seconds to wait before attempt number ``attempt`` + 1 (1 after the first failure);
        ``asked`` is what the server asked for (``Retry-After``), or None."""
        # Past the ceiling the growth no longer matters; bounding it keeps a long outage (thousands of
        # attempts) from overflowing a float.
        ceiling = min(self.longest, self.first * self.factor ** min(attempt - 1, MAX_GROWTH_STEPS))
        pause = ceiling / 2 + self._random() * ceiling / 2 if self.jitter else ceiling
        return max(pause, self.floor, asked or 0)

    def pauses(self):
        """Yield the pauses one after the other, forever."""
        attempt = 1
        while True:
            yield self.pause(attempt)
            attempt += 1


def default_max_sleep(sleep):
    """The longest pause between polls when the caller gives no ``max_sleep``."""
    return max(sleep, min(DEFAULT_MAX_SLEEP_FACTOR * sleep, DEFAULT_MAX_SLEEP_CEILING))


def polling_delays(sleep, max_sleep, factor=POLLING_FACTOR):
    """Yield the pauses between polls, forever: ``sleep``, then each ``factor`` times longer,
    up to ``max_sleep`` (which is at least ``sleep``).

    The deadline is not known here; the waiter shortens the last pause so it ends on time.
    """
    return Backoff(sleep, max_sleep, factor=factor).pauses()


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
        self._backoff = Backoff(backoff_base, backoff_max, factor=2, jitter=True, random=random)

    def should_retry(self, method, retries_done, status_code=None):
        """Whether a failed request may be sent again.

        ``status_code`` is the HTTP status of the answer, or None when no answer came
        (connection refused, reset or timed out).
        """
        if method.upper() not in RETRYABLE_METHODS or retries_done >= self.max_retries:
            return False
        return status_code is None or status_code in RETRYABLE_STATUSES

    def throttled_pause(self, method, throttled_retries, waited, asked=None):
        """Seconds to wait before sending a throttled (HTTP 429) request again, or None to give up.

        ``throttled_retries`` is how many times it was sent again for throttling so far, ``waited``
        how long those waits took together, ``asked`` what OCP asked (``RateLimit-Reset`` or
        ``Retry-After``). Only GETs, and none with retries turned off (``max_retries`` 0); an asked
        wait beyond RETRY_AFTER_MAX, or one past THROTTLE_WAIT_MAX in all, is left to the caller,
        which knows its deadline (the error carries ``retry_after``).
        """
        if method.upper() not in RETRYABLE_METHODS or self.max_retries == 0:
            return None
        if asked is not None and asked > RETRY_AFTER_MAX:
            return None
        pause = max(self._backoff.pause(throttled_retries + 1, asked), THROTTLE_PAUSE_MIN)
        return pause if waited + pause <= THROTTLE_WAIT_MAX else None

    def delay(self, retry_number, retry_after=None):
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry).

        ``retry_after`` is what the server asked for (``Retry-After``, in seconds): the wait is
        never shorter than that.
        """
        return self._backoff.pause(retry_number, retry_after)
