"""On-demand churn prediction for one customer, from the active model (not stored: the nightly run stores)."""

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from django.utils import timezone

from customers.models import Customer
from mlcore.explain import REASONS_K, Reason, top_reasons
from mlcore.single import single_features
from predictions.models import ModelKind, ScoringSettings
from predictions.selectors import customer_events
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
    from mlcore.churn import risk_category

    as_of = as_of or timezone.localdate() + dt.timedelta(days=1)
    version, model = active_model(ModelKind.CHURN)
    # The numpy twin of build_features: the same numbers (tested) in a fraction of a millisecond.
    values = single_features(customer_events(customer=customer, before=as_of), as_of)
    if values is None:
        raise NoHistory(f"customer {customer.external_id} has no bookings yet, so there is nothing to score")
    matrix = model.matrix(pd.DataFrame([values], index=[customer.pk]))
    probability = float(model.probabilities(matrix)[0])
    reasons = top_reasons(model.contributions(matrix), matrix, model.input_names, k=REASONS_K)[0]
    thresholds = ScoringSettings.load().risk_thresholds
    return LivePrediction(
        customer=customer,
        as_of=as_of,
        churn_probability=probability,
        risk_category=str(risk_category([probability], thresholds)[0]),
        reasons=reasons,
        model_version=version,
    )
