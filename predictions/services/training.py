"""Train the churn, lifetime-value and segmentation models, record how they did, and activate them.

The models' modules load scipy and scikit-learn, so they are imported inside the functions that train: importing this
module (the tasks do, and the retrain endpoint through them, to enqueue) loads neither.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
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
    from mlcore.churn import TrainingReport
    from mlcore.ltv import LtvReport
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

    Each of churn and lifetime value is validated out of time on whatever history there is. One the history is too
    short to validate falls back to a classical model (named in its report), as long as the other validates; bad
    data (too few customers, one outcome only) or a history that validates neither stops the run.

    The churn window and the LTV horizon default to the scoring settings (staff edit them in the admin)."""
    from mlcore.churn import ChurnConfig, churn_fallback, churn_train
    from mlcore.features import HistoryTooShort
    from mlcore.ltv import HorizonError, LtvConfig, ltv_fallback, ltv_train

    settings_row = ScoringSettings.load()
    churn_window_days = churn_window_days or settings_row.churn_window_days
    ltv_horizon_days = ltv_horizon_days or settings_row.ltv_horizon_days
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    clock = LapClock(seconds)
    as_of = as_of or default_as_of()
    history = history_load(before=as_of)
    clock.lap("load")
    too_short: dict[str, str] = {}
    churn_trained = ltv_trained = None
    try:
        try:
            churn_trained = churn_train(history, as_of, ChurnConfig(window_days=churn_window_days))
        except HistoryTooShort as exc:
            too_short[ModelKind.CHURN] = str(exc)
        clock.lap("churn")
        try:
            ltv_trained = ltv_train(history, as_of, LtvConfig(horizon_days=ltv_horizon_days))
        except HistoryTooShort as exc:
            too_short[ModelKind.LTV] = str(exc)
        clock.lap("ltv")
        if len(too_short) == 2:
            raise ModelTrainingError(
                f"nothing can be validated on this history: churn: {too_short[ModelKind.CHURN]}; lifetime value: "
                f"{too_short[ModelKind.LTV]}"
            )
        churn = (
            _validated(*churn_trained, _churn_details(churn_trained[1]))
            if churn_trained
            else _fallback(*churn_fallback(history, as_of, churn_window_days, too_short[ModelKind.CHURN]))
        )
        ltv = (
            _validated(*ltv_trained, _ltv_details(ltv_trained[1]))
            if ltv_trained
            else _fallback(*ltv_fallback(history, as_of, ltv_horizon_days, too_short[ModelKind.LTV]))
        )
    except (TrainingDataError, HorizonError) as exc:
        raise ModelTrainingError(str(exc)) from exc
    segmentation, segment_inputs = _fit_segmentation(history, as_of, churn.model, seed=0)
    clock.lap("segmentation")

    with transaction.atomic():
        rows = {}
        for kind, trained in ((ModelKind.CHURN, churn), (ModelKind.LTV, ltv)):
            rows[kind] = model_version_register(
                kind=kind, model=trained.model, as_of=as_of, activate=activate, metadata=trained.metadata
            )
            _record_performance(rows[kind], trained.n_train, trained.n_holdout, trained.performance)
        rows[ModelKind.SEGMENTATION] = _register_segmentation(segmentation, segment_inputs, as_of, activate=activate)
    seconds["total"] = time.perf_counter() - started
    logger.info("trained models as of %s in %.1f s: %s", as_of, seconds["total"], seconds)
    return TrainingResult(
        as_of=as_of,
        versions={str(kind): row.version for kind, row in rows.items()},
        metrics={"churn": churn.performance, "ltv": ltv.performance},
        seconds=seconds,
        churn_window_days=churn_window_days,
    )


@dataclass
class _Trained:
    """A model ready to register: what its version's metadata and its performance row hold."""

    model: Any
    metadata: dict[str, Any]
    performance: dict[str, Any]
    n_train: int
    n_holdout: int


def _validated(model: Any, report: Any, details: dict[str, Any]) -> _Trained:
    """A model trained and validated out of time: its report, the figures of everything it was compared with, what
    is served, and the `details` of its kind (_churn_details, _ltv_details)."""
    metrics = report.metrics
    served = report.served
    baselines = {
        name: values
        for name, values in metrics.items()
        if name not in ("model", "blend", "served") and not name.startswith("served_")
    }
    performance = {
        "served": served,
        "fallback": False,
        "decision": report.decision,
        "model": metrics["model"],
        "blend": metrics.get("blend", {}),
        "served_metrics": metrics["served"],
        "baselines": baselines,
        "calibration": report.calibration,
        "features_left_out": report.features_left_out,
        "holdout_cutoff": report.holdout_cutoff.isoformat(),
    }
    performance |= details
    return _Trained(
        model=model,
        metadata={"feature_names": list(model.feature_names), "served": served, "report": report.to_dict()},
        performance=performance,
        n_train=report.n_train,
        n_holdout=report.n_holdout,
    )


def _churn_details(report: TrainingReport) -> dict[str, Any]:
    return {
        "recently_active": report.metrics_recently_active,
        "class_balance": report.class_balance,
        "window_days": report.window_days,
        "baselines_missing": report.baselines_missing,
    }


def _ltv_details(report: LtvReport) -> dict[str, Any]:
    return {
        "observed_days": report.observed_days,
        "horizon_days": report.horizon_days,
        "extension": report.extension,
        "coverage_by_predicted_spend": report.metrics.get("served_coverage_by_predicted_spend", {}),
        "warnings": report.warnings,
    }


def _fallback(model: Any, description: dict[str, Any]) -> _Trained:
    """A classical model served because the history is too short to validate ours: nothing was held out."""
    return _Trained(
        model=model,
        metadata={"feature_names": [], "served": description["served"], "fallback": description},
        performance={"served": description["served"], "fallback": True, "decision": {"reason": description["reason"]}},
        n_train=0,
        n_holdout=0,
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
        metadata={"feature_names": segmentation.features, "n_customers": len(inputs), **segmentation.summary()},
    )
    _record_performance(row, len(inputs), 0, {"profiles": _profiles_json(segmentation), **segmentation.summary()})
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
