"""MySQL access for ratings: database `ratings`, tables `ratings(sku, avg_rating,
rating_count)` (what clients read), `votes(sku, voter, score)` (one per shopper) and
`new_voters(sku, client, day, voters)`: how many new voters each client address added to
each sku's count each UTC day, which the cap per client is checked against
(docs/decisions/0012-new-voters-per-client-per-day.md). Its rows stay (the function may
not delete): one per sku, address and day with votes, fewer than the votes themselves.

The schema lives here beside the queries; the seed step creates it, since the
function's own MySQL user may only read, insert and update.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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

NEW_VOTERS_TABLE = f"""
CREATE TABLE IF NOT EXISTS new_voters (
  sku VARCHAR({MAX_SKU_CHARS}) NOT NULL,
  client CHAR(64) CHARACTER SET ascii NOT NULL,
  day DATE NOT NULL,
  voters INT UNSIGNED NOT NULL,
  PRIMARY KEY (sku, client, day)
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
# Counted in the vote's transaction: a vote past the cap rolls its count back with it.
_COUNT_NEW_VOTER = """
INSERT INTO new_voters (sku, client, day, voters) VALUES (%s, %s, %s, 1)
ON DUPLICATE KEY UPDATE voters = voters + 1
"""
_NEW_VOTERS = "SELECT voters FROM new_voters WHERE sku = %s AND client = %s AND day = %s"
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


class TooManyNewVoters(Exception):
    """The client address has added as many new voters to the sku today as it may."""


@dataclass(frozen=True)
class Ballot:
    """One vote: the voter's digest, and the digest of the address it came from on `day`."""

    voter: str
    client: str
    day: datetime.date


def vote(sku: str, ballot: Ballot, score: int, cap: int) -> None:
    """The voter's score for the sku: their first vote adds to the mean, a later one replaces
    it. A first vote is TooManyNewVoters (nothing stored) once the ballot's client has added
    `cap` new voters to the sku on the ballot's day."""
    for attempt in range(_VOTE_ATTEMPTS):
        try:
            _vote_once(sku, ballot, score, cap)
            return
        except pymysql.err.OperationalError as exc:
            if not exc.args or exc.args[0] not in _RETRYABLE or attempt == _VOTE_ATTEMPTS - 1:
                raise


def _vote_once(sku: str, ballot: Ballot, score: int, cap: int) -> None:
    with _session() as (conn, cursor):
        conn.begin()
        cursor.execute(_LOCK_MEAN, (sku,))
        cursor.execute(_EARLIER_VOTE, (sku, ballot.voter))
        earlier = cursor.fetchone()
        if earlier is None:
            if not _counted_new_voter(cursor, sku, ballot, cap):
                conn.rollback()
                raise TooManyNewVoters(sku)
            cursor.execute(_NEW_VOTE, (sku, ballot.voter, score))
            cursor.execute(_ADD_TO_MEAN, (float(score), sku))
        elif int(earlier["score"]) != score:
            cursor.execute(_CHANGED_VOTE, (score, sku, ballot.voter))
            cursor.execute(_CHANGE_IN_MEAN, (float(earlier["score"]), float(score), sku))
        conn.commit()


def _counted_new_voter(cursor: Any, sku: str, ballot: Ballot, cap: int) -> bool:
    """Count one more new voter of the ballot's client; whether it is within the cap. The
    sku's mean row is locked already, so the votes of one sku count one after another."""
    key = (sku, ballot.client, ballot.day)
    cursor.execute(_COUNT_NEW_VOTER, key)
    cursor.execute(_NEW_VOTERS, key)
    return int(cursor.fetchone()["voters"]) <= cap
