"""The management report as a PDF: the analytics selectors' figures over a period, as charts and tables in English
or Bengali, rendered by WeasyPrint from `templates/analyst/report_pdf.html`.

`management_report_build` reads and formats; `management_report_pdf` renders. WeasyPrint needs Pango, a system
library: where it cannot load, `pdf_engine_problem()` says what to install, and nothing imports WeasyPrint before.
The document loads nothing but the project's static files (StaticFilesOnly), fonts come from fontconfig.
"""

import datetime as dt
import mimetypes
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from analytics import svg_charts
from analytics.charts import band_label, model_label
from analytics.selectors import (
    AnalyticsFilters,
    Period,
    RetentionReport,
    StatesReport,
    model_quality,
    period_of,
    retention_report,
    revenue_report,
    roi_report,
    segments_report,
)
from customers.models import City, Segment
from interventions.models import InterventionAction
from loyalty.models import LoyaltyTier
from mlcore.abtest import CONFIDENCE, AbResult, RevenueRecovered
from mlcore.movement import NONE, transitions
from mlcore.quality import RunQuality
from sheba_retention.common import formatting

# Debian's packages, as .ci/run installs them: Pango for the layout, fonts with Bengali letters.
PDF_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 fonts-beng"
# Which host the document's own URLs are written against; the fetcher serves only its static files.
REPORT_ORIGIN = "https://report.invalid"


def pdf_engine_problem() -> str:
    """Why WeasyPrint cannot render here ("" when it can): its import fails with OSError without Pango."""
    try:
        import weasyprint  # noqa: F401  (imported to find out whether it loads)
    except (OSError, ImportError) as error:
        return _(
            "PDF reports need the Pango text layout library, which could not be loaded (%(error)s). "
            "Install it and the Bengali fonts with: apt-get install %(packages)s"
        ) % {"error": error, "packages": PDF_PACKAGES}
    return ""


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    note: str


@dataclass(frozen=True)
class Cell:
    text: str
    background: str
    colour: str


@dataclass(frozen=True)
class CohortRow:
    month: str
    size: str
    cells: list[Cell]


@dataclass(frozen=True)
class Section:
    """A chart (None when there is nothing to draw) and the table of its numbers: a header row and text rows."""

    chart: svg_charts.Chart | None
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class ManagementReport:
    language: str
    period: Period
    period_text: str
    filters_text: list[str]
    generated: str
    headlines: list[Headline]
    retention: Section
    curve: Section
    cohort_months: list[str]
    cohorts: list[CohortRow]
    ab: Section
    roi: Section
    revenue: Section
    segments: Section
    segment_moves: Section
    tiers: Section
    tier_moves: Section
    quality: Section
    calibration: Section
    calibration_of: str  # the run the calibration table is of

    @property
    def counter_style(self) -> str:
        """The CSS counter style of the page numbers: the language's digits."""
        return "bengali" if self.language == "bn" else "decimal"


class _Words:
    """Numbers, shares, amounts and dates in the report's language."""

    def __init__(self, language: str):
        self.language = language

    def num(self, value: float, decimals: int = 0) -> str:
        return formatting.number(value, language=self.language, decimals=decimals)

    def pct(self, share: float | None, decimals: int = 0) -> str:
        return "–" if share is None else formatting.percent(share, language=self.language, decimals=decimals)

    def points(self, difference: float | None) -> str:
        """A difference of two shares in percentage points, signed: +4.2 pp."""
        if difference is None:
            return "–"
        sign = "+" if difference > 0 else "−" if difference < 0 else ""
        return sign + _("%(points)s pp") % {"points": self.num(abs(difference) * 100, 1)}

    def signed(self, difference: float) -> str:
        """A difference of two shares in percentage points, signed, without the unit: an axis' tick."""
        sign = "+" if difference > 0 else "−" if difference < 0 else ""
        return sign + self.num(abs(difference) * 100)

    def taka(self, value: float | None) -> str:
        return "–" if value is None else formatting.taka(round(value), language=self.language)

    def day(self, value: dt.date) -> str:
        return formatting.day(value, language=self.language)

    def month(self, value: dt.date) -> str:
        return formatting.digits(formats.date_format(value, "YEAR_MONTH_FORMAT"), language=self.language)

    def interval(self, low: float | None, high: float | None, shown: Any) -> str:
        return "–" if low is None or high is None else f"{shown(low)} … {shown(high)}"

    def interval_heading(self) -> str:
        return _("%(level)s interval") % {"level": self.pct(CONFIDENCE)}


