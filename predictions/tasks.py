"""Celery tasks of the prediction pipeline: thin wrappers that take dates and ids and call one service each."""

import datetime as dt
import logging

from celery import group, shared_task

from predictions.services.registry import active_versions
from predictions.services.scoring import SCORING_KINDS, chunk_score, customer_chunks
from predictions.services.training import default_as_of, models_train, segmentation_refit

logger = logging.getLogger(__name__)

RETRY = {"autoretry_for": (OSError,), "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 3}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@shared_task(name="predictions.train_models", soft_time_limit=15 * 60, time_limit=20 * 60, **RETRY)
def train_models_task(as_of: str | None = None) -> dict:
    result = models_train(as_of=_date(as_of))
    return {"as_of": result.as_of.isoformat(), "versions": result.versions}


@shared_task(name="predictions.score_chunk", soft_time_limit=10 * 60, time_limit=12 * 60, **RETRY)
def score_chunk_task(as_of: str, first: int, last: int, versions: dict[str, str] | None = None) -> int:
    return chunk_score(as_of=dt.date.fromisoformat(as_of), first=first, last=last, versions=versions).scored


@shared_task(name="predictions.score_customers", soft_time_limit=5 * 60, time_limit=6 * 60)
def score_customers_task(as_of: str | None = None) -> dict:
    """Fan the customers out in chunks over the workers (one after another when Celery runs eagerly)."""
    day = _date(as_of) or default_as_of()
    chunks = customer_chunks()
    versions = active_versions(SCORING_KINDS)
    group(score_chunk_task.s(day.isoformat(), first, last, versions) for first, last in chunks).apply_async()
    return {"as_of": day.isoformat(), "chunks": len(chunks)}


@shared_task(name="predictions.resegment", soft_time_limit=15 * 60, time_limit=20 * 60, **RETRY)
def resegment_task(as_of: str | None = None) -> dict:
    result = segmentation_refit(as_of=_date(as_of))
    return {"as_of": result.as_of.isoformat(), "version": result.version, "moved": result.moved}
