"""Administering MySQL for the seeds: databases, and a least-privilege user per function.

The seeds connect as MYSQL_ADMIN_USER / MYSQL_ADMIN_PASSWORD (locally root with
no password); the functions themselves connect as their own users, which may
only do what the function needs in its own database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pymysql
import pymysql.cursors

from kit import env, namespaced
from kit.stores import MySQLSettings

if TYPE_CHECKING:
    Connection = pymysql.connections.Connection[Any]
_NO_SUCH_GRANT = 1141
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def identifier(name: str) -> str:
    """`name`, once checked to be safe to quote with backticks in SQL."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a usable MySQL name: {name!r}")
    return name


@contextmanager
def admin(database: str | None = None) -> Iterator[Connection]:
    """A connection with the administrator's rights, closed afterwards."""
    conn = pymysql.connect(
        host=MySQLSettings.current().mysql_host,
        port=MySQLSettings.current().mysql_port,
        user=env("MYSQL_ADMIN_USER", "root"),
        password=env("MYSQL_ADMIN_PASSWORD", ""),
        database=database,
        charset="utf8mb4",
        autocommit=True,
        connect_timeout=5,
        cursorclass=pymysql.cursors.DictCursor,
    )
    try:
        yield conn
    finally:
        conn.close()


def ensure_database(conn: Connection, database: str) -> None:
    with conn.cursor() as cursor:
        cursor.execute(
            f"CREATE DATABASE IF NOT EXISTS `{identifier(database)}`"
            " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )


def function_user(function: str) -> tuple[str, str]:
    """The MySQL user and password of a function: `<FUNCTION>_MYSQL_USER` / `_PASSWORD`."""
    prefix = function.upper()
    return env(f"{prefix}_MYSQL_USER", namespaced(function)), env(f"{prefix}_MYSQL_PASSWORD", "")


def ensure_user(conn: Connection, function: str, database: str, privileges: str) -> None:
    """Create (or re-key) the function's user with exactly `privileges` on `database`.

    Without a password configured for it no user is made, rather than one that
    anybody could log in as.
    """
    user, password = function_user(function)
    if not password:
        print(f"  no {function.upper()}_MYSQL_PASSWORD set: MySQL user for {function} not created")
        return
    with conn.cursor() as cursor:
        cursor.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user, password))
        cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (user, password))
        on = f"`{identifier(database)}`.*"
        # Revoke first so that a privilege dropped from `privileges` really goes away.
        try:
            cursor.execute(f"REVOKE ALL PRIVILEGES ON {on} FROM %s@'%%'", (user,))
        except pymysql.err.OperationalError as exc:
            if exc.args[0] != _NO_SUCH_GRANT:
                raise
        cursor.execute(f"GRANT {privileges} ON {on} TO %s@'%%'", (user,))


def drop_namespace(conn: Connection, namespace: str) -> None:
    """Drop every database and user named with the data namespace (what a run of the tests
    or of the benchmarks made)."""
    like = namespace.replace("_", "\\_") + "%"
    with conn.cursor(pymysql.cursors.Cursor) as cursor:
        cursor.execute("SHOW DATABASES LIKE %s", (like,))
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP DATABASE `{identifier(name)}`")
        # The functions' own users, made by the seeds (ensure_user).
        cursor.execute("SELECT user, host FROM mysql.user WHERE user LIKE %s", (like,))
        for user, host in cursor.fetchall():
            cursor.execute("DROP USER %s@%s", (user, host))
