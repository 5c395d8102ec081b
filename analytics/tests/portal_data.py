"""A customer with a story to tell, for the analyst portal's view and browser tests: bookings, two scoring days, a
segment change, a tier, and an intervention sent with its audit trail."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer, Segment
from customers.tests.factories import BookingFactory, CustomerFactory
from customers.tests.segment_factories import CustomerSegmentFactory, existing_segment
from interventions.models import InterventionOutcome, InterventionStatus
from interventions.tests.factories import InterventionEventFactory, InterventionFactory
from loyalty.models import LoyaltyTier
from loyalty.tests.factories import CustomerLoyaltyFactory, existing_tier
from predictions.models import RiskCategory
from predictions.tests.factories import PredictionFactory

TODAY = dt.date(2026, 3, 15)
EARLIER = dt.date(2026, 2, 15)


def storied_customer(*, bookings: int = 3) -> Customer:
    customer = CustomerFactory(
        external_id="C0004217", name="Rahima Begum", phone="+8801712345678", area="Mirpur", language="bn"
    )
    for n in range(bookings):
        BookingFactory(
            customer=customer,
            amount=Decimal("1250.00"),
            booked_at=timezone.now() - dt.timedelta(days=40 + 30 * n),
        )
    PredictionFactory(customer=customer, as_of=EARLIER, churn_probability=0.41, risk_category=RiskCategory.MEDIUM)
    latest = PredictionFactory(
        customer=customer,
        as_of=TODAY,
        churn_probability=0.72,
        risk_category=RiskCategory.HIGH,
        segment=Segment.Key.AT_RISK,
        loyalty_tier=LoyaltyTier.Name.SILVER,
    )
    CustomerSegmentFactory(
        customer=customer, segment=existing_segment(Segment.Key.OCCASIONAL), valid_from=EARLIER, valid_to=TODAY
    )
    CustomerSegmentFactory(customer=customer, segment=existing_segment(Segment.Key.AT_RISK), valid_from=TODAY)
    CustomerLoyaltyFactory(customer=customer, tier=existing_tier(LoyaltyTier.Name.SILVER), valid_from=EARLIER)
    sent = InterventionFactory(
        customer=customer,
        prediction=latest,
        status=InterventionStatus.SENT,
        outcome=InterventionOutcome.PENDING,
        as_of=TODAY,
    )
    InterventionEventFactory(intervention=sent, from_status="", to_status=InterventionStatus.PROPOSED)
    InterventionEventFactory(
        intervention=sent, from_status=InterventionStatus.PROPOSED, to_status=InterventionStatus.APPROVED, note="ok"
    )
    return customer
