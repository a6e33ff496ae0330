"""`make load` against the whole shop: a short headless run of every journey places orders
and exits 0; the same run against a host whose routes are broken exits non-zero."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pymongo
import pytest

from scripts.bench import load
from scripts.stack.processes import ROOT
from scripts.stack.shop import Stack

pytestmark = pytest.mark.served
QUICK = {"THINK_MIN": "0.05", "THINK_MAX": "0.2", "ERROR": "1"}


def run_load(host: str, stats: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "scripts.bench.load", "--host", host, "--users", "3"),
            *("--spawn-rate", "3", "--time", "8s", "--", "--csv", str(stats)),
        ],
        cwd=ROOT,
        env={**os.environ, **QUICK},
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows(stats: Path) -> dict[str, dict[str, str]]:
    with Path(f"{stats}_stats.csv").open() as table:
        return {row["Name"]: row for row in csv.DictReader(table)}


def test_every_journey_runs_clean_and_places_orders(stack: Stack, tmp_path: Path) -> None:
    done = run_load(stack.nginx_url, tmp_path / "run")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = rows(tmp_path / "run")
    assert int(found["placed"]["Request Count"]) > 0
    assert int(found["Aggregated"]["Failure Count"]) == 0
    for step in ("login", "pay", "pay (invalid, refused)", "shipping match", "add"):
        assert int(found[step]["Request Count"]) > 0, step


def test_lines_beyond_the_stock_are_answers_not_failures(
    stack: Stack, tmp_path: Path, mongo_url: str, namespace: str
) -> None:
    """One robot left in the shop, one unit of it: every quantity of 2 is refused 409
    out_of_stock, as the shop promises, the unit is sold to one order, the shoppers after it
    find nothing to buy, and the run fails nothing."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo_url)
    products = client[f"{namespace}catalogue"]["products"]
    before = {p["sku"]: p["instock"] for p in products.find({}, {"sku": 1, "instock": 1})}
    products.update_many({}, {"$set": {"instock": 0}})
    products.update_one({"sku": "EPE"}, {"$set": {"instock": 1}})
    try:
        done = run_load(stack.nginx_url, tmp_path / "scarce")
    finally:
        for sku, instock in before.items():
            products.update_one({"sku": sku}, {"$set": {"instock": instock}})
        client.close()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = rows(tmp_path / "scarce")
    assert int(found["update quantity"]["Request Count"]) > 0
    assert int(found["placed"]["Request Count"]) > 0
    assert int(found["Aggregated"]["Failure Count"]) == 0


def test_a_broken_route_fails_the_run(stack: Stack, tmp_path: Path) -> None:
    # A function's own port has no /api/ routes: every journey meets a 404.
    done = run_load(stack.urls["catalogue"], tmp_path / "broken")
    assert done.returncode != 0
    assert int(rows(tmp_path / "broken")["Aggregated"]["Failure Count"]) > 0


def test_options_come_from_the_environment_and_the_ui_is_on_request() -> None:
    headless = load.locust_argv([], {"HOST": "http://shop:80", "USERS": "7", "DURATION": "30s"})
    assert "--headless" in headless
    assert headless[headless.index("--host") + 1] == "http://shop:80"
    assert headless[headless.index("--users") + 1] == "7"
    assert headless[headless.index("--run-time") + 1] == "30s"
    ui = load.locust_argv(["--ui", "--web-port", "8090"], {})
    assert "--headless" not in ui and ui[-2:] == ["--web-port", "8090"]
