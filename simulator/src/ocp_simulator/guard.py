"""OCP's two guards in front of its API: per-user throttling and the login lock-out.

Throttling (OCP docs, 200.api-call-description.md "Throttling", every version from V3.1.1):
on by default, per user, over windows of 10 s, 1 min, 1 h or 1 day. Every answer to a
throttled user carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (the
seconds until the window resets); a request over the limit is answered 429 with OCP's
envelope (code 0, empty traceId, duration 0) and no `Retry-After`. Windows are fixed: one
starts with the first request after the previous one ended. With several windows the headers
describe the one closest to its limit; a refused request is not counted.

Login lock-out (`ocp.iam.login.max-attempts`, `ocp.iam.login.lockout-minutes` in OCP's
configuration parameters): that many failed logins in a row from one client IP block it
for that many minutes, whatever credentials it sends meanwhile; a successful login resets
the count. `ocp.iam.login.client.max-attempts` (20, 10 minutes) is not modelled on its own:
it counts per client within the same IP, so the IP's count always reaches its limit first.

Both measure time on the simulated clock (a ManualClock in tests), so `--speed 60` shortens
a one-minute window to one real second.
"""

import math
import threading
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict      # RateLimit-* headers for the answer; {} when throttling is off


class RateLimiter:
    def __init__(self, clock, windows=()):
        self._clock = clock
        self._lock = threading.Lock()
        self.windows = ()
        self._counters = {}   # (user, window seconds) -> [window start, requests counted]
        self.configure(windows)

    def configure(self, windows):
        with self._lock:
            self.windows = tuple(windows)
            self._counters = {}

    def admit(self, user):
        """Count one request of `user` if every window has room; say so, with the headers."""
        with self._lock:
            if not self.windows:
                return Verdict(True, {})
            now = self._clock.now()
            counters = []
            for seconds, limit in self.windows:
                counter = self._counters.get((user, seconds))
                if counter is None or now >= counter[0] + timedelta(seconds=seconds):
                    counter = self._counters[(user, seconds)] = [now, 0]
                counters.append((seconds, limit, counter))
            full = [entry for entry in counters if entry[2][1] >= entry[1]]
            if full:
                # The window that lets the user in again last is the one to wait for.
                seconds, limit, counter = max(full, key=lambda entry: entry[2][0] + timedelta(seconds=entry[0]))
                return Verdict(False, _headers(limit, 0, counter[0], seconds, now))
            for _seconds, _limit, counter in counters:
                counter[1] += 1
            seconds, limit, counter = min(counters, key=lambda entry: (entry[1] - entry[2][1], -entry[0]))
            return Verdict(True, _headers(limit, limit - counter[1], counter[0], seconds, now))


def _headers(limit, remaining, started, seconds, now):
    reset = (started + timedelta(seconds=seconds) - now).total_seconds()
    return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(max(0, math.ceil(reset)))}


class LoginGuard:
    def __init__(self, clock, lockout=None):
        self._clock = clock
        self._lock = threading.Lock()
        self.lockout = None
        self._failures = {}   # client IP -> failed logins in a row
        self._blocked = {}    # client IP -> datetime the block ends
        self.configure(lockout)

    def configure(self, lockout):
        with self._lock:
            self.lockout = lockout
            self._failures = {}
            self._blocked = {}

    def is_blocked(self, client_ip):
        with self._lock:
            until = self._blocked.get(client_ip)
            if until is None:
                return False
            if self._clock.now() >= until:
                del self._blocked[client_ip]
                return False
            return True

    def failed(self, client_ip):
        with self._lock:
            if self.lockout is None:
                return
            count = self._failures.get(client_ip, 0) + 1
            if count >= self.lockout.max_attempts:
                self._blocked[client_ip] = self._clock.now() + timedelta(minutes=self.lockout.lockout_minutes)
                count = 0
            self._failures[client_ip] = count

    def succeeded(self, client_ip):
        with self._lock:
            self._failures.pop(client_ip, None)
