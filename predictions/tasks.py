"""Celery tasks of the prediction pipeline: thin wrappers that take dates and ids and call one service each."""

import datetime as dt
import logging
from typing import Any

from celery import group, shared_task

from predictions.services.scoring import ScoringPlan, chunk_score, scoring_plan
from predictions.services.training import models_train, segmentation_refit

logger = logging.getLogger(__name__)

RETRY: dict[str, Any] = {"autoretry_for": (OSError,), "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 3}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@shared_task(name="predictions.train_models", soft_time_limit=15 * 60, time_limit=20 * 60, **RETRY)
def train_models_task(as_of: str | None = None) -> dict:
    result = models_train(as_of=_date(as_of))
    return {"as_of": result.as_of.isoformat(), "versions": result.versions}


@shared_task(name="predictions.score_chunk", soft_time_limit=10 * 60, time_limit=12 * 60, **RETRY)
def score_chunk_task(as_of: str, first: int, last: int, versions: dict[str, str] | None = None) -> int:
    return chunk_score(as_of=dt.date.fromisoformat(as_of), first=first, last=last, versions=versions).scored


def score_chunk_signatures(plan: ScoringPlan) -> list:
    """One score_chunk task per chunk of a scoring run, all with the run's pinned model versions."""
    day = plan.as_of.isoformat()
    return [score_chunk_task.s(day, first, last, plan.versions) for first, last in plan.chunks]


@shared_task(name="predictions.score_customers", soft_time_limit=5 * 60, time_limit=6 * 60)
def score_customers_task(as_of: str | None = None) -> dict:
    """Fan the customers out in chunks over the workers (one after another when Celery runs eagerly)."""
    plan = scoring_plan(as_of=_date(as_of))
    group(score_chunk_signatures(plan)).apply_async()
    return {"as_of": plan.as_of.isoformat(), "chunks": len(plan.chunks)}


@shared_task(name="predictions.resegment", soft_time_limit=15 * 60, time_limit=20 * 60, **RETRY)
def resegment_task(as_of: str | None = None) -> dict:
    result = segmentation_refit(as_of=_date(as_of))
    return {"as_of": result.as_of.isoformat(), "version": result.version, "moved": result.moved}
