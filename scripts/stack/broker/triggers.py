"""The Triggers and the broker's queue type, read from the project's Knative manifests."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import LOCAL_PORTS, peer_url
from scripts.stack.processes import ROOT

MANIFESTS = ROOT / "knative" / "base" / "eventing"
_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_UNIT_SECONDS = {"days": 86400.0, "hours": 3600.0, "minutes": 60.0, "seconds": 1.0}


class ManifestError(ValueError):
    """A Trigger the dev broker can't honour."""


def iso_seconds(duration: str) -> float:
    """An ISO-8601 duration such as `PT0.5S` or `PT1M30S`, in seconds."""
    found = _DURATION.match(duration.strip())
    if not found or duration.strip() in ("P", "PT") or duration.strip().endswith("T"):
        raise ManifestError(f"not an ISO-8601 duration: {duration!r}")
    return sum(float(v) * _UNIT_SECONDS[k] for k, v in found.groupdict().items() if v)


PARALLELISM = "rabbitmq.eventing.knative.dev/parallelism"
# eventing-rabbitmq's dispatcher without any delivery spec (cmd/dispatcher/main.go):
# no retries after 50 ms; with a delivery spec that names no retry count, 5.
NO_DELIVERY_DELAY = 0.05
DEFAULT_RETRY = 5


@dataclass(frozen=True)
class Delivery:
    """Knative's `delivery`, as eventing-rabbitmq's dispatcher applies it: retries after the
    first attempt, the wait before each, each attempt's timeout, and the dead-letter sink."""

    retry: int = 0
    backoff_policy: str = "exponential"
    backoff_delay: float = NO_DELIVERY_DELAY
    timeout: float | None = None
    dead_letter_sink: str | None = None  # its URL

    @property
    def dead_letter(self) -> bool:
        return self.dead_letter_sink is not None

    def delay(self, retry_number: int) -> float:
        """The wait before retry number `retry_number` (1 for the first retry).

        As eventing-rabbitmq's dispatcher waits (CloudEvents sdk-go backoff, called
        with the retry number): delay * 2**n, or delay * n when linear.
        """
        if self.backoff_policy == "linear":
            return self.backoff_delay * retry_number
        return float(self.backoff_delay * 2**retry_number)


@dataclass(frozen=True)
class Trigger:
    name: str
    broker: str
    filters: Mapping[str, str]
    subscriber: str
    delivery: Delivery = field(default_factory=Delivery)
    parallelism: int = 1  # events in flight at once; 1 delivers in order, one at a time


def _documents(path: Path) -> Iterator[dict[str, Any]]:
    import yaml

    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    for file in files:
        for document in yaml.safe_load_all(file.read_text()):
            if isinstance(document, dict):
                yield document


def destination_url(destination: Mapping[str, Any]) -> str:
    """A Knative Destination as a local URL: a Service `ref` is `<NAME>_URL` or its local port."""
    uri = str(destination.get("uri") or "")
    ref = destination.get("ref")
    if not ref:
        if not uri.startswith(("http://", "https://")):
            raise ManifestError(f"a destination without ref needs an absolute uri: {uri!r}")
        return uri
    if ref.get("kind") != "Service" or not str(ref.get("apiVersion", "")).startswith("serving."):
        raise ManifestError(f"the dev broker delivers to Knative Services only, not {ref}")
    name = str(ref["name"])
    if name not in LOCAL_PORTS:
        raise ManifestError(f"no local function named {name!r}")
    base = peer_url(name)
    return base + ("/" + uri.lstrip("/") if uri else "")


def _delivery(spec: Mapping[str, Any] | None) -> Delivery:
    """A Trigger's delivery, or its Broker's when it has none: eventing-rabbitmq takes one
    or the other whole, never a mix of the two."""
    if not spec:
        return Delivery()
    policy = str(spec.get("backoffPolicy", "exponential"))
    if policy not in ("exponential", "linear"):
        raise ManifestError(f"unknown backoffPolicy {policy!r}")
    dead = spec.get("deadLetterSink")
    return Delivery(
        retry=int(spec.get("retry", DEFAULT_RETRY)),
        backoff_policy=policy,
        backoff_delay=iso_seconds(str(spec["backoffDelay"]))
        if "backoffDelay" in spec
        else NO_DELIVERY_DELAY,
        timeout=iso_seconds(str(spec["timeout"])) if "timeout" in spec else None,
        dead_letter_sink=destination_url(dead) if dead else None,
    )


def _parallelism(document: Mapping[str, Any]) -> int:
    raw = str((document["metadata"].get("annotations") or {}).get(PARALLELISM, "1"))
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise ManifestError(f"{PARALLELISM} must be a whole number in 1..1000, not {raw!r}")
    return int(raw)


def delivered_to(path: Path = MANIFESTS) -> set[str]:
    """The functions the Triggers deliver to, as subscriber or dead-letter sink: the dev
    broker reads each one's `<NAME>_URL`."""
    names = set()
    for document in _documents(path):
        if document.get("kind") not in ("Trigger", "Broker"):
            continue
        spec = document.get("spec") or {}
        sink = (spec.get("delivery") or {}).get("deadLetterSink") or {}
        for destination in (spec.get("subscriber") or {}, sink):
            ref = destination.get("ref") or {}
            if ref.get("kind") == "Service":
                names.add(str(ref["name"]))
    return names


def load(path: Path = MANIFESTS) -> tuple[list[Trigger], str]:
    """The Triggers in the manifests at `path`, and the broker's queue type."""
    documents = list(_documents(path))
    brokers = {d["metadata"]["name"]: d for d in documents if d.get("kind") == "Broker"}
    configs = [d for d in documents if d.get("kind") == "RabbitmqBrokerConfig"]
    queue_type = str(configs[0]["spec"].get("queueType", "quorum")) if configs else "quorum"
    triggers = []
    for document in documents:
        if document.get("kind") != "Trigger":
            continue
        spec = document["spec"]
        broker = str(spec.get("broker", "default"))
        broker_delivery = (brokers.get(broker) or {}).get("spec", {}).get("delivery")
        filters = (spec.get("filter") or {}).get("attributes") or {}
        triggers.append(
            Trigger(
                name=str(document["metadata"]["name"]),
                broker=broker,
                filters={str(k): str(v) for k, v in filters.items()},
                subscriber=destination_url(spec["subscriber"]),
                delivery=_delivery(spec.get("delivery") or broker_delivery),
                parallelism=_parallelism(document),
            )
        )
    if not triggers:
        raise ManifestError(f"no Trigger found in {path}")
    return triggers, queue_type
