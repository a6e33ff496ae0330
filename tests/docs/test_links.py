"""Every relative link in the README, CONTRIBUTING, docs/ and knative/ leads somewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.stack.processes import ROOT
from tests.docs import links


@pytest.mark.parametrize("page", links.pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert page.exists()
    assert links.problems(page) == []


def test_the_pages_are_the_ones_a_reader_meets() -> None:
    names = {str(p.relative_to(ROOT)) for p in links.pages()}
    assert {"README.md", "CONTRIBUTING.md", "knative/README.md", "docs/architecture.md"} <= names


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("What `make test` checks (tests/knative)", "what-make-test-checks-testsknative"),
        ("Events, locally and on Knative", "events-locally-and-on-knative"),
        ("From an empty cluster to a paid order", "from-an-empty-cluster-to-a-paid-order"),
        ("Canary, blue-green, rollback", "canary-blue-green-rollback"),
        ("Zürich & Köln: 2 cities", "zürich--köln-2-cities"),
    ],
)
def test_headings_are_slugged_as_github_does(heading: str, anchor: str) -> None:
    assert links.slug(heading) == anchor


def test_a_broken_link_and_a_missing_heading_are_each_reported(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Title\n\n## Same\n\n## Same\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Top\n\n"
        "[ok](other.md#same-1) [ok](#top) [site](https://example.com/x.md) ![ok](other.md)\n"
        "[gone](missing.md) [no heading](other.md#same-2) [self](#nowhere)\n\n"
        "    [in a code block](missing.md)\n\n"
        "`[in a code span](missing.md)`\n"
    )
    assert links.problems(page, tmp_path) == [
        "page.md: missing.md: no such file",
        "page.md: other.md#same-2: no heading #same-2",
        "page.md: #nowhere: no heading #nowhere",
    ]
