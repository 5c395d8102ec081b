"""Static charts for the PDF report: the shapes as SVG, the words and numbers as HTML text placed over them.

WeasyPrint draws an SVG `<text>` one character at a time, which breaks Bengali's joined letters and vowel signs
apart; HTML text goes through Pango's shaping. So a chart is an SVG of lines, bars and points, and a list of labels
the template positions over it (`templates/analyst/_report_chart.html`). Sizes are CSS pixels (1/96 inch).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

LABEL_HEIGHT = 14  # a label's line box: its text is centred on the y it is given
PALETTE = ("#1f5fa8", "#d9822b", "#3a8f5b", "#b8403a", "#7a5aa6", "#7f6a48", "#c25d9b", "#5f6b73")
AXIS, GRID, MUTED = "#5f6b73", "#d8dde2", "#9aa4ab"


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    align: str = "middle"  # where the text sits on x: "start" (right of it), "middle" or "end" (left of it)
    width: float = 90
    kind: str = ""  # a CSS modifier: "axis", "legend", "value", "muted"

    @property
    def left(self) -> float:
        return {"start": self.x, "end": self.x - self.width}.get(self.align, self.x - self.width / 2)

    @property
    def top(self) -> float:
        return self.y - LABEL_HEIGHT / 2

    @property
    def text_align(self) -> str:
        return {"start": "left", "end": "right"}.get(self.align, "center")


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    svg: str  # shapes only, built here from numbers and fixed colours: no text from outside goes into it
    labels: list[Label]
    description: str  # what the chart shows, for a reader who cannot see it


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    dashed: bool = False


@dataclass(frozen=True)
class Interval:
    name: str
    estimate: float | None
    low: float | None
    high: float | None
    muted: bool = False  # too few to say anything: drawn grey
    note: str = ""  # shown instead of a marker when there is no estimate


@dataclass(frozen=True)
class Bar:
    name: str
    value: float | None


Format = Callable[[float], str]


def _svg(width: int, height: int, shapes: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-hidden="true">{"".join(shapes)}</svg>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke={quoteattr(colour)} '
        f'stroke-width="{width}"{dash}/>'
    )


def _rect(x: float, y: float, width: float, height: float, colour: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0):.1f}" height="{height:.1f}" fill={quoteattr(colour)}/>'


def _legend(
    names: Sequence[str], *, y: float, left: float, step: float, first: int = 0
) -> tuple[list[str], list[Label]]:
    """A row of colour swatches with their names; `first` is the colour of the first name."""
    shapes, labels = [], []
    for index, name in enumerate(names):
        x = left + index * step
        shapes.append(_rect(x, y - 5, 10, 10, PALETTE[(first + index) % len(PALETTE)]))
        labels.append(Label(name, x + 14, y, align="start", width=step - 18, kind="legend"))
    return shapes, labels


def _ticks(count: int, most: int) -> list[int]:
    """At most `most` evenly spread indexes of `count` categories, the last one always among them."""
    if count <= most:
        return list(range(count))
    step = -(-(count - 1) // (most - 1))
    ticks = list(range(0, count, step))
    if ticks[-1] != count - 1:
        ticks[-1] = count - 1
    return ticks


def line_chart(
    *,
    categories: Sequence[str],
    series: Sequence[Series],
    y_format: Format,
    description: str,
    y_max: float = 1.0,
    width: int = 660,
    height: int = 230,
) -> Chart:
    """Lines over categories (months, months since signup), from 0 to y_max; a None breaks a line."""
    left, right, top = 56, 16, 12
    bottom = height - (62 if len(series) > 1 else 40)
    x_step = (width - left - right) / max(len(categories) - 1, 1)

    def x_of(index: int) -> float:
        return left + index * x_step if len(categories) > 1 else (left + width - right) / 2

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * min(max(value / y_max, 0.0), 1.0)

    shapes, labels = [], []
    for step in range(5):
        value = y_max * step / 4
        shapes.append(_line(left, y_of(value), width - right, y_of(value), GRID))
        labels.append(Label(y_format(value), left - 6, y_of(value), align="end", width=50, kind="axis"))
    shapes.append(_line(left, bottom, width - right, bottom, AXIS))
    ticks = _ticks(len(categories), 7)
    for index in ticks:
        # the first and last labels grow inwards, so they stay within the chart
        align = "start" if index == 0 and len(ticks) > 1 else "end" if index == ticks[-1] and index else "middle"
        shapes.append(_line(x_of(index), bottom, x_of(index), bottom + 4, AXIS))
        labels.append(Label(categories[index], x_of(index), bottom + 13, align=align, width=96, kind="axis"))
    for number, line in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = [(x_of(index), y_of(value)) for index, value in enumerate(line.values) if value is not None]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, point in enumerate(line.values):
            if point is None:
                runs.append([])
            else:
                runs[-1].append((x_of(index), y_of(point)))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                dash = ' stroke-dasharray="6 4"' if line.dashed else ""
                shapes.append(
                    f'<polyline points="{path}" fill="none" stroke={quoteattr(colour)} stroke-width="2"{dash}/>'
                )
        shapes.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill={quoteattr(colour)}/>' for x, y in points)
    if len(series) > 1:
        legend, names = _legend([line.name for line in series], y=height - 14, left=left, step=200)
        shapes += legend
        labels += names
    return Chart(width, height, _svg(width, height, shapes), labels, description)


def _extent(values: Sequence[float]) -> float:
    """A round bound the values fit within, on both sides of zero."""
    largest = max([abs(value) for value in values] + [0.05])
    for bound in (0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 50.0, 100.0):
        if largest <= bound:
            return bound
    return largest


def forest_plot(*, rows: Sequence[Interval], value_format: Format, description: str, width: int = 660) -> Chart:
    """Each row's estimate with its interval, around a line at no difference."""
    names, left, right, top, row_height = 200, 216, 24, 8, 26
    bottom = top + row_height * len(rows)
    height = bottom + 30
    extent = _extent([value for row in rows for value in (row.low, row.high, row.estimate) if value is not None])

    def x_of(value: float) -> float:
        return left + (width - left - right) * (value + extent) / (2 * extent)

    shapes, labels = [], []
    for step in (-1.0, -0.5, 0.0, 0.5, 1.0):
        value = extent * step
        shapes.append(_line(x_of(value), top, x_of(value), bottom, AXIS if step == 0 else GRID, 1.2 if not step else 1))
        labels.append(Label(value_format(value), x_of(value), bottom + 12, width=70, kind="axis"))
    for index, row in enumerate(rows):
        y = top + row_height * (index + 0.5)
        colour = MUTED if row.muted else PALETTE[0]
        labels.append(Label(row.name, names, y, align="end", width=names - 4, kind="muted" if row.muted else ""))
        if row.low is not None and row.high is not None:
            shapes.append(_line(x_of(row.low), y, x_of(row.high), y, colour, 2))
            shapes.extend(_line(x_of(end), y - 5, x_of(end), y + 5, colour, 2) for end in (row.low, row.high))
        if row.estimate is not None:
            shapes.append(_rect(x_of(row.estimate) - 4, y - 4, 8, 8, colour))
        elif row.note:
            labels.append(Label(row.note, x_of(0) + 8, y, align="start", width=200, kind="muted"))
    return Chart(width, height, _svg(width, height, shapes), labels, description)


