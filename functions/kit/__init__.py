"""The RoboShop function kit: what every function needs once, and no business logic.

The public surface is re-exported here; the modules behind it are private.
"""

from kit._app import FunctionApp
from kit._body import json_body
from kit._config import LOCAL_PORTS, env, env_int, namespaced, peer_url
from kit._deps import Dependency
from kit._errors import ApiError, Unavailable
from kit._metrics import counter, histogram

__all__ = [
    "LOCAL_PORTS",
    "ApiError",
    "Dependency",
    "FunctionApp",
    "Unavailable",
    "counter",
    "env",
    "env_int",
    "histogram",
    "json_body",
    "namespaced",
    "peer_url",
]
