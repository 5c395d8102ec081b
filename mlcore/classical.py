"""The classical customer-base models, fitted without labels on one snapshot of the point-in-time features.

Buy-till-you-die models read each customer's purchase pattern (repeat purchases, first-to-last and first-to-now in
days) and say how likely the customer is still active and what they will buy next. They are the strongest classical
baselines the churn and lifetime-value models are measured against (`mlcore.champion`), and their outputs are
features of those models, so the boosted trees start from what the classical models know.

- BG/NBD (Fader, Hardie & Lee 2005): a customer may drop out right after any purchase.
- Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005): a customer may drop out at any moment.

A model that cannot be fitted on the data (too few repeat purchasers, an optimiser that does not converge) is left
out with its reason: its columns are -1 for everybody, so the trees give them no weight, and the comparison names
only the baselines that exist.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlcore import btyd
from mlcore.arrays import BoolArray, FloatArray

PATTERN_MODELS: tuple[str, ...] = ("bg_nbd", "pareto_nbd")
# The columns the pattern models add to the features: P(alive) and P(no completed booking in the churn window).
PATTERN_COLUMNS: dict[str, tuple[str, str]] = {
    "bg_nbd": ("bgnbd_p_alive", "bgnbd_p_churn"),
    "pareto_nbd": ("pnbd_p_alive", "pnbd_p_churn"),
}
PATTERN_FEATURES: tuple[str, ...] = tuple(column for pair in PATTERN_COLUMNS.values() for column in pair)


def rfm(features: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """Buy-till-you-die frequency (repeat bookings), recency and age in days, and which customers have them (a
    completed booking), from the point-in-time features."""
    return rfm_of(features["bookings_total"], features["btyd_recency_days"], features["btyd_age_days"])


def rfm_of(
    bookings_total: ArrayLike, recency_days: ArrayLike, age_days: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """The same from the three feature columns themselves (a frame's or a model matrix's): frequency, recency
    (never past the age), age, and which rows have a completed booking."""
    bookings = np.asarray(bookings_total, dtype=float)
    age = np.asarray(age_days, dtype=float)
    known = (bookings > 0) & (age >= 0)
    age_or_zero = np.clip(age, 0, None)
    recency = np.minimum(np.clip(np.asarray(recency_days, dtype=float), 0, None), age_or_zero)
    return np.maximum(bookings - 1, 0), recency, age_or_zero, known


@dataclass(frozen=True)
class PatternModels:
    """The fitted buy-till-you-die models; a model that could not be fitted is None, with its reason in `errors`."""

    bg_nbd: btyd.BgNbdParams | None
    pareto_nbd: btyd.ParetoNbdParams | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def fitted(self) -> list[str]:
        return [name for name in PATTERN_MODELS if getattr(self, name) is not None]

    def columns(self, features: pd.DataFrame, window_days: int) -> pd.DataFrame:
        """`features` with P(alive) and P(no completed booking in `window_days`) of each model; -1 where the
        customer has no completed booking yet or the model could not be fitted."""
        frequency, recency, age, known = rfm(features)
        added: dict[str, FloatArray] = {}
        for name in PATTERN_MODELS:
            p_alive, p_churn = np.full(len(features), -1.0), np.full(len(features), -1.0)
            if known.any() and getattr(self, name) is not None:
                x, t_x, t = frequency[known], recency[known], age[known]
                p_alive[known] = self._p_alive(name, x, t_x, t)
                p_churn[known] = self._p_no_purchase(name, float(window_days), x, t_x, t)
            alive_column, churn_column = PATTERN_COLUMNS[name]
            added[alive_column], added[churn_column] = p_alive, p_churn
        return features.assign(**added)

    def expected_purchases(self, name: str, features: pd.DataFrame, days: float) -> FloatArray:
        """E[completed bookings in the next `days`] per customer (0 for customers without a completed booking)."""
        frequency, recency, age, known = rfm(features)
        out = np.zeros(len(features))
        if known.any():
            x, t_x, t = frequency[known], recency[known], age[known]
            if name == "bg_nbd":
                out[known] = btyd.bgnbd_expected_purchases(self._bgnbd(), days, x, t_x, t)
            else:
                out[known] = btyd.pnbd_expected_purchases(self._pnbd(), days, x, t_x, t)
        return out

    def _p_alive(self, name: str, x: FloatArray, t_x: FloatArray, t: FloatArray) -> FloatArray:
        if name == "bg_nbd":
            return btyd.bgnbd_p_alive(self._bgnbd(), x, t_x, t)
        return btyd.pnbd_p_alive(self._pnbd(), x, t_x, t)

    def p_no_purchase(self, name: str, days: float, x: FloatArray, t_x: FloatArray, t: FloatArray) -> FloatArray:
        """P(no purchase in the next `days`) of customers with x repeat purchases, first-to-last t_x, age t."""
        return self._p_no_purchase(name, days, x, t_x, t)

    def _p_no_purchase(self, name: str, days: float, x: FloatArray, t_x: FloatArray, t: FloatArray) -> FloatArray:
        if name == "bg_nbd":
            return btyd.bgnbd_p_no_purchase(self._bgnbd(), days, x, t_x, t)
        return btyd.pnbd_p_no_purchase(self._pnbd(), days, x, t_x, t)

    def rate_prior(self, name: str) -> tuple[float, float] | None:
        """(r, alpha) of the model's Gamma prior on a live customer's purchase rate (alpha in days; the same in both
        models), or None when the model was not fitted: a live customer with x repeat purchases over age T has the
        posterior Gamma(r + x, alpha + T)."""
        params = self.bg_nbd if name == "bg_nbd" else self.pareto_nbd
        return None if params is None else (params.r, params.alpha)

    def _bgnbd(self) -> btyd.BgNbdParams:
        if self.bg_nbd is None:
            raise ValueError(f"BG/NBD was not fitted: {self.errors.get('bg_nbd', 'unknown reason')}")
        return self.bg_nbd

    def _pnbd(self) -> btyd.ParetoNbdParams:
        if self.pareto_nbd is None:
            raise ValueError(f"Pareto/NBD was not fitted: {self.errors.get('pareto_nbd', 'unknown reason')}")
        return self.pareto_nbd

    def to_dict(self) -> dict[str, Any]:
        return {
            "bgnbd": None if self.bg_nbd is None else self.bg_nbd.to_dict(),
            "pnbd": None if self.pareto_nbd is None else self.pareto_nbd.to_dict(),
            "errors": dict(self.errors),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PatternModels":
        """Inverse of to_dict; model files from before Pareto/NBD hold only "bgnbd"."""
        bg, pnbd = data.get("bgnbd"), data.get("pnbd")
        return cls(
            bg_nbd=None if bg is None else btyd.BgNbdParams.from_dict(bg),
            pareto_nbd=None if pnbd is None else btyd.ParetoNbdParams.from_dict(pnbd),
            errors=dict(data.get("errors", {})),
        )


def patterns_fit(features: pd.DataFrame) -> PatternModels:
    """Fit BG/NBD and Pareto/NBD by maximum likelihood on one snapshot (no labels needed)."""
    frequency, recency, age, known = rfm(features)
    x, t_x, t = frequency[known], recency[known], age[known]
    errors: dict[str, str] = {}
    bg: btyd.BgNbdParams | None = None
    pnbd: btyd.ParetoNbdParams | None = None
    try:
        bg = btyd.bgnbd_fit(x, t_x, t)
    except (ValueError, RuntimeError) as exc:
        errors["bg_nbd"] = str(exc)
    try:
        pnbd = btyd.pnbd_fit(x, t_x, t)
    except (ValueError, RuntimeError) as exc:
        errors["pareto_nbd"] = str(exc)
    return PatternModels(bg_nbd=bg, pareto_nbd=pnbd, errors=errors)
