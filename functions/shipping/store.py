"""MySQL access for shipping: database `cities`, tables `codes` and `cities`.

The schema lives here beside the queries that depend on it; the seed step
creates it (the function's own MySQL user may only read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kit import namespaced, stores

if TYPE_CHECKING:
    from kit._mysql import MySQLPool

Row = dict[str, Any]

# Bump when the tables change: the seed then reloads them.
SCHEMA_VERSION = 1

# `city` is the ASCII name under a case-insensitive collation: the (code, city)
# index serves `/match` as a prefix range scan and `/cities/{code}` in order.
CODES_TABLE = """
CREATE TABLE IF NOT EXISTS `{table}` (
  uuid INT UNSIGNED NOT NULL PRIMARY KEY,
  code CHAR(2) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  name VARCHAR(100) NOT NULL,
  UNIQUE KEY by_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
"""
CITIES_TABLE = """
CREATE TABLE IF NOT EXISTS `{table}` (
  uuid INT UNSIGNED NOT NULL PRIMARY KEY,
  code CHAR(2) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  city VARCHAR(150) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  name VARCHAR(200) NOT NULL,
  region VARCHAR(20) CHARACTER SET ascii NOT NULL,
  latitude DECIMAL(8,5) NOT NULL,
  longitude DECIMAL(8,5) NOT NULL,
  population INT UNSIGNED NOT NULL,
  KEY by_code_city (code, city)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
"""
# What the seed loaded, so that a repeated seed of the same data is skipped.
SEED_TABLE = """
CREATE TABLE IF NOT EXISTS seed_info (
  dataset VARCHAR(40) NOT NULL PRIMARY KEY,
  version VARCHAR(100) NOT NULL,
  row_count INT UNSIGNED NOT NULL
) ENGINE=InnoDB
"""

CITY_FIELDS = "uuid, code, city, name, region, latitude, longitude"


def database() -> str:
    return namespaced("cities")


def pool() -> MySQLPool:
    return stores.mysql(database()).get()


def _rows(sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
    with pool().connection() as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _first(sql: str, params: tuple[Any, ...]) -> Row | None:
    found = _rows(sql, params)
    return found[0] if found else None


def country_codes() -> list[Row]:
    """The countries that have a city to ship to (a few in the gazetteer have none)."""
    return _rows(
        "SELECT uuid, code, name FROM codes"
        " WHERE EXISTS (SELECT 1 FROM cities WHERE cities.code = codes.code)"
        " ORDER BY name, code"
    )


def country_exists(code: str) -> bool:
    return _first("SELECT 1 FROM codes WHERE code = %s", (code,)) is not None


def cities_in(code: str, limit: int, offset: int) -> list[Row]:
    """One page of a country's cities in ASCII-name order, read along the index."""
    return _rows(
        f"SELECT {CITY_FIELDS} FROM cities WHERE code = %s ORDER BY city, uuid LIMIT %s OFFSET %s",
        (code, limit, offset),
    )


def city_total(code: str) -> int:
    return int(_rows("SELECT COUNT(*) AS n FROM cities WHERE code = %s", (code,))[0]["n"])


def cities_named(code: str, ascii_name: str, name: str, limit: int) -> list[Row]:
    """Cities called `name` (by their ASCII name, else as written), the most populous first."""
    return _rows(
        f"SELECT {CITY_FIELDS} FROM cities WHERE code = %s AND (city = %s OR name = %s)"
        " ORDER BY population DESC, uuid LIMIT %s",
        (code, ascii_name, name, limit),
    )


def cities_starting(code: str, prefix: str, limit: int) -> list[Row]:
    """Cities whose ASCII name starts with `prefix` (any case), the most populous first."""
    return _rows(
        f"SELECT {CITY_FIELDS} FROM cities WHERE code = %s AND city LIKE %s"
        " ORDER BY population DESC, city, uuid LIMIT %s",
        (code, escape_like(prefix) + "%", limit),
    )


def city(uuid: int) -> Row | None:
    return _first(f"SELECT {CITY_FIELDS} FROM cities WHERE uuid = %s", (uuid,))


def country_name(code: str) -> str | None:
    found = _first("SELECT name FROM codes WHERE code = %s", (code,))
    return None if found is None else str(found["name"])


def city_count() -> int:
    return int(_rows("SELECT COUNT(*) AS n FROM cities")[0]["n"])


def escape_like(text: str) -> str:
    r"""`text` matched literally by LIKE (its default escape character is \)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
