"""`python -m scripts.docs.openapi_json`: web/openapi.json, the docs page's copy of the spec.

web/openapi.yaml is the one written by hand; the /docs/ page reads this JSON form of it
(browsers parse JSON, not YAML), so the web image needs no YAML reader and no build step.
A test checks that the committed file is what this writes.
"""

from __future__ import annotations

import json

import yaml

from scripts.docs import pages
from scripts.stack.processes import ROOT

SOURCE = ROOT / "web" / "openapi.yaml"
PAGE = ROOT / "web" / "openapi.json"


def page() -> str:
    spec = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    pages.write(PAGE, page)
