"""The analyst portal: headline figures of a scoring day, customer search, one customer's whole story, and the
management report as a PDF.

Analysts read and change nothing here: every view answers GET only. An htmx request gets the fragment it swaps in
(a `{% partialdef %}` of the page's template), any other the whole page; both pass the same access check.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import PortalRequest, staff_page
from analytics.apis import ActionFilterInputSerializer
from analytics.reports import management_report_build, management_report_pdf, pdf_engine_problem
from analytics.selectors import AnalyticsFilters, period_of
from customers.models import City, Segment
from customers.selectors import customer_search, customers_visible_to
from interventions.models import InterventionAction, InterventionStatus
from interventions.read_models import customer_bookings, customer_story
from interventions.selectors import intervention_status_counts
from loyalty.models import LoyaltyTier
from predictions.models import RiskCategory
from predictions.selectors import dashboard_summary, scoring_days


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    count: int
    share: float  # of the total the table counts (0 when it counts none)


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _rows(counts: dict[str, int], choices: type[models.TextChoices]) -> list[CountRow]:
    """A count per stored key as table rows in the choices' order, each with its label and share of the total."""
    total = sum(counts.values())
    labels = dict(choices.choices)
    keys = [key for key in choices.values if key in counts] + [key for key in counts if key not in choices.values]
    return [CountRow(key, str(labels.get(key, key)), counts[key], _share(counts[key], total)) for key in keys]


def _page_or_fragment(request: PortalRequest, template: str, fragment: str, context: dict) -> HttpResponse:
    return render(request, f"{template}#{fragment}" if request.htmx else template, context)


@require_safe
@staff_page
@vary_on_headers("HX-Request")
def overview(request: PortalRequest) -> HttpResponse:
    days = scoring_days()
    chosen = request.GET.get("as_of", "")
    try:
        as_of = dt.date.fromisoformat(chosen) if chosen else None
    except ValueError:
        as_of = None
    if as_of not in days:
        as_of = days[0] if days else None
    summary = dashboard_summary(as_of=as_of) if as_of else None
    context = {
        "days": days,
        "as_of": as_of,
        "summary": summary,
        "risk_bands": _rows(summary["by_risk"], RiskCategory) if summary else [],
        "segments": _rows(summary["by_segment"], Segment.Key) if summary else [],
        "tiers": _rows(summary["by_tier"], LoyaltyTier.Name) if summary else [],
        "interventions": _rows(intervention_status_counts(), InterventionStatus),
    }
    return _page_or_fragment(request, "analyst/overview.html", "summary", context)


@require_safe
@staff_page
@vary_on_headers("HX-Request")
def customers(request: PortalRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found = list(customer_search(viewer=request.user, query=query)) if query else []
    return _page_or_fragment(request, "analyst/customers.html", "results", {"query": query, "found": found})


@require_safe
@staff_page
@vary_on_headers("HX-Request")
def customer(request: PortalRequest, customer_id: str) -> HttpResponse:
    person = get_object_or_404(customers_visible_to(viewer=request.user), external_id=customer_id)
    page = request.GET.get("bookings", 1)
    if request.htmx:
        bookings = customer_bookings(viewer=request.user, customer=person, page=page)
        return render(request, "analyst/customer.html#bookings", {"customer": person, "bookings": bookings})
    story = customer_story(viewer=request.user, customer=person, bookings_page=page)
    return render(request, "analyst/customer.html", {"customer": person, "story": story, "bookings": story.bookings})


def _report_page(request: PortalRequest, *, asked: dict, errors: list[str], problem: str, status: int) -> HttpResponse:
    default = period_of(AnalyticsFilters())
    context = {
        "asked": asked,
        "default": default,
        "errors": errors,
        "problem": problem,
        "cities": City.choices,
        "segments": Segment.Key.choices,
        "actions": InterventionAction.choices,
    }
    return render(request, "analyst/report.html", context, status=status)


@require_safe
@staff_page
def report(request: PortalRequest) -> HttpResponse:
    """The report's period and filters, and the button that downloads it."""
    return _report_page(request, asked=request.GET.dict(), errors=[], problem=pdf_engine_problem(), status=200)


@require_safe
@staff_page
def report_pdf(request: PortalRequest) -> HttpResponse:
    """The management report as a PDF, in the viewer's language; the filters are the analytics API's."""
    asked = {
        name: str(value) for name, value in request.GET.items() if str(value).strip()
    }  # a form's empty fields: no filter
    serializer = ActionFilterInputSerializer(data=asked)
    if not serializer.is_valid():
        errors = [f"{name}: {message}" for name, messages in serializer.errors.items() for message in messages]
        return _report_page(request, asked=asked, errors=errors, problem="", status=400)
    problem = pdf_engine_problem()
    if problem:
        return _report_page(request, asked=asked, errors=[], problem=problem, status=503)
    filters = AnalyticsFilters(**serializer.validated_data)
    language = "bn" if (get_language() or "").startswith("bn") else "en"
    built = management_report_build(filters=filters, language=language)
    response = HttpResponse(management_report_pdf(report=built), content_type="application/pdf")
    name = f"sheba-retention-report-{built.period.start.isoformat()}-{built.period.end.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
