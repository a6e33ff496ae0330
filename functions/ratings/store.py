"""MySQL access for ratings: database `ratings`, tables `ratings(sku, avg_rating,
rating_count)` (what clients read) and `votes(sku, voter, score)` (one per shopper).

The schema lives here beside the queries; the seed step creates it, since the
function's own MySQL user may only read, insert and update.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pymysql.err

from kit import Unavailable, namespaced, stores

MAX_SKU_CHARS = 80

RATINGS_TABLE = f"""
CREATE TABLE IF NOT EXISTS ratings (
  sku VARCHAR({MAX_SKU_CHARS}) NOT NULL PRIMARY KEY,
  avg_rating DOUBLE NOT NULL,
  rating_count INT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
"""

# A voter is a digest (of a user name, an anonymous id or an address): none is kept in clear.
VOTES_TABLE = f"""
CREATE TABLE IF NOT EXISTS votes (
  sku VARCHAR({MAX_SKU_CHARS}) NOT NULL,
  voter CHAR(64) CHARACTER SET ascii NOT NULL,
  score TINYINT UNSIGNED NOT NULL,
  PRIMARY KEY (sku, voter)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
"""

# The sku's mean row is made (or locked) first, so the votes of one sku queue on it:
# each sees the one before it, and none is lost. MariaDB assigns left to right and
# later terms see earlier assignments: the mean must change while the count is the old.
_LOCK_MEAN = """
INSERT INTO ratings (sku, avg_rating, rating_count) VALUES (%s, 0, 0)
ON DUPLICATE KEY UPDATE rating_count = rating_count
"""
_EARLIER_VOTE = "SELECT score FROM votes WHERE sku = %s AND voter = %s FOR UPDATE"
_NEW_VOTE = "INSERT INTO votes (sku, voter, score) VALUES (%s, %s, %s)"
_ADD_TO_MEAN = """
UPDATE ratings SET avg_rating = (avg_rating * rating_count + %s) / (rating_count + 1),
  rating_count = rating_count + 1
WHERE sku = %s
"""
_CHANGED_VOTE = "UPDATE votes SET score = %s WHERE sku = %s AND voter = %s"
_CHANGE_IN_MEAN = """
UPDATE ratings SET avg_rating = (avg_rating * rating_count - %s + %s) / rating_count
WHERE sku = %s AND rating_count > 0
"""
_NO_SUCH_TABLE = 1146
# Deadlock, lock wait timeout: the transaction was rolled back and may simply run again.
_RETRYABLE = frozenset({1213, 1205})
_VOTE_ATTEMPTS = 5


def database() -> str:
    return namespaced("ratings")


@contextmanager
def _session() -> Iterator[tuple[Any, Any]]:
    """A connection and cursor of the pool; a missing table is the store settling (503)."""
    pool = stores.mysql(database()).get()
    try:
        with pool.connection() as conn, conn.cursor() as cursor:
            yield conn, cursor
    except pymysql.err.ProgrammingError as exc:
        if exc.args and exc.args[0] == _NO_SUCH_TABLE:
            # The seed step has not made the tables yet: a deployment still settling.
            raise Unavailable("ratings store") from exc
        raise


def rating(sku: str) -> dict[str, Any] | None:
    with _session() as (_, cursor):
        cursor.execute("SELECT avg_rating, rating_count FROM ratings WHERE sku = %s", (sku,))
        found: dict[str, Any] | None = cursor.fetchone()
        return found


def vote(sku: str, voter: str, score: int) -> None:
    """The voter's score for the sku: their first vote adds to the mean, a later one replaces it."""
    for attempt in range(_VOTE_ATTEMPTS):
        try:
            _vote_once(sku, voter, score)
            return
        except pymysql.err.OperationalError as exc:
            if not exc.args or exc.args[0] not in _RETRYABLE or attempt == _VOTE_ATTEMPTS - 1:
                raise


def _vote_once(sku: str, voter: str, score: int) -> None:
    with _session() as (conn, cursor):
        conn.begin()
        cursor.execute(_LOCK_MEAN, (sku,))
        cursor.execute(_EARLIER_VOTE, (sku, voter))
        earlier = cursor.fetchone()
        if earlier is None:
            cursor.execute(_NEW_VOTE, (sku, voter, score))
            cursor.execute(_ADD_TO_MEAN, (float(score), sku))
        elif int(earlier["score"]) != score:
            cursor.execute(_CHANGED_VOTE, (score, sku, voter))
            cursor.execute(_CHANGE_IN_MEAN, (float(earlier["score"]), float(score), sku))
        conn.commit()
