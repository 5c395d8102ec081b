"""Customer segmentation: K-Means clusters named by their centroid profiles, so names survive re-fits.

Only what the data shows names a segment: a segment feature that does not vary in the fitted population is left out
of the clustering, and a segment whose naming signal is left out is not offered (no Price-Sensitive customers in a
history without discounts); there is one cluster per offered segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from mlcore.arrays import FloatArray, IntArray, ObjectArray
from mlcore.features import uninformative_features

SEGMENT_KEYS: tuple[str, ...] = (
    "high_value_loyal",
    "price_sensitive",
    "quality_focused",
    "occasional",
    "at_risk",
)

SEGMENT_FEATURES: tuple[str, ...] = (
    "spend_avg",
    "bookings_per_year",
    "service_diversity",
    "discount_share",
    "premium_share",
    "days_since_last_booking",
    "churn_probability",
)
# Money, frequency and recency every transaction log has; the rest a bare log (customer, date, amount) may lack.
_REQUIRED_FEATURES: tuple[str, ...] = ("spend_avg", "bookings_per_year", "days_since_last_booking")
_OPTIONAL_FEATURES: frozenset[str] = frozenset(SEGMENT_FEATURES) - frozenset(_REQUIRED_FEATURES)

# What each segment is named after: it is offered only when at least one of these varies in the fitted population.
# Service diversity names none (it only sharpens loyal against occasional), so without it all five can still be told
# apart; without discounts there is nothing to call price-sensitive, without premium providers nothing quality-focused.
SEGMENT_SIGNALS: dict[str, tuple[str, ...]] = {
    "high_value_loyal": ("spend_avg", "bookings_per_year"),
    "price_sensitive": ("discount_share",),
    "quality_focused": ("premium_share",),
    "occasional": ("bookings_per_year",),
    "at_risk": ("days_since_last_booking", "churn_probability"),
}
MIN_SEGMENTS = 2  # one segment is no segmentation

# Money, frequency and recency are long-tailed; without log1p a handful of big spenders would own a cluster each.
_LOG_FEATURES: frozenset[str] = frozenset({"spend_avg", "bookings_per_year", "days_since_last_booking"})
_SHARE_FEATURES: frozenset[str] = frozenset({"discount_share", "premium_share", "churn_probability"})

MIN_ROWS = 50
# K-Means on more rows than this buys no accuracy, only time; the rest are assigned with predict().
MAX_FIT_SAMPLE = 50_000
# k-means++ restarts. With 4, one seed in three on the simulated marketplace stopped in a local optimum 10% worse
# than the others and renamed 40% of customers; with 10 every seed of six found the same clusters (< 1% moved).
_N_INIT = 10
_MAX_ITER = 100
# A k-means++ run must beat the archetype-seeded run by this relative inertia to replace it. On customer data the
# landscape has many near-equal optima; preferring the anchored one in near-ties is what keeps re-fits stable.
_TIE_TOLERANCE = 0.01


@dataclass
class SegmentationModel:
    """A fitted segmentation: transform, K-Means, the profile-based cluster names, and what the data could show.

    `features` are the columns clustered on and `segments` the segments offered (SEGMENT_KEYS order); the left-out
    features and segments map to why, in words, for the training report and the admin.
    """

    features: list[str]
    scaler: Pipeline
    kmeans: KMeans
    cluster_to_segment: dict[int, str]
    profiles: pd.DataFrame
    segments: list[str] = field(default_factory=lambda: list(SEGMENT_KEYS))
    features_left_out: dict[str, str] = field(default_factory=dict)
    segments_left_out: dict[str, str] = field(default_factory=dict)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Models pickled before sparse data was handled lack the last three fields; they clustered on every feature
        # they list and named every segment their clusters map to.
        offered = set(state["cluster_to_segment"].values())
        state.setdefault("segments", [key for key in SEGMENT_KEYS if key in offered])
        state.setdefault("features_left_out", {})
        state.setdefault("segments_left_out", {})
        self.__dict__.update(state)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: the features used, the segments offered, and why the others were left out."""
        return {
            "features": list(self.features),
            "segments": list(self.segments),
            "features_left_out": dict(self.features_left_out),
            "segments_left_out": dict(self.segments_left_out),
        }


def _log1p_columns(x: FloatArray, columns: tuple[int, ...] = ()) -> FloatArray:
    # Module-level (not a lambda) so that a fitted model pickles.
    out = np.array(x, dtype=float, copy=True)
    if columns:
        idx = list(columns)
        out[:, idx] = np.log1p(out[:, idx])
    return out


