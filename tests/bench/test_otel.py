"""scripts/otel.py (what `make bench` calls for tracing's cold-start cost): each set-up
loads what it says, and every run answers; the figures themselves are the bench's."""

from __future__ import annotations

from scripts.bench import otel


def test_each_setup_loads_opentelemetry_only_when_it_should() -> None:
    lean, installed, exporting = (otel._run("catalogue", s) for s in otel.SETUPS)
    assert not lean["sdk"] and not installed["sdk"]
    assert exporting["sdk"]
    assert {lean["status"], installed["status"], exporting["status"]} == {200}


def test_measure_gives_one_figure_a_setup() -> None:
    figures = otel.measure("catalogue", runs=1)
    assert [f.setup for f in figures] == list(otel.SETUPS)
    assert all(f.ms > 0 and f.rss_mib > 0 for f in figures)
