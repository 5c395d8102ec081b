"""What a customer reads of an offer, on every channel it reaches them by and on the offers endpoint: their own code,
amount and last day, in their language, never a placeholder."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django.utils.translation import override

from conftest import client_of
from customers.tests.factories import CustomerFactory, StaffUserFactory, UserFactory
from interventions.messages import MONTHS, render_offer
from interventions.services.queue import intervention_approve, intervention_send
from interventions.tests.factories import InterventionFactory
from mlcore.explain import bengali_digits
from notifications.backends import push_gateway, sms_gateway
from notifications.models import Notification
from payments.models import DiscountCode

pytestmark = pytest.mark.django_db

AMOUNT = {"en": "Tk 450 off", "bn": "৳৪৫০ ছাড়"}


@pytest.fixture(autouse=True)
def clean_gateways():
    cache.clear()  # the e-mail backend remembers sent idempotency keys there
    sms_gateway.reset()
    push_gateway.reset()
    yield
    sms_gateway.reset()
    push_gateway.reset()


def last_day(code: DiscountCode, language: str) -> str:
    """The day the offer ends in the language's words: "16 January", "১৬ জানুয়ারি"."""
    day = timezone.localtime(code.expires_at).date()
    with override(language):
        words = f"{day.day} {MONTHS[day.month - 1]}"
    return bengali_digits(words) if language == "bn" else words


def sent_offer(*, language: str, channel: str, on_commit):
    """A win-back proposal as the engine writes it (the amount left to sending), approved at Tk 450 and sent."""
    customer = CustomerFactory(name="Rahima Begum", language=language, preferred_channel=channel, user=UserFactory())
    message = render_offer(
        action="win_back_discount",
        customer_name=customer.name,
        amount=300,
        service=None,
        tier="",
        amount_placeholder=True,
    )
    intervention = InterventionFactory(
        customer=customer, action="win_back_discount", message_en=message.body_en, message_bn=message.body_bn
    )
    intervention_approve(intervention_id=intervention.pk, user=StaffUserFactory(), discount_amount=Decimal("450"))
    with on_commit(execute=True):  # the message goes out once the send commits
        intervention_send(intervention_id=intervention.pk)
    return customer, DiscountCode.objects.get(intervention=intervention)


def received(channel: str) -> str:
    """The text the customer's device or mailbox got."""
    if channel == "sms":
        (message,) = sms_gateway.outbox
        return message.body
    if channel == "push":
        (message,) = push_gateway.outbox
        return message.body
    (email,) = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    ((html, _),) = email.alternatives
    assert html == f"<p>{email.body}</p>"
    return str(email.body)


def assert_filled_in(text: str, *, language: str, code: DiscountCode) -> None:
    assert not re.search(r"\{\w+\}", text), text  # no placeholder left
    assert code.code in text  # typed back as issued: ASCII in Bengali text too
    assert last_day(code, language) in text
    assert AMOUNT[language] in text
    if language == "bn":
        assert not re.search(r"[0-9]", text.replace(code.code, "")), text  # Bengali digits only
    assert text.startswith({"en": "Rahima, we miss you!", "bn": "Rahima, আমরা আপনাকে মিস করছি!"}[language])


@pytest.mark.parametrize("channel", ["sms", "email", "push"])
@pytest.mark.parametrize("language", ["en", "bn"])
def test_every_channel_delivers_the_offer_filled_in_in_the_customers_language(
    channel, language, django_capture_on_commit_callbacks
):
    # given / when
    customer, code = sent_offer(language=language, channel=channel, on_commit=django_capture_on_commit_callbacks)

    # then
    notification = Notification.objects.get(customer=customer)
    assert (notification.channel, notification.language) == (channel, language)
    assert_filled_in(received(channel), language=language, code=code)


@pytest.mark.parametrize("language", ["en", "bn"])
def test_the_offers_endpoint_shows_the_message_the_customer_was_sent(language, django_capture_on_commit_callbacks):
    # given
    customer, code = sent_offer(language=language, channel="sms", on_commit=django_capture_on_commit_callbacks)

    # when
    response = client_of(customer.user).get(f"/api/customers/{customer.external_id}/offers")

    # then
    assert response.status_code == 200
    (offer,) = response.json()["results"]
    assert offer["code"] == code.code
    assert_filled_in(offer["message"], language=language, code=code)
    assert offer["message"] == Notification.objects.get(customer=customer).body


def test_an_offer_without_a_message_in_the_customers_language_shows_the_other_one_filled_in():
    # given an offer whose Bengali text staff cleared
    customer = CustomerFactory(language="bn", user=UserFactory())
    intervention = InterventionFactory(
        customer=customer, message_en="Code {code}: Tk {amount} off till {until}.", message_bn="", discount_amount=300
    )
    code = DiscountCode.objects.create(
        customer=customer,
        intervention=intervention,
        code="SHEBA-AB12-CD34",
        kind="amount",
        value=Decimal("300"),
        expires_at=timezone.now() + dt.timedelta(days=14),
    )

    # when
    response = client_of(customer.user).get(f"/api/customers/{customer.external_id}/offers")

    # then: English, so English digits
    message = response.json()["results"][0]["message"]
    assert message == f"Code SHEBA-AB12-CD34: Tk 300 off till {last_day(code, 'en')}."
