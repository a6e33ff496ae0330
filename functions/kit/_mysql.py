"""A small, thread-safe pool of pymysql connections (pymysql has none)."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import pymysql
import pymysql.cursors

if TYPE_CHECKING:
    # Generic only in the type stubs: subscripting the class at run time fails.
    Connection = pymysql.connections.Connection[Any]

# A connection idle longer than this may have been dropped by the server
# (wait_timeout, a restart): it is pinged, and reopened if need be, before reuse.
STALE_AFTER_SECONDS = 30.0

# Client and server error numbers meaning the connection itself is gone: can't connect,
# server gone away, lost connection (twice), server shutdown, connection killed, idle kick.
# Other OperationalErrors (a deadlock, an unknown table) leave it usable.
_DISCONNECTS = frozenset({2003, 2006, 2013, 2055, 1053, 1927, 4031})


def disconnected(exc: pymysql.err.MySQLError) -> bool:
    if isinstance(exc, pymysql.err.InterfaceError):
        return True
    code = exc.args[0] if exc.args else None
    return code in _DISCONNECTS


class MySQLPool:
    """Up to `size` idle connections kept for reuse; more are opened under load.

    A lost connection usually means the server restarted, so every connection opened
    before it is dead too: the pool's generation moves on and older ones are closed
    instead of failing one request each while the function backs off between them.
    """

    def __init__(self, settings: dict[str, Any], size: int = 8) -> None:
        self._settings = settings
        self._idle: queue.LifoQueue[tuple[Connection, float, int]] = queue.LifoQueue(size)
        self._generation = 0

    def _open(self) -> Connection:
        return pymysql.connect(
            **self._settings,
            autocommit=True,
            charset="utf8mb4",
            connect_timeout=3,
            read_timeout=10,
            write_timeout=10,
            cursorclass=pymysql.cursors.DictCursor,
        )

    def _checkout(self) -> tuple[Connection, int]:
        generation = self._generation
        while True:
            try:
                conn, idle_since, opened_in = self._idle.get_nowait()
            except queue.Empty:
                return self._open(), generation
            if opened_in == generation:
                return self._revived(conn, idle_since), generation
            _close(conn)

    def _revived(self, conn: Connection, idle_since: float) -> Connection:
        if time.monotonic() - idle_since > STALE_AFTER_SECONDS:
            try:
                conn.ping(reconnect=False)
            except (pymysql.err.OperationalError, pymysql.err.InterfaceError):
                _close(conn)
                return self._open()
        return conn

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for one unit of work; a broken one is closed, never reused."""
        conn, generation = self._checkout()
        try:
            yield conn
        except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
            if disconnected(exc):
                _close(conn)
                self._forget_older_than(generation + 1)
                raise
            with suppress(pymysql.err.Error):
                conn.rollback()
            self._release(conn, generation)
            raise
        except BaseException:
            with suppress(pymysql.err.Error):
                conn.rollback()
            self._release(conn, generation)
            raise
        self._release(conn, generation)

    def _forget_older_than(self, generation: int) -> None:
        # Only ever forward: a slow thread's stale failure must not bring back older ones.
        self._generation = max(self._generation, generation)

    def _release(self, conn: Connection, generation: int) -> None:
        if generation != self._generation:
            _close(conn)
            return
        try:
            self._idle.put_nowait((conn, time.monotonic(), generation))
        except queue.Full:
            _close(conn)

    def ping(self) -> None:
        with self.connection() as conn:
            conn.ping(reconnect=False)

    def close(self) -> None:
        while True:
            try:
                conn, _, _ = self._idle.get_nowait()
            except queue.Empty:
                return
            _close(conn)


def _close(conn: Connection) -> None:
    with suppress(pymysql.err.Error):
        conn.close()
