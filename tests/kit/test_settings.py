"""kit.settings: typed variables read at start, a bad value named, the configuration page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import FrozenInstanceError, dataclass
from pathlib import Path
from typing import Annotated

import pytest

from kit._errors import ConfigError
from kit.settings import About, Settings
from scripts.docs import settings_table
from scripts.stack.processes import ROOT
from tests.support.functions import create_app


@dataclass(frozen=True)
class ExampleSettings(Settings):
    example_token: Annotated[str, About("must be set", min_chars=4)]
    example_limit_ms: Annotated[int, About("a bounded number", minimum=1)] = 250
    example_ratio: Annotated[float, About("")] = 0.5
    example_switch: Annotated[bool, About("")] = False


def test_defaults_and_values_from_the_environment() -> None:
    loaded = ExampleSettings.load(
        {"EXAMPLE_TOKEN": "abcd", "EXAMPLE_RATIO": "0.25", "EXAMPLE_SWITCH": "yes"}
    )
    assert loaded == ExampleSettings("abcd", 250, 0.25, True)
    assert ExampleSettings.current() is loaded
    with pytest.raises(FrozenInstanceError):
        loaded.example_limit_ms = 1  # type: ignore[misc]


def test_an_empty_value_is_the_default() -> None:
    assert (
        ExampleSettings.load({"EXAMPLE_TOKEN": "abcd", "EXAMPLE_LIMIT_MS": ""}).example_limit_ms
        == 250
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"EXAMPLE_TOKEN": ""}, "EXAMPLE_TOKEN must be set"),
        ({"EXAMPLE_TOKEN": "abc"}, "EXAMPLE_TOKEN must be set to 4+ random characters"),
        ({"EXAMPLE_LIMIT_MS": "1s"}, "EXAMPLE_LIMIT_MS must be a whole number, not '1s'"),
        ({"EXAMPLE_LIMIT_MS": "0"}, "EXAMPLE_LIMIT_MS must be at least 1, not '0'"),
        ({"EXAMPLE_RATIO": "half"}, "EXAMPLE_RATIO must be a number, not 'half'"),
        ({"EXAMPLE_SWITCH": "maybe"}, "EXAMPLE_SWITCH must be true or false, not 'maybe'"),
    ],
)
def test_a_value_that_cannot_be_used_is_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        ExampleSettings.load({"EXAMPLE_TOKEN": "abcd", **environ})
    assert str(refused.value) == message


def test_a_function_with_a_bad_value_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CART_TTL_SECONDS", "1h")
    with pytest.raises(ConfigError, match="CART_TTL_SECONDS must be a whole number"):
        create_app("cart")


def test_served_it_exits_with_one_json_line_naming_the_variable() -> None:
    env = {
        "PATH": os.environ["PATH"],
        "FUNCTION": "cart",
        "SOURCE": str(ROOT / "functions" / "cart" / "main.py"),
        "SESSION_SECRET": "s" * 40,
        "CART_CHECKOUT_HOLD_SECONDS": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "kit.serve"],
        cwd=ROOT / "functions",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [line["error"] for line in lines] == [
        "CART_CHECKOUT_HOLD_SECONDS must be at least 1, not '0'"
    ]
    assert "Traceback" not in done.stderr


def test_the_refusal_is_the_containers_termination_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kit import serve

    mounted = tmp_path / "termination-log"
    mounted.write_text("")
    monkeypatch.setattr(serve, "TERMINATION_LOG", str(mounted))
    with pytest.raises(SystemExit) as stopped:
        serve.refuse(ConfigError("CART_TTL_SECONDS must be a whole number, not '1h'"))
    assert stopped.value.code == 2
    assert mounted.read_text() == "CART_TTL_SECONDS must be a whole number, not '1h'"
    monkeypatch.setattr(serve, "TERMINATION_LOG", str(tmp_path / "absent"))
    with pytest.raises(SystemExit):
        serve.refuse(ConfigError("PORT must be 1 to 65535, not '0'"))
    assert not (tmp_path / "absent").exists()  # nothing made where no kubelet mounted one


def test_a_store_the_function_depends_on_is_checked_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", "127.0.0.1:6379")  # no scheme: redis-py would refuse it later
    with pytest.raises(ConfigError, match="REDIS_URL must be a `redis://`"):
        create_app("cart")


def test_a_store_the_function_does_not_use_cannot_stop_it(
    monkeypatch: pytest.MonkeyPatch, mongo_url: str
) -> None:
    """MYSQL_PORT is in the ConfigMap every function reads: a typo there stops only
    shipping and ratings, not all eight."""
    monkeypatch.setenv("MYSQL_PORT", "3306/tcp")
    assert create_app("catalogue").test_client().get("/health").status_code == 200
    with pytest.raises(ConfigError, match="MYSQL_PORT must be a whole number"):
        create_app("shipping")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LOG_LEVEL", "verbose", "LOG_LEVEL must be one of `debug`"),
        ("CART_URL", "http://cart:80a", "CART_URL must be a `http://` or `https://` URL"),
        ("K_SINK", "broker:8080", "K_SINK must be a `http://` or `https://` URL"),
    ],
)
def test_a_shared_value_that_cannot_be_used_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app("payment")


def test_a_url_refused_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store's URL may carry its password: the refusal names the variable only."""
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2-secret@redis:6379x/0")
    with pytest.raises(ConfigError) as refused:
        create_app("cart")
    assert "hunter2" not in str(refused.value)


