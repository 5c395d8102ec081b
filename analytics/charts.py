"""What the analyst portal's report pages show: each report's numbers as a table (the screen and its CSV read the same
rows) and the plotly figure drawn from those numbers.

A chart is a titled table plus a figure (plain data for plotly.js, embedded with `json_script` and drawn by
static/js/charts.js); its table is the accessible version and its CSV. The cells keep their values; `Table.shown`
formats them for the active language and `Table.exported` rounds them as the screen does, so a spreadsheet gets the
figures a person saw, as numbers.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils import formats, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from analytics.selectors import (
    DriftReport,
    RetentionReport,
    RevenueReport,
    RoiReport,
    SegmentsReport,
    StatesReport,
)
from customers.models import Segment
from interventions.models import InterventionAction
from loyalty.models import LoyaltyTier
from mlcore.abtest import AbResult
from mlcore.drift import ACT_FROM, WATCH_FROM
from mlcore.movement import NONE, transitions
from mlcore.quality import QUALITY_METRICS, RunQuality
from sheba_retention.common import formatting


class Kind(StrEnum):
    """How a column's values are shown, and exported."""

    TEXT = "text"
    COUNT = "count"  # whole customers
    DECIMAL = "decimal"  # an expected count: one decimal
    SHARE = "share"  # a share of 1, shown and exported as a percentage with one decimal
    TAKA = "taka"
    SCORE = "score"  # AUC, Brier, PSI: three decimals
    P_VALUE = "p_value"
    MONTH = "month"
    DAY = "day"


DECIMALS = {Kind.DECIMAL: 1, Kind.SHARE: 1, Kind.TAKA: 2, Kind.SCORE: 3, Kind.P_VALUE: 4}
NUMERIC = {Kind.COUNT, Kind.DECIMAL, Kind.SHARE, Kind.TAKA, Kind.SCORE, Kind.P_VALUE}
MISSING = "—"


def language() -> str:
    return "bn" if (get_language() or "").startswith("bn") else "en"


