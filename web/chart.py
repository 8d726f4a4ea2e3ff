"""A small bar chart of events per year, drawn on the server as accessible SVG."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

WIDTH, HEIGHT, PAD = 640, 96, 18


def year_chart(counts: list[tuple[int, int]], link: Callable[[int], str], *,
               label: str) -> str:
    """SVG markup: one bar per year with matches, each a link (``link(year)``).

    ``label`` names the chart for screen readers; every bar says its year and count.
    """
    if not counts:
        return ""
    first, last = counts[0][0], counts[-1][0]
    span = max(1, last - first + 1)
    tallest = max(n for _, n in counts)
    slot = (WIDTH - 2 * PAD) / span
    bar = max(2.0, min(14.0, slot * 0.8))
    total = sum(n for _, n in counts)
    parts = [
        f'<svg class="year-chart" viewBox="0 0 {WIDTH} {HEIGHT + 16}" role="group" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(label)}: {total} events from {first} to {last}'
        f"</title>",
    ]
    for year, count in counts:
        height = max(3.0, (HEIGHT - 8) * count / tallest)
        x = PAD + (year - first) * slot + (slot - bar) / 2
        noun = "event" if count == 1 else "events"
        parts.append(
            f'<a href="{escape(link(year))}" aria-label="{year}: {count} {noun}">'
            f"<title>{year}: {count} {noun}</title>"
            f'<rect x="{x:.1f}" y="{HEIGHT - height:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}" rx="1.5"/></a>'
        )
    parts.append(f'<text x="{PAD}" y="{HEIGHT + 13}" class="axis">{first}</text>')
    if last != first:
        parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT + 13}" class="axis" '
                     f'text-anchor="end">{last}</text>')
    parts.append("</svg>")
    return "".join(parts)
