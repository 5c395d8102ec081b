"""What a page or an endpoint shows of one customer, composed once from customers, loyalty and predictions.

A read model takes the viewer and applies the access policy: the DRF view and the portal view over the same data are
then a few lines each. Another customer's id, or a customer nobody may see, is Customer.DoesNotExist.
"""

from dataclasses import dataclass

import pandas as pd

from accounts.access import User, sees_staff_data
from customers.models import Customer
from customers.selectors import current_segments, customers_visible_to
from loyalty.selectors import current_tier_names, customer_loyalty_summary
from predictions.models import Prediction
from predictions.selectors import latest_prediction


@dataclass(frozen=True)
class CustomerProfile:
    customer: Customer
    loyalty_tier: str
    # How the business sees the customer: staff only (None and "" for the customer, who is not shown their churn
    # risk, their value or the lower bound their discounts are capped by, nor which marketing segment they are in).
    prediction: Prediction | None
    segment: str


def customer_profile(*, viewer: User, external_id: str) -> CustomerProfile:
    customer = customers_visible_to(viewer=viewer).get(external_id=external_id)
    pks = pd.Index([customer.pk])
    staff = sees_staff_data(viewer)
    return CustomerProfile(
        customer=customer,
        loyalty_tier=current_tier_names(customer_pks=pks).iloc[0],
        prediction=latest_prediction(customer=customer) if staff else None,
        segment=current_segments(customer_pks=pks).iloc[0] if staff else "",
    )


def customer_loyalty(*, viewer: User, external_id: str) -> dict:
    """The customer's tier, benefits, progress to the next tier and history (loyalty.selectors), with the value
    criterion measured by their latest predicted lifetime value."""
    customer = customers_visible_to(viewer=viewer).get(external_id=external_id)
    latest = latest_prediction(customer=customer)
    ltv = float(latest.ltv or 0) if latest else 0.0
    return {"customer_id": customer.external_id, **customer_loyalty_summary(customer=customer, ltv=ltv)}
