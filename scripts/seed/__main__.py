"""`python -m scripts.seed [store ...]`: seed the named stores (all by default).

Used by `make run`, by the tests and by the Kubernetes seed Jobs. Reads the same
environment as the functions (MONGO_URL, DATA_NAMESPACE, ...).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

SEEDS = {"catalogue": "scripts.seed.catalogue"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stores", nargs="*", metavar="store", help=f"any of: {', '.join(SEEDS)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.stores) - SEEDS.keys())
    if unknown:
        parser.error(f"unknown store {', '.join(unknown)}; choose from {', '.join(SEEDS)}")
    for name in args.stores or list(SEEDS):
        started = time.monotonic()
        count = importlib.import_module(SEEDS[name]).seed()
        print(f"seeded {name}: {count} records in {time.monotonic() - started:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
