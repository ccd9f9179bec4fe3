"""Turn the engine's python values into OCP's JSON, and build OCP's response envelope.

OCP (Spring + Jackson) writes object keys in alphabetical order, leaves out null fields,
writes timestamps as ISO 8601 with offset and as many fraction digits as the time needs
(javatime.jackson_timestamp), and writes longs beyond JavaScript's safe range as strings.
Clients parse what we send here, so this is the one place those rules live.
"""

import json
import re
import secrets
import threading
from collections import OrderedDict
from datetime import datetime

from .javatime import jackson_timestamp
from .views import SharedView

# Largest integer a JavaScript/JSON double holds exactly; OCP writes bigger longs as strings.
MAX_SAFE_INTEGER = 2**53 - 1


def format_timestamp(moment):
    """`2021-08-25T15:10:13.176+08:00`, `...:13.17+08:00`, `...:13+08:00`, as Jackson writes them."""
    return jackson_timestamp(moment)


def to_json_value(value):
    """Recursively convert a python value to what OCP would put in its JSON."""
    if isinstance(value, dict):
        return {
            key: to_json_value(item)
            for key, item in sorted(value.items())
            if item is not None
        }
    if isinstance(value, (list, tuple)):
        return [to_json_value(item) for item in value]
    if isinstance(value, datetime):
        return format_timestamp(value)
    # bool is a subclass of int: keep true/false as they are.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) > MAX_SAFE_INTEGER else value
    return value


def dumps(value):
    """The JSON text of a value, converted and with keys sorted at every level.

    A views.SharedView inside `value` is written from the text kept for it (_FRAGMENTS): it
    goes into the document as a placeholder string that is then replaced by that text.
    """
    fragments = []
    text = json.dumps(_with_placeholders(value, fragments), ensure_ascii=False, sort_keys=True)
    if not fragments:
        return text
    return _PLACEHOLDER.sub(lambda match: fragments[int(match.group(1))], text)


# Placeholders carry a random nonce, so no string from a client or a scenario can pose as one.
_NONCE = secrets.token_hex(8)
_PLACEHOLDER = re.compile(r'"' + _NONCE + r':(\d+)"')


def _with_placeholders(value, fragments):
    """`value` for json.dumps, each SharedView replaced by a placeholder for its JSON text."""
    if isinstance(value, SharedView):
        fragments.append(_FRAGMENTS.text_of(value))
        return f"{_NONCE}:{len(fragments) - 1}"
    if isinstance(value, dict):
        return {key: _with_placeholders(item, fragments)
                for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [_with_placeholders(item, fragments) for item in value]
    return to_json_value(value)


class _FragmentCache:
    """The JSON text of recently written SharedViews, by identity, least recently used out.

    An entry keeps its view alive, so its id() cannot be reused by another object while the
    entry exists. A view is never changed (views.py builds a new one for a new revision).
    """

    def __init__(self, capacity):
        self._capacity = capacity
        self._entries = OrderedDict()   # id(view) -> (view, text)
        self._lock = threading.Lock()

    def text_of(self, view):
        key = id(view)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry[1]
        text = json.dumps(to_json_value(view), ensure_ascii=False, sort_keys=True)
        with self._lock:
            self._entries[key] = (view, text)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return text


# Room for the list and detail views of the 10,000-task scenario, and then some.
_FRAGMENTS = _FragmentCache(capacity=25_000)


def envelope(*, status, successful, timestamp, duration_ms, trace_id, server,
             data=None, error=None):
    """OCP's response envelope; `data`/`error` left as None are omitted like any null."""
    return {
        "data": data,
        "duration": duration_ms,
        "error": error,
        "server": server,
        "status": status,
        "successful": successful,
        "timestamp": timestamp,
        "traceId": trace_id,
    }


def error_body(code, message, **extra):
    """The `error` object: `code` and `message` always, `debugMessage`/`target`/... optional."""
    return {"code": code, "message": message, **extra}
