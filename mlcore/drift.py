"""Feature drift: the population stability index of each feature between the training snapshot and a scoring day.

PSI = Σ (current − reference) × ln(current ÷ reference) over bins: the deciles of the reference (fewer where its
values repeat), a bin below its smallest value and one above its largest (so that a shift beyond anything seen in
training counts, even for a feature the reference held constant), and a bin for missing values (so that a feature
going missing counts as drift). A share of zero is floored at PSI_FLOOR, as Evidently does, so that a bin empty on
one side adds a large but finite term.
The usual bands: below 0.1 stable, 0.1 to 0.2 watch, 0.2 or more act.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlcore.arrays import AnyFloatArray, FloatArray

PSI_BINS = 10
PSI_FLOOR = 1e-4
WATCH_FROM = 0.1
ACT_FROM = 0.2
STABLE, WATCH, ACT = "stable", "watch", "act"


def bin_edges(reference: AnyFloatArray, bins: int = PSI_BINS) -> FloatArray:
    """The reference's quantiles from its smallest value to its largest (its deciles by default), each once."""
    present = reference[~np.isnan(reference)]
    if not len(present):
        return np.array([], dtype=float)
    edges: FloatArray = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)))
    return edges


def bin_shares(values: AnyFloatArray, edges: FloatArray) -> FloatArray:
    """The share of `values` in each bin: below the reference's smallest value, at it, then up to and including each
    next edge, above its largest, and missing. The bins outside the reference's range see a shift the reference
    never showed, even for a feature it held constant."""
    missing = np.isnan(values)
    present = np.nan_to_num(values)
    inside = np.searchsorted(edges, present, side="left") + 1
    index = np.where(missing, len(edges) + 2, np.where(present < edges[0], 0, inside) if len(edges) else 0)
    counts = np.bincount(index, minlength=len(edges) + 3).astype(float)
    shares: FloatArray = counts / len(values)
    return shares


def psi(reference: AnyFloatArray, current: AnyFloatArray, bins: int = PSI_BINS) -> float | None:
    """The population stability index of `current` against `reference`; None when either is empty."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    if not len(reference) or not len(current):
        return None
    edges = bin_edges(reference, bins)
    expected = np.maximum(bin_shares(reference, edges), PSI_FLOOR)
    actual = np.maximum(bin_shares(current, edges), PSI_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def psi_band(value: float | None) -> str:
    """stable, watch or act; "" for no value."""
    if value is None:
        return ""
    return ACT if value >= ACT_FROM else WATCH if value >= WATCH_FROM else STABLE


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    psi: float | None
    band: str


@dataclass(frozen=True)
class DayDrift:
    day: dt.date
    customers: int
    features: list[FeatureDrift]  # the most drifted first
    band: str  # the worst feature's


def feature_drift(reference: pd.DataFrame, days: Mapping[dt.date, pd.DataFrame], features: list[str]) -> list[DayDrift]:
    """Per scoring day (in order), the PSI of each of `features` against the reference (the training snapshot)."""
    rows = []
    for day, current in sorted(days.items()):
        drifts = []
        for feature in features:
            value = psi(reference[feature].to_numpy(dtype=float), current[feature].to_numpy(dtype=float))
            drifts.append(FeatureDrift(feature, None if value is None else round(value, 4), psi_band(value)))
        drifts.sort(key=lambda item: -1.0 if item.psi is None else item.psi, reverse=True)
        worst = drifts[0].psi if drifts else None
        rows.append(DayDrift(day, len(current), drifts, psi_band(worst)))
    return rows
