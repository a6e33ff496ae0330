"""Offline checks of the Dockerfiles: what a reviewer reads in them, as rules."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_PINNED = re.compile(r"^[\w./-]+:v?\d+(\.\d+)+[\w.-]*$|@sha256:[0-9a-f]{64}$")
_COMPILERS = re.compile(r"\b(gcc|g\+\+|clang|build-essential|make|cc)\b")


@dataclass
class Stage:
    name: str
    base: str
    lines: list[tuple[str, str]] = field(default_factory=list)

    def instructions(self, keyword: str) -> list[str]:
        return [args for key, args in self.lines if key == keyword]


def parse(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, with continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m[1], m[0]), parts[0])
            name = parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(name, base))
        elif stages:
            stages[-1].lines.append((keyword, rest.strip()))
        elif keyword == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args[key.strip()] = value.strip()
    return args, stages


def _env(stage: Stage) -> dict[str, str]:
    values: dict[str, str] = {}
    for args in stage.instructions("ENV"):
        for item in shlex.split(args):
            key, _, value = item.partition("=")
            values[key] = value
    return values


def problems(text: str, final: str, command: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with the stage `final` (the one that runs) of this Dockerfile."""
    _, stages = parse(text)
    found = []
    names = {stage.name for stage in stages}
    for stage in stages:
        if stage.base not in names and not _PINNED.search(stage.base):
            found.append(f"stage {stage.name}: base image {stage.base} is not a pinned version")
    runner = next((s for s in stages if s.name == final), None)
    if runner is None:
        return [*found, f"no stage {final}"]
    user = (runner.instructions("USER") or ["root"])[-1].split(":")[0]
    if user in ("root", "0") or not user.isdigit():
        found.append(f"stage {final}: USER {user} is not a numeric non-root user")
    for run in runner.instructions("RUN"):
        if _COMPILERS.search(run) or re.search(r"\b(apt-get|apk)\b.*\binstall\b", run):
            found.append(f"stage {final}: installs build tools or packages: {run[:60]}")
    env = _env(runner)
    needed = ["PYTHONDONTWRITEBYTECODE", "PYTHONPATH"]
    if "kit.serve" in command:
        needed += ["FUNCTION", "SOURCE", "WORKERS", "THREADS", "SHUTDOWN_SECONDS"]
    for key in needed:
        if key not in env:
            found.append(f"stage {final}: ENV {key} not set")
    if env.get("PYTHONPATH") not in (None, "/app"):
        found.append(f"stage {final}: PYTHONPATH is {env.get('PYTHONPATH')}, not /app")
    start = " ".join(runner.instructions("CMD") + runner.instructions("ENTRYPOINT"))
    for part in command:
        if part not in start.replace('"', ""):
            found.append(f"stage {final}: the command lacks {part}")
    return found
