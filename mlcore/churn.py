"""Churn model: will a customer make no completed booking in the `window_days` after `as_of`?

Training uses several historical cutoffs (a label needs its whole window to have passed), validates out of time
on the latest labelled cutoff against two baselines measured on the same rows — recency alone and a BG/NBD
buy-till-you-die model — then refits on every cutoff. Probabilities are calibrated with isotonic regression
learned on the out-of-time holdout, so "70%" means about 70% of such customers leave.
"""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlcore import btyd
from mlcore.arrays import AnyFloatArray, BoolArray, Float32Array, FloatArray, IntArray, ObjectArray
from mlcore.boosting import THREADS, booster_bytes, booster_load, booster_train
from mlcore.features import FEATURES, History, TrainingDataError, build_features, cutoff_of
from mlcore.metrics import binary_metrics

if TYPE_CHECKING:
    import xgboost as xgb

MODEL_FEATURES: tuple[str, ...] = (*FEATURES, "bgnbd_p_alive", "bgnbd_p_churn")
RISK_CATEGORIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class ChurnConfig:
    window_days: int = 90
    n_train_cutoffs: int = 6
    cutoff_step_days: int = 30
    # Sized for accuracy *and* explanation cost: exact TreeSHAP over 100k rows takes ~6 s at 100 trees of depth 4
    # against ~13 s at 150 trees, for the same out-of-time AUC (docs/MODELS.md has the comparison).
    n_estimators: int = 100
    max_depth: int = 4
    learning_rate: float = 0.1
    min_child_weight: float = 5.0
    subsample: float = 0.9
    colsample_bytree: float = 0.9
    min_customers: int = 50
    seed: int = 0


@dataclass
class Calibrator:
    """Centred isotonic regression (Oron & Flournoy 2017) as breakpoints: JSON-friendly, applied with np.interp.

    Plain isotonic regression is a staircase: thousands of customers in a row would share "78.2%" and staff could
    not rank them. Replacing each flat step by one point at its centre and interpolating between them keeps the
    calibration and makes it strictly increasing, so the model's ranking survives.
    """

    x: FloatArray
    y: FloatArray

    @classmethod
    def fit(cls, scores: AnyFloatArray, labels: IntArray) -> "Calibrator":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, labels)
        steps_x, steps_y = np.asarray(iso.X_thresholds_, dtype=float), np.asarray(iso.y_thresholds_, dtype=float)
        levels = np.unique(steps_y)
        centres = np.array([steps_x[steps_y == level].mean() for level in levels])
        return cls(x=centres, y=levels)

    def apply(self, scores: AnyFloatArray) -> FloatArray:
        # Keep probabilities strictly inside (0, 1): log-loss stays finite and no customer is "certain".
        return np.clip(np.interp(scores, self.x, self.y), 0.001, 0.999)


PROBABILITY_DECIMALS = 4


