"""The Grafana dashboard: every panel has queries, every query parses as PromQL (promtool
checks them as recording rules), and names only metrics the shop, its rules or Knative
export."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from scripts.stack import prometheus
from scripts.stack.processes import ROOT

DASHBOARD = ROOT / "knative" / "components" / "monitoring" / "grafana" / "roboshop.json"
# What Grafana fills in before the query reaches Prometheus.
VARIABLES = {"$function": ".+"}
# Knative Serving 1.22's OpenTelemetry metrics as Prometheus names them (dots become
# underscores; histograms in seconds get _seconds): the autoscaler's pod counts, queue-proxy's
# queue and invocation time, the activator's queue (knative/serving pkg/autoscaler/metrics,
# pkg/queue, pkg/activator; docs: serving/observability/metrics/serving-metrics).
KNATIVE = {
    "kn_revision_pods_count",
    "kn_revision_pods_desired",
    "kn_revision_pods_requested",
    "kn_serving_queue_depth",
    "kn_serving_invocation_duration_seconds_bucket",
    "kn_activator_queue_depth",
}
# prometheus_client's own collectors in every function, and Prometheus's own series.
DEFAULTS = {"process_start_time_seconds", "process_resident_memory_bytes", "up"}
_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "and", "or", "unless", "inf", "nan",
}  # fmt: skip


def targets() -> list[tuple[str, str]]:
    board = json.loads(DASHBOARD.read_text())
    found = []
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel.get("targets"), f"panel {panel['title']!r} has no query"
        for target in panel["targets"]:
            expr = target["expr"]
            for name, value in VARIABLES.items():
                expr = expr.replace(name, value)
            found.append((f"{panel['id']}{target['refId']}", expr))
    return found


def shop_metrics() -> set[str]:
    """Every metric the functions and the dev broker define (kit.counter/histogram/gauge,
    and the collectors' own families), with the series names Prometheus stores."""
    names: set[str] = {"dependency_up", "broker_oldest_waiting_event_seconds"}
    broker = ROOT / "scripts" / "stack" / "broker"
    assert broker.is_dir(), broker
    for path in [*(ROOT / "functions").rglob("*.py"), *broker.rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            kind = node.func.id if isinstance(node.func, ast.Name) else None
            first = node.args[0]
            if kind in _SUFFIXES and isinstance(first, ast.Constant):
                # prometheus_client names a counter's series <name>_total, once.
                base = str(first.value)
                base = base.removesuffix("_total") if kind == "counter" else base
                names |= {f"{base}{suffix}" for suffix in _SUFFIXES[kind]}
    return names


def recorded() -> set[str]:
    groups = yaml.safe_load(prometheus.RULES.read_text())["groups"]
    return {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression selects (label matchers, grouping lists,
    strings, durations and functions taken out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    names = set()
    for token in re.finditer(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*", text):
        called = text[token.end() :].lstrip().startswith("(")
        if not called and token.group() not in KEYWORDS:
            names.add(token.group())
    return names


def test_every_query_parses_with_promtool(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: apt-get install prometheus"
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:panel_{ref}", "expr": e} for ref, e in targets()],
            }
        ]
    }
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_query_names_only_metrics_that_exist() -> None:
    known = shop_metrics() | recorded() | KNATIVE | DEFAULTS
    unknown = {ref: metric_names(expr) - known for ref, expr in targets()}
    assert {ref: names for ref, names in unknown.items() if names} == {}


def test_the_name_check_catches_a_metric_nobody_exports() -> None:
    assert metric_names('sum by (function) (rate(nope_total{route="/x"}[5m])) > bool 1') == {
        "nope_total"
    }


def test_it_covers_the_golden_signals_the_funnel_events_and_knative() -> None:
    exprs = " ".join(expr for _, expr in targets())
    for metric in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "product_views_total",
        "items_added_total",
        "sold_count_total",
        "orders_dispatched_total",
        "broker_oldest_waiting_event_seconds",
        "events_received_total",
        "kn_revision_pods_count",
        "kn_activator_queue_depth",
        "kn_serving_queue_depth",
    ):
        assert metric in exprs, metric
