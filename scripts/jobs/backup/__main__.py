"""`python -m scripts.jobs.backup create|restore|verify|list`: the shop's data in one archive.

    create [--dir DIR] [--keep N]   back up every store into DIR (BACKUP_DIR, else
                                    .state/backups), then keep the N newest (BACKUP_KEEP)
    restore FILE                    check FILE whole, then replace what it holds
                                    (FILE: a path, an archive's name in DIR, or `latest`)
    verify FILE                     only check FILE
    list                            the archives in DIR, oldest first

Stores are found as the functions and `make run` find them (MONGO_URL, REDIS_URL,
MYSQL_HOST, MYSQL_PORT, MYSQL_ADMIN_USER/PASSWORD, DATA_NAMESPACE).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pymongo.errors
import pymysql
import redis

from kit import env_int
from scripts.jobs.backup import actions
from scripts.jobs.backup.archive import ArchiveError, archives_in
from scripts.jobs.backup.keys import UnsupportedKey


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.jobs.backup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dir", type=Path, default=None, help="where the archives are")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="back up every store")
    create.add_argument("--keep", type=int, default=None, help="keep the N newest archives")
    for name in ("restore", "verify"):
        command = commands.add_parser(name, help=f"{name} an archive")
        command.add_argument("file", help="a path, an archive name in --dir, or `latest`")
    commands.add_parser("list", help="the archives in --dir")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    folder: Path = args.dir or actions.default_folder()
    try:
        if args.command == "create":
            keep = args.keep if args.keep is not None else env_int("BACKUP_KEEP", 0)
            print(f"==> backing up RoboShop into {folder}", flush=True)
            path, manifest = actions.create(folder, keep)
            records = sum(entry["records"] for entry in manifest["datasets"])
            size = path.stat().st_size
            print(f"==> {path} ({size / 1e6:.1f} MB): {records} records, checked", flush=True)
            kept = archives_in(folder)
            print(f"==> {len(kept)} backups in {folder}: {', '.join(p.name for p in kept)}")
        elif args.command == "restore":
            path = actions.resolve(args.file, folder)
            actions.restore(path)
            print(f"==> restored RoboShop from {path}", flush=True)
        elif args.command == "verify":
            path = actions.resolve(args.file, folder)
            found = actions.verify(path)
            print(f"==> {path}: intact, {len(found.datasets)} datasets", flush=True)
            for entry in found.datasets:
                where = entry.get("collection") or entry.get("table") or ""
                name = f"{entry.get('database', entry.get('family'))}{'.' + where if where else ''}"
                print(f"  {entry['store']} {name}: {entry['records']}")
        else:
            for path in archives_in(folder):
                print(f"{path}  {path.stat().st_size / 1e6:.1f} MB")
    except ArchiveError as exc:
        print(f"!! refusing the backup: {exc}. Nothing was changed.", file=sys.stderr)
        return 2
    except (actions.BackupError, UnsupportedKey) as exc:
        print(f"!! {exc}", file=sys.stderr)
        return 1
    except (pymongo.errors.PyMongoError, redis.RedisError, pymysql.Error) as exc:
        store = type(exc).__module__.split(".")[0]
        hint = {
            "create": "no backup was written",
            "restore": "the archive was sound; run the restore again once the store is back",
        }.get(args.command, "")
        print(f"!! {store}: {exc} ({hint})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
