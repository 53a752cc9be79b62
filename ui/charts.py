"""Server-side SVG charts for the dashboard: no JavaScript, no chart library, CSP-safe (colours
are presentation attributes and classes, never inline style).

Accessible: each chart is role="img" labelled by its <title> and <desc>; every bar and point
carries its own <title> (label and value) and data-label/data-value attributes, and the page
puts the same numbers in a table beside the chart with a CSV link. Geometry is computed with
Decimal like everything else here (values are decimal strings), rounded to 0.1 px.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup, escape

WIDTH = 560
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 56, 28, 24, 44
BAR_FILL = "#2f6fad"
LINE_STROKE = "#2f6fad"
GRID = "#d0d7de"
TEXT = "#3d4450"


def _px(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _num(value: str | Decimal | int | None) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _scale(values: Sequence[Decimal | None]) -> tuple[Decimal, Decimal]:
    """(low, high) of the y axis: always includes 0, never a zero span."""
    present = [v for v in values if v is not None]
    low = min([Decimal(0), *present])
    high = max([Decimal(0), *present])
    if high == low:
        high = low + 1
    return low, high


def _y(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    plot = Decimal(HEIGHT - TOP - BOTTOM)
    return Decimal(TOP) + plot - (value - low) / (high - low) * plot


def _open(chart_id: str, title: str, desc: str, kind: str) -> list[str]:
    t, d = f"{chart_id}-title", f"{chart_id}-desc"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{t} {d}" data-chart="{kind}">'
    )
    return [
        svg,
        f'<title id="{t}">{escape(title)}</title>',
        f'<desc id="{d}">{escape(desc)}</desc>',
    ]


def _axis(low: Decimal, high: Decimal, unit: str) -> list[str]:
    out = []
    for value in (low, (low + high) / 2, high) if low < 0 else (Decimal(0), high / 2, high):
        y = _px(_y(value, low, high))
        label = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="11" fill="{TEXT}">'
            f"{escape(f'{label:f}')}{escape(unit)}</text>"
        )
    return out


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[tuple[str, str | Decimal | None]],
    unit: str = "",
) -> Markup:
    """Vertical bars (label, value); a None value draws no bar but keeps its label."""
    values = [_num(v) for _, v in bars]
    low, high = _scale(values)
    parts = _open(chart_id, title, desc, "bar") + _axis(low, high, "")
    n = max(len(bars), 1)
    slot = Decimal(WIDTH - LEFT - RIGHT) / n
    width = slot * Decimal("0.6")
    zero = _y(Decimal(0), low, high)
    for i, ((label, raw), value) in enumerate(zip(bars, values, strict=True)):
        x = Decimal(LEFT) + slot * i + (slot - width) / 2
        centre = _px(x + width / 2)
        text = "—" if value is None else f"{raw}{unit}"
        if value is not None:
            top = _y(value, low, high)
            y, h = (top, zero - top) if value >= 0 else (zero, top - zero)
            parts.append(
                f'<rect class="bar" data-bar data-label="{escape(label)}" '
                f'data-value="{escape(str(raw))}" x="{_px(x)}" y="{_px(y)}" '
                f'width="{_px(width)}" height="{_px(h)}" fill="{BAR_FILL}">'
                f"<title>{escape(label)}: {escape(text)}</title></rect>"
            )
            parts.append(
                f'<text class="value" x="{centre}" y="{_px(min(y, zero) - 4)}" '
                f'text-anchor="middle" font-size="11" fill="{TEXT}">{escape(text)}</text>'
            )
        parts.append(
            f'<text class="label" data-axis-label x="{centre}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle" font-size="12" fill="{TEXT}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    points: Sequence[tuple[str, str | Decimal | None]],
    unit: str = "",
    axis_labels: Sequence[str] | None = None,
) -> Markup:
    """A line through (label, value) points; None leaves a gap (no figure for that period).
    `axis_labels`: shorter labels under the axis (default the points' own)."""
    values = [_num(v) for _, v in points]
    low, high = _scale(values)
    parts = _open(chart_id, title, desc, "line") + _axis(low, high, unit)
    n = len(points)
    span = Decimal(WIDTH - LEFT - RIGHT)
    step = span / (n - 1) if n > 1 else Decimal(0)
    xs = [Decimal(LEFT) + (step * i if n > 1 else span / 2) for i in range(n)]
    segment: list[str] = []
    segments: list[list[str]] = []
    for x, value in zip(xs, values, strict=True):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{_px(x)},{_px(_y(value, low, high))}")
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(
            f'<polyline class="line" points="{" ".join(seg)}" fill="none" '
            f'stroke="{LINE_STROKE}" stroke-width="2"/>'
        )
    every = max(1, (n + 11) // 12)  # at most 12 axis labels
    for i, ((label, raw), x, value) in enumerate(zip(points, xs, values, strict=True)):
        if value is not None:
            parts.append(
                f'<circle class="point" data-point data-label="{escape(label)}" '
                f'data-value="{escape(str(raw))}" cx="{_px(x)}" '
                f'cy="{_px(_y(value, low, high))}" r="3.5" fill="{LINE_STROKE}">'
                f"<title>{escape(label)}: {escape(str(raw))}{escape(unit)}</title></circle>"
            )
        if i % every == 0:
            parts.append(
                f'<text class="label" data-axis-label x="{_px(x)}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle" font-size="11" fill="{TEXT}">'
                f"{escape(axis_labels[i] if axis_labels else label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
