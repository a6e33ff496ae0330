"""Telling which MongoDB-wire server the session runs on, for documented known gaps."""

from __future__ import annotations

import shutil


def on_nx_27017() -> bool:
    """True when the tests run on nx-27017 (no mongod installed), false on MongoDB."""
    return shutil.which("mongod") is None
