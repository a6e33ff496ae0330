"""Loading a function in-process as functions-framework builds it, for its test client
(served by granian as in the image: scripts/stack/shop.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import functions_framework
from flask import Flask

from kit import _framework
from scripts.stack.processes import ROOT


def source(name: str) -> Path:
    return ROOT / "functions" / name / "main.py"


# functions-framework has no type hints: its app factory, typed once here.
_framework_app: Callable[..., Flask] = functions_framework.create_app


def create_app(name: str, source_file: Path | None = None) -> Flask:
    """The function's Flask app from functions-framework as kit.serve serves it, for its
    test client."""
    app = _framework.tune(_framework_app(target=name, source=str(source_file or source(name))))
    app.testing = True
    return app
