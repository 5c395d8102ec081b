"""Lifetime value: predicted net spend (Tk) over a horizon, with an 80% interval that covers about 80%.

How it works (docs/MODELS.md has the long form):
- The *observed* horizon h is the longest one the history can validate out of time: a training cutoff and a
  holdout cutoff h apart, each followed by h days of known spending, after `min_history_days` of features.
- A Poisson-objective XGBoost model predicts mean spend over h (a log link, fine with the many customers who spend
  nothing; Tweedie under-predicted the holdout's mean by ~10-20%, Poisson by ~1-4%); a quantile XGBoost model gives
  the 10th and 90th percentiles, moved by split conformal calibration on the holdout so that the interval's coverage
  is what it says.
- A requested horizon H longer than h is reached by scaling with the customer's own BG/NBD expected-purchase
  curve, E[purchases in H] / E[purchases in h], which integrates their probability of still being a customer over
  time (their survival curve). A horizon beyond `max_extension` × h, or a history too short for a 60-day h, is
  refused with an explanation rather than guessed.
- The lower bound *if retained* (`ltv_low_if_retained`): what a customer who comes back spends at least, with 90%
  confidence. The interval's own lower bound is Tk 0 for nearly every at-risk customer (most of them will spend
  nothing), so it cannot cap what we offer to win one back; this bound is calibrated on the holdout customers who
  did spend, per fifth of predicted spend, as a multiple of their usual booking (RetainedLowerBound).
"""

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlcore import btyd
from mlcore.arrays import AnyFloatArray, Float32Array, FloatArray
from mlcore.boosting import booster_bytes, booster_load, booster_train
from mlcore.churn import MODEL_FEATURES, add_btyd_features, bgnbd_fit_on, rfm
from mlcore.features import History, TrainingDataError, build_features, cutoff_of
from mlcore.metrics import interval_metrics

if TYPE_CHECKING:
    import xgboost as xgb

MIN_OBSERVED_DAYS = 60


class HorizonError(ValueError):
    """The requested horizon cannot be supported by the history."""


@dataclass(frozen=True)
class LtvConfig:
    horizon_days: int = 1095
    min_history_days: int = 180
    max_observed_days: int = 365
    max_extension: float = 4.0
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
class LtvModel:
    mean_booster: "xgb.Booster"
    quantile_booster: "xgb.Booster"
    conformal: "ConformalBins"  # per-bin margins on the log1p scale of the quantiles (see interval_bounds)
    retained: "RetainedLowerBound"
    bgnbd: btyd.BgNbdParams
    observed_days: int
    horizon_days: int
    window_days: int  # of the churn features' BG/NBD churn probability
    feature_names: list[str]
    # Extension factor of customers without a completed booking (they have no BG/NBD curve): the training
    # population's median, fixed so that a customer's LTV never depends on who else is scored with them.
    default_factor: float = 1.0

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """ltv, ltv_low, ltv_high and ltv_low_if_retained in Tk over `horizon_days`, indexed like `features`;
        low ≤ ltv ≤ high."""
        matrix = add_btyd_features(features, self.bgnbd, self.window_days)[self.feature_names].to_numpy(np.float32)
        mean = np.clip(self.mean_booster.inplace_predict(matrix), 0, None)
        low, high = interval_bounds(
            self.quantile_booster.inplace_predict(matrix), mean, self.conformal.margins_for(mean)
        )
        factor = extension_factor(features, self.bgnbd, self.observed_days, self.horizon_days, self.default_factor)
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

    def to_files(self) -> dict[str, bytes]:
        meta = {
            "conformal": {"edges": self.conformal.edges, "margins": self.conformal.margins},
            "retained": {"edges": self.retained.edges, "factors": self.retained.factors},
            "bgnbd": self.bgnbd.to_dict(),
            "observed_days": self.observed_days,
            "horizon_days": self.horizon_days,
            "window_days": self.window_days,
            "feature_names": self.feature_names,
            "default_factor": self.default_factor,
        }
        return {
            "mean.json": booster_bytes(self.mean_booster),
            "quantiles.json": booster_bytes(self.quantile_booster),
            "ltv.json": json.dumps(meta).encode(),
        }

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> "LtvModel":
        meta = json.loads(files["ltv.json"])
        # Models saved before the bound existed still load (scoring and rollbacks keep working) with a bound of Tk 0:
        # the engine then offers them no discount until a retrained model replaces them.
        retained = meta.get("retained", {"edges": [], "factors": [0.0]})
        mean, quantiles = (
            booster_load(
                files[name],
                feature_names=meta["feature_names"],
                mismatch=f"{name} was trained on different features than the model lists",
            )
            for name in ("mean.json", "quantiles.json")
        )
        return cls(
            mean_booster=mean,
            quantile_booster=quantiles,
            conformal=ConformalBins(edges=list(meta["conformal"]["edges"]), margins=list(meta["conformal"]["margins"])),
            retained=RetainedLowerBound(**retained),
            bgnbd=btyd.BgNbdParams.from_dict(meta["bgnbd"]),
            observed_days=int(meta["observed_days"]),
            horizon_days=int(meta["horizon_days"]),
            window_days=int(meta["window_days"]),
            feature_names=list(meta["feature_names"]),
            default_factor=float(meta["default_factor"]),
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
    # "model", "btyd" -> interval_metrics over the observed horizon; "btyd" is {"error": why} when Gamma-Gamma fails
    metrics: dict[str, dict[str, Any]]
    config: dict[str, Any]

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
    params: btyd.BgNbdParams,
    observed_days: int,
    horizon_days: int,
    default: float | None = None,
) -> FloatArray:
    """E[purchases over the horizon] / E[purchases over the observed span] from each customer's BG/NBD curve.

    Customers without a completed booking get `default` (the median of the others when None: training only).
    """
    if horizon_days <= observed_days:
        return np.full(len(features), horizon_days / observed_days)
    frequency, recency, age, known = rfm(features)
    factor = np.ones(len(features))
    if known.any():
        long = btyd.bgnbd_expected_purchases(params, float(horizon_days), frequency[known], recency[known], age[known])
        short = btyd.bgnbd_expected_purchases(
            params, float(observed_days), frequency[known], recency[known], age[known]
        )
        factor[known] = np.where(short > 1e-9, long / np.maximum(short, 1e-9), horizon_days / observed_days)
    if (~known).any():
        factor[~known] = default if default is not None else (np.median(factor[known]) if known.any() else 1.0)
    return factor


