"""Metrics reported for every model on its out-of-time holdout."""

import numpy as np
from scipy.stats import spearmanr

from mlcore.arrays import AnyFloatArray, IntArray


def binary_metrics(labels: IntArray, probabilities: AnyFloatArray, threshold: float = 0.5) -> dict[str, float]:
    from sklearn import metrics

    labels = np.asarray(labels).astype(int)
    probabilities = np.clip(np.asarray(probabilities, dtype=float), 1e-6, 1 - 1e-6)
    predicted = (probabilities >= threshold).astype(int)
    return {
        "auc_roc": float(metrics.roc_auc_score(labels, probabilities)),
        "pr_auc": float(metrics.average_precision_score(labels, probabilities)),
        "accuracy": float(metrics.accuracy_score(labels, predicted)),
        "precision": float(metrics.precision_score(labels, predicted, zero_division=0)),
        "recall": float(metrics.recall_score(labels, predicted, zero_division=0)),
        "f1": float(metrics.f1_score(labels, predicted, zero_division=0)),
        "brier": float(metrics.brier_score_loss(labels, probabilities)),
        "log_loss": float(metrics.log_loss(labels, probabilities, labels=[0, 1])),
        # the largest gap between mean predicted and actual churn over tenths of the rows ranked by prediction
        "calibration_max_gap": _largest_decile_gap(labels.astype(float), probabilities),
        "positive_rate": float(labels.mean()),
        "n": float(len(labels)),
    }


def interval_metrics(
    actual: AnyFloatArray, predicted: AnyFloatArray, low: AnyFloatArray, high: AnyFloatArray
) -> dict[str, float]:
    """Point accuracy and how often the interval covers the actual value (an 80% interval should cover ~80%)."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    total = float(actual.sum())
    return {
        "mae": float(np.mean(np.abs(actual - predicted))),
        "rmse": float(np.sqrt(np.mean((actual - predicted) ** 2))),
        # predicted ÷ actual total, and how far that is from 1: is the forecast right in total?
        "total_ratio": float(predicted.sum() / total) if total > 0 else float("nan"),
        "total_error": float(abs(predicted.sum() / total - 1)) if total > 0 else float("inf"),
        "spearman": float(spearmanr(actual, predicted).statistic) if np.ptp(predicted) > 0 else 0.0,
        "coverage": float(np.mean((actual >= low) & (actual <= high))),
        "mean_interval_width": float(np.mean(np.asarray(high) - np.asarray(low))),
        "actual_mean": float(actual.mean()),
        "predicted_mean": float(predicted.mean()),
        "n": float(len(actual)),
    }


def point_metrics(actual: AnyFloatArray, predicted: AnyFloatArray) -> dict[str, float]:
    """The figures of interval_metrics that a point forecast has (no interval, so no coverage or width)."""
    values = interval_metrics(actual, predicted, predicted, predicted)
    del values["coverage"], values["mean_interval_width"]
    return values


def calibration_by_decile(actual: AnyFloatArray, predicted: AnyFloatArray) -> dict[str, list[float]]:
    """Mean predicted and mean actual per tenth of the rows ranked by prediction (lowest first), with their sizes:
    what a calibration chart draws."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    order = np.argsort(predicted, kind="stable")
    groups = [rows for rows in np.array_split(order, 10) if len(rows)]
    return {
        "predicted": [float(predicted[rows].mean()) for rows in groups],
        "actual": [float(actual[rows].mean()) for rows in groups],
        "n": [float(len(rows)) for rows in groups],
    }


def _largest_decile_gap(actual: AnyFloatArray, predicted: AnyFloatArray) -> float:
    deciles = calibration_by_decile(actual, predicted)
    return float(max(abs(p - a) for p, a in zip(deciles["predicted"], deciles["actual"], strict=True)))