def _label(choices: Any, key: str) -> str:
    return str(dict(choices.choices).get(key, key)) if key else _("All segments")


def _filters_text(filters: AnalyticsFilters) -> list[str]:
    shown = [
        (_("City"), _label(City, filters.city) if filters.city else ""),
        (_("Area"), filters.area),
        (_("Segment"), _label(Segment.Key, filters.segment) if filters.segment else ""),
        (_("Action"), _label(InterventionAction, filters.action) if filters.action else ""),
    ]
    return [f"{name}: {value}" for name, value in shown if value]


def _retention_sections(report: RetentionReport, words: _Words) -> tuple[Section, Section]:
    months = [row for row in report.months if row.active or row.rate is not None]
    chart = None
    if any(row.rate is not None for row in months):
        chart = svg_charts.line_chart(
            categories=[words.month(row.month) for row in months],
            series=[svg_charts.Series(_("Retained the next month"), [row.rate for row in months])],
            y_format=words.pct,
            description=_("Share of each month's active customers who were active the month after"),
        )
    over_time = Section(
        chart=chart,
        header=[_("Month"), _("Active customers"), _("Active the next month"), _("Retention")],
        rows=[
            [words.month(row.month), words.num(row.active), words.num(row.retained), words.pct(row.rate, 1)]
            for row in months
        ],
    )
    curve = report.cohorts.curve
    curve_chart = None
    if any(share is not None for share in curve[1:]):
        curve_chart = svg_charts.line_chart(
            categories=[words.num(index) for index in range(len(curve))],
            series=[svg_charts.Series(_("Active after signup"), curve)],
            y_format=words.pct,
            description=_("Share of customers active each month after signing up, all cohorts together"),
        )
    curve_section = Section(
        chart=curve_chart,
        header=[_("Months since signup"), _("Customers counted"), _("Active")],
        rows=[
            [words.num(index), words.num(observed), words.pct(share, 1)]
            for index, (share, observed) in enumerate(zip(curve, report.cohorts.observed, strict=True))
            if observed
        ],
    )
    return over_time, curve_section


def _cohort_rows(report: RetentionReport, words: _Words) -> list[CohortRow]:
    rows = []
    for cohort in report.cohorts.cohorts:
        if not cohort.size:
            continue
        cells = [Cell(words.pct(share), *svg_charts.heat(share)) for share in cohort.retention]
        rows.append(CohortRow(words.month(cohort.month), words.num(cohort.size), cells))
    return rows


def _ab_section(results: list[AbResult], words: _Words) -> Section:
    overall = [result for result in results if not result.segment]
    not_enough = _("not enough data yet")
    chart = None
    if overall:
        chart = svg_charts.forest_plot(
            rows=[
                svg_charts.Interval(
                    name=_label(InterventionAction, result.action),
                    estimate=result.test.difference,
                    low=result.test.low,
                    high=result.test.high,
                    muted=result.test.too_small,
                    note=not_enough if result.test.difference is None else "",
                )
                for result in overall
            ],
            value_format=words.signed,
            description=_(
                "Retention of the proposed minus the control group's in percentage points, with its %(level)s "
                "interval, per action"
            )
            % {"level": words.pct(CONFIDENCE)},
        )
    rows = []
    for result in results:
        test = result.test
        rows.append(
            [
                _label(InterventionAction, result.action),
                _label(Segment.Key, result.segment),
                f"{words.num(test.treated_retained)} / {words.num(test.treated)}",
                f"{words.num(test.control_retained)} / {words.num(test.control)}",
                words.points(test.difference),
                words.interval(test.low, test.high, words.points),
                "–" if test.p_value is None else words.num(test.p_value, 3),
                not_enough if test.too_small else "",
            ]
        )
    header = [
        _("Action"),
        _("Segment"),
        _("Proposed: retained / all"),
        _("Control: retained / all"),
        _("Difference"),
        words.interval_heading(),
        _("p-value"),
        "",
    ]
    return Section(chart=chart, header=header, rows=rows)


