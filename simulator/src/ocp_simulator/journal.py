"""A thread-safe record of the requests the simulator answered.

Tests read it (through the admin API or `SimulatorServer.journal`) to assert what a client
actually sent: how many retries, which method and query, which identity, which fault hit.
"""

import threading
from dataclasses import asdict, dataclass

from .serialize import format_timestamp


@dataclass(frozen=True)
class JournalEntry:
    seq: int          # 1, 2, 3... in the order answered; keeps counting after clear()
    time: str         # real (wall-clock) UTC time the request arrived, ISO 8601
    method: str
    path: str
    query: str        # the raw query string as sent, "" when none
    status: int       # HTTP status answered; 0 when the connection was dropped
    identity: str     # user name, or access key id for AK/SK; None when unauthenticated
    fault: str        # the injected fault, e.g. "status:503", "drop", "latency:200"; or None


class Journal:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []
        self._last_seq = 0

    def record(self, *, arrived, method, path, query, status, identity=None, fault=None):
        """Add an answered request; `arrived` is an aware datetime of its arrival."""
        with self._lock:
            self._last_seq += 1
            entry = JournalEntry(self._last_seq, format_timestamp(arrived), method, path,
                                 query, status, identity, fault)
            self._entries.append(entry)
        return entry

    def entries(self):
        """A snapshot, oldest first."""
        with self._lock:
            return list(self._entries)

    def as_dicts(self):
        return [asdict(entry) for entry in self.entries()]

    def clear(self):
        with self._lock:
            self._entries.clear()
