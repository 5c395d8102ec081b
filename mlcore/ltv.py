"""Lifetime value: predicted net spend (Tk) over a horizon, with an 80% interval that covers about 80%.

How it works (docs/MODELS.md has the long form):
- The *observed* horizon h is the longest one the history can validate out of time: a training cutoff and a
  holdout cutoff h apart, each followed by h days of known spending, after `min_history_days` of features.
- A Poisson-objective XGBoost model predicts mean spend over h (a log link, fine with the many customers who spend
  nothing; Tweedie under-predicted the holdout's mean by ~10-20%, Poisson by ~1-4%); a quantile XGBoost model gives
  the 10th and 90th percentiles, moved by split conformal calibration on the holdout so that the interval's coverage
  is what it says.
- What is served is decided on the holdout against the classical value forecasts (BG/NBD or Pareto/NBD ×
  Gamma-Gamma, and "predict zero"; `mlcore.champion`): our model, a blend, or the classical forecast. Our model and
  the blend are calibrated on the holdout (one factor, actual ÷ predicted total), so the forecast is right in
  total. The holdout lies `h` days after the last training cutoff, as the scoring day lies
  `h` days after the holdout: the calibration learns the drift between the ages the model was trained on and the
  older ages it predicts for, one step ahead, exactly as scoring will meet it.
- A requested horizon H longer than h is reached by scaling with the customer's own buy-till-you-die
  expected-purchase curve, E[purchases in H] / E[purchases in h], which integrates their probability of still being
  a customer over time (their survival curve); the report says how far it extends. A history too short for a
  60-day h is refused with an explanation (training then falls back to the classical forecast).
- The lower bound *if retained* (`ltv_low_if_retained`): what a customer who comes back spends at least, with 90%
  confidence. The interval's own lower bound is Tk 0 for nearly every at-risk customer (most of them will spend
  nothing), so it cannot cap what we offer to win one back; this bound is calibrated on the holdout customers who
  did spend, per fifth of predicted spend, as a multiple of their usual booking (RetainedLowerBound).
"""

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlcore import btyd, champion
from mlcore.arrays import AnyFloatArray, BoolArray, Float32Array, FloatArray
from mlcore.boosting import booster_bytes, booster_load, booster_train
from mlcore.churn import MODEL_FEATURES, columns_of, history_start, model_matrix
from mlcore.classical import PATTERN_COLUMNS, PATTERN_MODELS, PatternModels, patterns_fit, rfm
from mlcore.features import History, HistoryTooShort, TrainingDataError, build_features, cutoff_of, informative_columns
from mlcore.metrics import calibration_by_decile, interval_metrics, point_metrics

if TYPE_CHECKING:
    import xgboost as xgb

MIN_OBSERVED_DAYS = 60
INTERVAL_OF_FALLBACK = 0.8  # the classical model's interval (see LtvModel._classical_interval)


class HorizonError(ValueError):
    """The requested horizon cannot be supported by the history."""


@dataclass(frozen=True)
class LtvConfig:
    horizon_days: int = 1095
    # Days of bookings before the first training cutoff; the observed horizon takes what is left (see
    # observable_days), so a short history still validates a horizon.
    min_history_days: int = 30
    max_observed_days: int = 365
    n_train_cutoffs: int = 3
    cutoff_step_days: int = 30
    interval: float = 0.8
    retained_confidence: float = 0.9  # of the lower bound if retained
    n_estimators: int = 150
    max_depth: int = 4
    learning_rate: float = 0.08
    min_customers: int = 50
    seed: int = 0


@dataclass
class ValueCalibrator:
    """One factor that makes the forecast right in total on the rows it is fitted on: actual total ÷ predicted total.

    A monotone map per level of spend (isotonic regression) was tried first and measured worse: spend is so
    heavy-tailed that its steps, learned on half a holdout, follow a few big spenders, and the squared error of
    the calibrated forecast rose above the uncalibrated one's. One factor has almost no variance and fixes what
    matters most, the level (the drift between the ages trained on and the ages predicted for moves the level);
    the per-decile calibration is measured and reported, not forced.
    """

    factor: float

    @classmethod
    def fit(cls, predicted: AnyFloatArray, actual: FloatArray) -> "ValueCalibrator":
        total = float(np.sum(predicted))
        return cls(factor=float(np.sum(actual)) / total if total > 0 else 1.0)

    def apply(self, predicted: AnyFloatArray) -> FloatArray:
        calibrated: FloatArray = self.factor * np.asarray(predicted, dtype=float)
        return calibrated

    def to_dict(self) -> dict[str, float]:
        return {"factor": self.factor}


@dataclass(frozen=True)
class ValueServing:
    """How the served mean over the observed horizon is made: our booster's mean (model), weight × booster +
    (1 − weight) × the classical forecast (blend), both calibrated; or the classical forecast itself (a baseline's
    name: "bg_nbd_gamma_gamma", "pareto_nbd_gamma_gamma", or "zero")."""

    served: str = champion.MODEL
    partner: str | None = None
    weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# The classical value forecasts: a buy-till-you-die model's expected purchases × Gamma-Gamma's expected spend.
VALUE_BASELINES = {f"{name}_gamma_gamma": name for name in PATTERN_MODELS}
ZERO = "zero"


