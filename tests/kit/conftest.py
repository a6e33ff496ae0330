from __future__ import annotations

import pytest
from flask import Flask

from scripts.stack.processes import ROOT
from tests.support.functions import create_app


@pytest.fixture(scope="module")
def app() -> Flask:
    source = ROOT / "tests" / "kit" / "sample" / "main.py"
    return create_app("sample", source)
