"""Every admin screen of our apps opens, and no changelist runs more queries for 10 rows than for 3."""

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.admin import RECENT_ROWS
from customers.models import (
    Booking,
    BookingStatus,
    City,
    CompetitorSearch,
    Complaint,
    Customer,
    CustomerSegment,
    Provider,
    Segment,
    Service,
    ServiceCategory,
)
from customers.tests.factories import (
    BookingFactory,
    CompetitorSearchFactory,
    ComplaintFactory,
    CustomerFactory,
    ProviderFactory,
    UserFactory,
    existing_category,
)
from customers.tests.segment_factories import CustomerSegmentFactory
from interventions.models import (
    Intervention,
    InterventionEvent,
    InterventionSettings,
    InterventionStatus,
    NightlyRunRecord,
    SupportCall,
)
from interventions.tests.factories import InterventionEventFactory, InterventionFactory, SupportCallFactory
from loyalty.models import CustomerLoyalty, LoyaltyProgram, LoyaltyTier
from loyalty.tests.factories import CustomerLoyaltyFactory, existing_tier
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory
from payments.models import DiscountCode, PaymentTransaction, Redemption
from payments.tests.factories import DiscountCodeFactory, PaymentTransactionFactory, RedemptionFactory
from predictions.models import ModelPerformance, ModelVersion, Prediction, ScoringSettings
from predictions.tests.factories import ModelPerformanceFactory, PredictionFactory
from sheba_retention.common.admin import format_tk

pytestmark = pytest.mark.django_db

OUR_APPS = {"customers", "predictions", "loyalty", "interventions", "notifications", "payments", "analytics"}
_serial = itertools.count()


def make_category() -> ServiceCategory:
    n = next(_serial)
    return ServiceCategory.objects.create(slug=f"test-category-{n}", name=f"Test category {n}", name_bn="পরীক্ষা")


def make_service() -> Service:
    n = next(_serial)
    return Service.objects.create(
        slug=f"test-service-{n}",
        category=existing_category(),
        name=f"Test service {n}",
        name_bn="পরীক্ষা সেবা",
        min_price=Decimal("500"),
        max_price=Decimal("1500"),
    )


def make_complaint() -> Complaint:
    booking = BookingFactory()
    return ComplaintFactory(customer=booking.customer, booking=booking, provider=booking.provider)


def make_event() -> InterventionEvent:
    return InterventionEventFactory(actor=UserFactory(), to_status=InterventionStatus.APPROVED, from_status="proposed")


def make_code() -> DiscountCode:
    intervention = InterventionFactory()
    return DiscountCodeFactory(customer=intervention.customer, intervention=intervention)


def make_model_version() -> ModelVersion:
    n = next(_serial)
    return ModelVersion.objects.create(kind="churn", version=f"churn-20260101-0000{n:02d}", as_of=dt.date(2026, 1, 1))


# A factory goes in as its `create`: it makes the same row as calling the class, and is typed as returning the model.
ROW_MAKERS: dict[type[Model], Callable[[], Model]] = {
    ServiceCategory: make_category,
    Service: make_service,
    Provider: ProviderFactory.create,
    Customer: lambda: CustomerFactory(preferred_provider=ProviderFactory(), user=UserFactory()),
    Booking: BookingFactory.create,
    Complaint: make_complaint,
    CompetitorSearch: CompetitorSearchFactory.create,
    CustomerSegment: CustomerSegmentFactory.create,
    Prediction: PredictionFactory.create,
    ModelPerformance: ModelPerformanceFactory.create,
    CustomerLoyalty: CustomerLoyaltyFactory.create,
    Intervention: lambda: InterventionFactory(decided_by=UserFactory()),
    InterventionEvent: make_event,
    SupportCall: lambda: SupportCallFactory(assigned_to=UserFactory()),
    Notification: NotificationFactory.create,
    DiscountCode: make_code,
    Redemption: RedemptionFactory.create,
    PaymentTransaction: PaymentTransactionFactory.create,
    ModelVersion: make_model_version,
    NightlyRunRecord: lambda: NightlyRunRecord.objects.create(
        as_of=dt.date(2026, 11, 1) + dt.timedelta(days=next(_serial)), started_at=timezone.now()
    ),
}


FIXED_ROWS: dict[type[Model], Callable[[], Model]] = {
    Segment: lambda: Segment.objects.get(key=Segment.Key.AT_RISK),
    LoyaltyTier: existing_tier,
    ScoringSettings: ScoringSettings.load,
    LoyaltyProgram: LoyaltyProgram.load,
    InterventionSettings: InterventionSettings.load,
}
ADDABLE = {ServiceCategory, Service, Provider, Customer, Booking, Complaint, CompetitorSearch, DiscountCode}
ALL_MODELS = [*ROW_MAKERS, *FIXED_ROWS]