def _median_factor(features: pd.DataFrame, params: btyd.BgNbdParams, observed_days: int, horizon_days: int) -> float:
    known = features[features["bookings_total"] > 0]
    if known.empty:
        return horizon_days / observed_days
    return float(np.median(extension_factor(known, params, observed_days, horizon_days)))


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


def _fit(matrix: Float32Array, target: FloatArray, config: LtvConfig, objective: dict[str, Any]) -> "xgb.Booster":
    params = {
        "max_depth": config.max_depth,
        "eta": config.learning_rate,
        "min_child_weight": 5.0,
        "subsample": 0.9,
        "colsample_bytree": 0.9,
        "seed": config.seed,
        **objective,
    }
    return booster_train(matrix, target, feature_names=list(MODEL_FEATURES), params=params, rounds=config.n_estimators)


def _fit_pair(matrix: Float32Array, spend: FloatArray, config: LtvConfig) -> tuple["xgb.Booster", "xgb.Booster"]:
    alpha = (1 - config.interval) / 2
    mean = _fit(matrix, spend, config, {"objective": "count:poisson"})
    quantiles = _fit(
        matrix, np.log1p(spend), config, {"objective": "reg:quantileerror", "quantile_alpha": [alpha, 1 - alpha]}
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
    if history.bookings.empty:
        raise TrainingDataError("there are no bookings to learn lifetime value from")
    if config.horizon_days < MIN_OBSERVED_DAYS:
        # Checked first: observable_days never exceeds the horizon, so a short horizon would otherwise be blamed
        # on the history ("too short") however long the history is.
        raise HorizonError(
            f"a {config.horizon_days}-day horizon is shorter than the {MIN_OBSERVED_DAYS} days lifetime value is "
            f"validated over; ask for at least {MIN_OBSERVED_DAYS} days"
        )
    start = history.bookings["booked_at"].min().tz_convert("Asia/Dhaka").date()
    observed = observable_days(start, as_of, config)
    if observed < MIN_OBSERVED_DAYS:
        raise HorizonError(
            f"the history ({start} to {as_of}) is too short to validate any lifetime-value horizon: "
            f"it needs {config.min_history_days} days of features plus twice a horizon of at least "
            f"{MIN_OBSERVED_DAYS} days, i.e. {config.min_history_days + 2 * MIN_OBSERVED_DAYS} days"
        )
    if config.horizon_days > config.max_extension * observed:
        raise HorizonError(
            f"a {config.horizon_days}-day horizon is more than {config.max_extension:g}× the {observed} days the "
            f"history can validate; use at most {int(config.max_extension * observed)} days or collect more history"
        )
    holdout_day = as_of - dt.timedelta(days=observed)
    earliest = start + dt.timedelta(days=config.min_history_days)
    train_days = sorted(
        day
        for k in range(config.n_train_cutoffs)
        if (day := holdout_day - dt.timedelta(days=observed + k * config.cutoff_step_days)) >= earliest
    )
    snapshots = [_snapshot(history, day, observed) for day in train_days]
    train_x = pd.concat([features for features, _ in snapshots])
    train_spend = np.concatenate([spend for _, spend in snapshots])
    holdout_x, holdout_spend = _snapshot(history, holdout_day, observed)
    for what, rows in (("the training cutoffs", train_spend), ("the holdout cutoff", holdout_spend)):
        if len(rows) < config.min_customers:
            raise TrainingDataError(
                f"{what} have {len(rows)} customers; at least {config.min_customers} are needed for lifetime value"
            )

    bgnbd = bgnbd_fit_on(snapshots[-1][0])
    window = 90

    def matrix(features: pd.DataFrame, params: btyd.BgNbdParams) -> Float32Array:
        return add_btyd_features(features, params, window)[list(MODEL_FEATURES)].to_numpy(np.float32)

    train_matrix, holdout_matrix = matrix(train_x, bgnbd), matrix(holdout_x, bgnbd)
    mean_booster, quantile_booster = _fit_pair(train_matrix, train_spend, config)
    holdout_mean = np.clip(mean_booster.inplace_predict(holdout_matrix), 0, None)
    holdout_q = quantile_booster.inplace_predict(holdout_matrix)
    low, high = _cross_conformal_interval(holdout_q, holdout_mean, holdout_spend, config)
    metrics: dict[str, dict[str, Any]] = {"model": interval_metrics(holdout_spend, holdout_mean, low, high)}
    metrics["model"]["retained_lower_bound_coverage"] = _cross_conformal_retained(
        holdout_mean, holdout_x["spend_avg"].to_numpy(), holdout_spend, config
    )
    metrics["model_coverage_by_predicted_spend"] = coverage_by_bin(holdout_spend, holdout_mean, low, high)
    try:
        gg = _gamma_gamma_on(history, holdout_day)
    except (ValueError, RuntimeError) as exc:  # e.g. spend so heavy-tailed that Gamma-Gamma has no finite mean
        metrics["btyd"] = {"error": str(exc)}
    else:
        btyd_spend = _btyd_spend(holdout_x, bgnbd, gg, observed)
        metrics["btyd"] = interval_metrics(holdout_spend, btyd_spend, btyd_spend, btyd_spend)
        metrics["btyd"].pop("coverage")  # a point forecast has no interval
        metrics["btyd"].pop("mean_interval_width")

    # Final: refit on every cutoff; the conformal margin comes from the holdout predictions of the validated pair.
    final_bgnbd = bgnbd_fit_on(holdout_x)
    final_x = pd.concat([train_x, holdout_x])
    final_spend = np.concatenate([train_spend, holdout_spend])
    final_mean, final_quantiles = _fit_pair(matrix(final_x, final_bgnbd), final_spend, config)
    model = LtvModel(
        mean_booster=final_mean,
        quantile_booster=final_quantiles,
        conformal=ConformalBins.fit(holdout_q, holdout_mean, holdout_spend, config.interval),
        retained=RetainedLowerBound.fit(
            holdout_mean, holdout_x["spend_avg"].to_numpy(), holdout_spend, config.retained_confidence
        ),
        bgnbd=final_bgnbd,
        observed_days=observed,
        horizon_days=config.horizon_days,
        window_days=window,
        feature_names=list(MODEL_FEATURES),
        default_factor=_median_factor(holdout_x, final_bgnbd, observed, config.horizon_days),
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
    )
    return model, report


MIN_BIN_COVERAGE = 0.70  # no fifth of customers gets intervals that cover less than this


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
        target = max(MIN_BIN_COVERAGE, interval - excess / rest) if rest else interval
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


def _btyd_spend(features: pd.DataFrame, bg: btyd.BgNbdParams, gg: btyd.GammaGammaParams, days: int) -> FloatArray:
    frequency, recency, age, known = rfm(features)
    spend = np.zeros(len(features))
    if known.any():
        spend[known] = btyd.btyd_expected_spend(
            bg, gg, float(days), frequency[known], recency[known], age[known], features["spend_avg"].to_numpy()[known]
        )
    return spend
