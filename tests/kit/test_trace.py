"""W3C trace context without an exporter: ids made by the kit, carried on to peers and into
events, and the OpenTelemetry SDK never imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kit import _trace, events, peers
from scripts.stack.processes import ROOT
from tests.support.settings import restart_with
from tests.support.stub import Reply, stub_server

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "00-" + "0" * 32 + "-b7ad6b7169203331-01",  # all-zero trace id: invalid
        "00-0af7651916cd43dd8448eb211c80319c-" + "0" * 16 + "-01",
        "00-0AF7651916CD43DD8448EB211C80319Cx-b7ad6b7169203331-01",
    ],
)
def test_a_malformed_parent_starts_a_new_trace(value: str) -> None:
    with _trace.server("sample", "GET", value) as span:
        assert len(span.ids.trace_id) == 32 and span.ids.trace_id != "0" * 32
        assert span.ids.trace_id != "0af7651916cd43dd8448eb211c80319c"


def test_a_request_continues_its_callers_trace_with_a_span_of_its_own() -> None:
    with _trace.server("sample", "GET", PARENT) as span:
        assert span.ids.trace_id == "0af7651916cd43dd8448eb211c80319c"
        assert span.ids.span_id != "b7ad6b7169203331"
        assert _trace.current_traceparent() == span.ids.traceparent
    assert _trace.current_traceparent() == ""


def test_peer_calls_carry_the_trace_on(monkeypatch: pytest.MonkeyPatch) -> None:
    with stub_server(lambda seen: Reply(200, {})) as stub:
        restart_with(monkeypatch, CATALOGUE_URL=stub.url)
        with _trace.server("sample", "GET", PARENT) as span:
            peers.call("catalogue", "GET", "/products")
    (seen,) = stub.seen
    assert seen.headers["traceparent"] == span.ids.traceparent


def test_events_carry_the_trace_in_their_extension_unsigned() -> None:
    with _trace.server("sample", "POST", PARENT) as span:
        event = events.signed(events.make_event(events.ORDER_PLACED, "/test", {"orderid": "o"}))
    headers, _ = events.to_binary(event)
    assert headers["ce-traceparent"] == span.ids.traceparent
    # A hop that gives the event a span of its own leaves the signature good.
    event["traceparent"] = PARENT
    events.check_signature(event)
    assert "traceparent" not in str(event[events.SIGNATURE]).split(";")[0]


def sample_in_a_fresh_process(code: str, env: dict[str, str]) -> list[str]:
    """What `code` prints, run with the sample function's source and PARENT as arguments in
    an interpreter that has imported nothing yet; its lines."""
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "tests/kit/sample/main.py"), PARENT],
        # The sample consumes events: it needs a session secret.
        env={"PATH": "", "SESSION_SECRET": "s" * 40, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


LOADED_OPENTELEMETRY = (
    "print(json.dumps(sorted(m for m, v in sys.modules.items()"
    " if m.startswith('opentelemetry') and v is not None)))\n"
)


def test_without_an_endpoint_opentelemetry_is_never_imported() -> None:
    """A function that served requests and called a peer, with OTEL_* unset; and redis-py,
    which would load OpenTelemetry's metrics wherever they are installed."""
    code = (
        "import json, sys, functions_framework\n"
        "app = functions_framework.create_app(target='sample', source=sys.argv[1])\n"
        "client = app.test_client()\n"
        "client.get('/items/3', headers={'traceparent': sys.argv[2]})\n"
        "client.get('/health')\n"
        "import redis\n" + LOADED_OPENTELEMETRY
    )
    printed = sample_in_a_fresh_process(code, {"LOG_LEVEL": "error"})
    assert json.loads(printed[-1]) == []


def test_exporting_lets_opentelemetrys_metrics_back_in() -> None:
    """What the kit keeps out until spans are exported is importable once they are."""
    code = (
        "import json, sys\n"
        "from kit import _otel\n"
        "import redis\n"
        "_otel._setup('sample')\n"
        "import opentelemetry.metrics, opentelemetry.sdk.metrics\n" + LOADED_OPENTELEMETRY
    )
    env = {"LOG_LEVEL": "error", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    loaded = json.loads(sample_in_a_fresh_process(code, env)[-1])
    assert {"opentelemetry.metrics", "opentelemetry.sdk.metrics", "opentelemetry.sdk.trace"} <= set(
        loaded
    )


def test_an_endpoint_without_opentelemetry_installed_logs_ids_and_exports_nothing() -> None:
    """An image built without TRACING=otel, in a namespace whose config sets the endpoint."""
    code = (
        "import json, sys\n"
        "sys.modules['opentelemetry'] = None  # as if not installed: every import of it fails\n"
        "import functions_framework\n"
        "app = functions_framework.create_app(target='sample', source=sys.argv[1])\n"
        "answer = app.test_client().get('/items/3', headers={'traceparent': sys.argv[2]})\n"
        "print(json.dumps([answer.status_code, answer.headers['X-Trace-Id']]))\n"
    )
    env = {"LOG_LEVEL": "warning", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    *logged, answer = sample_in_a_fresh_process(code, env)
    assert json.loads(answer) == [200, PARENT.split("-")[1]]
    warnings = [json.loads(line)["message"] for line in logged]
    assert any("has no OpenTelemetry" in message for message in warnings), logged
