"""Where the project and its shared design data (schemas, contract) are."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The upstream CRD schemas live beside the repository, not in it (they are not ours).
SHARED = Path(os.environ.get("ROBOSHOP_SHARED") or ROOT.parent / "shared")
CRDS = SHARED / "crds"
