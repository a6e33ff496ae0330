"""The nginx template on its own: rendered like `make run` does, checked by `nginx -t`,
and served in front of a stub that echoes what each function would receive."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scripts.stack import ports, processes
from scripts.stack.nginx import (
    TEMPLATE,
    limit_scale,
    nginx_process,
    render,
    render_local,
    scaled,
)
from tests.support import nginx
from tests.support.stack import PUBLIC

pytestmark = pytest.mark.served

NGINX = processes.require("nginx", "apt-get install nginx")


class Echo(BaseHTTPRequestHandler):
    # Keep-alive, as the functions' server does: nginx may reuse a connection. Not
    # pytest-httpserver: werkzeug's server closes every connection, and reuse is tested here.
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        seen = {"path": self.path, "headers": dict(self.headers), "peer": self.client_address}
        body = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def origin_prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nginx-conf")


@pytest.fixture(scope="module")
def origin(echo: str, origin_prefix: Path) -> Iterator[str]:
    """nginx with every function served by the echo stub, except payment: nothing listens."""
    prefix = origin_prefix
    upstreams = {name: echo for name in PUBLIC}
    upstreams["payment"] = f"127.0.0.1:{ports.free_port()}"
    port = ports.free_port()
    process = nginx_process(prefix, port, prefix / "nginx.log", upstreams).start()
    process.wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    process.stop()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_rendered_template_passes_nginx_t(tmp_path: Path) -> None:
    conf = render_local(tmp_path, ports.free_port())
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_kubernetes_values_pass_nginx_t(tmp_path: Path) -> None:
    """Knative host names that don't resolve yet must not stop nginx from starting."""
    conf = render_local(tmp_path, ports.free_port())
    values = {f"{n.upper()}_UPSTREAM": f"{n}.roboshop.svc.cluster.local" for n in PUBLIC}
    values.update(
        NGINX_PORT="8080",
        WEB_ROOT=str(tmp_path),
        RESOLVER="127.0.0.1",
        UPSTREAM_RESOLVE="resolve",
        TRUSTED_PROXY="10.0.0.0/8",
    )
    values = nginx.checkable(values, NGINX)
    (tmp_path / "default.conf").write_text(render(TEMPLATE.read_text(), values))
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_every_placeholder_is_an_environment_name() -> None:
    names = set(re.findall(r"\$\{([^}]*)\}", TEMPLATE.read_text()))
    assert names == {"NGINX_PORT", "WEB_ROOT", "RESOLVER", "UPSTREAM_RESOLVE", "TRUSTED_PROXY"} | {
        f"{n.upper()}_UPSTREAM" for n in PUBLIC
    }


def test_api_prefix_is_stripped_and_the_query_kept(origin: str, echo: str) -> None:
    status, _, body = fetch(f"{origin}/api/ratings/api/fetch/RMC?x=1")
    seen = json.loads(body)
    assert status == 200
    assert seen["path"] == "/api/fetch/RMC?x=1"
    assert seen["headers"]["Host"] == echo  # the Knative ingress routes by this


def test_connections_to_a_function_are_kept_and_reused(origin: str) -> None:
    # One client connection: one nginx worker, whose connections to the function these are
    # (each worker keeps its own).
    client = http.client.HTTPConnection("127.0.0.1", int(origin.rsplit(":", 1)[1]), timeout=10)
    seen = []
    for n in range(5):
        client.request("GET", f"/api/catalogue/x/{n}")
        seen.append(json.loads(client.getresponse().read()))
    client.close()
    assert len({tuple(answer["peer"]) for answer in seen}) == 1
    assert all("Connection" not in answer["headers"] for answer in seen)


def test_request_ids_are_made_and_passed(origin: str) -> None:
    ids = {
        json.loads(fetch(f"{origin}/api/cart/cart/x")[2])["headers"]["X-Request-Id"]
        for _ in range(3)
    }
    assert len(ids) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids)