@dataclass
class ChurnModel:
    booster: "xgb.Booster"
    calibrator: Calibrator
    bgnbd: btyd.BgNbdParams
    window_days: int
    feature_names: list[str] = field(default_factory=lambda: list(MODEL_FEATURES))

    def matrix(self, features: pd.DataFrame) -> Float32Array:
        """The model's input matrix: point-in-time features plus the BG/NBD features computed from them."""
        return model_matrix(features, self.bgnbd, self.window_days, self.feature_names)

    def raw_scores(self, matrix: Float32Array) -> Float32Array:
        return raw_scores(self.booster, matrix)

    def predict_proba(self, features: pd.DataFrame) -> FloatArray:
        return self.calibrator.apply(self.raw_scores(self.matrix(features)))

    def probabilities(self, matrix: Float32Array) -> FloatArray:
        """Calibrated churn probabilities rounded as they are stored and served (4 places), so that a risk category
        taken from them always agrees with the stored probability."""
        return np.round(self.calibrator.apply(self.raw_scores(matrix)), PROBABILITY_DECIMALS)

    def contributions(self, matrix: Float32Array) -> Float32Array:
        """Exact TreeSHAP contributions in log-odds (last column is the bias), from XGBoost itself."""
        import xgboost as xgb

        data = xgb.DMatrix(matrix, feature_names=self.feature_names, nthread=THREADS)
        contributions: Float32Array = self.booster.predict(data, pred_contribs=True)
        return contributions

    def to_files(self) -> dict[str, bytes]:
        meta = {
            "feature_names": self.feature_names,
            "window_days": self.window_days,
            "calibrator": {"x": self.calibrator.x.tolist(), "y": self.calibrator.y.tolist()},
            "bgnbd": self.bgnbd.to_dict(),
        }
        return {"booster.json": booster_bytes(self.booster), "churn.json": json.dumps(meta).encode()}

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> "ChurnModel":
        meta = json.loads(files["churn.json"])
        booster = booster_load(
            files["booster.json"],
            feature_names=meta["feature_names"],
            mismatch="the booster's features differ from the model's feature list",
        )
        calibrator = Calibrator(x=np.array(meta["calibrator"]["x"]), y=np.array(meta["calibrator"]["y"]))
        return cls(
            booster=booster,
            calibrator=calibrator,
            bgnbd=btyd.BgNbdParams.from_dict(meta["bgnbd"]),
            window_days=int(meta["window_days"]),
            feature_names=list(meta["feature_names"]),
        )


@dataclass
class TrainingReport:
    as_of: dt.date
    window_days: int
    holdout_cutoff: dt.date
    train_cutoffs: list[dt.date]
    n_train: int
    n_holdout: int
    n_final_train: int
    class_balance: dict[str, float]  # churn rate in training and holdout rows
    metrics: dict[str, dict[str, float]]  # "model", "recency", "bg_nbd" -> metric -> value
    # The same on customers who booked within two windows of the cutoff: the ones staff can still win back, where
    # recency alone separates far less well than on a population full of long-gone customers.
    metrics_recently_active: dict[str, dict[str, float]]
    config: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("as_of", "holdout_cutoff"):
            data[key] = data[key].isoformat()
        data["train_cutoffs"] = [cutoff.isoformat() for cutoff in self.train_cutoffs]
        return data


def model_matrix(
    features: pd.DataFrame,
    bgnbd: btyd.BgNbdParams,
    window_days: int,
    feature_names: Sequence[str] = MODEL_FEATURES,
) -> Float32Array:
    """The churn model's input matrix: point-in-time features plus the BG/NBD features computed from them."""
    with_btyd = add_btyd_features(features, bgnbd, window_days)
    return with_btyd[list(feature_names)].to_numpy(dtype=np.float32)


def raw_scores(booster: "xgb.Booster", matrix: Float32Array) -> Float32Array:
    """The booster's uncalibrated churn probabilities."""
    scores: Float32Array = booster.inplace_predict(matrix)
    return scores


def churn_labels(history: History, cutoff_day: dt.date, window_days: int, customers: pd.Index) -> pd.Series:
    """1 when the customer makes no completed booking in [cutoff, cutoff + window), else 0."""
    start = cutoff_of(cutoff_day)
    end = cutoff_of(cutoff_day + dt.timedelta(days=window_days))
    bookings = history.bookings
    returned = bookings[
        (bookings["status"] == "completed") & (bookings["booked_at"] >= start) & (bookings["booked_at"] < end)
    ]["customer_id"].unique()
    return pd.Series(np.where(customers.isin(returned), 0, 1), index=customers, name="churned")


def add_btyd_features(features: pd.DataFrame, params: btyd.BgNbdParams, window_days: int) -> pd.DataFrame:
    """BG/NBD P(alive) and P(no purchase in the window); -1 for customers with no completed booking yet."""
    frequency, recency, age, known = rfm(features)
    p_alive = np.full(len(features), -1.0)
    p_churn = np.full(len(features), -1.0)
    if known.any():
        p_alive[known] = btyd.bgnbd_p_alive(params, frequency[known], recency[known], age[known])
        p_churn[known] = btyd.bgnbd_p_no_purchase(
            params, float(window_days), frequency[known], recency[known], age[known]
        )
    return features.assign(bgnbd_p_alive=p_alive, bgnbd_p_churn=p_churn)