def month_label(month: dt.date) -> str:
    with translation.override(language()):
        return formatting.digits(formats.date_format(month, "YEAR_MONTH_FORMAT"), language=language())


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[list[Any]]

    def exported(self) -> list[list[Any]]:
        """The rows as a CSV holds them: numbers rounded as on the screen (shares as percentages), dates in ISO."""
        return [
            [export_value(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def shown(self) -> list[list[Cell]]:
        """The rows as the screen shows them, in the active language."""
        return [
            [
                Cell(show_value(value, column.kind), column.kind in NUMERIC)
                for value, column in zip(row, self.columns, strict=True)
            ]
            for row in self.rows
        ]


def export_value(value: Any, kind: Kind) -> Any:
    if value is None:
        return ""
    if kind == Kind.SHARE:
        return round(float(value) * 100, DECIMALS[kind])
    if kind in DECIMALS:
        return round(float(value), DECIMALS[kind])
    if kind == Kind.MONTH:
        return value.strftime("%Y-%m")
    if kind == Kind.DAY:
        return value.isoformat()
    return value


def show_value(value: Any, kind: Kind) -> str:
    lang = language()
    if value is None:
        return MISSING
    if kind == Kind.SHARE:
        return formatting.percent(float(value), language=lang, decimals=DECIMALS[kind])
    if kind == Kind.TAKA:
        return formatting.taka(round(float(value), 2), language=lang)
    if kind in (Kind.COUNT, Kind.DECIMAL, Kind.SCORE, Kind.P_VALUE):
        return formatting.number(value, language=lang, decimals=DECIMALS.get(kind, 0))
    if kind == Kind.MONTH:
        return month_label(value)
    if kind == Kind.DAY:
        return formatting.day(value, language=lang)
    return str(value)


@dataclass(frozen=True)
class Chart:
    key: str  # the chart's slug: its element ids and its CSV's name
    title: str
    table: Table
    figure: dict | None = None  # plotly's data and layout; None for a table alone
    note: str = ""
    csv_url: str = field(default="", compare=False)  # set by the view, with the filters of the page

    @property
    def empty(self) -> bool:
        return not self.table.rows

    @property
    def data_id(self) -> str:
        """The id of the element holding the figure's JSON."""
        return f"chart-{self.key}-data"


# --- labels -------------------------------------------------------------------------------------------------------

MODEL_NAMES = {
    "model": gettext_lazy("our model"),
    "blend": gettext_lazy("our model blended with a classical one"),
    "recency": gettext_lazy("recency alone"),
    "bg_nbd": "BG/NBD",
    "pareto_nbd": "Pareto/NBD",
}
METRIC_NAMES = {
    "auc_roc": gettext_lazy("AUC"),
    "precision": gettext_lazy("Precision"),
    "recall": gettext_lazy("Recall"),
    "brier": gettext_lazy("Brier score"),
}
BAND_NAMES = {
    "stable": gettext_lazy("stable"),
    "watch": gettext_lazy("watch"),
    "act": gettext_lazy("act"),
    "good": gettext_lazy("good"),
    "fair": gettext_lazy("fair"),
    "poor": gettext_lazy("poor"),
}


def segment_label(key: str) -> str:
    return str(dict(Segment.Key.choices).get(key, key)) if key else _("no segment yet")


def tier_label(key: str) -> str:
    return str(dict(LoyaltyTier.Name.choices).get(key, key)) if key else _("no tier yet")


def action_label(key: str) -> str:
    return str(dict(InterventionAction.choices).get(key, key)) if key else _("All actions")


def model_label(name: str) -> str:
    return str(MODEL_NAMES.get(name, name))


def band_label(band: str) -> str:
    return str(BAND_NAMES.get(band, band)) if band else MISSING


def too_small_label(too_small: bool, *, too_little_sent: bool = False) -> str:
    if too_small:
        return _("Too small to say")
    return _("Too little sent to say") if too_little_sent else _("Enough data")


# --- figures ------------------------------------------------------------------------------------------------------

COLOURS = ["#0b5394", "#b45309", "#17643a", "#7d1a12", "#5b3c88", "#4a5360", "#0e7490", "#a16207"]
MUTED = "#6b7480"


def layout(*, y_title: str = "", x_title: str = "", share_axis: str = "", **extra) -> dict:
    """A plain, readable layout; `share_axis` ("x" or "y") shows shares as percentages in the viewer's digits."""
    shown: dict[str, Any] = {
        "margin": {"l": 60, "r": 20, "t": 40, "b": 60},
        "font": {"family": "system-ui, 'Noto Sans Bengali', sans-serif", "size": 13, "color": "#1b1f24"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},  # above: a phone has no room below
        "hovermode": "closest",
        "xaxis": {"title": {"text": x_title}, "automargin": True, "gridcolor": "#e4e7eb"},
        "yaxis": {"title": {"text": y_title}, "automargin": True, "gridcolor": "#e4e7eb"},
    }
    if share_axis:
        ticks = [step / 5 for step in range(6)]
        shown[f"{share_axis}axis"] |= {
            "tickvals": ticks,
            "ticktext": [formatting.percent(tick, language=language()) for tick in ticks],
            "range": [0, 1.02],
        }
    return shown | extra


# A heatmap of shares of 1, from white to dark blue, its cells apart and written on (no colour scale to read)
SHARES_HEATMAP = {
    "zmin": 0,
    "zmax": 1,
    "colorscale": [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]],
    "showscale": False,
    "xgap": 2,
    "ygap": 2,
}


def hover(values: list[Any], kind: Kind) -> list[str]:
    return [show_value(value, kind) for value in values]


Estimate = tuple[float | None, float | None, float | None]  # a value and its interval


def error_bars(estimates: list[Estimate], colour: str) -> dict:
    """Plotly's error bars from each value to its interval's ends (none where there is no interval)."""
    return {
        "type": "data",
        "symmetric": False,
        "array": [0 if high is None or value is None else high - value for value, _low, high in estimates],
        "arrayminus": [0 if low is None or value is None else value - low for value, low, _high in estimates],
        "color": colour,
        "thickness": 2,
    }


def with_interval(value: float | None, low: float | None, high: float | None, kind: Kind) -> str:
    return f"{show_value(value, kind)} ({show_value(low, kind)} – {show_value(high, kind)})"


# --- retention ----------------------------------------------------------------------------------------------------


def retention_charts(report: RetentionReport) -> list[Chart]:
    months = report.months
    counted = [row for row in months if row.active]
    rate_table = Table(
        [
            Column(_("Month"), Kind.MONTH),
            Column(_("Customers active"), Kind.COUNT),
            Column(_("Active again the next month"), Kind.COUNT),
            Column(_("Retention rate"), Kind.SHARE),
        ],
        [[row.month, row.active, row.retained, row.rate] for row in months] if counted else [],
    )
    rate_figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Retention rate"),
                "x": [month_label(row.month) for row in months],
                "y": [row.rate for row in months],
                "text": [
                    f"{show_value(row.rate, Kind.SHARE)} · {show_value(row.active, Kind.COUNT)}" for row in months
                ],
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "line": {"color": COLOURS[0], "width": 3},
            }
        ],
        "layout": layout(y_title=_("Share active the next month"), share_axis="y"),
    }
    cohorts = report.cohorts
    filled = [cohort for cohort in cohorts.cohorts if cohort.size]
    width = len(cohorts.curve)
    heat_table = Table(
        [Column(_("Signup month"), Kind.MONTH), Column(_("Customers"), Kind.COUNT)]
        + [Column(since_signup(k), Kind.SHARE) for k in range(width)],
        [[cohort.month, cohort.size, *cohort.retention] for cohort in filled],
    )
    heat_figure = {
        "data": [
            {
                "type": "heatmap",
                "x": [since_signup(k) for k in range(width)],
                "y": [f"{month_label(c.month)} ({show_value(c.size, Kind.COUNT)})" for c in filled],
                "z": [cohort.retention for cohort in filled],
                "text": [hover(cohort.retention, Kind.SHARE) for cohort in filled],
                "texttemplate": "%{text}",
                "hovertemplate": "%{y}, %{x}: %{text}<extra></extra>",
                **SHARES_HEATMAP,
            }
        ],
        "layout": layout(x_title=_("Months since signup")) | {"yaxis": {"autorange": "reversed", "automargin": True}},
    }
    curve_rows = [[k, share, seen] for k, (share, seen) in enumerate(zip(cohorts.curve, cohorts.observed, strict=True))]
    curve_table = Table(
        [
            Column(_("Months since signup"), Kind.COUNT),
            Column(_("Still active, all cohorts"), Kind.SHARE),
            Column(_("Customers it is of"), Kind.COUNT),
        ],
        [row for row in curve_rows if row[2]] if filled else [],
    )
    lines = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": month_label(cohort.month),
            "x": list(range(width)),
            "y": cohort.retention,
            "line": {"width": 1, "color": COLOURS[index % len(COLOURS)]},
            "opacity": 0.55,
            "hovertemplate": "%{fullData.name}: %{y:.1%}<extra></extra>",
        }
        for index, cohort in enumerate(filled)
    ]
    lines.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("All cohorts"),
            "x": list(range(width)),
            "y": cohorts.curve,
            "text": hover(cohorts.curve, Kind.SHARE),
            "hovertemplate": "%{fullData.name}: %{text}<extra></extra>",
            "line": {"width": 4, "color": "#1b1f24"},
        }
    )
    curve_layout = layout(x_title=_("Months since signup"), share_axis="y")
    curve_layout["xaxis"] |= {"dtick": 1}  # whole months
    curve_figure = {"data": lines, "layout": curve_layout}
    return [
        Chart(
            "retention",
            _("Retention rate month to month"),
            rate_table,
            rate_figure,
            _("Of the customers with a completed booking in a month, the share with one in the next month."),
        ),
        Chart(
            "cohorts",
            _("Signup cohorts"),
            heat_table,
            heat_figure,
            _("Each row is the customers who signed up in a month: the share active 0, 1, 2… months later."),
        ),
        Chart(
            "cohort-curves",
            _("Cohort retention curves"),
            curve_table,
            curve_figure,
            _("Each cohort's curve, and all cohorts together weighted by their size."),
        ),
    ]