def _expm1_columns(x: FloatArray, columns: tuple[int, ...] = ()) -> FloatArray:
    out = np.array(x, dtype=float, copy=True)
    if columns:
        idx = list(columns)
        out[:, idx] = np.expm1(out[:, idx])
    return out


def _make_scaler(features: list[str]) -> Pipeline:
    log_idx = tuple(i for i, f in enumerate(features) if f in _LOG_FEATURES)
    log_step = FunctionTransformer(
        func=_log1p_columns,
        inverse_func=_expm1_columns,
        kw_args={"columns": log_idx},
        inv_kw_args={"columns": log_idx},
        validate=False,
        check_inverse=False,
    )
    return Pipeline([("log1p", log_step), ("standardize", StandardScaler())])


def _matrix(features: pd.DataFrame, columns: list[str]) -> FloatArray:
    """Validated float matrix of ``columns``; raises ValueError naming the offending columns."""
    if not isinstance(features, pd.DataFrame):
        raise ValueError(f"features must be a pandas DataFrame, got {type(features).__name__}")
    missing = [c for c in columns if c not in features.columns]
    if missing:
        raise ValueError(f"missing required feature column(s): {', '.join(missing)}")
    try:
        x = features[columns].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"feature columns must be numeric: {exc}") from exc
    bad = ~np.isfinite(x)
    if bad.any():
        counts = bad.sum(axis=0)
        detail = ", ".join(f"{c} ({n} rows)" for c, n in zip(columns, counts, strict=True) if n)
        raise ValueError(f"features contain NaN or infinite values: {detail}")
    for j, col in enumerate(columns):
        lo, hi = x[:, j].min(initial=0.0), x[:, j].max(initial=0.0)
        if lo < 0:
            raise ValueError(f"{col} must be >= 0, found {lo}")
        if col in _SHARE_FEATURES and hi > 1:
            raise ValueError(f"{col} is a share and must be within [0, 1], found {hi}")
    return x


def _canonical_order(features: pd.DataFrame) -> pd.DataFrame:
    # K-Means++ seeding and the fit sample depend on row order; sorting by customer id makes a fit
    # independent of how the caller happened to order the rows.
    try:
        return features.sort_index(kind="stable")
    except TypeError:  # unorderable mixed-type index: keep the caller's order
        return features


def _archetype_scores(centers: FloatArray, overdue: FloatArray, features: list[str], segments: list[str]) -> FloatArray:
    """Cluster x segment score matrix (columns in `segments` order) over standardized centroid coordinates.

    A left-out feature counts as 0 (the population mean) everywhere, so it moves no score."""

    def coord(name: str) -> FloatArray:
        return centers[:, features.index(name)] if name in features else np.zeros(len(centers))

    spend = coord("spend_avg")
    freq = coord("bookings_per_year")
    diversity = coord("service_diversity")
    discount = coord("discount_share")
    premium = coord("premium_share")
    # Risk is recency judged against the customer's own rhythm (a yearly customer 200 days out is fine, a
    # monthly one is not), blended with the churn model when we have it.
    if "churn_probability" in features:
        risk = 0.5 * (overdue + coord("churn_probability"))
    else:
        risk = overdue
    scores = {
        "high_value_loyal": spend + freq + 0.5 * diversity - risk,
        "price_sensitive": 1.5 * discount - 0.5 * spend,
        "quality_focused": 1.5 * premium + 0.5 * spend,
        "occasional": -freq - 0.5 * diversity - risk,
        # A little absolute recency too: a long silence is a warning even for customers whose rhythm is slow.
        "at_risk": 1.5 * risk + 0.5 * coord("days_since_last_booking"),
    }
    return np.column_stack([scores[key] for key in segments])


def _overdue_z(x: FloatArray, features: list[str]) -> FloatArray:
    """Per-row standardized log overdue ratio: days since last booking over the expected gap 365 / frequency."""
    days = x[:, features.index("days_since_last_booking")]
    freq = x[:, features.index("bookings_per_year")]
    ratio = np.log1p(days * freq / 365.0)
    std = float(ratio.std())
    return (ratio - float(ratio.mean())) / (std if std > 0 else 1.0)


