"""What a page or an endpoint shows of one customer, composed once from customers, loyalty and predictions.

A view finds the customer among those its viewer may see (customers_visible_to: another customer's id is a 404); the
read model then applies the rest of the access policy, so the DRF view and the portal view over the same data are a
few lines each.
"""

from dataclasses import dataclass

import pandas as pd

from accounts.access import Viewer, sees_staff_data
from customers.models import Customer
from customers.selectors import current_segments
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


def customer_profile(*, viewer: Viewer, customer: Customer) -> CustomerProfile:
    pks = pd.Index([customer.pk])
    staff = sees_staff_data(viewer)
    return CustomerProfile(
        customer=customer,
        loyalty_tier=current_tier_names(customer_pks=pks).iloc[0],
        prediction=latest_prediction(customer=customer) if staff else None,
        segment=current_segments(customer_pks=pks).iloc[0] if staff else "",
    )


def customer_loyalty(*, customer: Customer) -> dict:
    """The customer's tier, benefits, progress to the next tier and history (loyalty.selectors), with the value
    criterion measured by their latest predicted lifetime value."""
    latest = latest_prediction(customer=customer)
    ltv = float(latest.ltv or 0) if latest else 0.0
    return {"customer_id": customer.external_id, **customer_loyalty_summary(customer=customer, ltv=ltv)}
