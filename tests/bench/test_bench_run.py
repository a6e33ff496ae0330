"""One tiny real `make bench` (one-second runs, three sections, a few cities) so that the
benchmark can't rot: it runs the shop, wrk and R1 end to end and writes its three files.
No figure is judged here: speed is `make bench`'s business, not the tests'."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.stack.processes import ROOT

pytestmark = pytest.mark.served
QUICK = ["--seconds", "1", "--warmup", "1", "--runs", "1", "--cold-runs", "1", "--cities", "gb"]


def test_a_tiny_bench_run_writes_the_json_the_table_and_the_chart(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.bench",
            "--only",
            "user,cart,cold-quota",
            *QUICK,
            "--cpu-limits",
            "1000m",
            "--out",
            str(tmp_path),
            "--docs",
            str(tmp_path / "docs"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    document = json.loads((tmp_path / "bench.json").read_text())
    rows = {(row["section"], row["name"]): row for row in document["figures"]}
    assert rows[("user", "R1 hello world")]["ratio"] == 1.0
    uniqueid = rows[("user", "uniqueid")]
    assert uniqueid["value"] > 0 and uniqueid["cpu_ms"] > 0 and uniqueid["target"] == ">= 1.3 x R1"
    assert rows[("user", "uniqueid via nginx")]["judged"] > 0
    # uniqueid's floor, measured in the same rounds: R3, a bare Flask route and a Redis GET.
    r3 = rows[("user", "R3 Flask on granian + Redis GET")]
    assert r3["value"] > 0 and r3["cpu_ms"] > 0 and r3["floor_ratio"] is None
    assert uniqueid["floor"] == "R3"
    assert uniqueid["floor_ratio"] == round(uniqueid["value"] / r3["value"], 3)
    assert uniqueid["cpu_above_floor_ms"] == round(uniqueid["cpu_ms"] - r3["cpu_ms"], 3)
    assert ("cart", "R3 Flask on granian + Redis GET") in rows
    under = rows[("cold start under the CPU limit", "catalogue at 1000m")]
    assert under["value"] > 0 and under["target"] == "<= 1 s" and under["ratio"] > 0
    assert rows[("cold start under the CPU limit", "R1 at 1000m")]["ratio"] == 1.0
    lost = rows[("cart", "cart add: updates lost")]
    assert lost["extra"]["answered"] > 0 and lost["extra"]["in_carts"] > 0
    table = (tmp_path / "bench.md").read_text()
    assert "| user | uniqueid |" in table and ">= 1.3 x R1" in table and " x R3 |" in table
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "targets met" in done.stdout
    # Some sections only: the results page keeps the last whole run.
    assert not (tmp_path / "docs").exists() and "keeps the results" in done.stdout


def test_an_unknown_section_is_refused_before_anything_starts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--only", "catalog"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unknown section catalog" in done.stderr
