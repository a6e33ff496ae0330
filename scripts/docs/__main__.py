"""`python -m scripts.docs` (`make docs`): writes every docs page that is data."""

from __future__ import annotations

from scripts.docs import (
    bench_targets,
    capacity_table,
    openapi_json,
    pages,
    settings_table,
    versions_table,
)

GENERATED = {
    settings_table.PAGE: settings_table.page,
    versions_table.PAGE: versions_table.page,
    bench_targets.PAGE: bench_targets.page,
    capacity_table.PAGE: capacity_table.page,
    openapi_json.PAGE: openapi_json.page,
}

if __name__ == "__main__":
    for path, render in GENERATED.items():
        pages.write(path, render)
