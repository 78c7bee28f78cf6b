"""The report's hand-written SVG charts (orchestration/reports/charts.py), checked against
positions and labels worked out by hand from each chart's layout constants: a bar's length for
its value and scale, the health bar's shares, a sparkline's points, a heat-map cell's shade, the
accessible title of every chart and what an empty chart shows."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from orchestration.reports import charts


def _svg(text: str) -> ET.Element:
    root = ET.fromstring(text)  # well-formed XML, or this fails
    assert root.tag == "svg"
    return root


def _marks(root: ET.Element, tag: str) -> list[ET.Element]:
    return [e for e in root.iter(tag) if e.get("class") == "mark"]


def test_bar_lengths_follow_the_value_and_the_scale():
    # width 640, labels 150 wide; values printed "10" and "20" (2 characters): the right margin
    # is 12 + 6.6 * 2 = 25.2, so the plot is 640 - 150 - 25.2 = 464.8 wide for 0..20
    root = _svg(
        charts.bar_chart("b", "Two bars", [charts.Bar("a", 10), charts.Bar("b", 20)], width=640)
    )
    a, b = _marks(root, "rect")
    assert (a.get("x"), a.get("width"), a.get("y"), a.get("height")) == ("150", "232.4", "10", "22")
    assert (b.get("x"), b.get("width"), b.get("y")) == ("150", "464.8", "40")  # 10 + 22 + 8
    # height: 10 above, 26 below, 22 + 8 per bar
    assert root.get("height") == "96" and root.get("viewBox") == "0 0 640 96"
    assert a.find("title").text == "a: 10"
    texts = [t.text for t in root.iter("text")]
    assert texts == ["a", "10", "b", "20"]


def test_a_negative_bar_grows_left_of_zero():
    # -10..10 over 640 - 150 - (12 + 6.6 * 3) = 458.2: zero at 150 + 229.1
    root = _svg(charts.bar_chart("b", "t", [charts.Bar("n", -10), charts.Bar("p", 10)]))
    n, p = _marks(root, "rect")
    assert (n.get("x"), n.get("width")) == ("150", "229.1")
    assert (p.get("x"), p.get("width")) == ("379.1", "229.1")


def test_a_bar_without_a_value_says_so_and_draws_nothing():
    root = _svg(charts.bar_chart("b", "t", [charts.Bar("x", 5), charts.Bar("y", None)]))
    assert len(_marks(root, "rect")) == 1
    assert "n/a" in [t.text for t in root.iter("text")]


def test_stacked_bar_shares_and_where_the_labels_go():
    segments = [
        charts.Segment("healthy", 98, charts.GREEN, "●"),
        charts.Segment("at risk", 1, charts.YELLOW, "▲"),
        charts.Segment("unhealthy", 1, charts.VERMILLION, "■"),
        charts.Segment("nobody", 0, charts.GREY),  # no segment for zero
    ]
    root = _svg(charts.stacked_bar("h", "Health", segments, width=640))
    rects = _marks(root, "rect")
    # 98 / 100 of 640 = 627.2; 1 / 100 = 6.4 each
    assert [(r.get("x"), r.get("width")) for r in rects] == [
        ("0", "627.2"),
        ("627.2", "6.4"),
        ("633.6", "6.4"),
    ]
    assert [r.find("title").text for r in rects] == [
        "● healthy 98 (98%)",
        "▲ at risk 1 (1%)",
        "■ unhealthy 1 (1%)",
    ]
    texts = {t.text: t for t in root.iter("text")}
    # the wide segment's label inside (centred at 313.6, black on the green), the narrow ones
    # below the bar (y = 8 + 30 + 16) from their left edge + 2
    inside = texts["● healthy 98 (98%)"]
    assert (inside.get("x"), inside.get("y"), inside.get("fill")) == ("313.6", "28", "#000000")
    below = texts["▲ at risk 1 (1%)"]
    assert (below.get("x"), below.get("y")) == ("629.2", "54")


def test_sparkline_points_on_its_own_scale():
    # 40 and 60: span 20 (= min_span), padded 10% -> 39..61 over 28 - 2 * 3 = 22 pixels
    root = _svg(charts.sparkline([40, 60], width=120, height=28, title="C1: score"))
    (line,) = _marks(root, "polyline")
    assert line.get("points") == "3,24 117,4"
    (last,) = _marks(root, "circle")
    assert (last.get("cx"), last.get("cy")) == ("117", "4")
    (reference,) = root.iter("line")  # 50 is in range: the dashed line at 3 + 11
    assert reference.get("y1") == "14"
    assert root.find("title").text == "C1: score"


def test_sparkline_without_history():
    root = _svg(charts.sparkline([None, None], title="C2"))
    assert _marks(root, "polyline") == [] and _marks(root, "circle") == []
    assert [t.text for t in root.iter("text")] == ["no history"]


def test_heatmap_cells_are_shaded_and_print_their_value():
    root = _svg(
        charts.heatmap("m", "Retention", ["2026-01"], ["0", "1"], [[100, 50]], v_min=0, v_max=100)
    )
    first, second = _marks(root, "rect")
    # 78 for the row labels, 40 per column, 38 for the headers
    assert (second.get("x"), second.get("y"), second.get("width")) == ("118", "38", "39")
    assert first.get("fill") == "#08306b"  # the darkest blue at the top of the scale
    # half way: (0xf2 + 0x08) / 2 = 0x7d, round(0xf7 - 99.5) = 0x94, (0xfb + 0x6b) / 2 = 0xb3
    assert second.get("fill") == "#7d94b3"
    assert second.find("title").text == "2026-01,  1: 50.0"
    assert root.get("width") == "166" and root.get("height") == "66"
    assert "50" in [t.text for t in root.iter("text")]


def test_line_chart_points_carry_their_value_and_low_sample_in_words():
    series = charts.Series("CSAT", [80, None, 90], hollow=[False, False, True])
    root = _svg(charts.line_chart("l", "CSAT by month", ["01", "02", "03"], [series], unit="%"))
    points = _marks(root, "circle")
    assert [p.find("title").text for p in points] == ["CSAT 01: 80%", "CSAT 03: 90% (low sample)"]
    assert points[1].get("fill") == "#ffffff"  # hollow
    assert _marks(root, "polyline") == []  # the gap leaves no two neighbouring points


@pytest.mark.parametrize(
    "svg",
    [
        charts.line_chart("l", "Nothing <yet>", [], []),
        charts.bar_chart("b", "Nothing <yet>", []),
        charts.stacked_bar("s", "Nothing <yet>", [charts.Segment("x", 0, charts.BLUE)]),
        charts.heatmap("h", "Nothing <yet>", [], [], []),
    ],
    ids=["line", "bar", "stacked", "heatmap"],
)
def test_an_empty_chart_is_a_titled_image_saying_no_data(svg):
    root = _svg(svg)
    assert root.get("role") == "img" and root.get("class") == "chart"
    assert root.find("title").text == "Nothing <yet>"  # escaped in the markup, text again here
    assert "&lt;yet&gt;" in svg
    assert [t.text for t in root.iter("text")] == ["no data"]
    assert _marks(root, "rect") == [] and _marks(root, "circle") == []


def test_labels_are_escaped():
    svg = charts.bar_chart("b", "t", [charts.Bar('<img src=x onerror="1">', 3)])
    assert "<img" not in svg and "&lt;img src=x onerror=&quot;1&quot;&gt;" in svg


def test_nice_ticks_and_text_colour():
    assert charts.nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(0, 7) == [0, 2, 4, 6, 8]
    assert charts.text_colour_on("#ffffff") == "#000000"
    assert charts.text_colour_on("#000000") == "#ffffff"
    # the yellow (0.2126 * 0.94 + 0.7152 * 0.894 + 0.0722 * 0.259 = 0.86): black text
    assert charts.text_colour_on(charts.YELLOW) == "#000000"