def _roi_section(report: Any, words: _Words) -> Section:
    overall = [item for item in report.roi if not item.segment]
    chart = None
    if any(item.roi.roi is not None for item in overall):
        chart = svg_charts.forest_plot(
            rows=[
                svg_charts.Interval(
                    name=_label(InterventionAction, item.roi.action),
                    estimate=item.roi.roi,
                    low=item.roi_low,
                    high=item.roi_high,
                    muted=item.inconclusive,
                    note=_("nothing spent") if item.roi.roi is None else "",
                )
                for item in overall
            ],
            value_format=words.pct,
            description=_(
                "Measured return of each action (net benefit over what it cost) with its %(level)s interval, around "
                "the line where it pays for itself"
            )
            % {"level": words.pct(CONFIDENCE)},
        )
    rows = [
        [
            _label(InterventionAction, item.roi.action),
            _label(Segment.Key, item.segment),
            words.num(item.roi.sent),
            words.num(item.roi.customers_won, 1),
            words.taka(item.roi.value_recovered),
            words.taka(item.roi.discounts_redeemed + item.roi.contact_cost),
            words.taka(item.roi.net_benefit),
            words.pct(item.roi.roi),
            words.interval(item.roi_low, item.roi_high, words.pct),
            words.pct(item.roi.expected_roi),
        ]
        for item in report.roi
    ]
    header = [
        _("Action"),
        _("Segment"),
        _("Sent"),
        _("Customers won"),
        _("Value recovered"),
        _("Cost"),
        _("Net benefit"),
        _("ROI"),
        words.interval_heading(),
        _("Expected ROI"),
    ]
    return Section(chart=chart, header=header, rows=rows)


def _revenue_section(by_action: list[RevenueRecovered], words: _Words) -> Section:
    rows = [
        [
            _label(InterventionAction, item.action) if item.action else _("All actions"),
            words.num(item.proposed),
            words.num(item.retained),
            "–" if item.expected_retained is None else words.num(item.expected_retained, 1),
            words.taka(item.spend_retained),
            words.taka(item.recovered),
            words.interval(item.low, item.high, words.taka),
        ]
        for item in by_action
        if item.proposed or item.control
    ]
    header = [
        _("Action"),
        _("Proposed"),
        _("Retained"),
        _("Expected to stay anyway"),
        _("Spent by the retained"),
        _("Revenue recovered"),
        words.interval_heading(),
    ]
    return Section(chart=None, header=header, rows=rows)


def _states_sections(states: StatesReport, choices: Any, words: _Words, title: str) -> tuple[Section, Section]:
    keys = [key for key in choices.values if any(row.counts.get(key) for row in states.distribution)]
    keys += sorted({key for row in states.distribution for key in row.counts if key not in keys})
    names = [_label(choices, key) for key in keys]
    days = [row for row in states.distribution if row.total]
    chart = None
    if days:
        chart = svg_charts.stacked_shares(
            categories=[words.month(row.day) for row in days],
            parts=names,
            shares=[[row.counts.get(key, 0) / row.total for key in keys] for row in days],
            description=title,
        )
    distribution = Section(
        chart=chart,
        header=[_("Month end"), *names, _("Customers")],
        rows=[
            [words.day(row.day), *[words.pct(row.shares.get(key) or 0.0) for key in keys], words.num(row.total)]
            for row in days
        ],
    )
    matrix = transitions(states.movement, choices.values)
    named = [_label(choices, state) if state != NONE else _("none yet") for state in matrix.states]
    columns = matrix.columns()
    moves = Section(
        chart=None,
        header=[_("From ↓ · a month later →"), *[named[column] for column in columns], _("Customers")],
        rows=[
            [
                named[row],
                *[words.num(matrix.counts[row][column]) for column in columns],
                words.num(matrix.total(row)),
            ]
            for row in range(len(matrix.states))
            if matrix.total(row)
        ],
    )
    return distribution, moves


