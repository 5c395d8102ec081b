"""Message templates per action, in English and Bengali (Bengali digits in the Bengali text)."""

import datetime as dt
from dataclasses import dataclass

from mlcore.explain import bengali_digits


@dataclass(frozen=True)
class Template:
    subject_en: str
    body_en: str
    subject_bn: str
    body_bn: str


TEMPLATES: dict[str, Template] = {
    "win_back_discount": Template(
        "We miss you, {name}!",
        "{name}, we miss you! Get Tk {amount} off your next booking with code {code} (valid till {until}).",
        "{name}, আপনাকে মিস করছি!",
        "{name}, আমরা আপনাকে মিস করছি! কোড {code} দিয়ে পরের বুকিংয়ে ৳{amount} ছাড় নিন ({until} পর্যন্ত)।",
    ),
    "budget_service": Template(
        "{service} at a budget price",
        "{name}, new budget option: {service} from Tk {price}. Code {code} takes another Tk {amount} off "
        "(valid till {until}).",
        "সাশ্রয়ী দামে {service_bn}",
        "{name}, নতুন সাশ্রয়ী সেবা: {service_bn} মাত্র ৳{price} থেকে। কোড {code} দিয়ে আরও ৳{amount} ছাড় ({until} পর্যন্ত)।",
    ),
    "premium_provider": Template(
        "Verified premium providers for you",
        "{name}, book verified premium providers with 4.8+ ratings for your next {service}. Code {code} takes "
        "Tk {amount} off (valid till {until}).",
        "আপনার জন্য যাচাইকৃত প্রিমিয়াম সেবাদাতা",
        "{name}, পরের {service_bn} বুকিংয়ে ৪.৮+ রেটিংয়ের যাচাইকৃত প্রিমিয়াম সেবাদাতা নিন। কোড {code} দিয়ে ৳{amount} ছাড় "
        "({until} পর্যন্ত)।",
    ),
    "seasonal_reminder": Template(
        "Time for your {service}",
        "{name}, your {service} season is here. Book now{offer_en}.",
        "{service_bn}-এর সময় হয়েছে",
        "{name}, আপনার {service_bn}-এর মৌসুম এসে গেছে। এখনই বুক করুন{offer_bn}।",
    ),
    "loyalty_bonus": Template(
        "A thank-you for our {tier} member",
        "{name}, thank you for being a {tier} member: enjoy an extra Tk {amount} off your next booking with code "
        "{code} (valid till {until}).",
        "আমাদের {tier_bn} সদস্যের জন্য ধন্যবাদ",
        "{name}, {tier_bn} সদস্য হিসেবে ধন্যবাদ: কোড {code} দিয়ে পরের বুকিংয়ে অতিরিক্ত ৳{amount} ছাড় নিন ({until} পর্যন্ত)।",
    ),
    "service_recovery": Template(
        "We are sorry, {name}",
        "{name}, we are sorry your last service fell short. Your next {service} visit is on us up to Tk {amount}: "
        "code {code} (valid till {until}).",
        "আমরা দুঃখিত, {name}",
        "{name}, আপনার আগের সেবা ভালো না হওয়ায় আমরা দুঃখিত। পরের {service_bn} সেবায় ৳{amount} পর্যন্ত আমাদের পক্ষ থেকে: "
        "কোড {code} ({until} পর্যন্ত)।",
    ),
    "personal_call": Template(
        "We would like to hear from you",
        "{name}, our customer care team will call you in the next two days to hear how we can serve you better.",
        "আমরা আপনার কথা শুনতে চাই",
        "{name}, আমরা কীভাবে আরও ভালো সেবা দিতে পারি তা জানতে আগামী দুই দিনের মধ্যে আমাদের কাস্টমার কেয়ার টিম আপনাকে ফোন করবে।",
    ),
}

MONTHS_BN = ("জানুয়ারি", "ফেব্রুয়ারি", "মার্চ", "এপ্রিল", "মে", "জুন", "জুলাই", "আগস্ট", "সেপ্টেম্বর", "অক্টোবর", "নভেম্বর",
             "ডিসেম্বর")  # fmt: skip
# A proposal's message is written before the code and the expiry exist; sending fills these in (fill_placeholders).
CODE_PLACEHOLDER = "{code}"
AMOUNT_PLACEHOLDER = "{amount}"
UNTIL_PLACEHOLDER = "{until}"
TIER_BN = {"bronze": "ব্রোঞ্জ", "silver": "সিলভার", "gold": "গোল্ড", "platinum": "প্লাটিনাম"}


@dataclass(frozen=True)
class Message:
    subject_en: str
    body_en: str
    subject_bn: str
    body_bn: str


def render(
    *,
    action: str,
    name: str,
    amount: float,
    code: str,
    until: dt.date | None,
    service: str,
    service_bn: str,
    price: float,
    tier: str,
    amount_placeholder: bool = False,
) -> Message:
    """The message in both languages; amounts in whole Taka, Bengali digits in the Bengali text.

    With `amount_placeholder` the discount stays "{amount}", filled in at sending: staff may change the discount of a
    proposal (and reword its message) before approving it.
    """
    template = TEMPLATES[action]
    whole = AMOUNT_PLACEHOLDER if amount_placeholder else f"{round(amount):,}"
    has_offer = amount > 0 and bool(code)
    values = {
        "name": name or "Dear customer",
        "amount": whole,
        "code": code,
        "until": f"{until.day} {until:%B}" if until else UNTIL_PLACEHOLDER,
        "service": service,
        "service_bn": service_bn,
        "price": f"{round(price):,}",
        "tier": tier.title(),
        "tier_bn": TIER_BN.get(tier, tier),
        "offer_en": f" and get Tk {whole} off with code {code} (valid till {{until}})" if has_offer else "",
    }
    # The code is typed back by the customer exactly as issued: it keeps its ASCII digits in Bengali text too.
    marker = "\x00"
    until_bn = f"{until.day} {MONTHS_BN[until.month - 1]}" if until else UNTIL_PLACEHOLDER
    values_bn = {**values, "name": name or "প্রিয় গ্রাহক", "code": marker, "until": until_bn}
    values_bn["offer_bn"] = f" এবং কোড {marker} দিয়ে ৳{whole} ছাড় নিন ({until_bn} পর্যন্ত)" if has_offer else ""

    def bengali(text: str) -> str:
        return bengali_digits(text.format(**values_bn)).replace(marker, code)

    return Message(
        subject_en=template.subject_en.format(**values),
        body_en=template.body_en.format(**values),
        subject_bn=bengali(template.subject_bn),
        body_bn=bengali(template.body_bn),
    )


def fill_placeholders(text: str, *, code: str, until: dt.date, amount: float, bengali: bool) -> str:
    """Put the issued code, the expiry date and the approved discount into a (possibly staff-edited) message."""
    day = f"{until.day} {MONTHS_BN[until.month - 1]}" if bengali else f"{until.day} {until:%B}"
    whole = f"{round(amount):,}"
    if bengali:
        day, whole = bengali_digits(day), bengali_digits(whole)
    return text.replace(CODE_PLACEHOLDER, code).replace(UNTIL_PLACEHOLDER, day).replace(AMOUNT_PLACEHOLDER, whole)
