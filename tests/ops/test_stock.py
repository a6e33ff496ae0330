"""`python -m scripts.ops.stock` on a real store (the session's MongoDB-wire server), and the
line it runs on a cluster."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalogue import store
from kit import stores
from scripts.jobs.seed import catalogue as seed_catalogue
from scripts.ops import stock as cli
from tests.support.settings import restart_with


@pytest.fixture
def catalogue(mongo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A seeded catalogue of the test's own (no other suite's stock changes)."""
    restart_with(
        monkeypatch, DATA_NAMESPACE=f"{os.environ['DATA_NAMESPACE']}{uuid.uuid4().hex[:6]}_"
    )
    seed_catalogue.seed()
    try:
        yield
    finally:
        stores.mongo().get().drop_database(store.collection().database.name)


def test_lists_every_robot_and_its_stock(
    catalogue: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("stock in mongodb://") and out[0].endswith("catalogue.products):")
    rows = dict(line.split() for line in out[1:])
    assert len(rows) == 11
    assert (rows["EPE"], rows["STAN-1"], rows["CNA"]) == ("1", "1000", "0")


def test_sets_a_robots_stock(catalogue: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["EPE", "3"]) == 0
    assert capsys.readouterr().out == "EPE: 3 in stock\n"
    assert store.stock_of("EPE") == 3
    assert cli.main(["EPE", "0"]) == 0
    assert store.stock_of("EPE") == 0


def test_an_unknown_robot_changes_nothing(
    catalogue: None, capsys: pytest.CaptureFixture[str]
) -> None:
    before = store.stock()
    assert cli.main(["NOPE", "3"]) == 1
    assert "no robot NOPE" in capsys.readouterr().err
    assert store.stock() == before


@pytest.mark.parametrize("args", [["EPE"], ["EPE", "-1"], ["EPE", "1.5"], ["bad sku", "1"]])
def test_bad_arguments_are_refused(catalogue: None, args: list[str]) -> None:
    before = store.stock()
    with pytest.raises(SystemExit) as refused:
        cli.main(args)
    assert refused.value.code == 2
    assert store.stock() == before


def test_on_a_cluster_it_runs_mongosh_in_the_mongodb_pod() -> None:
    target = cli.Kubectl("shop", "catalogue")
    line = target.command(target.set_script("EPE", 3))
    assert line[:9] == ["kubectl", "-n", "shop", "exec", "mongodb-0", "-c", "mongodb", "--", "sh"]
    assert not any("PASSWORD=" in part for part in line)  # read in the pod, not sent
    assert "NumberInt(3)" in line[-1] and '{sku: "EPE"}' in line[-1]
    assert 'NumberLong("3000000000")' in target.set_script("EPE", 3_000_000_000)


def test_the_pods_shell_hands_mongosh_the_script_whole(tmp_path: Path) -> None:
    """The `sh -c` part of the line, run here with a mongosh that prints what it was given:
    the root login from the pod's environment, and the script as one argument."""
    fake = tmp_path / "mongosh"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    target = cli.Kubectl("shop", "catalogue")
    script = target.list_script()
    shell = target.command(script)[8:]
    env = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "MONGO_INITDB_ROOT_USERNAME": "root",
        "MONGO_INITDB_ROOT_PASSWORD": "it's a 'secret'",
    }
    given = subprocess.run(shell, env=env, capture_output=True, text=True, check=True)
    args = given.stdout.splitlines()
    assert args[args.index("-u") + 1] == "root"
    assert args[args.index("-p") + 1] == "it's a 'secret'"
    assert args[-1] == script


@pytest.mark.parametrize("script", ["list", "set"])
def test_the_mongosh_scripts_are_javascript(script: str, tmp_path: Path) -> None:
    target = cli.Kubectl("shop", "catalogue")
    source = target.list_script() if script == "list" else target.set_script("EPE", 3)
    path = tmp_path / "script.js"
    path.write_text(source)
    checked = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert json.dumps("catalogue") in source
