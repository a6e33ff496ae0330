"""The demo accounts, whose passwords are published, are seeded only where that is asked for."""

from __future__ import annotations

import pytest

from knative.checks import manifests as m
from scripts.jobs.seed import users as seed_users
from scripts.stack import run
from user import store

DEMO_NAMES = [name for name, _, _ in seed_users.DEMO_USERS]


@pytest.fixture
def empty_users(mongo_url: str) -> None:
    store.users().delete_many({"name": {"$in": DEMO_NAMES}})


def _demo_users() -> int:
    return store.users().count_documents({"name": {"$in": DEMO_NAMES}})


def test_without_the_switch_no_demo_account_is_made(
    empty_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(seed_users.SWITCH, raising=False)
    assert seed_users.seed() == 0
    monkeypatch.setenv(seed_users.SWITCH, "false")
    assert seed_users.seed() == 0
    assert _demo_users() == 0


def test_the_switch_makes_them(empty_users: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(seed_users.SWITCH, "true")
    assert seed_users.seed() == 3
    assert _demo_users() == 3


def test_a_switch_that_is_neither_true_nor_false_stops_the_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(seed_users.SWITCH, "yes please")
    with pytest.raises(SystemExit, match="SEED_DEMO_USERS must be true or false"):
        seed_users.seed()


def _switch(overlay: str) -> str | None:
    (job,) = [o for o in m.render(overlay) if o["kind"] == "Job" and m.name_of(o) == "seed-users"]
    env = job["spec"]["template"]["spec"]["containers"][0].get("env", [])
    return next((item.get("value") for item in env if item["name"] == seed_users.SWITCH), None)


def test_only_the_dev_overlay_and_make_run_ask_for_them() -> None:
    assert _switch("prod") == "false"
    assert _switch("dev") == "true"
    assert run.LOCAL_ONLY[seed_users.SWITCH] == "true"


def _demo_logins(overlay: str) -> str:
    (config,) = [
        o
        for o in m.render(overlay)
        if o["kind"] == "ConfigMap" and m.name_of(o).startswith("roboshop-config-")
    ]
    return str(config["data"]["DEMO_ACCOUNTS"])


def test_only_the_dev_overlay_and_make_run_let_them_log_in() -> None:
    assert _demo_logins("prod") == "refused"
    assert _demo_logins("dev") == "allowed"
    assert run.LOCAL_ONLY["DEMO_ACCOUNTS"] == "allowed"
