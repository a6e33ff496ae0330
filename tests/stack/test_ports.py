"""Planned ports: outside the kernel's ephemeral range, and each claimed for one stack."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from scripts.stack import ports


@pytest.fixture
def claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "claims"
    monkeypatch.setattr(ports, "_CLAIMS", folder)
    return folder


def test_ports_are_below_the_ephemeral_range_and_distinct(claims: Path) -> None:
    first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    picked = ports.free_ports(20)
    assert len(set(picked)) == 20
    assert all(10000 <= port < first_ephemeral for port in picked)
    assert {int(claim.name) for claim in claims.iterdir()} == set(picked)


def test_a_claimed_port_is_not_picked_again_until_its_claim_is_stale(
    claims: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ports, "_range", lambda: (20000, 20002))
    assert sorted(ports.free_ports(2)) == [20000, 20001]
    with pytest.raises(RuntimeError, match="no 1 free ports"):
        ports.free_ports(1)
    stale = time.time() - ports.CLAIM_SECONDS - 1
    os.utime(claims / "20000", (stale, stale))
    assert ports.free_ports(1) == [20000]


def test_a_port_something_listens_on_is_not_picked(
    claims: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setattr(ports, "_range", lambda: (port, port + 1))
        with pytest.raises(RuntimeError):
            ports.free_ports(1)
