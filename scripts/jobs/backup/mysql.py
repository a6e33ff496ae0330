"""MySQL: every table of the shop's databases, read in one consistent snapshot.

A single REPEATABLE READ transaction (WITH CONSISTENT SNAPSHOT) reads both
databases, so votes and cities are as of one instant. Each table keeps its
CREATE TABLE statement; rows are JSON arrays, with the types JSON lacks tagged.
A restore loads every table of a database beside the live one, then swaps them
all in one RENAME TABLE, so readers see the old data or the new, never half.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pymysql.cursors

from kit import namespaced
from scripts.jobs.backup import registry
from scripts.jobs.backup.archive import Archive, ArchiveError, ArchiveWriter
from scripts.jobs.seed import _mysql

BATCH = 2000
_NAME = re.compile(r"^[A-Za-z0-9_]{1,50}$")
_STAGED, _OLD = "__restore", "__old"


def encode(value: Any) -> Any:
    """A column value as JSON; the types JSON has no word for are tagged."""
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, datetime.timedelta):
        return {"$timedelta": value.total_seconds()}
    if value is None or isinstance(value, int | float | str):
        return value
    raise TypeError(f"no JSON form for a MySQL value of type {type(value).__name__}")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$decimal": decimal.Decimal,
    "$bytes": base64.b64decode,
    "$datetime": datetime.datetime.fromisoformat,
    "$date": datetime.date.fromisoformat,
    "$timedelta": lambda seconds: datetime.timedelta(seconds=seconds),
}


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        [(tag, raw)] = value.items()
        return _DECODERS[tag](raw)
    if value is None or isinstance(value, int | float | str):
        return value
    raise ValueError(f"unexpected value {value!r}")


def _tables(cursor: Any, database: str) -> list[str]:
    cursor.execute(
        "SELECT table_name AS name FROM information_schema.tables"
        " WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
        (database,),
    )
    return [str(row["name"]) for row in cursor.fetchall()]


def dump(writer: ArchiveWriter) -> None:
    with _mysql.admin() as conn:
        with conn.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        for logical in registry.MYSQL_DATABASES:
            database = _mysql.identifier(namespaced(logical))
            with conn.cursor() as cursor:
                tables = _tables(cursor, database)
            for table in tables:
                _dump_table(conn, writer, logical, database, table)
        conn.rollback()


def _dump_table(conn: Any, writer: ArchiveWriter, logical: str, database: str, table: str) -> None:
    with conn.cursor() as cursor:
        cursor.execute(f"SHOW CREATE TABLE `{database}`.`{_mysql.identifier(table)}`")
        schema = str(cursor.fetchone()["Create Table"])
    schema_file = f"mysql/{logical}/{table}.sql"
    writer.small_file(schema_file, schema)
    out = writer.dataset(f"mysql/{logical}/{table}.jsonl")
    with conn.cursor(pymysql.cursors.SSCursor) as rows:
        rows.execute(f"SELECT * FROM `{database}`.`{table}`")
        columns = [column[0] for column in rows.description]
        for row in rows:
            out.line(json.dumps([encode(value) for value in row], separators=(",", ":")))
    writer.finish_dataset(
        out,
        {
            "store": "mysql",
            "database": logical,
            "table": table,
            "schema_file": schema_file,
            "columns": columns,
        },
    )
    print(f"  mysql {logical}.{table}: {out.records} rows", flush=True)


def _schema(archive: Archive, entry: dict[str, Any]) -> str:
    return archive.members[entry["schema_file"]].decode().strip()


def _rows(archive: Archive, entry: dict[str, Any]) -> Iterator[list[Any]]:
    width = len(entry["columns"])
    for number, line in enumerate(archive.lines(entry["file"]), 1):
        try:
            row = [decode(value) for value in json.loads(line)]
        except (ValueError, TypeError, KeyError, decimal.InvalidOperation) as exc:
            raise ArchiveError(f"{entry['file']} line {number}: not a row ({exc})") from None
        if len(row) != width:
            raise ArchiveError(
                f"{entry['file']} line {number}: {len(row)} values for {width} columns"
            )
        yield row


def check(archive: Archive, entry: dict[str, Any]) -> None:
    if entry["database"] not in registry.MYSQL_DATABASES:
        raise ArchiveError(f"MySQL database {entry['database']!r} is not one of the shop's")
    table = entry["table"]
    if not _NAME.match(table) or table.endswith((_STAGED, _OLD)):
        raise ArchiveError(f"{table!r} is not a table a restore may write")
    if not all(isinstance(c, str) and _NAME.match(c) for c in entry["columns"]):
        raise ArchiveError(f"{entry['file']}: malformed column names")
    schema = _schema(archive, entry)
    if not schema.startswith(f"CREATE TABLE `{table}` (") or ";" in schema:
        raise ArchiveError(f"{entry['schema_file']} is not one CREATE TABLE statement for {table}")
    count = sum(1 for _ in _rows(archive, entry))
    if count != entry["records"]:
        raise ArchiveError(f"{entry['file']}: {count} rows, the manifest says {entry['records']}")


def restore(archive: Archive, entries: list[dict[str, Any]]) -> None:
    with _mysql.admin() as conn:
        for logical in registry.MYSQL_DATABASES:
            mine = [e for e in entries if e["database"] == logical]
            if mine:
                _restore_database(conn, archive, namespaced(logical), mine)


def _restore_database(
    conn: Any, archive: Archive, database: str, entries: list[dict[str, Any]]
) -> None:
    _mysql.ensure_database(conn, database)
    conn.select_db(_mysql.identifier(database))
    with conn.cursor() as cursor:
        live = set(_tables(cursor, database))
        for entry in entries:
            _stage(conn, cursor, archive, entry)
        swaps, drops = [], []
        for entry in entries:
            table = entry["table"]
            if table in live:
                swaps.append(f"`{table}` TO `{table}{_OLD}`")
                drops.append(f"`{table}{_OLD}`")
            swaps.append(f"`{table}{_STAGED}` TO `{table}`")
        cursor.execute("RENAME TABLE " + ", ".join(swaps))
        if drops:
            cursor.execute("DROP TABLE " + ", ".join(drops))
    for entry in entries:
        print(f"  mysql {entry['database']}.{entry['table']}: {entry['records']} rows", flush=True)


def _stage(conn: Any, cursor: Any, archive: Archive, entry: dict[str, Any]) -> None:
    """The archived table, filled, under its staging name."""
    table = entry["table"]
    staged = f"{table}{_STAGED}"
    cursor.execute(f"DROP TABLE IF EXISTS `{staged}`, `{table}{_OLD}`")
    schema = _schema(archive, entry)
    cursor.execute(f"CREATE TABLE `{staged}` (" + schema[len(f"CREATE TABLE `{table}` (") :])
    columns = ", ".join(f"`{column}`" for column in entry["columns"])
    insert = (
        f"INSERT INTO `{staged}` ({columns}) VALUES ({', '.join(['%s'] * len(entry['columns']))})"
    )
    conn.begin()
    batch: list[list[Any]] = []
    for row in _rows(archive, entry):
        batch.append(row)
        if len(batch) == BATCH:
            cursor.executemany(insert, batch)
            batch = []
    if batch:
        cursor.executemany(insert, batch)
    conn.commit()
