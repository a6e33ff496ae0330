"""`python -m scripts.docs.settings_table`: the README's configuration table, from the settings.

Every variable comes from a settings class (kit.settings); this prints them all as the
Markdown table the README carries between its `settings` markers, and a test checks
that the README's table is this one.
"""

from __future__ import annotations

import importlib

from kit import settings
from scripts.stack.processes import ROOT

# The settings modules, in the table's order: the kit's, each function's, the dev broker's.
KIT_MODULES = ("kit._config", "kit.serve", "kit.stores", "kit.peers", "kit.sessions", "kit.events")


def modules() -> list[str]:
    functions = sorted(p.parent.name for p in (ROOT / "functions").glob("*/settings.py"))
    own = [f"{name}.settings" for name in functions if name != "kit"]
    return [*KIT_MODULES, *own, "scripts.stack.broker.settings"]


BEGIN, END = "<!-- settings: python -m scripts.docs.settings_table -->", "<!-- /settings -->"


def rows() -> list[str]:
    names = modules()
    for module in names:
        importlib.import_module(module)
    lines = ["| variable | default | read by | what it is |", "|---|---|---|---|"]
    classes = settings.classes()
    for cls in (cls for module in names for cls in classes if cls.__module__ == module):
        for variable in cls.variables():
            lines.append(
                f"| `{variable.name}` | {variable.shown_default()} | {variable.owner} |"
                f" {_meaning(variable.about)} |"
            )
    return lines


def _meaning(about: settings.About) -> str:
    bounds = about.bounds()
    text = "; ".join(part for part in (about.text, bounds) if part)
    return text.replace("|", "\\|")


def table() -> str:
    return "\n".join([BEGIN, *rows(), END])


if __name__ == "__main__":
    print(table())
