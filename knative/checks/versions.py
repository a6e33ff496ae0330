"""The version matrix (versions.yaml beside this module), read as data.

The offline rules apply the behaviour of these versions (reserved mount paths, webhook
checks), core kinds are validated against its Kubernetes, and the pinned schemas must
come from its releases: one file, no second list to drift from it. docs/versions.md is
rendered from it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knative.checks import ROOT

FILE = ROOT / "knative" / "checks" / "versions.yaml"
# The rows the rules read; the file may name more (the tools around them).
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


@dataclass(frozen=True)
class Component:
    component: str
    version: str
    floor: str = ""  # why an older release is not supported
    repository: str = ""  # the GitHub project whose release manifests are installed


def load(path: Path = FILE) -> list[Component]:
    """Every row, in the file's order; a row the rules need that is missing is an error."""
    document = yaml.safe_load(path.read_text()) or {}
    rows = [
        Component(
            str(row["component"]),
            str(row["version"]),
            str(row.get("floor") or ""),
            str(row.get("repository") or ""),
        )
        for row in document.get("components") or []
    ]
    missing = [name for name in COMPONENTS if name not in {row.component for row in rows}]
    if missing:
        raise AssertionError(f"{path.name} has no row for {', '.join(missing)}")
    return rows


@functools.cache
def matrix() -> dict[str, str]:
    return {row.component: row.version for row in load()}


def numbers(version: str) -> tuple[int, ...]:
    """`knative-v1.22.1`, `v2.22.3`, `1.34` -> (1, 22, 1), (2, 22, 3), (1, 34)."""
    found = re.search(r"(\d+(?:\.\d+)+)", version)
    if not found:
        raise ValueError(f"no version number in {version!r}")
    return tuple(int(part) for part in found[1].split("."))


def minor(component: str) -> tuple[int, int]:
    major, minor_, *_ = numbers(matrix()[component])
    return major, minor_
