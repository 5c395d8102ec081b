"""Intervention messages: English source strings, their Bengali from locale/bn, whichever language is active."""

import datetime as dt
import re

import pytest
from django.utils import translation

from interventions.messages import CODE_PLACEHOLDER, TEMPLATES, Message, fill_placeholders, render

CODE = "SHEBA-2024-0917"
OFFER = {
    "name": "Rahima",
    "amount": 1234.6,
    "code": CODE,
    "until": dt.date(2025, 10, 31),
    "service": "AC servicing",
    "service_bn": "এসি সার্ভিসিং",
    "price": 1500.0,
    "tier": "gold",
}


@pytest.mark.parametrize("active", ["en", "bn"])
def test_a_message_is_rendered_in_both_languages_whichever_is_active(active):
    # when
    with translation.override(active):
        message = render(action="loyalty_bonus", **OFFER)

    # then
    assert message == Message(
        subject_en="A thank-you for our Gold member",
        body_en="Rahima, thank you for being a Gold member: enjoy an extra Tk 1,235 off your next booking with code "
        "SHEBA-2024-0917 (valid till 31 October).",
        subject_bn="আমাদের গোল্ড সদস্যের জন্য ধন্যবাদ",
        body_bn="Rahima, গোল্ড সদস্য হিসেবে ধন্যবাদ: কোড SHEBA-2024-0917 দিয়ে পরের বুকিংয়ে অতিরিক্ত ৳১,২৩৫ ছাড় নিন "
        "(৩১ অক্টোবর পর্যন্ত)।",
    )


@pytest.mark.parametrize("action", TEMPLATES)
def test_bengali_text_has_bengali_digits_and_the_code_its_ascii_ones(action):
    # when
    message = render(action=action, **OFFER)

    # then
    assert re.search(r"[0-9]", message.subject_bn + message.body_bn.replace(CODE, "")) is None
    assert (CODE in message.body_bn) == (CODE in message.body_en)
    assert message.body_bn != message.body_en


def test_a_reminder_without_a_discount_reads_without_the_offer():
    # when
    message = render(action="seasonal_reminder", **{**OFFER, "amount": 0.0})

    # then
    assert message.body_en == "Rahima, your AC servicing season is here. Book now."
    assert message.body_bn == "Rahima, আপনার এসি সার্ভিসিং-এর মৌসুম এসে গেছে। এখনই বুক করুন।"


def test_a_proposal_keeps_its_placeholders_until_sending_fills_them_in():
    # given
    proposal = render(
        **{**OFFER, "name": "", "code": CODE_PLACEHOLDER, "until": None},
        action="win_back_discount",
        amount_placeholder=True,
    )

    # when
    body_bn, body_en = (
        fill_placeholders(body, code=CODE, until=dt.date(2025, 1, 9), amount=450, bengali=bengali)
        for body, bengali in ((proposal.body_bn, True), (proposal.body_en, False))
    )

    # then
    assert (
        proposal.body_bn
        == "প্রিয় গ্রাহক, আমরা আপনাকে মিস করছি! কোড {code} দিয়ে পরের বুকিংয়ে ৳{amount} ছাড় নিন ({until} পর্যন্ত)।"
    )
    assert body_bn == "প্রিয় গ্রাহক, আমরা আপনাকে মিস করছি! কোড SHEBA-2024-0917 দিয়ে পরের বুকিংয়ে ৳৪৫০ ছাড় নিন (৯ জানুয়ারি পর্যন্ত)।"
    assert body_en == (
        "Dear customer, we miss you! Get Tk 450 off your next booking with code SHEBA-2024-0917 (valid till 9 January)."
    )


def test_a_message_without_a_service_names_any_home_service_in_each_language():
    from interventions.messages import render_offer

    message = render_offer(action="premium_provider", customer_name="Rahima Begum", amount=200, service=None, tier="")

    assert "your next home service" in message.body_en
    assert "হোম সার্ভিস" in message.body_bn
    assert message.body_en.startswith("Rahima,")
