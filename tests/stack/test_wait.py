"""scripts.stack.wait.until: the value once it will do, else what was waited for and the last
value seen."""

from __future__ import annotations

import itertools

import pytest

from scripts.stack.processes import StackError
from scripts.stack.wait import TimedOut, until


def test_the_first_value_that_will_do_is_returned() -> None:
    counter = itertools.count()
    assert until(lambda: next(counter) >= 3 and "three", interval=0) == "three"
    answers = iter([503, 503, 200, 503])
    assert until(lambda: next(answers), interval=0, done=lambda status: status == 200) == 200


def test_at_the_deadline_the_message_names_what_and_the_last_value() -> None:
    counter = itertools.count()
    with pytest.raises(TimedOut) as timed_out:
        until(lambda: next(counter), 0.05, "the counter to be negative", 0.01, done=lambda n: n < 0)
    message = str(timed_out.value)
    assert message.startswith("waited 0.05 s for the counter to be negative; the last seen: ")
    assert int(message.rsplit(" ", 1)[1]) > 0
    assert isinstance(timed_out.value, AssertionError)  # in a test, a failed expectation


def test_a_long_last_value_keeps_its_start_and_its_end_and_nothing_is_said_of_none() -> None:
    log = "started\n" + "noise " * 2000 + "\nthe port is taken"
    with pytest.raises(TimedOut, match=r"(?s)the last seen: started.*\[\.\.\.\].*port is taken$"):
        until(lambda: log, 0, "the log to say up", done=lambda text: "up\n" in text)
    with pytest.raises(TimedOut) as nothing:
        until(lambda: None, 0, "something")
    assert str(nothing.value) == "waited 0 s for something"


def test_the_stack_raises_its_own_error() -> None:
    with pytest.raises(StackError, match="waited 0 s for catalogue to listen"):
        until(lambda: False, 0, "catalogue to listen", error=StackError)
