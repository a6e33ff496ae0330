"""The docs pages that are data: each is rendered whole by one function and written by
`python -m scripts.docs`; a test compares every file with its function's output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scripts.stack.processes import ROOT

DOCS = ROOT / "docs"


def banner(command: str, source: str) -> str:
    """The first line of a generated page, where a reader looking to edit it looks."""
    return f"<!-- Written by `{command}` from {source}: change that and run it again. -->\n"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def write(path: Path, render: Callable[[], str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
    print(f"==> {path.relative_to(ROOT)}")