def _archetype_init(
    z: FloatArray,
    overdue: FloatArray,
    features: list[str],
    segments: list[str],
    n_clusters: int,
    pool: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    """Starting centroids: the mean customer of each offered archetype (by per-row archetype score), plus extras
    D²-sampled from ``pool``."""
    scores = _archetype_scores(z, overdue, features, segments)
    # Archetype scores have different spreads; standardize them so argmax compares like with like.
    scores = (scores - scores.mean(axis=0)) / np.where(scores.std(axis=0) > 0, scores.std(axis=0), 1.0)
    best = scores.argmax(axis=1)
    centers = []
    for k in range(len(segments)):
        members = best == k
        if not members.any():  # nobody is most like this archetype: use its top decile instead
            members = scores[:, k] >= np.quantile(scores[:, k], 0.9)
        centers.append(z[members].mean(axis=0))
    while len(centers) < n_clusters:
        # k-means++ style: extra clusters start where the current centres fit worst.
        c = np.asarray(centers)
        d2 = ((pool[:, None, :] - c[None, :, :]) ** 2).sum(axis=2).min(axis=1)
        total = d2.sum()
        pick = rng.choice(len(pool), p=d2 / total) if total > 0 else int(rng.integers(len(pool)))
        centers.append(pool[pick])
    return np.asarray(centers)


def _fit_kmeans(z: FloatArray, init: FloatArray, n_clusters: int, seed: int) -> KMeans:
    common = {"n_clusters": n_clusters, "max_iter": _MAX_ITER, "random_state": seed}
    with _single_thread():
        anchored = KMeans(init=init, n_init=1, **common).fit(z)
        searched = KMeans(init="k-means++", n_init=_N_INIT, **common).fit(z)
    if searched.inertia_ < anchored.inertia_ * (1.0 - _TIE_TOLERANCE):
        return searched
    return anchored


def _single_thread() -> threadpool_limits:
    # 7 features x 5 centroids is too small to gain from OpenMP; on a busy 2-core worker its spin-waiting made
    # the fit 7x slower (measured), so K-Means runs single-threaded.
    return threadpool_limits(limits=1, user_api="openmp")


def _predict(kmeans: KMeans, z: FloatArray) -> IntArray:
    with _single_thread():
        labels: IntArray = kmeans.predict(z)
    return labels


def _name_clusters(scores: FloatArray, segments: list[str]) -> dict[int, str]:
    # One-to-one first so every segment gets its best-fitting cluster; only then do extra clusters
    # (more clusters than segments) join whichever segment they resemble most.
    rows, cols = linear_sum_assignment(scores, maximize=True)
    mapping = {int(r): segments[int(c)] for r, c in zip(rows, cols, strict=True)}
    for cluster in range(scores.shape[0]):
        if cluster not in mapping:
            mapping[cluster] = segments[int(np.argmax(scores[cluster]))]
    return mapping


def _profiles(
    x: FloatArray, features: list[str], labels: ObjectArray, mapping: dict[int, str], segments: list[str]
) -> pd.DataFrame:
    frame = pd.DataFrame(x, columns=features)
    frame["segment"] = labels
    profiles = frame.groupby("segment").mean().reindex(segments)
    counts = frame["segment"].value_counts().reindex(segments, fill_value=0)
    profiles["customers"] = counts.astype("int64")
    profiles["share"] = counts / len(frame)
    profiles["clusters"] = [sum(1 for s in mapping.values() if s == key) for key in segments]
    profiles.index.name = "segment"
    return profiles


def _left_out_features(x: FloatArray, present: list[str]) -> dict[str, str]:
    """Segment features not to cluster on, in SEGMENT_FEATURES order, each with why."""
    why = {f: "not in the data" for f in SEGMENT_FEATURES if f not in present}
    why |= uninformative_features(pd.DataFrame(x, columns=present), present)
    return {f: why[f] for f in SEGMENT_FEATURES if f in why}


def _left_out_segments(features_left_out: dict[str, str]) -> dict[str, str]:
    """Segments none of whose signals survived, each with why."""
    why = {}
    for key in SEGMENT_KEYS:
        signals = SEGMENT_SIGNALS[key]
        if all(signal in features_left_out for signal in signals):
            causes = "; ".join(f"{signal} is {features_left_out[signal]}" for signal in signals)
            why[key] = f"named after {' or '.join(signals)}: {causes}"
    return why


def segmentation_fit(features: pd.DataFrame, *, n_clusters: int | None = None, seed: int = 0) -> SegmentationModel:
    """Fit K-Means on the segment features that vary and name each cluster by its centroid's archetype profile.

    Only segments whose signal varies are offered (SEGMENT_SIGNALS); `n_clusters` defaults to one per offered segment
    and may not be fewer.
    """
    if not isinstance(features, pd.DataFrame):
        raise ValueError(f"features must be a pandas DataFrame, got {type(features).__name__}")
    if len(features) < MIN_ROWS:
        raise ValueError(f"need at least {MIN_ROWS} customers to fit a segmentation, got {len(features)}")
    ordered = _canonical_order(features)
    present = [f for f in SEGMENT_FEATURES if f not in _OPTIONAL_FEATURES or f in ordered.columns]
    x_present = _matrix(ordered, present)
    features_left_out = _left_out_features(x_present, present)
    segments_left_out = _left_out_segments(features_left_out)
    segments = [key for key in SEGMENT_KEYS if key not in segments_left_out]
    if len(segments) < MIN_SEGMENTS:
        detail = "; ".join(f"{key}: {why}" for key, why in segments_left_out.items())
        raise ValueError(f"the features vary too little to tell segments apart ({detail})")
    if n_clusters is None:
        n_clusters = len(segments)
    if n_clusters < len(segments):
        raise ValueError(
            f"n_clusters must be at least {len(segments)} (one per offered segment: {', '.join(segments)}), "
            f"got {n_clusters}"
        )
    used = [f for f in present if f not in features_left_out]
    x = x_present[:, [present.index(f) for f in used]]

    scaler = _make_scaler(used)
    z = scaler.fit_transform(x)

    rng = np.random.default_rng(seed)
    if len(z) > MAX_FIT_SAMPLE:
        sample = np.sort(rng.choice(len(z), size=MAX_FIT_SAMPLE, replace=False))
    else:
        sample = np.arange(len(z))
    overdue = _overdue_z(x_present, present)
    init = _archetype_init(z, overdue, used, segments, n_clusters, z[sample], rng)
    kmeans = _fit_kmeans(z[sample], init, n_clusters, seed)
    labels = _predict(kmeans, z)

    # Centroid coordinates are already standardized; the overdue ratio is a derived coordinate, so its
    # per-cluster value is the members' mean.
    counts = np.bincount(labels, minlength=n_clusters)
    overdue_by_cluster = np.bincount(labels, weights=overdue, minlength=n_clusters) / np.maximum(counts, 1)
    scores = _archetype_scores(kmeans.cluster_centers_, overdue_by_cluster, used, segments)
    mapping = _name_clusters(scores, segments)

    named = np.array([mapping[i] for i in range(n_clusters)], dtype=object)[labels]
    return SegmentationModel(
        features=used,
        scaler=scaler,
        kmeans=kmeans,
        cluster_to_segment=mapping,
        profiles=_profiles(x, used, named, mapping, segments),
        segments=segments,
        features_left_out=features_left_out,
        segments_left_out=segments_left_out,
    )


def segmentation_assign(model: SegmentationModel, features: pd.DataFrame) -> pd.Series:
    """Segment key for every row of ``features`` (same index), using a fitted model."""
    x = _matrix(features, model.features)
    if len(x) == 0:
        return pd.Series([], index=features.index, dtype=object, name="segment")
    labels = _predict(model.kmeans, model.scaler.transform(x))
    names = np.array([model.cluster_to_segment[i] for i in range(model.kmeans.n_clusters)], dtype=object)
    return pd.Series(names[labels], index=features.index, name="segment")


def segment_moves(previous: pd.Series, current: pd.Series) -> pd.DataFrame:
    """Transition counts: rows are the previous segment, columns the current one, over customers in both."""
    for name, series in (("previous", previous), ("current", current)):
        if not isinstance(series, pd.Series):
            raise ValueError(f"{name} must be a pandas Series of segment keys, got {type(series).__name__}")
        if not series.index.is_unique:
            raise ValueError(f"{name} has duplicate customer ids in its index")
        unknown = sorted(set(series.dropna().unique()) - set(SEGMENT_KEYS), key=str)
        if unknown or series.isna().any():
            raise ValueError(f"{name} contains values that are not segment keys: {unknown or ['<missing>']}")
    common = previous.index.intersection(current.index)
    keys = pd.CategoricalDtype(list(SEGMENT_KEYS))
    moves = pd.crosstab(
        previous.loc[common].astype(keys).rename("from"),
        current.loc[common].astype(keys).rename("to"),
        dropna=False,
    )
    # crosstab drops empty categories in some pandas versions; the full 5x5 grid keeps dashboards simple.
    moves = moves.reindex(index=list(SEGMENT_KEYS), columns=list(SEGMENT_KEYS), fill_value=0).astype("int64")
    moves.index.name, moves.columns.name = "from", "to"
    return moves
