"""Where the project and its pinned upstream schemas are."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The pinned upstream schemas (CRDs, func.yaml), vendored as data: tests/knative/crds/README.md.
CRDS = Path(os.environ.get("ROBOSHOP_CRDS") or ROOT / "tests" / "knative" / "crds")
