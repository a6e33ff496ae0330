"""The browser suite's fixtures: the real stack behind nginx, and Debian's Chromium
driven by Playwright (never a downloaded browser). A failing test leaves a screenshot
in test-artifacts/."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.localstack import ROOT
from tests.storefront.stack import Stack, missing, seed_stores
from tests.support.eventing import vhost

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
# The Trigger subscribers of knative/base/eventing: order history and cart clearing.
CONSUMERS = [
    ("user", "/events/order-placed"),
    ("user", "/events/order-dispatched"),
    ("cart", "/events/order-placed"),
]
DECLINE_ABOVE = 10_000
SESSION_SECRET = "storefront-tests-" + "s" * 32


def needs(*names: str) -> None:
    """Skip while a function this journey needs is not in the repository yet."""
    absent = missing(names)
    if absent:
        pytest.skip(f"needs {', '.join(absent)}, not in the repository yet")


def needs_consumers(stack: Stack) -> None:
    """Skip while an order event consumer (a route of user or cart) is not there yet."""
    absent = [
        f"{name} {path}"
        for name, path in CONSUMERS
        if name in stack.urls and not stack.serves(name, path)
    ]
    if absent:
        pytest.skip(f"needs the event consumers {', '.join(absent)}, not in the repository yet")


@pytest.fixture(scope="session")
def amqp_url(namespace: str) -> Iterator[str]:
    """A vhost of the browser tests' own: their broker lives for the whole session, and
    must not take events from the queues of the broker and event suites' brokers."""
    with vhost(f"{namespace}storefront") as url:
        yield url


@pytest.fixture(scope="session")
def stack(
    mongo_url: str,
    redis_url: str,
    mysql_settings: dict[str, object],
    amqp_url: str,
    namespace: str,
    log_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    env = {
        "MONGO_URL": mongo_url,
        "REDIS_URL": redis_url,
        "MYSQL_HOST": str(mysql_settings["host"]),
        "MYSQL_PORT": str(mysql_settings["port"]),
        "MYSQL_USER": str(mysql_settings["user"]),
        "MYSQL_PASSWORD": str(mysql_settings["password"]),
        "AMQP_URL": amqp_url,
        "DATA_NAMESPACE": namespace,
        "SESSION_SECRET": SESSION_SECRET,
        "LOG_LEVEL": "warning",
        "WORKERS": "1",
        "THREADS": "4",
        # Stock changes made by a test show at once, not after the catalogue's cache expires.
        "CATALOGUE_CACHE_SECONDS": "0",
        # The simulated gateway declines above this, so a big order shows the declined path.
        "PAYMENT_DECLINE_ABOVE": str(DECLINE_ABOVE),
    }
    seed_stores()
    shop = Stack(env, log_dir)
    try:
        shop.start(tmp_path_factory.mktemp("nginx"))
        yield shop
    finally:
        shop.stop_all()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _failed(item: pytest.Item) -> bool:
    return any(
        getattr(getattr(item, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture
def page(browser: Any, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser profile (empty localStorage, no cookies) on the shop's origin."""
    context = browser.new_context(base_url=stack.nginx_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    if _failed(request.node):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
