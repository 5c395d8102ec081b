"""Customer segmentation: K-Means clusters named by their centroid profiles, so names survive re-fits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from mlcore.arrays import FloatArray, IntArray, ObjectArray

SEGMENT_KEYS: tuple[str, ...] = (
    "high_value_loyal",
    "price_sensitive",
    "quality_focused",
    "occasional",
    "at_risk",
)

# churn_probability stays last: it is optional, and everything before it is required.
SEGMENT_FEATURES: tuple[str, ...] = (
    "spend_avg",
    "bookings_per_year",
    "service_diversity",
    "discount_share",
    "premium_share",
    "days_since_last_booking",
    "churn_probability",
)
_OPTIONAL_FEATURES: frozenset[str] = frozenset({"churn_probability"})

# Money, frequency and recency are long-tailed; without log1p a handful of big spenders would own a cluster each.
_LOG_FEATURES: frozenset[str] = frozenset({"spend_avg", "bookings_per_year", "days_since_last_booking"})
_SHARE_FEATURES: frozenset[str] = frozenset({"discount_share", "premium_share", "churn_probability"})

MIN_ROWS = 50
# K-Means on more rows than this buys no accuracy, only time; the rest are assigned with predict().
MAX_FIT_SAMPLE = 50_000
_N_INIT = 4
_MAX_ITER = 100
# A k-means++ run must beat the archetype-seeded run by this relative inertia to replace it. On customer data the
# landscape has many near-equal optima; preferring the anchored one in near-ties is what keeps re-fits stable.
_TIE_TOLERANCE = 0.01


@dataclass
class SegmentationModel:
    """A fitted segmentation: transform, K-Means, and the profile-based cluster names."""

    features: list[str]
    scaler: Pipeline
    kmeans: KMeans
    cluster_to_segment: dict[int, str]
    profiles: pd.DataFrame


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


def _archetype_scores(centers: FloatArray, overdue: FloatArray, features: list[str]) -> FloatArray:
    """Cluster x segment score matrix (columns in SEGMENT_KEYS order) over standardized centroid coordinates."""

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
    return np.column_stack([scores[key] for key in SEGMENT_KEYS])


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
    n_clusters: int,
    pool: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    """Starting centroids: the mean customer of each archetype (by per-row archetype score), plus extras D²-sampled
    from ``pool``."""
    scores = _archetype_scores(z, overdue, features)
    # Archetype scores have different spreads; standardize them so argmax compares like with like.
    scores = (scores - scores.mean(axis=0)) / np.where(scores.std(axis=0) > 0, scores.std(axis=0), 1.0)
    best = scores.argmax(axis=1)
    centers = []
    for k in range(len(SEGMENT_KEYS)):
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


def _name_clusters(scores: FloatArray) -> dict[int, str]:
    # One-to-one first so every segment gets its best-fitting cluster; only then do extra clusters
    # (n_clusters > 5) join whichever segment they resemble most.
    rows, cols = linear_sum_assignment(scores, maximize=True)
    mapping = {int(r): SEGMENT_KEYS[int(c)] for r, c in zip(rows, cols, strict=True)}
    for cluster in range(scores.shape[0]):
        if cluster not in mapping:
            mapping[cluster] = SEGMENT_KEYS[int(np.argmax(scores[cluster]))]
    return mapping


def _profiles(x: FloatArray, features: list[str], segments: ObjectArray, mapping: dict[int, str]) -> pd.DataFrame:
    frame = pd.DataFrame(x, columns=features)
    frame["segment"] = segments
    profiles = frame.groupby("segment").mean().reindex(list(SEGMENT_KEYS))
    counts = frame["segment"].value_counts().reindex(list(SEGMENT_KEYS), fill_value=0)
    profiles["customers"] = counts.astype("int64")
    profiles["share"] = counts / len(frame)
    profiles["clusters"] = [sum(1 for s in mapping.values() if s == key) for key in SEGMENT_KEYS]
    profiles.index.name = "segment"
    return profiles


def segmentation_fit(features: pd.DataFrame, *, n_clusters: int = 5, seed: int = 0) -> SegmentationModel:
    """Fit K-Means on the segment features and name each cluster by its centroid's archetype profile."""
    if n_clusters < len(SEGMENT_KEYS):
        raise ValueError(f"n_clusters must be at least {len(SEGMENT_KEYS)} (one per segment), got {n_clusters}")
    if not isinstance(features, pd.DataFrame):
        raise ValueError(f"features must be a pandas DataFrame, got {type(features).__name__}")
    if len(features) < MIN_ROWS:
        raise ValueError(f"need at least {MIN_ROWS} customers to fit a segmentation, got {len(features)}")
    used = [f for f in SEGMENT_FEATURES if f not in _OPTIONAL_FEATURES or f in features.columns]
    ordered = _canonical_order(features)
    x = _matrix(ordered, used)

    scaler = _make_scaler(used)
    z = scaler.fit_transform(x)

    rng = np.random.default_rng(seed)
    if len(z) > MAX_FIT_SAMPLE:
        sample = np.sort(rng.choice(len(z), size=MAX_FIT_SAMPLE, replace=False))
    else:
        sample = np.arange(len(z))
    overdue = _overdue_z(x, used)
    init = _archetype_init(z, overdue, used, n_clusters, z[sample], rng)
    kmeans = _fit_kmeans(z[sample], init, n_clusters, seed)
    labels = _predict(kmeans, z)

    # Centroid coordinates are already standardized; the overdue ratio is a derived coordinate, so its
    # per-cluster value is the members' mean.
    counts = np.bincount(labels, minlength=n_clusters)
    overdue_by_cluster = np.bincount(labels, weights=overdue, minlength=n_clusters) / np.maximum(counts, 1)
    scores = _archetype_scores(kmeans.cluster_centers_, overdue_by_cluster, used)
    mapping = _name_clusters(scores)

    segments = np.array([mapping[i] for i in range(n_clusters)], dtype=object)[labels]
    return SegmentationModel(
        features=used,
        scaler=scaler,
        kmeans=kmeans,
        cluster_to_segment=mapping,
        profiles=_profiles(x, used, segments, mapping),
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
