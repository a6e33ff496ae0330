"""The results page of a whole `make bench` run: docs/benchmarks/results.md and results.png.

The page is written by the run, never by hand: the date and the machine it ran on, how
many targets were met, the chart and the table. A run of some sections only leaves it
alone, so the committed page is always one whole run.
"""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

from scripts.stack.processes import ROOT

DOCS = ROOT / "docs" / "benchmarks"
PAGE, CHART = DOCS / "results.md", DOCS / "results.png"
_BANNER = (
    "<!-- Written by `make bench` (scripts/bench/report.py) after a run of every section; "
    "run it again to replace it, don't edit it. -->"
)


def machine() -> str:
    """What the figures depend on beside the code: cores, CPU, Python, the MongoDB server."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    mongo = "mongod" if shutil.which("mongod") else "nx-27017 standing in for MongoDB"
    cpu = f"{os.cpu_count()} cores" + (f" ({model})" if model else "")
    return f"{cpu}, Linux, Python {platform.python_version()}, {mongo}"


def page(table: str, summary: str, day: str, where: str) -> str:
    return "\n".join(
        [
            _BANNER,
            "",
            "# Benchmark results",
            "",
            f"Measured on {day} on {where}."
            " How, and the targets: [benchmarks.md](../benchmarks.md).",
            "",
            f"{summary}.",
            "",
            "![make bench: each figure as a multiple of R1, green where its target is met,"
            " red where not, the target as a black tick](results.png)",
            "",
            table.rstrip("\n"),
            "",
        ]
    )
