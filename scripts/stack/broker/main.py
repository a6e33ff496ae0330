"""The dev broker as a function: its ingress is a kit app (kit.FunctionApp), served by
granian as every function is (kit.serve), with the deliverers beside it in the worker
that answers its requests. `python -m scripts.stack.broker` serves it."""

from __future__ import annotations

import functions_framework
from flask import Request, Response, request

from kit import FunctionApp
from scripts.stack.broker import ingress
from scripts.stack.broker.lifecycle import Broker
from scripts.stack.broker.settings import BrokerSettings

running = Broker(BrokerSettings.load())
app = FunctionApp("broker", dependencies=[lambda: running.rabbitmq])
app.alongside(running.start, running.stop)


@app.route("/", methods=["POST"])
def take() -> Response:
    return ingress.take(request, running)


@functions_framework.http
def broker(req: Request) -> Response:
    return app(req)
