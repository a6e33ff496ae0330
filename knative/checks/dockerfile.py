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
    if "PYTHONDONTWRITEBYTECODE" in env:
        found += [f"stage {final}: {problem}" for problem in bytecode_problems(runner)]
    return found


# What a start imports, by where it lies in a function or seed image: the interpreter's
# library (the base image's Python, however it is named), the venv, ours.
STDLIB = "the standard library"
_IMPORTED_FROM = (STDLIB, "/opt/venv", "/app")
_STDLIB_PATH = re.compile(r"^/usr/(local/)?lib/python3\.\d+/?$")
_STDLIB_VARIABLE = re.compile(r"(\w+)=\"\$\(python3? -c '[^']*get_path\(\"stdlib\"\)")
# compileall's options that take a value: their values are not what it compiles.
_COMPILEALL_VALUED = {"-d", "-s", "-p", "-x", "-i", "-r", "-j", "-o", "-e", "--invalidation-mode"}


def compiled_paths(run: str) -> set[str]:
    """What the `python -m compileall` commands of one RUN compile: their paths, and
    STDLIB for the interpreter's library (a path of it, or a variable the RUN sets from
    sysconfig's `stdlib`)."""
    variables = {f"${{{name}}}" for name in _STDLIB_VARIABLE.findall(run)}
    variables |= {f"${name}" for name in _STDLIB_VARIABLE.findall(run)}
    found = set()
    for command in run.split("&&"):
        words = shlex.split(command)
        if words[1:3] != ["-m", "compileall"] or not words[0].startswith("python"):
            continue
        rest = iter(words[3:])
        for word in rest:
            if word in _COMPILEALL_VALUED:
                next(rest, None)
            elif not word.startswith("-"):
                found.add(STDLIB if word in variables or _STDLIB_PATH.match(word) else word)
    return found


def bytecode_problems(stage: Stage) -> list[str]:
    """A stage that never writes byte code (PYTHONDONTWRITEBYTECODE, a read-only root) must
    bring it, or every start compiles all it imports again: `python -m compileall` of the
    standard library (the official base image deletes its byte code), the venv and /app,
    run after the last COPY."""
    last_copy = max((i for i, (key, _) in enumerate(stage.lines) if key == "COPY"), default=-1)
    runs = [args for i, (key, args) in enumerate(stage.lines) if key == "RUN" and i > last_copy]
    compiled = {path for run in runs for path in compiled_paths(run)}
    if not compiled:
        return ["no `python -m compileall` after the last COPY: every start compiles"]
    return [
        f"compileall leaves out {what}: every start compiles it"
        for what in _IMPORTED_FROM
        if what not in compiled
    ]


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
