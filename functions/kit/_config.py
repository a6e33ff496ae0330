"""Configuration from the environment, with defaults that fit the local stack."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated

from kit._errors import ConfigError
from kit.settings import About, Settings

# Where `make run` serves each function; the Knative manifests set `<NAME>_URL` instead.
LOCAL_PORTS: dict[str, int] = {
    "catalogue": 8001,
    "cart": 8002,
    "user": 8003,
    "shipping": 8004,
    "ratings": 8005,
    "payment": 8006,
    "dispatch": 8007,
    "deadletters": 8008,
}
# The dev broker's ingress, where `make run`'s events go (K_SINK).
LOCAL_BROKER_PORT = 8010


@dataclass(frozen=True)
class KitSettings(Settings):
    log_level: Annotated[
        str,
        About(
            "JSON lines on stdout, with request and trace ids",
            choices=("debug", "info", "warning", "error"),
        ),
    ] = "info"
    data_namespace: Annotated[
        str, About("prefixes every database, key and queue name (the tests use it)")
    ] = ""
    flags_file: Annotated[
        str,
        About(
            "the chaos switches (flagd format); `make run`: `.state/flags.json`",
        ),
    ] = "/etc/roboshop/flags/flags.json"
    otel_exporter_otlp_endpoint: Annotated[
        str,
        About(
            "export spans over OTLP/HTTP there (the SDK's other `OTEL_*` variables apply);"
            " unset: nothing exported",
            schemes=("http", "https"),
        ),
    ] = ""


_PEER = About("where that function answers", schemes=("http", "https"))


@dataclass(frozen=True)
class PeerUrlSettings(Settings):
    """Each function's address, for the others (Knative: its cluster-local route)."""

    catalogue_url: Annotated[str, _PEER] = f"http://127.0.0.1:{LOCAL_PORTS['catalogue']}"
    cart_url: Annotated[str, _PEER] = f"http://127.0.0.1:{LOCAL_PORTS['cart']}"
    user_url: Annotated[str, _PEER] = f"http://127.0.0.1:{LOCAL_PORTS['user']}"
    shipping_url: Annotated[str, _PEER] = f"http://127.0.0.1:{LOCAL_PORTS['shipping']}"
    ratings_url: Annotated[str, _PEER] = f"http://127.0.0.1:{LOCAL_PORTS['ratings']}"
    payment_url: Annotated[str, _PEER] = f"http://127.0.0.1:{LOCAL_PORTS['payment']}"
    dispatch_url: Annotated[str, _PEER] = f"http://127.0.0.1:{LOCAL_PORTS['dispatch']}"
    deadletters_url: Annotated[str, _PEER] = f"http://127.0.0.1:{LOCAL_PORTS['deadletters']}"


def env(name: str, default: str) -> str:
    """The variable's value, or `default` when it is unset or empty."""
    return os.environ.get(name) or default


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def namespaced(name: str) -> str:
    """A database, key or exchange name inside this process's data namespace.

    Tests set DATA_NAMESPACE so that they only ever touch data they made.
    """
    return KitSettings.current().data_namespace + name


def peer_url(function: str) -> str:
    """The base URL of another function: `<FUNCTION>_URL`, else its local port."""
    url: str = getattr(PeerUrlSettings.current(), f"{function}_url")
    return url.rstrip("/")