def bar_chart(*, bars: Sequence[Bar], value_format: Format, description: str, width: int = 660) -> Chart:
    """Horizontal bars from zero, negative ones to the left, each with its value written beside it."""
    names, left, right, top, row_height = 200, 216, 80, 6, 24
    bottom = top + row_height * len(bars)
    height = bottom + 8
    known = [bar.value for bar in bars if bar.value is not None]
    low, high = min(known + [0.0]), max(known + [0.0])
    span = (high - low) or 1.0

    def x_of(value: float) -> float:
        return left + (width - left - right) * (value - low) / span

    shapes, labels = [_line(x_of(0), top, x_of(0), bottom, AXIS)], []
    for index, bar in enumerate(bars):
        y = top + row_height * (index + 0.5)
        labels.append(Label(bar.name, names, y, align="end", width=names - 4))
        if bar.value is None:
            continue
        start, end = sorted((x_of(0), x_of(bar.value)))
        shapes.append(_rect(start, y - 8, end - start, 16, PALETTE[0] if bar.value >= 0 else PALETTE[3]))
        labels.append(Label(value_format(bar.value), end + 4, y, align="start", width=76, kind="value"))
    return Chart(width, height, _svg(width, height, shapes), labels, description)


def stacked_shares(
    *, categories: Sequence[str], parts: Sequence[str], shares: Sequence[Sequence[float]], description: str
) -> Chart:
    """One horizontal bar per category split into the parts' shares of it (each row sums to 1 or is empty)."""
    width, names, left, right, top, row_height = 660, 110, 120, 12, 4, 20
    bottom = top + row_height * len(categories)
    legend_rows = -(-len(parts) // 4)
    height = bottom + 12 + 20 * legend_rows
    shapes, labels = [], []
    for index, (category, row) in enumerate(zip(categories, shares, strict=True)):
        y = top + row_height * (index + 0.5)
        labels.append(Label(category, names, y, align="end", width=names - 4, kind="axis"))
        x = float(left)
        for number, share in enumerate(row):
            span = (width - left - right) * share
            shapes.append(_rect(x, y - 7, span, 14, PALETTE[number % len(PALETTE)]))
            x += span
    for start in range(0, len(parts), 4):
        legend, legend_labels = _legend(
            parts[start : start + 4], y=bottom + 18 + 20 * (start // 4), left=left, step=132, first=start
        )
        shapes += legend
        labels += legend_labels
    return Chart(width, height, _svg(width, height, shapes), labels, description)


def heat(share: float | None) -> tuple[str, str]:
    """A cohort heatmap cell's background and text colour: white for nothing, deep blue for everyone retained."""
    if share is None:
        return "#ffffff", "#5f6b73"
    share = min(max(share, 0.0), 1.0)
    light, dark = (239, 244, 250), (23, 74, 140)
    red, green, blue = (round(a + (b - a) * share) for a, b in zip(light, dark, strict=True))
    return f"#{red:02x}{green:02x}{blue:02x}", "#ffffff" if share >= 0.45 else "#1b2630"