def since_signup(months: int) -> str:
    return _("Month %(n)s") % {"n": formatting.number(months, language=language())}


@dataclass(frozen=True)
class RetentionMetrics:
    """The headline of retention over a period: the latest month's rate, and how many stay a month after signup."""

    month: dt.date | None
    rate: float | None
    active: int
    after_signup: float | None  # the share of all cohorts active a month after signup
    cohort_customers: int  # the customers of the cohorts that have reached that month
    period_start: dt.date
    period_end: dt.date


def retention_metrics(report: RetentionReport) -> RetentionMetrics:
    latest = next((row for row in reversed(report.months) if row.rate is not None), None)
    curve, observed = report.cohorts.curve, report.cohorts.observed
    return RetentionMetrics(
        month=latest.month if latest else None,
        rate=latest.rate if latest else None,
        active=latest.active if latest else 0,
        after_signup=curve[1] if len(curve) > 1 else None,
        cohort_customers=observed[1] if len(observed) > 1 else 0,
        period_start=report.period.start,
        period_end=report.period.end,
    )


# --- A/B results, ROI, revenue recovered --------------------------------------------------------------------------


def ab_label(result: AbResult) -> str:
    if not result.segment:
        return action_label(result.action)
    return f"{action_label(result.action)} · {segment_label(result.segment)}"


