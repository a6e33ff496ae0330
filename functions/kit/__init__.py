"""The RoboShop function kit: what every function needs once, and no business logic.

The public surface is re-exported here; the modules behind it are private.
"""

from kit._app import FunctionApp
from kit._body import json_body
from kit._config import (
    LOCAL_BROKER_PORT,
    LOCAL_PORTS,
    KitSettings,
    env,
    env_int,
    namespaced,
    peer_url,
)
from kit._deps import Dependency
from kit._errors import ApiError, ConfigError, Unavailable
from kit._logs import bind_log_fields, current_request_id, get_logger, request_scope
from kit._logs import configure as configure_logs
from kit._metrics import counter, gauge, histogram
from kit._metrics import exposition as metrics_exposition
from kit._trace import client as trace_call
from kit._trace import server as trace_request

__all__ = [
    "LOCAL_BROKER_PORT",
    "LOCAL_PORTS",
    "ApiError",
    "ConfigError",
    "Dependency",
    "FunctionApp",
    "KitSettings",
    "Unavailable",
    "bind_log_fields",
    "configure_logs",
    "counter",
    "current_request_id",
    "env",
    "env_int",
    "gauge",
    "get_logger",
    "histogram",
    "json_body",
    "metrics_exposition",
    "namespaced",
    "peer_url",
    "request_scope",
    "trace_call",
    "trace_request",
]
