"""Celery tasks of the pipeline, run eagerly as the test settings say: fan-out scoring and re-segmentation."""

import datetime as dt
from unittest import mock

import pytest

from customers.models import CustomerSegment
from mlcore.features import cutoff_of
from predictions import tasks
from predictions.models import ModelKind, ModelVersion, Prediction
from predictions.services.registry import active_versions
from predictions.services.scoring import chunk_score, customer_chunks, customers_score
from predictions.tests.conftest import AS_OF

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("marketplace")]


def customers_with_a_booking_before(day: dt.date) -> int:
    from customers.models import Customer

    return Customer.objects.filter(bookings__booked_at__lt=cutoff_of(day).to_pydatetime()).distinct().count()


def test_score_customers_task_fans_the_chunks_out_and_scores_everyone(active_models):
    # given
    small_chunks = customer_chunks(400)

    # when
    with (
        mock.patch("predictions.services.scoring.customer_chunks", return_value=small_chunks),
        mock.patch.object(tasks, "chunk_score", wraps=chunk_score) as scored_chunk,
    ):
        result = tasks.score_customers_task.delay().get()

    # then
    assert result == {"as_of": "2026-11-01", "chunks": len(small_chunks)}
    assert len(small_chunks) == 4
    # every chunk scored with the models active when the run started (pinned, whatever is activated meanwhile)
    pinned = {kind: version for kind, version in active_versions(["churn", "ltv", "segmentation"]).items()}
    assert scored_chunk.call_args_list == [
        mock.call(as_of=AS_OF, first=first, last=last, versions=pinned) for first, last in small_chunks
    ]
    assert Prediction.objects.filter(as_of=AS_OF).count() == customers_with_a_booking_before(AS_OF)


def test_score_customers_task_takes_the_day_as_text(active_models):
    # when
    result = tasks.score_customers_task.delay("2026-10-01").get()

    # then
    assert result == {"as_of": "2026-10-01", "chunks": 1}
    day = dt.date(2026, 10, 1)
    assert Prediction.objects.filter(as_of=day).count() == customers_with_a_booking_before(day)


def test_score_chunk_task_returns_how_many_it_scored(active_models):
    # given
    first, last = customer_chunks()[0]

    # when
    scored = tasks.score_chunk_task.delay("2026-11-01", first, last).get()

    # then
    assert scored == Prediction.objects.count() == customers_with_a_booking_before(AS_OF)


def test_a_chunk_scores_with_the_pinned_models_even_after_another_version_is_activated(private_models):
    # given the run's versions pinned, then a new churn version activated mid-run
    from predictions.services.registry import active_model, model_version_register

    pinned = active_versions(["churn", "ltv", "segmentation"])
    _, churn = active_model("churn")
    metadata = {"feature_names": list(churn.feature_names)}
    newer = model_version_register(kind="churn", model=churn, as_of=AS_OF, metadata=metadata, activate=True)
    first, last = customer_chunks()[0]

    # when
    tasks.score_chunk_task.delay("2026-11-01", first, last, pinned).get()

    # then the chunk's predictions carry the pinned version, not the one activated since
    assert newer.version != pinned["churn"]
    assert set(Prediction.objects.values_list("model_version", flat=True)) == {pinned["churn"]}


def test_resegment_task_activates_a_new_segmentation_and_moves_customers(private_models):
    # given
    customers_score(as_of=AS_OF)
    later = AS_OF + dt.timedelta(days=30)
    previous = private_models.versions["segmentation"]

    # when
    result = tasks.resegment_task.delay(later.isoformat()).get()

    # then
    active = ModelVersion.objects.get(kind=ModelKind.SEGMENTATION, is_active=True)
    assert result == {"as_of": "2026-12-01", "version": active.version, "moved": result["moved"]}
    assert active.version != previous
    assert result["moved"] == CustomerSegment.objects.filter(valid_to=later).count() > 0
    assert set(CustomerSegment.objects.filter(valid_from=later).values_list("model_version", flat=True)) == {
        active.version
    }
    assert CustomerSegment.objects.filter(valid_to=None).count() == customers_with_a_booking_before(later)


def test_the_nightly_chord_scores_every_chunk_before_it_proposes(active_models):
    # given (here, not in interventions/tests: this test needs the trained models of predictions' fixtures)
    from interventions import tasks as intervention_tasks
    from interventions.models import Intervention
    from interventions.services import nightly

    small_chunks = customer_chunks(400)
    order = []

    def proposing(**kwargs):
        order.append(("propose", Prediction.objects.filter(as_of=AS_OF).count()))
        return real_propose(**kwargs)

    real_propose = nightly.interventions_propose

    # when
    with (
        mock.patch("predictions.services.scoring.customer_chunks", return_value=small_chunks),
        mock.patch.object(tasks, "chunk_score", wraps=chunk_score) as scored_chunk,
        mock.patch.object(nightly, "interventions_propose", side_effect=proposing),
    ):
        result = intervention_tasks.nightly_task.delay("2026-11-01").get()

    # then every chunk was scored, then proposals were made from all of them
    assert result == {"as_of": "2026-11-01", "chunks": 4}
    assert scored_chunk.call_count == 4
    everyone = customers_with_a_booking_before(AS_OF)
    assert order == [("propose", everyone)]
    assert Intervention.objects.filter(as_of=AS_OF).exists()
