"""The ratings seed: safe to repeat, votes survive it, and a least-privilege user."""

from __future__ import annotations

from typing import Any

import pymysql
import pytest
from flask.testing import FlaskClient

from kit import namespaced
from scripts.jobs.seed import ratings as seed_ratings
from tests.support.mysql import FunctionDatabase


def test_seeding_again_keeps_the_votes(client: FlaskClient, sku: str) -> None:
    assert client.put(f"/api/rate/{sku}/4").status_code == 200
    rated = seed_ratings.seed()
    assert rated >= 1
    assert seed_ratings.seed() == rated
    assert client.get(f"/api/fetch/{sku}").json == {"avg_rating": 4.0, "rating_count": 1}


def test_the_ratings_user_may_read_insert_and_update_only(
    ratings_database: FunctionDatabase, mysql_settings: dict[str, Any]
) -> None:
    user, password = ratings_database.user, ratings_database.password
    conn = pymysql.connect(
        **{**mysql_settings, "user": user, "password": password},
        database=namespaced("ratings"),
        autocommit=True,
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO ratings VALUES ('grant-check', 3, 1)")
            cursor.execute("UPDATE ratings SET rating_count = 2 WHERE sku = 'grant-check'")
            cursor.execute("SELECT rating_count FROM ratings WHERE sku = 'grant-check'")
            assert cursor.fetchone() == (2,)
            for statement in (
                "DELETE FROM ratings",
                "DROP TABLE ratings",
                "CREATE TABLE other (id INT)",
                f"SELECT COUNT(*) FROM `{namespaced('cities')}`.codes",
            ):
                with pytest.raises(pymysql.err.OperationalError) as denied:
                    cursor.execute(statement)
                assert denied.value.args[0] in (1142, 1044)  # command / database denied
    finally:
        conn.close()
