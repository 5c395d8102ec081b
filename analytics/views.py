"""The analyst portal: headline figures of a scoring day, the report pages (retention, A/B results, ROI and revenue,
segments and tiers, model quality and drift) with their CSV exports, customer search, one customer's whole story, and
the management report as a PDF.

Analysts read and change nothing here: every view answers GET only. An htmx request gets the fragment it swaps in
(a `{% partialdef %}` of the page's template), any other the whole page; both pass the same access check.
"""

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import PortalRequest, staff_page
from analytics import charts as report_charts
from analytics.apis import ActionFilterInputSerializer, FilterInputSerializer
from analytics.reports import management_report_build, management_report_pdf, pdf_engine_problem
from analytics.selectors import (
    AnalyticsFilters,
    Period,
    feature_drift_report,
    model_quality,
    period_of,
    retention_report,
    revenue_report,
    roi_report,
    segments_report,
)
from customers.models import City, Segment
from customers.selectors import customer_search, customers_visible_to
from interventions.models import InterventionAction, InterventionStatus
from interventions.read_models import customer_bookings, customer_story
from interventions.selectors import intervention_status_counts, replayed_history
from loyalty.models import LoyaltyTier
from predictions.models import RiskCategory
from predictions.selectors import dashboard_summary, scoring_days
from sheba_retention.common.csvfiles import write_csv
from sheba_retention.common.formatting import digits


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
        "replayed": replayed_history(),
        # the year up to the last booking, as the report pages show it before a filter is chosen
        "retention": report_charts.retention_metrics(retention_report(AnalyticsFilters())),
        "segment_chart": _with_csv(
            report_charts.segment_charts(segments_report(AnalyticsFilters()))[0], "segments", {}
        ),
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


@dataclass(frozen=True)
class Report:
    period: Period
    charts: list[report_charts.Chart]
    metrics: report_charts.RetentionMetrics | None = None


def _retention(filters: AnalyticsFilters) -> Report:
    report = retention_report(filters)
    return Report(report.period, report_charts.retention_charts(report), report_charts.retention_metrics(report))


def _experiments(filters: AnalyticsFilters) -> Report:
    report = roi_report(filters)
    return Report(report.period, report_charts.ab_charts(report))


def _roi(filters: AnalyticsFilters) -> Report:
    report = roi_report(filters)
    return Report(report.period, report_charts.roi_charts(report, revenue_report(filters)))


def _segments(filters: AnalyticsFilters) -> Report:
    report = segments_report(filters)
    return Report(report.period, report_charts.segment_charts(report) + report_charts.tier_charts(report))


def _quality(filters: AnalyticsFilters) -> Report:
    return Report(
        period_of(filters), report_charts.quality_charts(model_quality(filters), feature_drift_report(filters))
    )


@dataclass(frozen=True)
class ReportPage:
    title: Promise
    intro: Promise
    filters: type[FilterInputSerializer]  # the API's own validation of the same filters
    build: Callable[[AnalyticsFilters], Report]


REPORTS = {
    "retention": ReportPage(
        _("Retention"),
        _("Who comes back: month to month, and by the month customers signed up."),
        FilterInputSerializer,
        _retention,
    ),
    "experiments": ReportPage(
        _("A/B results"),
        _("Retention of the customers proposed each action against the randomly held-out control group."),
        ActionFilterInputSerializer,
        _experiments,
    ),
    "roi": ReportPage(
        _("ROI and revenue recovered"),
        _("What each action returned, measured against the control group rather than assumed."),
        ActionFilterInputSerializer,
        _roi,
    ),
    "segments": ReportPage(
        _("Segments and tiers"),
        _("How many customers are in each segment and loyalty tier at each month's end, and who moved."),
        FilterInputSerializer,
        _segments,
    ),
    "quality": ReportPage(
        _("Model quality and drift"),
        _("How well the churn model forecasts against the classical baselines, and whether its inputs have drifted."),
        FilterInputSerializer,
        _quality,
    ),
}

FILTER_LABELS = {
    "start": _("From"),
    "end": _("To"),
    "city": _("City"),
    "area": _("Area"),
    "segment": _("Segment"),
    "action": _("Action"),
}


def _filter_choices(*, actions: bool) -> dict:
    """The choices of the filter fields (templates/analyst/_filter_fields.html); no action filter without `actions`."""
    return {
        "cities": City.choices,
        "segments": Segment.Key.choices,
        "actions": InterventionAction.choices if actions else None,
    }


