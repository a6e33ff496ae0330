"""`python -m scripts.ops.deadletters list|show|replay|discard`: the dead letters the
deadletters function keeps, locally (`make run`) or on a cluster.

    python -m scripts.ops.deadletters list                 # parked ones; --all with replayed
    python -m scripts.ops.deadletters show <id>            # one, with its event
    python -m scripts.ops.deadletters replay <id> ...      # to the consumer it was meant for
    python -m scripts.ops.deadletters replay --all         # every parked one
    python -m scripts.ops.deadletters discard <id> ...     # settled by hand: forget it

On a cluster, through a port-forward to the Knative ingress (scripts/ops/cluster.py):

    kubectl -n kourier-system port-forward service/kourier-internal 8081:80
    python -m scripts.ops.deadletters --gateway 127.0.0.1:8081 list

A replay sends the event to its consumer only, never through the broker to the others;
the consumers are idempotent, so replaying an event that did get through changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import urllib3

from kit import env, peer_url
from scripts.ops import cluster


class Sink:
    """The deadletters function's routes, here or on a cluster."""

    def __init__(self, gateway: str, namespace: str) -> None:
        if gateway:
            self.base, self.headers = cluster.through(gateway, "deadletters", namespace)
        else:
            self.base, self.headers = peer_url("deadletters"), {}

    def call(self, method: str, path: str) -> tuple[int, Any]:
        try:
            answer = urllib3.request(
                method, self.base + path, headers=self.headers, timeout=60, retries=False
            )
        except urllib3.exceptions.HTTPError as exc:
            raise SystemExit(f"deadletters: {self.base} is not answering ({exc})") from None
        try:
            return answer.status, json.loads(answer.data)
        except ValueError:
            return answer.status, answer.data.decode(errors="replace")


def _row(letter: dict[str, Any]) -> str:
    event = letter["event"]
    where = f"{letter['function'] or '?'} {letter['path']}"
    why = f"{letter['code']} {letter['error']}"
    return (
        f"{letter['id']}  {letter['status']:<8}  {where:<34}  {why:<18}  x{letter['times']}  "
        f"{letter['last_parked']}  {event.get('type')} {event.get('subject') or event.get('id')}"
    )


def list_letters(sink: Sink, status: str) -> int:
    code, body = sink.call("GET", f"/dead-letters?status={status}&limit=1000")
    if code != 200:
        print(f"deadletters: {code} {body}", file=sys.stderr)
        return 1
    for letter in body:
        print(_row(letter))
    print(f"{len(body)} dead letter(s)")
    return 0


def show(sink: Sink, keys: list[str]) -> int:
    failed = 0
    for key in keys:
        code, body = sink.call("GET", f"/dead-letters/{key}")
        print(json.dumps(body, indent=2))
        failed += code != 200
    return 1 if failed else 0


def act(sink: Sink, method: str, suffix: str, keys: list[str]) -> int:
    """Replay or discard each one; non-zero when any of them failed."""
    failed = 0
    for key in keys:
        code, body = sink.call(method, f"/dead-letters/{key}{suffix}")
        outcome = body.get("status") if code == 200 else body
        print(f"{key}: {code} {outcome}")
        failed += code != 200 or (suffix == "/replay" and outcome != "replayed")
    return 1 if failed else 0


def parked_keys(sink: Sink) -> list[str]:
    code, body = sink.call("GET", "/dead-letters?status=parked&limit=1000")
    if code != 200:
        raise SystemExit(f"deadletters: {code} {body}")
    return [letter["id"] for letter in body]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.ops.deadletters",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=("list", "show", "replay", "discard"))
    parser.add_argument("ids", nargs="*", help="dead-letter ids (from list)")
    parser.add_argument(
        "--all", action="store_true", help="list: replayed ones too; replay: every parked one"
    )
    parser.add_argument(
        "--gateway",
        default=env("ROBOSHOP_GATEWAY", ""),
        help="a cluster's Knative ingress, port-forwarded here (e.g. 127.0.0.1:8081)",
    )
    parser.add_argument("--namespace", default=cluster.DEFAULT_NAMESPACE, help="with --gateway")
    args = parser.parse_args(argv)
    sink = Sink(args.gateway, args.namespace)
    if args.command == "list":
        return list_letters(sink, "all" if args.all else "parked")
    keys = parked_keys(sink) if args.command == "replay" and args.all else args.ids
    if not keys and not args.all:
        parser.error(
            f"{args.command} needs dead-letter ids (or, to replay every parked one, --all)"
        )
    if args.command == "show":
        return show(sink, keys)
    if args.command == "replay":
        return act(sink, "POST", "/replay", keys)
    return act(sink, "DELETE", "", keys)


if __name__ == "__main__":
    sys.exit(main())