def admin_url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def get_counting_queries(client, url: str, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return response, [q["sql"] for q in queries.captured_queries]


def test_every_model_of_our_apps_is_registered_and_covered():
    # given
    registered = {model for model in admin.site._registry if model._meta.app_label in OUR_APPS}

    # then
    assert registered == set(ALL_MODELS)


@pytest.mark.parametrize("model", list(ROW_MAKERS), ids=lambda m: m._meta.label)
def test_changelist_queries_do_not_grow_with_rows(admin_client, model):
    # given
    make = ROW_MAKERS[model]
    url = admin_url(model, "changelist")
    for _ in range(3):
        make()
    admin_client.get(url)

    # when
    three_response, three = get_counting_queries(admin_client, url)
    for _ in range(7):
        make()
    ten_response, ten = get_counting_queries(admin_client, url)

    # then
    assert three_response.status_code == 200
    assert ten_response.status_code == 200
    assert len(ten_response.context["cl"].result_list) >= 10
    assert len(ten) == len(three), "\n".join(ten)
    assert len(ten) <= 12, "\n".join(ten)


@pytest.mark.parametrize("model", list(FIXED_ROWS), ids=lambda m: m._meta.label)
def test_changelist_of_migrated_rows_opens_in_few_queries(admin_client, model):
    # when
    response, queries = get_counting_queries(admin_client, admin_url(model, "changelist"))

    # then
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == model.objects.count()
    assert len(queries) <= 8, "\n".join(queries)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.label)
def test_change_page_opens(admin_client, model):
    # given
    obj = {**ROW_MAKERS, **FIXED_ROWS}[model]()

    # when
    response = admin_client.get(admin_url(model, "change", obj.pk))

    # then
    assert response.status_code == 200


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m._meta.label)
def test_add_page_opens_only_where_staff_may_add(admin_client, model):
    # when
    response = admin_client.get(admin_url(model, "add"))

    # then
    assert response.status_code == (200 if model in ADDABLE else 403)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1200.00"), "Tk 1,200"),
        (Decimal("1234567.50"), "Tk 1,234,567.50"),
        (Decimal("0"), "Tk 0"),
        (None, None),
    ],
)
def test_format_tk(value, expected):
    assert format_tk(value) == expected


def test_booking_changelist_shows_money_in_taka(admin_client):
    # given
    BookingFactory(external_id="BK-MONEY", amount=Decimal("1200.00"), discount=Decimal("150.00"))

    # when
    response = admin_client.get(admin_url(Booking, "changelist"))

    # then
    assert "Tk 1,200" in response.text
    assert "Tk 150" in response.text


@pytest.mark.parametrize(
    ("params", "expected", "absent"),
    [
        ({"q": "BK-ALPHA"}, "BK-ALPHA", "BK-BRAVO"),
        ({"status__exact": BookingStatus.CANCELLED}, "BK-BRAVO", "BK-ALPHA"),
        ({"payment_method__exact": "nagad"}, "BK-BRAVO", "BK-ALPHA"),
        ({"rating": "none"}, "BK-BRAVO", "BK-ALPHA"),
    ],
)
def test_booking_changelist_search_and_filter(admin_client, params, expected, absent):
    # given
    BookingFactory(external_id="BK-ALPHA", status=BookingStatus.COMPLETED, payment_method="bkash")
    BookingFactory(external_id="BK-BRAVO", status=BookingStatus.CANCELLED, payment_method="nagad", rating=None)

    # when
    response = admin_client.get(admin_url(Booking, "changelist"), params)

    # then
    assert response.status_code == 200
    assert expected in response.text
    assert absent not in response.text


@pytest.mark.parametrize(
    ("params", "expected", "absent"),
    [
        ({"q": "CU-ALPHA"}, "CU-ALPHA", "CU-BRAVO"),
        ({"q": "01812345678"}, "CU-ALPHA", "CU-BRAVO"),
        ({"q": "+880 1812-345678"}, "CU-ALPHA", "CU-BRAVO"),
        ({"city__exact": City.CHATTOGRAM}, "CU-BRAVO", "CU-ALPHA"),
    ],
)
def test_customer_changelist_search_and_filter(admin_client, params, expected, absent):
    # given
    CustomerFactory(external_id="CU-ALPHA", phone="+8801812345678", city=City.DHAKA)
    CustomerFactory(external_id="CU-BRAVO", phone="+8801912345678", city=City.CHATTOGRAM)

    # when
    response = admin_client.get(admin_url(Customer, "changelist"), params)

    # then
    assert response.status_code == 200
    assert expected in response.text
    assert absent not in response.text


