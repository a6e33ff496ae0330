"""`make invoke ARGS='...'`: call a running function, as `func invoke` does.

    python -m scripts.ops.invoke catalogue /product/RMC
    python -m scripts.ops.invoke cart /shipping/<an id from /uniqueid> -X POST -d '{"cost": 1, ...}'
    python -m scripts.ops.invoke user /events/order-placed --event com.roboshop.order.placed \\
        --source /roboshop/payment --id order-1 -d '{"orderid": "order-1", ...}'

The target is a function name (its `<NAME>_URL`, else its local port) or a URL.
With --event the data is sent as a CloudEvent in binary mode (ce-* headers).
On a cluster, through a port-forward to the Knative ingress (scripts/ops/cluster.py):

    kubectl -n kourier-system port-forward service/kourier-internal 8081:80
    python -m scripts.ops.invoke --gateway 127.0.0.1:8081 catalogue /product/RMC
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid

import urllib3

from kit import LOCAL_PORTS, env, peer_url
from kit.events import make_event, signed, to_binary
from scripts.ops import cluster


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="invoke", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target", help=f"a function ({', '.join(LOCAL_PORTS)}) or a base URL")
    parser.add_argument("path", nargs="?", default="/", help="path on the function")
    parser.add_argument("-X", "--method", help="HTTP method (default GET, or POST with data)")
    parser.add_argument("-d", "--data", help="JSON body, or the event's data")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    parser.add_argument(
        "--gateway",
        default=env("ROBOSHOP_GATEWAY", ""),
        help="a cluster's Knative ingress, port-forwarded here (e.g. 127.0.0.1:8081)",
    )
    parser.add_argument("--namespace", default=cluster.DEFAULT_NAMESPACE, help="with --gateway")
    event = parser.add_argument_group("CloudEvent (binary mode)")
    event.add_argument("--event", metavar="TYPE", help="send a CloudEvent of this type")
    event.add_argument("--source", default="/roboshop/invoke", help="ce-source")
    event.add_argument("--id", help="ce-id (default: a new uuid)")
    event.add_argument("--subject", help="ce-subject")
    return parser.parse_args(argv)


def base_url(target: str, gateway: str = "", namespace: str = "") -> tuple[str, dict[str, str]]:
    """Where to send, and the Host header that routes it there through a cluster's ingress."""
    if target.startswith(("http://", "https://")):
        return target.rstrip("/"), {}
    if target not in LOCAL_PORTS:
        raise SystemExit(f"invoke: unknown function {target!r}; one of {', '.join(LOCAL_PORTS)}")
    if gateway:
        return cluster.through(gateway, target, namespace or cluster.DEFAULT_NAMESPACE)
    return peer_url(target), {}


def shop_secret() -> str:
    """What the shop signs its events with: SESSION_SECRET, else the one `make run` made."""
    from scripts.stack.run import STATE

    made = STATE / "session-secret"
    return os.environ.get("SESSION_SECRET") or (made.read_text().strip() if made.exists() else "")


def request_parts(args: argparse.Namespace) -> tuple[str, dict[str, str], bytes | None]:
    data = None
    if args.data is not None:
        try:
            data = json.loads(args.data)
        except ValueError as exc:
            raise SystemExit(f"invoke: --data is not valid JSON: {exc}") from None
    headers = {}
    for header in args.header:
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    if args.event:
        event = make_event(
            args.event, args.source, data, args.subject, args.id or str(uuid.uuid4())
        )
        secret = shop_secret()
        if secret:
            signed(event, secret)
        else:
            print("invoke: no SESSION_SECRET: the event goes unsigned, and consumers refuse it")
        event_headers, body = to_binary(event)
        return args.method or "POST", {**event_headers, **headers}, body
    if data is None:
        return args.method or "GET", headers, None
    headers.setdefault("Content-Type", "application/json")
    return args.method or "POST", headers, json.dumps(data).encode()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    base, routing = base_url(args.target, args.gateway, args.namespace)
    url = base + "/" + args.path.lstrip("/")
    method, headers, body = request_parts(args)
    headers = {**routing, **headers}
    try:
        response = urllib3.request(
            method, url, body=body, headers=headers, timeout=30, retries=False
        )
    except urllib3.exceptions.HTTPError as exc:
        hint = "the port-forward" if args.gateway else "`make run`"
        print(f"invoke: {url} is not answering ({exc}); is {hint} up?", file=sys.stderr)
        return 2
    print(f"{response.status} {response.reason}  {method} {url}")
    for name in ("Content-Type", "X-Request-Id", "Retry-After"):
        if name in response.headers:
            print(f"{name}: {response.headers[name]}")
    for name, value in response.headers.items():
        if name.lower().startswith("ce-"):
            print(f"{name}: {value}")
    print()
    text = response.data.decode(errors="replace")
    try:
        print(json.dumps(json.loads(text), indent=2))
    except ValueError:
        print(text)
    return 0 if response.status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