def ab_charts(report: RoiReport) -> list[Chart]:
    results = report.ab
    table = Table(
        [
            Column(_("Action"), Kind.TEXT),
            Column(_("Segment"), Kind.TEXT),
            Column(_("Proposed"), Kind.COUNT),
            Column(_("Proposed and retained"), Kind.COUNT),
            Column(_("Control"), Kind.COUNT),
            Column(_("Control and retained"), Kind.COUNT),
            Column(_("Retention, proposed"), Kind.SHARE),
            Column(_("Retention, control"), Kind.SHARE),
            Column(_("Difference (intent to treat)"), Kind.SHARE),
            Column(_("Interval low (95%)"), Kind.SHARE),
            Column(_("Interval high (95%)"), Kind.SHARE),
            Column(_("p-value"), Kind.P_VALUE),
            Column(_("Share sent"), Kind.SHARE),
            Column(_("Effect of sending"), Kind.SHARE),
            Column(_("Effect of sending, low"), Kind.SHARE),
            Column(_("Effect of sending, high"), Kind.SHARE),
            Column(_("Sample"), Kind.TEXT),
        ],
        [
            [
                action_label(r.action),
                segment_label(r.segment) if r.segment else _("All segments"),
                r.test.treated,
                r.test.treated_retained,
                r.test.control,
                r.test.control_retained,
                r.test.retention_treated,
                r.test.retention_control,
                r.test.difference,
                r.test.low,
                r.test.high,
                r.test.p_value,
                r.share_sent,
                r.effect_of_sending,
                r.effect_low,
                r.effect_high,
                too_small_label(r.test.too_small),
            ]
            for r in results
        ],
    )
    measured = [r for r in results if r.test.difference is not None]
    traces = []
    for too_small, name, colour in ((False, _("Enough data"), COLOURS[0]), (True, _("Too small to say"), MUTED)):
        shown = [r for r in measured if r.test.too_small == too_small]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": [r.test.difference for r in shown],
                "y": [ab_label(r) for r in shown],
                "error_x": error_bars([(r.test.difference, r.test.low, r.test.high) for r in shown], colour),
                "text": [
                    f"{with_interval(r.test.difference, r.test.low, r.test.high, Kind.SHARE)}, "
                    f"p {show_value(r.test.p_value, Kind.P_VALUE)}"
                    for r in shown
                ],
                "hovertemplate": "%{y}: %{text}<extra></extra>",
                "marker": {
                    "size": 11,
                    "color": colour,
                    "symbol": "circle-open" if too_small else "circle",
                    "line": {"width": 2, "color": colour},
                },
            }
        )
    forest = {
        "data": traces,
        "layout": layout(x_title=_("Retention, proposed − control"))
        | {
            "yaxis": {"autorange": "reversed", "automargin": True, "type": "category"},
            "height": max(260, 40 * len(measured) + 120),
            "shapes": [
                {
                    "type": "line",
                    "x0": 0,
                    "x1": 0,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": MUTED, "dash": "dot"},
                }
            ],
        },
    }
    return [
        Chart(
            "ab",
            _("A/B results: proposed against the control group"),
            table,
            forest,
            _(
                "Each dot is the difference in retention between the customers proposed an action and the randomly "
                "held-out ones, with its interval (95%); an interval crossing the dotted line at zero does not show an "
                "effect. Hollow grey dots have too few customers to say anything yet."
            ),
        )
    ]


