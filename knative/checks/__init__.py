"""The offline model of a cluster that the manifest tests use: the rendered overlays, the
pinned upstream schemas (`crds/`), the admission webhooks' rules and defaults, the pods the
operators create, LimitRange and quota, and NetworkPolicy flows. A library: the tests in
tests/knative are thin checks over it."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The pinned upstream schemas (CRDs, func.yaml), vendored as data: crds/README.md.
CRDS = Path(os.environ.get("ROBOSHOP_CRDS") or Path(__file__).parent / "crds")
