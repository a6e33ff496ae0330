"""What a shopper does on many of the storefront's pages: register, from the page itself."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

PASSWORD = "correct horse battery"


def register(page: Any, prefix: str = "shopper") -> str:
    """A new account, registered through the form; the header greets it. Its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    page.goto("/#/register")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text(f"Hi, {name}")).to_be_visible()
    return name
