"""The nightly run's record and its watchdog: a night that stopped half-way is logged, recorded and finished."""

import datetime as dt
import logging

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from interventions.models import Intervention, NightlyRunRecord, NightlyState
from interventions.services.nightly import nightly_run, nightly_started, nightly_watch
from predictions.models import Prediction
from predictions.services.scoring import chunk_score, scoring_plan
from predictions.services.training import models_train

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)


@pytest.fixture
def trained(settings, tmp_path):
    settings.MODEL_ARTIFACTS_DIR = tmp_path
    call_command("generate_data", customers=600, years=1, seed=11, end_date=END, verbosity=0)
    models_train(as_of=AS_OF)


def test_a_night_the_worker_left_half_done_is_resumed_by_the_watchdog_without_duplicates(trained, caplog):
    # given: the night started and only its first chunk was scored before the worker died
    plan = scoring_plan(as_of=AS_OF, chunk_size=200)
    assert len(plan.chunks) >= 3
    nightly_started(as_of=AS_OF, chunks=plan.chunks, versions=plan.versions)
    first, last = plan.chunks[0]
    chunk_score(as_of=AS_OF, first=first, last=last, versions=plan.versions)

    # when: the deadline comes
    with caplog.at_level(logging.ERROR, logger="interventions.services.nightly"):
        record = nightly_watch()

    # then: logged as an error, recorded, and finished
    assert record is not None
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert f"as of {AS_OF} is running at the deadline" in caplog.records[0].getMessage()
    assert (record.state, record.resumed) == (NightlyState.COMPLETE, 1)
    assert record.error == "running at the deadline; resumed by the watchdog"
    reference = _scored_alone()
    assert _predictions() == reference
    proposals = Intervention.objects.count()
    assert proposals > 0
    assert record.summary["scored"] == len(reference)

    # when: the watchdog looks again
    assert nightly_watch() is None

    # then: nothing was done twice
    assert _predictions() == reference
    assert Intervention.objects.count() == proposals


def _predictions() -> dict[int, int]:
    rows = Prediction.objects.filter(as_of=AS_OF).values("customer_id").annotate(n=Count("id"))
    return {row["customer_id"]: row["n"] for row in rows}


def _scored_alone() -> dict[int, int]:
    """Whom a night scores: every customer once (the rows the resumed night must hold, no more, no fewer)."""
    rows = _predictions()
    assert set(rows.values()) == {1}
    return rows


def test_a_night_that_never_started_is_run_by_the_watchdog(trained):
    # given: yesterday's night, complete, as of the same day (no booking since)
    NightlyRunRecord.objects.create(
        as_of=AS_OF, state=NightlyState.COMPLETE, started_at=timezone.now() - dt.timedelta(hours=28)
    )

    record = nightly_watch()

    assert record is not None
    assert (record.as_of, record.state, record.resumed) == (AS_OF, NightlyState.COMPLETE, 1)
    assert record.error == "did not start by the deadline; resumed by the watchdog"
    assert Prediction.objects.filter(as_of=AS_OF).exists()


def test_run_nightly_records_a_complete_night_and_a_failed_one(trained, monkeypatch):
    nightly_run(as_of=AS_OF)

    record = NightlyRunRecord.objects.get(as_of=AS_OF)
    assert record.state == NightlyState.COMPLETE
    assert record.finished_at is not None

    # when a step fails
    def broken(**kwargs):
        raise RuntimeError("outcomes table locked")

    monkeypatch.setattr("interventions.services.nightly.interventions_track_outcomes", broken)
    with pytest.raises(RuntimeError):
        nightly_run(as_of=AS_OF)

    record.refresh_from_db()
    assert (record.state, record.error) == (NightlyState.FAILED, "RuntimeError: outcomes table locked")
