"""Train the churn, lifetime-value and segmentation models, record how they did, and activate them.

The models' modules load scipy and scikit-learn, so they are imported inside the functions that train: importing this
module (the tasks do, and the retrain endpoint through them, to enqueue) loads neither.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd
from django.db import transaction
from django.db.models import Max

from customers.models import Booking
from mlcore.features import LOCAL_TZ, TrainingDataError, build_features
from predictions.models import ModelKind, ModelPerformance, ModelVersion, ScoringSettings
from predictions.selectors import history_load
from predictions.services.registry import model_version_register
from sheba_retention.common.timing import LapClock

if TYPE_CHECKING:
    from mlcore.segmentation import SegmentationModel

logger = logging.getLogger(__name__)


class ModelTrainingError(Exception):
    """Training could not produce a trustworthy model; the active models are left as they were."""


@dataclass
class TrainingResult:
    as_of: dt.date
    versions: dict[str, str]
    metrics: dict[str, dict]
    seconds: dict[str, float] = field(default_factory=dict)
    churn_window_days: int = 90


def default_as_of() -> dt.date:
    """The day after the last booking (in Dhaka): the first day whose outcome nobody knows yet. One aggregate query:
    it runs at the start of every training, scoring and nightly run."""
    last = Booking.objects.aggregate(last=Max("booked_at"))["last"]
    if last is None:
        raise ModelTrainingError("there are no bookings yet: import or generate data first")
    return last.astimezone(ZoneInfo(LOCAL_TZ)).date() + dt.timedelta(days=1)


def models_train(
    *,
    as_of: dt.date | None = None,
    churn_window_days: int | None = None,
    ltv_horizon_days: int | None = None,
    activate: bool = True,
) -> TrainingResult:
    """Train all three models on the history before `as_of`; any failure leaves the active versions untouched.

    The churn window and the LTV horizon default to the scoring settings (staff edit them in the admin)."""
    from mlcore.churn import MODEL_FEATURES, ChurnConfig, churn_train
    from mlcore.ltv import HorizonError, LtvConfig, ltv_train

    settings_row = ScoringSettings.load()
    churn_window_days = churn_window_days or settings_row.churn_window_days
    ltv_horizon_days = ltv_horizon_days or settings_row.ltv_horizon_days
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    clock = LapClock(seconds)
    as_of = as_of or default_as_of()
    history = history_load(before=as_of)
    clock.lap("load")
    try:
        churn_model, churn_report = churn_train(history, as_of, ChurnConfig(window_days=churn_window_days))
        clock.lap("churn")
        ltv_model, ltv_report = ltv_train(history, as_of, LtvConfig(horizon_days=ltv_horizon_days))
        clock.lap("ltv")
    except (TrainingDataError, HorizonError) as exc:
        raise ModelTrainingError(str(exc)) from exc
    segmentation, segment_inputs = _fit_segmentation(history, as_of, churn_model, seed=0)
    clock.lap("segmentation")

    with transaction.atomic():
        churn_row = model_version_register(
            kind=ModelKind.CHURN,
            model=churn_model,
            as_of=as_of,
            activate=activate,
            metadata={"feature_names": list(MODEL_FEATURES), "report": churn_report.to_dict()},
        )
        ltv_row = model_version_register(
            kind=ModelKind.LTV,
            model=ltv_model,
            as_of=as_of,
            activate=activate,
            metadata={"feature_names": list(MODEL_FEATURES), "report": ltv_report.to_dict()},
        )
        segmentation_row = _register_segmentation(segmentation, segment_inputs, as_of, activate=activate)
        _record_performance(
            churn_row,
            churn_report.n_train,
            churn_report.n_holdout,
            {
                "model": churn_report.metrics["model"],
                "baselines": {"recency": churn_report.metrics["recency"], "bg_nbd": churn_report.metrics["bg_nbd"]},
                "recently_active": churn_report.metrics_recently_active,
                "class_balance": churn_report.class_balance,
                "holdout_cutoff": churn_report.holdout_cutoff.isoformat(),
                "window_days": churn_report.window_days,
            },
        )
        _record_performance(
            ltv_row,
            ltv_report.n_train,
            ltv_report.n_holdout,
            {
                "model": ltv_report.metrics["model"],
                "baselines": {"bg_nbd_gamma_gamma": ltv_report.metrics["btyd"]},
                "observed_days": ltv_report.observed_days,
                "horizon_days": ltv_report.horizon_days,
                "holdout_cutoff": ltv_report.holdout_cutoff.isoformat(),
            },
        )
    seconds["total"] = time.perf_counter() - started
    logger.info("trained models as of %s in %.1f s: %s", as_of, seconds["total"], seconds)
    return TrainingResult(
        as_of=as_of,
        versions={row.kind: row.version for row in (churn_row, ltv_row, segmentation_row)},
        metrics={
            "churn": churn_report.metrics,
            "churn_recently_active": churn_report.metrics_recently_active,
            "ltv": ltv_report.metrics,
        },
        seconds=seconds,
        churn_window_days=churn_window_days,
    )


def _fit_segmentation(history, as_of: dt.date, churn_model, *, seed: int) -> tuple[SegmentationModel, pd.DataFrame]:
    """K-Means segments on the features at `as_of` plus each customer's churn probability."""
    from mlcore.segmentation import segmentation_fit

    features = build_features(history, as_of)
    inputs = features.assign(churn_probability=churn_model.predict_proba(features))
    try:
        return segmentation_fit(inputs, seed=seed), inputs
    except ValueError as exc:
        raise ModelTrainingError(f"segmentation: {exc}") from exc


