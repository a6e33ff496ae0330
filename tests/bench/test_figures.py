"""The pure part of `make bench`: medians, ratios, targets, wrk's report, /proc lines, the
ledger, the table and the JSON."""

from __future__ import annotations

import json

import pytest

from scripts.bench import figures as f

WRK_REPORT = """\
Running 2s test @ http://127.0.0.1:8080/products
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.18ms    3.02ms  41.33ms   83.12%
    Req/Sec   878.40     61.27     0.98k    70.00%
  Latency Distribution
     50%    8.62ms
     75%   10.05ms
     90%   12.40ms
     99%  812.00us
  1757 requests in 2.00s, 1.71MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    877.96
Transfer/sec:    874.65KB
"""


def test_wrk_report_is_read_with_its_units_and_failures() -> None:
    run = f.parse_wrk(WRK_REPORT)
    assert run.requests == 1757 and run.seconds == 2.0
    assert run.per_second == 877.96
    assert run.p50_ms == 8.62 and run.p99_ms == pytest.approx(0.812)
    assert run.non_2xx == 4 and run.socket_errors == 3


def test_a_report_with_nothing_failed_and_seconds_latency() -> None:
    quiet = WRK_REPORT.replace("  Socket errors: connect 0, read 1, write 0, timeout 2\n", "")
    quiet = quiet.replace("  Non-2xx or 3xx responses: 4\n", "").replace(
        "99%  812.00us", "99%    1.50s"
    )
    run = f.parse_wrk(quiet)
    assert run.non_2xx == 0 and run.socket_errors == 0 and run.p99_ms == 1500.0


def test_what_is_not_a_wrk_report_is_refused() -> None:
    with pytest.raises(ValueError, match="not a wrk report"):
        f.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_medians_and_ratios() -> None:
    assert f.median([3.0, 1.0, 2.0]) == 2.0
    assert f.median([1.0, 2.0, 3.0, 10.0]) == 2.5
    assert f.ratio(150.0, 100.0) == 1.5
    assert f.ratio(1.0, 3.0) == 0.333
    assert f.ratio(5.0, 0.0) == 0.0  # nothing completed: no target accepts it
    with pytest.raises(ValueError):
        f.median([])


def test_targets_judge_the_ratio_or_what_they_are_given() -> None:
    at_least = f.Target(f.AT_LEAST, 1.5)
    assert at_least.met(1.5) and not at_least.met(1.49)
    assert f.Target(f.AT_MOST, 50, "MiB").met(50) and not f.Target(f.BELOW, 2, "s").met(2)
    assert str(at_least) == ">= 1.5 x R1"
    by_ratio = f.Figure("catalogue", "products", 900, "req/s", ratio=1.6, target=at_least)
    assert by_ratio.met is True
    judged = f.Figure("memory", "user PSS", 60, "MiB", ratio=1.1, judged=60,
                      target=f.Target(f.AT_MOST, 50, "MiB"))  # fmt: skip
    assert judged.met is False
    assert f.Figure("shipping", "match", 300, "req/s", ratio=0.3).met is None


def test_cpu_ticks_add_user_system_and_reaped_children() -> None:
    # The command name holds a space and a parenthesis; fields 14-17 are the four times.
    stat = "4242 (gunicorn: (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 25 7 3 20 0 5 0"
    assert f.cpu_ticks(stat) == 150 + 25 + 7 + 3


def test_memory_lines_of_proc() -> None:
    status = "Name:\tpython\nVmRSS:\t   81234 kB\nThreads:\t5\n"
    assert f.memory_kib(status, "VmRSS") == 81234
    assert f.memory_kib("Rss: 10 kB\nPss:  5120 kB\n", "Pss") == 5120
    assert f.memory_kib(status, "Pss") == 0


def test_the_ledger_finds_lost_and_duplicated_orders() -> None:
    book = f.ledger(["a", "b", "c"], ["a", "a", "c", "d"])
    assert (book.placed, book.dispatched, book.lost, book.duplicated) == (3, 3, 1, 1)
    assert f.ledger(["a"], ["a"]) == f.Ledger(1, 1, 0, 0)


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert f.percentile(values, 0.99) == 99.0
    assert f.percentile(values, 0.5) == 50.0
    assert f.percentile([7.0], 0.99) == 7.0


def sample() -> list[f.Figure]:
    return [
        f.Figure("catalogue", "R1 hello world", 1000, "req/s", ratio=1.0, cpu_ms=0.5),
        f.Figure("catalogue", "R2 Flask on granian", 2000, "req/s", ratio=2.0, cpu_ms=0.25),
        f.Figure("catalogue", "products", 1600, "req/s", ratio=1.6, cpu_ms=0.31, p50_ms=4.2,
                 p99_ms=9.9, target=f.Target(f.AT_LEAST, 1.5), floor="R2", floor_ratio=0.8,
                 cpu_above_floor_ms=0.06),
        f.Figure("catalogue", "products via nginx", 1200, "req/s", ratio=1.2, judged=0.75,
                 target=f.Target(f.AT_LEAST, 0.8, "x direct")),
    ]  # fmt: skip


def test_the_table_puts_each_figure_beside_its_target() -> None:
    lines = f.table(sample()).splitlines()
    assert lines[0].startswith("| section | figure | value | x R1 | x floor |")
    assert len(lines) == 2 + 4
    assert "| 2000.00 req/s | 2.00 | - |" in lines[3]
    assert (
        "| 1600.00 req/s | 1.60 | 0.80 x R2 | 4.20 | 9.90 | 0.310 | 0.060 | >= 1.5 x R1 | met |"
        in lines[4]
    )
    assert ">= 0.8 x direct (judged 0.75) | NOT MET |" in lines[5]
    assert lines[2].endswith("| - |  |  |")


def test_the_summary_names_what_is_not_met() -> None:
    assert f.summary(sample()) == ("1 of 2 targets met: not met - catalogue products via nginx")


def test_the_json_holds_every_figure_with_its_verdict() -> None:
    document = json.loads(f.to_json(sample(), {"seconds": 12.5}))
    assert document["seconds"] == 12.5
    rows = {row["name"]: row for row in document["figures"]}
    assert rows["products"]["met"] is True and rows["products"]["target"] == ">= 1.5 x R1"
    assert rows["products"]["floor"] == "R2" and rows["products"]["floor_ratio"] == 0.8
    assert rows["R1 hello world"]["met"] is None and rows["R1 hello world"]["target"] is None
