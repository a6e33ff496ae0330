"""The version matrix of the README ("Tested versions"), read as data.

The offline rules apply the behaviour of these versions (reserved mount paths, webhook
checks), core kinds are validated against its Kubernetes, and the pinned schemas must
come from its releases: one table, no second list to drift from it.
"""

from __future__ import annotations

import functools
import re

from knative.checks import ROOT

README = ROOT / "README.md"
HEADING = "### Tested versions"
COMPONENTS = (
    "Kubernetes",
    "Knative Serving",
    "Knative Eventing",
    "eventing-rabbitmq",
    "RabbitMQ cluster operator",
    "RabbitMQ messaging topology operator",
    "RabbitMQ",
    "Knative func",
)


def parse(text: str) -> dict[str, str]:
    """component -> version, from the first table under the heading."""
    if HEADING not in text:
        raise AssertionError(f"README.md has no {HEADING!r} section with the version matrix")
    rows: dict[str, str] = {}
    for line in text.split(HEADING, 1)[1].splitlines():
        if rows and not line.startswith("|"):
            break
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0] in COMPONENTS:
            rows[cells[0]] = cells[1]
    missing = [name for name in COMPONENTS if name not in rows]
    if missing:
        raise AssertionError(f"the version matrix has no row for {', '.join(missing)}")
    return rows


@functools.cache
def matrix() -> dict[str, str]:
    return parse(README.read_text())


def numbers(version: str) -> tuple[int, ...]:
    """`knative-v1.22.1`, `v2.22.3`, `1.34` -> (1, 22, 1), (2, 22, 3), (1, 34)."""
    found = re.search(r"(\d+(?:\.\d+)+)", version)
    if not found:
        raise ValueError(f"no version number in {version!r}")
    return tuple(int(part) for part in found[1].split("."))


def minor(component: str) -> tuple[int, int]:
    major, minor_, *_ = numbers(matrix()[component])
    return major, minor_
