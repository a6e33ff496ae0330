"""Which environment variables each function's code reads, found in its source.

Every module under functions/ is parsed. Its units (top-level functions, classes,
module-level code) record the variables they read (a settings class's fields, `env`,
`env_int`, `os.environ`, `os.getenv`, and `<PEER>_URL` for `peers.call("peer", ...)` or
`peer_url("peer")`) and the names they refer to. A function needs what is
reachable from its own package through those references, kit included, so a
variable read by a kit helper the function never uses is not demanded of it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from knative.checks import ROOT

FUNCTIONS = ROOT / "functions"
_READERS = {"env", "env_int", "getenv"}
_PEER_CALLERS = {("kit.peers", "call"), ("kit._config", "peer_url")}
_MODULE = "<module>"


@dataclass(frozen=True)
class Read:
    name: str
    default: str | None  # None: no default

    @property
    def required(self) -> bool:
        """No default, or none usable outside this machine: the cluster must set it. An
        empty default is a choice (off, none), not a missing value."""
        if self.default is None:
            return True
        return "127.0.0.1" in self.default or "localhost" in self.default


@dataclass
class Unit:
    reads: set[Read] = field(default_factory=set)
    peers: set[str] = field(default_factory=set)
    refs: set[tuple[str, ...]] = field(default_factory=set)


@dataclass
class Module:
    name: str
    units: dict[str, Unit] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _constant(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _default(node: ast.expr) -> str:
    """A default's text: a constant's value, an f-string's fixed parts, else a marker."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.BinOp):
        return "<computed>"
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    return "<computed>"


def _dotted(node: ast.expr) -> tuple[str, ...] | None:
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else (*inner, node.attr)
    return None


def _settings_fields(unit: Unit, node: ast.ClassDef) -> None:
    """A settings class (kit.settings) reads a variable per field, named as it in capitals."""
    if not any(_dotted(base) in (("Settings",), ("settings", "Settings")) for base in node.bases):
        return
    if node.name == "PeerUrlSettings":
        return  # each function's `<PEER>_URL` is found from its own peers.call("peer", ...)
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            default = None if statement.value is None else _default(statement.value)
            unit.reads.add(Read(statement.target.id.upper(), default))


def _scan(unit: Unit, tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute):
            dotted = _dotted(node)
            if dotted:
                unit.refs.add(dotted)
        if isinstance(node, ast.Subscript):
            target = _dotted(node.value)
            name = _constant(node.slice)
            if target and target[-1] == "environ" and name:
                unit.reads.add(Read(name, None))
        if not isinstance(node, ast.Call) or not node.args:
            continue
        callee = _dotted(node.func)
        first = _constant(node.args[0])
        if not callee or first is None:
            continue
        default = _default(node.args[1]) if len(node.args) > 1 else None
        if callee[-1] in _READERS or callee[-2:] == ("environ", "get"):
            unit.reads.add(Read(first, default))
        unit.refs.add((*callee, f"({first})"))


def parse_module(path: Path, base: Path = FUNCTIONS) -> Module:
    module = Module(_module_name(path, base))
    tree = ast.parse(path.read_text(), str(path))
    package = module.name if path.name == "__init__.py" else module.name.rpartition(".")[0]
    top = Unit()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                source = ".".join(filter(None, [package, source]))
            for alias in node.names:
                module.imports[alias.asname or alias.name] = (source, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module.imports[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            unit = Unit()
            _scan(unit, node)
            if isinstance(node, ast.ClassDef):
                _settings_fields(unit, node)
            module.units[node.name] = unit
        else:
            _scan(top, node)
    module.units[_MODULE] = top
    return module


def load_modules(base: Path = FUNCTIONS) -> dict[str, Module]:
    modules = {}
    for path in sorted(base.rglob("*.py")):
        if "__pycache__" not in path.parts:
            module = parse_module(path, base)
            modules[module.name] = module
    return modules


class Reach:
    """What a function's code can reach, and the variables read on the way."""

    def __init__(self, modules: dict[str, Module]) -> None:
        self.modules = modules

    def _resolve(self, module: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        found = self.modules.get(module)
        if found is None or depth > 10:
            return None
        if name in found.units:
            return (module, name)
        if f"{module}.{name}" in self.modules:
            return (f"{module}.{name}", _MODULE)
        if name in found.imports:
            source, attr = found.imports[name]
            if attr is None:
                return (source, _MODULE) if source in self.modules else None
            return self._resolve(source, attr, depth + 1)
        return None

    def _targets(self, module: str, ref: tuple[str, ...]) -> Iterator[tuple[str, str]]:
        head = self._resolve(module, ref[0])
        if head is None:
            return
        yield head
        for attr in ref[1:]:
            if head[1] != _MODULE or attr.startswith("("):
                return
            nxt = self._resolve(head[0], attr)
            if nxt is None:
                return
            head = nxt
            yield head

    def needs(self, function: str) -> set[Read]:
        todo = [
            (name, unit)
            for name in self.modules
            if name == function or name.startswith(f"{function}.")
            for unit in self.modules[name].units
        ]
        seen: set[tuple[str, str]] = set()
        reads: set[Read] = set()
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            module, unit_name = key
            unit = self.modules[module].units[unit_name]
            reads |= unit.reads
            if unit_name != _MODULE:
                todo.append((module, _MODULE))
            for ref in unit.refs:
                targets = list(self._targets(module, ref))
                todo.extend(targets)
                peer = ref[-1]
                if targets and targets[-1] in _PEER_CALLERS and peer.startswith("("):
                    reads.add(Read(f"{peer[1:-1].upper()}_URL", None))
        return reads


def function_names(base: Path = FUNCTIONS) -> list[str]:
    return sorted(p.parent.name for p in base.glob("*/main.py"))


def required_env(function: str, base: Path = FUNCTIONS) -> set[str]:
    """The variables `function` reads that the cluster must provide."""
    reads = Reach(load_modules(base)).needs(function)
    return {read.name for read in reads if read.required}


def read_env(function: str, base: Path = FUNCTIONS) -> set[str]:
    """Every variable `function`'s code reads, with or without a default."""
    return {read.name for read in Reach(load_modules(base)).needs(function)}
