"""Message templates per action: English source strings, their Bengali from locale/bn (Bengali digits in it)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import override, pgettext_lazy

from interventions.models import Intervention
from loyalty.models import LoyaltyTier
from mlcore.explain import bengali_digits


@dataclass(frozen=True)
class Template:
    subject: Promise
    body: Promise
    # A reminder also goes out without a discount; it then reads without the offer.
    body_without_offer: Promise | None = None


# Each message's context is its action, so a translator sees a subject and its body together. The placeholders are
# str.format fields: {code} is typed back by the customer and keeps its ASCII digits, {amount} and {price} are whole
# Taka, {until} is the last day of the offer ("9 January").
TEMPLATES: dict[str, Template] = {
    "win_back_discount": Template(
        # Translators: {name} is the customer's first name (or "Dear customer").
        pgettext_lazy("win_back_discount", "We miss you, {name}!"),
        pgettext_lazy(
            "win_back_discount",
            "{name}, we miss you! Get Tk {amount} off your next booking with code {code} (valid till {until}).",
        ),
    ),
    "budget_service": Template(
        pgettext_lazy("budget_service", "{service} at a budget price"),
        pgettext_lazy(
            "budget_service",
            "{name}, new budget option: {service} from Tk {price}. Code {code} takes another Tk {amount} off "
            "(valid till {until}).",
        ),
    ),
    "premium_provider": Template(
        pgettext_lazy("premium_provider", "Verified premium providers for you"),
        pgettext_lazy(
            "premium_provider",
            "{name}, book verified premium providers with 4.8+ ratings for your next {service}. Code {code} takes "
            "Tk {amount} off (valid till {until}).",
        ),
    ),
    "seasonal_reminder": Template(
        pgettext_lazy("seasonal_reminder", "Time for your {service}"),
        pgettext_lazy(
            "seasonal_reminder",
            "{name}, your {service} season is here. Book now and get Tk {amount} off with code {code} "
            "(valid till {until}).",
        ),
        body_without_offer=pgettext_lazy("seasonal_reminder", "{name}, your {service} season is here. Book now."),
    ),
    "loyalty_bonus": Template(
        # Translators: {tier} is the loyalty tier's name (Bronze, Silver, Gold, Platinum).
        pgettext_lazy("loyalty_bonus", "A thank-you for our {tier} member"),
        pgettext_lazy(
            "loyalty_bonus",
            "{name}, thank you for being a {tier} member: enjoy an extra Tk {amount} off your next booking with code "
            "{code} (valid till {until}).",
        ),
    ),
    "service_recovery": Template(
        pgettext_lazy("service_recovery", "We are sorry, {name}"),
        pgettext_lazy(
            "service_recovery",
            "{name}, we are sorry your last service fell short. Your next {service} visit is on us up to Tk {amount}: "
            "code {code} (valid till {until}).",
        ),
    ),
    "personal_call": Template(
        pgettext_lazy("personal_call", "We would like to hear from you"),
        pgettext_lazy(
            "personal_call",
            "{name}, our customer care team will call you in the next two days to hear how we can serve you better.",
        ),
    ),
}

DEAR_CUSTOMER = pgettext_lazy("greeting when the customer's name is unknown", "Dear customer")
# Our own month names, not Django's: its Bengali catalogue spells some of them with other code points.
MONTHS = (
    pgettext_lazy("month name", "January"),
    pgettext_lazy("month name", "February"),
    pgettext_lazy("month name", "March"),
    pgettext_lazy("month name", "April"),
    pgettext_lazy("month name", "May"),
    pgettext_lazy("month name", "June"),
    pgettext_lazy("month name", "July"),
    pgettext_lazy("month name", "August"),
    pgettext_lazy("month name", "September"),
    pgettext_lazy("month name", "October"),
    pgettext_lazy("month name", "November"),
    pgettext_lazy("month name", "December"),
)
# A proposal's message is written before the code and the expiry exist; sending fills these in (fill_placeholders).
CODE_PLACEHOLDER = "{code}"
AMOUNT_PLACEHOLDER = "{amount}"
UNTIL_PLACEHOLDER = "{until}"


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
    has_offer = amount > 0 and bool(code)
    body = template.body_without_offer if template.body_without_offer is not None and not has_offer else template.body
    tiers = dict(LoyaltyTier.Name.choices)
    # The code is typed back by the customer exactly as issued: it keeps its ASCII digits in Bengali text too.
    marker = "\x00"
    texts = {}
    for language, service_name, code_in_text in (("en", service, code), ("bn", service_bn, marker)):
        with override(language):
            values = {
                "name": name or str(DEAR_CUSTOMER),
                "amount": AMOUNT_PLACEHOLDER if amount_placeholder else _whole(amount),
                "code": code_in_text,
                "until": _day_month(until) if until else UNTIL_PLACEHOLDER,
                "service": service_name,
                "price": _whole(price),
                "tier": str(tiers.get(tier, tier)),
            }
            texts[language] = [str(text).format(**values) for text in (template.subject, body)]
    subject_en, body_en = texts["en"]
    subject_bn, body_bn = (bengali_digits(text).replace(marker, code) for text in texts["bn"])
    return Message(subject_en=subject_en, body_en=body_en, subject_bn=subject_bn, body_bn=body_bn)


ANY_SERVICE = pgettext_lazy("service", "home service")  # when a proposal names no service


def render_offer(
    *, action: str, customer_name: str, amount: float, service, tier: str, amount_placeholder: bool = False
) -> Message:
    """`render` for a customer and a catalogue Service (None: any home service), with the code and the expiry left as
    placeholders for sending to fill in."""
    if service is None:
        names = {}
        for language in ("en", "bn"):
            with override(language):
                names[language] = str(ANY_SERVICE)
    else:
        names = {"en": service.name, "bn": service.name_bn}
    return render(
        action=action,
        name=customer_name.split(" ")[0] if customer_name else "",
        amount=amount,
        code=CODE_PLACEHOLDER,
        until=None,
        service=names["en"],
        service_bn=names["bn"],
        price=float(service.min_price) if service else 0.0,
        tier=tier,
        amount_placeholder=amount_placeholder,
    )


def offer_body(*, intervention: Intervention, language: str, code: str, until: dt.date) -> str:
    """An intervention's message as the customer reads it in `language`: their code, the offer's last day and the
    approved discount filled in ("" when the message has no text in that language).

    The one rendering of a customer's message: sending puts it in the notification, the offers endpoint shows it,
    and the admin previews it with a sample code.
    """
    bengali = language == "bn"
    text = intervention.message_bn if bengali else intervention.message_en
    if not text.strip():
        return ""
    return fill_placeholders(text, code=code, until=until, amount=intervention.discount_amount, bengali=bengali)


def fill_placeholders(text: str, *, code: str, until: dt.date, amount: float | Decimal, bengali: bool) -> str:
    """Put the issued code, the expiry date and the approved discount into a (possibly staff-edited) message."""
    with override("bn" if bengali else "en"):
        day = _day_month(until)
    whole = _whole(amount)
    if bengali:
        day, whole = bengali_digits(day), bengali_digits(whole)
    return text.replace(CODE_PLACEHOLDER, code).replace(UNTIL_PLACEHOLDER, day).replace(AMOUNT_PLACEHOLDER, whole)


def _whole(taka: float | Decimal) -> str:
    return f"{round(taka):,}"


def _day_month(day: dt.date) -> str:
    """The day and the month's name in the active language ("9 January"), with ASCII digits."""
    return f"{day.day} {MONTHS[day.month - 1]}"
