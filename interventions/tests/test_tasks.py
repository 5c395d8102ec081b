"""The nightly chord's failure path: its body carries an error callback that says no proposals were made."""

import logging
from types import SimpleNamespace

from interventions import tasks


def test_the_nightly_body_carries_an_error_callback():
    body = tasks.nightly_callback("2026-11-01")

    assert (body.task, tuple(body.args)) == ("interventions.nightly_after_scoring", ("2026-11-01",))
    assert [errback.task for errback in body.options["link_error"]] == ["interventions.nightly_failed"]


def test_the_error_callback_logs_that_nothing_was_proposed(caplog):
    with caplog.at_level(logging.ERROR, logger="interventions.tasks"):
        tasks.nightly_failed_task(SimpleNamespace(id="chord-1"), RuntimeError("chunk 3 failed"), None)

    (record,) = caplog.records
    assert "nightly retention run chord-1 failed before proposing" in record.getMessage()
    assert "chunk 3 failed" in record.getMessage()
