"""XGBoost training, saving and loading shared by the churn and lifetime-value models."""

from typing import TYPE_CHECKING, Any

from numpy.typing import ArrayLike

from mlcore.arrays import Float32Array

if TYPE_CHECKING:  # xgboost is imported where a model is trained or loaded, not when mlcore is
    import xgboost as xgb

# One thread per process: parallelism comes from more processes (Celery workers, gunicorn workers). On a busy
# 2-core machine OpenMP threads spinning against other processes made XGBoost 10-20x slower than one thread.
THREADS = 1


def booster_train(
    matrix: Float32Array,
    labels: ArrayLike,
    *,
    feature_names: list[str],
    params: dict[str, Any],
    rounds: int,
    base_margin: ArrayLike | None = None,
) -> "xgb.Booster":
    """A histogram-method booster with the project's threading; `params` add the objective and tree settings.
    `base_margin` starts each row from a given raw score (another model's) instead of the global mean."""
    import xgboost as xgb

    data = xgb.DMatrix(matrix, label=labels, feature_names=feature_names, nthread=THREADS, base_margin=base_margin)
    return xgb.train({"tree_method": "hist", "nthread": THREADS, **params}, data, num_boost_round=rounds)


def booster_bytes(booster: "xgb.Booster") -> bytes:
    return bytes(booster.save_raw("json"))


def booster_load(content: bytes, *, feature_names: list[str], mismatch: str) -> "xgb.Booster":
    """Load a saved booster; one trained on other features than `feature_names` is refused: ValueError(mismatch)."""
    import xgboost as xgb

    booster = xgb.Booster(params={"nthread": THREADS})
    booster.load_model(bytearray(content))
    if list(booster.feature_names or []) != list(feature_names):
        raise ValueError(mismatch)
    return booster
