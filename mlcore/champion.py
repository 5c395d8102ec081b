"""Champion and challenger: which forecast is served, decided on the out-of-time holdout.

Our models are compared with the best classical model on the same holdout rows, per target. Where ours is not
better, a blend of the two chosen on the holdout is tried, and where that is not better either, the classical model
itself is served. Everything a decision rests on is cross-fitted: whatever is learned on the holdout (a calibration,
blend weights) is learned on one half and measured on the other, never on the rows it is scored on.

Churn is judged on ranking (AUC-ROC) and on calibration (Brier score); lifetime value on the error of the mean
forecast (RMSE) and on the error of the total. MAE is reported but does not decide: it is minimised by the median,
and the median customer spends nothing in most windows, so "predict zero" would win it while being useless for a
value that caps discounts and prices ROI.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from mlcore.arrays import BoolArray, FloatArray, IntArray

MODEL = "model"
BLEND = "blend"
# The classical models as the reasons name them.
NAMES = {
    "recency": "recency alone",
    "bg_nbd": "BG/NBD",
    "pareto_nbd": "Pareto/NBD",
    "bg_nbd_gamma_gamma": "BG/NBD × Gamma-Gamma",
    "pareto_nbd_gamma_gamma": "Pareto/NBD × Gamma-Gamma",
    "zero": "predict zero",
}


def name_of(model: str) -> str:
    return NAMES.get(model, model)


# Within this share of the actual total, a value forecast counts as right in total.
TOTAL_TOLERANCE = 0.10


def folds(n: int, seed: int) -> IntArray:
    """A random half (0 or 1) per row, the same for the same seed."""
    fold: IntArray = np.random.default_rng(seed).integers(0, 2, size=n)
    return fold


Predictor = Callable[[BoolArray], FloatArray]  # predictions for the given rows
Fit = Callable[[BoolArray], Predictor]  # learns on the given rows


def cross_fitted(n: int, seed: int, fit: Fit) -> FloatArray:
    """Each row's prediction from what `fit` learned on the other half: `fit(rows)` learns on `rows` and returns a
    predictor for any rows."""
    fold = folds(n, seed)
    out = np.empty(n)
    for k in (0, 1):
        learn, apply = fold != k, fold == k
        out[apply] = fit(learn)(apply)
    return out


@dataclass(frozen=True)
class Decision:
    """What is served and why, with the figures the decision compared."""

    served: str  # "model", "blend" or a baseline's name
    best_baseline: str
    reason: str
    criteria: dict[str, dict[str, float]]  # candidate -> the deciding figures

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _not_worse(
    candidate: dict[str, float], best: dict[str, float], keys: dict[str, int], good_enough: dict[str, float]
) -> bool:
    """Every deciding figure at least as good as the best baseline's (`keys` maps a figure to +1 when higher is
    better, -1 when lower is); an error at or under its `good_enough` level counts as good as any other."""

    def level(values: dict[str, float], key: str) -> float:
        return max(values[key], good_enough[key]) if key in good_enough else values[key]

    return all(sign * level(candidate, key) >= sign * level(best, key) for key, sign in keys.items())


def _decide(
    figures: dict[str, dict[str, float]],
    keys: dict[str, int],
    best_baseline: str,
    describe: Callable[[dict[str, float]], str],
    good_enough: dict[str, float] | None = None,
) -> Decision:
    best, baseline = figures[best_baseline], name_of(best_baseline)
    criteria = {name: {key: figures[name][key] for key in keys} for name in figures}
    for candidate in (MODEL, BLEND):
        if candidate in figures and _not_worse(figures[candidate], best, keys, good_enough or {}):
            why = "our model" if candidate == MODEL else f"the blend of our model and {baseline}"
            reason = (
                f"{why} is at least as good as the best classical model ({baseline}) on every criterion: "
                f"{describe(figures[candidate])} against {describe(best)}"
            )
            if candidate == BLEND:
                reason += f"; our model alone was not ({describe(figures[MODEL])})"
            return Decision(served=candidate, best_baseline=best_baseline, reason=reason, criteria=criteria)
    reason = (
        f"neither our model ({describe(figures[MODEL])}) nor a blend "
        f"({describe(figures[BLEND]) if BLEND in figures else 'not possible'}) is at least as good as "
        f"{baseline} ({describe(best)}) on every criterion, so {baseline} is served"
    )
    return Decision(served=best_baseline, best_baseline=best_baseline, reason=reason, criteria=criteria)


CHURN_KEYS = {"auc_roc": +1, "brier": -1}


def best_churn_baseline(figures: dict[str, dict[str, float]], baselines: list[str]) -> str:
    """The baseline that ranks best (by AUC; ties by Brier): the one to beat, and the one a blend takes."""
    return max(baselines, key=lambda name: (figures[name]["auc_roc"], -figures[name]["brier"]))


def churn_decide(figures: dict[str, dict[str, float]], baselines: list[str]) -> Decision:
    """The churn forecast to serve: ours, the blend, or the best baseline."""
    best = best_churn_baseline(figures, baselines)
    return _decide(figures, CHURN_KEYS, best, lambda f: f"AUC {f['auc_roc']:.4f}, Brier {f['brier']:.4f}")


VALUE_KEYS = {"rmse": -1, "total_error": -1}


def best_value_baseline(figures: dict[str, dict[str, float]], baselines: list[str]) -> str:
    """The baseline with the smallest RMSE (ties by the error of the total)."""
    return min(baselines, key=lambda name: (figures[name]["rmse"], figures[name]["total_error"]))


def value_decide(figures: dict[str, dict[str, float]], baselines: list[str]) -> Decision:
    """The value forecast to serve: ours, the blend, or the best baseline (by RMSE). A total within
    TOTAL_TOLERANCE of the actual counts as right, so a baseline's luckier total does not beat a right one."""
    best = best_value_baseline(figures, baselines)
    return _decide(
        figures,
        VALUE_KEYS,
        best,
        lambda f: f"RMSE Tk {f['rmse']:,.0f}, total off by {f['total_error']:.1%}",
        good_enough={"total_error": TOTAL_TOLERANCE},
    )
