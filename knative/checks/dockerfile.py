"""Offline checks of the Dockerfiles: what a reviewer reads in them, as rules."""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath

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


def copied_sources(stage: Stage, context: Path, args: dict[str, str]) -> dict[str, Path]:
    """The Python files the stage's COPY lines take from the build context: where each lies
    in the image, and where in the checkout it comes from. `args`: the build args."""
    files: dict[str, Path] = {}
    for line in stage.instructions("COPY"):
        if "--from" in line:
            continue
        filled = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], line)
        *sources, dest = [part for part in shlex.split(filled) if not part.startswith("--")]
        for source in sources:
            path = context / source
            if path.is_dir():
                for file in path.rglob("*.py"):
                    files[f"{dest.rstrip('/')}/{file.relative_to(path)}"] = file
            elif path.suffix == ".py":
                files[f"{dest.rstrip('/')}/{path.name}" if dest.endswith("/") else dest] = path
    return files


def module_name(path: PurePath) -> str:
    """The dotted name a file imports as, from its path below the import root."""
    return ".".join(path.with_suffix("").parts).removesuffix(".__init__")


def _runtime_imports(source: str) -> Iterator[str]:
    """Every module a file imports when it runs (not what `if TYPE_CHECKING:` guards), with
    each `from a import b` as both a and a.b: b may be a submodule. The code imports
    absolutely only."""
    tree = ast.parse(source)
    typing_only = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for statement in branch.body
        for node in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def imports(files: dict[str, Path]) -> set[str]:
    """Every module the files import when they run, by its full dotted name."""
    return {name for origin in files.values() for name in _runtime_imports(origin.read_text())}


def missing_imports(files: dict[str, Path], base: str, first_party: set[str]) -> list[str]:
    """What the image's Python files import of our own code (`first_party`: every module
    of the checkout) that the image lacks, as "<file in the image>: <module>"."""
    present = {
        module_name(PurePosixPath(path).relative_to(base))
        for path in files
        if path.startswith(f"{base}/")
    }
    found = set()
    for path, origin in files.items():
        for name in _runtime_imports(origin.read_text()):
            parts = name.split(".")
            for wanted in (".".join(parts[:n]) for n in range(1, len(parts) + 1)):
                if wanted in first_party and wanted not in present:
                    found.add(f"{path}: {wanted}")
    return sorted(found)
