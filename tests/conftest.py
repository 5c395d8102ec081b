"""Fixtures of the cross-app tests: the world of the authorization matrix, shared by the outage tests."""

from decimal import Decimal

import pytest
from django.utils import timezone

from customers.tests.factories import BookingFactory, CustomerFactory, StaffUserFactory, UserFactory
from interventions.models import InterventionStatus
from interventions.tests.factories import InterventionFactory, SupportCallFactory
from payments.tests.factories import DiscountCodeFactory


@pytest.fixture
def world(customer_user, analyst_user, retention_user, model_admin_user):
    """The users of every role, and the rows the endpoints act on (all of the requesting customer's)."""
    customer = customer_user.customer
    BookingFactory(customer=customer)
    # a customer has one open intervention at a time: the proposal and the call are other customers'
    intervention = InterventionFactory(prediction=None)
    call = SupportCallFactory(intervention__prediction=None)
    sent = InterventionFactory(
        customer=customer, prediction=None, status=InterventionStatus.SENT, sent_at=timezone.now()
    )
    code = DiscountCodeFactory(customer=customer, intervention=sent, value=Decimal("100"))
    users = {
        "anonymous": None,
        "customer": customer_user,
        # another customer's login, asking about the first customer's rows
        "other_customer": CustomerFactory(user=UserFactory(username="other-customer")).user,
        "analyst": analyst_user,
        "retention": retention_user,
        "model_admin": model_admin_user,
        "superuser": StaffUserFactory(username="root", is_superuser=True),
    }
    return {
        "users": users,
        "customer": customer,
        "intervention": intervention,
        "call": call,
        "code": code,
        "sent": sent,
    }
