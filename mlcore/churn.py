"""Churn model: will a customer make no completed booking in the `window_days` after `as_of`?

Training uses the labelled cutoffs the history holds (a label needs its whole window to have passed), validates
out of time on the latest labelled cutoff against the classical baselines measured on the same rows — recency alone,
BG/NBD and Pareto/NBD — then refits on every cutoff. What is served is decided on that holdout (`mlcore.champion`):
our model where it is at least as good as the best baseline, otherwise a blend of the two, otherwise the baseline.
Probabilities are calibrated with isotonic regression learned on the out-of-time holdout, so "70%" means about 70%
of such customers leave.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mlcore import champion
from mlcore.arrays import AnyFloatArray, BoolArray, Float32Array, FloatArray, IntArray, ObjectArray
from mlcore.boosting import THREADS, booster_bytes, booster_load, booster_train
from mlcore.classical import PATTERN_FEATURES, PatternModels, patterns_fit, rfm, rfm_of
from mlcore.features import (
    FEATURES,
    History,
    HistoryTooShort,
    TrainingDataError,
    build_features,
    cutoff_of,
    informative_columns,
)
from mlcore.metrics import binary_metrics, calibration_by_decile

if TYPE_CHECKING:
    import xgboost as xgb

__all__ = ["rfm"]  # re-exported: the lifetime-value model reads the buy-till-you-die inputs through churn

# Every input the churn and lifetime-value models may use, in this order: the point-in-time features plus the
# classical models' outputs. A trained booster uses the subset that carries information in its training data.
MODEL_FEATURES: tuple[str, ...] = (*FEATURES, *PATTERN_FEATURES)
RISK_CATEGORIES = ("low", "medium", "high", "critical")
# A training cutoff needs this much history before it: customers whose only booking is minutes old tell nothing.
MIN_FEATURE_DAYS = 14
# The baselines' scores and the feature each one's part of a blend is attributed to in the explanations.
BASELINE_FEATURE = {"recency": "days_since_last_booking", "bg_nbd": "bgnbd_p_churn", "pareto_nbd": "pnbd_p_churn"}
# A buy-till-you-die model's inputs as the reasons name them: repeat bookings, days since the last, since the first.
PATTERN_INPUTS = ("bookings_total", "days_since_last_booking", "btyd_age_days")


@dataclass(frozen=True)
class ChurnConfig:
    window_days: int = 90
    n_train_cutoffs: int = 6
    cutoff_step_days: int = 30
    min_feature_days: int = MIN_FEATURE_DAYS
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
    # The log-odds slopes of the tails past the lowest and highest centres (see apply); None in a calibrator stored
    # before they were learned, which extends along its end segments instead.
    tails: tuple[float, float] | None = None

    @classmethod
    def fit(cls, scores: AnyFloatArray, labels: IntArray) -> "Calibrator":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, labels)
        steps_x, steps_y = np.asarray(iso.X_thresholds_, dtype=float), np.asarray(iso.y_thresholds_, dtype=float)
        levels = np.unique(steps_y)
        centres = np.array([steps_x[steps_y == level].mean() for level in levels])
        scores, labels = np.asarray(scores, dtype=float), np.asarray(labels)
        lowest, highest = np.quantile(scores, [TAIL_SHARE, 1 - TAIL_SHARE]) if len(scores) else (0.0, 1.0)
        tails = (_tail_slope(scores, labels, scores <= lowest), _tail_slope(scores, labels, scores >= highest))
        return cls(x=centres, y=levels, tails=tails)

    def apply(self, scores: AnyFloatArray) -> FloatArray:
        """Interpolated between the centres strictly inside the caps, and extended past the outermost of them on the
        log-odds scales of score and probability, with the slope a logistic regression finds in that tail of the
        holdout (a quarter of it).

        Without the extension every score beyond the last centre (half of the top step and everything higher) shared
        one probability: when customers at scoring are older than any on the holdout, that was 74% of a one-cohort
        log, and their ranking was lost (AUC 0.853 → 0.833 for recency alone). Extended in probability towards a top
        step where everyone churned (level 1), or along the last few centres, which can lie a thousandth apart, the
        line reached the 0.999 cap just past the holdout's scores and two thirds of a twelve-month log tied there
        again, out of time. A logistic tail approaches certainty without reaching it and keeps the ranking."""
        scores = np.asarray(scores, dtype=float)
        probabilities = np.interp(scores, self.x, self.y)
        inside = np.flatnonzero((self.y > PROBABILITY_CAP[0]) & (self.y < PROBABILITY_CAP[1]))
        if len(inside) >= 2:
            x, y = _logit(self.x), _logit(self.y)
            first, last = int(inside[0]), int(inside[-1])
            for side, beyond, (inner, outer) in (
                (1, scores > self.x[last], (int(inside[-2]), last)),
                (0, scores < self.x[first], (int(inside[1]), first)),
            ):
                slope = self.tails[side] if self.tails else (y[inner] - y[outer]) / (x[inner] - x[outer])
                # never flat, so that the extension keeps the ranking
                probabilities[beyond] = _sigmoid(y[outer] + max(slope, 1e-3) * (_logit(scores[beyond]) - x[outer]))
        # Keep probabilities strictly inside (0, 1): log-loss stays finite and no customer is "certain".
        return np.clip(probabilities, *PROBABILITY_CAP)

    def to_dict(self) -> dict[str, Any]:
        return {"x": self.x.tolist(), "y": self.y.tolist(), "tails": None if self.tails is None else list(self.tails)}

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> "Calibrator":
        tails = stored.get("tails")
        return cls(
            x=np.array(stored["x"]), y=np.array(stored["y"]), tails=None if tails is None else (tails[0], tails[1])
        )


TAIL_SHARE = 0.25  # of the holdout's scores, at either end, that the extension's slope is learned on


def _tail_slope(scores: AnyFloatArray, labels: IntArray, rows: BoolArray) -> float:
    """The slope of log-odds of churn on log-odds of the score among `rows` (logistic regression); 1 (the
    calibration of a score that is already a probability) where one class fills them."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(labels[rows])) < 2:
        return 1.0
    fitted = LogisticRegression(C=1e6).fit(_logit(scores[rows])[:, None], labels[rows])
    return float(fitted.coef_[0, 0])


