"""schemathesis against the whole shop through nginx, from web/openapi.yaml.

Every operation gets generated requests, valid and invalid (`make test`: FUZZ_EXAMPLES per
operation, a bounded budget; `make fuzz`: many more), and the stateful run follows the
description's links (a new anonymous id -> its cart -> shipping -> pay; register -> login
-> the user's cart and history), keeping the session cookie as a browser would. Every
answer must be no 5xx, be declared for its operation (status, media type, body, headers)
and give nothing away: no stack trace, no driver or framework name, no file path or
internal address (`no_internal_detail`).

A valid request (by the description) is never refused as malformed: a 400 to one fails
(`valid_data_is_not_malformed`) unless its refusal depends on state no schema can say
(STATE_REFUSALS); its anonymous ids are ones the shop issued. Not run:
`negative_data_rejection`: the API is lenient for classic clients where the description
is strict for readers (an email is trimmed before it is checked).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from requests.adapters import HTTPAdapter
from schemathesis.specs.openapi import checks as openapi_checks

from kit import namespaced, stores
from kit.sessions import ANONYMOUS_PREFIX
from scripts.stack.processes import ROOT
from scripts.stack.shop import Stack
from tests.contract.spec import SPEC_FILE
from tests.origin.conftest import new_address
from tests.support.accounts import issued_anonymous_id
from tests.support.stack import SESSION_SECRET

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
STATEFUL_JOURNEYS = int(os.environ.get("FUZZ_JOURNEYS", "15"))

# What an answer must never show a client: how the shop is built inside.
INTERNAL_DETAIL = re.compile(
    "|".join(
        [
            r"Traceback \(most recent call last\)",
            r'File "[^"]+", line \d+',
            re.escape(str(ROOT)),
            r"\b(pymongo|pymysql|redis\.exceptions|urllib3|werkzeug|gunicorn|granian|flask|bson)\b",
            r"\b(ConnectionError|TimeoutError|OperationalError|KeyError|TypeError|ValueError)\b",
            r"127\.0\.0\.1:\d+",
            r"scrypt[$:]",
            r"nginx/\d",
        ]
    ),
    re.IGNORECASE,
)


@schemathesis.check
def no_internal_detail(ctx: Any, response: Any, case: Any) -> bool | None:
    found = INTERNAL_DETAIL.search(response.text or "")
    if found:
        raise AssertionError(f"the answer shows {found.group(0)!r}: {response.text[:300]!r}")
    return None


# 400s a request the description calls valid may still get, by operation: what they
# refuse depends on the shop's state, which no schema can say. Any other 400 to a valid
# request means the description is looser than the server.
STATE_REFUSALS = {
    "*": {"unknown_anonymous_id"},  # whether the shop issued the id
    "confirmShipping": {"unknown_location"},  # whether it ships to a city of that name
    "pay": {"cart_not_valid"},  # whether there is a cart with shipping to pay
    "addToCart": {"invalid_qty"},  # what the line already holds: 1000 in all at most
}


@schemathesis.check
def valid_data_is_not_malformed(ctx: Any, response: Any, case: Any) -> bool | None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    allowed = STATE_REFUSALS["*"] | STATE_REFUSALS.get(
        case.operation.definition.raw.get("operationId", ""), set()
    )
    if response.status_code == 400 and error_code(response) not in allowed:
        raise AssertionError(f"the description admits what the server refuses: {response.text}")
    return None


def error_code(response: Any) -> object:
    try:
        return response.json().get("error")
    except ValueError:
        return None


CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    no_internal_detail,
    valid_data_is_not_malformed,
]


class FromAddress(HTTPAdapter):
    """Connections from a loopback address of the fuzzer's own: its failed logins throttle
    itself (per client address), never the browser suites' 127.0.0.1."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def fuzz_session() -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(new_address()))
    return session


schema = schemathesis.openapi.from_path(SPEC_FILE)
schema.config.update(request_timeout=35)


@pytest.fixture(scope="module")
def origin(stack: Stack) -> Iterator[str]:
    """nginx of the whole-shop stack; the fuzzer's failed logins are forgotten after."""
    yield stack.nginx_url
    redis = stores.redis().get()
    keys = list(redis.scan_iter(match=namespaced("login-throttle:*"), count=1000))
    if keys:
        redis.delete(*keys)


@pytest.fixture(scope="module")
def session() -> requests.Session:
    return fuzz_session()


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=os.environ.get("FUZZ_SEED") is None,
    database=None,
)
def test_every_operation(case: Any, origin: str, session: requests.Session) -> None:
    if case.meta is not None and case.meta.generation.mode.is_positive:
        issue_anonymous_ids(case)
    case.call_and_validate(base_url=origin, session=session, checks=CHECKS)


def issue_anonymous_ids(case: Any) -> None:
    """Each `anonymous-...` of a valid case made one the shop issued (signed with the
    stack's secret), so the cart, payment and ratings logic behind the id check is fuzzed."""
    for values in (case.path_parameters, case.headers):
        for key, value in (values or {}).items():
            if isinstance(value, str) and value.startswith(ANONYMOUS_PREFIX):
                values[key] = issued_anonymous_id(SESSION_SECRET)


def test_stateful_journeys(origin: str) -> None:
    """Journeys along the links, each from a browser of its own (its cookie is its session).

    Every answer is checked and every failure kept, so the run is never cut short; the shop
    remembers (a name once registered is taken), so hypothesis can't replay a journey the
    same way twice: when it notices (Flaky), the run goes on with new journeys.
    """
    failures: list[str] = []
    journeys = [0]

    class Journeys(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.session = fuzz_session()
            journeys[0] += 1

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"session": self.session, "base_url": origin}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:
                failures.append(f"{case.method} {case.formatted_path}: {exc}")

    for _ in range(STATEFUL_JOURNEYS):
        if journeys[0] >= STATEFUL_JOURNEYS:
            break
        settings = hypothesis.settings(
            max_examples=STATEFUL_JOURNEYS - journeys[0],
            stateful_step_count=8,
            phases=[hypothesis.Phase.generate],
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            database=None,
        )
        with contextlib.suppress(hypothesis.errors.Flaky):
            Journeys.run(settings=settings)
    assert not failures, "\n\n".join(failures[:10])
    assert journeys[0] >= STATEFUL_JOURNEYS
