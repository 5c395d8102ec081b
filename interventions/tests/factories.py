"""factory_boy factories for interventions and their audit events."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from customers.tests.factories import CustomerFactory, existing_service
from interventions.models import Intervention, InterventionAction, InterventionEvent, InterventionStatus, SupportCall
from predictions.tests.factories import PredictionFactory


class InterventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intervention

    customer = factory.SubFactory(CustomerFactory)
    prediction = factory.SubFactory(PredictionFactory, customer=factory.SelfAttribute("..customer"))
    action = InterventionAction.WIN_BACK_DISCOUNT
    service = factory.LazyFunction(existing_service)
    addresses_reason = "days_since_last_booking"
    discount_amount = Decimal("200.00")
    discount_percent = Decimal("0.0")
    message_en = "We miss you! Tk 200 off your next AC servicing."
    message_bn = "আমরা আপনাকে মিস করছি! পরবর্তী এসি সার্ভিসিংয়ে ২০০ টাকা ছাড়।"
    expected_retention_uplift = 0.12
    expected_cost = Decimal("200.00")
    expected_net_benefit = Decimal("1960.00")
    expected_roi = 9.8
    status = InterventionStatus.PROPOSED
    sent_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status in (InterventionStatus.SENT, InterventionStatus.REDEEMED) else None
    )
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))


class InterventionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InterventionEvent

    intervention = factory.SubFactory(InterventionFactory)
    from_status = ""
    to_status = InterventionStatus.PROPOSED
    actor = None
    note = "Proposed by the recommendation engine"


class SupportCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportCall

    intervention = factory.SubFactory(
        InterventionFactory, action=InterventionAction.PERSONAL_CALL, status=InterventionStatus.SENT, discount_amount=0
    )
    customer = factory.SelfAttribute("intervention.customer")
    due_by = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