def roi_charts(roi: RoiReport, revenue: RevenueReport) -> list[Chart]:
    rows = [
        [
            action_label(item.roi.action),
            segment_label(item.segment) if item.segment else _("All segments"),
            item.roi.proposed,
            item.roi.sent,
            item.roi.control,
            item.roi.customers_won,
            item.roi.value_recovered,
            item.roi.discounts_redeemed,
            item.roi.contact_cost,
            item.roi.net_benefit,
            item.net_low,
            item.net_high,
            item.roi.roi,
            item.roi_low,
            item.roi_high,
            item.roi.expected_roi,
            too_small_label(item.test.too_small, too_little_sent=item.too_little_sent),
        ]
        for item in roi.roi
    ]
    roi_table = Table(
        [
            Column(_("Action"), Kind.TEXT),
            Column(_("Segment"), Kind.TEXT),
            Column(_("Proposed"), Kind.COUNT),
            Column(_("Sent"), Kind.COUNT),
            Column(_("Control"), Kind.COUNT),
            Column(_("Customers won"), Kind.DECIMAL),
            Column(_("Value recovered"), Kind.TAKA),
            Column(_("Discounts redeemed"), Kind.TAKA),
            Column(_("Contact cost"), Kind.TAKA),
            Column(_("Net benefit"), Kind.TAKA),
            Column(_("Net benefit, low (95%)"), Kind.TAKA),
            Column(_("Net benefit, high (95%)"), Kind.TAKA),
            Column(_("ROI"), Kind.SHARE),
            Column(_("ROI, low (95%)"), Kind.SHARE),
            Column(_("ROI, high (95%)"), Kind.SHARE),
            Column(_("Expected ROI"), Kind.SHARE),
            Column(_("Sample"), Kind.TEXT),
        ],
        rows,
    )
    overall = [item for item in roi.roi if not item.segment]
    roi_layout = layout(y_title=_("ROI, with its interval (95%)")) | {"barmode": "group"}
    roi_layout["yaxis"]["tickformat"] = ",.0%"  # a return of 3 is 300%
    roi_figure = {
        "data": [
            {
                "type": "bar",
                "name": _("ROI measured"),
                "x": [action_label(item.roi.action) for item in overall],
                "y": [item.roi.roi for item in overall],
                "error_y": error_bars([(item.roi.roi, item.roi_low, item.roi_high) for item in overall], "#1b1f24"),
                "text": [with_interval(item.roi.roi, item.roi_low, item.roi_high, Kind.SHARE) for item in overall],
                "textposition": "none",
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "marker": {"color": [MUTED if item.inconclusive else COLOURS[0] for item in overall]},
            },
            {
                "type": "bar",
                "name": _("ROI expected"),
                "x": [action_label(item.roi.action) for item in overall],
                "y": [item.roi.expected_roi for item in overall],
                "text": hover([item.roi.expected_roi for item in overall], Kind.SHARE),
                "textposition": "none",
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "marker": {"color": "#9fb8d6"},
            },
        ],
        "layout": roi_layout,
    }
    recovered = [row for row in revenue.by_action if row.proposed or row.control]
    revenue_table = Table(
        [
            Column(_("Action"), Kind.TEXT),
            Column(_("Proposed"), Kind.COUNT),
            Column(_("Retained"), Kind.COUNT),
            Column(_("Control"), Kind.COUNT),
            Column(_("Retention, control"), Kind.SHARE),
            Column(_("Expected to stay anyway"), Kind.DECIMAL),
            Column(_("Spent by the retained"), Kind.TAKA),
            Column(_("Revenue recovered"), Kind.TAKA),
            Column(_("Interval low (95%)"), Kind.TAKA),
            Column(_("Interval high (95%)"), Kind.TAKA),
            Column(_("Sample"), Kind.TEXT),
        ],
        [
            [
                action_label(row.action),
                row.proposed,
                row.retained,
                row.control,
                row.retention_control,
                row.expected_retained,
                row.spend_retained,
                row.recovered,
                row.low,
                row.high,
                too_small_label(row.too_small, too_little_sent=row.too_little_sent),
            ]
            for row in recovered
        ],
    )
    bars = [row for row in recovered if row.recovered is not None]
    revenue_figure = {
        "data": [
            {
                "type": "bar",
                "name": _("Revenue recovered"),
                "x": [action_label(row.action) for row in bars],
                "y": [row.recovered for row in bars],
                "error_y": error_bars([(row.recovered, row.low, row.high) for row in bars], "#1b1f24"),
                "text": [with_interval(row.recovered, row.low, row.high, Kind.TAKA) for row in bars],
                "textposition": "none",
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "marker": {"color": [MUTED if row.inconclusive else COLOURS[2] for row in bars]},
            }
        ],
        "layout": layout(y_title=_("Tk recovered, with its interval (95%)")),
    }
    days = formatting.number(revenue.window_days, language=language())
    return [
        Chart(
            "roi",
            _("Return on each action, measured against the control group"),
            roi_table,
            roi_figure,
            _(
                "Customers won are the retention difference times the proposals. The intervals are the retention "
                "difference's, carried over: what a customer won is worth and what was spent are taken as measured. "
                "Grey bars have too few customers to say anything yet, or were sent to too few of those proposed "
                "for the difference to be the action's."
            ),
        ),
        Chart(
            "revenue",
            _("Revenue recovered"),
            revenue_table,
            revenue_figure,
            _(
                "What the proposed customers who stayed spent in the %(days)s days after the proposal, beyond those "
                "the control group's retention says would have stayed anyway. Grey bars are not enough to say, as "
                "on the return above."
            )
            % {"days": days},
        ),
    ]


