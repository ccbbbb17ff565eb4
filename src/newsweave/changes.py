"""Which stories changed since the server last looked, whoever changed them.

The server keeps each story's rendered page and brief in memory. It must drop them as soon as
the story changes, also when the change comes from another process (a ``newsweave update``,
the server's own job process), and it must not pay a database round trip per request to find
out. Two cheap signals make that possible on a SQLite file store:

- ``PRAGMA data_version`` on a connection of our own that never writes changes whenever any
  other connection commits: reading it touches only SQLite's shared-memory WAL index (no
  query, no disk), so a request can ask it on the event loop.
- The ``story_changes`` stamps (migration 7), written by triggers in the changing transaction:
  when ``data_version`` moved, one indexed query names the stories changed since the largest
  stamp seen.

PostgreSQL has no ``data_version``: there ``ChangeWatch.for_store`` answers None and the server
re-reads a story's state after a short time instead (its ``row_ttl``).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy.engine import make_url

#: a read that meets a lock (rare in WAL mode: recovery after a crash) waits at most this long
#: before the watch gives up and reports "anything may have changed"
BUSY_TIMEOUT_MS = 50


class ChangeWatch:
    """``poll()``: the ids of the stories changed since the previous poll (an empty set when
    nothing was committed meanwhile, at the cost of one PRAGMA), or None when that cannot be
    told (then every cached story must be dropped). Thread-safe."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._lock = threading.Lock()
        # data_version first: a commit landing between the two reads moves it, so the next
        # poll looks again rather than missing that commit
        self._version: int | None = self._data_version()
        self._seq = self._conn.execute(
            "SELECT coalesce(max(seq), 0) FROM story_changes").fetchone()[0]

    @classmethod
    def for_store(cls, store: Any) -> ChangeWatch | None:
        """A watch over ``store``'s database: only a SQLite file store whose schema keeps
        the change stamps (None otherwise: PostgreSQL, in-memory, an older schema)."""
        try:
            url = make_url(store.url)
        except Exception:  # noqa: BLE001 - anything unparsable has no watch
            return None
        database = url.database or ""
        if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
            return None
        try:
            return cls(database)
        except sqlite3.Error:  # no story_changes table (a store of an older schema)
            return None

    def _data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def poll(self) -> set[str] | None:
        with self._lock:
            try:
                version = self._data_version()
                if version == self._version:
                    return set()
                rows = self._conn.execute(
                    "SELECT story_id, seq FROM story_changes WHERE seq > ?", (self._seq,)
                ).fetchall()
            except sqlite3.Error:
                self._version = None  # look again next time; meanwhile assume anything changed
                return None
            self._version = version
            if rows:
                self._seq = max(self._seq, *(seq for _sid, seq in rows))
            return {sid for sid, _seq in rows}

    def close(self) -> None:
        with self._lock:
            self._conn.close()
