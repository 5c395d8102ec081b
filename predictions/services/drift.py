"""Feature drift of a scoring day, measured once by the night that scored it (the portal reads the stored figures).

The population stability index of each feature the active churn model reads, between the features of the customers
scored that day as of the model's training snapshot and as of the day itself (mlcore.drift).
"""

import datetime as dt
import logging

import pandas as pd

from mlcore.drift import feature_drift
from mlcore.features import build_features
from predictions.models import FeatureDriftDay, ModelKind, ModelVersion, Prediction
from predictions.selectors import history_load, training_snapshot_day

logger = logging.getLogger(__name__)


def feature_drift_measure(*, as_of: dt.date) -> FeatureDriftDay | None:
    """Measure and store the drift of `as_of` (replacing an earlier measurement of the day); None without an active
    churn model or anyone scored that day."""
    version = ModelVersion.objects.filter(kind=ModelKind.CHURN, is_active=True).first()
    customers = pd.Index(list(Prediction.objects.filter(as_of=as_of).values_list("customer_id", flat=True)))
    if version is None or customers.empty:
        return None
    reference_day = training_snapshot_day(version)
    history = history_load(before=max(reference_day, as_of))
    reference = build_features(history, reference_day, customer_ids=customers)
    current = build_features(history, as_of, customer_ids=customers)
    names = [name for name in version.metadata.get("feature_names", []) if name in reference.columns]
    [day] = feature_drift(reference, {as_of: current}, names)
    row, _ = FeatureDriftDay.objects.update_or_create(
        as_of=as_of,
        defaults={
            "model_version": version.version,
            "reference_day": reference_day,
            "customers": day.customers,
            "features": [{"feature": item.feature, "psi": item.psi, "band": item.band} for item in day.features],
            "band": day.band,
        },
    )
    logger.info("feature drift as of %s against %s: %s", as_of, version.version, day.band or "no features")
    return row