def test_metrics_are_hidden_and_health_is_not(origin: str) -> None:
    for path in ("/api/catalogue/metrics", "/api/user/metrics/", "/api/cart//metrics"):
        status, headers, body = fetch(origin + path)
        assert status == 404, path
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(body)["error"] == "not_found"
    assert fetch(f"{origin}/api/catalogue/health")[0] == 200


def test_fault_knobs_are_not_public(origin: str) -> None:
    for path in ("/api/shipping/memory", "/api/shipping/free", "/api/shipping//memory/"):
        status, _, body = fetch(origin + path)
        assert status == 404, path
        assert json.loads(body)["error"] == "not_found"
    assert fetch(f"{origin}/api/shipping/codes")[0] == 200


def test_a_function_down_answers_json(origin: str) -> None:
    status, headers, body = fetch(f"{origin}/api/payment/pay/x")
    assert status == 503
    assert headers["Content-Type"].startswith("application/json")
    assert "unavailable" in json.loads(body)["message"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_unknown_api_is_a_json_404(origin: str) -> None:
    status, _, body = fetch(f"{origin}/api/dispatch/health")
    assert status == 404
    assert json.loads(body)["error"] == "not_found"


def test_security_headers(origin: str) -> None:
    _, headers, _ = fetch(f"{origin}/")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Server" not in headers or "/" not in headers["Server"]


def test_caching_and_gzip(origin: str) -> None:
    _, page, _ = fetch(f"{origin}/")
    assert page["Cache-Control"] == "no-cache"
    _, image, _ = fetch(f"{origin}/images/RMC.svg")
    assert "max-age=" in image["Cache-Control"]
    status, script, raw = fetch(f"{origin}/js/app.js", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert script["Content-Encoding"] == "gzip"
    assert b"import" in gzip.decompress(raw)


def test_unknown_product_images_get_the_placeholder(origin: str) -> None:
    status, headers, body = fetch(f"{origin}/images/NO-SUCH-ROBOT.svg")
    assert status == 200
    assert headers["Content-Type"].startswith("image/svg+xml")
    assert b"not drawn yet" in body


def test_unknown_static_paths_are_404(origin: str) -> None:
    assert fetch(f"{origin}/no-such-file.js")[0] == 404


def test_every_robot_has_a_drawing() -> None:
    from scripts.jobs.seed.catalogue import products

    images = TEMPLATE.parents[1] / "static" / "images"
    for product in products():
        drawing = images / f"{product['sku']}.svg"
        assert drawing.exists(), product["sku"]
        assert "<title>" in drawing.read_text()


def raw(origin: str, request: bytes, source: str = "127.0.0.1") -> tuple[int, bytes, bytes]:
    """One request sent as bytes (what urllib would not send); its status, headers, body."""
    port = int(origin.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "error"),
    [
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
        (
            b"POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            405,
            "method_not_allowed",
        ),
        (b"GET /api/cart/" + b"x" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "too_long"),
        (
            b"POST /api/cart/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
            "not_implemented",
        ),
        (
            b"POST /api/cart/x HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n",
            413,
            "too_large",
        ),
    ],
    ids=["400", "405", "414", "501", "413"],
)
def test_nginx_own_errors_are_the_api_json(
    origin: str, request_bytes: bytes, status: int, error: str
) -> None:
    got, head, body = raw(
        origin, request_bytes.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
    )
    assert got == status, head
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["error"] == error
    if status == 405:
        assert b"\r\nAllow: GET, HEAD" in head


def test_personal_answers_are_no_store_and_no_cache_control_is_doubled(origin: str) -> None:
    for path in ("/api/user/uniqueid", "/api/user/history/x", "/api/cart/cart/x"):
        assert fetch(origin + path)[1]["Cache-Control"] == "no-store", path
    _, headers, _ = fetch(f"{origin}/api/catalogue/products")
    assert "Cache-Control" not in headers  # the catalogue sets its own


def test_redirects_name_no_host(origin: str) -> None:
    port = int(origin.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/docs", headers={"Host": "evil.example"})
    answer = connection.getresponse()
    assert answer.status == 301
    assert answer.headers["Location"] == "/docs/"
    connection.close()


def test_a_client_chosen_trace_is_not_passed_on(origin: str) -> None:
    trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    _, _, body = fetch(f"{origin}/api/cart/cart/x", {"traceparent": trace, "tracestate": "a=b"})
    seen = {name.lower() for name in json.loads(body)["headers"]}
    assert "traceparent" not in seen and "tracestate" not in seen


def test_public_health_is_only_an_overall_status(origin: str) -> None:
    status, headers, body = fetch(f"{origin}/api/catalogue/health")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["Content-Type"].startswith("application/json")
    status, headers, body = fetch(f"{origin}/api/payment/health/")  # nothing listens there
    assert (status, json.loads(body)) == (503, {"status": "unavailable"})
    assert headers["Retry-After"] == "1"


def test_logins_over_the_limit_are_429_json_with_retry_after(
    origin: str, origin_prefix: Path
) -> None:
    """The password zone: a burst of 10 and one more, then 429 until the share refills;
    the log says so in its JSON access lines only."""
    statuses = [fetch(f"{origin}/api/user/login")[0] for _ in range(14)]
    assert statuses[:11] == [200] * 11, statuses
    status, headers, body = fetch(f"{origin}/api/user/login")
    assert status == 429
    assert headers["Retry-After"] == "6"
    assert json.loads(body)["error"] == "too_many_requests"
    assert fetch(f"{origin}/api/user/check/x")[0] == 200  # the client's other routes go on
    lines = (origin_prefix / "nginx.log").read_text().splitlines()
    assert not [line for line in lines if "limiting" in line]  # no error-log notice of it
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    logins = [line for line in logged if line["path"] == "/login"]  # the path as passed on
    assert logins[-1]["status"] == 429
    # A share may refill between the requests of a slow run: the refusals are what counts.
    assert {line["limit"] for line in logins if line["status"] == 429} == {"REJECTED"}


@pytest.fixture(scope="module")
def behind_proxy(echo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx trusting the proxy at 127.0.0.3 only."""
    prefix = tmp_path_factory.mktemp("nginx-proxied")
    port = ports.free_port()
    env = {"TRUSTED_PROXY": "127.0.0.3"}
    upstreams = {name: echo for name in PUBLIC}
    process = nginx_process(prefix, port, prefix / "nginx.log", upstreams, env).start()
    process.wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    process.stop()


def seen_through(origin: str, source: str) -> tuple[dict[str, str], bytes]:
    forwarded = b"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n"
    request = b"GET /api/cart/cart/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + forwarded
    _, head, body = raw(origin, request + b"\r\n", source)
    return json.loads(body)["headers"], head


def test_a_trusted_proxy_gives_the_client_address_and_https(behind_proxy: str) -> None:
    headers, head = seen_through(behind_proxy, "127.0.0.3")
    assert headers["X-Real-IP"] == "203.0.113.9"
    assert headers["X-Forwarded-Proto"] == "https"
    assert b"\r\nStrict-Transport-Security: max-age=" in head


def test_anyone_else_forwarding_is_not_believed(behind_proxy: str, origin: str) -> None:
    for served in (behind_proxy, origin):
        headers, head = seen_through(served, "127.0.0.1")
        assert headers["X-Real-IP"] == "127.0.0.1"
        assert headers["X-Forwarded-Proto"] == "http"
        assert b"Strict-Transport-Security" not in head


def test_the_limit_scale_multiplies_rates_bursts_and_connections() -> None:
    conf = "rate=10r/m; burst=5 nodelay; limit_conn roboshop_conn 32; worker_connections 8192;"
    assert scaled(conf, 100) == (
        "rate=1000r/m; burst=500 nodelay; limit_conn roboshop_conn 3200; worker_connections 8192;"
    )
    assert "limit_conn roboshop_conn 65535;" in scaled(conf, 10_000)  # nginx's most
    assert limit_scale({}) == 1
    with pytest.raises(ValueError, match="NGINX_LIMIT_SCALE"):
        limit_scale({"NGINX_LIMIT_SCALE": "0.5"})