def rfm(features: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """BG/NBD's frequency (repeat bookings), recency and age in days, and which customers have them (a completed
    booking), from the point-in-time features."""
    frequency = np.maximum(features["bookings_total"].to_numpy() - 1, 0)
    recency = features["btyd_recency_days"].to_numpy()
    age = features["btyd_age_days"].to_numpy()
    known = (features["bookings_total"].to_numpy() > 0) & (age >= 0)
    return frequency, np.clip(recency, 0, None), np.clip(age, 0, None), known


def bgnbd_fit_on(features: pd.DataFrame) -> btyd.BgNbdParams:
    frequency, recency, age, known = rfm(features)
    return btyd.bgnbd_fit(frequency[known], recency[known], age[known])


def labelled_cutoffs(as_of: dt.date, config: ChurnConfig) -> tuple[dt.date, list[dt.date]]:
    """The holdout cutoff (latest whose window has passed) and the training cutoffs, whose windows end before it."""
    holdout = as_of - dt.timedelta(days=config.window_days)
    first_train = holdout - dt.timedelta(days=config.window_days)
    train = [first_train - dt.timedelta(days=config.cutoff_step_days * k) for k in range(config.n_train_cutoffs)]
    return holdout, sorted(train)


def _snapshot(history: History, cutoff: dt.date, window_days: int) -> tuple[pd.DataFrame, pd.Series]:
    features = build_features(history, cutoff)
    return features, churn_labels(history, cutoff, window_days, features.index)


def _fit_booster(matrix: Float32Array, labels: IntArray, config: ChurnConfig) -> "xgb.Booster":
    params = {
        "objective": "binary:logistic",
        "eval_metric": "auc",
        "max_depth": config.max_depth,
        "eta": config.learning_rate,
        "min_child_weight": config.min_child_weight,
        "subsample": config.subsample,
        "colsample_bytree": config.colsample_bytree,
        "seed": config.seed,
    }
    return booster_train(matrix, labels, feature_names=list(MODEL_FEATURES), params=params, rounds=config.n_estimators)


def _recency_baseline(train: pd.DataFrame, y_train: IntArray, holdout: pd.DataFrame) -> FloatArray:
    """Recency alone: a logistic regression on log(days since the last booking), fitted on the training rows."""
    from sklearn.linear_model import LogisticRegression

    def x(frame: pd.DataFrame) -> FloatArray:
        days: FloatArray = frame[["days_since_last_booking"]].to_numpy()
        return np.log1p(days)

    probabilities: FloatArray = LogisticRegression().fit(x(train), y_train).predict_proba(x(holdout))[:, 1]
    return probabilities


def _check_trainable(labels: IntArray, what: str, config: ChurnConfig) -> None:
    if len(labels) < config.min_customers:
        raise TrainingDataError(
            f"{what} has {len(labels)} customers; at least {config.min_customers} are needed to train the churn model"
        )
    if labels.min() == labels.max():
        kind = "churned" if labels[0] == 1 else "stayed"
        raise TrainingDataError(f"every customer in {what} {kind}: a churn model needs both outcomes to learn from")


def churn_train(
    history: History, as_of: dt.date, config: ChurnConfig = ChurnConfig()
) -> tuple[ChurnModel, TrainingReport]:
    """Validate out of time, calibrate on the holdout, refit on every labelled cutoff. Raises TrainingDataError."""
    holdout_day, train_days = labelled_cutoffs(as_of, config)
    first_booking = history.bookings["booked_at"].min() if not history.bookings.empty else None
    if first_booking is None or first_booking >= cutoff_of(train_days[-1]):
        raise TrainingDataError(
            f"the history must start before {train_days[-1]} to train a {config.window_days}-day churn model "
            f"as of {as_of} (it starts {first_booking.date() if first_booking is not None else 'nowhere: no bookings'})"
        )
    train_days = [day for day in train_days if first_booking < cutoff_of(day)]

    snapshots = [_snapshot(history, day, config.window_days) for day in train_days]
    train_x = pd.concat([features for features, _ in snapshots])
    train_y = np.concatenate([labels.to_numpy() for _, labels in snapshots])
    holdout_x, holdout_labels = _snapshot(history, holdout_day, config.window_days)
    holdout_y = holdout_labels.to_numpy()
    _check_trainable(train_y, "the training cutoffs", config)
    _check_trainable(holdout_y, f"the holdout cutoff {holdout_day}", config)

    # BG/NBD is fitted without labels, on the latest training snapshot: no information from the holdout window.
    bgnbd = bgnbd_fit_on(snapshots[-1][0])
    validation_booster = _fit_booster(model_matrix(train_x, bgnbd, config.window_days), train_y, config)
    holdout_raw = raw_scores(validation_booster, model_matrix(holdout_x, bgnbd, config.window_days))

    # Metrics use calibration cross-fitted on two halves of the holdout, so the reported Brier score is honest.
    holdout_calibrated = _cross_fitted_calibration(holdout_raw, holdout_y, seed=config.seed)
    holdout_with_btyd = add_btyd_features(holdout_x, bgnbd, config.window_days)
    bg_scores = holdout_with_btyd["bgnbd_p_churn"].to_numpy()
    bg_scores = np.where(bg_scores < 0, 1.0, bg_scores)  # no completed booking yet: BG/NBD has no view; assume gone
    scores = {
        "model": holdout_calibrated,
        "recency": _recency_baseline(train_x, train_y, holdout_x),
        "bg_nbd": bg_scores,
    }
    metrics = {name: binary_metrics(holdout_y, values) for name, values in scores.items()}
    active = holdout_x["days_since_last_booking"].to_numpy() <= 2 * config.window_days
    metrics_active = (
        {name: binary_metrics(holdout_y[active], values[active]) for name, values in scores.items()}
        if 0 < holdout_y[active].sum() < active.sum()
        else {}
    )

    # Final model: every labelled cutoff, the holdout included; calibrated by the holdout's isotonic map.
    final_x = pd.concat([train_x, holdout_x])
    final_y = np.concatenate([train_y, holdout_y])
    final_bgnbd = bgnbd_fit_on(holdout_x)
    model = ChurnModel(
        booster=_fit_booster(model_matrix(final_x, final_bgnbd, config.window_days), final_y, config),
        calibrator=Calibrator.fit(holdout_raw, holdout_y),
        bgnbd=final_bgnbd,
        window_days=config.window_days,
    )
    report = TrainingReport(
        as_of=as_of,
        window_days=config.window_days,
        holdout_cutoff=holdout_day,
        train_cutoffs=train_days,
        n_train=len(train_y),
        n_holdout=len(holdout_y),
        n_final_train=len(final_y),
        class_balance={"train_churn_rate": float(train_y.mean()), "holdout_churn_rate": float(holdout_y.mean())},
        metrics=metrics,
        metrics_recently_active=metrics_active,
        config=asdict(config),
    )
    return model, report


def _cross_fitted_calibration(scores: Float32Array, labels: IntArray, *, seed: int) -> FloatArray:
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, 2, size=len(scores))
    calibrated = np.empty_like(scores, dtype=float)
    for k in (0, 1):
        fit_rows, apply_rows = fold != k, fold == k
        if labels[fit_rows].min() == labels[fit_rows].max():  # a degenerate half: fall back to the raw scores
            calibrated[apply_rows] = scores[apply_rows]
            continue
        calibrated[apply_rows] = Calibrator.fit(scores[fit_rows], labels[fit_rows]).apply(scores[apply_rows])
    return calibrated


def risk_category(probabilities: ArrayLike, thresholds: tuple[float, float, float] = (0.3, 0.6, 0.8)) -> ObjectArray:
    """Low / medium / high / critical: below the first threshold is low, at or above the last is critical."""
    low, medium, high = thresholds
    if not 0 < low < medium < high < 1:
        raise ValueError(f"risk thresholds must rise strictly between 0 and 1, got {thresholds}")
    return np.array(RISK_CATEGORIES, dtype=object)[np.searchsorted([low, medium, high], probabilities, side="right")]