def _quality_sections(runs: list[RunQuality], words: _Words) -> tuple[Section, Section, str]:
    measured = [run for run in runs if not run.fallback and "auc_roc" in run.served_metrics]
    chart = None
    if measured:
        best_baseline = [
            max([values["auc_roc"] for values in run.baselines.values() if "auc_roc" in values], default=None)
            for run in measured
        ]
        chart = svg_charts.line_chart(
            categories=[words.day(run.as_of) for run in measured],
            series=[
                svg_charts.Series(_("Served forecast"), [run.served_metrics["auc_roc"] for run in measured]),
                svg_charts.Series(_("Best classical baseline"), best_baseline, dashed=True),
            ],
            y_format=lambda value: words.num(value, 2),
            description=_("AUC of each training run on its out-of-time holdout, beside the best baseline"),
        )
    rows = []
    for run in runs:
        metric = run.served_metrics
        shown = [words.num(metric[name], 3) if name in metric else "–" for name in ("auc_roc", "precision", "recall")]
        rows.append(
            [
                words.day(run.as_of),
                run.version,
                model_label(run.served) + (" ✓" if run.active else ""),
                words.num(run.n_holdout),
                *shown,
                words.num(metric["brier"], 3) if "brier" in metric else "–",
                band_label(run.band) if not run.fallback else _("too little history"),
            ]
        )
    quality = Section(
        chart=chart,
        header=[
            _("Trained as of"),
            _("Version"),
            _("Served"),
            _("Holdout customers"),
            _("AUC"),
            _("Precision"),
            _("Recall"),
            _("Brier"),
            _("Quality"),
        ],
        rows=rows,
    )
    latest = measured[-1] if measured else None
    calibration = Section(
        chart=None,
        header=[_("Tenth"), _("Predicted churn"), _("Actual churn"), _("Customers")],
        rows=[
            [words.num(index + 1), words.pct(predicted, 1), words.pct(actual, 1), words.num(n)]
            for index, (predicted, actual, n) in enumerate(
                zip(latest.calibration.predicted, latest.calibration.actual, latest.calibration.n, strict=False)
            )
        ]
        if latest
        else [],
    )
    return quality, calibration, f"{latest.version} · {words.day(latest.as_of)}" if latest else ""


def _headlines(
    retention: RetentionReport, roi: Any, revenue: list[RevenueRecovered], runs: list[RunQuality], words: _Words
) -> list[Headline]:
    counted = [row for row in retention.months if row.rate is not None]
    active, retained = sum(row.active for row in counted), sum(row.retained for row in counted)
    signups = sum(cohort.size for cohort in retention.cohorts.cohorts)
    # only the actions whose return can be read as theirs: enough customers, and sent to enough of those proposed
    overall = [item.roi for item in roi.roi if not item.segment and not item.inconclusive]
    won = sum(item.customers_won for item in overall)
    cost = sum(item.discounts_redeemed + item.contact_cost for item in overall)
    net = sum(item.net_benefit for item in overall)
    total = next((item for item in revenue if not item.action), None)
    measured = [run for run in runs if not run.fallback and "auc_roc" in run.served_metrics]
    latest = measured[-1] if measured else None
    no_data = _("no data in this period")
    return [
        Headline(
            _("Retention month to month"),
            words.pct(retained / active, 1) if active else "–",
            _("%(retained)s of %(active)s active customer-months")
            % {"retained": words.num(retained), "active": words.num(active)}
            if active
            else no_data,
        ),
        Headline(_("New customers"), words.num(signups), _("signed up in the period")),
        Headline(
            _("Revenue recovered"),
            words.taka(total.recovered) if total and total.recovered is not None else "–",
            _("%(level)s interval %(interval)s")
            % {"level": words.pct(CONFIDENCE), "interval": words.interval(total.low, total.high, words.taka)}
            if total and total.recovered is not None and not total.inconclusive
            else _("not enough data yet"),
        ),
        Headline(
            _("Customers won by interventions"),
            words.num(won, 1) if overall else "–",
            _("return %(roi)s on %(cost)s spent") % {"roi": words.pct(net / cost), "cost": words.taka(cost)}
            if overall and cost
            else _("not enough data yet"),
        ),
        Headline(
            _("Churn model AUC"),
            words.num(latest.served_metrics["auc_roc"], 3) if latest else "–",
            _("%(band)s, trained as of %(day)s") % {"band": band_label(latest.band), "day": words.day(latest.as_of)}
            if latest
            else no_data,
        ),
    ]


