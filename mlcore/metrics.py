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
        "positive_rate": float(labels.mean()),
        "n": float(len(labels)),
    }


def interval_metrics(
    actual: AnyFloatArray, predicted: AnyFloatArray, low: AnyFloatArray, high: AnyFloatArray
) -> dict[str, float]:
    """Point accuracy and how often the interval covers the actual value (an 80% interval should cover ~80%)."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    return {
        "mae": float(np.mean(np.abs(actual - predicted))),
        "spearman": float(spearmanr(actual, predicted).statistic),
        "coverage": float(np.mean((actual >= low) & (actual <= high))),
        "mean_interval_width": float(np.mean(np.asarray(high) - np.asarray(low))),
        "actual_mean": float(actual.mean()),
        "predicted_mean": float(predicted.mean()),
        "n": float(len(actual)),
    }
