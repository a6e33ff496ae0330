"""Who is calling, as far as the network can tell: the client's address."""

from __future__ import annotations

import ipaddress

from flask import Request

# nginx replaces whatever a client sent under this name with the address it saw.
REAL_IP_HEADER = "X-Real-IP"


def address(request: Request) -> str:
    """The client's address as nginx saw it, else the address of whoever connected."""
    for candidate in (request.headers.get(REAL_IP_HEADER, ""), request.remote_addr or ""):
        try:
            return str(ipaddress.ip_address(candidate.strip()))
        except ValueError:
            continue
    return "unknown"
