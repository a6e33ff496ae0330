"""Loading a function as it is served: functions-framework's app in-process, or served by
granian (kit.serve) as in the image."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import functions_framework
from flask import Flask

from scripts.stack import processes
from scripts.stack.processes import ROOT, Process


def source(name: str) -> Path:
    return ROOT / "functions" / name / "main.py"


# functions-framework has no type hints: its app factory, typed once here.
_framework_app: Callable[..., Flask] = functions_framework.create_app


def create_app(name: str, source_file: Path | None = None) -> Flask:
    """The function's Flask app from functions-framework, for its test client."""
    app = _framework_app(target=name, source=str(source_file or source(name)))
    app.testing = True
    return app


def serve(
    name: str, log_dir: Path, env: dict[str, str] | None = None, port: int | None = None
) -> tuple[Process, str]:
    """Run the function under granian on `port` (default: a free one); returns it and its
    URL."""
    port = port or processes.free_port()
    full_env = {"DATA_NAMESPACE": os.environ.get("DATA_NAMESPACE", ""), **(env or {})}
    process = processes.function_process(name, port, log_dir / f"{name}-{port}.log", full_env)
    process.start().wait_for_port(port)
    return process, f"http://127.0.0.1:{port}"
