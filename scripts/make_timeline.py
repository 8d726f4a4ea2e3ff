"""Write corpus/index.html, the timeline page that links every event of the corpus.

Run after adding, renaming or retitling a page: ``python scripts/make_timeline.py``.
The corpus test fails while the timeline is out of date.
"""

from __future__ import annotations

import html
import sys
from itertools import groupby
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import load_directory  # noqa: E402


def render_timeline(corpus: Path) -> str:
    """The timeline page for the events in ``corpus``: oldest first, grouped by year."""
    events = sorted(load_directory(corpus).events, key=lambda e: (e.year or 0, e.title))
    parts = []
    for year, group in groupby(events, key=lambda e: e.year):
        items = "\n".join(
            f'          <li class="timeline-event"><a href="{e.slug}.html">{html.escape(e.title)}'
            f'</a> <span class="event-category">{html.escape(e.category or "")}</span></li>'
            for e in group
        )
        parts.append(
            f'      <section class="timeline-year" id="y{year}">\n'
            f'        <h2><time datetime="{year}">{year}</time></h2>\n'
            f"        <ul>\n{items}\n        </ul>\n      </section>"
        )
    body = "\n".join(parts)
    first, last = events[0].year, events[-1].year
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>AI Timeline: {len(events)} events, {first} to {last}</title>
  <meta name="description" content="A history of artificial intelligence as event narratives.">
</head>
<body data-page="listing">
  <main>
    <h1>AI Timeline</h1>
    <p>{len(events)} events in the history of artificial intelligence, {first} to {last}.</p>
    <div class="timeline">
{body}
    </div>
  </main>
</body>
</html>
"""


if __name__ == "__main__":
    target = ROOT / "corpus" / "index.html"
    target.write_text(render_timeline(ROOT / "corpus"), encoding="utf-8")
    print(f"wrote {target}")