def test_customer_change_page_shows_only_recent_bookings_in_fixed_queries(admin_client):
    # given
    customer = CustomerFactory()
    start = timezone.now() - dt.timedelta(days=400)

    def book(day: int) -> Booking:
        return BookingFactory(
            customer=customer, external_id=f"BK-DAY-{day:03d}", booked_at=start + dt.timedelta(days=day)
        )

    for day in range(3):
        book(day)
    ComplaintFactory(customer=customer)
    url = admin_url(Customer, "change", customer.pk)
    admin_client.get(url)
    _, few = get_counting_queries(admin_client, url)

    # when
    for day in range(3, RECENT_ROWS + 5):
        book(day)
    response, many = get_counting_queries(admin_client, url)

    # then
    assert response.status_code == 200
    assert len(many) == len(few), "\n".join(many)
    assert f"BK-DAY-{RECENT_ROWS + 4:03d}" in response.text
    assert "BK-DAY-005" in response.text
    assert "BK-DAY-004" not in response.text
    assert "The technician came two hours late." in response.text


def test_customer_change_page_links_to_all_their_bookings(admin_client):
    # given
    mine = BookingFactory(external_id="BK-MINE")
    BookingFactory(external_id="BK-OTHER")
    page = admin_client.get(admin_url(Customer, "change", mine.customer.pk))
    link = f"{admin_url(Booking, 'changelist')}?customer__id__exact={mine.customer.pk}"

    # when
    response = admin_client.get(link)

    # then
    assert link in page.text
    assert response.status_code == 200
    assert "BK-MINE" in response.text
    assert "BK-OTHER" not in response.text


def test_intervention_change_page_shows_its_events_and_bengali_message(admin_client):
    # given
    event = InterventionEventFactory(note="Proposed by the recommendation engine")

    # when
    response = admin_client.get(admin_url(Intervention, "change", event.intervention.pk))

    # then
    assert response.status_code == 200
    assert "Proposed by the recommendation engine" in response.text
    assert "আমরা আপনাকে মিস করছি" in response.text


def test_decided_intervention_is_view_only(admin_client):
    # given
    intervention = InterventionFactory(status=InterventionStatus.SENT, message_en="Original")
    url = admin_url(Intervention, "change", intervention.pk)

    # when
    response = admin_client.post(url, {"message_en": "Changed", "message_bn": "পরিবর্তিত"})

    # then
    assert response.status_code == 403
    intervention.refresh_from_db()
    assert intervention.message_en == "Original"


def test_proposed_intervention_message_is_editable_but_status_is_not(admin_client):
    # given
    intervention = InterventionFactory(message_en="Original")
    url = admin_url(Intervention, "change", intervention.pk)
    data = {
        "discount_amount": "200.00",
        "message_en": "Reworded",
        "message_bn": "নতুন বার্তা",
        "status": InterventionStatus.APPROVED,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }

    # when
    response = admin_client.post(url, data)

    # then
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.message_en, intervention.message_bn) == ("Reworded", "নতুন বার্তা")
    assert intervention.status == InterventionStatus.PROPOSED


@pytest.mark.parametrize("view", ["change", "delete"])
def test_intervention_events_cannot_be_changed_or_deleted(admin_client, view):
    # given
    event = InterventionEventFactory(note="Original")

    # when
    response = admin_client.post(admin_url(InterventionEvent, view, event.pk), {"note": "Changed", "post": "yes"})

    # then
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.note == "Original"


def test_loyalty_tier_thresholds_and_benefits_are_editable(admin_client):
    # given
    tier = existing_tier(LoyaltyTier.Name.GOLD)
    data = {
        "name_bn": tier.name_bn,
        "min_ltv": "30000.00",
        "min_bookings_per_year": "5.00",
        "min_tenure_days": "200",
        "min_active_months": "5",
        "discount_percent": "9.0",
        "benefits": "9% off every booking",
        "benefits_bn": "প্রতিটি বুকিংয়ে ৯% ছাড়",
    }

    # when
    response = admin_client.post(admin_url(LoyaltyTier, "change", tier.pk), data)

    # then
    assert response.status_code == 302
    tier.refresh_from_db()
    assert tier.min_ltv == Decimal("30000.00")
    assert tier.min_tenure_days == 200
    assert tier.min_active_months == 5
    assert tier.discount_percent == Decimal("9.0")
    assert tier.benefits_bn == "প্রতিটি বুকিংয়ে ৯% ছাড়"


def test_prediction_changelist_shows_percent_and_risk_badge(admin_client):
    # given
    PredictionFactory(churn_probability=0.725, risk_category="critical")

    # when
    response = admin_client.get(admin_url(Prediction, "changelist"))

    # then
    assert "72.5%" in response.text
    assert "#c62828" in response.text
    assert "Critical" in response.text
