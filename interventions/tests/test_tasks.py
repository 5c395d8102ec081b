"""The nightly chord's failure path: its body carries an error callback that says no proposals were made."""

import datetime as dt
import logging
from types import SimpleNamespace

import pytest

from customers.models import BookingStatus, CustomerMonth
from customers.tests.factories import BookingFactory
from interventions import tasks
from interventions.models import NightlyRunRecord, NightlyState
from interventions.services.nightly import nightly_after_scoring, nightly_started


def test_the_nightly_body_carries_an_error_callback():
    body = tasks.nightly_callback("2026-11-01")

    assert (body.task, tuple(body.args)) == ("interventions.nightly_after_scoring", ("2026-11-01",))
    (errback,) = body.options["link_error"]
    assert (errback.task, errback.kwargs) == ("interventions.nightly_failed", {"as_of": "2026-11-01"})


@pytest.mark.django_db
def test_the_error_callback_logs_and_records_the_failed_night(caplog):
    nightly_started(as_of=dt.date(2026, 11, 1), chunks=[(1, 400)], versions={})

    with caplog.at_level(logging.ERROR, logger="interventions.tasks"):
        tasks.nightly_failed_task(
            SimpleNamespace(id="chord-1"), RuntimeError("chunk 3 failed"), None, as_of="2026-11-01"
        )

    (record,) = caplog.records
    assert "nightly retention run chord-1 as of 2026-11-01 failed: RuntimeError('chunk 3 failed')" in (
        record.getMessage()
    )
    night = NightlyRunRecord.objects.get()
    assert (night.state, night.error) == (NightlyState.FAILED, "RuntimeError: chunk 3 failed")


@pytest.mark.django_db
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


def test_every_task_finishes_within_the_visibility_timeout(settings):
    """A task still running when its message becomes visible again would be delivered to a second worker."""
    from sheba_retention.celery import app

    app.loader.import_default_modules()
    limits = {name: task.time_limit or settings.CELERY_TASK_TIME_LIMIT for name, task in app.tasks.items()}

    assert max(limits.values()) < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST


@pytest.mark.django_db
def test_the_night_rebuilds_the_active_months_the_reports_read():
    # given: a booking written without the import (the admin, a script), so its month is not there yet
    booking = BookingFactory(status=BookingStatus.COMPLETED, booked_at=dt.datetime(2025, 3, 5, 6, tzinfo=dt.UTC))
    assert not CustomerMonth.objects.exists()

    # when
    nightly_after_scoring(as_of=dt.date(2025, 3, 6), scored=0)

    # then
    assert list(CustomerMonth.objects.values_list("customer", "month", "bookings")) == [
        (booking.customer_id, dt.date(2025, 3, 1), 1)
    ]
