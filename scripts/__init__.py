"""RoboShop's local tooling: the runner, seeding, invoking a function, the dev broker.

The tools import the functions' packages (kit, catalogue, ...), which live under
functions/ as they do in an image's /app: put that folder on the path once here.
"""

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parents[1] / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)