@dataclass
class LtvModel:
    # None in a classical model served alone (see ltv_fallback): its interval then comes from the classical model.
    mean_booster: "xgb.Booster | None"
    quantile_booster: "xgb.Booster | None"
    conformal: "ConformalBins"  # per-bin margins on the log1p scale of the quantiles (see interval_bounds)
    retained: "RetainedLowerBound"
    patterns: PatternModels
    observed_days: int
    horizon_days: int
    window_days: int  # of the churn features' buy-till-you-die churn probabilities
    feature_names: list[str]  # the boosters' inputs, a subset of MODEL_FEATURES
    # Extension factor of customers without a completed booking (they have no buy-till-you-die curve): the training
    # population's median, fixed so that a customer's LTV never depends on who else is scored with them.
    default_factor: float = 1.0
    serving: ValueServing = field(default_factory=ValueServing)
    calibrator: ValueCalibrator | None = None
    gamma_gamma: btyd.GammaGammaParams | None = None
    extension: str = "bg_nbd"  # the buy-till-you-die curve that extends the observed horizon

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """ltv, ltv_low, ltv_high and ltv_low_if_retained in Tk over `horizon_days`, indexed like `features`;
        low ≤ ltv ≤ high."""
        matrix = model_matrix(features, self.patterns, self.window_days)
        inputs = columns_of(matrix, self.feature_names)
        mean = self.observed_mean(features, inputs)
        low: AnyFloatArray
        high: AnyFloatArray
        if self.quantile_booster is None:
            low, high = self._classical_interval(features, mean)
        else:
            low, high = interval_bounds(
                self.quantile_booster.inplace_predict(inputs), mean, self.conformal.margins_for(mean)
            )
        factor = extension_factor(
            features, self.patterns, self.extension, self.observed_days, self.horizon_days, self.default_factor
        )
        frame = pd.DataFrame(
            {
                "ltv": mean * factor,
                "ltv_low": low * factor,
                "ltv_high": high * factor,
                # Not extended: calibrated over the observed horizon, and spend only grows with the horizon, so it
                # is already a valid (conservative) lower bound over the longer one.
                "ltv_low_if_retained": self.retained.bound(mean, features["spend_avg"].to_numpy()),
            }
        )
        return frame.set_index(features.index).round(2)

    def observed_mean(self, features: pd.DataFrame, inputs: Float32Array) -> FloatArray:
        """The served mean spend over the observed horizon (see ValueServing)."""
        serving = self.serving
        if serving.served == ZERO:
            return np.zeros(len(features))
        if serving.served in VALUE_BASELINES:
            return self._classical(serving.served, features)
        if self.mean_booster is None:
            raise ValueError("this lifetime-value model has no booster: it serves a classical model")
        inner = np.clip(np.asarray(self.mean_booster.inplace_predict(inputs), dtype=float), 0, None)
        if serving.served == champion.BLEND and serving.partner is not None:
            inner = serving.weight * inner + (1 - serving.weight) * self._classical(serving.partner, features)
        return inner if self.calibrator is None else self.calibrator.apply(inner)

    def _classical(self, name: str, features: pd.DataFrame) -> FloatArray:
        if self.gamma_gamma is None:
            raise ValueError("this model has no Gamma-Gamma fit for a classical forecast")
        return classical_spend(features, self.patterns, VALUE_BASELINES[name], self.gamma_gamma, self.observed_days)

    def _classical_interval(self, features: pd.DataFrame, mean: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The central `interval` of spend under the classical model: no purchase if gone (1 − P(alive)); if alive,
        a negative binomial count (the purchase rate's posterior Gamma(r + x, α + T), dropout during the horizon
        ignored, which errs wide), times Gamma-Gamma's expected spend per purchase. Not validated."""
        from scipy.stats import nbinom

        curve = VALUE_BASELINES.get(self.serving.served, self.extension)
        prior = self.patterns.rate_prior(curve)
        low, high = np.zeros(len(features)), np.array(mean, dtype=float)
        frequency, _, age, known = rfm(features)
        if prior is None or self.gamma_gamma is None or not known.any():
            return np.minimum(low, mean), np.maximum(high, mean)
        alive = self.patterns.columns(features[known], self.window_days)[PATTERN_COLUMNS[curve][0]].to_numpy()
        value = btyd.gamma_gamma_expected_value(
            self.gamma_gamma, frequency[known], features["spend_avg"].to_numpy()[known]
        )
        r, alpha = prior
        shape = r + frequency[known]
        success = (alpha + age[known]) / (alpha + age[known] + self.horizon_days)
        tail = (1 - INTERVAL_OF_FALLBACK) / 2
        for bound, level in ((low, tail), (high, 1 - tail)):
            # The mixture's quantile: 0 while the point mass of the gone (and of the silent) holds it.
            within_alive = np.clip((level - (1 - alive)) / np.maximum(alive, 1e-12), 0.0, 1.0)
            counts = np.where(level <= 1 - alive, 0.0, nbinom.ppf(within_alive, shape, success))
            bound[known] = np.nan_to_num(counts) * value
        return np.minimum(low, mean), np.maximum(high, mean)

    def to_files(self) -> dict[str, bytes]:
        meta = {
            "conformal": {"edges": self.conformal.edges, "margins": self.conformal.margins},
            "retained": {"edges": self.retained.edges, "factors": self.retained.factors},
            "patterns": self.patterns.to_dict(),
            "observed_days": self.observed_days,
            "horizon_days": self.horizon_days,
            "window_days": self.window_days,
            "feature_names": self.feature_names,
            "default_factor": self.default_factor,
            "serving": self.serving.to_dict(),
            "calibrator": None if self.calibrator is None else self.calibrator.to_dict(),
            "gamma_gamma": None if self.gamma_gamma is None else self.gamma_gamma.to_dict(),
            "extension": self.extension,
        }
        files = {"ltv.json": json.dumps(meta).encode()}
        if self.mean_booster is not None and self.quantile_booster is not None:
            files["mean.json"] = booster_bytes(self.mean_booster)
            files["quantiles.json"] = booster_bytes(self.quantile_booster)
        return files

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> "LtvModel":
        meta = json.loads(files["ltv.json"])
        # Models saved before the bound existed still load (scoring and rollbacks keep working) with a bound of Tk 0:
        # the engine then offers them no discount until a retrained model replaces them. Models saved before the
        # champion serve their booster uncalibrated and extend by BG/NBD.
        retained = meta.get("retained", {"edges": [], "factors": [0.0]})
        mean, quantiles = (
            booster_load(
                files[name],
                feature_names=meta["feature_names"],
                mismatch=f"{name} was trained on different features than the model lists",
            )
            if name in files
            else None
            for name in ("mean.json", "quantiles.json")
        )
        calibrator, gamma_gamma = meta.get("calibrator"), meta.get("gamma_gamma")
        return cls(
            mean_booster=mean,
            quantile_booster=quantiles,
            conformal=ConformalBins(edges=list(meta["conformal"]["edges"]), margins=list(meta["conformal"]["margins"])),
            retained=RetainedLowerBound(**retained),
            patterns=PatternModels.from_dict(meta.get("patterns") or {"bgnbd": meta["bgnbd"]}),
            observed_days=int(meta["observed_days"]),
            horizon_days=int(meta["horizon_days"]),
            window_days=int(meta["window_days"]),
            feature_names=list(meta["feature_names"]),
            default_factor=float(meta["default_factor"]),
            serving=ValueServing(**meta.get("serving", {})),
            calibrator=None if calibrator is None else ValueCalibrator(factor=float(calibrator["factor"])),
            gamma_gamma=None if gamma_gamma is None else btyd.GammaGammaParams.from_dict(gamma_gamma),
            extension=str(meta.get("extension", "bg_nbd")),
        )


@dataclass
class LtvReport:
    as_of: dt.date
    horizon_days: int
    observed_days: int
    holdout_cutoff: dt.date
    train_cutoffs: list[dt.date]
    n_train: int
    n_holdout: int
    # "model", "blend", "served", each baseline ("bg_nbd_gamma_gamma", "pareto_nbd_gamma_gamma", "zero") ->
    # interval_metrics over the observed horizon; a baseline that could not be fitted is {"error": why}
    metrics: dict[str, dict[str, Any]]
    config: dict[str, Any]
    decision: dict[str, Any] = field(default_factory=dict)  # champion.Decision.to_dict()
    calibration: dict[str, list[float]] = field(default_factory=dict)  # the served forecast per decile
    extension: dict[str, Any] = field(default_factory=dict)  # how the observed horizon is extended to the horizon
    features_used: list[str] = field(default_factory=list)
    features_left_out: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the holdout could not check, in words

    @property
    def served(self) -> str:
        return str(self.decision.get("served", champion.MODEL))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["holdout_cutoff"] = self.holdout_cutoff.isoformat()
        data["train_cutoffs"] = [cutoff.isoformat() for cutoff in self.train_cutoffs]
        return data


def observable_days(history_start: dt.date, as_of: dt.date, config: LtvConfig) -> int:
    """The longest horizon with a training window and a holdout window both fully observed, in whole months."""
    usable = (as_of - history_start).days - config.min_history_days
    days = min(usable // 2, config.max_observed_days, config.horizon_days)
    return int(days // 30 * 30) if days >= 30 else int(days)


def extension_factor(
    features: pd.DataFrame,
    patterns: PatternModels,
    curve: str,
    observed_days: int,
    horizon_days: int,
    default: float | None = None,
) -> FloatArray:
    """E[purchases over the horizon] / E[purchases over the observed span] from each customer's buy-till-you-die
    curve (`curve`: "bg_nbd" or "pareto_nbd").

    Customers without a completed booking get `default` (the median of the others when None: training only).
    """
    if horizon_days <= observed_days:
        return np.full(len(features), horizon_days / observed_days)
    _, _, _, known = rfm(features)
    factor = np.ones(len(features))
    if known.any():
        long = patterns.expected_purchases(curve, features[known], float(horizon_days))
        short = patterns.expected_purchases(curve, features[known], float(observed_days))
        factor[known] = np.where(short > 1e-9, long / np.maximum(short, 1e-9), horizon_days / observed_days)
    if (~known).any():
        factor[~known] = default if default is not None else (np.median(factor[known]) if known.any() else 1.0)
    return factor


def _median_factor(
    features: pd.DataFrame, patterns: PatternModels, curve: str, observed_days: int, horizon_days: int
) -> float:
    known = features[features["bookings_total"] > 0]
    if known.empty:
        return horizon_days / observed_days
    return float(np.median(extension_factor(known, patterns, curve, observed_days, horizon_days)))


def spend_between(history: History, start_day: dt.date, days: int, customers: pd.Index) -> pd.Series:
    """Net completed spend in [start_day, start_day + days) per customer."""
    start, end = cutoff_of(start_day), cutoff_of(start_day + dt.timedelta(days=days))
    bookings = history.bookings
    window = bookings[
        (bookings["status"] == "completed") & (bookings["booked_at"] >= start) & (bookings["booked_at"] < end)
    ]
    spend = (window["amount"] - window["discount"]).groupby(window["customer_id"]).sum()
    return spend.reindex(customers, fill_value=0.0).astype(float)


def _snapshot(history: History, day: dt.date, days: int) -> tuple[pd.DataFrame, FloatArray]:
    features = build_features(history, day)
    return features, spend_between(history, day, days, features.index).to_numpy()


def _fit(
    matrix: Float32Array, target: FloatArray, config: LtvConfig, objective: dict[str, Any], names: list[str]
) -> "xgb.Booster":
    params = {
        "max_depth": config.max_depth,
        "eta": config.learning_rate,
        "min_child_weight": 5.0,
        "subsample": 0.9,
        "colsample_bytree": 0.9,
        "seed": config.seed,
        **objective,
    }
    return booster_train(matrix, target, feature_names=names, params=params, rounds=config.n_estimators)


def _fit_pair(
    matrix: Float32Array, spend: FloatArray, config: LtvConfig, names: list[str]
) -> tuple["xgb.Booster", "xgb.Booster"]:
    alpha = (1 - config.interval) / 2
    inputs = columns_of(matrix, names)
    mean = _fit(inputs, spend, config, {"objective": "count:poisson"}, names)
    quantiles = _fit(
        inputs,
        np.log1p(spend),
        config,
        {"objective": "reg:quantileerror", "quantile_alpha": [alpha, 1 - alpha]},
        names,
    )
    return mean, quantiles


def interval_bounds(
    quantiles: AnyFloatArray, mean: AnyFloatArray, margin: float | FloatArray
) -> tuple[AnyFloatArray, AnyFloatArray]:
    """The Tk interval: the quantile predictions moved by `margin` on the log1p scale; it always contains the mean.

    A negative margin only pulls the upper end in: the lower end of most customers' interval sits on the point mass
    of customers who spend nothing at all, where moving it up cannot change coverage smoothly (a whole block of ties
    at Tk 0 is in or out at once). The upper end faces a continuous tail, so its margin can hit the nominal coverage.
    A positive margin widens both ends, as in CQR: the quantile model often puts the 10th percentile of a customer
    who will most likely spend nothing a few paisa above zero, so a Tk 0 outcome falls below an upper-only interval
    whatever its margin; calibration then ran the margin to its bound (e^10 ≈ 22,000×) and served intervals reaching
    billions of Tk. Lowering the lower end by the same margin lets such rows be covered at a modest margin.
    """
    low = np.expm1(np.clip(quantiles[:, 0] - np.maximum(margin, 0), 0, None))
    high = np.expm1(quantiles[:, 1] + margin)
    return np.minimum(low, mean), np.maximum(high, mean)


def _coverage(quantiles: AnyFloatArray, mean: AnyFloatArray, spend: FloatArray, margin: float) -> float:
    low, high = interval_bounds(quantiles, mean, margin)
    return float(np.mean((spend >= low) & (spend <= high)))


def conformal_margin(quantiles: AnyFloatArray, mean: AnyFloatArray, spend: FloatArray, interval: float) -> float:
    """The smallest margin whose interval covers at least ⌈(n+1)·interval⌉/n of the calibration rows (or, when
    even the narrowest interval covers more, the narrowest).

    Split conformal calibration (in the spirit of Romano et al.'s CQR) of the interval exactly as it is served,
    including its widening to the mean: spend is heavy-tailed, so the mean often lies above the 90th percentile and
    calibrating the quantiles alone would over-cover. Coverage only grows with the margin, so a bisection finds it.
    """
    n = len(spend)
    target = min(1.0, np.ceil((n + 1) * interval) / n)
    low, high = -10.0, 10.0  # log1p scale: a factor of e^10 either way is far past any real spend
    for _ in range(50):
        middle = (low + high) / 2
        if _coverage(quantiles, mean, spend, middle) >= target:
            high = middle
        else:
            low = middle
    return high


def ltv_train(history: History, as_of: dt.date, config: LtvConfig = LtvConfig()) -> tuple[LtvModel, LtvReport]:
    """Validate out of time over the longest horizon the history can, decide what to serve, refit on every cutoff.

    Raises HistoryTooShort when the history cannot validate any horizon, HorizonError for a horizon too short to
    validate, TrainingDataError on unusable data."""
    if config.horizon_days < MIN_OBSERVED_DAYS:
        # Checked first: observable_days never exceeds the horizon, so a short horizon would otherwise be blamed
        # on the history ("too short") however long the history is.
        raise HorizonError(
            f"a {config.horizon_days}-day horizon is shorter than the {MIN_OBSERVED_DAYS} days lifetime value is "
            f"validated over; ask for at least {MIN_OBSERVED_DAYS} days"
        )
    if history.bookings.empty:
        raise TrainingDataError("there are no bookings to learn lifetime value from")
    start = history_start(history)
    observed = observable_days(start, as_of, config)
    if observed < MIN_OBSERVED_DAYS:
        needed = config.min_history_days + 2 * MIN_OBSERVED_DAYS
        raise HistoryTooShort(
            f"the history ({start} to {as_of}, {(as_of - start).days} days) is too short to validate any "
            f"lifetime-value horizon: it needs {config.min_history_days} days of features plus twice a horizon of at "
            f"least {MIN_OBSERVED_DAYS} days, i.e. {needed} days"
        )
    holdout_day = as_of - dt.timedelta(days=observed)
    earliest = start + dt.timedelta(days=config.min_history_days)
    train_days = _train_cutoffs(holdout_day, observed, earliest, config)
    snapshots = [_snapshot(history, day, observed) for day in train_days]
    train_x = pd.concat([features for features, _ in snapshots])
    train_spend = np.concatenate([spend for _, spend in snapshots])
    holdout_x, holdout_spend = _snapshot(history, holdout_day, observed)
    for what, rows in (("the training cutoffs", train_spend), ("the holdout cutoff", holdout_spend)):
        if len(rows) < config.min_customers:
            raise TrainingDataError(
                f"{what} have {len(rows)} customers; at least {config.min_customers} are needed for lifetime value"
            )

    window = 90  # the churn window of the buy-till-you-die features
    patterns = patterns_fit(snapshots[-1][0])
    train_matrix = model_matrix(train_x, patterns, window)
    used = informative_columns(train_matrix, list(MODEL_FEATURES))
    mean_booster, quantile_booster = _fit_pair(train_matrix, train_spend, config, used)
    holdout_inputs = columns_of(model_matrix(holdout_x, patterns, window), used)
    holdout_raw = np.clip(np.asarray(mean_booster.inplace_predict(holdout_inputs), dtype=float), 0, None)
    holdout_q = quantile_booster.inplace_predict(holdout_inputs)

    # The classical forecasts as they would be made on the holdout day: fitted on that day's snapshot (no labels).
    final_patterns = patterns_fit(holdout_x)
    metrics: dict[str, dict[str, Any]] = {}
    forecasts: dict[str, FloatArray] = {}
    try:
        gg_then: btyd.GammaGammaParams | None = _gamma_gamma_on(history, holdout_day)
    except (ValueError, RuntimeError) as exc:  # e.g. spend so heavy-tailed that Gamma-Gamma has no finite mean
        gg_then = None
        for name in VALUE_BASELINES:
            metrics[name] = {"error": f"Gamma-Gamma: {exc}"}
    for name, curve in VALUE_BASELINES.items():
        if gg_then is not None and curve in final_patterns.fitted:
            forecasts[name] = classical_spend(holdout_x, final_patterns, curve, gg_then, observed)
        elif gg_then is not None:
            metrics[name] = {"error": final_patterns.errors.get(curve, "not fitted")}
    forecasts[ZERO] = np.zeros(len(holdout_spend))
    baselines = list(forecasts)
    partner = champion.best_value_baseline(
        {name: point_metrics(holdout_spend, values) for name, values in forecasts.items()},
        [name for name in baselines if name != ZERO] or baselines,
    )
    earlier = _earlier_origin(history, holdout_day, observed, earliest, partner, config)
    season_ratios: dict[dt.date, float | str] = {}
    if earlier is not None:
        # Our model and the blend are measured out of time: their level (and the blend's weight) learned one horizon
        # earlier and applied on the holdout. Where the history holds both windows a year before, the level is made
        # as it is served (below): the booster's own on its last training window, moved by the season between the
        # two (season_factor). A level that drifts between them (age, an unseen season) counts against them here, as
        # it would on the scoring day.
        season_then = season_factor(history, earlier.day, holdout_day, observed, earliest, config, season_ratios)
        calibration = f"learned on {earlier.day}, one horizon before the holdout, and applied on it; {season_then.note}"
        model_level, blend_level = earlier.calibrator, earlier.blend_calibrator
        if season_then.measured and train_days[-1] == earlier.day:
            # As served (below): the level the booster has on its own last window, moved by the season.
            model_level, blend_level = _own_levels(
                mean_booster,
                history,
                snapshots[-1],
                day=earlier.day,
                columns=(patterns, used, window),
                blend=(partner, earlier.weight) if earlier.blend_calibrator is not None else None,
                observed=observed,
            )
        model_holdout = season_then.factor * model_level.apply(holdout_raw)
        blend_holdout = (
            season_then.factor
            * blend_level.apply(earlier.weight * holdout_raw + (1 - earlier.weight) * forecasts[partner])
            if partner != ZERO and blend_level is not None
            else None
        )
        if not season_then.measured and partner != ZERO:
            # As served (below): a season seen once, so the level is hedged with the classical forecast's.
            classical_total = forecasts[partner].sum()
            model_holdout = model_holdout * level_hedge(model_holdout.sum(), classical_total, observed).factor
            if blend_holdout is not None:
                blend_holdout = blend_holdout * level_hedge(blend_holdout.sum(), classical_total, observed).factor
    else:
        calibration = "cross-fitted on the holdout (the history is too short to learn it one horizon earlier)"
        model_holdout = _cross_calibrated(holdout_raw, holdout_spend, config.seed)
        blend_holdout = (
            _cross_blended(holdout_raw, forecasts[partner], holdout_spend, config.seed) if partner != ZERO else None
        )
    candidates = {champion.MODEL: model_holdout, **forecasts}
    if blend_holdout is not None:
        candidates[champion.BLEND] = blend_holdout
    points = {name: point_metrics(holdout_spend, values) for name, values in candidates.items()}
    decision = champion.value_decide(points, baselines)
    served_holdout = candidates[decision.served]
    low, high = _cross_conformal_interval(holdout_q, served_holdout, holdout_spend, config)
    metrics.update(points)
    metrics["served"] = interval_metrics(holdout_spend, served_holdout, low, high)
    metrics["served"]["retained_lower_bound_coverage"] = _cross_conformal_retained(
        served_holdout, holdout_x["spend_avg"].to_numpy(), holdout_spend, config
    )
    metrics["served_coverage_by_predicted_spend"] = coverage_by_bin(holdout_spend, served_holdout, low, high)

    # Final: refit on every cutoff; calibration, conformal margins and the retained bound come from the holdout
    # predictions of the validated models, the classical parts from the scoring day's own data.
    serving, calibrator, inner = _value_serving(decision.served, partner, holdout_raw, forecasts, holdout_spend)
    calibrated_holdout = inner if calibrator is None else calibrator.apply(inner)
    final_x = pd.concat([train_x, holdout_x])
    final_spend = np.concatenate([train_spend, holdout_spend])
    final_mean, final_quantiles = _fit_pair(model_matrix(final_x, final_patterns, window), final_spend, config, used)
    season_now = (
        season_factor(history, holdout_day, as_of, observed, earliest, config, season_ratios)
        if calibrator is not None
        else SeasonFactor(1.0, "a classical forecast: not adjusted")
    )
    if season_now.measured:
        # The final booster learned the holdout's own level (it is trained on it), season included: its level there
        # is made right and moved to the scoring window's season. The level learned one horizon ahead would count
        # the holdout's season twice.
        final_raw = _mean_spend(final_mean, holdout_x, final_patterns, used, window)
        final_inner = (
            serving.weight * final_raw + (1 - serving.weight) * forecasts[partner]
            if serving.served == champion.BLEND
            else final_raw
        )
        calibrator = ValueCalibrator(factor=ValueCalibrator.fit(final_inner, holdout_spend).factor * season_now.factor)
    curve = VALUE_BASELINES.get(partner, "bg_nbd")
    if curve not in final_patterns.fitted:
        curve = final_patterns.fitted[0] if final_patterns.fitted else "bg_nbd"
    gg_now: btyd.GammaGammaParams | None
    try:
        gg_now = _gamma_gamma_on(history, as_of)
    except (ValueError, RuntimeError):
        gg_now = gg_then
    if calibrator is None:
        hedge = LevelHedge(1.0, "not hedged: a classical forecast is served")
    elif season_now.measured:
        hedge = LevelHedge(1.0, "not hedged: the season is measured")
    elif gg_now is None or partner not in VALUE_BASELINES:
        hedge = LevelHedge(1.0, "not hedged: no classical forecast to hedge with")
    else:
        # The season of the scoring window has not been seen: hedge the level with the classical one, on the
        # customers as they are on the scoring day (fixed here, so no customer's value depends on who is scored).
        scored = build_features(history, as_of)
        inner_now = _mean_spend(final_mean, scored, final_patterns, used, window)
        classical_now = classical_spend(scored, final_patterns, VALUE_BASELINES[partner], gg_now, observed)
        if serving.served == champion.BLEND:
            inner_now = serving.weight * inner_now + (1 - serving.weight) * classical_now
        hedge = level_hedge(calibrator.apply(inner_now).sum(), classical_now.sum(), observed, champion.name_of(partner))
        calibrator = ValueCalibrator(factor=calibrator.factor * hedge.factor)
    default_factor = _median_factor(holdout_x, final_patterns, curve, observed, config.horizon_days)
    model = LtvModel(
        mean_booster=final_mean,
        quantile_booster=final_quantiles,
        conformal=ConformalBins.fit(holdout_q, calibrated_holdout, holdout_spend, config.interval),
        retained=RetainedLowerBound.fit(
            calibrated_holdout, holdout_x["spend_avg"].to_numpy(), holdout_spend, config.retained_confidence
        ),
        patterns=final_patterns,
        observed_days=observed,
        horizon_days=config.horizon_days,
        window_days=window,
        feature_names=used,
        default_factor=default_factor,
        serving=serving,
        calibrator=calibrator,
        gamma_gamma=gg_now,
        extension=curve,
    )
    report = LtvReport(
        as_of=as_of,
        horizon_days=config.horizon_days,
        observed_days=observed,
        holdout_cutoff=holdout_day,
        train_cutoffs=train_days,
        n_train=len(train_spend),
        n_holdout=len(holdout_spend),
        metrics=metrics,
        config=asdict(config),
        decision={
            **decision.to_dict(),
            "level": calibration,
            "season": season_now.note,
            "hedge": hedge.note,
        },
        calibration=calibration_by_decile(holdout_spend, served_holdout),
        extension={
            "observed_days": observed,
            "horizon_days": config.horizon_days,
            "extended": config.horizon_days > observed,
            "curve": curve,
            "median_factor": default_factor,
            "note": (
                f"validated over {observed} days and extended to {config.horizon_days} days by each customer's "
                f"{curve.replace('_', '/').upper().replace('PARETO/NBD', 'Pareto/NBD')} curve (median factor "
                f"{default_factor:.2f}); the extension itself cannot be checked on this history"
                if config.horizon_days > observed
                else f"validated over the whole {observed}-day horizon"
            ),
        },
        features_used=used,
        features_left_out=[name for name in MODEL_FEATURES if name not in used],
        warnings=_season_warning(start, as_of, holdout_day, observed),
    )
    return model, report


SEASONS_SEEN_DAYS = 2 * 365  # with less history, a window's season has not been seen twice before it


def _season_warning(start: dt.date, as_of: dt.date, holdout_day: dt.date, observed: int) -> list[str]:
    """Warn when the history is too short for the holdout to say anything about the season scoring falls in."""
    if (as_of - start).days >= SEASONS_SEEN_DAYS:
        return []
    return [
        f"the history covers {(as_of - start).days} days, under two years: the level of the forecast was checked on "
        f"one season only (the holdout, {holdout_day} to {holdout_day + dt.timedelta(days=observed)}), and the days "
        "after scoring fall in another, so on data with strong seasons its total can be off by the seasons' swing "
        "(docs/MODELS.md, Limits)"
    ]


def ltv_fallback(history: History, as_of: dt.date, horizon_days: int, why: str) -> tuple[LtvModel, dict[str, Any]]:
    """A classical value forecast for a history too short to validate ours: Pareto/NBD's (else BG/NBD's) expected
    purchases over the horizon × Gamma-Gamma, fitted on the history before `as_of`, not validated. Its lower bound
    if retained is Tk 0, so the engine offers no discount on it. `why` is the reason ours could not be trained.

    Raises TrainingDataError when no classical value model can be fitted either."""
    features = build_features(history, as_of)
    patterns = patterns_fit(features)
    fitted = [name for name in ("pareto_nbd", "bg_nbd") if name in patterns.fitted]
    try:
        gg = _gamma_gamma_on(history, as_of)
    except (ValueError, RuntimeError) as exc:
        raise TrainingDataError(f"{why}; no classical value model could be fitted instead: Gamma-Gamma: {exc}") from exc
    if not fitted:
        raise TrainingDataError(
            f"{why}; no classical value model could be fitted instead: "
            + "; ".join(f"{name}: {error}" for name, error in patterns.errors.items())
        )
    served = f"{fitted[0]}_gamma_gamma"
    model = LtvModel(
        mean_booster=None,
        quantile_booster=None,
        conformal=ConformalBins(edges=[], margins=[0.0]),
        retained=RetainedLowerBound(edges=[], factors=[0.0]),
        patterns=patterns,
        observed_days=horizon_days,
        horizon_days=horizon_days,
        window_days=90,
        feature_names=[],
        serving=ValueServing(served, None, 0.0),
        gamma_gamma=gg,
        extension=fitted[0],
    )
    return model, {
        "served": served,
        "fallback": True,
        "reason": f"{why}; {champion.name_of(served)} is served instead, fitted on the history before {as_of}, "
        "without validation; its lower bound if retained is Tk 0, so no discount is offered on it",
        "patterns": patterns.to_dict(),
        "gamma_gamma": gg.to_dict(),
    }


@dataclass(frozen=True)
class _EarlierOrigin:
    """What was learned one horizon before the holdout, to measure our model on the holdout as it is served."""

    day: dt.date
    calibrator: ValueCalibrator
    weight: float
    blend_calibrator: ValueCalibrator | None


def _earlier_origin(
    history: History, holdout_day: dt.date, observed: int, earliest: dt.date, partner: str, config: LtvConfig
) -> _EarlierOrigin | None:
    """Validate a booster one horizon before the holdout (trained on cutoffs whose windows end by then) and learn
    the level and the blend weight there; None when the history has no training cutoff for it."""
    day = holdout_day - dt.timedelta(days=observed)
    train_days = _train_cutoffs(day, observed, earliest, config)
    if not train_days:
        return None
    snapshots = [_snapshot(history, cutoff, observed) for cutoff in train_days]
    features, spend = _snapshot(history, day, observed)
    if len(features) < config.min_customers or spend.sum() <= 0:
        return None
    window = 90
    patterns = patterns_fit(snapshots[-1][0])
    train_matrix = model_matrix(pd.concat([frame for frame, _ in snapshots]), patterns, window)
    used = informative_columns(train_matrix, list(MODEL_FEATURES))
    booster = _fit(
        columns_of(train_matrix, used),
        np.concatenate([target for _, target in snapshots]),
        config,
        {"objective": "count:poisson"},
        used,
    )
    raw = _mean_spend(booster, features, patterns, used, window)
    weight, blend_calibrator = 1.0, None
    curve = VALUE_BASELINES.get(partner)
    if curve is not None:
        then = patterns_fit(features)
        try:
            gg = _gamma_gamma_on(history, day)
        except (ValueError, RuntimeError):
            gg = None
        if gg is not None and curve in then.fitted:
            classical = classical_spend(features, then, curve, gg, observed)
            weight = _blend_weight(raw, classical, spend)
            blend_calibrator = ValueCalibrator.fit(weight * raw + (1 - weight) * classical, spend)
    return _EarlierOrigin(
        day=day, calibrator=ValueCalibrator.fit(raw, spend), weight=weight, blend_calibrator=blend_calibrator
    )


def _own_levels(
    booster: "xgb.Booster",
    history: History,
    snapshot: tuple[pd.DataFrame, FloatArray],
    *,
    day: dt.date,
    columns: tuple[PatternModels, list[str], int],
    blend: tuple[str, float] | None,
    observed: int,
) -> tuple[ValueCalibrator, ValueCalibrator | None]:
    """The level factors of our booster and of the blend (its partner and weight) on the booster's own last training
    window, `snapshot` from `day`: what the served level is, one horizon earlier. `columns` are the booster's input
    columns as model_matrix and columns_of take them (patterns, used names, window)."""
    features, spend = snapshot
    patterns, used, window = columns
    raw = _mean_spend(booster, features, patterns, used, window)
    blend_level = None
    curve = VALUE_BASELINES.get(blend[0]) if blend else None
    if blend is not None and curve is not None:
        then = patterns_fit(features)
        try:
            gg: btyd.GammaGammaParams | None = _gamma_gamma_on(history, day)
        except (ValueError, RuntimeError):
            gg = None
        if gg is not None and curve in then.fitted:
            classical = classical_spend(features, then, curve, gg, observed)
            blend_level = ValueCalibrator.fit(blend[1] * raw + (1 - blend[1]) * classical, spend)
    return ValueCalibrator.fit(raw, spend), blend_level


YEAR = dt.timedelta(days=364)  # 52 weeks: the same weekdays a year earlier


@dataclass(frozen=True)
class SeasonFactor:
    """How much busier (or quieter) a target window is than the window a level was learned on, read from the same
    two windows a year earlier: actual ÷ buy-till-you-die forecast in each (a classical forecast knows no season, so
    its ratio is the window's season times a bias that barely moves in a year), the target's over the base's. 1 when
    the history does not hold both windows a year earlier with enough customers."""

    factor: float
    note: str
    measured: bool = False  # read from the history (else 1, for want of a year before)


def season_factor(
    history: History,
    base: dt.date,
    target: dt.date,
    days: int,
    earliest: dt.date,
    config: LtvConfig,
    ratios: dict[dt.date, float | str] | None = None,
) -> SeasonFactor:
    """`ratios` keeps each day's ratio (or why there is none) across calls: the validation's target a year earlier is
    the serving's base."""
    then_base, then_target = base - YEAR, target - YEAR
    if then_base < earliest:
        return SeasonFactor(1.0, f"not adjusted for the season: the history does not reach back to {then_base}")
    known = {} if ratios is None else ratios
    found = []
    for day in (then_base, then_target):
        if day not in known:
            known[day] = _classical_ratio(history, day, days, config)
        ratio = known[day]
        if isinstance(ratio, str):
            return SeasonFactor(1.0, f"not adjusted for the season: {ratio}")
        found.append(ratio)
    factor = found[1] / found[0]
    return SeasonFactor(
        factor,
        f"× {factor:.2f} for the season: the {days} days from {then_target} came to {found[1]:.2f}× the classical "
        f"forecast, those from {then_base} to {found[0]:.2f}×",
        measured=True,
    )


@dataclass(frozen=True)
class LevelHedge:
    """The factor that takes our forecast's total to the geometric mean of it and a classical forecast's total.

    Where the history has not seen the scoring window's season (under about 16 months: no year before the holdout,
    see season_factor), our level is the holdout's, season and all, and the holdout tells nothing about the next
    window's season. The classical forecast's level comes from the whole history and knows no season; it is
    biased by the customers' ageing, which ours follows. Neither can be shown the better on a history that has seen
    each season once, so they get equal weights, the default of forecast combination when nothing can estimate the
    weights (docs/MODELS.md, Lifetime value); one window cannot, whose error is the season's."""

    factor: float
    note: str


def level_hedge(ours: float, classical: float, days: int, name: str = "the classical forecast") -> LevelHedge:
    """`ours` and `classical` are totals over the same `days`."""
    if ours <= 0 or classical <= 0:
        return LevelHedge(1.0, "not hedged: a level of Tk 0")
    factor = float(np.sqrt(classical / ours))
    return LevelHedge(
        factor,
        f"× {factor:.2f}: the geometric mean of our total over {days} days (Tk {ours:,.0f}) and {name}'s "
        f"(Tk {classical:,.0f}), for a season the history has not seen before",
    )


def _classical_ratio(history: History, day: dt.date, days: int, config: LtvConfig) -> float | str:
    """Actual spend over the `days` from `day` ÷ the buy-till-you-die × Gamma-Gamma forecast made that day; or why
    there is none."""
    features, spend = _snapshot(history, day, days)
    patterns = patterns_fit(features)
    if len(features) < config.min_customers or not patterns.fitted or spend.sum() <= 0:
        return f"too little to compare on {day}"
    curve = "bg_nbd" if "bg_nbd" in patterns.fitted else patterns.fitted[0]
    try:
        forecast = classical_spend(features, patterns, curve, _gamma_gamma_on(history, day), days).sum()
    except (ValueError, RuntimeError) as exc:
        return f"Gamma-Gamma on {day}: {exc}"
    if forecast <= 0:
        return f"no classical forecast on {day}"
    return float(spend.sum() / forecast)


def _mean_spend(
    booster: "xgb.Booster", features: pd.DataFrame, patterns: PatternModels, used: list[str], window: int
) -> FloatArray:
    """The mean booster's spend forecasts for `features`, as the booster's input columns make them (not below 0)."""
    predicted = booster.inplace_predict(columns_of(model_matrix(features, patterns, window), used))
    spend: FloatArray = np.clip(np.asarray(predicted, dtype=float), 0, None)
    return spend


def _train_cutoffs(origin: dt.date, observed: int, earliest: dt.date, config: LtvConfig) -> list[dt.date]:
    """The training cutoffs of a validation at `origin`: their `observed`-day windows end by it, each has
    `min_history_days` of bookings before it (from `earliest`), up to `n_train_cutoffs` a step apart."""
    return sorted(
        day
        for k in range(config.n_train_cutoffs)
        if (day := origin - dt.timedelta(days=observed + k * config.cutoff_step_days)) >= earliest
    )


def _cross_calibrated(predicted: FloatArray, actual: FloatArray, seed: int) -> FloatArray:
    """Holdout forecasts, each calibrated on the other half."""

    def fit(rows: BoolArray) -> champion.Predictor:
        calibrator = ValueCalibrator.fit(predicted[rows], actual[rows])
        return lambda apply: calibrator.apply(predicted[apply])

    return champion.cross_fitted(len(predicted), seed, fit)


BLEND_WEIGHTS = np.linspace(0.0, 1.0, 11)  # our model's share in a blend, chosen on the holdout


def _blend_weight(model: FloatArray, classical: FloatArray, actual: FloatArray) -> float:
    """Our model's share w in w × model + (1 − w) × classical with the smallest squared error after calibration."""

    def error(weight: float) -> float:
        inner = weight * model + (1 - weight) * classical
        return float(np.mean((ValueCalibrator.fit(inner, actual).apply(inner) - actual) ** 2))

    return float(min(BLEND_WEIGHTS, key=error))


def _cross_blended(model: FloatArray, classical: FloatArray, actual: FloatArray, seed: int) -> FloatArray:
    """Holdout forecasts of the blend, its weight and calibration learned on the other half."""

    def fit(rows: BoolArray) -> champion.Predictor:
        weight = _blend_weight(model[rows], classical[rows], actual[rows])
        inner = weight * model + (1 - weight) * classical
        calibrator = ValueCalibrator.fit(inner[rows], actual[rows])
        return lambda apply: calibrator.apply(inner[apply])

    return champion.cross_fitted(len(model), seed, fit)


def _value_serving(
    served: str, partner: str, raw: FloatArray, forecasts: dict[str, FloatArray], actual: FloatArray
) -> tuple[ValueServing, ValueCalibrator | None, FloatArray]:
    """The final model's ValueServing, its calibrator (fitted on the whole holdout), and the holdout forecasts the
    calibrator maps."""
    if served == champion.MODEL:
        return ValueServing(), ValueCalibrator.fit(raw, actual), raw
    if served == champion.BLEND:
        weight = _blend_weight(raw, forecasts[partner], actual)
        inner = weight * raw + (1 - weight) * forecasts[partner]
        return ValueServing(served, partner, weight), ValueCalibrator.fit(inner, actual), inner
    return ValueServing(served, None, 0.0), None, forecasts[served]


MIN_BIN_COVERAGE = 0.70  # no fifth of customers gets intervals that cover less than this, unless (see below)
COVERAGE_TOLERANCE = 0.04  # ... it would push the overall coverage more than this above nominal


@dataclass
class ConformalBins:
    """Conformal margins per bin of predicted spend (Mondrian calibration), with the marginal level kept nominal.

    Customers who will most likely spend nothing sit on a point mass at Tk 0 that any sensible interval contains,
    so their bins cover more than asked whatever the margin. One global margin would make up for that by
    under-covering the biggest spenders (below 50% in practice), the customers whose value matters most. Instead,
    every bin is calibrated on its own, to the level that brings the overall coverage back to nominal but never
    below MIN_BIN_COVERAGE.
    """

    edges: list[float]  # inner cut points on log1p(predicted mean), ascending
    margins: list[float]  # one per bin: len(edges) + 1

    N_BINS = 5

    @classmethod
    def fit(cls, quantiles: AnyFloatArray, mean: AnyFloatArray, spend: FloatArray, interval: float) -> "ConformalBins":
        level = np.log1p(mean)
        edges = np.unique(np.quantile(level, np.linspace(0, 1, cls.N_BINS + 1)[1:-1])).tolist()
        bins = np.searchsorted(edges, level, side="right")
        members = [bins == index for index in range(len(edges) + 1)]
        sizes = np.array([rows.sum() for rows in members], dtype=float)
        floor = [_coverage(quantiles[rows], mean[rows], spend[rows], -10.0) if rows.any() else 0.0 for rows in members]
        # Bins that cover more than nominal even at their narrowest keep that; the others share what is left.
        over = np.array([coverage > interval for coverage in floor])
        excess = float(np.sum(sizes[over] * (np.array(floor)[over] - interval)))
        rest = sizes[~over].sum()
        if rest:
            ideal = interval - excess / rest  # what brings the overall coverage back to nominal exactly
            # The floor holds as far as the overall coverage stays within COVERAGE_TOLERANCE of nominal: an 80%
            # interval that covers 90% says less than it claims, so the overall level wins over the floor.
            target = max(ideal, min(MIN_BIN_COVERAGE, ideal + COVERAGE_TOLERANCE * sizes.sum() / rest))
        else:
            target = interval
        margins = []
        for rows, is_over in zip(members, over, strict=True):
            if not rows.any():
                margins.append(0.0)
                continue
            margins.append(conformal_margin(quantiles[rows], mean[rows], spend[rows], interval if is_over else target))
        return cls(edges=edges, margins=margins)

    def margins_for(self, mean: AnyFloatArray) -> FloatArray:
        return np.asarray(self.margins)[np.searchsorted(self.edges, np.log1p(mean), side="right")]


def coverage_by_bin(
    spend: FloatArray, mean: AnyFloatArray, low: AnyFloatArray, high: AnyFloatArray
) -> dict[str, float]:
    """Coverage per fifth of customers ranked by predicted spend.

    The lowest fifths sit on the point mass at Tk 0 and cover more than nominal (see ConformalBins).
    """
    order = np.argsort(mean, kind="stable")
    out = {}
    for index, rows in enumerate(np.array_split(order, 5), start=1):
        inside = (spend[rows] >= low[rows]) & (spend[rows] <= high[rows])
        out[f"quintile_{index}"] = float(inside.mean()) if len(rows) else float("nan")
    return out


def _cross_conformal_interval(
    quantiles: AnyFloatArray, mean: AnyFloatArray, spend: FloatArray, config: LtvConfig
) -> tuple[AnyFloatArray, AnyFloatArray]:
    """Each holdout row's interval calibrated on the other half, so the reported coverage is measured honestly."""
    fold = np.random.default_rng(config.seed).integers(0, 2, size=len(spend))
    margin = np.empty(len(spend))
    for k in (0, 1):
        rest = fold != k
        bins = ConformalBins.fit(quantiles[rest], mean[rest], spend[rest], config.interval)
        margin[fold == k] = bins.margins_for(mean[fold == k])
    return interval_bounds(quantiles, mean, margin)


@dataclass
class RetainedLowerBound:
    """A lower bound on the spend of customers who come back: factor × their usual booking (net spend per completed
    booking so far), one factor per bin of predicted spend (the bins of ConformalBins), so that `confidence` of the
    calibration customers who spent anything spent at least that much.

    One-sided split conformal calibration on the ratio spend ÷ usual booking among the customers who spent. The
    usual booking, not the predicted mean, is the yardstick: the mean of a likely leaver is small *because* they will
    likely leave, so when they do come back they spend many times it, a ratio that varies with the churn risk; what
    they spend on coming back is close to what they used to spend on a booking. A customer without a completed
    booking has no yardstick and a bound of Tk 0.
    """

    edges: list[float]  # inner cut points on log1p(predicted mean), ascending
    factors: list[float]  # one per bin: len(edges) + 1

    MIN_ROWS = 30  # a bin with fewer returning customers takes the factor of all of them

    @classmethod
    def fit(cls, mean: AnyFloatArray, usual: FloatArray, spend: FloatArray, confidence: float) -> "RetainedLowerBound":
        level = np.log1p(mean)
        edges = np.unique(np.quantile(level, np.linspace(0, 1, ConformalBins.N_BINS + 1)[1:-1])).tolist()
        bins = np.searchsorted(edges, level, side="right")
        spent = (spend > 0) & (usual > 0)
        ratio = np.where(spent, spend / np.where(usual > 0, usual, 1.0), np.nan)
        pooled = _lower_quantile(ratio[spent], confidence)
        factors = []
        for index in range(len(edges) + 1):
            rows = spent & (bins == index)
            factors.append(_lower_quantile(ratio[rows], confidence) if rows.sum() >= cls.MIN_ROWS else pooled)
        return cls(edges=edges, factors=factors)

    def bound(self, mean: AnyFloatArray, usual: FloatArray) -> FloatArray:
        factors = np.asarray(self.factors)[np.searchsorted(self.edges, np.log1p(mean), side="right")]
        usual_booking: FloatArray = np.clip(np.asarray(usual, dtype=float), 0, None)
        return factors * usual_booking


def _lower_quantile(values: FloatArray, confidence: float) -> float:
    """The conformal lower bound: the ⌊(n + 1)(1 − confidence)⌋-th smallest value (0 when there are too few)."""
    rank = int(np.floor((len(values) + 1) * (1 - confidence)))
    return float(np.sort(values)[rank - 1]) if rank >= 1 else 0.0


def _cross_conformal_retained(mean: AnyFloatArray, usual: FloatArray, spend: FloatArray, config: LtvConfig) -> float:
    """Share of the holdout's returning customers whose spend reaches their bound, each calibrated on the other half."""
    fold = np.random.default_rng(config.seed + 1).integers(0, 2, size=len(spend))
    bound = np.empty(len(spend))
    for k in (0, 1):
        rest, this = fold != k, fold == k
        calibration = RetainedLowerBound.fit(mean[rest], usual[rest], spend[rest], config.retained_confidence)
        bound[this] = calibration.bound(mean[this], usual[this])
    spent = (spend > 0) & (usual > 0)
    return float(np.mean(spend[spent] >= bound[spent])) if spent.any() else float("nan")


def _gamma_gamma_on(history: History, day: dt.date) -> btyd.GammaGammaParams:
    """Gamma-Gamma spend model on the repeat bookings known before `day` (for the BTYD baseline)."""
    bookings = history.bookings
    done = bookings[(bookings["status"] == "completed") & (bookings["booked_at"] < cutoff_of(day))]
    net = (done["amount"] - done["discount"]).groupby(done["customer_id"])
    counts, means = net.size(), net.mean()
    repeaters = counts > 1
    return btyd.gamma_gamma_fit((counts[repeaters] - 1).to_numpy(), means[repeaters].to_numpy())


def classical_spend(
    features: pd.DataFrame, patterns: PatternModels, curve: str, gg: btyd.GammaGammaParams, days: int
) -> FloatArray:
    """Expected net spend over `days`: the buy-till-you-die model's expected purchases × Gamma-Gamma's expected spend
    per purchase (0 for customers without a completed booking)."""
    frequency, _, _, known = rfm(features)
    spend = np.zeros(len(features))
    if known.any():
        purchases = patterns.expected_purchases(curve, features[known], float(days))
        value = btyd.gamma_gamma_expected_value(gg, frequency[known], features["spend_avg"].to_numpy()[known])
        spend[known] = purchases * value
    return spend
