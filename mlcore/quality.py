"""Model quality over time: each training run's figures on its out-of-time holdout, beside the baselines measured on
the same rows and the calibration by decile of what it served (mlcore.metrics computes them at training)."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

QUALITY_METRICS = ("auc_roc", "precision", "recall", "brier")
GOOD_FROM, FAIR_FROM = 0.8, 0.7  # AUC of the served forecast: good, fair, below that poor


@dataclass(frozen=True)
class Calibration:
    """Mean predicted and actual churn per tenth of the holdout ranked by prediction (lowest first)."""

    predicted: list[float]
    actual: list[float]
    n: list[int]
    largest_gap: float | None


@dataclass(frozen=True)
class RunQuality:
    version: str
    as_of: dt.date
    served: str  # what the run serves: model, blend, or a classical model
    active: bool  # the version scoring customers now
    fallback: bool  # too little history to validate: nothing was measured
    n_holdout: int
    served_metrics: dict[str, float]  # QUALITY_METRICS of the served forecast
    model: dict[str, float]  # of our own model, served or not
    baselines: dict[str, dict[str, float]]  # name → QUALITY_METRICS
    calibration: Calibration
    band: str  # good, fair or poor by the served forecast's AUC; "" when not measured


def picked(metrics: Mapping[str, Any] | None) -> dict[str, float]:
    return {name: float(metrics[name]) for name in QUALITY_METRICS if metrics and metrics.get(name) is not None}


def quality_band(auc: float | None) -> str:
    if auc is None:
        return ""
    return "good" if auc >= GOOD_FROM else "fair" if auc >= FAIR_FROM else "poor"


def calibration_of(deciles: Mapping[str, Sequence[float]] | None) -> Calibration:
    predicted = [float(value) for value in (deciles or {}).get("predicted", [])]
    actual = [float(value) for value in (deciles or {}).get("actual", [])]
    gaps = [abs(p - a) for p, a in zip(predicted, actual, strict=True)]
    return Calibration(
        predicted=predicted,
        actual=actual,
        n=[int(value) for value in (deciles or {}).get("n", [])],
        largest_gap=max(gaps) if gaps else None,
    )


def run_quality(
    *, version: str, as_of: dt.date, active: bool, n_holdout: int, metrics: Mapping[str, Any]
) -> RunQuality:
    """One run from the metrics its performance row holds (served, fallback, served_metrics, model, baselines,
    calibration; a fallback run holds only the first two)."""
    served = picked(metrics.get("served_metrics"))
    return RunQuality(
        version=version,
        as_of=as_of,
        served=str(metrics.get("served", "model")),
        active=active,
        fallback=bool(metrics.get("fallback", False)),
        n_holdout=n_holdout,
        served_metrics=served,
        model=picked(metrics.get("model")),
        baselines={str(name): picked(values) for name, values in sorted((metrics.get("baselines") or {}).items())},
        calibration=calibration_of(metrics.get("calibration")),
        band=quality_band(served.get("auc_roc")),
    )
