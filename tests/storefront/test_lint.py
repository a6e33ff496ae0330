"""The storefront's JavaScript is linted by Biome from web/, as `make lint` (and so
`make test`, which CI runs) does, with the repository's configuration."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from scripts.stack.processes import ROOT

WEB = ROOT / "web"
BIOME = WEB / "node_modules" / ".bin" / "biome"


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True
    )


def _lint(folder: Path) -> subprocess.CompletedProcess[str]:
    installed = _make("web/node_modules/.installed")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return subprocess.run(
        [str(BIOME), "lint", "--error-on-warnings", "--colors=off"],
        cwd=folder,
        capture_output=True,
        text=True,
    )


def test_make_test_runs_the_javascript_lint() -> None:
    planned = _make("-n", "-W", "web/package-lock.json", "test")
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    assert "npm ci --prefix web --no-audit --no-fund --loglevel=error" in lines
    assert "cd web && node_modules/.bin/biome lint --error-on-warnings" in lines


def test_the_storefront_passes_the_lint() -> None:
    done = _lint(WEB)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Checked 0 files" not in done.stdout + done.stderr


def test_the_configuration_refuses_an_unknown_name_and_an_unused_import(tmp_path: Path) -> None:
    shutil.copy(WEB / "biome.jsonc", tmp_path / "biome.jsonc")
    (tmp_path / "node_modules").symlink_to(WEB / "node_modules")
    js = tmp_path / "static" / "js"
    js.mkdir(parents=True)
    (js / "dom.js").write_text("export const h = () => document.createElement('p');\n")
    (js / "view.js").write_text(
        'import { h } from "./dom.js";\nexport const total = () => subtotal + 1;\n'
    )
    done = _lint(tmp_path)
    said = done.stdout + done.stderr
    assert done.returncode != 0
    assert "static/js/view.js:2:28 lint/correctness/noUndeclaredVariables" in said
    assert "static/js/view.js:1:8 lint/correctness/noUnusedImports" in said
    assert "static/js/dom.js:" not in said  # `document`: the browser's globals are known
