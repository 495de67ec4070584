"""SQLite access: a small connection pool, the schema, and a per-request query meter.

Every statement a request runs goes through a :class:`DbSession`, which counts the statements
and the time spent in SQLite; the app turns those into ``X-DB-Queries`` and ``Server-Timing``.
Writes are serialised by a process-wide lock (SQLite allows one writer at a time anyway, and
waiting on a Python lock is cheaper and fairer than SQLite's sleeping busy handler); the time
spent waiting for it counts as database time.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS prompts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    category TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_prompts_category ON prompts (category, id);
"""

Params = Sequence[Any]


class StoreClosedError(RuntimeError):
    """The store was closed; no more sessions can be opened."""


class DbSession:
    """One request's use of one pooled connection, with a statement counter and a timer."""

    def __init__(self, connection: sqlite3.Connection, write_lock: threading.Lock) -> None:
        self._connection = connection
        self._write_lock = write_lock
        self.queries = 0
        self.seconds = 0.0

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """All rows of one read statement."""
        started = time.perf_counter()
        try:
            return self._connection.execute(sql, params).fetchall()
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - started

    def query_one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        """The first row of one read statement, or None."""
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def write(self, sql: str, params: Params = ()) -> tuple[list[tuple[Any, ...]], int]:
        """Run one writing statement (autocommit) under the write lock.

        Returns the rows it produced (``RETURNING``) and the number of rows it changed.
        """
        started = time.perf_counter()
        try:
            with self._write_lock:
                cursor = self._connection.execute(sql, params)
                rows = cursor.fetchall()
                return rows, cursor.rowcount
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - started


class Store:
    """A SQLite database file in WAL mode, shared by the server's handler threads."""

    def __init__(self, path: Path, max_idle: int = 32) -> None:
        self.path = path
        self._max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()  # guards _idle and _closed
        self._write_lock = threading.Lock()
        self._closed = False
        connection = self._connect()
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
        self._release(connection)

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread=False: a pooled connection moves between threads, but only one
        # thread uses it at a time. isolation_level=None: autocommit, statements are atomic.
        connection = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _acquire(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise StoreClosedError("the store is closed")
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _release(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(connection)
                return
        connection.close()

    @contextmanager
    def session(self) -> Iterator[DbSession]:
        """A metered session on a pooled connection, returned to the pool afterwards."""
        connection = self._acquire()
        try:
            yield DbSession(connection, self._write_lock)
        finally:
            if connection.in_transaction:
                connection.rollback()
            self._release(connection)

    def count(self) -> int:
        """Number of prompts, read directly (not through HTTP)."""
        with self.session() as db:
            row = db.query_one("SELECT COUNT(*) FROM prompts")
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the idle connections now; busy ones are closed when their request ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
