"""Fixtures of the notification tests: clean mock gateways and no random gateway trouble."""

import pytest
from django.core.cache import cache

from customers.tests.factories import CustomerFactory
from interventions.tests.factories import InterventionFactory
from notifications.backends import push_gateway, sms_gateway

TEXTS = {
    "subject_en": "We miss you, Rahima",
    "subject_bn": "রহিমা, আমরা আপনাকে মিস করছি",
    "body_en": "Rahima, we miss you! Get Tk 500 off your next 3 bookings.",
    "body_bn": "রহিমা, আমরা আপনাকে মিস করছি! পরবর্তী ৩টি বুকিংয়ে ৫০০ টাকা ছাড়।",
}


@pytest.fixture(autouse=True)
def clean_gateways(settings):
    settings.SMS_MOCK_FAILURE_RATE = 0.0
    settings.PUSH_MOCK_FAILURE_RATE = 0.0
    settings.SMS_MOCK_BLOCKED_NUMBERS = []
    settings.SMS_SENDER_ID = "ShebaXYZ"
    settings.SMS_COST_PER_SEGMENT_TK = 0.35
    sms_gateway.reset()
    push_gateway.reset()
    cache.clear()
    yield
    sms_gateway.reset()
    push_gateway.reset()


@pytest.fixture
def texts() -> dict[str, str]:
    return dict(TEXTS)


@pytest.fixture
def make_intervention(db):
    """An intervention of a new customer with the given customer fields."""

    def make(**customer_fields):
        return InterventionFactory(customer=CustomerFactory(**customer_fields))

    return make
