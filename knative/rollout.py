#!/usr/bin/env python3
"""Render a canary or blue-green rollout of one function as its new Knative Service.

Reads the Service as it runs (JSON, from kubectl) and writes it back with a new,
named revision and the traffic split, ready for `kubectl apply -f -`:

  kubectl get ksvc catalogue -n roboshop -o json \\
    | python3 knative/rollout.py canary --tag 0.2.0 --percent 10 | kubectl apply -f -

  canary   new revision tagged `canary` gets PERCENT %, the running one (`stable`) the rest
  green    new revision tagged `green` at 0 % (test it at its tag URL), `blue` keeps 100 %
  promote  new revision gets 100 %; the previous keeps the tag `previous` for a quick rollback
  rollback all traffic back to the revision tagged `stable`/`blue`/`previous` (or --to)

Only the standard library: it runs wherever kubectl does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

OLD_TAGS = ("stable", "blue", "previous")
# Set by Knative or kubectl; sending them back would claim their values as ours.
_SERVER_NOTES = (
    "serving.knative.dev/creator",
    "serving.knative.dev/lastModifier",
    "kubectl.kubernetes.io/last-applied-configuration",
)


def revision_name(service: str, tag: str) -> str:
    """`catalogue` + `0.2.0` -> `catalogue-v0-2-0`: a valid, readable revision name."""
    return f"{service}-v{re.sub(r'[^a-z0-9]+', '-', tag.lower()).strip('-')}"


def _current(ksvc: dict[str, Any], given: str | None) -> str:
    current = given or ksvc.get("status", {}).get("latestReadyRevisionName")
    if not current:
        raise SystemExit("no ready revision in the input: pass --stable REVISION")
    return str(current)


def _set_image(ksvc: dict[str, Any], tag: str) -> None:
    template = ksvc["spec"]["template"]
    container = template["spec"]["containers"][0]
    image = container["image"].split("@")[0]
    repository = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    container["image"] = f"{repository}:{tag}"
    template.setdefault("metadata", {})["name"] = revision_name(ksvc["metadata"]["name"], tag)


def _clean(ksvc: dict[str, Any]) -> dict[str, Any]:
    """Only what `kubectl apply` should send back: no status, no server bookkeeping."""
    meta = ksvc["metadata"]
    kept = {k: meta[k] for k in ("name", "namespace", "labels", "annotations") if k in meta}
    notes = kept.get("annotations", {})
    for key in list(notes):
        if key.startswith(_SERVER_NOTES):
            del notes[key]
    return {
        "apiVersion": ksvc["apiVersion"],
        "kind": ksvc["kind"],
        "metadata": kept,
        "spec": ksvc["spec"],
    }


def render(
    ksvc: dict[str, Any],
    mode: str,
    tag: str | None,
    percent: int,
    stable: str | None,
    to: str | None,
) -> dict[str, Any]:
    name = ksvc["metadata"]["name"]
    if mode == "rollback":
        target = to or next(
            (
                t["revisionName"]
                for t in ksvc["spec"].get("traffic", [])
                if t.get("tag") in OLD_TAGS and t.get("revisionName")
            ),
            None,
        )
        if not target:
            raise SystemExit("nothing tagged stable/blue/previous: pass --to REVISION")
        ksvc["spec"]["traffic"] = [{"revisionName": target, "percent": 100, "tag": "current"}]
        return _clean(ksvc)
    if not tag:
        raise SystemExit(f"{mode} needs --tag (the new image version)")
    if not 0 <= percent <= 100:
        raise SystemExit("--percent is 0..100")
    old = _current(ksvc, stable)
    new = revision_name(name, tag)
    if old == new:
        raise SystemExit(f"{new} is already the running revision")
    _set_image(ksvc, tag)
    splits = {
        "canary": [("stable", old, 100 - percent), ("canary", new, percent)],
        "green": [("blue", old, 100), ("green", new, 0)],
        "promote": [("previous", old, 0), ("current", new, 100)],
    }[mode]
    ksvc["spec"]["traffic"] = [
        {"tag": label, "revisionName": revision, "percent": share}
        for label, revision, share in splits
    ]
    return _clean(ksvc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["canary", "green", "promote", "rollback"])
    parser.add_argument("--tag", help="the new image version, e.g. 0.2.0")
    parser.add_argument("--percent", type=int, default=10, help="canary share (default 10)")
    parser.add_argument("--stable", help="the running revision (default: latest ready)")
    parser.add_argument("--to", help="rollback: the revision to send all traffic to")
    args = parser.parse_args(argv)
    ksvc = json.load(sys.stdin)
    json.dump(
        render(ksvc, args.mode, args.tag, args.percent, args.stable, args.to), sys.stdout, indent=2
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
