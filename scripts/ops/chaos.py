"""`make chaos ARGS='payment-failure on'`: failure scenarios switched on and off at runtime.

Each scenario is an OpenFeature flag in a file of flagd's format that the functions
re-read when it changes (functions/kit/flags.py): no restart, no new revision.

    python -m scripts.ops.chaos                       # every scenario and its state
    python -m scripts.ops.chaos payment-failure on    # its usual strength (50 %)
    python -m scripts.ops.chaos payment-failure on 90 # or another
    python -m scripts.ops.chaos catalogue-slow on STAN-1:5000
    python -m scripts.ops.chaos payment-failure off
    python -m scripts.ops.chaos all off

The file is FLAGS_FILE, else `make run`'s .state/flags.json; `--file` names another
(a copy of the cluster's `roboshop-flags` ConfigMap, say: docs/operations.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.stack.processes import ROOT

SCHEMA = "https://flagd.dev/schema/v0/flags.json"


@dataclass(frozen=True)
class Scenario:
    flag: str
    off: Any
    on: Any
    shows: str
    value: str = ""  # what `on VALUE` takes, if anything
    parse: Callable[[str, Any], Any] = lambda text, on: on


def _whole(low: int, high: int) -> Callable[[str, Any], Any]:
    def parse(text: str, _: Any) -> int:
        number = int(text)
        if not low <= number <= high:
            raise ValueError(f"{number} is not between {low} and {high}")
        return number

    return parse


def _switch(flag: str, shows: str) -> Scenario:
    return Scenario(flag, off=False, on=True, shows=shows)


def _amount(flag: str, *, on: int, value: str, high: int, shows: str) -> Scenario:
    return Scenario(flag, off=0, on=on, value=value, parse=_whole(1, high), shows=shows)


def _percent(flag: str, shows: str) -> Scenario:
    return _amount(flag, on=50, value="PERCENT", high=100, shows=shows)


def _product_delay(text: str, on: Any) -> dict[str, Any]:
    sku, _, ms = text.partition(":")
    return {"sku": sku or on["sku"], "ms": int(ms) if ms else on["ms"]}


SCENARIOS: dict[str, Scenario] = {
    "catalogue-slow": Scenario(
        "catalogue-slow-product",
        off={},
        on={"sku": "RMC", "ms": 3000},
        value="SKU[:MS] (* for every product)",
        parse=_product_delay,
        shows="one product's page takes seconds; the others stay fast (p99 latency of "
        "catalogue's /product/{sku}, and cart /add of that robot)",
    ),
    "cpu-hog": _amount(
        "catalogue-cpu-hog-ms",
        on=50,
        value="MS of CPU per read",
        high=5000,
        shows="catalogue burns CPU on every read: its CPU use climbs to its limit and every "
        "page slows under load (Knative scales it out)",
    ),
    "payment-failure": _percent(
        "payment-failure-percent",
        "that share of checkouts fail with 502 gateway_failed; nothing is charged and "
        "the cart stays (payment's 5xx rate, sold_count slows)",
    ),
    "payment-unreachable": _switch(
        "payment-unreachable",
        "every checkout fails with 502 (gateway unreachable); captures of orders "
        "already placed are retried by the broker until it is back",
    ),
    "payment-slow": _amount(
        "payment-delay-ms",
        on=2000,
        value="MS",
        high=25000,
        shows="checkout takes that much longer (payment latency; the storefront's Pay "
        "button waits)",
    ),
    "cart-clear-failure": _switch(
        "cart-clear-failure",
        "paid orders are not cleared from the cart: cart answers 503 to order.placed, "
        "the broker retries (then dead-letters); switched off, the carts clear",
    ),
    "dispatch-error": _percent(
        "dispatch-error-percent",
        "that share of fulfilments fail and are retried by the broker: orders stay "
        "'paid' longer in the history (dispatch_failures_total)",
    ),
    "shipping-leak": _amount(
        "shipping-memory-leak-kib",
        on=1024,
        value="KIB per request",
        high=102400,
        shows="shipping keeps memory on every request and grows towards its limit (then "
        "the platform restarts it); switched off, it lets go",
    ),
    "broker-refuse": _switch(
        "broker-refuse-events",
        "the dev broker's ingress refuses events: checkouts answer 503 and nothing is "
        "charged (locally only: on the cluster the broker is eventing-rabbitmq's)",
    ),
}


def default_file() -> Path:
    state = Path(os.environ.get("ROBOSHOP_STATE") or ROOT / ".state")
    return Path(os.environ.get("FLAGS_FILE") or state / "flags.json")


def all_off() -> dict[str, Any]:
    """The flags file with every scenario off (the cluster's ConfigMap holds this)."""
    return {
        "$schema": SCHEMA,
        "flags": {
            scenario.flag: {
                "state": "ENABLED",
                "variants": {"on": scenario.on, "off": scenario.off},
                "defaultVariant": "off",
            }
            for scenario in SCENARIOS.values()
        },
    }


def load(path: Path) -> dict[str, Any]:
    document = all_off()
    if path.exists():
        found = json.loads(path.read_text())
        document["flags"].update(found.get("flags", {}))
    return document


def save(path: Path, document: dict[str, Any]) -> None:
    """Write the whole file at once (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
        json.dump(document, out, indent=2)
        out.write("\n")
    os.chmod(out.name, 0o644)
    os.replace(out.name, path)


def switch(document: dict[str, Any], name: str, on: bool, value: str | None) -> None:
    scenario = SCENARIOS[name]
    flag = document["flags"][scenario.flag]
    flag["state"] = "ENABLED"
    if on:
        flag["variants"]["on"] = scenario.parse(value, scenario.on) if value else scenario.on
    flag["defaultVariant"] = "on" if on else "off"


def is_on(document: dict[str, Any], name: str) -> Any:
    flag = document["flags"][SCENARIOS[name].flag]
    if flag.get("state") != "ENABLED" or flag.get("defaultVariant") != "on":
        return None
    return flag["variants"]["on"]


def describe(document: dict[str, Any]) -> str:
    lines = []
    for name, scenario in SCENARIOS.items():
        value = is_on(document, name)
        state = "off" if value is None else f"ON ({json.dumps(value)})"
        lines.append(f"  {name:20} {state:28} {scenario.shows}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.ops.chaos",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", nargs="?", choices=[*SCENARIOS, "all", "list"])
    parser.add_argument("state", nargs="?", choices=["on", "off"])
    parser.add_argument("value", nargs="?", help="the strength, for scenarios that take one")
    parser.add_argument("--file", type=Path, default=None, help="the flags file to change")
    args = parser.parse_args(argv)
    path = args.file or default_file()
    document = load(path)
    if args.scenario in (None, "list"):
        print(f"chaos scenarios in {path}:\n{describe(document)}")
        return 0
    if args.state is None:
        parser.error("say on or off")
    if args.scenario == "all":
        if args.state == "on":
            parser.error("switch scenarios on one at a time")
        document = all_off()
    else:
        try:
            switch(document, args.scenario, args.state == "on", args.value)
        except ValueError as exc:
            parser.error(f"{args.scenario} on {args.value}: {exc}")
    save(path, document)
    print(f"chaos: {args.scenario} {args.state} (in {path}; the functions see it within a second)")
    print(describe(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
