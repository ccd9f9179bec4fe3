"""Injected HTTP faults: what a flaky OCP, or the proxy in front of it, does to clients.

A fault rule (from the scenario's `http_faults` or `POST /__simulator__/faults`) is a dict:

    match:        {method: GET, path: "/api/v2/tasks/instances/*"}   optional, glob on the path
    nth:          [3, 4]      the 3rd and 4th requests this rule matches (1-based); optional
    probability:  0.1         chance per matching request, from a seeded RNG; optional
    latency_ms:   200         delay before answering
    status:       503         answer with this HTTP status (500 = OCP error, else gateway page)
    drop:         true        close the connection without any response
    html:         true        HTTP 200 with the web console's HTML page
    invalid_json: true        HTTP 200, JSON content type, truncated JSON body
    after_handling: true      carry the request out first, then delay or replace its answer:
                              a POST that took effect but whose answer was lost
    retry_after:  30          with status 429 or 5xx: send `Retry-After: 30`; seconds (an
                              integer >= 0) or an HTTP-date string, sent as given

Without `nth` and `probability` a rule hits every request it matches. At most one of
status/drop/html/invalid_json per rule; `latency_ms` combines with any. When several rules
hit one request, latencies add up and the first rule's action (and its after_handling) wins. Every rule counts the
requests it matches whether or not it fires, so `nth` always refers to the same requests.
"""

import fnmatch
import random
import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

ACTIONS = ("status", "drop", "html", "invalid_json")
KNOWN_KEYS = {"match", "nth", "probability", "latency_ms", "after_handling", "retry_after", *ACTIONS}


class FaultSpecError(ValueError):
    """A fault rule that cannot be understood."""


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request."""

    latency_ms: int = 0
    action: str = None      # one of ACTIONS, or None for latency only
    status: int = None      # with action "status"
    after_handling: bool = False
    retry_after: str = None  # the Retry-After header's value, with action "status"

    def describe(self):
        """Short text for the journal, e.g. "latency:200,status:503" or "after:drop"."""
        parts = ["after"] if self.after_handling else []
        if self.latency_ms:
            parts.append(f"latency:{self.latency_ms}")
        if self.action == "status":
            parts.append(f"status:{self.status}")
        elif self.action:
            parts.append(self.action)
        return ",".join(parts) if parts != ["after"] else None


class FaultRule:
    def __init__(self, rule_id, spec):
        if not isinstance(spec, dict):
            raise FaultSpecError("a fault rule must be a mapping")
        unknown = set(spec) - KNOWN_KEYS
        if unknown:
            raise FaultSpecError(f"unknown fault keys: {sorted(unknown)}")
        self.id = rule_id
        match = spec.get("match") or {}
        if not isinstance(match, dict):
            raise FaultSpecError("match must be a mapping with method and/or path")
        self.method = match.get("method", "").upper() or None
        self.path_glob = match.get("path")
        self.nth = _parse_nth(spec.get("nth"))
        self.probability = _parse_probability(spec.get("probability"))
        self.latency_ms = _parse_latency(spec.get("latency_ms"))
        self.action, self.status = _parse_action(spec)
        self.retry_after = _parse_retry_after(spec.get("retry_after"), self.status)
        self.after_handling = spec.get("after_handling", False)
        if not isinstance(self.after_handling, bool):
            raise FaultSpecError("after_handling must be true or false")
        if not self.action and not self.latency_ms:
            raise FaultSpecError("a fault rule needs latency_ms or one of " + "/".join(ACTIONS))
        self.matched_requests = 0

    def matches(self, method, path):
        if self.method and self.method != method.upper():
            return False
        return self.path_glob is None or fnmatch.fnmatchcase(path, self.path_glob)

    def fires(self, rng):
        """Count one more matching request and say whether the rule fires on it."""
        self.matched_requests += 1
        if self.nth is not None and self.matched_requests not in self.nth:
            return False
        return self.probability is None or rng.random() < self.probability


class FaultInjector:
    """The active fault rules, consulted once per (non-admin) request. Thread-safe."""

    def __init__(self, specs=(), seed=0):
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._rules = []
        self._last_id = 0
        for spec in specs:
            self.add(spec)

    def add(self, spec):
        """Validate and activate a rule; returns its id."""
        with self._lock:
            rule = FaultRule(self._last_id + 1, spec)
            self._last_id = rule.id
            self._rules.append(rule)
            return rule.id

    def clear(self):
        with self._lock:
            self._rules.clear()

    def decide(self, method, path):
        """The FaultDecision for this request, or None when no rule fires."""
        latency_ms, action, status, after_handling, retry_after = 0, None, None, False, None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path) or not rule.fires(self._rng):
                    continue
                if latency_ms == 0 and action is None:
                    after_handling = rule.after_handling
                latency_ms += rule.latency_ms
                if action is None:
                    action, status, retry_after = rule.action, rule.status, rule.retry_after
        if not latency_ms and action is None:
            return None
        return FaultDecision(latency_ms, action, status, after_handling, retry_after)


def _parse_nth(value):
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in values):
        raise FaultSpecError("nth must be a positive integer or a list of them")
    return frozenset(values)


def _parse_probability(value):
    if value is None:
        return None
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise FaultSpecError("probability must be a number between 0 and 1")
    return float(value)


def _parse_latency(value):
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FaultSpecError("latency_ms must be a non-negative integer")
    return value


def _parse_retry_after(value, status):
    """The Retry-After header value: delay-seconds or an HTTP-date (RFC 9110), as text."""
    if value is None:
        return None
    if status is None or not (status == 429 or 500 <= status <= 599):
        raise FaultSpecError("retry_after needs status 429 or 5xx")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.endswith(" GMT"):
        try:
            parsedate_to_datetime(value)
        except (TypeError, ValueError):
            pass
        else:
            return value
    raise FaultSpecError("retry_after must be seconds (an integer >= 0) or an HTTP-date "
                         f"such as 'Wed, 21 Oct 2026 07:28:00 GMT', got {value!r}")


def _parse_action(spec):
    chosen = [name for name in ACTIONS if spec.get(name) not in (None, False)]
    if len(chosen) > 1:
        raise FaultSpecError(f"choose one of {'/'.join(ACTIONS)}, not {chosen}")
    if not chosen:
        return None, None
    if chosen[0] != "status":
        return chosen[0], None
    status = spec["status"]
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise FaultSpecError("status must be an HTTP error status (400-599)")
    return "status", status
