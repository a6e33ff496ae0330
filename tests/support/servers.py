"""Private data servers for a test session or a fault drill, on free ports."""

from __future__ import annotations

from pathlib import Path

from scripts.stack import processes
from scripts.stack.processes import Process


def start_mongo(data_dir: Path, port: int | None = None) -> tuple[Process, int]:
    """A MongoDB-wire server (mongod, else nx-27017) keeping its data in `data_dir`."""
    port = port or processes.free_port()
    process = Process("mongodb", processes.mongo_command(port, data_dir), data_dir / "server.log")
    process.start().wait_for_port(port)
    return process, port
