"""Article extraction on real pages: ours (parse_event) beside trafilatura and readability-lxml.

Usage: python bench/extract.py [--pages DIR] [--rounds N] [--per-page]

Reads the development set in ../shared/data/pages (its README says how to use it): for each
page, source.html is the page as served and expected.html the article text Readability
extracts. Prints, for each extractor in one run: mean bag-of-words F1 of its body text
against expected.html's text, title accuracy, year accuracy (against the years judged by
reading each page, bench/extract_judged.tsv), and pages per second.

A title is right when its words match (bag-of-words F1 at least 0.9) the reference title
(expected-metadata.json), the reference without its site-name part (a segment before or
after " | ", " - ", " · ", " – ", " — ", ": " or a trailing "[...]": Readability keeps
site names in some titles), or the title judged by reading the page where Readability's is
not the page's headline (two pages, in the judged file with the reason). Words are compared
case-folded; F1 counts repeated words (a multiset), as trafilatura's and Mozilla's
extraction benchmarks do.

Our text is what an Event keeps of the article: section headings and texts, the impact, and
the summary (unless it repeats the text: a page's description often does).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bs4 import BeautifulSoup  # noqa: E402
from eventsearch.ingest import NotAnEvent, ParseError, parse_event  # noqa: E402

PAGES = ROOT.parent / "shared" / "data" / "pages"
JUDGED = Path(__file__).resolve().parent / "extract_judged.tsv"
_SEPARATORS = re.compile(r"\s+(?:\||-|·|–|—|::)\s+|:\s+")


def words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.casefold()))


def f1(got: str, expected: str) -> float:
    """Bag-of-words F1 of extracted text against the reference text."""
    ours, theirs = words(got), words(expected)
    common = sum((ours & theirs).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ours.values()), common / sum(theirs.values())
    return 2 * precision * recall / (precision + recall)


def _norm(title: str) -> str:
    title = title.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    return " ".join(title.replace("\u201d", '"').casefold().split()).strip(" .")


def title_right(got: str | None, expected: str, judged: str | None = None) -> bool:
    """Whether a title matches the reference, with or without its site-name part, or the
    title judged by reading the page; words compared as a bag, F1 at least 0.9."""
    if not got:
        return False
    expected = re.sub(r"\s*\[[^\]]*\]\s*$", "", expected)
    parts = _SEPARATORS.split(expected)
    accepted = [expected, judged or ""]
    if len(parts) > 1:
        accepted += [" - ".join(parts[:-1]), " - ".join(parts[1:]), *parts]
    return any(f1(got, title) >= 0.9 for title in accepted if title)


def read_judged() -> tuple[dict[str, int | None], dict[str, str]]:
    """The judged year of each page, and the judged title where Readability's is not the
    page's headline."""
    years, titles = {}, {}
    for line in JUDGED.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("page\t") or not line.strip():
            continue
        page, year, title, _how = line.split("\t", 3)
        years[page] = None if year == "-" else int(year)
        if title != "-":
            titles[page] = title
    return years, titles


def ours(data: bytes, url: str) -> tuple[str, str | None, int | None]:
    try:
        event = parse_event(data, url)
    except (NotAnEvent, ParseError):
        return "", None, None
    narrative = [part for section in event.sections for part in (
        "" if section.heading == "Introduction" and not section.anchor else section.heading,
        section.text)]
    rest = words(" ".join(narrative) + " " + event.impact)
    summary = words(event.summary)
    # A summary taken from the page's description that repeats the text is not counted twice.
    if sum((summary & rest).values()) >= 0.8 * sum(summary.values()):
        summary = Counter()
    text = " ".join([" ".join(summary.elements()), *narrative, event.impact])
    return text, event.title, event.year


def trafilatura_(data: bytes, url: str) -> tuple[str, str | None, int | None]:
    import trafilatura

    document = trafilatura.bare_extraction(data, include_comments=False, with_metadata=True)
    if document is None:
        return "", None, None
    year = int(document.date[:4]) if document.date else None
    return document.text or "", document.title, year


def readability_(data: bytes, url: str) -> tuple[str, str | None, int | None]:
    from readability import Document

    document = Document(data)
    text = BeautifulSoup(document.summary(), "lxml").get_text(" ")
    return text, document.short_title(), None


EXTRACTORS = {"ours": ours, "trafilatura": trafilatura_, "readability-lxml": readability_}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=str(PAGES))
    parser.add_argument("--rounds", type=int, default=1, help="timing rounds (median)")
    parser.add_argument("--per-page", action="store_true", help="print each page's scores")
    args = parser.parse_args()
    root = Path(args.pages)
    if not root.is_dir():
        sys.exit(f"no pages at {root}: this benchmark reads ../shared/data/pages")
    years, titles = read_judged()
    pages = []
    for folder in sorted(p for p in root.iterdir() if (p / "source.html").is_file()):
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        expected = (folder / "expected.html").read_text(encoding="utf-8")
        pages.append((folder.name, (folder / "source.html").read_bytes(),
                      (folder / "source.html").resolve().as_uri(),
                      BeautifulSoup(expected, "lxml").get_text(" "), meta.get("title") or ""))
    print(f"{len(pages)} pages from {root}; {len(years)} judged years")
    rows = {}
    for name, extract in EXTRACTORS.items():
        scores, right_titles, right_years, runs = [], 0, 0, []
        per_page = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            results = [extract(data, url) for _, data, url, _, _ in pages]
            runs.append(time.perf_counter() - start)
        for (page, _, _, expected, title), (text, got_title, year) in zip(
                pages, results, strict=True):
            score = f1(text, expected)
            scores.append(score)
            right_titles += title_right(got_title, title, titles.get(page))
            right_years += year == years.get(page)
            per_page.append((page, score, got_title, year, years.get(page)))
        rows[name] = (statistics.mean(scores), right_titles, right_years,
                      len(pages) / statistics.median(runs))
        if args.per_page:
            for page, score, got_title, year, judged in per_page:
                mark = "" if year == judged else f"  year {year} (judged {judged})"
                print(f"  {name:16} {page:22} F1 {score:.3f}  {got_title!r}{mark}")
    print()
    print("| extractor | body F1 (mean) | titles right | years right | pages/s |")
    print("|---|---|---|---|---|")
    for name, (score, titles, right_years, rate) in rows.items():
        year_cell = f"{right_years}/{len(pages)}" if name != "readability-lxml" else "n/a"
        print(f"| {name} | {score:.3f} | {titles}/{len(pages)} | {year_cell} | {rate:.1f} |")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
