"""Prometheus for `make run`: every function and the dev broker scraped, with the shop's
recording and alerting rules (knative/components/monitoring/prometheus/rules.yml).

Optional: the stack runs without it, and says how to install it (Debian's `prometheus`).
Exemplars are kept (exemplar storage), so a point on a latency graph leads to its trace.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import urllib3
import yaml

from scripts.stack.processes import ROOT, Process

RULES = ROOT / "knative" / "components" / "monitoring" / "prometheus" / "rules.yml"
INSTALL_HINT = "Prometheus is not installed (apt-get install prometheus): no graphs or alerts"
SCRAPE_INTERVAL = "5s"


def config(targets: Mapping[str, str]) -> dict[str, object]:
    """The configuration: one job per function (`roboshop-<name>`), scraping host:port."""
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {
                "job_name": f"roboshop-{name}",
                "metrics_path": "/metrics",
                # The kit's series carry their own `function`: kept, not exported_function.
                "honor_labels": True,
                "static_configs": [{"targets": [address], "labels": {"function": name}}],
            }
            for name, address in sorted(targets.items())
        ],
    }


def installed() -> str | None:
    return shutil.which("prometheus")


def prometheus_process(
    folder: Path, port: int, log: Path, targets: Mapping[str, str], binary: str
) -> Process:
    """Prometheus on 127.0.0.1:`port`, its configuration and data under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "prometheus.yml"
    conf.write_text(yaml.safe_dump(config(targets), sort_keys=False))
    argv = [
        binary,
        f"--config.file={conf}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=2d",
        "--enable-feature=exemplar-storage",
        "--log.format=json",
    ]
    return Process("prometheus", argv, log)


def ready(url: str) -> bool:
    """Whether Prometheus at `url` answers queries: it listens before its storage is open,
    and answers 503 in plain text until then."""
    try:
        return urllib3.request("GET", f"{url}/-/ready", timeout=2, retries=False).status == 200
    except urllib3.exceptions.HTTPError:
        return False
