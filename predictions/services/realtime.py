"""On-demand churn prediction for one customer, from the active model (not stored: the nightly run stores)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from customers.models import Customer
from mlcore.churn import risk_category
from mlcore.explain import Reason, top_reasons
from mlcore.features import build_features
from predictions.models import ModelKind, ScoringSettings
from predictions.selectors import history_load
from predictions.services.registry import active_model


class NoHistory(Exception):
    pass


@dataclass(frozen=True)
class LivePrediction:
    customer: Customer
    as_of: dt.date
    churn_probability: float
    risk_category: str
    reasons: list[Reason]
    model_version: str


def churn_predict(*, customer: Customer, as_of: dt.date | None = None) -> LivePrediction:
    """Score `customer` on everything known up to now (or before `as_of`)."""
    as_of = as_of or timezone.localdate() + dt.timedelta(days=1)
    version, model = active_model(ModelKind.CHURN)
    history = history_load(before=as_of, customer_ids=(customer.pk, customer.pk))
    features = build_features(history, as_of)
    if features.empty:
        raise NoHistory(f"customer {customer.external_id} has no bookings yet, so there is nothing to score")
    matrix = model.matrix(features)
    probability = float(model.calibrator.apply(model.raw_scores(matrix))[0])
    reasons = top_reasons(model.contributions(matrix), matrix, model.feature_names, k=5)[0]
    thresholds = ScoringSettings.load().risk_thresholds
    return LivePrediction(
        customer=customer,
        as_of=as_of,
        churn_probability=round(probability, 4),
        risk_category=str(risk_category([probability], thresholds)[0]),
        reasons=reasons,
        model_version=version,
    )
