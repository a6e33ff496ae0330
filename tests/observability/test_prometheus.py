"""Prometheus for `make run`: the rules pass promtool's checks and unit tests, its
configuration scrapes every function and the dev broker, and a real Prometheus finds
each of them up and their metrics in it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3
import yaml

from kit import LOCAL_PORTS
from scripts.stack import prometheus, run
from scripts.stack.processes import ROOT
from scripts.stack.wait import until
from tests.observability.conftest import Observed
from tests.origin.conftest import Visitor

RULES_DIR = prometheus.RULES.parent
SCRAPED = {name for name in LOCAL_PORTS if (ROOT / "functions" / name / "main.py").exists()}


def promtool(*args: str, cwd: Path = RULES_DIR) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool is missing: apt-get install prometheus (make setup-test does it)"
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_the_rules_pass_promtool_check() -> None:
    done = promtool("check", "rules", "rules.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_rules_pass_their_unit_tests() -> None:
    done = promtool("test", "rules", "rules_test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_the_issue_asks_for_is_there() -> None:
    groups = yaml.safe_load(prometheus.RULES.read_text())["groups"]
    alerts = {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}
    assert {
        "RoboShopHighErrorRate",
        "RoboShopSlowRequests",
        "RoboShopDeadLetters",
        "RoboShopEventsWaiting",
        "RoboShopStoreDown",
    } <= alerts


def test_the_local_configuration_scrapes_every_function_and_the_broker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "STATE", tmp_path)  # its secrets go there, not to .state/
    stack = run.stack()
    targets = {name: urlsplit(stack.urls[name]).netloc for name in [*LOCAL_PORTS, "broker"]}
    conf = tmp_path / "prometheus.yml"
    conf.write_text(yaml.safe_dump(prometheus.config(targets)))
    done = promtool("check", "config", str(conf))
    assert done.returncode == 0, done.stdout + done.stderr
    scrape_configs: Any = prometheus.config(targets)["scrape_configs"]
    jobs = {job["job_name"] for job in scrape_configs}
    assert {f"roboshop-{name}" for name in SCRAPED | {"broker"}} <= jobs


def test_make_run_says_how_to_install_it_when_it_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(run, "STATE", tmp_path)
    monkeypatch.setattr(prometheus, "installed", lambda: None)
    run.stack().start(["prometheus"])
    assert "apt-get install prometheus" in capsys.readouterr().out


def test_a_real_prometheus_finds_every_target_up_with_the_shops_metrics(
    observed: Observed,
) -> None:
    assert prometheus.installed(), "prometheus is missing: apt-get install prometheus"
    shop = observed.shop
    shop.start(["prometheus"])  # as `make run` starts it, scraping what the stack serves
    try:
        base = shop.urls["prometheus"]
        targets = SCRAPED | {"broker"}
        up = wait_for_query(base, "up == 1", len(targets))
        assert {sample["metric"]["function"] for sample in up} == targets
        assert Visitor(shop.nginx_url).get("/api/catalogue/products").status == 200
        assert wait_for_query(base, 'http_requests_total{function="catalogue"}', 1)
        assert wait_for_query(base, "broker_oldest_waiting_event_seconds", 1)
    finally:
        shop.stop("prometheus")


def wait_for_query(base: str, query: str, count: int, seconds: float = 60) -> list[dict[str, Any]]:
    """The query's result once it has `count` series (Prometheus scrapes every 5 s)."""

    def result() -> list[dict[str, Any]]:
        answer = urllib3.request("GET", f"{base}/api/v1/query", fields={"query": query})
        series: list[dict[str, Any]] = json.loads(answer.data)["data"]["result"]
        return series

    what = f"{count} series of {query}"
    return until(result, seconds, what, 0.5, done=lambda series: len(series) >= count)
