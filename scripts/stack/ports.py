"""Ports for the processes a stack plans before it starts them.

A stack picks every address first and starts the processes one after another, so a port
stays unbound for seconds between being picked and being listened on. Two things could
take it meanwhile: any process's outgoing connection (the kernel gives those a local port
from its ephemeral range), and another stack picking at the same time (two pytest workers,
two checkouts' tests). So ports are picked below the ephemeral range, and each is claimed
for a while in a folder every stack on the machine looks at.
"""

from __future__ import annotations

import os
import random
import socket
import tempfile
import time
from pathlib import Path

_CLAIMS = Path(tempfile.gettempdir()) / "roboshop-ports"
# Longer than any stack takes to start what it planned; a claim older than this is stale.
CLAIM_SECONDS = 600.0
_LOWEST = 10000
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    (port,) = free_ports(1)
    return port


def free_ports(count: int) -> list[int]:
    """`count` different ports that nothing listens on, outside the ephemeral range, and
    claimed by no other stack for CLAIM_SECONDS."""
    low, high = _range()
    picked: list[int] = []
    for _ in range(100 * count + 1000):
        if len(picked) == count:
            return picked
        port = random.randrange(low, high)
        if port not in picked and _bindable(port) and _claim(port):
            picked.append(port)
    raise RuntimeError(f"no {count} free ports between {low} and {high}")


def _range() -> tuple[int, int]:
    """Below the kernel's ephemeral ports (32768 on Linux by default)."""
    try:
        first = int(_EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first = 32768
    return _LOWEST, max(first, _LOWEST + 1000)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _claim(port: int) -> bool:
    _CLAIMS.mkdir(mode=0o1777, exist_ok=True)
    claim = _CLAIMS / str(port)
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        return True
    except FileExistsError:
        try:
            if time.time() - claim.stat().st_mtime < CLAIM_SECONDS:
                return False
            os.utime(claim)
            return True
        except OSError:
            return False
