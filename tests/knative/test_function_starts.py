"""Each function starts with exactly the environment its Knative Service gives it: its
settings are read at start, and a variable it needs that the cluster doesn't set would
stop it there (a CrashLoopBackOff), which the manifest rules alone would not show."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from knative.checks import manifests as m
from scripts.stack.processes import ROOT

FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/main.py"))
# From a Secret: a value of a Secret's shape (the rules check the Secret has the key).
SECRET_VALUE = "s" * 48
# As kit.serve starts it: the server's settings (WORKERS, THREADS, ...), then the app.
START = (
    "import sys, functions_framework\n"
    "from kit.serve import ServeSettings\n"
    "ServeSettings.load()\n"
    "functions_framework.create_app(target=sys.argv[1], source=sys.argv[2])\n"
)


def cluster_env(objects: list[m.Obj], function: str) -> dict[str, str]:
    service = m.ksvcs(objects)[function]
    container = service["spec"]["template"]["spec"]["containers"][0]
    env = {
        name: SECRET_VALUE if value is None else value
        for name, value in m.env_sources(objects, container).items()
    }
    if m.bound_sink(objects, function):
        env["K_SINK"] = "http://roboshop-broker-ingress.roboshop.svc.cluster.local/"
    return {**env, "K_SERVICE": function, "PORT": "8080"}


def start(function: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    source = ROOT / "functions" / function / "main.py"
    return subprocess.run(
        [sys.executable, "-c", START, function, str(source)],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def prod() -> list[m.Obj]:
    return m.render("prod")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_it_starts_with_what_the_cluster_sets(prod: list[m.Obj], function: str) -> None:
    started = start(function, cluster_env(prod, function))
    assert started.returncode == 0, started.stderr[-2000:]


def test_without_a_variable_it_needs_it_does_not_start(prod: list[m.Obj]) -> None:
    env = cluster_env(prod, "cart")
    del env["SESSION_SECRET"]
    started = start("cart", env)
    assert started.returncode != 0
    assert "SESSION_SECRET must be set" in started.stderr


def test_a_server_setting_the_cluster_sets_is_checked_at_start(prod: list[m.Obj]) -> None:
    started = start("cart", {**cluster_env(prod, "cart"), "THREADS": "four"})
    assert started.returncode != 0
    assert "THREADS must be a whole number" in started.stderr


def test_a_value_the_cluster_sets_is_checked_at_start(prod: list[m.Obj]) -> None:
    env = {**cluster_env(prod, "shipping"), "MYSQL_PORT": "3306/tcp"}
    started = start("shipping", env)
    assert started.returncode != 0
    assert "MYSQL_PORT must be a whole number" in started.stderr
