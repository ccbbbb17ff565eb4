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

Even ``PRAGMA data_version`` opens a read transaction, and that can wait: beside a stream of
writes (the server's job process grouping and weaving after each POST, its commits and WAL
checkpoints) a stalled event loop was caught inside it in half of its stalls over 30 ms. So
the watch first reads the WAL-index header from the ``-shm`` file (two copies of 48 bytes,
one ``pread``, no SQLite call, no lock): every commit rewrites it (the last frame, its
checksum, or new salts after a WAL restart), so while it is byte for byte the same as at the
previous poll nothing was committed and the poll answers at once. A header read in the middle
of an update just differs, and the poll asks SQLite as before.

PostgreSQL has no ``data_version``: there ``ChangeWatch.for_store`` answers None and the server
re-reads a story's state after a short time instead (its ``row_ttl``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from typing import Any

from sqlalchemy.engine import make_url

#: a read that meets a lock (rare in WAL mode: recovery after a crash) waits at most this long
#: before the watch gives up and reports "anything may have changed"
BUSY_TIMEOUT_MS = 50
#: the WAL-index header at the start of the ``-shm`` file: two copies of 48 bytes
WAL_INDEX_HEADER_BYTES = 96
#: what ``ChangeWatch`` records as the data version when it looked because the header moved
#: (no data_version read: a header read first tells as much)
HEADER_MOVED = -1


class ChangeWatch:
    """``poll()``: the ids of the stories changed since the previous poll (an empty set when
    nothing was committed meanwhile, at the cost of one read of the WAL-index header), or None
    when that cannot be told (then every cached story must be dropped). Thread-safe."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._lock = threading.Lock()
        self._data_version()  # a first read: in WAL mode the -shm file exists from here on
        self._shm: int | None = None  # the -shm file, read for its header (None: not read)
        with contextlib.suppress(OSError):  # not in WAL mode: SQLite only
            self._shm = os.open(f"{path}-shm", os.O_RDONLY)
        # the header, then data_version: a commit landing between the reads moves them, so
        # the next poll looks again rather than missing that commit
        self._header = self._wal_header()
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

    def _wal_header(self) -> bytes | None:
        """The WAL-index header as it is now (None: cannot be read)."""
        if self._shm is None:
            return None
        try:
            header = os.pread(self._shm, WAL_INDEX_HEADER_BYTES, 0)
        except OSError:
            return None
        return header if len(header) == WAL_INDEX_HEADER_BYTES else None

    def poll(self) -> set[str] | None:
        with self._lock:
            header = self._wal_header()
            if header is not None and header == self._header and self._version is not None:
                return set()  # nothing committed since the last poll: no SQLite call
            self._header = header
            try:
                if header is None:  # nothing to go by: data_version says whether to look
                    version = self._data_version()
                    if version == self._version:
                        return set()
                else:  # the header moved, so something was committed: one SQLite call, not
                    version = HEADER_MOVED  # data_version and then the stamps
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
            if self._shm is not None:
                os.close(self._shm)
                self._shm = None
