"""R1, the reference of every figure: functions-framework's hello world, a small JSON object."""

from __future__ import annotations

import functions_framework
from flask import Request


@functions_framework.http
def hello(request: Request) -> dict[str, str]:
    return {"hello": "world"}