# --- segments and tiers -------------------------------------------------------------------------------------------


def states_charts(
    states: StatesReport, *, key: str, title: str, label, state_header: str, order: list[str]
) -> list[Chart]:
    distribution = [row for row in states.distribution]
    names = sorted({name for row in distribution for name in row.counts})
    populated = any(row.total for row in distribution)
    table = Table(
        [Column(_("Month end"), Kind.DAY), Column(_("Customers"), Kind.COUNT)]
        + [Column(label(name), Kind.COUNT) for name in names],
        [[row.day, row.total, *[row.counts.get(name, 0) for name in names]] for row in distribution]
        if populated
        else [],
    )
    figure = {
        "data": [
            {
                "type": "bar",
                "name": label(name),
                "x": [show_value(row.day, Kind.DAY) for row in distribution],
                "y": [row.counts.get(name, 0) for row in distribution],
                "text": [
                    f"{show_value(row.counts.get(name, 0), Kind.COUNT)} "
                    f"({show_value(row.shares.get(name), Kind.SHARE)})"
                    for row in distribution
                ],
                "textposition": "none",
                "hovertemplate": "%{fullData.name}, %{x}: %{text}<extra></extra>",
                "marker": {"color": COLOURS[index % len(COLOURS)]},
            }
            for index, name in enumerate(names)
        ],
        "layout": layout(y_title=_("Customers")) | {"barmode": "stack"},
    }
    flows = [
        [move.start, move.end, label(origin), label(target), count]
        for move in states.movement
        for origin, targets in move.flows.items()
        for target, count in targets.items()
        if origin != target
    ]
    flow_table = Table(
        [
            Column(_("From month end"), Kind.DAY),
            Column(_("To month end"), Kind.DAY),
            Column(_("From %(state)s") % {"state": state_header}, Kind.TEXT),
            Column(_("To %(state)s") % {"state": state_header}, Kind.TEXT),
            Column(_("Customers"), Kind.COUNT),
        ],
        flows,
    )
    flow_figure = {
        "data": [
            {
                "type": "bar",
                "name": _("Customers who moved"),
                "x": [show_value(move.end, Kind.DAY) for move in states.movement],
                "y": [move.moved for move in states.movement],
                "text": hover([move.moved for move in states.movement], Kind.COUNT),
                "textposition": "none",
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "marker": {"color": COLOURS[1]},
            }
        ],
        "layout": layout(y_title=_("Customers who moved")),
    }
    return [
        Chart(key, title, table, figure, _("Customers in each at the end of every month.")),
        Chart(
            f"{key}-movement",
            _("Movement month to month"),
            flow_table,
            flow_figure,
            _("Who moved from where to where between two month ends; customers who stayed put are not listed."),
        ),
        _transitions_chart(states, key=key, label=label, state_header=state_header, order=order),
    ]


