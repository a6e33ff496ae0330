"""The cities seed: idempotent, atomic, complete, and its least-privilege user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from kit import namespaced
from scripts.jobs.seed import cities as seed_cities
from shipping import names
from tests.support.mysql import FunctionDatabase

SMALL = namespaced("cities_small")


def connect(settings: dict[str, Any], database: str | None = None) -> Any:
    return pymysql.connect(**settings, database=database, cursorclass=pymysql.cursors.DictCursor)


def query(settings: dict[str, Any], database: str, sql: str) -> list[dict[str, Any]]:
    conn = connect(settings, database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        conn.close()


@pytest.fixture
def small(mysql_settings: dict[str, Any], shipping_database: FunctionDatabase) -> Iterator[str]:
    yield SMALL
    conn = connect(mysql_settings)
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{SMALL}`")
    conn.close()


def test_seed_again_changes_nothing(
    shipping_database: FunctionDatabase, mysql_settings: dict[str, Any]
) -> None:
    checksum = "CHECKSUM TABLE cities, codes"
    before = query(mysql_settings, namespaced("cities"), checksum)
    assert seed_cities.seed() == shipping_database.seeded
    assert query(mysql_settings, namespaced("cities"), checksum) == before


def test_reload_swaps_in_identical_tables_and_leaves_nothing_behind(
    small: str, mysql_settings: dict[str, Any]
) -> None:
    count = seed_cities.seed(small, only={"ad", "li"})
    assert count == len(query(mysql_settings, small, "SELECT uuid FROM cities")) > 20
    before = query(mysql_settings, small, "CHECKSUM TABLE cities, codes")
    query(mysql_settings, small, "DELETE FROM seed_info")  # forces a full reload
    assert seed_cities.seed(small, only={"ad", "li"}) == count
    assert query(mysql_settings, small, "CHECKSUM TABLE cities, codes") == before
    tables = {next(iter(row.values())) for row in query(mysql_settings, small, "SHOW TABLES")}
    assert tables == {"cities", "codes", "seed_info"}
    codes = query(mysql_settings, small, "SELECT code FROM codes ORDER BY code")
    assert [row["code"] for row in codes] == ["ad", "li"]


def test_a_different_subset_is_loaded_over_the_old_one(
    small: str, mysql_settings: dict[str, Any]
) -> None:
    seed_cities.seed(small, only={"ad"})
    seed_cities.seed(small, only={"li"})
    codes = query(mysql_settings, small, "SELECT DISTINCT code FROM cities")
    assert [row["code"] for row in codes] == ["li"]


def test_every_city_has_an_ascii_name(
    shipping_database: FunctionDatabase, mysql_settings: dict[str, Any]
) -> None:
    rows = query(
        mysql_settings,
        namespaced("cities"),
        "SELECT COUNT(*) AS n FROM cities WHERE city NOT REGEXP '[A-Za-z]'",
    )
    # A handful of places are named in Cyrillic only, with no Latin alternative.
    assert rows[0]["n"] <= 5


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Zürich", "Zurich"),
        ("Łódź", "Lodz"),
        ("Weißkirchen in Steiermark", "Weisskirchen in Steiermark"),
        ("Al Jazīrah al Ḩamrā\u2019", "Al Jazirah al Hamra'"),
        ("Ærøskøbing", "AEroskobing"),
        ("Yayc\u0131", "Yayci"),
    ],
)
def test_names_fold_to_ascii(name: str, folded: str) -> None:
    assert names.fold(name) == folded


def test_a_name_in_another_script_falls_back_to_an_ascii_alternative() -> None:
    assert names.ascii_name("城郊", ["城郊", "Chengjiao"]) == "Chengjiao"
    assert names.ascii_name("Ryasno, Рясно, Расна") == "Ryasno"


def test_the_shipping_user_may_only_read(
    shipping_database: FunctionDatabase, mysql_settings: dict[str, Any]
) -> None:
    user, password = shipping_database.user, shipping_database.password
    settings = {**mysql_settings, "user": user, "password": password}
    conn = connect(settings, namespaced("cities"))
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) AS n FROM codes")
            assert cursor.fetchone()["n"] == 252
            for statement in (
                "DELETE FROM codes",
                "INSERT INTO codes VALUES (1, 'zz', 'Nowhere')",
                "DROP TABLE cities",
            ):
                with pytest.raises(pymysql.err.OperationalError) as denied:
                    cursor.execute(statement)
                assert denied.value.args[0] == 1142  # command denied
    finally:
        conn.close()
    with pytest.raises(pymysql.err.OperationalError):
        connect({**settings, "password": "wrong"}, namespaced("cities"))
