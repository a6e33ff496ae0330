"""kit.flags: flagd-format files read through OpenFeature, switched while the process runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kit import flags
from scripts.ops import chaos
from scripts.stack.processes import ROOT
from scripts.stack.wait import until
from tests.support.settings import restart_with


def write(path: Path, document: dict[str, Any]) -> None:
    chaos.save(path, document)


@pytest.fixture
def flags_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "flags.json"
    restart_with(monkeypatch, FLAGS_FILE=str(path))
    monkeypatch.setattr(flags, "_flags", flags._Flags())
    return path


def seconds_until(read: Callable[[], Any], expected: Any, seconds: float = 3) -> float:
    """How long until `read()` gives `expected`."""
    started = time.monotonic()
    until(read, seconds, f"the flag to read {expected!r}", done=lambda value: value == expected)
    return time.monotonic() - started


def test_no_file_gives_the_defaults(flags_file: Path) -> None:
    assert flags.integer("payment-failure-percent", 7) == 7
    assert flags.boolean("payment-unreachable") is False
    assert flags.mapping("catalogue-slow-product", {"sku": "x"}) == {"sku": "x"}


def test_a_switch_is_seen_within_a_second_without_a_restart(flags_file: Path) -> None:
    document = chaos.all_off()
    write(flags_file, document)
    assert flags.integer("payment-failure-percent", 0) == 0
    chaos.switch(document, "payment-failure", True, "30")
    write(flags_file, document)
    seen_after = seconds_until(lambda: flags.integer("payment-failure-percent", 0), 30)
    assert seen_after <= flags.CHECK_EVERY_SECONDS + 0.5
    chaos.switch(document, "catalogue-slow", True, "STAN-1:1500")
    write(flags_file, document)
    seconds_until(
        lambda: flags.mapping("catalogue-slow-product", {}), {"sku": "STAN-1", "ms": 1500}
    )
    write(flags_file, chaos.all_off())
    seconds_until(lambda: flags.integer("payment-failure-percent", 0), 0)


def test_disabled_missing_and_mistyped_flags_give_the_default(flags_file: Path) -> None:
    document = chaos.all_off()
    chaos.switch(document, "payment-failure", True, None)
    document["flags"]["payment-failure-percent"]["state"] = "DISABLED"
    document["flags"]["dispatch-error-percent"]["variants"]["off"] = "lots"
    write(flags_file, document)
    assert flags.integer("payment-failure-percent", 3) == 3
    assert flags.integer("dispatch-error-percent", 4) == 4
    assert flags.integer("no-such-flag", 5) == 5


def test_a_broken_file_keeps_the_flags_it_had(flags_file: Path) -> None:
    document = chaos.all_off()
    chaos.switch(document, "dispatch-error", True, "20")
    write(flags_file, document)
    assert flags.integer("dispatch-error-percent", 0) == 20
    flags_file.write_text('{"flags": {"dispatch-error-perc')
    time.sleep(flags.CHECK_EVERY_SECONDS + 0.1)
    assert flags.integer("dispatch-error-percent", 0) == 20


def test_a_function_without_a_flags_file_never_imports_the_sdk(tmp_path: Path) -> None:
    probe = (
        "import sys; from kit import flags;"
        "assert flags.integer('payment-failure-percent', 1) == 1;"
        "print('openfeature' in sys.modules)"
    )
    env = {"FLAGS_FILE": str(tmp_path / "none.json"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True)
    assert out.stdout.strip() == b"False", out.stderr


def test_every_flag_the_code_reads_is_a_scenario() -> None:
    read = set()
    for source in (ROOT / "functions").rglob("*.py"):
        read |= set(
            re.findall(r'flags\.(?:integer|boolean|mapping)\(\s*"([a-z-]+)"', source.read_text())
        )
    read |= set(
        re.findall(
            r'flags\.boolean\("([a-z-]+)"\)', (ROOT / "scripts/stack/broker/ingress.py").read_text()
        )
    )
    assert read == {scenario.flag for scenario in chaos.SCENARIOS.values()}


def test_the_clusters_configmap_holds_every_scenario_off() -> None:
    committed = json.loads((ROOT / "knative/base/chaos/flags.json").read_text())
    assert committed == chaos.all_off()


def test_the_cli_switches_one_scenario_and_all_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "flags.json"
    assert chaos.main(["--file", str(path), "payment-failure", "on", "90"]) == 0
    assert chaos.is_on(chaos.load(path), "payment-failure") == 90
    assert chaos.main(["--file", str(path), "catalogue-slow", "on"]) == 0
    assert chaos.is_on(chaos.load(path), "catalogue-slow") == {"sku": "RMC", "ms": 3000}
    assert chaos.main(["--file", str(path), "payment-failure", "off"]) == 0
    assert chaos.is_on(chaos.load(path), "payment-failure") is None
    assert chaos.main(["--file", str(path), "all", "off"]) == 0
    assert chaos.load(path) == chaos.all_off()
    assert "payment-failure" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        chaos.main(["--file", str(path), "payment-failure", "on", "250"])
