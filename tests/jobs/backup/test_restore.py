"""Back up a shop of known data, wipe it, restore it: every record comes back.

And an archive that is truncated, corrupt or tampered with is refused before
anything is written: the stores are left exactly as they were.
"""

from __future__ import annotations

import datetime
import gzip
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.jobs.backup import actions, archive, registry
from scripts.jobs.backup.archive import ArchiveError
from scripts.stack.processes import ROOT
from tests.jobs.backup import archives
from tests.jobs.backup.conftest import ORDERS, Picture, picture, wipe, without_ttls

pytestmark = pytest.mark.usefixtures("shop")


def backup_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m scripts.jobs.backup ...` as `make backup` runs it, in this namespace."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.jobs.backup", *args],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Picture]:
    """A backup of the known shop (through the command line), and the shop as it was."""
    folder = tmp_path_factory.mktemp("backups")
    before = picture()
    done = backup_cli("--dir", str(folder), "create")
    assert done.returncode == 0, done.stderr
    [path] = archive.archives_in(folder)
    return path, before


def change_the_shop() -> None:
    """What happens after a backup: a new cart, a new vote, a new user, a lost cart."""
    from cart import store as carts
    from kit import namespaced, stores
    from ratings import store as ratings
    from user import store as users

    carts.change(["anonymous-new"], lambda current: [{"total": 42, "tax": 7, "items": []}])
    ratings.vote("RMC", ratings.Ballot("e" * 64, "c" * 64, datetime.date(2026, 3, 2)), 1, cap=10)
    users.insert_user("eve", "eve@example.com", "scrypt$eve")
    stores.redis().get().delete(namespaced("cart:ada"))


def assert_same_records(restored: Picture, before: Picture) -> None:
    assert without_ttls(restored) == without_ttls(before)
    for key, (_, ttl) in ((k, v) for k, v in before.items() if k.startswith("redis ")):
        restored_ttl = restored[key][1]
        if ttl == -1:
            assert restored_ttl == -1, key
        else:  # the time left when backed up, less what passed since the restore
            assert ttl - 30_000 < restored_ttl <= ttl, key


def test_the_known_shop_is_all_there_before_the_backup(made: tuple[Path, Picture]) -> None:
    _, before = made
    users = [doc["name"] for doc in before["mongodb users.users"]]
    assert sorted(users) == ["ada", "bob", "cyd"]
    assert sorted(doc["orderid"] for doc in before["mongodb users.orders"]) == sorted(ORDERS)
    assert len(before["mongodb catalogue.products"]) == 11
    votes = {row["sku"]: row["rating_count"] for row in before["mysql ratings.ratings"]}
    assert votes == {"RMC": 2, "STAN-1": 1, "EPE": 1}
    assert len(before["mysql cities.cities"]) > 10
    carts = [key for key in before if key.startswith("redis ") and "_cart:" in key]
    assert len(carts) == 2 and all(0 < before[key][1] <= 3_600_000 for key in carts)


def test_manifest_says_what_when_how_many_and_checksums(made: tuple[Path, Picture]) -> None:
    path, before = made
    listed = archives.manifest(path)
    assert listed["format"] == archive.FORMAT
    assert listed["shop_version"] and listed["shop_version"] != "unknown"
    assert (
        path.name == f"roboshop-{listed['created'][:19].replace('-', '').replace(':', '')}Z.tar.gz"
    )
    counts = {
        f"{e['store']} {e.get('database', '')}.{e.get('collection') or e.get('table')}": e[
            "records"
        ]
        for e in listed["datasets"]
        if e["store"] != "redis"
    }
    assert counts == {key: len(rows) for key, rows in before.items() if not key.startswith("redis")}
    carts = next(e for e in listed["datasets"] if e.get("family") == "carts")
    assert carts["records"] == 2
    inside = archives.members(path)
    assert set(listed["files"]) == set(inside) - {"manifest.json"}
    assert all(len(facts["sha256"]) == 64 for facts in listed["files"].values())
    assert "password" not in str(listed["sources"]) and "@" not in str(listed["sources"])
    assert path.stat().st_mode & 0o777 == 0o600  # it holds password hashes


def test_wipe_then_restore_gives_back_every_record(made: tuple[Path, Picture]) -> None:
    path, before = made
    wipe()
    assert picture() == {}
    done = backup_cli("restore", str(path))
    assert done.returncode == 0, done.stderr
    assert "complete and intact" in done.stdout
    assert_same_records(picture(), before)


def test_restore_returns_a_changed_shop_to_the_backup(made: tuple[Path, Picture]) -> None:
    path, before = made
    change_the_shop()
    assert without_ttls(picture()) != without_ttls(before)
    actions.restore(path)
    assert_same_records(picture(), before)


def test_the_restored_shop_still_works(made: tuple[Path, Picture]) -> None:
    """Indexes are back: a second user of the same name is refused, the text index answers."""
    from catalogue import store as catalogue
    from user import store as users

    path, _ = made
    wipe()
    actions.restore(path)
    assert users.insert_user("ada", "again@example.com", "x") is False
    found = catalogue.collection().find({"$text": {"$search": "cyborg"}}, {"_id": 0, "sku": 1})
    assert [p["sku"] for p in found] == ["RMC"]
    newest_first = ["order-ada-2", "order-ada-1"]
    assert [o["orderid"] for o in users.history("ada", limit=10, offset=0)] == newest_first


def _refused(bad: Path, expected: str) -> None:
    """The CLI refuses `bad` and the (changed) shop is exactly as it was."""
    change_the_shop()
    untouched = without_ttls(picture())
    done = backup_cli("restore", str(bad))
    assert done.returncode == 2, done.stdout
    assert "refusing the backup" in done.stderr and "Nothing was changed" in done.stderr
    assert expected in done.stderr
    assert without_ttls(picture()) == untouched


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999, 10])
def test_a_truncated_archive_is_refused_and_changes_nothing(
    made: tuple[Path, Picture], tmp_path: Path, keep: float
) -> None:
    path, _ = made
    packed = path.read_bytes()
    cut = int(len(packed) * keep) if keep < 1 else int(keep)
    bad = tmp_path / path.name
    bad.write_bytes(packed[:cut])
    _refused(bad, "truncated or corrupt")


def test_an_archive_missing_a_file_is_refused(made: tuple[Path, Picture], tmp_path: Path) -> None:
    path, _ = made

    def drop_carts(contents: archives.Members, listed: dict[str, Any]) -> None:
        del contents["redis/carts.jsonl"]

    _refused(archives.rewritten(path, tmp_path / "x.tar.gz", drop_carts, reseal=False), "missing")


def test_a_flipped_byte_is_refused(made: tuple[Path, Picture], tmp_path: Path) -> None:
    path, _ = made
    raw = bytearray(gzip.decompress(path.read_bytes()))
    where = raw.index(b'"ada@example.com"')
    raw[where + 2] ^= 0x20  # Ada's e-mail, one letter's case
    bad = tmp_path / path.name
    bad.write_bytes(gzip.compress(bytes(raw)))
    _refused(bad, "checksum mismatch")


def test_a_tampered_checksum_is_refused(made: tuple[Path, Picture], tmp_path: Path) -> None:
    path, _ = made

    def forge(contents: archives.Members, listed: dict[str, Any]) -> None:
        listed["files"]["mysql/ratings/ratings.jsonl"]["sha256"] = "0" * 64

    _refused(archives.rewritten(path, tmp_path / "x.tar.gz", forge, reseal=False), "checksum")


def test_tampered_data_with_a_matching_checksum_is_refused(
    made: tuple[Path, Picture], tmp_path: Path
) -> None:
    """A careful forger who reseals the checksums: the counts give the extra user away."""
    path, _ = made

    def add_user(contents: archives.Members, listed: dict[str, Any]) -> None:
        line = b'{"_id": {"$oid": "65a000000000000000000001"}, "name": "mallory"}\n'
        contents["mongodb/users/users.jsonl"] += line

    bad = archives.rewritten(path, tmp_path / "x.tar.gz", add_user, reseal=True)
    _refused(bad, "the manifest says")


@pytest.mark.parametrize(
    ("where", "what", "expected"),
    [
        ("mysql", {"database": "mysql", "table": "user"}, "not one of the shop's"),
        ("mongodb", {"database": "admin"}, "not one of the shop's"),
        ("mongodb", {"collection": "system.users"}, "not a collection"),
        ("redis", {"family": "everything"}, "not one of the shop's"),
    ],
)
def test_a_manifest_aiming_at_other_data_is_refused(
    made: tuple[Path, Picture], tmp_path: Path, where: str, what: dict[str, str], expected: str
) -> None:
    path, _ = made

    def retarget(contents: archives.Members, listed: dict[str, Any]) -> None:
        next(e for e in listed["datasets"] if e["store"] == where).update(what)

    _refused(archives.rewritten(path, tmp_path / "x.tar.gz", retarget, reseal=True), expected)


@pytest.mark.parametrize(
    ("member", "replacement", "expected"),
    [
        (
            "mysql/ratings/ratings.sql",
            b"DROP DATABASE mysql; CREATE TABLE `ratings` (x INT)\n",
            "not one CREATE TABLE",
        ),
        (
            "redis/carts.jsonl",
            b'{"key": "session-revoked:x", "value": "1", "ttl_ms": null}\n',
            "is not a carts key",
        ),
        ("mysql/ratings/ratings.jsonl", b'["RMC", 5.0]\n', "values for 3 columns"),
    ],
)
def test_resealed_but_malformed_contents_are_refused(
    made: tuple[Path, Picture], tmp_path: Path, member: str, replacement: bytes, expected: str
) -> None:
    path, _ = made

    def swap(contents: archives.Members, listed: dict[str, Any]) -> None:
        contents[member] = replacement
        for entry in listed["datasets"]:
            if entry["file"] == member:
                entry["records"] = 1

    _refused(archives.rewritten(path, tmp_path / "x.tar.gz", swap, reseal=True), expected)


def test_an_unknown_format_is_refused(made: tuple[Path, Picture], tmp_path: Path) -> None:
    path, _ = made

    def future(contents: archives.Members, listed: dict[str, Any]) -> None:
        listed["format"] = "roboshop-backup/9"

    with pytest.raises(ArchiveError, match="unknown backup format"):
        actions.verify(archives.rewritten(path, tmp_path / "x.tar.gz", future, reseal=False))


def test_verify_and_latest_through_the_command_line(made: tuple[Path, Picture]) -> None:
    path, _ = made
    done = backup_cli("--dir", str(path.parent), "verify", "latest")
    assert done.returncode == 0, done.stderr
    assert f"{path}: intact" in done.stdout and "mongodb users.orders: 3" in done.stdout
    missing = backup_cli("--dir", str(path.parent), "restore", "roboshop-19990101T000000Z.tar.gz")
    assert missing.returncode == 1 and path.name in missing.stderr


def test_only_the_newest_backups_are_kept(tmp_path: Path) -> None:
    old = [tmp_path / f"roboshop-2020010{day}T020000Z.tar.gz" for day in range(1, 6)]
    for path in old:
        path.write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("not a backup: never pruned")
    path, _ = actions.create(tmp_path, keep=2)
    assert archive.archives_in(tmp_path) == [old[-1], path]
    assert (tmp_path / "notes.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_every_store_name_the_functions_make_is_backed_up_or_excluded() -> None:
    """A new database or Redis key family in functions/ must be added to the registry."""
    import ast

    made: set[str] = set()
    for source in (ROOT / "functions").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "namespaced"
                and node.args
            ):
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    made.add(str(arg.value))
                elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                    made.add(str(arg.values[0].value))
    assert made, "no namespaced() calls found: has kit changed?"
    assert made - registry.every_name() == set()


@pytest.mark.parametrize(
    ("setting", "value", "store"),
    [("MYSQL_PORT", "1", "pymysql"), ("MONGO_URL", "mongodb://127.0.0.1:1", "pymongo")],
)
def test_a_store_that_is_down_fails_the_backup_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, store: str
) -> None:
    monkeypatch.setenv(setting, value)
    monkeypatch.setenv("MONGO_TIMEOUT_MS", "300")
    done = backup_cli("--dir", str(tmp_path), "create")
    assert done.returncode == 1
    assert done.stderr.startswith(f"!! {store}: ") and "no backup was written" in done.stderr
    assert list(tmp_path.iterdir()) == []
