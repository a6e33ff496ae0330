"""`python -m scripts.jobs.seed [store ...]`: seed the named stores (all by default).

Used by `make run`, by the tests and by the Kubernetes seed Jobs. Reads the same
environment as the functions (MONGO_URL, MYSQL_*, DATA_NAMESPACE, ...).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path

# Every module beside this one seeds one store through its `seed() -> int`.
SEEDS = sorted(
    module.name
    for module in pkgutil.iter_modules([str(Path(__file__).parent)])
    if not module.name.startswith("_")
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stores", nargs="*", metavar="store", help=f"any of: {', '.join(SEEDS)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.stores) - set(SEEDS))
    if unknown:
        parser.error(f"unknown store {', '.join(unknown)}; choose from {', '.join(SEEDS)}")
    for name in args.stores or SEEDS:
        started = time.monotonic()
        count = importlib.import_module(f"scripts.jobs.seed.{name}").seed()
        print(f"seeded {name}: {count} records in {time.monotonic() - started:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
