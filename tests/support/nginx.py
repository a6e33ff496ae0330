"""Checking the nginx template with this machine's nginx, whatever its version."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping

# The first open-source nginx whose upstream servers take `resolve`.
RESOLVE_SINCE = (1, 27, 3)


def version(nginx: str = "nginx") -> tuple[int, ...]:
    shown = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=True).stderr
    found = re.search(r"nginx/(\d+(?:\.\d+)*)", shown)
    if found is None:
        raise RuntimeError(f"no version in `nginx -v`: {shown!r}")
    return tuple(int(part) for part in found.group(1).split("."))


def checkable(values: Mapping[str, str], nginx: str = "nginx") -> dict[str, str]:
    """The cluster's template values as this nginx can check them with `nginx -t`.

    An nginx older than 1.27.3 knows no `resolve`, and without it would look the
    upstream host names up at start, which only a cluster's DNS answers: for such an
    nginx the upstreams become loopback addresses (ports kept) and `resolve` is left
    out. Everything else is checked as the cluster renders it."""
    if version(nginx) >= RESOLVE_SINCE:
        return dict(values)
    local = {
        name: "127.0.0.1" + (f":{value.rsplit(':', 1)[1]}" if ":" in value else "")
        for name, value in values.items()
        if name.endswith("_UPSTREAM")
    }
    return {**values, **local, "UPSTREAM_RESOLVE": ""}
