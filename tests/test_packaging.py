"""The project as installed (pyproject.toml, `pip install -e .`): no sys.path or PYTHONPATH."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scripts.stack.processes import ROOT

# Each function's package lies under functions/, as in its image's /app; the tooling at the root.
PACKAGES = {
    **{path.parent.name: path for path in (ROOT / "functions").glob("*/__init__.py")},
    "scripts": ROOT / "scripts" / "__init__.py",
}


def test_every_package_of_ours_imports_from_the_checkout_in_any_folder(tmp_path: Path) -> None:
    """As the runner's and the tests' subprocesses import them: the venv's Python, no
    PYTHONPATH, started anywhere."""
    code = (
        "import importlib, json, sys\n"
        "print(json.dumps({n: importlib.import_module(n).__file__ for n in sys.argv[1:]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *PACKAGES],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == {name: str(path) for name, path in PACKAGES.items()}
    assert {"kit", "cart", "payment"} < set(PACKAGES)