PROBABILITY_CAP = (0.001, 0.999)
PROBABILITY_DECIMALS = 4


@dataclass(frozen=True)
class RecencyBaseline:
    """Recency alone: P(churn) = σ(intercept + slope · log(1 + days since the last booking))."""

    intercept: float
    slope: float

    @classmethod
    def fit(cls, days: FloatArray, labels: IntArray) -> "RecencyBaseline":
        from sklearn.linear_model import LogisticRegression

        fitted = LogisticRegression().fit(np.log1p(days)[:, None], labels)
        return cls(intercept=float(fitted.intercept_[0]), slope=float(fitted.coef_[0, 0]))

    def predict(self, days: AnyFloatArray) -> FloatArray:
        return _sigmoid(self.intercept + self.slope * np.log1p(np.asarray(days, dtype=float)))


@dataclass(frozen=True)
class Serving:
    """How the served score is made from our booster and one baseline, before calibration:
    logit(score) = intercept + w_model · logit(booster) + w_baseline · logit(baseline).

    Our model alone is (0, 1, 0); a baseline alone is (0, 0, 1); a blend has the weights a logistic regression learned
    on the holdout. The explanations split the baseline's part, w_baseline · logit(baseline), against a reference:
    recency's goes to the days since the last booking, measured from `reference` (its mean logit on the holdout); a
    buy-till-you-die model's is shared exactly (Shapley values) between its three inputs — repeat bookings, days
    since the last booking, days since the first — measured from `reference_customer`, the holdout's median
    customer (repeat bookings, days since the last completed booking, days since the first).
    """

    served: str = champion.MODEL
    baseline: str | None = None
    intercept: float = 0.0
    w_model: float = 1.0
    w_baseline: float = 0.0
    reference: float = 0.0
    reference_customer: tuple[float, float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ChurnModel:
    booster: "xgb.Booster | None"  # None: a classical model served alone (see churn_fallback)
    calibrator: Calibrator
    patterns: PatternModels
    window_days: int
    feature_names: list[str] = field(default_factory=lambda: list(MODEL_FEATURES))  # the booster's inputs
    recency: RecencyBaseline | None = None
    serving: Serving = field(default_factory=Serving)

    @property
    def input_names(self) -> list[str]:
        """The columns of `matrix()`, of `contributions()` (bias last) and of the reasons."""
        return list(MODEL_FEATURES)

    def matrix(self, features: pd.DataFrame) -> Float32Array:
        """The model's input matrix (MODEL_FEATURES): point-in-time features plus the classical models' outputs."""
        return model_matrix(features, self.patterns, self.window_days)

    def raw_scores(self, matrix: Float32Array) -> Float32Array:
        if self.booster is None:
            raise ValueError("this churn model has no booster: it serves a classical model")
        return raw_scores(self.booster, self._booster_inputs(matrix))

    def served_margins(self, matrix: Float32Array) -> FloatArray:
        """The served score's log-odds before calibration (see Serving); the contributions add up to it."""
        serving = self.serving
        margin = np.full(len(matrix), serving.intercept)
        if serving.w_model and self.booster is not None:
            booster_margin = self.booster.inplace_predict(self._booster_inputs(matrix), predict_type="margin")
            margin = margin + serving.w_model * np.asarray(booster_margin, dtype=float)
        if serving.baseline is not None and serving.w_baseline:
            margin = margin + serving.w_baseline * _logit(self._baseline(matrix))
        return margin

    def served_scores(self, matrix: Float32Array) -> FloatArray:
        """The served score before calibration: our booster's probability, a blend's, or a baseline's."""
        if self.serving.served == champion.MODEL:
            return np.asarray(self.raw_scores(matrix), dtype=float)
        return _sigmoid(self.served_margins(matrix))

    def predict_proba(self, features: pd.DataFrame) -> FloatArray:
        return self.calibrator.apply(self.served_scores(self.matrix(features)))

    def probabilities(self, matrix: Float32Array) -> FloatArray:
        """Calibrated churn probabilities rounded as they are stored and served (4 places), so that a risk category
        taken from them always agrees with the stored probability."""
        return np.round(self.calibrator.apply(self.served_scores(matrix)), PROBABILITY_DECIMALS)

    def contributions(self, matrix: Float32Array) -> FloatArray:
        """Each input's signed contribution to the served score's log-odds, one column per MODEL_FEATURES and the
        bias last: exact TreeSHAP from XGBoost for the booster's part, scaled by its weight, plus the baseline's
        part on the baseline's feature (see Serving). Inputs the booster does not use contribute exactly 0."""
        import xgboost as xgb

        serving = self.serving
        out = np.zeros((len(matrix), len(MODEL_FEATURES) + 1))
        if serving.w_model and self.booster is not None:
            data = xgb.DMatrix(self._booster_inputs(matrix), feature_names=self.feature_names, nthread=THREADS)
            shap: Float32Array = self.booster.predict(data, pred_contribs=True)
            columns = [MODEL_FEATURES.index(name) for name in self.feature_names]
            out[:, columns] = serving.w_model * shap[:, :-1]
            out[:, -1] = serving.w_model * shap[:, -1]
        out[:, -1] += serving.intercept
        if serving.baseline is not None and serving.w_baseline:
            parts, base = self._baseline_parts(matrix)
            for feature, part in parts.items():
                out[:, MODEL_FEATURES.index(feature)] += serving.w_baseline * part
            out[:, -1] += serving.w_baseline * base
        return out

    def _baseline_parts(self, matrix: Float32Array) -> tuple[dict[str, FloatArray], float]:
        """The baseline's logit split by feature, and the reference it is measured from (see Serving)."""
        serving, logit = self.serving, _logit(self._baseline(matrix))
        name = serving.baseline
        if name == "recency" or name is None or serving.reference_customer is None:
            return {BASELINE_FEATURE.get(name or "recency", "days_since_last_booking"): logit - serving.reference}, (
                serving.reference
            )

        def pattern_logit(x: FloatArray, gap: FloatArray, age: FloatArray) -> FloatArray:
            gap = np.minimum(gap, age)
            return _logit(self.patterns.p_no_purchase(name, float(self.window_days), x, age - gap, age))

        frequency, recency_days, age, known = _pattern_inputs(matrix)
        gap = age - recency_days
        reference = np.array(serving.reference_customer, dtype=float)
        base = float(pattern_logit(reference[:1], reference[1:2], reference[2:3])[0])
        own = [frequency[known], gap[known], age[known]]
        shapley = exact_shapley(
            lambda chosen: pattern_logit(
                *(own[i] if chosen[i] else np.full(known.sum(), reference[i]) for i in range(3))
            ),
            players=3,
        )
        parts = {feature: np.zeros(len(matrix)) for feature in (*PATTERN_INPUTS, BASELINE_FEATURE[name])}
        for feature, values in zip(PATTERN_INPUTS, shapley, strict=True):
            parts[feature][known] = values
        # Customers without a completed booking have no pattern: the baseline counts them as gone, and says so.
        parts[BASELINE_FEATURE[name]][~known] = logit[~known] - base
        return parts, base

    def _booster_inputs(self, matrix: Float32Array) -> Float32Array:
        return columns_of(matrix, self.feature_names)

    def _baseline(self, matrix: Float32Array) -> FloatArray:
        name = self.serving.baseline
        if name is None:
            raise ValueError("this model serves no baseline")
        return baseline_scores(name, matrix, self.recency, self.patterns, self.window_days)

    def to_files(self) -> dict[str, bytes]:
        meta = {
            "feature_names": self.feature_names,
            "window_days": self.window_days,
            "calibrator": self.calibrator.to_dict(),
            "patterns": self.patterns.to_dict(),
            "recency": None if self.recency is None else asdict(self.recency),
            "serving": self.serving.to_dict(),
        }
        files = {"churn.json": json.dumps(meta).encode()}
        if self.booster is not None:
            files["booster.json"] = booster_bytes(self.booster)
        return files

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> "ChurnModel":
        meta = json.loads(files["churn.json"])
        booster = (
            booster_load(
                files["booster.json"],
                feature_names=meta["feature_names"],
                mismatch="the booster's features differ from the model's feature list",
            )
            if "booster.json" in files
            else None
        )
        calibrator = Calibrator.from_dict(meta["calibrator"])
        # Model files from before the champion and Pareto/NBD hold "bgnbd" alone and always serve the model.
        patterns = PatternModels.from_dict(meta.get("patterns") or {"bgnbd": meta["bgnbd"]})
        recency = meta.get("recency")
        return cls(
            booster=booster,
            calibrator=calibrator,
            patterns=patterns,
            window_days=int(meta["window_days"]),
            feature_names=list(meta["feature_names"]),
            recency=None if recency is None else RecencyBaseline(**recency),
            serving=_serving_from(meta.get("serving", {})),
        )


def _serving_from(data: dict[str, Any]) -> Serving:
    customer = data.get("reference_customer")
    return Serving(**{**data, "reference_customer": None if customer is None else tuple(customer)})


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
    # "model", "blend", "served" and each baseline ("recency", "bg_nbd", "pareto_nbd") -> metric -> value
    metrics: dict[str, dict[str, float]]
    # The same on customers who booked within two windows of the cutoff: the ones staff can still win back, where
    # recency alone separates far less well than on a population full of long-gone customers.
    metrics_recently_active: dict[str, dict[str, float]]
    config: dict[str, Any]
    decision: dict[str, Any] = field(default_factory=dict)  # champion.Decision.to_dict()
    calibration: dict[str, list[float]] = field(default_factory=dict)  # the served forecast per decile
    features_used: list[str] = field(default_factory=list)
    features_left_out: list[str] = field(default_factory=list)  # constant or repeating another in the training data
    baselines_missing: dict[str, str] = field(default_factory=dict)  # a classical model that could not be fitted

    @property
    def served(self) -> str:
        return str(self.decision.get("served", champion.MODEL))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("as_of", "holdout_cutoff"):
            data[key] = data[key].isoformat()
        data["train_cutoffs"] = [cutoff.isoformat() for cutoff in self.train_cutoffs]
        return data


def model_matrix(features: pd.DataFrame, patterns: PatternModels, window_days: int) -> Float32Array:
    """The churn model's input matrix (MODEL_FEATURES): point-in-time features plus the classical models' outputs."""
    return patterns.columns(features, window_days)[list(MODEL_FEATURES)].to_numpy(dtype=np.float32)


def columns_of(matrix: Float32Array, names: list[str]) -> Float32Array:
    """The columns of a model matrix (MODEL_FEATURES) that a booster trained on `names` reads, in that order."""
    if names == list(MODEL_FEATURES):
        return matrix
    return np.ascontiguousarray(matrix[:, [MODEL_FEATURES.index(name) for name in names]])


def raw_scores(booster: "xgb.Booster", matrix: Float32Array) -> Float32Array:
    """The booster's uncalibrated churn probabilities."""
    scores: Float32Array = booster.inplace_predict(matrix)
    return scores


def baseline_scores(
    name: str,
    matrix: AnyFloatArray,
    recency: RecencyBaseline | None,
    patterns: PatternModels,
    window_days: int,
) -> FloatArray:
    """A baseline's churn probability from the model matrix, in float64 (the matrix's own pattern columns are float32,
    too coarse for the log-odds of a near-certain leaver); a customer without a completed booking has no purchase
    pattern, so the buy-till-you-die models count them as gone."""
    if name == "recency":
        if recency is None:
            raise ValueError("the recency baseline was not fitted")
        return recency.predict(matrix[:, MODEL_FEATURES.index("days_since_last_booking")])
    frequency, recency_days, age, known = _pattern_inputs(matrix)
    out = np.ones(len(matrix))
    if known.any():
        out[known] = patterns.p_no_purchase(name, float(window_days), frequency[known], recency_days[known], age[known])
    return out


def _pattern_inputs(matrix: AnyFloatArray) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """Buy-till-you-die frequency, recency, age and which rows have them, read from the model matrix."""
    return rfm_of(
        *(matrix[:, MODEL_FEATURES.index(name)] for name in ("bookings_total", "btyd_recency_days", "btyd_age_days"))
    )


def _logit(p: AnyFloatArray) -> FloatArray:
    clipped: FloatArray = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    logit: FloatArray = np.log(clipped) - np.log1p(-clipped)
    return logit


def _sigmoid(z: AnyFloatArray) -> FloatArray:
    probability: FloatArray = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
    return probability


def churn_labels(history: History, cutoff_day: dt.date, window_days: int, customers: pd.Index) -> pd.Series:
    """1 when the customer makes no completed booking in [cutoff, cutoff + window), else 0."""
    start = cutoff_of(cutoff_day)
    end = cutoff_of(cutoff_day + dt.timedelta(days=window_days))
    bookings = history.bookings
    returned = bookings[
        (bookings["status"] == "completed") & (bookings["booked_at"] >= start) & (bookings["booked_at"] < end)
    ]["customer_id"].unique()
    return pd.Series(np.where(customers.isin(returned), 0, 1), index=customers, name="churned")


def labelled_cutoffs(history_start: dt.date, as_of: dt.date, config: ChurnConfig) -> tuple[dt.date, list[dt.date]]:
    """The holdout cutoff (latest whose window has passed) and the training cutoffs, whose windows end before it,
    as many as the history holds (up to `n_train_cutoffs`, each with `min_feature_days` of history before it).

    Raises TrainingDataError, saying how much history would be enough, when not even one training cutoff fits.
    """
    holdout = as_of - dt.timedelta(days=config.window_days)
    first_train = holdout - dt.timedelta(days=config.window_days)
    earliest = history_start + dt.timedelta(days=config.min_feature_days)
    train = [
        day
        for k in range(config.n_train_cutoffs)
        if (day := first_train - dt.timedelta(days=config.cutoff_step_days * k)) >= earliest
    ]
    if not train:
        needed = 2 * config.window_days + config.min_feature_days
        raise HistoryTooShort(
            f"the history ({history_start} to {as_of}, {(as_of - history_start).days} days) is too short to validate "
            f"a {config.window_days}-day churn model: it needs {needed} days ({config.min_feature_days} days of "
            f"bookings before a training cutoff, that cutoff's {config.window_days}-day window, then a "
            f"{config.window_days}-day holdout window), i.e. bookings from {as_of - dt.timedelta(days=needed)} on"
        )
    return holdout, sorted(train)


def history_start(history: History) -> dt.date:
    """The Dhaka day of the first booking; TrainingDataError when there is none."""
    if history.bookings.empty:
        raise TrainingDataError("there are no bookings to learn from")
    return pd.Timestamp(history.bookings["booked_at"].min()).tz_convert("Asia/Dhaka").date()


def _snapshot(history: History, cutoff: dt.date, window_days: int) -> tuple[pd.DataFrame, pd.Series]:
    features = build_features(history, cutoff)
    return features, churn_labels(history, cutoff, window_days, features.index)


def _fit_booster(
    matrix: Float32Array, labels: IntArray, config: ChurnConfig, feature_names: list[str]
) -> "xgb.Booster":
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
    return booster_train(
        columns_of(matrix, feature_names),
        labels,
        feature_names=feature_names,
        params=params,
        rounds=config.n_estimators,
    )


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
    """Validate out of time, decide what to serve, calibrate on the holdout, refit on every labelled cutoff.
    Raises TrainingDataError."""
    holdout_day, train_days = labelled_cutoffs(history_start(history), as_of, config)

    snapshots = [_snapshot(history, day, config.window_days) for day in train_days]
    train_x = pd.concat([features for features, _ in snapshots])
    train_y = np.concatenate([labels.to_numpy() for _, labels in snapshots])
    holdout_x, holdout_labels = _snapshot(history, holdout_day, config.window_days)
    holdout_y = holdout_labels.to_numpy()
    _check_trainable(train_y, "the training cutoffs", config)
    _check_trainable(holdout_y, f"the holdout cutoff {holdout_day}", config)

    # The classical models are fitted without labels, on the latest training snapshot: nothing from the holdout.
    patterns = patterns_fit(snapshots[-1][0])
    train_matrix = model_matrix(train_x, patterns, config.window_days)
    holdout_matrix = model_matrix(holdout_x, patterns, config.window_days)
    used = informative_columns(train_matrix, list(MODEL_FEATURES))
    validation_booster = _fit_booster(train_matrix, train_y, config, used)
    holdout_raw = np.asarray(raw_scores(validation_booster, columns_of(holdout_matrix, used)), float)

    # The classical baselines predict from the holdout cutoff as they would on the day: the buy-till-you-die models
    # fitted on that day's snapshot (no labels), recency on the training rows.
    final_patterns = patterns_fit(holdout_x)
    baseline_matrix = model_matrix(holdout_x, final_patterns, config.window_days)
    recency = RecencyBaseline.fit(train_x["days_since_last_booking"].to_numpy(), train_y)
    baselines = ["recency", *final_patterns.fitted]
    scores = {
        name: baseline_scores(name, baseline_matrix, recency, final_patterns, config.window_days) for name in baselines
    }
    candidates = {
        name: _cross_calibrated(values, holdout_y, config.seed)
        for name, values in {champion.MODEL: holdout_raw, **scores}.items()
    }
    metrics = {name: binary_metrics(holdout_y, values) for name, values in candidates.items()}
    partner = champion.best_churn_baseline(metrics, baselines)
    candidates[champion.BLEND] = _cross_blended(holdout_raw, scores[partner], holdout_y, config.seed)
    metrics[champion.BLEND] = binary_metrics(holdout_y, candidates[champion.BLEND])
    decision = champion.churn_decide(metrics, baselines)
    metrics["served"] = metrics[decision.served]
    active = holdout_x["days_since_last_booking"].to_numpy() <= 2 * config.window_days
    metrics_active = (
        {name: binary_metrics(holdout_y[active], values[active]) for name, values in candidates.items()}
        if 0 < holdout_y[active].sum() < active.sum()
        else {}
    )

    # Final model: every labelled cutoff, the holdout included; calibrated by the holdout's isotonic map.
    final_x = pd.concat([train_x, holdout_x])
    final_y = np.concatenate([train_y, holdout_y])
    serving, served_holdout = _serving(decision.served, partner, holdout_raw, scores[partner], holdout_y, holdout_x)
    model = ChurnModel(
        booster=_fit_booster(model_matrix(final_x, final_patterns, config.window_days), final_y, config, used),
        calibrator=Calibrator.fit(served_holdout, holdout_y),
        patterns=final_patterns,
        window_days=config.window_days,
        feature_names=used,
        # The recency baseline as it was validated: the calibrator and a blend's weights were learned on its scores.
        recency=recency,
        serving=serving,
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
        decision=decision.to_dict(),
        calibration=calibration_by_decile(holdout_y, candidates[decision.served]),
        features_used=used,
        features_left_out=[name for name in MODEL_FEATURES if name not in used],
        baselines_missing=dict(final_patterns.errors),
    )
    return model, report


def churn_fallback(history: History, as_of: dt.date, window_days: int, why: str) -> tuple[ChurnModel, dict[str, Any]]:
    """A classical churn model for a history too short to validate ours: Pareto/NBD's (else BG/NBD's) probability of
    no completed booking in the window, fitted without labels on the features of `as_of`, uncalibrated. `why` is
    the reason ours could not be trained; the returned description says what is served and why, for the report.

    Raises TrainingDataError when neither classical model can be fitted either."""
    features = build_features(history, as_of)
    patterns = patterns_fit(features)
    fitted = [name for name in ("pareto_nbd", "bg_nbd") if name in patterns.fitted]
    if not fitted:
        raise TrainingDataError(
            f"{why}; no classical churn model could be fitted instead either: "
            + "; ".join(f"{name}: {error}" for name, error in patterns.errors.items())
        )
    served = fitted[0]
    model = ChurnModel(
        booster=None,
        calibrator=Calibrator(x=np.array([0.0, 1.0]), y=np.array([0.0, 1.0])),
        patterns=patterns,
        window_days=window_days,
        feature_names=[],
        serving=Serving(served, served, 0.0, 0.0, 1.0, 0.0, median_customer(features)),
    )
    return model, {
        "served": served,
        "fallback": True,
        "reason": f"{why}; {champion.name_of(served)} is served instead, fitted on the {len(features):,} customers "
        f"as of {as_of}, without validation",
        "patterns": patterns.to_dict(),
    }


def _cross_calibrated(scores: FloatArray, labels: IntArray, seed: int) -> FloatArray:
    """Holdout probabilities, each calibrated on the other half, so a Brier score is not flattered."""

    def fit(rows: BoolArray) -> champion.Predictor:
        if labels[rows].min() == labels[rows].max():  # a degenerate half: fall back to the raw scores
            return lambda apply: scores[apply]
        calibrator = Calibrator.fit(scores[rows], labels[rows])
        return lambda apply: calibrator.apply(scores[apply])

    return champion.cross_fitted(len(scores), seed, fit)


def _cross_blended(raw: FloatArray, baseline: FloatArray, labels: IntArray, seed: int) -> FloatArray:
    """Holdout probabilities of the blend, its weights and calibration learned on the other half."""

    def fit(rows: BoolArray) -> champion.Predictor:
        if labels[rows].min() == labels[rows].max():
            return lambda apply: raw[apply]
        inner = _blended(_blend_weights(raw[rows], baseline[rows], labels[rows]), raw, baseline)
        calibrator = Calibrator.fit(inner[rows], labels[rows])
        return lambda apply: calibrator.apply(inner[apply])

    return champion.cross_fitted(len(raw), seed, fit)


def _blend_weights(raw: FloatArray, baseline: FloatArray, labels: IntArray) -> tuple[float, float, float]:
    """(intercept, w_model, w_baseline) of a logistic regression of the labels on both logits."""
    from sklearn.linear_model import LogisticRegression

    inputs = np.column_stack([_logit(raw), _logit(baseline)])
    fitted = LogisticRegression(C=1e4, max_iter=1000).fit(inputs, labels)
    return float(fitted.intercept_[0]), float(fitted.coef_[0, 0]), float(fitted.coef_[0, 1])


def _blended(weights: tuple[float, float, float], raw: FloatArray, baseline: FloatArray) -> FloatArray:
    intercept, w_model, w_baseline = weights
    return _sigmoid(intercept + w_model * _logit(raw) + w_baseline * _logit(baseline))


def _serving(
    served: str, partner: str, raw: FloatArray, baseline: FloatArray, labels: IntArray, holdout: pd.DataFrame
) -> tuple[Serving, FloatArray]:
    """The final model's Serving and the holdout scores its calibrator is fitted on."""
    if served == champion.MODEL:
        return Serving(), raw
    reference, customer = float(_logit(baseline).mean()), median_customer(holdout)
    if served == champion.BLEND:
        weights = _blend_weights(raw, baseline, labels)
        intercept, w_model, w_baseline = weights
        serving = Serving(served, partner, intercept, w_model, w_baseline, reference, customer)
        return serving, _blended(weights, raw, baseline)
    return Serving(served, partner, 0.0, 0.0, 1.0, reference, customer), baseline


def median_customer(features: pd.DataFrame) -> tuple[float, float, float] | None:
    """The median repeat bookings, days since the last completed booking and days since the first, among customers
    with a completed booking: the reference the explanations of a buy-till-you-die model are measured from. The
    repeat bookings are the lower median, a whole number as the models require (an even count of customers would
    otherwise give one and a half bookings, which the model refuses when explaining)."""
    frequency, recency, age, known = rfm(features)
    if not known.any():
        return None
    return (
        float(np.quantile(frequency[known], 0.5, method="lower")),
        float(np.median(age[known] - recency[known])),
        float(np.median(age[known])),
    )


def exact_shapley(value: Callable[[tuple[bool, ...]], FloatArray], players: int) -> list[FloatArray]:
    """Exact Shapley values of each player, per row: `value(chosen)` is the function with the chosen players' own
    inputs and the others' reference inputs. Sums to value(all) − value(none). 2^players evaluations."""
    from itertools import product
    from math import factorial

    values = {chosen: value(chosen) for chosen in product((False, True), repeat=players)}
    out = []
    for player in range(players):
        total: FloatArray = np.zeros_like(values[(False,) * players])
        for chosen, result in values.items():
            if chosen[player]:
                without = chosen[:player] + (False,) + chosen[player + 1 :]
                size = sum(without)
                weight = factorial(size) * factorial(players - size - 1) / factorial(players)
                total = total + weight * (result - values[without])
        out.append(total)
    return out


def risk_category(probabilities: ArrayLike, thresholds: tuple[float, float, float] = (0.3, 0.6, 0.8)) -> ObjectArray:
    """Low / medium / high / critical: below the first threshold is low, at or above the last is critical."""
    low, medium, high = thresholds
    if not 0 < low < medium < high < 1:
        raise ValueError(f"risk thresholds must rise strictly between 0 and 1, got {thresholds}")
    return np.array(RISK_CATEGORIES, dtype=object)[np.searchsorted([low, medium, high], probabilities, side="right")]
