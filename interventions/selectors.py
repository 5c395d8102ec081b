"""Reads of the approval queue and the intervention history for the API, the portals and the admin."""

from django.contrib.auth.models import User
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.access import Viewer, customer_of, sees_staff_data
from customers.models import Customer
from interventions.messages import offer_body
from interventions.models import SIMULATION_USERNAME, Intervention, InterventionEvent, InterventionStatus
from payments.models import DiscountCode
from payments.selectors import redeemable_codes

# What a customer may see of their own interventions: offers that reached them. A proposal that expired undecided
# never did (no sent_at), nor did control rows, rejections or proposals still waiting.
CUSTOMER_VISIBLE = Q(status__in=[InterventionStatus.SENT, InterventionStatus.REDEEMED]) | Q(
    status=InterventionStatus.EXPIRED, sent_at__isnull=False
)


def intervention_pending_list() -> QuerySet[Intervention]:
    """Proposals awaiting a decision, the best expected net benefit first."""
    return (
        Intervention.objects.filter(status=InterventionStatus.PROPOSED)
        .select_related("customer", "prediction", "service")
        .order_by("-expected_net_benefit", "-expected_roi", "pk")
    )


def interventions_visible_to(*, viewer: Viewer) -> QuerySet[Intervention]:
    """Every intervention with its whole audit trail for staff; for a customer, their own offers that reached them,
    with only the changes of state in the trail (the call attempts staff log are notes for staff); else none."""
    staff = sees_staff_data(viewer)
    events = InterventionEvent.objects.select_related("actor").order_by("at", "pk")
    if not staff:
        events = events.exclude(from_status=F("to_status"))
    queryset = (
        Intervention.objects.select_related("customer", "decided_by")
        .prefetch_related(Prefetch("events", queryset=events))
        .order_by("-created_at", "-pk")
    )
    if staff:
        return queryset
    own = customer_of(viewer)
    return queryset.filter(CUSTOMER_VISIBLE, customer=own) if own else queryset.none()


def intervention_status_counts() -> dict[str, int]:
    """How many interventions are in each state (every state listed, 0 where none is)."""
    counted = dict(Intervention.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counted.get(status, 0) for status in InterventionStatus.values}


def support_call_list(*, status: str | None = None, assigned_to: User | None = None):
    """The call list, the earliest due first; optionally one status, or one caller's calls."""
    from interventions.models import SupportCall

    queryset = SupportCall.objects.select_related("customer", "assigned_to", "intervention__prediction").order_by(
        "due_by", "pk"
    )
    if status:
        queryset = queryset.filter(status=status)
    if assigned_to is not None:
        queryset = queryset.filter(assigned_to=assigned_to)
    return queryset


def offer_list(*, customer: Customer) -> QuerySet[DiscountCode]:
    """The customer's redeemable codes (payments' rule), each with the intervention it came with for its message."""
    return redeemable_codes(customer=customer).select_related("intervention")


def offer_message(*, code: DiscountCode, language: str) -> str:
    """The linked intervention's message as it reached the customer: filled in with this code, its last day and the
    discount, in the customer's language, falling back to the other one."""
    intervention = code.intervention
    if intervention is None:
        return ""
    until = timezone.localtime(code.expires_at).date()
    other = "en" if language == "bn" else "bn"
    return offer_body(intervention=intervention, language=language, code=code.code, until=until) or offer_body(
        intervention=intervention, language=other, code=code.code, until=until
    )


def replayed_history() -> bool:
    """Whether the history holds the demo's replayed nights: staff decisions and customer answers that were simulated
    (the portal says so)."""
    return User.objects.filter(username=SIMULATION_USERNAME).exists()
