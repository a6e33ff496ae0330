"""The docs pages that are data are what their generators print (python -m scripts.docs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.docs import bench_targets, capacity_table, versions_table
from scripts.docs.__main__ import GENERATED
from scripts.stack.processes import ROOT


@pytest.mark.parametrize(
    "page", [versions_table.PAGE, bench_targets.PAGE, capacity_table.PAGE], ids=lambda p: p.name
)
def test_the_page_is_its_generators_output(page: Path) -> None:
    assert page.read_text() == GENERATED[page](), (
        f"{page.relative_to(ROOT)} differs from its source: run `python -m scripts.docs`"
    )


def test_every_generated_page_says_how_it_is_made() -> None:
    """Every Markdown page, that is: JSON has no comments (web/openapi.json is checked by
    tests/docs/test_openapi_json.py)."""
    for page, render in GENERATED.items():
        if page.suffix != ".md":
            continue
        first = render().splitlines()[0]
        assert first.startswith("<!-- Written by `python -m scripts.docs") and first.endswith("-->")
        assert page.is_relative_to(ROOT / "docs")