def test_the_configuration_page_is_the_settings() -> None:
    assert settings_table.PAGE.read_text() == settings_table.page(), (
        f"{settings_table.PAGE.name} differs from the settings: run `{settings_table.COMMAND}`"
    )


def test_who_reads_a_variable_is_found_from_the_code(tmp_path: Path) -> None:
    """A new function's dependencies put it in the table by themselves."""
    functions = tmp_path / "functions"
    shutil.copytree(ROOT / "functions", functions, ignore=shutil.ignore_patterns("__pycache__"))
    (functions / "wishlist").mkdir()
    (functions / "wishlist" / "main.py").write_text(
        "from kit import FunctionApp, sessions, stores\n"
        'app = FunctionApp("wishlist", dependencies=[stores.redis])\n'
        "def wishes(request):\n"
        "    sessions.require_user(request, 'someone')\n"
    )
    before, after = settings_table.read_by_variable(), settings_table.read_by_variable(functions)
    assert after["REDIS_URL"].split(", ") == sorted([*before["REDIS_URL"].split(", "), "wishlist"])
    assert "wishlist" in after["SESSION_SECRET"].split(", ")
    assert after["MONGO_URL"] == before["MONGO_URL"]
    assert before["LOG_LEVEL"] == after["LOG_LEVEL"] == "every function"
    assert before["CART_URL"].endswith(", the dev broker")  # a Trigger delivers to cart
    assert after["PORT"] == "every function's server (kit.serve)"


def test_every_variable_the_cluster_sets_for_a_function_is_read() -> None:
    """A renamed variable left in the ConfigMap would silently stop configuring anything."""
    known = {v.name for cls in _all_settings() for v in cls.variables()}
    env_file = ROOT / "knative" / "base" / "config" / "roboshop.env"
    names = {
        line.partition("=")[0]
        for line in env_file.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert names - known == set()


def _all_settings() -> list[type[Settings]]:
    settings_table.variables()  # imports every settings module
    from kit import settings

    return [cls for cls in settings.classes() if not cls.__module__.startswith("tests.")]


def test_settings_table_lists_every_class(tmp_path: Path) -> None:
    names = set(settings_table.read_by_variable())
    assert {v.name for cls in _all_settings() for v in cls.variables()} <= names


def test_the_page_names_every_variable_the_tooling_reads() -> None:
    """The tools (make run, seeding, backups, invoke) read a few variables of their own."""
    from knative.checks import codeenv

    modules = codeenv.load_modules(ROOT / "scripts")
    read = {r.name for m in modules.values() for unit in m.units.values() for r in unit.reads}
    named = {v.name for v in settings_table.variables()}
    named |= {name for row in settings_table.TOOLING for name in row.names}
    assert read - named - {"PATH"} == set()
