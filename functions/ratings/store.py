"""MySQL access for ratings: database `ratings`, table `ratings(sku, avg_rating, rating_count)`.

The schema lives here beside the queries; the seed step creates it, since the
function's own MySQL user may only read, insert and update.
"""

from __future__ import annotations

from typing import Any

import pymysql.err

from kit import Unavailable, namespaced, stores

SKU_MAX_CHARS = 80

RATINGS_TABLE = f"""
CREATE TABLE IF NOT EXISTS ratings (
  sku VARCHAR({SKU_MAX_CHARS}) NOT NULL PRIMARY KEY,
  avg_rating DOUBLE NOT NULL,
  rating_count INT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
"""

# One statement, so concurrent votes queue on the row lock and none is lost.
# MariaDB (like MySQL) assigns left to right and later terms see earlier
# assignments: the mean must be updated while rating_count is still the old count.
_VOTE = """
INSERT INTO ratings (sku, avg_rating, rating_count) VALUES (%s, %s, 1)
ON DUPLICATE KEY UPDATE
  avg_rating = (avg_rating * rating_count + VALUES(avg_rating)) / (rating_count + 1),
  rating_count = rating_count + 1
"""
_NO_SUCH_TABLE = 1146


def database() -> str:
    return namespaced("ratings")


def _run(sql: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
    pool = stores.mysql(database()).get()
    try:
        with pool.connection() as conn, conn.cursor() as cursor:
            cursor.execute(sql, args)
            found: dict[str, Any] | None = cursor.fetchone()
            return found
    except pymysql.err.ProgrammingError as exc:
        if exc.args and exc.args[0] == _NO_SUCH_TABLE:
            # The seed step has not made the table yet: a deployment still settling.
            raise Unavailable("ratings store") from exc
        raise


def rating(sku: str) -> dict[str, Any] | None:
    return _run("SELECT avg_rating, rating_count FROM ratings WHERE sku = %s", (sku,))


def add_vote(sku: str, score: int) -> None:
    _run(_VOTE, (sku, float(score)))
