"""Charts as inline SVG, drawn at build time: no script, no request, they print.

Each chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`
(the text alternative, with every number in it); the page also shows the same
numbers in a table beside it. Colours come from the theme's CSS classes.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from .filters import numero

WIDTH = 320         # viewBox width; the SVG scales to its container


def _frame(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} {height}"'
        f' width="100%" preserveAspectRatio="xMinYMin meet"'
        f' aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>")


def bars(chart_id: str, title: str, rows: list[tuple[str, float | None]], top: float = 100,
         unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value); None is drawn as "no aplica"."""
    row_h, label_w = 26, 120
    body = []
    parts = []
    for n, (label, value) in enumerate(rows):
        y = n * row_h
        body.append(f'<text class="chart-label" x="0" y="{y + 17}">{escape(label)}</text>')
        if value is None:
            body.append(f'<text class="chart-value" x="{label_w}" y="{y + 17}">no aplica</text>')
            parts.append(f"{label}: no aplica")
            continue
        w = 0 if top <= 0 else round((WIDTH - label_w - 50) * max(0, min(value, top)) / top, 1)
        body.append(f'<rect class="chart-bar" x="{label_w}" y="{y + 5}" width="{w}" '
                    f'height="{row_h - 10}"/>')
        body.append(f'<text class="chart-value" x="{label_w + w + 4}" y="{y + 17}">'
                    f'{escape(numero(value))}{escape(unit)}</text>')
        parts.append(f"{label}: {numero(value)}{unit}")
    return _frame(chart_id, title, "; ".join(parts) + ".", len(rows) * row_h, body)


def histogram(chart_id: str, title: str, rows: list[tuple[str, int]]) -> Markup:
    """Vertical bars of counts, one per (label, count)."""
    height, base, top = 150, 125, max([c for _, c in rows] + [1])
    slot = WIDTH / max(1, len(rows))
    body = [f'<line class="chart-axis" x1="0" y1="{base}" x2="{WIDTH}" y2="{base}"/>']
    for n, (label, count) in enumerate(rows):
        h = round((base - 20) * count / top, 1)
        x = round(n * slot + 2, 1)
        body.append(f'<rect class="chart-bar" x="{x}" y="{base - h}" width="{round(slot - 4, 1)}"'
                    f' height="{h}"/>')
        body.append(f'<text class="chart-value" x="{round(x + slot / 2 - 2, 1)}" '
                    f'y="{base - h - 4}" text-anchor="middle">{count}</text>')
        body.append(f'<text class="chart-label small" x="{round(x + slot / 2 - 2, 1)}" '
                    f'y="{base + 16}" text-anchor="middle">{escape(label.split("–")[0])}</text>')
    desc = "; ".join(f"{label}: {numero(count)}" for label, count in rows) + "."
    return _frame(chart_id, title, desc, height, body)


def sparkline(chart_id: str, title: str, points: list[tuple[str, float]],
              top: float = 100) -> Markup:
    """A line of values over time, (label, value) oldest first; at least two points."""
    height, pad = 70, 6
    step = (WIDTH - 2 * pad) / max(1, len(points) - 1)
    coords = [(round(pad + n * step, 1), round(height - pad - (height - 2 * pad) * v / top, 1))
              for n, (_, v) in enumerate(points)]
    path = " ".join(f"{x},{y}" for x, y in coords)
    body = [(f'<line class="chart-axis" x1="0" y1="{height - pad}" x2="{WIDTH}" '
            f'y2="{height - pad}"/>'),
            f'<polyline class="chart-line" fill="none" points="{path}"/>']
    x, y = coords[-1]
    body.append(f'<circle class="chart-dot" cx="{x}" cy="{y}" r="3.5"/>')
    desc = "; ".join(f"{label}: {numero(v)}" for label, v in points) + "."
    return _frame(chart_id, title, desc, height, body)
