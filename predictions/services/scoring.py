"""Nightly scoring: churn probability, risk, top-5 reasons, LTV, segment and tier for every customer, in chunks.

Each chunk is one transaction keyed by (customer, as_of): a rerun replaces that day's rows, never adds more.
The chunks are independent, so Celery can spread them over workers (predictions.tasks).
"""

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from customers.models import Booking
from customers.services.segments import segments_apply
from loyalty.selectors import current_tier_names
from loyalty.services import tiers_apply
from mlcore.explain import REASONS_K, top_reasons
from mlcore.features import build_features
from predictions.models import ModelKind, Prediction, ScoringSettings
from predictions.selectors import dashboard_invalidate, history_load
from predictions.services.registry import active_model, active_versions, model_of_version
from predictions.services.training import default_as_of
from sheba_retention.common.bulk import bulk_insert
from sheba_retention.common.timing import LapClock

logger = logging.getLogger(__name__)
DEFAULT_CHUNK = 25_000
SCORING_KINDS = (ModelKind.CHURN, ModelKind.LTV, ModelKind.SEGMENTATION)


@dataclass
class ChunkResult:
    scored: int = 0
    segment_moves: int = 0
    tier_changes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class ScoringResult:
    as_of: dt.date
    scored: int
    chunks: int
    segment_moves: int
    tier_changes: dict[str, int]
    seconds: dict[str, float]
    versions: dict[str, str]


def customer_chunks(chunk_size: int = DEFAULT_CHUNK) -> list[tuple[int, int]]:
    """Inclusive primary-key ranges covering every customer with a booking, about `chunk_size` customers each."""
    bounds = Booking.objects.aggregate(first=Min("customer_id"), last=Max("customer_id"))
    if bounds["first"] is None:
        return []
    return [
        (start, min(start + chunk_size - 1, bounds["last"]))
        for start in range(bounds["first"], bounds["last"] + 1, chunk_size)
    ]


@dataclass(frozen=True)
class ScoringPlan:
    """One scoring run: its day, its chunks of customers, and the model versions every chunk scores with."""

    as_of: dt.date
    chunks: list[tuple[int, int]]
    versions: dict[str, str]


def scoring_plan(*, as_of: dt.date | None = None, chunk_size: int = DEFAULT_CHUNK) -> ScoringPlan:
    """The day (default: the day after the last booking), the chunks, and the active versions pinned for the run."""
    return ScoringPlan(
        as_of=as_of or default_as_of(), chunks=customer_chunks(chunk_size), versions=active_versions(SCORING_KINDS)
    )


def customers_score(
    *, as_of: dt.date | None = None, chunk_size: int = DEFAULT_CHUNK, progress: Callable[[int], object] | None = None
) -> ScoringResult:
    """Score every customer with at least one booking before `as_of` (default: the day after the last booking)."""
    plan = scoring_plan(as_of=as_of, chunk_size=chunk_size)
    as_of, chunks, versions = plan.as_of, plan.chunks, plan.versions
    total = ChunkResult()
    for first, last in chunks:
        result = chunk_score(as_of=as_of, first=first, last=last, versions=versions)
        total.scored += result.scored
        total.segment_moves += result.segment_moves
        for key, value in result.tier_changes.items():
            total.tier_changes[key] = total.tier_changes.get(key, 0) + value
        for key, spent in result.seconds.items():
            total.seconds[key] = total.seconds.get(key, 0.0) + spent
        if progress:
            progress(result.scored)
    logger.info("scored %s customers as of %s in %s chunks: %s", total.scored, as_of, len(chunks), total.seconds)
    return ScoringResult(
        as_of=as_of,
        scored=total.scored,
        chunks=len(chunks),
        segment_moves=total.segment_moves,
        tier_changes=total.tier_changes,
        seconds=total.seconds,
        versions=versions,
    )


def chunk_score(*, as_of: dt.date, first: int, last: int, versions: dict[str, str] | None = None) -> ChunkResult:
    """Score customers with primary keys first..last and write everything about them as of `as_of`.

    `versions` (kind → version) pins the models: every chunk of one run scores with the same ones even if another
    version is activated while the run is under way. Without it, the active versions.
    """
    from mlcore.churn import risk_category
    from mlcore.segmentation import segmentation_assign

    result = ChunkResult()
    clock = LapClock(result.seconds)

    def model(kind: str):
        return model_of_version(kind, versions[kind]) if versions else active_model(kind)

    churn_version, churn = model(ModelKind.CHURN)
    ltv_version, ltv_model = model(ModelKind.LTV)
    segmentation_version, segmentation = model(ModelKind.SEGMENTATION)
    settings_row = ScoringSettings.load()

    history = history_load(before=as_of, customer_ids=(first, last))
    clock.lap("load")
    features = build_features(history, as_of)
    if features.empty:
        return result
    clock.lap("features")
    matrix = churn.matrix(features)
    probability = churn.probabilities(matrix)
    clock.lap("churn")
    reasons = top_reasons(churn.contributions(matrix), matrix, churn.input_names, k=REASONS_K)
    clock.lap("reasons")
    values = ltv_model.predict(features)
    clock.lap("ltv")
    segments = segmentation_assign(segmentation, features.assign(churn_probability=probability))
    clock.lap("segments")

    with transaction.atomic():
        moves = segments_apply(as_of=as_of, assignments=segments, model_version=segmentation_version)
        tier_inputs = features.assign(ltv=values["ltv"])
        tier_changes = tiers_apply(as_of=as_of, inputs=tier_inputs)
        tiers = current_tier_names(customer_pks=features.index, on=as_of)
        clock.lap("segments_tiers_write")
        Prediction.objects.filter(as_of=as_of, customer_id__gte=first, customer_id__lte=last).delete()
        rows = pd.DataFrame(
            {
                "customer_id": features.index.to_numpy(),
                "as_of": as_of,
                "churn_probability": probability,
                "risk_category": risk_category(probability, settings_row.risk_thresholds),
                "reasons": [_json([reason.to_dict() for reason in row]) for row in reasons],
                "ltv": values["ltv"].to_numpy(),
                "ltv_low": values["ltv_low"].to_numpy(),
                "ltv_high": values["ltv_high"].to_numpy(),
                "ltv_low_if_retained": values["ltv_low_if_retained"].to_numpy(),
                "segment": segments.to_numpy(),
                "loyalty_tier": tiers.to_numpy(),
                "model_version": churn_version,
                "ltv_model_version": ltv_version,
                "created_at": pd.Timestamp(timezone.now()),
            }
        )
        bulk_insert(model=Prediction, frame=rows)
        transaction.on_commit(dashboard_invalidate)
        clock.lap("predictions_write")
    result.scored = len(rows)
    result.segment_moves = moves
    result.tier_changes = tier_changes
    return result


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
