"""Small hand-written SVG charts for the Pulse report: no JavaScript, no external files.

Every chart is one `<svg class="chart" data-chart="<name>" role="img">` with a `<title>` (what a
screen reader announces) and its data marks (bars, points, lines, cells) carrying the class
`mark`, so a test can count them. Colour is never the only carrier: every mark that a colour
distinguishes also has a text label, a symbol or a legend entry with a different marker shape.

Palette: Okabe & Ito (2008), distinguishable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

# Okabe-Ito colours.
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#6B6B6B"
SERIES_COLOURS = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, GREY)

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(x: float) -> str:
    """A coordinate, short."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "0"


def is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


def text_colour_on(fill: str) -> str:
    """Black or white text, whichever reads better on `fill` (#rrggbb)."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if lum > 0.45 else "#ffffff"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt_tick(v: float) -> str:
    if abs(v) >= 10000:
        return f"{v / 1000:,.0f}k"
    if v == int(v):
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _open(name: str, title: str, width: int, height: int) -> list[str]:
    return [
        f'<svg class="chart" data-chart="{_e(name)}" role="img"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' style="{FONT};max-width:100%;height:auto">',
        f"<title>{_e(title)}</title>",
    ]


def _empty(name: str, title: str, width: int, height: int, note: str = "no data") -> str:
    parts = _open(name, title, width, height)
    parts.append(
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13"'
        f' fill="{GREY}">{_e(note)}</text></svg>'
    )
    return "".join(parts)


def marker(shape: str, x: float, y: float, size: float, colour: str, hollow: bool = False) -> str:
    """A point marker: circle, triangle, square or diamond (shape carries the series, not only
    the colour); hollow = white fill (used for low-sample points)."""
    fill = "#ffffff" if hollow else colour
    common = f'class="mark" fill="{fill}" stroke="{colour}" stroke-width="1.6"'
    s = size
    if shape == "triangle":
        pts = f"{_n(x)},{_n(y - s)} {_n(x - s)},{_n(y + s * 0.8)} {_n(x + s)},{_n(y + s * 0.8)}"
        return f'<polygon {common} points="{pts}"/>'
    if shape == "square":
        return (
            f'<rect {common} x="{_n(x - s * 0.8)}" y="{_n(y - s * 0.8)}"'
            f' width="{_n(s * 1.6)}" height="{_n(s * 1.6)}"/>'
        )
    if shape == "diamond":
        pts = f"{_n(x)},{_n(y - s)} {_n(x + s)},{_n(y)} {_n(x)},{_n(y + s)} {_n(x - s)},{_n(y)}"
        return f'<polygon {common} points="{pts}"/>'
    return f'<circle {common} cx="{_n(x)}" cy="{_n(y)}" r="{_n(s * 0.85)}"/>'


SHAPES = ("circle", "triangle", "square", "diamond")


@dataclass
class Series:
    """One line of a line chart. `values` align with the chart's x labels (None = a gap).
    `low` / `high`: an interval drawn as a band and whiskers. `hollow`: points drawn hollow
    (e.g. low sample)."""

    name: str
    values: Sequence[float | None]
    colour: str = BLUE
    shape: str = "circle"
    low: Sequence[float | None] | None = None
    high: Sequence[float | None] | None = None
    hollow: Sequence[bool] | None = None
    dashed: bool = False


@dataclass
class RefLine:
    value: float
    label: str
    colour: str = GREY


@dataclass
class _Frame:
    width: int
    height: int
    left: int = 52
    right: int = 16
    top: int = 28
    bottom: int = 46
    lo: float = 0.0
    hi: float = 1.0
    ticks: list[float] = field(default_factory=list)

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def y(self, v: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return self.top + self.plot_h * (1 - (v - self.lo) / span)


def _y_axis(frame: _Frame, unit: str) -> list[str]:
    out = []
    for t in frame.ticks:
        y = frame.y(t)
        out.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{_n(y)}" y2="{_n(y)}"'
            ' stroke="#e3e3e3" stroke-width="1"/>'
            f'<text x="{frame.left - 6}" y="{_n(y + 4)}" text-anchor="end" font-size="11"'
            f' fill="#333">{_e(_fmt_tick(t))}{_e(unit)}</text>'
        )
    return out


def _legend(items: Sequence[tuple[str, str, str, bool]], x: float, y: float) -> list[str]:
    """items: (label, colour, shape, hollow). Laid out in one row from (x, y)."""
    out = []
    cx = x
    for label, colour, shape, hollow in items:
        out.append(marker(shape, cx + 5, y - 4, 4.5, colour, hollow).replace('class="mark" ', ""))
        out.append(
            f'<text x="{_n(cx + 14)}" y="{_n(y)}" font-size="11" fill="#222">{_e(label)}</text>'
        )
        cx += 24 + 6.2 * len(label)
    return out


def line_chart(
    name: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 260,
    unit: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    ref_lines: Sequence[RefLine] = (),
    legend_extra: Sequence[tuple[str, str, str, bool]] = (),
) -> str:
    """Lines with markers over categorical x positions (months); optional interval bands."""
    values = [
        v
        for s in series
        for seq in (s.values, s.low or (), s.high or ())
        for v in seq
        if is_number(v)
    ]
    if not x_labels or not any(is_number(v) for s in series for v in s.values):
        return _empty(name, title, width, height)
    values += [r.value for r in ref_lines]
    lo = min(values) if y_min is None else y_min
    hi = max(values) if y_max is None else y_max
    if y_min is None and y_max is None and hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    ticks = nice_ticks(lo, hi)
    frame = _Frame(width, height, lo=min(ticks[0], lo), hi=max(ticks[-1], hi), ticks=ticks)
    if y_min is not None:
        frame.lo = y_min
    if y_max is not None:
        frame.hi = y_max
    frame.ticks = [t for t in ticks if frame.lo - 1e-9 <= t <= frame.hi + 1e-9]
    n = len(x_labels)
    step = frame.plot_w / max(n, 1)

    def x(i: int) -> float:
        return frame.left + step * (i + 0.5)

    parts = _open(name, title, width, height)
    parts += _y_axis(frame, unit)
    widest = max(len(label) for label in x_labels) * 6.4 + 8
    every = max(1, math.ceil(widest / step))
    for i, label in enumerate(x_labels):
        if (n - 1 - i) % every == 0:  # the last month always labelled
            parts.append(
                f'<text x="{_n(x(i))}" y="{height - frame.bottom + 16}" text-anchor="middle"'
                f' font-size="10.5" fill="#333">{_e(label)}</text>'
            )
    for ref in ref_lines:
        y = frame.y(ref.value)
        parts.append(
            f'<line x1="{frame.left}" x2="{width - frame.right}" y1="{_n(y)}" y2="{_n(y)}"'
            f' stroke="{ref.colour}" stroke-width="1.2" stroke-dasharray="5 4"/>'
            f'<text x="{frame.left + 4}" y="{_n(y - 4)}" font-size="10.5"'
            f' fill="{ref.colour}">{_e(ref.label)}</text>'
        )
    for s in series:
        if s.low is not None and s.high is not None:
            # band: polygons over each run of consecutive months with both bounds
            run: list[int] = []
            runs: list[list[int]] = []
            for i in range(n):
                if is_number(s.low[i]) and is_number(s.high[i]):
                    run.append(i)
                else:
                    if run:
                        runs.append(run)
                    run = []
            if run:
                runs.append(run)
            for r in runs:
                upper = [f"{_n(x(i))},{_n(frame.y(s.high[i]))}" for i in r]
                lower = [f"{_n(x(i))},{_n(frame.y(s.low[i]))}" for i in reversed(r)]
                parts.append(
                    f'<polygon points="{" ".join(upper + lower)}" fill="{s.colour}"'
                    ' fill-opacity="0.14" stroke="none"/>'
                )
            for i in range(n):
                if is_number(s.low[i]) and is_number(s.high[i]):
                    parts.append(
                        f'<line x1="{_n(x(i))}" x2="{_n(x(i))}" y1="{_n(frame.y(s.low[i]))}"'
                        f' y2="{_n(frame.y(s.high[i]))}" stroke="{s.colour}"'
                        ' stroke-opacity="0.55" stroke-width="1"/>'
                    )
        # the line, broken at gaps
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(s.values):
            if is_number(v):
                segment.append(f"{_n(x(i))},{_n(frame.y(v))}")
            elif segment:
                segments.append(segment)
                segment = []
        if segment:
            segments.append(segment)
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        for seg in segments:
            if len(seg) > 1:
                parts.append(
                    f'<polyline class="mark" points="{" ".join(seg)}" fill="none"'
                    f' stroke="{s.colour}" stroke-width="2"{dash}/>'
                )
        for i, v in enumerate(s.values):
            if is_number(v):
                hollow = bool(s.hollow[i]) if s.hollow is not None else False
                parts.append(
                    marker(s.shape, x(i), frame.y(v), 4.2, s.colour, hollow)[:-2]
                    + f"><title>{_e(s.name)} {_e(x_labels[i])}: {_e(_fmt_tick(round(v, 1)))}"
                    f"{_e(unit)}{' (low sample)' if hollow else ''}</title>" + _close_tag(s.shape)
                )
    items = [(s.name, s.colour, s.shape, False) for s in series] + list(legend_extra)
    parts += _legend(items, frame.left, height - 10)
    parts.append("</svg>")
    return "".join(parts)


def _close_tag(shape: str) -> str:
    return {"triangle": "</polygon>", "diamond": "</polygon>", "square": "</rect>"}.get(
        shape, "</circle>"
    )


@dataclass
class Bar:
    label: str
    value: float | None
    colour: str = BLUE
    text: str | None = None  # the value as printed beside the bar (default: the number)
    symbol: str = ""  # printed before the label (e.g. a health symbol)


def bar_chart(
    name: str,
    title: str,
    bars: Sequence[Bar],
    *,
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 150,
    unit: str = "",
    ref_line: RefLine | None = None,
    value_format: Callable[[float], str] | None = None,
) -> str:
    """Horizontal bars with the label on the left and the value printed at the bar's end."""
    gap = 8
    top, bottom = 10, 26
    height = top + bottom + len(bars) * (bar_height + gap)
    numbers = [b.value for b in bars if is_number(b.value)]
    if not numbers:
        return _empty(name, title, width, max(height, 60))
    lo = min(0.0, min(numbers))
    hi = max(numbers + ([ref_line.value] if ref_line else []))
    hi = hi if hi > lo else lo + 1
    fmt = value_format or (lambda v: f"{_fmt_tick(round(v, 1))}{unit}")
    texts = [b.text or (fmt(b.value) if is_number(b.value) else "n/a") for b in bars]
    left = label_width
    right = 12 + 6.6 * max(len(t) for t in texts)
    plot_w = max(width - left - right, 60)

    def xv(v: float) -> float:
        return left + plot_w * (v - lo) / (hi - lo)

    parts = _open(name, title, width, height)
    zero = xv(0)
    parts.append(
        f'<line x1="{_n(zero)}" x2="{_n(zero)}" y1="{top - 4}" y2="{height - bottom + 4}"'
        ' stroke="#999" stroke-width="1"/>'
    )
    for i, b in enumerate(bars):
        y = top + i * (bar_height + gap)
        label = f"{b.symbol} {b.label}".strip()
        parts.append(
            f'<text x="{left - 8}" y="{_n(y + bar_height * 0.68)}" text-anchor="end"'
            f' font-size="12" fill="#222">{_e(label)}</text>'
        )
        if is_number(b.value):
            x0, x1 = sorted((zero, xv(b.value)))
            parts.append(
                f'<rect class="mark" x="{_n(x0)}" y="{y}" width="{_n(max(x1 - x0, 1.5))}"'
                f' height="{bar_height}" fill="{b.colour}" stroke="#333" stroke-width="0.5">'
                f"<title>{_e(label)}: {_e(b.text or fmt(b.value))}</title></rect>"
            )
            parts.append(
                f'<text x="{_n(x1 + 6)}" y="{_n(y + bar_height * 0.68)}" font-size="12"'
                f' fill="#222">{_e(b.text or fmt(b.value))}</text>'
            )
        else:
            parts.append(
                f'<text x="{_n(zero + 6)}" y="{_n(y + bar_height * 0.68)}" font-size="12"'
                f' fill="{GREY}">{_e(b.text or "n/a")}</text>'
            )
    if ref_line is not None:
        xr = xv(ref_line.value)
        parts.append(
            f'<line x1="{_n(xr)}" x2="{_n(xr)}" y1="{top - 6}" y2="{height - bottom + 6}"'
            f' stroke="{ref_line.colour}" stroke-width="1.5" stroke-dasharray="5 4"/>'
            f'<text x="{_n(xr)}" y="{height - 6}" text-anchor="middle" font-size="11"'
            f' fill="{ref_line.colour}">{_e(ref_line.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class Segment:
    label: str
    value: float
    colour: str
    symbol: str = ""


def stacked_bar(
    name: str, title: str, segments: Sequence[Segment], *, width: int = 640, height: int = 64
) -> str:
    """One horizontal 100% bar split into segments, each labelled with symbol, name and count
    (inside when it fits, above otherwise)."""
    total = sum(s.value for s in segments if is_number(s.value) and s.value > 0)
    if total <= 0:
        return _empty(name, title, width, height)
    parts = _open(name, title, width, height)
    x = 0.0
    bar_y, bar_h = 8, 30
    for s in segments:
        if not (is_number(s.value) and s.value > 0):
            continue
        w = width * s.value / total
        label = f"{s.symbol} {s.label} {int(s.value):,} ({100 * s.value / total:.0f}%)".strip()
        parts.append(
            f'<rect class="mark" x="{_n(x)}" y="{bar_y}" width="{_n(w)}" height="{bar_h}"'
            f' fill="{s.colour}" stroke="#ffffff" stroke-width="1.5">'
            f"<title>{_e(label)}</title></rect>"
        )
        if w > 7.0 * len(label):
            parts.append(
                f'<text x="{_n(x + w / 2)}" y="{bar_y + 20}" text-anchor="middle" font-size="12.5"'
                f' font-weight="600" fill="{text_colour_on(s.colour)}">{_e(label)}</text>'
            )
        else:
            parts.append(
                f'<text x="{_n(x + 2)}" y="{bar_y + bar_h + 16}" font-size="11"'
                f' fill="#222">{_e(label)}</text>'
            )
        x += w
    parts.append("</svg>")
    return "".join(parts)


def sparkline(
    values: Sequence[float | None],
    *,
    width: int = 120,
    height: int = 28,
    min_span: float = 20,
    reference: float | None = 50,
    colour: str = BLUE,
    title: str = "",
) -> str:
    """A tiny line (e.g. a health score over 90 days) with its last point marked. The scale
    is the values' own range, at least `min_span` wide (a small wobble stays small); a dashed
    line marks `reference` when it is in range."""
    pts = [(i, v) for i, v in enumerate(values) if is_number(v)]
    if pts:
        lo_v = min(v for _, v in pts)
        hi_v = max(v for _, v in pts)
        mid_v = (lo_v + hi_v) / 2
        half = max(hi_v - lo_v, min_span) / 2 * 1.1
        y_min, y_max = mid_v - half, mid_v + half
    parts = [
        f'<svg class="chart sparkline" data-chart="sparkline" role="img"'
        f' viewBox="0 0 {width} {height}" width="{width}"'
        f' height="{height}"><title>{_e(title)}</title>'
    ]
    if not pts:
        parts.append(
            f'<text x="2" y="{height / 2 + 4}" font-size="10" fill="{GREY}">no history</text></svg>'
        )
        return "".join(parts)
    n = max(len(values) - 1, 1)
    pad = 3

    def xy(i: int, v: float) -> tuple[float, float]:
        return (
            pad + (width - 2 * pad) * i / n,
            pad + (height - 2 * pad) * (1 - (v - y_min) / ((y_max - y_min) or 1)),
        )

    if reference is not None and y_min <= reference <= y_max:
        mid = xy(0, reference)[1]
        parts.append(
            f'<line x1="{pad}" x2="{width - pad}" y1="{_n(mid)}" y2="{_n(mid)}" stroke="#c0c0c0"'
            ' stroke-width="1" stroke-dasharray="2 2"/>'
        )
    coords = " ".join(f"{_n(a)},{_n(b)}" for a, b in (xy(i, v) for i, v in pts))
    if len(pts) > 1:
        parts.append(
            f'<polyline class="mark" points="{coords}" fill="none" stroke="{colour}"'
            ' stroke-width="1.5"/>'
        )
    lx, ly = xy(*pts[-1])
    parts.append(f'<circle class="mark" cx="{_n(lx)}" cy="{_n(ly)}" r="2.4" fill="{colour}"/>')
    parts.append("</svg>")
    return "".join(parts)


def sequential_colour(share: float) -> str:
    """Light to dark blue for 0..1 (single hue: readable in any colour vision; the cell also
    prints its value)."""
    share = min(max(share, 0.0), 1.0)
    lo = (0xF2, 0xF7, 0xFB)
    hi = (0x08, 0x30, 0x6B)
    r, g, b = (round(a + (z - a) * share) for a, z in zip(lo, hi, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(
    name: str,
    title: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    cell_w: int = 40,
    cell_h: int = 20,
    v_min: float = 0,
    v_max: float = 100,
    row_header: str = "",
    col_header: str = "",
) -> str:
    """A grid of cells shaded by value, each printing its value (rounded)."""
    left, top = 78, 38
    width = left + cell_w * len(col_labels) + 8
    height = top + cell_h * len(row_labels) + 8
    if not row_labels or not col_labels:
        return _empty(name, title, 640, 80)
    parts = _open(name, title, width, height)
    parts.append(
        f'<text x="{left}" y="12" font-size="11" fill="#333">{_e(col_header)}</text>'
        f'<text x="4" y="{top - 6}" font-size="11" fill="#333">{_e(row_header)}</text>'
    )
    for j, c in enumerate(col_labels):
        parts.append(
            f'<text x="{_n(left + cell_w * (j + 0.5))}" y="{top - 6}" text-anchor="middle"'
            f' font-size="10.5" fill="#333">{_e(c)}</text>'
        )
    for i, r in enumerate(row_labels):
        y = top + cell_h * i
        parts.append(
            f'<text x="{left - 6}" y="{_n(y + cell_h * 0.7)}" text-anchor="end" font-size="10.5"'
            f' fill="#333">{_e(r)}</text>'
        )
        for j, _ in enumerate(col_labels):
            v = values[i][j] if j < len(values[i]) else None
            if not is_number(v):
                continue
            fill = sequential_colour((v - v_min) / ((v_max - v_min) or 1))
            x = left + cell_w * j
            parts.append(
                f'<rect class="mark" x="{x}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}"'
                f' fill="{fill}"><title>{_e(r)}, {_e(col_header)} {_e(col_labels[j])}:'
                f" {v:.1f}</title></rect>"
                f'<text x="{_n(x + cell_w / 2)}" y="{_n(y + cell_h * 0.7)}" text-anchor="middle"'
                f' font-size="10" fill="{text_colour_on(fill)}">{v:.0f}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
