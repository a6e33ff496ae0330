"""`python -m scripts.docs.settings_table`: docs/configuration.md, from the settings classes.

Every variable comes from a settings class (kit.settings). Who reads it is found, not
written down: the functions whose code reaches the variable (knative/checks/codeenv.py,
the same analysis the manifest checks use), the dev broker for the functions its
Triggers deliver to, and a class's `readers` only where no function's code reads it.
So a new function's row fills in by itself.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from kit import LOCAL_PORTS, settings
from kit._config import LOCAL_BROKER_PORT
from knative.checks import codeenv
from scripts.docs import pages
from scripts.stack.broker import triggers
from scripts.stack.processes import ROOT

PAGE = pages.DOCS / "configuration.md"
COMMAND = "python -m scripts.docs.settings_table"
# The settings modules, in the table's order: the kit's, each function's, the dev broker's.
KIT_MODULES = ("kit._config", "kit.serve", "kit.stores", "kit.peers", "kit.sessions", "kit.events")


@dataclass(frozen=True)
class Tooling:
    """A variable only the local tooling reads (not a function): one row of the second table."""

    names: tuple[str, ...]
    default: str
    read_by: str


TOOLING = (
    Tooling(("NGINX_PORT", "PROMETHEUS_PORT", "ROBOSHOP_STATE"), "`8080`, `9090`, `.state`",
            "`make run` (the state folder: chaos, backups and the set-up too)"),
    Tooling(("NGINX_LIMIT_SCALE",), "`1` (the real limits); the served tests `100`, `make bench`"
            " `10000`", "the local nginx: its per-client rates, bursts and connections times this"
            " (web/nginx/default.conf.template holds the real ones, the cluster's)"),
    Tooling(("TRUSTED_PROXY",), "`unix:` (no proxy is trusted)",
            "nginx, local and in the cluster: the address or CIDR of the proxy in front whose"
            " X-Forwarded-For and X-Forwarded-Proto it believes (docs/operations.md, Behind TLS)"),
    Tooling(("SEED_DEMO_USERS",), "`true` in `make run`; `false` unless set",
            "seeding: the three demo accounts (their passwords are published); the dev overlay"
            " sets it, prod doesn't"),
    Tooling(("SEED_COUNTRIES",), "all",
            "seeding: only these countries' cities (`gb,de`): a quicker seed for a demo, a test"),
    Tooling(("MYSQL_ADMIN_USER", "MYSQL_ADMIN_PASSWORD"), "`root`, empty",
            "the seeds, backups and the set-up (they create databases and users)"),
    Tooling(("SHIPPING_MYSQL_USER", "SHIPPING_MYSQL_PASSWORD", "RATINGS_MYSQL_USER",
             "RATINGS_MYSQL_PASSWORD"),
            "`shipping`, `ratings`; passwords generated into `.state/`",
            "seeding makes these least-privilege users; `make run` passes them on as"
            " `MYSQL_USER`/`MYSQL_PASSWORD`"),
    Tooling(("BACKUP_DIR", "BACKUP_KEEP"), "`.state/backups`, `0` (keep all)",
            "`make backup` / `make restore`; the CronJob keeps 7"),
    Tooling(("ROBOSHOP_GATEWAY",), "unset",
            "`scripts.ops.invoke`, `scripts.ops.deadletters`: a cluster's Knative ingress,"
            " port-forwarded here"),
    Tooling(("ROBOSHOP_VERSION",), "set in the images; else `git describe` of the checkout",
            "backups: the release an archive was made by"),
    Tooling(("HOST", "USERS", "SPAWN_RATE", "DURATION", "UI"),
            "`http://localhost:8080`, `10`, `2`, `1m`, unset",
            "`make load` (`UI=1`: Locust's page)"),
)  # fmt: skip


def modules(root: Path = ROOT) -> list[str]:
    functions = sorted(p.parent.name for p in (root / "functions").glob("*/settings.py"))
    own = [f"{name}.settings" for name in functions if name != "kit"]
    return [*KIT_MODULES, *own, "scripts.stack.broker.settings"]


def variables() -> list[settings.Variable]:
    """Every variable of every settings class, in the table's order."""
    names = modules()
    for module in names:
        importlib.import_module(module)
    classes = settings.classes()
    return [
        variable
        for module in names
        for cls in classes
        if cls.__module__ == module
        for variable in cls.variables()
    ]


