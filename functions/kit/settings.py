"""Settings: what a function reads from its environment, typed, in one place, read at start.

A settings class is a frozen dataclass deriving from `Settings`. Each field is one
variable, named as the field in capitals (`cart_ttl_seconds` is CART_TTL_SECONDS); its
annotation gives the type (int, float, bool or str) and, through `About`, what it means
and its bounds; its default is the value when the variable is unset or empty (no default:
the variable must be set). The names say their unit: `_MS`, `_SECONDS`, `_MIB`, `_EUR`.

Building a function's app reads its settings classes and the kit's (`load_for`), so a
value that can't be used stops the start with the variable's name; afterwards `current()`
is a dictionary lookup.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from kit._errors import ConfigError

S = TypeVar("S", bound="Settings")

_loaded: dict[type[Settings], Settings] = {}
_classes: list[type[Settings]] = []


@dataclasses.dataclass(frozen=True)
class About:
    """A variable's meaning for the configuration table, and the bounds of its value."""

    text: str
    minimum: float | None = None
    maximum: float | None = None
    min_chars: int = 0
    # One of these words (any case): what the value becomes, lower-cased.
    choices: tuple[str, ...] = ()
    # A URL of one of these schemes, with a host (but for unix sockets) and numeric ports.
    schemes: tuple[str, ...] = ()
    # The default as the table shows it, when the value alone would mislead (made by `make run`).
    shown: str = ""

    def bounds(self) -> str:
        """What the table says a value may be, beside the meaning."""
        if self.choices:
            return "one of " + ", ".join(f"`{choice}`" for choice in self.choices)
        if self.schemes:
            return " or ".join(f"`{scheme}://`" for scheme in self.schemes)
        if self.min_chars:
            return f"{self.min_chars}+ characters"
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"at least {self.minimum:g}"
        return ""


@dataclasses.dataclass(frozen=True)
class Variable:
    """One environment variable of a settings class."""

    name: str
    kind: type
    default: Any  # dataclasses.MISSING: it must be set
    about: About
    # Who reads it where no function's code does (the server, the dev broker); the
    # table finds the functions that read it from their code (scripts/docs).
    readers: str

    def shown_default(self) -> str:
        if self.about.shown and self.default is not dataclasses.MISSING:
            return self.about.shown
        if self.default is dataclasses.MISSING:
            return "must be set" + (f"; {self.about.shown}" if self.about.shown else "")
        if self.default == "":
            return "empty"
        if self.kind is bool:
            return "`true`" if self.default else "`false`"
        return f"`{self.default}`"


class Settings:
    """The base of every settings class. `readers` names who reads it only where no
    function's code does (the server, the dev broker): the configuration table finds the
    functions from their code, so a new function's row fills in by itself."""

    readers: ClassVar[str] = ""
    # False: read when first used (a store's client), not by every function's start.
    read_at_start: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _classes.append(cls)

    @classmethod
    def current(cls: type[S]) -> S:
        """The values read at start (read now, the first time, outside a function's app)."""
        found = _loaded.get(cls)
        if found is None:
            found = cls.load()
        return typing.cast(S, found)

    @classmethod
    def load(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
        """Read the variables again; a value that can't be used is a ConfigError naming it."""
        environ = os.environ if environ is None else environ
        values = {
            variable.name.lower(): _value(variable, environ.get(variable.name) or None)
            for variable in cls.variables()
        }
        loaded = cls(**values)
        _loaded[cls] = loaded
        return loaded

    @classmethod
    def variables(cls) -> list[Variable]:
        hints = typing.get_type_hints(cls, include_extras=True)
        found = []
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            kind, *extras = typing.get_args(hints[field.name]) or (hints[field.name],)
            about = next((e for e in extras if isinstance(e, About)), About(""))
            found.append(Variable(field.name.upper(), kind, field.default, about, cls.readers))
        return found


def load_for(package: str) -> None:
    """Read the kit's settings classes imported so far and the package's own: what a
    function's start does. A store's are read again when its client is built (at start,
    for the stores the function depends on): a store a function doesn't use can't stop it."""
    for cls in _classes:
        if cls.__module__.partition(".")[0] in ("kit", package):
            if cls.read_at_start:
                cls.load()
            else:
                _loaded.pop(cls, None)


def classes() -> list[type[Settings]]:
    return list(_classes)


def _value(variable: Variable, raw: str | None) -> Any:
    if raw is None:
        if variable.default is dataclasses.MISSING:
            raise ConfigError(f"{variable.name} must be set")
        return variable.default
    value = _parse(variable, raw)
    about, name = variable.about, variable.name
    low, high = about.minimum, about.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(f"{name} must be {about.bounds()}, not {raw!r}")
    if len(raw) < about.min_chars:
        raise ConfigError(f"{name} must be set to {about.min_chars}+ random characters")
    if about.choices:
        value = raw.strip().lower()
        if value not in about.choices:
            raise ConfigError(f"{name} must be {about.bounds()}, not {raw!r}")
    if about.schemes and not _is_url(raw, about.schemes):
        # Not the value itself: a store's URL may hold its password.
        raise ConfigError(f"{name} must be a {about.bounds()} URL with a host and numeric ports")
    return value


def _is_url(raw: str, schemes: tuple[str, ...]) -> bool:
    parts = urlsplit(raw.strip())
    if parts.scheme not in schemes:
        return False
    if parts.scheme == "unix":
        return bool(parts.path)
    hosts = parts.netloc.rpartition("@")[2]
    # MongoDB lists several hosts: `mongodb://a:27017,b:27017/`.
    return bool(hosts) and all(_host_and_port(host) for host in hosts.split(","))


def _host_and_port(host: str) -> bool:
    if host.startswith("["):  # an IPv6 address: [::1]:6379
        _, _, rest = host.partition("]")
        return rest == "" or (rest.startswith(":") and _is_port(rest[1:]))
    name, colon, port = host.partition(":")
    return bool(name) and (not colon or _is_port(port))


def _is_port(text: str) -> bool:
    return text.isdigit() and 0 < int(text) < 65536


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def _parse(variable: Variable, raw: str) -> Any:
    try:
        if variable.kind is int:
            return int(raw.strip())
        if variable.kind is float:
            return float(raw.strip())
    except ValueError:
        word = "a whole number" if variable.kind is int else "a number"
        raise ConfigError(f"{variable.name} must be {word}, not {raw!r}") from None
    if variable.kind is bool:
        word = raw.strip().lower()
        if word not in _TRUE | _FALSE:
            raise ConfigError(f"{variable.name} must be true or false, not {raw!r}")
        return word in _TRUE
    return raw
