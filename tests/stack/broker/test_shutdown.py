"""Stopping the dev broker (SIGTERM, as Kubernetes does) loses no event and delivers none twice."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3

from kit import events
from scripts.stack.processes import Process, vhost
from scripts.stack.shop import Stack
from scripts.stack.wait import until
from tests.support.eventing import (
    Call,
    Recorder,
    Reply,
    manifests_with_delivery,
)

pytestmark = pytest.mark.served

PLACED = "com.roboshop.order.placed"
SLOW = "slow-"
CART = "/cart/events/order-placed"


def respond(call: Call) -> Reply:
    """Every subscriber takes every event; a SLOW one only after a while."""
    if call.headers.get("ce-subject", "").startswith(SLOW):
        time.sleep(1.5)
    return 200, {}, b""


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder(respond)
    yield recorder
    recorder.close()


@pytest.fixture
def amqp_url(namespace: str) -> Iterator[str]:
    with vhost(f"{namespace}shutdown-{uuid.uuid4().hex[:8]}") as url:
        yield url


class Brokers:
    """Brokers started one after the other on the same vhost, as pods of one deployment."""

    def __init__(self, amqp_url: str, recorder: Recorder, folder: Path) -> None:
        manifests = manifests_with_delivery(
            folder / "manifests", retry=2, backoffPolicy="linear", backoffDelay="PT0.1S"
        )
        subscribers = ("user", "cart", "catalogue", "dispatch", "payment", "deadletters")
        self.urls = {name: f"{recorder.url}/{name}" for name in subscribers}
        self.urls["rabbitmq"] = amqp_url
        self.overrides = {"broker": {"BROKER_TRIGGERS": str(manifests)}}
        self.folder = folder
        self.running: list[Process] = []

    def start(self) -> str:
        """One more broker, on a port of its own."""
        folder = self.folder / f"broker-{len(self.running)}"
        stack = Stack({}, folder, dict(self.urls), self.overrides)
        try:
            stack.start(["broker"])
        finally:
            self.running += stack.processes.values()
        url = stack.urls["broker"] + "/"
        until(lambda: health(url) == 200, what="the broker's health")
        return url

    def stop_all(self) -> None:
        for process in self.running:
            process.stop(timeout=30)


@pytest.fixture
def brokers(amqp_url: str, recorder: Recorder, tmp_path: Path) -> Iterator[Brokers]:
    started = Brokers(amqp_url, recorder, tmp_path)
    yield started
    started.stop_all()


def health(url: str) -> int:
    try:
        return urllib3.request("GET", url + "health", timeout=5, retries=False).status
    except urllib3.exceptions.HTTPError:
        return 0


def post(url: str, subject: str, pool: urllib3.PoolManager | None = None) -> int:
    """The ingress's status, or 0 when the connection was refused before the event was sent."""
    event = events.make_event(PLACED, "/tests", {"orderid": subject}, subject=subject)
    headers, body = events.to_binary(event)
    try:
        answer = (pool or urllib3.PoolManager()).request(
            "POST", url, body=body, headers=headers, timeout=10, retries=False
        )
    except urllib3.exceptions.NewConnectionError:
        return 0
    return answer.status


def delivered(recorder: Recorder, subject: str) -> int:
    return sum(1 for call in recorder.on(CART) if call.headers.get("ce-subject") == subject)


def stop(process: Process) -> int:
    process.stop(timeout=30)
    assert process.popen is not None
    return process.popen.returncode


def test_an_event_being_delivered_is_finished_and_acked_not_delivered_again(
    brokers: Brokers, recorder: Recorder
) -> None:
    url = brokers.start()
    subject = f"{SLOW}{uuid.uuid4()}"
    assert post(url, subject) == 202
    until(lambda: delivered(recorder, subject), what="the slow delivery to start")
    assert stop(brokers.running[-1]) == 0  # while cart is still answering
    after = brokers.start()
    marker = f"marker-{uuid.uuid4()}"
    assert post(after, marker) == 202
    until(lambda: delivered(recorder, marker), what="the next broker to deliver")
    assert delivered(recorder, subject) == 1


def test_events_posted_while_it_stops_are_taken_once_or_not_at_all(
    brokers: Brokers, recorder: Recorder
) -> None:
    """Each is taken (202, then delivered once), refused (503, or the connection refused),
    or cut unanswered: a stopping server closes at once a connection it has read nothing
    from (hyper does; HTTP/1.1 has no way to warn a client that sends on it just then).
    What it never read it never took, so a cut event is delivered never, not twice."""
    url = brokers.start()
    answers: dict[str, int] = {}
    cut: list[str] = []
    posting = threading.Event()

    def keep_posting() -> None:
        pool = urllib3.PoolManager()  # one kept-alive connection, as payment's pool has
        while posting.is_set():
            subject = f"order-{uuid.uuid4()}"
            try:
                answers[subject] = post(url, subject, pool)
            except urllib3.exceptions.HTTPError:  # sent, and no answer
                cut.append(subject)

    posting.set()
    poster = threading.Thread(target=keep_posting)
    poster.start()
    until(lambda: len(answers) >= 20, what="events flowing")
    code = stop(brokers.running[-1])
    until(lambda: 0 in answers.values(), what="the ingress to be gone")
    posting.clear()
    poster.join()
    assert code == 0
    assert set(answers.values()) <= {202, 503, 0}
    taken = [subject for subject, status in answers.items() if status == 202]
    after = brokers.start()
    marker = f"marker-{uuid.uuid4()}"  # queued after all the others
    assert post(after, marker) == 202
    until(
        lambda: all(delivered(recorder, subject) for subject in [*taken, marker]),
        what="every taken event delivered",
    )
    assert [subject for subject in taken if delivered(recorder, subject) != 1] == []
    refused = [subject for subject, status in answers.items() if status != 202]
    assert [subject for subject in refused + cut if delivered(recorder, subject)] == []
