"""ratings: shoppers' votes on each robot and their running mean (MySQL, calls catalogue).

Reached at `/api/ratings/api/...` through nginx, as classic clients expect.
"""

from __future__ import annotations

import datetime

import functions_framework
from flask import Request, Response, request

from kit import FunctionApp, stores
from ratings import store, voters, votes

# Redis holds the revoked sessions: a logged-out token must not vote as its user.
app = FunctionApp("ratings", dependencies=[lambda: stores.mysql(store.database()), stores.redis])


@app.route("/api/fetch/<sku>")
def fetch(sku: str) -> dict[str, float | int]:
    return votes.fetch(sku)


@app.route("/api/rate/<sku>/<score>", methods=["PUT"])
def rate(sku: str, score: str) -> dict[str, bool]:
    now = datetime.datetime.now(datetime.UTC)
    return votes.rate(sku, score, voters.ballot(request, now), now)


@functions_framework.http
def ratings(req: Request) -> Response:
    return app(req)
