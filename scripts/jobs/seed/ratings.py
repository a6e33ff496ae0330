"""Seed ratings: its database and tables, and the ratings function's MySQL user.

There is no starting data (shoppers make it); the count is the skus rated so far.
"""

from __future__ import annotations

from ratings import store
from scripts.jobs.seed import _mysql


def seed(database: str | None = None) -> int:
    """Create the schema and the user (safe to repeat); the number of rated skus."""
    database = database or store.database()
    with _mysql.admin() as conn:
        _mysql.ensure_database(conn, database)
        conn.select_db(database)
        with conn.cursor() as cursor:
            cursor.execute(store.RATINGS_TABLE)
            cursor.execute(store.VOTES_TABLE)
            cursor.execute(store.NEW_VOTERS_TABLE)
            cursor.execute("SELECT COUNT(*) AS n FROM ratings")
            rated = int(cursor.fetchone()["n"])
        _mysql.ensure_user(conn, "ratings", database, "SELECT, INSERT, UPDATE")
    return rated
