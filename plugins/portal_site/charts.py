"""Bar charts as inline SVG, drawn at build time: no script, no request.

A chart is an image with a text alternative (`<title>` and `<desc>` naming
every bar and its value); the page shows the same numbers in a table beside
it, so nothing is only in the picture. Colours come from the stylesheet
(`.chart` rules), so a theme's colours apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
BAR = 22           # height of a bar
GAP = 10
LABEL = 200        # width of the labels' column
VALUE = 190        # room right of the longest bar for its value ("64.863.394.387,32 ARS")
LABEL_CHARS = 28


@dataclass
class Chart:
    id: str                     # unique on the page: ids of <title> and <desc>
    title: str
    rows: list[tuple[str, float, str]]      # (label, value, value as shown)
    caption: str = ""           # what the bars measure, for the table and the alternative

    @property
    def description(self) -> str:
        return "; ".join(f"{label}: {shown}" for label, _value, shown in self.rows) + "."

    def svg(self) -> Markup:
        top = max((v for _l, v, _s in self.rows), default=0) or 1
        height = len(self.rows) * (BAR + GAP) + GAP
        span = WIDTH - LABEL - VALUE
        parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
                 f'width="{WIDTH}" height="{height}" aria-labelledby="{self.id}-t {self.id}-d" '
                 f'focusable="false">',
                 f'<title id="{self.id}-t">{escape(self.title)}</title>',
                 f'<desc id="{self.id}-d">{escape(self.description)}</desc>']
        for n, (label, value, shown) in enumerate(self.rows):
            y = GAP + n * (BAR + GAP)
            width = 0 if value <= 0 else max(2, round(span * value / top))
            short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"
            parts.append(f'<text class="chart-label" x="{LABEL - 8}" y="{y + BAR - 6}" '
                         f'text-anchor="end">{escape(short)}</text>')
            parts.append(f'<rect class="chart-bar" x="{LABEL}" y="{y}" width="{width}" '
                         f'height="{BAR}"/>')
            parts.append(f'<text class="chart-value" x="{LABEL + width + 6}" '
                         f'y="{y + BAR - 6}">{escape(shown)}</text>')
        parts.append("</svg>")
        return Markup("".join(parts))
