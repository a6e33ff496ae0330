"""wrk (Debian's package) on the load generator's core, and the CPU the servers spend."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scripts.bench import proc
from scripts.bench.figures import WrkRun, parse_wrk
from scripts.stack.processes import require

LOAD_CPU = "1"


@dataclass(frozen=True)
class Request:
    """What wrk sends: a GET of `path`, or a Lua script's requests (a POST, many carts)."""

    path: str
    lua: str = ""


def post_json(path: str, body: dict[str, str]) -> Request:
    text = json.dumps(json.dumps(body))
    lua = f'wrk.method = "POST"\nwrk.body = {text}\n'
    return Request(path, lua + 'wrk.headers["Content-Type"] = "application/json"\n')


def rotating(prefix: str, ids: list[str], suffix: str) -> Request:
    """GET prefix + id + suffix, the ids taken in turn (each a cart of its own)."""
    listed = ", ".join(json.dumps(i) for i in ids)
    lua = (
        f"local ids = {{{listed}}}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n"
        f"  local path = {json.dumps(prefix)} .. ids[n % #ids + 1] .. {json.dumps(suffix)}\n"
        "  return wrk.format(nil, path)\n"
        "end\n"
    )
    return Request(prefix + ids[0] + suffix, lua)


@dataclass(frozen=True)
class Measured:
    run: WrkRun
    cpu_ms: float | None  # per request, of every process in `servers`; None if none completed


def wrk(
    base: str,
    request: Request,
    seconds: int,
    connections: int,
    servers: list[int],
    scripts: Path,
) -> Measured:
    """One wrk run pinned to the load core; the servers' CPU time per request beside it."""
    argv = [
        *(
            "taskset",
            "-c",
            LOAD_CPU,
            require("wrk", "apt-get install wrk (make bench installs it)"),
        ),
        *("-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"),
    ]
    if request.lua:
        script = scripts / f"wrk-{abs(hash(request.lua))}.lua"
        script.write_text(request.lua)
        argv += ["-s", str(script)]
    before = proc.cpu_seconds(servers)
    done = subprocess.run([*argv, base + request.path], capture_output=True, text=True, check=False)
    spent = proc.cpu_seconds(servers) - before
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    run = parse_wrk(done.stdout)
    return Measured(run, round(spent * 1000 / run.requests, 3) if run.requests else None)
