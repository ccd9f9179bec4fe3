"""Simulated time.

The engine never reads the wall clock itself: it asks a clock for `now()`. `SimClock`
follows real time, optionally sped up (so a 10-minute OCP task can finish in seconds in
a demo); `ManualClock` only moves when told to, which makes tests exact and sleep-free.
Both return aware datetimes in a fixed offset (OCP servers answer in their own zone,
+08:00 by default).
"""

import math
import threading
import time
from datetime import datetime, timedelta, timezone

# Bounds on what the clock accepts, so that no setting makes `now()` overflow datetime (year
# 9999) within the simulator's life: a million times real time passes a day of OCP's time in
# 0.09 s, far faster than any test or demo needs; a jump of at most a hundred years at a time.
MAX_SPEED = 1e6
MAX_ADVANCE_SECONDS = 100 * 365 * 86400


def _number(value, name):
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def checked_speed(value):
    """`value` as a speed (a float), or ValueError: a number above 0 and at most MAX_SPEED
    (NaN and infinity are neither)."""
    speed = _number(value, "speed")
    if not (math.isfinite(speed) and 0 < speed <= MAX_SPEED):
        raise ValueError(f"speed must be a number above 0 and at most {MAX_SPEED:g}, got {value!r}")
    return speed


def checked_advance(value):
    """`value` as seconds to jump ahead, or ValueError: 0 to MAX_ADVANCE_SECONDS (time only
    moves forward; NaN and infinity are no number of seconds)."""
    seconds = _number(value, "advance_seconds")
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_ADVANCE_SECONDS):
        raise ValueError(f"advance_seconds must be 0 to {MAX_ADVANCE_SECONDS} (time only moves forward), "
                         f"got {value!r}")
    return seconds


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
        speed = checked_speed(speed)
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
        speed = checked_speed(value)
        with self._lock:
            self._reanchor()
            self._speed = speed

    def now(self):
        with self._lock:
            elapsed = self._monotonic() - self._anchor_real
            return self._anchor_sim + timedelta(seconds=elapsed * self._speed)

    def advance(self, seconds):
        """Jump ahead by `seconds` of simulated time."""
        seconds = checked_advance(seconds)
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
        self._now += timedelta(seconds=checked_advance(seconds))
