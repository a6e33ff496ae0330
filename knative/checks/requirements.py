"""What a function image installs against what its code imports: every package that
functions/requirements.txt pins must provide a module the image's code imports, or be
required by one that does (an extra's requirements too: redis takes hiredis when it is
installed). A package only the tooling uses (the dev broker's pika) fails this."""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    """A distribution's name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(text: str) -> list[str]:
    """The distributions a requirements file names, by canonical name (options, `-r` lines
    and comments skipped)."""
    found = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        match = _NAME.match(line)
        if match and not line.startswith("-"):
            found.append(canonical(match[1]))
    return found


def _requires(distribution: str) -> list[str]:
    try:
        listed = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return []  # an optional requirement that isn't installed requires nothing here
    return [canonical(match[1]) for match in map(_NAME.match, listed) if match]


def needed(modules: Iterable[str], first_party: set[str]) -> set[str]:
    """The distributions that provide the modules (but our own: the checkout, installed
    for development, requires every pin), and all they require."""
    providers = importlib.metadata.packages_distributions()
    tops = {module.split(".")[0] for module in modules} - first_party
    found: set[str] = set()
    todo = [canonical(d) for top in tops for d in providers.get(top, [])]
    while todo:
        distribution = todo.pop()
        if distribution not in found:
            found.add(distribution)
            todo.extend(_requires(distribution))
    return found


def unneeded(requirements: str, modules: Iterable[str], first_party: set[str]) -> list[str]:
    """What the requirements pin that nothing the code imports needs."""
    wanted = needed(modules, first_party)
    return [name for name in pinned(requirements) if name not in wanted]
