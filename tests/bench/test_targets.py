"""Every target the bench judges by is on the targets page, and the results page's shape."""

from __future__ import annotations

from scripts.bench import report, targets
from scripts.bench.figures import Target


def test_every_target_the_sections_use_is_listed() -> None:
    defined = {value for value in vars(targets).values() if isinstance(value, Target)}
    listed = {goal.target for goal in targets.goals()}
    assert defined and defined <= listed
    assert targets.within_memory_limit("user") in listed


def test_the_results_page_is_stamped_and_holds_the_table() -> None:
    table = "| section | figure |\n|---|---|\n| user | uniqueid |\n"
    text = report.page(table, "1 of 2 targets met", "2026-12-07", report.machine())
    assert text.startswith("<!-- Written by `make bench`")
    assert "Measured on 2026-12-07 on " in text and "Python 3." in text
    assert "1 of 2 targets met." in text and "](results.png)" in text
    assert text.endswith("| user | uniqueid |\n")
