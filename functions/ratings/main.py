"""ratings: shoppers' votes on each robot and their running mean (MySQL, calls catalogue).

Reached at `/api/ratings/api/...` through nginx, as classic clients expect.
"""

from __future__ import annotations

import functions_framework
from flask import Request, Response

from kit import FunctionApp, stores
from ratings import store, votes

app = FunctionApp("ratings", dependencies=[lambda: stores.mysql(store.database())])


@app.route("/api/fetch/<sku>")
def fetch(sku: str) -> dict[str, float | int]:
    return votes.fetch(sku)


@app.route("/api/rate/<sku>/<score>", methods=["PUT"])
def rate(sku: str, score: str) -> dict[str, bool]:
    return votes.rate(sku, score)


@functions_framework.http
def ratings(req: Request) -> Response:
    return app(req)