def _filters_of(
    request: PortalRequest, validation: type[FilterInputSerializer]
) -> tuple[dict[str, str], AnalyticsFilters | None, list[str]]:
    """The filters asked for (blank fields left out), validated exactly as the analytics API validates them: the
    filters, or None and what is wrong with them in the viewer's words."""
    names: list[str] = [str(name) for name in validation().fields]
    given = {name: str(request.GET.get(name, "")).strip() for name in names}
    asked = {name: value for name, value in given.items() if value}
    serializer = validation(data=asked)
    if serializer.is_valid():
        return asked, AnalyticsFilters(**serializer.validated_data), []
    # in the viewer's digits, the numbers DRF puts into its messages (a length) too
    problems = [
        digits(
            f"{FILTER_LABELS.get(name, _('Filters'))}: {' '.join(str(m) for m in messages)}", language=get_language()
        )
        for name, messages in serializer.errors.items()
    ]
    return asked, None, problems


def _with_csv(chart: report_charts.Chart, page: str, asked: dict[str, str]) -> report_charts.Chart:
    url = reverse(f"analyst:{page}-csv", args=[chart.key])
    return replace(chart, csv_url=f"{url}?{urlencode(asked)}" if asked else url)


@require_safe
@staff_page
@vary_on_headers("HX-Request")
def report(request: PortalRequest, page: str) -> HttpResponse:
    """A report page; its filters swap the report in place (a 400 with the reason for filters that cannot be read)."""
    spec = REPORTS[page]
    asked, filters, problems = _filters_of(request, spec.filters)
    shown = spec.build(filters) if filters is not None else None
    context = {
        "page": spec,
        "page_name": page,
        "asked": asked,
        "problems": problems,
        "period": shown.period if shown else None,
        "metrics": shown.metrics if shown else None,
        "charts": [_with_csv(chart, page, asked) for chart in shown.charts] if shown else [],
        **_filter_choices(actions="action" in spec.filters().fields),
    }
    template = "analyst/report_page.html#report" if request.htmx else "analyst/report_page.html"
    return render(request, template, context, status=400 if problems else 200)


@require_safe
@staff_page
def report_csv(request: PortalRequest, page: str, chart: str) -> HttpResponse:
    """One chart's table as CSV: the numbers on the screen, headers in the viewer's language, UTF-8 with a BOM so
    spreadsheet programs read Bengali, text cells that could run as formulas neutralised (csvfiles.csv_escape)."""
    spec = REPORTS[page]
    _asked, filters, problems = _filters_of(request, spec.filters)
    if filters is None:
        return HttpResponse("\n".join(problems), status=400, content_type="text/plain; charset=utf-8")
    shown = spec.build(filters)
    found = next((item for item in shown.charts if item.key == chart), None)
    if found is None:
        raise Http404
    out = io.StringIO()
    out.write("\ufeff")
    write_csv(out, [column.header for column in found.table.columns], iter(found.table.exported()))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"{found.key}_{shown.period.start.isoformat()}_{shown.period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf_form(request: PortalRequest, *, asked: dict, errors: list[str], problem: str, status: int) -> HttpResponse:
    default = period_of(AnalyticsFilters())
    context = {
        "asked": asked,
        "default": default,
        "errors": errors,
        "problem": problem,
        **_filter_choices(actions=True),
    }
    return render(request, "analyst/report.html", context, status=status)


@require_safe
@staff_page
def pdf_form(request: PortalRequest) -> HttpResponse:
    """The management report's period and filters, and the button that downloads it as a PDF."""
    return _pdf_form(request, asked=request.GET.dict(), errors=[], problem=pdf_engine_problem(), status=200)


@require_safe
@staff_page
def report_pdf(request: PortalRequest) -> HttpResponse:
    """The management report as a PDF, in the viewer's language; the filters are the analytics API's."""
    asked, filters, errors = _filters_of(request, ActionFilterInputSerializer)
    if filters is None:
        return _pdf_form(request, asked=asked, errors=errors, problem="", status=400)
    problem = pdf_engine_problem()
    if problem:
        return _pdf_form(request, asked=asked, errors=[], problem=problem, status=503)
    language = "bn" if (get_language() or "").startswith("bn") else "en"
    built = management_report_build(filters=filters, language=language)
    response = HttpResponse(management_report_pdf(report=built), content_type="application/pdf")
    name = f"sheba-retention-report-{built.period.start.isoformat()}-{built.period.end.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