def _transitions_chart(states: StatesReport, *, key: str, label, state_header: str, order: list[str]) -> Chart:
    """The full from → to matrix over the period, stayers on the diagonal, as a heatmap of each row's shares."""
    matrix = transitions(states.movement, order)

    def named(state: str) -> str:
        return label(state) if state != NONE else _("none yet")

    names = [named(state) for state in matrix.states]
    rows, columns = range(len(matrix.states)), matrix.columns()
    table = Table(
        [Column(_("From %(state)s") % {"state": state_header}, Kind.TEXT)]
        + [Column(_("To %(state)s") % {"state": names[column]}, Kind.COUNT) for column in columns]
        + [Column(_("Customers"), Kind.COUNT)],
        [
            [names[row], *[matrix.counts[row][column] for column in columns], matrix.total(row)]
            for row in rows
            if matrix.total(row)
        ],
    )
    shares = [[matrix.share(row, column) for column in columns] for row in rows]
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": [names[column] for column in columns],
                "y": names,
                "z": shares,
                "text": [
                    [
                        f"{show_value(matrix.counts[row][column], Kind.COUNT)} ({show_value(share, Kind.SHARE)})"
                        for column, share in zip(columns, shares[row], strict=True)
                    ]
                    for row in rows
                ],
                "texttemplate": "%{text}",
                "hovertemplate": "%{y} → %{x}: %{text}<extra></extra>",
                **SHARES_HEATMAP,
            }
        ],
        "layout": layout(x_title=_("A month later"), y_title=_("At a month end"))
        | {"yaxis": {"autorange": "reversed", "automargin": True, "title": {"text": _("At a month end")}}},
    }
    return Chart(
        f"{key}-transitions",
        _("From → to, over the period"),
        table,
        figure,
        _(
            "Every move from one month end to the next, added up over the period: each row is where customers "
            "were, each column where they were a month later; those who stayed are on the diagonal. The shares "
            "are of the row."
        ),
    )


def segment_charts(report: SegmentsReport) -> list[Chart]:
    return states_charts(
        report.segments,
        key="segments",
        title=_("Segments over time"),
        label=segment_label,
        state_header=_("segment"),
        order=Segment.Key.values,
    )


def tier_charts(report: SegmentsReport) -> list[Chart]:
    return states_charts(
        report.tiers,
        key="tiers",
        title=_("Loyalty tiers over time"),
        label=tier_label,
        state_header=_("tier"),
        order=LoyaltyTier.Name.values,
    )


# --- model quality and drift --------------------------------------------------------------------------------------


