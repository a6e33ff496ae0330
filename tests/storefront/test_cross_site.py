"""Another site, open in the same browser, can't act as the shopper: it can't change a
logged-in user's cart with links or images (cart changes are GETs in the classic API),
and a form it posts can't log the browser in as someone else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3
from playwright.sync_api import expect
from werkzeug.wrappers import Request, Response

from scripts.stack.shop import Stack
from tests.storefront.shopper import register
from tests.storefront.test_account import add
from tests.support import stub


class AttackerSite:
    """Pages served from `localhost`: another site than the shop's 127.0.0.1."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.url = ""

    def page(self, request: Request) -> Response:
        body = self.pages.get(request.path, "").encode()
        return stub.answer(200 if body else 404, body, {"Content-Type": "text/html; charset=utf-8"})


@pytest.fixture(scope="module")
def attacker() -> Iterator[AttackerSite]:
    site = AttackerSite()
    with stub.serving(site.page) as server:
        site.url = f"http://localhost:{server.port}"
        yield site


def cart_lines(stack: Stack, name: str, token: str) -> list[tuple[str, int]]:
    answer = urllib3.request(
        "GET",
        f"{stack.nginx_url}/api/cart/cart/{name}",
        headers={"Authorization": f"Bearer {token}"},
    )
    return [(item["sku"], item["qty"]) for item in answer.json()["items"]]


def session_token(page: Any) -> str:
    stored = page.evaluate("() => JSON.parse(localStorage.getItem('roboshop.session'))")
    return str(stored["token"])


def test_links_and_images_on_another_site_cant_change_the_cart(
    page: Any, stack: Stack, attacker: AttackerSite
) -> None:
    name = register(page, "merge")
    add(page, "RMC")
    token = session_token(page)
    assert cart_lines(stack, name, token) == [("RMC", 1)]
    shop = stack.nginx_url
    attacker.pages["/images.html"] = (
        f'<img src="{shop}/api/cart/add/{name}/UHJ/3">'
        f'<img src="{shop}/api/cart/update/{name}/RMC/0">'
    )
    page.goto(f"{attacker.url}/images.html")
    page.wait_for_load_state("networkidle")
    attacker.pages["/link.html"] = f'<a id="go" href="{shop}/api/cart/add/{name}/UHJ/3">win</a>'
    page.goto(f"{attacker.url}/link.html")
    with page.expect_navigation():
        page.click("#go")
    assert "unauthorized" in page.content()
    assert cart_lines(stack, name, token) == [("RMC", 1)]


def test_a_form_on_another_site_cant_log_the_browser_in(
    page: Any, stack: Stack, attacker: AttackerSite
) -> None:
    """A text/plain form can post a body that reads as JSON, without asking the shop first."""
    shop = stack.nginx_url
    attacker.pages["/login.html"] = (
        f'<form id="f" method="POST" action="{shop}/api/user/login" enctype="text/plain">'
        '<input name=\'{"name": "partner-57", "password": "worktogether", "x": "\' value=\'"}\'>'
        "</form><script>document.getElementById('f').submit()</script>"
    )
    page.goto(f"{attacker.url}/login.html")
    page.wait_for_url(f"{shop}/api/user/login")
    expect(page.locator("body")).to_contain_text("unsupported_media_type")
    host = urlsplit(shop).hostname
    assert not [c for c in page.context.cookies() if c["domain"] == host]
