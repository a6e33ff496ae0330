"""`python -m scripts.settings_table`: the README's configuration table, from the settings.

Every variable comes from a settings class (kit.settings); this prints them all as the
Markdown table the README carries between its `settings` markers, and a test checks
that the README's table is this one.
"""

from __future__ import annotations

import importlib

from kit import LOCAL_PORTS, settings

# The settings modules, in the table's order: the kit's, each function's, the tooling's.
MODULES = (
    "kit._config",
    "kit.serve",
    "kit.stores",
    "kit.peers",
    "kit.sessions",
    "kit.events",
    *(f"{function}.settings" for function in LOCAL_PORTS if function != "ratings"),
    "scripts.broker.settings",
)
BEGIN, END = "<!-- settings: python -m scripts.settings_table -->", "<!-- /settings -->"


def rows() -> list[str]:
    for module in MODULES:
        importlib.import_module(module)
    lines = ["| variable | default | read by | what it is |", "|---|---|---|---|"]
    peers = ", ".join(f"{name} {port}" for name, port in LOCAL_PORTS.items())
    lines.append(
        "| `<FUNCTION>_URL` (`CATALOGUE_URL`, `CART_URL`, ...) | `http://127.0.0.1:<its port>`"
        f" ({peers}) | every function that calls another, the dev broker | where that function"
        " answers |"
    )
    classes = settings.classes()
    for cls in (cls for module in MODULES for cls in classes if cls.__module__ == module):
        for variable in cls.variables():
            about = variable.about.text.replace("|", "\\|")
            lines.append(
                f"| `{variable.name}` | {variable.shown_default()} | {variable.owner} | {about} |"
            )
    return lines


def table() -> str:
    return "\n".join([BEGIN, *rows(), END])


if __name__ == "__main__":
    print(table())
