"""Simulated time.

The engine never reads the wall clock itself: it asks a clock for `now()`. `SimClock`
follows real time, optionally sped up (so a 10-minute OCP task can finish in seconds in
a demo); `ManualClock` only moves when told to, which makes tests exact and sleep-free.
Both return aware datetimes in a fixed offset (OCP servers answer in their own zone,
+08:00 by default).
"""

import threading
import time
from datetime import datetime, timedelta, timezone


def _zone(tz_offset_minutes):
    return timezone(timedelta(minutes=tz_offset_minutes))


def _start_time(start, zone):
    """`start` may be None (now), a naive datetime (taken in `zone`) or an aware one."""
    if start is None:
        return datetime.now(zone)
    if start.tzinfo is None:
        return start.replace(tzinfo=zone)
    return start.astimezone(zone)


class SimClock:
    """Real time scaled by `speed`, starting at `start`.

    Changing the speed or jumping ahead re-anchors the clock at the current simulated
    instant, so simulated time never goes backwards.
    """

    def __init__(self, speed=1.0, start=None, tz_offset_minutes=480, monotonic=time.monotonic):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._anchor_sim = _start_time(start, _zone(tz_offset_minutes))
        self._anchor_real = monotonic()
        self._speed = float(speed)

    @property
    def speed(self):
        return self._speed

    @speed.setter
    def speed(self, value):
        if value <= 0:
            raise ValueError("speed must be positive")
        with self._lock:
            self._reanchor()
            self._speed = float(value)

    def now(self):
        with self._lock:
            elapsed = self._monotonic() - self._anchor_real
            return self._anchor_sim + timedelta(seconds=elapsed * self._speed)

    def advance(self, seconds):
        """Jump ahead by `seconds` of simulated time."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._reanchor()
            self._anchor_sim += timedelta(seconds=seconds)

    def _reanchor(self):
        real = self._monotonic()
        self._anchor_sim += timedelta(seconds=(real - self._anchor_real) * self._speed)
        self._anchor_real = real


# A fixed default start keeps test output (and logs) identical from run to run.
MANUAL_CLOCK_DEFAULT_START = datetime(2026, 11, 24, 10, 0, 0)


class ManualClock:
    """A clock that stands still until `advance()` is called."""

    def __init__(self, start=None, tz_offset_minutes=480):
        zone = _zone(tz_offset_minutes)
        self._now = _start_time(start or MANUAL_CLOCK_DEFAULT_START, zone)

    def now(self):
        return self._now

    def advance(self, seconds):
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=seconds)
