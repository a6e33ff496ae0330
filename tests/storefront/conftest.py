"""The browser suite's fixtures: Debian's Chromium driven by Playwright (never a
downloaded browser), against the real stack behind nginx (`stack`, tests/conftest.py).
A failing test leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from scripts.stack.processes import ROOT
from scripts.stack.shop import Stack

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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
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


AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
# What fails a page: axe-core's two worst impacts.
BLOCKING = ("serious", "critical")
WIDTHS = [1280, 390]  # a laptop, and the most common phone


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: make lint installs it (npm ci --prefix web)")
    return AXE.read_text()


def blocking_violations(page: Any, source: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now. The script is
    evaluated through the driver, as a browser extension would be: the page's CSP still
    forbids inline script for the page itself."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(source)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' '))}))"
    )
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found if v["impact"] in BLOCKING]


def console_errors(page: Any) -> list[str]:
    """Every console error from now on, collected into the list returned."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chrome's line for a failed load names no address: the answer does.
    page.on(
        "response",
        lambda answer: (
            errors.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None
        ),
    )
    return errors
