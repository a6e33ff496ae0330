"""`make load`: the shopper journeys (knative/components/load/locustfile.py) against a shop.

Headless by default: it runs for the duration, prints Locust's summary table and exits
non-zero on any unexpected answer or exception. `--ui` serves Locust's web UI instead
(http://localhost:8089), where the numbers are chosen by hand.

    python -m scripts.bench.load [--host URL] [--users N] [--spawn-rate R] [--time 1m] [--ui]
                           [-- any other locust option]

Each option defaults to its environment variable (HOST, USERS, SPAWN_RATE, DURATION);
ERROR=1, THINK_MIN and THINK_MAX are read by the journeys themselves.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from scripts.stack.processes import ROOT, VENV_BIN

LOCUSTFILE = ROOT / "knative" / "components" / "load" / "locustfile.py"


def locust_argv(argv: list[str], environ: dict[str, str]) -> list[str]:
    """The locust command line for our options; what we don't know is passed on."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=environ.get("HOST") or "http://localhost:8080")
    parser.add_argument("--users", type=int, default=int(environ.get("USERS") or 10))
    parser.add_argument("--spawn-rate", type=float, default=float(environ.get("SPAWN_RATE") or 2))
    parser.add_argument("--time", default=environ.get("DURATION") or "1m")
    parser.add_argument("--ui", action="store_true", default=environ.get("UI") == "1")
    ours, rest = parser.parse_known_args(argv)
    command = [str(VENV_BIN / "locust"), "-f", str(LOCUSTFILE), "--host", ours.host]
    if ours.ui:
        return [*command, *rest]
    return [
        *command,
        "--headless",
        "--only-summary",
        *("--users", str(ours.users), "--spawn-rate", str(ours.spawn_rate)),
        *("--run-time", ours.time, "--stop-timeout", "10"),
        *[arg for arg in rest if arg != "--"],
    ]


def main(argv: list[str] | None = None) -> int:
    command = locust_argv(sys.argv[1:] if argv is None else argv, dict(os.environ))
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