def _register_segmentation(
    segmentation: SegmentationModel, inputs: pd.DataFrame, as_of: dt.date, *, activate: bool
) -> ModelVersion:
    row = model_version_register(
        kind=ModelKind.SEGMENTATION,
        model=segmentation,
        as_of=as_of,
        activate=activate,
        metadata={"feature_names": segmentation.features, "n_customers": len(inputs)},
    )
    _record_performance(row, len(inputs), 0, {"profiles": _profiles_json(segmentation)})
    return row


def _record_performance(row: ModelVersion, n_train: int, n_holdout: int, metrics: dict) -> None:
    ModelPerformance.objects.create(
        model_kind=row.kind,
        model_version=row.version,
        as_of=row.as_of,
        n_train=n_train,
        n_holdout=n_holdout,
        metrics=metrics,
    )


def _profiles_json(segmentation) -> dict:
    profiles: pd.DataFrame = segmentation.profiles
    # A segment no customer fell into has NaN means: store null, which JSON can hold.
    return {
        str(index): {key: (None if pd.isna(value) else float(value)) for key, value in row.items()}
        for index, row in profiles.iterrows()
    }


@dataclass
class RefitResult:
    as_of: dt.date
    version: str
    moved: int
    transitions: dict[str, dict[str, int]]


def segmentation_refit(*, as_of: dt.date | None = None) -> RefitResult:
    """Monthly re-segmentation: fit a new segmentation, activate it and move customers whose segment changed."""
    from customers.selectors import current_segments
    from customers.services.segments import segments_apply
    from mlcore.segmentation import segment_moves, segmentation_assign
    from predictions.services.registry import active_model

    as_of = as_of or default_as_of()
    _, churn_model = active_model(ModelKind.CHURN)
    segmentation, inputs = _fit_segmentation(history_load(before=as_of), as_of, churn_model, seed=as_of.toordinal())
    assigned = segmentation_assign(segmentation, inputs)
    previous = current_segments(customer_pks=assigned.index)
    with transaction.atomic():
        row = _register_segmentation(segmentation, inputs, as_of, activate=True)
        segments_apply(as_of=as_of, assignments=assigned, model_version=row.version)
    known = previous[previous != ""]
    moves = segment_moves(known, assigned.reindex(known.index))
    moved = int(moves.to_numpy().sum() - moves.to_numpy().trace())
    transitions = {
        str(source): {str(target): int(n) for target, n in row_.items() if n} for source, row_ in moves.iterrows()
    }
    logger.info("re-segmented %s customers as of %s: %s moved", len(assigned), as_of, moved)
    return RefitResult(as_of=as_of, version=row.version, moved=moved, transitions=transitions)