def quality_charts(runs: list[RunQuality], drift: DriftReport) -> list[Chart]:
    measured = [run for run in runs if not run.fallback]
    forecasts: dict[str, list[tuple[RunQuality, dict[str, float]]]] = {}
    rows = []
    for run in measured:
        sources = {_("served: %(name)s") % {"name": model_label(run.served)}: run.served_metrics}
        if run.model and run.served != "model":
            sources[model_label("model")] = run.model
        sources |= {model_label(name): values for name, values in run.baselines.items()}
        for source, values in sources.items():
            forecasts.setdefault(source, []).append((run, values))
            rows.append(
                [
                    run.version,
                    run.as_of,
                    _("yes") if run.active else "",
                    run.n_holdout,
                    band_label(run.band),
                    source,
                    *[values.get(metric) for metric in QUALITY_METRICS],
                ]
            )
    quality_table = Table(
        [
            Column(_("Model version"), Kind.TEXT),
            Column(_("Trained as of"), Kind.DAY),
            Column(_("Serving now"), Kind.TEXT),
            Column(_("Holdout customers"), Kind.COUNT),
            Column(_("Quality"), Kind.TEXT),
            Column(_("Forecast"), Kind.TEXT),
        ]
        + [Column(str(METRIC_NAMES[metric]), Kind.SCORE) for metric in QUALITY_METRICS],
        rows,
    )
    traces, buttons = [], []
    per_metric = len(forecasts)
    for metric_index, metric in enumerate(QUALITY_METRICS):
        for index, (source, points) in enumerate(forecasts.items()):
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": source,
                    "visible": metric_index == 0,
                    "x": [f"{run.version} ({show_value(run.as_of, Kind.DAY)})" for run, _values in points],
                    "y": [values.get(metric) for _run, values in points],
                    "line": {"width": 4 if index == 0 else 2, "color": COLOURS[index % len(COLOURS)]},
                    "hovertemplate": "%{fullData.name}: %{y:.3f}<extra></extra>",
                }
            )
        visible = [metric_index * per_metric <= i < (metric_index + 1) * per_metric for i in range(per_metric * 4)]
        buttons.append({"label": str(METRIC_NAMES[metric]), "method": "update", "args": [{"visible": visible}]})
    quality_figure = {
        "data": traces,
        "layout": layout(y_title=_("On the out-of-time holdout"))
        | {
            "legend": {"orientation": "h", "x": 0, "y": -0.3, "yanchor": "top"},  # the metric buttons are above
            "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
            "updatemenus": [
                {
                    "type": "buttons",
                    "direction": "right",
                    "x": 0,
                    "y": 1.02,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "buttons": buttons,
                }
            ],
        },
    }
    latest = next((run for run in reversed(measured) if run.active and run.calibration.predicted), None) or next(
        (run for run in reversed(measured) if run.calibration.predicted), None
    )
    calibration = latest.calibration if latest else None
    calibration_rows = (
        [
            [decile + 1, predicted, actual, n]
            for decile, (predicted, actual, n) in enumerate(
                zip(
                    calibration.predicted,
                    calibration.actual,
                    calibration.n or list[int | None]([None] * len(calibration.predicted)),
                    strict=True,
                )
            )
        ]
        if calibration
        else []
    )
    calibration_table = Table(
        [
            Column(_("Tenth by predicted risk"), Kind.COUNT),
            Column(_("Predicted churn"), Kind.SHARE),
            Column(_("Actual churn"), Kind.SHARE),
            Column(_("Customers"), Kind.COUNT),
        ],
        calibration_rows,
    )
    calibration_figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Perfect calibration"),
                "x": [0, 1],
                "y": [0, 1],
                "line": {"color": MUTED, "dash": "dot"},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Actual churn"),
                "x": [row[1] for row in calibration_rows],
                "y": [row[2] for row in calibration_rows],
                "text": [
                    f"{show_value(row[1], Kind.SHARE)} → {show_value(row[2], Kind.SHARE)}" for row in calibration_rows
                ],
                "hovertemplate": "%{text}<extra></extra>",
                "line": {"color": COLOURS[0], "width": 3},
            },
        ],
        "layout": layout(x_title=_("Predicted churn"), y_title=_("Actual churn"), share_axis="y")
        | {"xaxis": layout(share_axis="x")["xaxis"] | {"title": {"text": _("Predicted churn")}}},
    }
    drift_rows = [
        [day.day, item.feature, item.psi, band_label(item.band)] for day in drift.days for item in day.features
    ]
    drift_table = Table(
        [
            Column(_("Scoring day"), Kind.DAY),
            Column(_("Feature"), Kind.TEXT),
            Column(_("PSI"), Kind.SCORE),
            Column(_("Band"), Kind.TEXT),
        ],
        drift_rows,
    )
    last = drift.days[-1] if drift.days else None
    band_colours = {"stable": COLOURS[2], "watch": COLOURS[1], "act": COLOURS[3], "": MUTED}
    features = list(reversed(last.features)) if last else []
    drift_figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": _("PSI"),
                "x": [item.psi for item in features],
                "y": [item.feature for item in features],
                "text": [f"{show_value(item.psi, Kind.SCORE)} · {band_label(item.band)}" for item in features],
                "textposition": "none",
                "hovertemplate": "%{y}: %{text}<extra></extra>",
                "marker": {"color": [band_colours.get(item.band, MUTED) for item in features]},
            }
        ],
        "layout": layout(x_title=_("Population stability index"))
        | {
            "height": max(260, 26 * len(features) + 120),
            "shapes": [
                {
                    "type": "line",
                    "x0": edge,
                    "x1": edge,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": colour, "dash": "dash"},
                }
                for edge, colour in ((WATCH_FROM, COLOURS[1]), (ACT_FROM, COLOURS[3]))
            ],
        },
    }
    reference = show_value(drift.reference_day, Kind.DAY) if drift.reference_day else MISSING
    return [
        Chart(
            "quality",
            _("Model quality over the training runs"),
            quality_table,
            quality_figure,
            _(
                "Each run's figures on its out-of-time holdout: what it served, our own model, and the classical "
                "baselines."
            ),
        ),
        Chart(
            "calibration",
            _("Calibration by tenth of predicted risk"),
            calibration_table,
            calibration_figure,
            _("Predicted against actual churn of run %(version)s; on the dotted line the risk means what it says.")
            % {"version": latest.version if latest else MISSING},
        ),
        Chart(
            "drift",
            _("Feature drift"),
            drift_table,
            drift_figure,
            _(
                "Population stability index of each feature between the training snapshot of %(reference)s and each "
                "scoring day, over every customer scored that day (the city, area and segment filters do not apply); "
                "the chart shows the latest day. Below 0.1 stable, 0.1 to 0.2 watch, 0.2 and above act."
            )
            % {"reference": reference},
        ),
    ]
