"""Rows the analytics reports read, on fixed days: bookings, judged proposals."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from customers.models import BookingStatus
from customers.tests.factories import BookingFactory
from interventions.models import Intervention, InterventionOutcome, InterventionStatus
from interventions.tests.factories import InterventionFactory

DHAKA = ZoneInfo("Asia/Dhaka")


def at(day: dt.date) -> dt.datetime:
    """Noon in Dhaka on `day`."""
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=DHAKA)


def booking_on(customer, day: dt.date, amount: str = "1000.00", status: str = BookingStatus.COMPLETED):
    return BookingFactory(customer=customer, booked_at=at(day), amount=Decimal(amount), status=status)


def judged_proposal(*, arm: str, retained: bool, on: dt.date, **fields) -> Intervention:
    """A proposal made on `on` whose outcome is known: arm is "sent", "refused" or "control"."""
    status = {"sent": InterventionStatus.SENT, "refused": InterventionStatus.REJECTED}.get(
        arm, InterventionStatus.CONTROL
    )
    intervention = InterventionFactory(
        status=status,
        outcome=InterventionOutcome.RETAINED if retained else InterventionOutcome.CHURNED,
        sent_at=at(on) if arm == "sent" else None,
        prediction__as_of=on,  # proposed from that night's prediction
        **fields,
    )
    Intervention.objects.filter(pk=intervention.pk).update(created_at=at(on))
    intervention.refresh_from_db()
    return intervention
