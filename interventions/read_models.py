"""One customer's whole story for staff pages: who they are, what they booked, how their risk, segment and tier
moved, and every intervention with its audit trail and outcome — composed once from the apps below.

The analyst portal shows it today, the staff portal will; the view finds the customer among those its viewer may
see (customers_visible_to), and the story is for staff only (a customer is not shown their risk or segment).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator

from accounts.access import Viewer, sees_staff_data
from customers.models import Customer, CustomerSegment
from customers.selectors import bookings_visible_to
from interventions.models import Intervention
from interventions.selectors import interventions_visible_to
from loyalty.models import CustomerLoyalty
from predictions.models import Prediction
from predictions.read_models import CustomerProfile, customer_profile
from predictions.selectors import prediction_history

BOOKINGS_PER_PAGE = 20


@dataclass(frozen=True)
class CustomerStory:
    profile: CustomerProfile
    bookings: Page
    predictions: list[Prediction]  # the latest first
    segments: list[CustomerSegment]  # the current first
    tiers: list[CustomerLoyalty]  # the current first
    interventions: list[Intervention]  # the latest first, each with its events prefetched


def customer_bookings(*, viewer: Viewer, customer: Customer, page: int | str = 1) -> Page:
    """The customer's bookings, the latest first, a page at a time."""
    bookings = bookings_visible_to(viewer=viewer).filter(customer=customer).order_by("-booked_at", "-pk")
    return Paginator(bookings, BOOKINGS_PER_PAGE).get_page(page)


def customer_story(*, viewer: Viewer, customer: Customer, bookings_page: int | str = 1) -> CustomerStory:
    if not sees_staff_data(viewer):
        raise PermissionDenied
    return CustomerStory(
        profile=customer_profile(viewer=viewer, customer=customer),
        bookings=customer_bookings(viewer=viewer, customer=customer, page=bookings_page),
        predictions=list(prediction_history(customer=customer)),
        segments=list(customer.segment_history.select_related("segment").order_by("-valid_from")),
        tiers=list(customer.loyalty_history.select_related("tier").order_by("-valid_from")),
        interventions=list(interventions_visible_to(viewer=viewer).filter(customer=customer).select_related("service")),
    )