def management_report_build(*, filters: AnalyticsFilters, language: str) -> ManagementReport:
    """Every figure of the report over the filters' period, formatted in `language` ("en" or "bn")."""
    with translation.override(language):
        words = _Words(language)
        period = period_of(filters)
        retention = retention_report(filters)
        roi = roi_report(filters)
        revenue = revenue_report(filters)
        states = segments_report(filters)
        runs = model_quality(filters)
        over_time, curve = _retention_sections(retention, words)
        segments, segment_moves = _states_sections(
            states.segments, Segment.Key, words, _("Customers by segment at each month's end")
        )
        tiers, tier_moves = _states_sections(
            states.tiers, LoyaltyTier.Name, words, _("Customers by loyalty tier at each month's end")
        )
        quality, calibration, calibration_of = _quality_sections(runs, words)
        longest = max((len(cohort.retention) for cohort in retention.cohorts.cohorts), default=0)
        return ManagementReport(
            language=language,
            period=period,
            period_text=_("%(start)s to %(end)s") % {"start": words.day(period.start), "end": words.day(period.end)},
            filters_text=_filters_text(filters),
            generated=formatting.moment(timezone.now(), language=language),
            headlines=_headlines(retention, roi, revenue.by_action, runs, words),
            retention=over_time,
            curve=curve,
            cohort_months=[words.num(index) for index in range(longest)],
            cohorts=_cohort_rows(retention, words),
            ab=_ab_section(roi.ab, words),
            roi=_roi_section(roi, words),
            revenue=_revenue_section(revenue.by_action, words),
            segments=segments,
            segment_moves=segment_moves,
            tiers=tiers,
            tier_moves=tier_moves,
            quality=quality,
            calibration=calibration,
            calibration_of=calibration_of,
        )


def _static_file(url: str) -> str | None:
    """The file behind one of the project's static URLs (None for anything else)."""
    prefix = f"{REPORT_ORIGIN}/{settings.STATIC_URL.strip('/')}/"
    if not url.startswith(prefix):
        return None
    name = url.removeprefix(prefix).split("?")[0].split("#")[0]
    if not name or ".." in name.split("/"):
        return None
    found = finders.find(name)
    if isinstance(found, str):
        return found
    if staticfiles_storage.exists(name):  # after collectstatic, where finders are not consulted
        return staticfiles_storage.path(name)
    return None


def management_report_pdf(*, report: ManagementReport) -> bytes:
    """The report rendered to PDF bytes (raises OSError where Pango cannot be loaded: check pdf_engine_problem)."""
    import weasyprint  # Pango is loaded here, not when the web process starts

    class StaticFilesOnly(weasyprint.URLFetcher):
        """Serves the project's static files and refuses every other URL: a report never reaches the network."""

        def fetch(self, url: str, headers: Any = None) -> weasyprint.urls.URLFetcherResponse:
            path = _static_file(url)
            if path is None:
                raise ValueError(f"the report may load only the project's static files, not {url}")
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as file:
                return weasyprint.urls.URLFetcherResponse(url, file.read(), headers={"Content-Type": kind})

    with translation.override(report.language):
        html = render_to_string("analyst/report_pdf.html", {"report": report})
    document = weasyprint.HTML(string=html, base_url=f"{REPORT_ORIGIN}/", url_fetcher=StaticFilesOnly())
    return document.write_pdf()