def readers(functions: Path = codeenv.FUNCTIONS) -> dict[str, list[str]]:
    """Variable name -> the functions whose code reads it."""
    reach = codeenv.Reach(codeenv.load_modules(functions))
    found: dict[str, list[str]] = {}
    for function in codeenv.function_names(functions):
        for read in reach.needs(function):
            found.setdefault(read.name, []).append(function)
    return found


def read_by(variable: settings.Variable, found: dict[str, list[str]], everyone: list[str]) -> str:
    functions = sorted(found.get(variable.name, []))
    who = ["every function"] if functions == sorted(everyone) else functions
    if variable.name in {f"{name.upper()}_URL" for name in triggers.delivered_to()}:
        who.append("the dev broker")
    if variable.readers:
        who.append(variable.readers)
    return ", ".join(who) or "no function yet"


def read_by_variable(functions: Path = codeenv.FUNCTIONS) -> dict[str, str]:
    """Variable name -> the table's "read by", for the functions folder given."""
    found, everyone = readers(functions), codeenv.function_names(functions)
    return {v.name: read_by(v, found, everyone) for v in variables()}


def rows(functions: Path = codeenv.FUNCTIONS) -> list[str]:
    who = read_by_variable(functions)
    lines = ["| variable | default | read by | what it is |", "|---|---|---|---|"]
    for variable in variables():
        lines.append(
            f"| `{variable.name}` | {variable.shown_default()} | {who[variable.name]}"
            f" | {_meaning(variable.about)} |"
        )
    return lines


def _meaning(about: settings.About) -> str:
    return pages.cell("; ".join(part for part in (about.text, about.bounds()) if part))


def _ports() -> str:
    ports = [f"{name} {port}" for name, port in LOCAL_PORTS.items()]
    return ", ".join([*ports, f"dev broker {LOCAL_BROKER_PORT}", "nginx 8080", "Prometheus 9090"])


def page() -> str:
    tooling = ["| variable | default | read by |", "|---|---|---|"]
    tooling += [
        f"| {', '.join(f'`{name}`' for name in t.names)} | {t.default} | {pages.cell(t.read_by)} |"
        for t in TOOLING
    ]
    return "\n".join(
        [
            pages.banner(COMMAND, "the settings classes (`settings.py` of each function,"
                         " the kit's, the dev broker's)"),
            "# Configuration",
            "",
            "Everything comes from the environment; the defaults fit `make run`. Local ports: "
            f"{_ports()}.",
            "",
            "Each function reads its variables once, at start, into typed settings objects (its"
            " own `settings.py` and the kit's; `functions/kit/settings.py` says how). A value"
            " that can't be used stops the start with one JSON line naming the variable, also"
            " written as the container's termination message, so `kubectl describe pod` and the"
            " Revision's failed condition say it. A store's settings are read when the function"
            " builds the clients it depends on, so a typo in MySQL's port stops shipping and"
            " ratings, not catalogue.",
            "",
            "\"Read by\" is found from the code: the functions whose code reaches the variable,"
            " and the dev broker for the functions its Triggers deliver to.",
            "",
            *rows(),
            "",
            "## The local tooling",
            "",
            "`make run`, seeding, backups and the operator tools read a few variables of"
            " their own:",
            "",
            *tooling,
            "",
        ]
    )  # fmt: skip


if __name__ == "__main__":
    pages.write(PAGE, page)
