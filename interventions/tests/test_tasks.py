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
    assert "nightly retention run chord-1 failed: RuntimeError('chunk 3 failed')" in record.getMessage()
    assert "may be missing" in record.getMessage()


def test_the_nightly_task_builds_a_chord_of_the_chunks_with_pinned_models_then_the_proposals():
    from unittest import mock

    chunks = [(1, 400), (401, 800)]
    pinned = {"churn": "churn-1", "ltv": "ltv-1", "segmentation": "segmentation-1"}
    with (
        mock.patch("predictions.services.scoring.customer_chunks", return_value=chunks),
        mock.patch("predictions.services.scoring.active_versions", return_value=pinned),
        mock.patch("celery.chord") as chord,
    ):
        result = tasks.nightly_task.run("2026-11-01")

    # the header: one scoring task per chunk, all with the same pinned versions
    (header,), _ = chord.call_args
    assert [(signature.task, tuple(signature.args)) for signature in header] == [
        ("predictions.score_chunk", ("2026-11-01", 1, 400, pinned)),
        ("predictions.score_chunk", ("2026-11-01", 401, 800, pinned)),
    ]
    # the body, run once all of them are done: the rest of the night, with its error callback
    (body,), _ = chord.return_value.call_args
    assert body == tasks.nightly_callback("2026-11-01")
    assert result == {"as_of": "2026-11-01", "chunks": 2}
