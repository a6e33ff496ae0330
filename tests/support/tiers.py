"""The two tiers of the suite: `make check` runs what needs no server of its own, `make test`
runs everything. A test is `served` when it starts servers of its own (functions, the dev
broker, nginx, Prometheus, a private data server) or uses a fixture that does; the session's
MongoDB-wire server is every tier's.

The mark can't drift: a server started for a test that is not marked served fails that test,
naming the server and the mark to add.

Under pytest-xdist (`make test` and `make check` run two processes) each test module goes to
one worker whole, so its module fixtures are made once; a package whose fixtures are
package-scoped goes whole too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from scripts.stack import processes

# The fixtures that start servers: a test using one is served, whatever its module says.
SERVER_FIXTURES = frozenset({"stack", "observed", "shop", "functions", "catalogue_url"})
# The packages with package-scoped fixtures (their whole shop, started once).
WHOLE_PACKAGES = frozenset({"events", "faults", "observability"})
_TESTS = Path(__file__).resolve().parents[1]

_running: list[pytest.Item] = []
_shared: list[bool] = []


@contextmanager
def shared_server() -> Iterator[None]:
    """Servers every tier uses (the session's MongoDB), started inside this block."""
    _shared.append(True)
    try:
        yield
    finally:
        _shared.pop()


def _guarded(start: type[processes.Process]) -> None:
    original = start.start

    def start_checked(self: processes.Process) -> processes.Process:
        if _running and not _shared and _running[-1].get_closest_marker("served") is None:
            pytest.fail(
                f"{_running[-1].nodeid} starts {self.name} but is not marked served: add "
                "`pytestmark = pytest.mark.served` to its module (tests/support/tiers.py)",
                pytrace=False,
            )
        return original(self)

    start.start = start_checked  # type: ignore[method-assign]


_guarded(processes.Process)


# First: xdist's worker reads the group marks, and -m the served marks, in hooks of their
# own that would otherwise run before this one and see none.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.served)
        item.add_marker(pytest.mark.xdist_group(_group(item)))


def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Grouping fails silently when xdist's way of marking a test's group (a suffix on
    its id) stops working, as it did with pytest 9.2: then stop the run instead."""
    if node.config.getoption("dist") == "loadgroup" and ids and "@" not in ids[0]:
        pytest.exit(
            "--dist loadgroup did not group the tests by module: this pytest and "
            "pytest-xdist don't work together (see requirements.txt)",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


def _group(item: pytest.Item) -> str:
    module = Path(str(item.path)).resolve().relative_to(_TESTS)
    return module.parts[0] if module.parts[0] in WHOLE_PACKAGES else str(module)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    _running.append(item)
    try:
        yield
    finally:
        _running.pop()
