"""The report's static charts: shapes where the numbers put them, every word outside the SVG."""

from analytics.svg_charts import Bar, Interval, Series, bar_chart, forest_plot, heat, line_chart, stacked_shares


def test_no_chart_writes_text_into_its_svg():
    # given: a label of each kind, in Bengali (WeasyPrint would draw SVG text letter by letter)
    charts = [
        line_chart(
            categories=["জানুয়ারি", "ফেব্রুয়ারি"], series=[Series("ধরে রাখা", [0.5, None])], y_format=str, description="d"
        ),
        forest_plot(rows=[Interval("ছাড়", 0.1, -0.1, 0.3)], value_format=str, description="d"),
        bar_chart(bars=[Bar("ছাড়", 2.0)], value_format=str, description="d"),
        stacked_shares(categories=["মার্চ"], parts=["সেগমেন্ট"], shares=[[1.0]], description="d"),
    ]

    # then
    for chart in charts:
        assert "<text" not in chart.svg
        assert not [char for char in chart.svg if "\u0980" <= char <= "\u09ff"]  # no Bengali letter
        assert all(label.text for label in chart.labels)


def test_a_line_chart_puts_its_points_on_the_scale_and_breaks_at_a_gap():
    # given: 0.5 and 1.0 of a 0–1 scale, then nothing, then 0
    chart = line_chart(
        categories=["a", "b", "c", "d"],
        series=[Series("s", [0.5, 1.0, None, 0.0])],
        y_format=str,
        description="d",
        width=456,
        height=212,
    )

    # then: the plot runs x 56…440 (3 steps of 128), y 172 (0) … 12 (1); one polyline, three points
    assert '<polyline points="56.0,92.0 184.0,12.0"' in chart.svg
    assert chart.svg.count("<polyline") == 1
    assert chart.svg.count("<circle") == 3
    assert [label.text for label in chart.labels if label.kind == "axis"][-4:] == ["a", "b", "c", "d"]


def test_a_forest_plot_centres_no_difference_and_notes_a_row_without_an_estimate():
    # given
    chart = forest_plot(
        rows=[Interval("kept", 0.1, 0.02, 0.18), Interval("new", None, None, None, muted=True, note="not enough")],
        value_format=lambda value: f"{value:+.1f}",
        description="d",
    )

    # then: the axis runs −0.2…+0.2 over x 216…636, so 0 is at 426 and the estimate 0.1 at 531
    assert [label.text for label in chart.labels[:5]] == ["-0.2", "-0.1", "+0.0", "+0.1", "+0.2"]
    assert '<line x1="426.0" y1="8.0" x2="426.0" y2="60.0"' in chart.svg
    assert '<rect x="527.0" y="17.0" width="8.0" height="8.0"' in chart.svg
    assert ("new", "muted") in [(label.text, label.kind) for label in chart.labels]
    assert "not enough" in [label.text for label in chart.labels]


def test_the_heatmap_runs_from_white_to_deep_blue():
    assert heat(None) == ("#ffffff", "#5f6b73")
    assert heat(0.0) == ("#eff4fa", "#1b2630")
    assert heat(1.0) == ("#174a8c", "#ffffff")
