"""Configuration from the environment, with defaults that fit the local stack."""

from __future__ import annotations

import os

from kit._errors import ConfigError

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
    return os.environ.get("DATA_NAMESPACE", "") + name


def peer_url(function: str) -> str:
    """The base URL of another function: `<FUNCTION>_URL`, else its local port."""
    default = f"http://127.0.0.1:{LOCAL_PORTS[function]}"
    return env(f"{function.upper()}_URL", default).rstrip("/")
