"""The MySQL pool against the machine's MariaDB (no database of ours is needed)."""

from __future__ import annotations

import threading
from typing import Any

import pymysql
import pytest

from kit import _mysql
from kit._mysql import MySQLPool
from tests.support.threads import run_together


@pytest.fixture
def pool(mysql_settings: dict[str, Any]) -> MySQLPool:
    return MySQLPool({**mysql_settings, "database": "information_schema"}, size=2)


def connection_id(pool: MySQLPool) -> int:
    with pool.connection() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT CONNECTION_ID() AS id")
        return int(cursor.fetchone()["id"])


def test_connections_are_reused(pool: MySQLPool) -> None:
    assert connection_id(pool) == connection_id(pool)
    pool.close()


def test_a_broken_connection_is_dropped_not_reused(pool: MySQLPool) -> None:
    first = connection_id(pool)
    with pytest.raises(pymysql.err.OperationalError), pool.connection() as conn:
        conn.cursor().execute(f"KILL {first}")  # the server drops this very connection
    assert connection_id(pool) != first
    pool.close()


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("SELEC 1", pymysql.err.ProgrammingError),
        # 1109 is an OperationalError that says nothing about the connection.
        ("SELECT * FROM no_such_table", pymysql.err.OperationalError),
    ],
)
def test_a_failed_statement_keeps_the_connection(
    pool: MySQLPool, statement: str, error: type[Exception]
) -> None:
    first = connection_id(pool)
    with pytest.raises(error), pool.connection() as conn:
        conn.cursor().execute(statement)
    assert connection_id(pool) == first
    pool.close()


def test_a_stale_connection_is_revived_before_use(
    pool: MySQLPool, mysql_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = connection_id(pool)
    killer = pymysql.connect(**mysql_settings)
    killer.cursor().execute(f"KILL {first}")  # as wait_timeout or a restart would
    killer.close()
    monkeypatch.setattr(_mysql, "STALE_AFTER_SECONDS", -1.0)
    assert connection_id(pool) != first  # pinged, reconnected, and no error for the caller
    pool.close()


def idle_connection_ids(pool: MySQLPool, count: int) -> list[int]:
    """Open `count` connections at once and give them back to the pool."""
    ids: list[int] = []
    barrier = threading.Barrier(count)

    def borrow() -> None:
        with pool.connection() as conn, conn.cursor() as cursor:
            barrier.wait(10)
            cursor.execute("SELECT CONNECTION_ID() AS id")
            ids.append(int(cursor.fetchone()["id"]))

    run_together(lambda _: borrow(), range(count))
    return ids


def test_one_lost_connection_retires_every_idle_one(
    pool: MySQLPool, mysql_settings: dict[str, Any]
) -> None:
    idle = idle_connection_ids(pool, 2)
    killer = pymysql.connect(**mysql_settings)
    for connection in idle:  # as a server restart would
        killer.cursor().execute(f"KILL {connection}")
    killer.close()
    with pytest.raises(pymysql.err.OperationalError), pool.connection() as conn:
        conn.cursor().execute("SELECT 1")
    # The other idle connection died with the first: the next request gets a new one
    # rather than a second failure.
    assert connection_id(pool) not in idle
    pool.close()


def test_beyond_its_size_the_pool_closes_what_it_cannot_keep(pool: MySQLPool) -> None:
    ids = idle_connection_ids(pool, 4)  # four connections open at once, for a pool of two
    assert len(set(ids)) == 4
    assert pool._idle.qsize() == 2
    pool.close()
    assert pool._idle.qsize() == 0
