"""Bar charts as plain geometry, drawn as server-side SVG by the dashboard template (no script,
no CDN, no inline style: every size is an SVG attribute)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    max_value: int


# Above a column chart's bars: a band for the label of the scale ("max 40"), which the
# tallest bar would otherwise cover.
HEADROOM = 18


def column_chart(points: list[tuple[str, int]], *, width: int = 720, height: int = 180,
                 gap: float = 2.0) -> BarChart:
    """Vertical bars, e.g. signatures per day; the tallest bar reaches the band at the top that
    holds the label of the scale, and the bars stand on a line 20 units above the bottom, with
    the dates below it."""
    top = max((v for _, v in points), default=0) or 1
    plot_height = height - 20 - HEADROOM
    step = width / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = plot_height * value / top
        bars.append(Bar(label, value, x=round(index * step + gap / 2, 2),
                        y=round(HEADROOM + plot_height - bar_height, 2),
                        width=round(max(step - gap, 1.0), 2), height=round(bar_height, 2)))
    return BarChart(width, height, tuple(bars), top)


def row_chart(points: list[tuple[str, int]], *, width: int = 480, row: int = 20,
              label_width: int = 160) -> BarChart:
    """Horizontal bars, e.g. signatures by country."""
    top = max((v for _, v in points), default=0) or 1
    plot_width = width - label_width - 60
    bars = tuple(Bar(label, value, x=label_width, y=index * row,
                     width=round(max(plot_width * value / top, 1.0), 2), height=row - 4)
                 for index, (label, value) in enumerate(points))
    return BarChart(width, max(row * len(points), row), bars, top)
