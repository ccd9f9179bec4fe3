# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OCP's timestamps read, and times and durations written the way people read them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re
import time

from ansible_collections.oceanbase.ocp.plugins.module_utils.client.errors import OcpClientError

# Fractions of a second of any length: Jackson drops trailing zeros (".17"), Java's
# OffsetDateTime.toString() writes 3, 6 or 9 digits, and fromisoformat only reads 3 or 6 before
# Python 3.11.
_FRACTION = re.compile(r'\.(\d+)')
# The years an OCP timestamp may fall in: OCP's times are of this century, and one near the ends of
# datetime's range (years 1 and 9999) would overflow when a delay or a limit is added to it.
YEARS = (1970, 9000)


def parse_time(text, now):
    """An OCP timestamp as an aware datetime (a timestamp without offset is taken in ``now``'s zone).

    Reads what OCP writes: ``2021-08-25T15:10:13.176+08:00``, any number of fraction digits or
    none, ``Z``, and Java's ``2024-01-08T10:21+08:00`` without seconds. Anything else (no text, a
    year so far off that the arithmetic on it would overflow) is OcpClientError.
    """
    if not isinstance(text, str):
        raise OcpClientError('OCP sent a timestamp this collection cannot read: %.60r' % (text,))
    text = _FRACTION.sub(lambda found: '.' + found.group(1)[:6].ljust(6, '0'), text.strip().replace('Z', '+00:00'))
    try:
        moment = datetime.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=now.tzinfo if now is not None else datetime.timezone.utc)
        if not YEARS[0] <= moment.astimezone(datetime.timezone.utc).year <= YEARS[1]:
            raise ValueError('out of range')
    except (ValueError, OverflowError):
        raise OcpClientError('OCP sent a timestamp this collection cannot read: %.60r' % (text,))
    return moment


def format_duration(seconds):
    """``45s``, ``2m05s``, ``2h15m``: to the second, as people read durations."""
    seconds = int(round(max(seconds, 0)))
    if seconds < 60:
        return '%ds' % (seconds,)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return '%dm%02ds' % (minutes, seconds)
    hours, minutes = divmod(minutes, 60)
    return '%dh%02dm' % (hours, minutes)


def format_moment(moment):
    """An aware datetime to the second, with its offset: ``2024-05-01 12:00:05+08:00``."""
    return moment.replace(microsecond=0).isoformat(' ')


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


class ServerClock:
    """OCP's current time: the timestamp of its last answer plus the time passed since.

    Retry delays and cancel limits compare "now" with OCP's timestamps, so OCP's own clock is the
    one to use: a controller whose clock is off would otherwise retry early or never. Before the
    first answer (or when OCP sends no timestamp) the controller's clock stands in.
    """

    def __init__(self, client, clock=time.monotonic, fallback=utc_now):
        self._client = client
        self._clock = clock
        self._fallback = fallback
        self._stamp = None
        self._base = None
        self._seen_at = None

    def __call__(self):
        stamp = getattr(self._client, 'last_server_time', None)
        if stamp and stamp != self._stamp:
            try:
                base = parse_time(stamp, self._fallback())
            except OcpClientError:
                return self._fallback()
            self._stamp, self._base, self._seen_at = stamp, base, self._clock()
        if self._base is None:
            return self._fallback()
        return self._base + datetime.timedelta(seconds=self._clock() - self._seen_at)
