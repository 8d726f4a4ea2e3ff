"""A seeded generator of realistic event pages in our format, for benchmarks and big tests.

Usage: python bench/generate.py FOLDER --count 10000 [--seed 7]

Prose comes from a word-bigram model of the bundled corpus, so word frequencies, sentence
lengths and vocabulary look like real pages; names come from the corpus's key figures.
Each page has 500 to 900 words in 4 to 7 sections, 2 to 5 figures and 1 to 4 related links
to other generated pages, plus a timeline index.html.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import load_directory  # noqa: E402

CATEGORIES = ("Milestone", "Research", "Model", "Product", "Company", "Policy", "Dataset",
              "Hardware")


class Prose:
    """A bigram model of the corpus text: ``sentence()`` makes a plausible sentence."""

    def __init__(self, texts: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.next: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        for text in texts:
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                words = sentence.split()
                if len(words) < 5:
                    continue
                self.starts.append(words[0])
                for a, b in zip(words, words[1:], strict=False):
                    self.next[a].append(b)
        self.words = [w for w in self.next if w.isalpha() and len(w) > 3]

    def sentence(self) -> str:
        word = self.rng.choice(self.starts)
        out = [word]
        while len(out) < 40:
            choices = self.next.get(word)
            if not choices:
                break
            word = self.rng.choice(choices)
            out.append(word)
            if word[-1] in ".!?" and len(out) >= 8:
                break
        text = " ".join(out)
        return text if text[-1] in ".!?" else text.rstrip(",;:") + "."

    def words_of(self, count: int) -> list[str]:
        out: list[str] = []
        while len(out) < count:
            out.extend(self.sentence().split())
        return out[:count]

    def phrase(self, low: int, high: int) -> str:
        return " ".join(w.strip(".,;:()\"'") for w in self.rng.sample(self.words,
                                                                     self.rng.randint(low, high)))


def generate_corpus(folder: str | Path, count: int, seed: int = 7) -> list[str]:
    """Write ``count`` event pages (and index.html) into ``folder``; returns their slugs."""
    rng = random.Random(seed)
    source = load_directory(ROOT / "corpus").events
    prose = Prose([s.text for e in source for s in e.sections] + [e.summary for e in source],
                  rng)
    people = sorted({name for e in source for name in e.figures})
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    events = []
    for number in range(count):
        title = prose.phrase(2, 5).title()
        slug = f"{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')}-{number}"
        events.append((slug, f"{title} {number}", rng.randint(1943, 2025),
                       rng.choice(CATEGORIES)))
    for slug, title, year, category in events:
        page = _page(rng, prose, people, (slug, title, year, category), events)
        (folder / f"{slug}.html").write_text(page, encoding="utf-8")
    links = "\n".join(f'<li><a href="{s}.html">{html.escape(t)}</a> {y}</li>'
                      for s, t, y, _ in sorted(events, key=lambda e: e[2]))
    (folder / "index.html").write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Timeline</title></head>'
        f'<body data-page="listing"><h1>Timeline</h1><ul>\n{links}\n</ul></body></html>',
        encoding="utf-8")
    return [e[0] for e in events]


def _page(rng, prose: Prose, people: list[str], event, events) -> str:
    slug, title, year, category = event
    sections = []
    total = rng.randint(500, 900)
    count = rng.randint(4, 7)
    for i in range(count):
        heading = prose.phrase(2, 4).title()
        words = prose.words_of(total // count)
        paragraphs = [" ".join(words[j:j + 60]) for j in range(0, len(words), 60)]
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        anchor = f"s{i}-" + re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
        sections.append(f'<section class="event-section">\n<h2 id="{anchor}">'
                        f"{html.escape(heading)}</h2>\n{body}\n</section>")
    figures = "".join(f'<li class="figure">{html.escape(n)}</li>'
                      for n in rng.sample(people, rng.randint(2, 5)))
    related = "".join(
        f'<li class="related-event"><a href="{s}.html"><time datetime="{y}">{y}</time> '
        f'<span class="event-category">{c}</span> <span class="related-title">'
        f'{html.escape(t)}</span></a></li>'
        for s, t, y, c in _others(rng, events, slug, min(rng.randint(1, 4), len(events) - 1)))
    summary = html.escape(" ".join(prose.sentence() for _ in range(2)))
    impact = html.escape(" ".join(prose.sentence() for _ in range(3)))
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(title)} | Generated Timeline</title></head>
<body>
<main>
<article class="event" data-slug="{slug}">
<header class="event-header">
<p class="event-meta"><time class="event-year" datetime="{year}">{year}</time>
<span class="event-category">{category}</span></p>
<h1 class="event-title">{html.escape(title)}</h1>
<p class="event-summary">{summary}</p>
</header>
{chr(10).join(sections)}
<section class="event-figures"><h2 id="key-figures">Key Figures</h2><ul>{figures}</ul></section>
<section class="event-impact"><h2 id="lasting-impact">Lasting Impact</h2><p>{impact}</p></section>
<section class="event-related"><h2 id="related-events">Related Events</h2>
<ul>{related}</ul></section>
</article>
</main>
</body>
</html>
"""


def _others(rng, events, slug: str, count: int) -> list:
    """``count`` events other than ``slug``'s, at random (without building a list of all
    the others for each page, which made generating quadratic)."""
    picked = []
    for at in rng.sample(range(len(events)), min(count + 1, len(events))):
        if events[at][0] != slug and len(picked) < count:
            picked.append(events[at])
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    slugs = generate_corpus(args.folder, args.count, args.seed)
    print(f"wrote {len(slugs)} pages to {args.folder}")


if __name__ == "__main__":
    main()
