"""Measure the search core beside SQLite FTS5 and tantivy, on the same events and queries.

Usage: python bench/perf.py [--sizes 10000 100000] [--queries 200] [--out docs/performance.md]

For each size a seeded corpus is generated (bench/generate.py) into bench/out/perf/, then:

1. the full build: parse it with 2 worker processes (and with 1, up to 10,000 events), and
   index the events into a fresh index; the same events into FTS5 and into tantivy;
2. query latency: the same seeded queries (top 10 with snippets and facets) on ours, on
   FTS5 and on tantivy, interleaved query by query so that load from other processes hits
   all three alike; each engine's first pass over the queries is the figure;
3. serving memory: a separate process serves every query through the Flask app (the
   results page and the JSON API); its peak RSS;
4. re-indexing: one page changed, ``index.update`` with every event (the index's share),
   then ``eventsearch index FOLDER`` end to end;
5. a cold search: ``eventsearch search QUERY`` in a new process, against a new Python
   process querying FTS5 and tantivy.

The figures go to the ``## Search core`` section of ``--out``; other sections are kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import Event, iter_directory, load_file  # noqa: E402
from eventsearch.search import create_index, open_index  # noqa: E402
from eventsearch.search.schema import FIELD_BOOSTS  # noqa: E402

from bench.common import (  # noqa: E402
    cpu_model,
    percentile,
    sample_phrase,
    sample_years,
    say,
    vocabulary,
)
from bench.generate import generate_corpus  # noqa: E402

SECTION = "## Search core"
WARMUP_QUERIES = 10
REINDEX_ROUNDS = 3
COLD_QUERIES = 5
PARSE_ONE_WORKER_MAX = 10_000  # the 1-worker parse, for comparison, up to this size
ENGINES = ("ours", "fts5", "tantivy")
EVENTSEARCH = Path(sys.executable).parent / "eventsearch"
#: Our field weights, in the FTS5 column order (title, figures, summary, body, impact).
FTS5_WEIGHTS = tuple(FIELD_BOOSTS[f] for f in ("title", "figures_text", "summary", "body",
                                               "impact"))

TARGETS = {
    "query": "query p50 and p95 at most FTS5's",
    "build": "full build (parse with 2 workers + index) of 10,000 events under 60 s",
    "linear": "build time grows linearly: 100,000 events at most 11x the 10,000 time",
    "index": "index time at most 5x FTS5's",
    "update": "re-indexing one changed page under 0.5 s at 100,000 events",
    "memory": "serving RSS under 500 MB at 100,000 events",
    "cold": "a cold `eventsearch search` (new process, first query) under 1.5 s at 100,000",
}


# -- the machine -----------------------------------------------------------------------------


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "tantivy": version("tantivy"),
        "whoosh": version("Whoosh"),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "code": code_digest(),
    }


def code_digest() -> str:
    """A short hash of the measured code (search/, ingest/, web/), to tell runs apart."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("search/*.py"), *ROOT.glob("ingest/*.py"),
                        *ROOT.glob("web/*.py")]):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load() -> float:
    return os.getloadavg()[0]


# -- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A benchmark query: words and phrases (all required), plus API filters."""

    words: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    year: tuple[int, int] | None = None
    category: str | None = None
    figure: str | None = None

    @property
    def text(self) -> str:
        return " ".join([*self.words, *(f'"{p}"' for p in self.phrases)])

    @property
    def filters(self) -> dict:
        found = {"year": self.year, "category": self.category, "figure": self.figure}
        return {k: v for k, v in found.items() if v is not None}

    def params(self) -> dict:
        """The same query as URL parameters of the web app."""
        found = {"q": self.text, "category": self.category, "figure": self.figure,
                 "year": f"{self.year[0]}..{self.year[1]}" if self.year else None}
        return {k: v for k, v in found.items() if v is not None}

    def fts5(self, joiner: str = "AND") -> str:
        """The FTS5 MATCH expression: every word and phrase quoted, joined by AND or OR."""
        return f" {joiner} ".join(f'"{part}"' for part in [*self.words, *self.phrases])

    def describe(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.filters.items())
        return f"{self.text}" + (f"  [{extra}]" if extra else "")


def make_queries(events: list[Event], count: int, seed: int) -> list[Query]:
    """``count`` seeded queries from the corpus: half plain words, the rest phrases and
    filters by year, category and figure."""
    rng = random.Random(seed)
    stream, distinct = vocabulary(events[:2000])
    categories = sorted({e.category for e in events if e.category})
    figures = sorted({name for e in events for name in e.figures})

    def word() -> str:
        # Half by frequency (what people type), half any word of the vocabulary.
        return rng.choice(stream) if rng.random() < 0.5 else rng.choice(distinct)

    def words(low: int, high: int) -> tuple[str, ...]:
        return tuple(word() for _ in range(rng.randint(low, high)))

    queries = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.5:
            queries.append(Query(words(1, 4)))
        elif roll < 0.65:
            queries.append(Query(words(0, 2), phrases=(sample_phrase(rng, events),)))
        elif roll < 0.8:
            queries.append(Query(words(1, 3), year=sample_years(rng),
                                 category=rng.choice(categories) if rng.random() < 0.3
                                 else None))
        elif roll < 0.9:
            queries.append(Query(words(1, 3), category=rng.choice(categories)))
        else:
            queries.append(Query(words(1, 2), figure=rng.choice(figures)))
    return queries


# -- SQLite FTS5, for comparison -------------------------------------------------------------


class Fts5:
    """The same events in an FTS5 table, searched with our field weights."""

    def __init__(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)

    def build(self, events: list[Event]) -> None:
        db = self.db
        db.executescript("""
            CREATE VIRTUAL TABLE t USING fts5(title, figures, summary, body, impact,
                tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE TABLE events (id INTEGER PRIMARY KEY, slug TEXT, year INTEGER,
                category TEXT);
            CREATE TABLE figures (event INTEGER, name TEXT);
        """)
        with db:
            for rowid, event in enumerate(events, 1):
                body = "\n\n".join(f"{s.heading}\n{s.text}" for s in event.sections)
                db.execute("INSERT INTO t (rowid, title, figures, summary, body, impact) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           (rowid, event.title, "\n".join(event.figures), event.summary,
                            body, event.impact))
                db.execute("INSERT INTO events VALUES (?, ?, ?, ?)",
                           (rowid, event.slug, event.year, event.category))
                db.executemany("INSERT INTO figures VALUES (?, ?)",
                               [(rowid, name) for name in event.figures])
        db.executescript("""
            CREATE INDEX events_year ON events (year);
            CREATE INDEX events_category ON events (category);
            CREATE INDEX figures_name ON figures (name, event);
            INSERT INTO t (t) VALUES ('optimize');
            ANALYZE;
        """)

    def search(self, query: Query) -> tuple[int, list[str]]:
        """Total matches and the top 10 slugs; also fetches snippets and category counts.

        Like ours, a query matching nothing with all its parts is retried with any part.
        """
        total, slugs = self._search(query, "AND")
        if not total and len(query.words) + len(query.phrases) > 1:
            total, slugs = self._search(query, "OR")
        return total, slugs

    def _search(self, query: Query, joiner: str) -> tuple[int, list[str]]:
        where, params = ["t MATCH ?"], [query.fts5(joiner)]
        if query.year:
            where.append("e.year BETWEEN ? AND ?")
            params.extend(query.year)
        if query.category:
            where.append("e.category = ?")
            params.append(query.category)
        if query.figure:
            where.append("t.rowid IN (SELECT event FROM figures WHERE name = ?)")
            params.append(query.figure)
        tables = f"t JOIN events e ON e.id = t.rowid WHERE {' AND '.join(where)}"
        weights = ", ".join(str(w) for w in FTS5_WEIGHTS)
        rows = self.db.execute(
            f"SELECT e.slug, snippet(t, -1, '<mark>', '</mark>', '…', 24), "
            f"bm25(t, {weights}) AS score FROM {tables} ORDER BY score LIMIT 10",
            params).fetchall()
        total = self.db.execute(f"SELECT count(*) FROM {tables}", params).fetchone()[0]
        self.db.execute(f"SELECT e.category, count(*) FROM {tables} GROUP BY e.category",
                        params).fetchall()
        return total, [row[0] for row in rows]

    def close(self) -> None:
        self.db.close()


# -- tantivy, for comparison -----------------------------------------------------------------


class Tantivy:
    """The same events in a tantivy index (English stemming), searched with our field
    weights: top 10 with a snippet each, the total, and category counts."""

    TEXT = ("title", "figures", "summary", "body", "impact")

    def __init__(self, path: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        builder = tantivy.SchemaBuilder()
        for name in self.TEXT:
            builder.add_text_field(name, stored=name == "body", tokenizer_name="en_stem")
        builder.add_text_field("slug", stored=True, tokenizer_name="raw")
        builder.add_integer_field("year", indexed=True, fast=True)
        builder.add_text_field("category", tokenizer_name="raw", fast=True)
        builder.add_text_field("figure", tokenizer_name="raw")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, str(path))
        self.boosts = dict(zip(self.TEXT, FTS5_WEIGHTS, strict=True))

    def build(self, events: list[Event]) -> None:
        writer = self.index.writer(heap_size=256 * 2**20, num_threads=2)
        for event in events:
            document = self.tantivy.Document(
                title=event.title, figures="\n".join(event.figures), summary=event.summary,
                body="\n\n".join(f"{s.heading}\n{s.text}" for s in event.sections),
                impact=event.impact, slug=event.slug, figure=list(event.figures))
            if event.year is not None:
                document.add_integer("year", event.year)
            if event.category:
                document.add_text("category", event.category)
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def search(self, query: Query) -> tuple[int, list[str]]:
        """Like Fts5.search: all parts, else any part."""
        total, slugs = self._search(query, True)
        if not total and len(query.words) + len(query.phrases) > 1:
            total, slugs = self._search(query, False)
        return total, slugs

    def _search(self, query: Query, every: bool) -> tuple[int, list[str]]:
        tantivy = self.tantivy
        text = " ".join(f'"{part}"' for part in [*query.words, *query.phrases])
        parsed = self.index.parse_query(text, list(self.TEXT), field_boosts=self.boosts,
                                        conjunction_by_default=every)
        must = [(tantivy.Occur.Must, parsed)]
        if query.year:
            must.append((tantivy.Occur.Must, tantivy.Query.range_query(
                self.schema, "year", tantivy.FieldType.Integer, *query.year)))
        if query.category:
            must.append((tantivy.Occur.Must, tantivy.Query.term_query(
                self.schema, "category", query.category)))
        if query.figure:
            must.append((tantivy.Occur.Must, tantivy.Query.term_query(
                self.schema, "figure", query.figure)))
        whole = tantivy.Query.boolean_query(must) if len(must) > 1 else parsed
        searcher = self.index.searcher()
        found = searcher.search(whole, 10, count=True)
        snippets = tantivy.SnippetGenerator.create(searcher, whole, self.schema, "body")
        slugs = []
        for _, address in found.hits:
            document = searcher.doc(address)
            snippets.snippet_from_doc(document).to_html()
            slugs.append(document["slug"][0])
        searcher.aggregate(whole, {"categories": {"terms": {"field": "category"}}})
        return found.count, slugs


# -- one size --------------------------------------------------------------------------------


@dataclass
class Figures:
    """Everything measured for one corpus size."""

    size: int
    pages_bytes: int = 0
    generate_s: float = 0.0
    parse1_s: float | None = None
    parse2_s: float = 0.0
    parse2_cpu_s: float = 0.0
    index_s: float = 0.0
    index_cpu_s: float = 0.0
    index_bytes: int = 0
    fts5_build_s: float = 0.0
    fts5_bytes: int = 0
    tantivy_build_s: float = 0.0
    tantivy_bytes: int = 0
    update_s: list[float] = field(default_factory=list)
    cli_first_s: float = 0.0
    cli_s: float = 0.0
    cli_report: str = ""
    ours_ms: list[float] = field(default_factory=list)
    fts5_ms: list[float] = field(default_factory=list)
    tantivy_ms: list[float] = field(default_factory=list)
    overlap: dict[str, float] = field(default_factory=dict)
    memory: dict = field(default_factory=dict)
    cold_s: dict[str, list[float]] = field(default_factory=dict)
    #: The build (parse + index) again, after the larger sizes: the machine's speed drifts.
    build_again_s: float | None = None
    load: list[float] = field(default_factory=list)
    examples: list[Query] = field(default_factory=list)

    @property
    def build_s(self) -> float:
        return self.parse2_s + self.index_s

    def p(self, name: str, pct: int) -> float:
        return percentile(getattr(self, f"{name}_ms"), pct)


def run_size(size: int, queries_count: int, work: Path, seed: int) -> Figures:
    figures = Figures(size, load=[load()])
    folder = work / f"corpus-{size}"
    index_dir = work / f"index-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(index_dir, ignore_errors=True)

    say(f"\n== {size:,} events ==")
    started = time.perf_counter()
    generate_corpus(folder, size, seed)
    figures.generate_s = time.perf_counter() - started
    figures.pages_bytes = sum(p.stat().st_size for p in folder.iterdir())
    say(f"generated {size:,} pages ({figures.pages_bytes / 2**20:.0f} MB) "
        f"in {figures.generate_s:.1f} s")

    # 1. The full build: parse with 2 workers, index into a fresh index.
    started, children = time.perf_counter(), _children_cpu()
    events = [o for o in iter_directory(folder, workers=2) if isinstance(o, Event)]
    figures.parse2_s = time.perf_counter() - started
    figures.parse2_cpu_s = _children_cpu() - children
    say(f"parse, 2 workers: {figures.parse2_s:6.1f} s  {size / figures.parse2_s:6.0f} events/s")
    if len(events) != size:
        raise RuntimeError(f"parsed {len(events)} events from {size} generated pages")
    if size <= PARSE_ONE_WORKER_MAX:
        started = time.perf_counter()
        parsed = sum(isinstance(o, Event) for o in iter_directory(folder, workers=1))
        figures.parse1_s = time.perf_counter() - started
        say(f"parse, 1 worker:  {figures.parse1_s:6.1f} s")
        if parsed != size:
            raise RuntimeError(f"1 worker parsed {parsed} events, 2 workers {size}")

    index = create_index(index_dir)
    started, cpu = time.perf_counter(), time.process_time() + _children_cpu()
    report = index.update(events)
    figures.index_s = time.perf_counter() - started
    figures.index_cpu_s = time.process_time() + _children_cpu() - cpu
    if report.added != size:
        raise RuntimeError(f"the build added {report.added} events, not {size}")
    figures.index_bytes = _bytes(index_dir)
    say(f"index:            {figures.index_s:6.1f} s  {size / figures.index_s:6.0f} events/s"
        f"  (CPU, with its workers: {figures.index_cpu_s:.1f} s)")
    say(f"build (parse with 2 workers + index): {figures.build_s:.1f} s")

    fts = Fts5(work / f"fts5-{size}.sqlite")
    started = time.perf_counter()
    fts.build(events)
    figures.fts5_build_s = time.perf_counter() - started
    figures.fts5_bytes = (work / f"fts5-{size}.sqlite").stat().st_size
    say(f"FTS5 build:       {figures.fts5_build_s:6.1f} s")
    tantivy = Tantivy(work / f"tantivy-{size}")
    started = time.perf_counter()
    tantivy.build(events)
    figures.tantivy_build_s = time.perf_counter() - started
    figures.tantivy_bytes = _bytes(work / f"tantivy-{size}")
    say(f"tantivy build:    {figures.tantivy_build_s:6.1f} s")

    # 2. Query latency, the three engines interleaved, first pass.
    queries = make_queries(events, queries_count, seed)
    figures.examples = queries[:8]
    ours = open_index(index_dir)
    for query in make_queries(events, WARMUP_QUERIES, seed + 1):
        ours.search(query.text, **query.filters)
        fts.search(query)
        tantivy.search(query)
    say(f"running {len(queries)} queries on each engine...")
    figures.load.append(load())
    overlap = dict.fromkeys(("fts5", "tantivy"), 0.0)
    for number, query in enumerate(queries):
        top = {}
        for name in ENGINES[number % 3:] + ENGINES[:number % 3]:
            started = time.perf_counter()
            if name == "ours":
                top[name] = [hit.slug for hit in ours.search(query.text, **query.filters).hits]
            else:
                top[name] = (fts if name == "fts5" else tantivy).search(query)[1]
            getattr(figures, f"{name}_ms").append((time.perf_counter() - started) * 1000)
        for name in overlap:
            if top[name]:
                overlap[name] += len(set(top["ours"]) & set(top[name])) / len(top[name])
    figures.overlap = {name: value / len(queries) for name, value in overlap.items()}
    ours.close()
    fts.close()
    for name in ENGINES:
        say(f"{name:8} p50 {figures.p(name, 50):7.1f} ms   p95 {figures.p(name, 95):7.1f} ms")

    # 3. Peak memory of a process serving the queries through the Flask app.
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([q.params() for q in queries], handle)
    try:
        child = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(index_dir), handle.name],
            capture_output=True, text=True, check=True)
    finally:
        os.unlink(handle.name)
    figures.memory = json.loads(child.stdout)
    say(f"serving peak RSS: {figures.memory['peak_kb'] / 1024:.0f} MB (after imports "
        f"{figures.memory['imports_kb'] / 1024:.0f} MB)")

    # 4. Re-index one changed page: the index's share, then the command end to end.
    rng = random.Random(seed)
    positions = {e.slug: i for i, e in enumerate(events)}
    for round_ in range(REINDEX_ROUNDS):
        changed = change_page(folder, rng, round_)
        events[positions[changed.slug]] = changed
        started = time.perf_counter()
        report = index.update(events)
        figures.update_s.append(time.perf_counter() - started)
        if report.updated != 1 or report.added or report.deleted:
            raise RuntimeError(f"expected one update, got {report}")
    index.close()
    say(f"update with one changed page: {statistics.median(figures.update_s):.2f} s "
        f"(median of {REINDEX_ROUNDS}; max {max(figures.update_s):.2f} s)")
    # The command's first run reads every page and records what it read; the editor's
    # run after one change is the second.
    figures.cli_first_s, _ = run_command(folder, index_dir)
    change_page(folder, rng, REINDEX_ROUNDS)
    figures.cli_s, figures.cli_report = run_command(folder, index_dir)
    if not re.search(r"\b0 added, 1 updated, 0 deleted", figures.cli_report):
        raise RuntimeError(f"expected one update from the command, got {figures.cli_report!r}")
    say(f"eventsearch index FOLDER: first run {figures.cli_first_s:.1f} s; one page changed "
        f"{figures.cli_s:.1f} s ({figures.cli_report})")

    # 5. A cold search: a new process, its first query.
    for query in queries[:COLD_QUERIES]:
        for name in ENGINES:
            figures.cold_s.setdefault(name, []).append(cold_search(name, query, work, size))
    say("cold search, median: " + ", ".join(
        f"{name} {statistics.median(figures.cold_s[name]):.2f} s" for name in ENGINES))
    figures.load.append(load())
    return figures


def build_again(figures: Figures, work: Path) -> None:
    """Parse and index a size's corpus again into a fresh index (its build, measured a
    second time, after the larger sizes)."""
    folder, index_dir = work / f"corpus-{figures.size}", work / f"index-{figures.size}-again"
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    events = [o for o in iter_directory(folder, workers=2) if isinstance(o, Event)]
    create_index(index_dir).update(events)
    figures.build_again_s = time.perf_counter() - started
    shutil.rmtree(index_dir, ignore_errors=True)
    say(f"build of {figures.size:,} events again: {figures.build_again_s:.1f} s "
        f"(first {figures.build_s:.1f} s)")


def _children_cpu() -> float:
    """CPU seconds used by this process's finished children (the parsing workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run_command(folder: Path, index_dir: Path) -> tuple[float, str]:
    """Run ``eventsearch index FOLDER --index DIR``: (seconds, its one-line report)."""
    started = time.perf_counter()
    done = subprocess.run([str(EVENTSEARCH), "index", str(folder), "--index", str(index_dir)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    return elapsed, done.stdout.strip().splitlines()[-1].split(": ", 1)[-1]


def change_page(folder: Path, rng: random.Random, round_: int) -> Event:
    """Add a sentence to the summary of one page; returns the page's new event."""
    pages = sorted(p for p in folder.glob("*.html") if p.name != "index.html")
    page = rng.choice(pages)
    html = page.read_text(encoding="utf-8")
    marker = '<p class="event-summary">'
    html = html.replace(marker, f"{marker}Revised in benchmark round {round_}. ", 1)
    page.write_text(html, encoding="utf-8")
    event = load_file(page)
    if not isinstance(event, Event):
        raise RuntimeError(f"{page} no longer parses: {event}")
    return event


#: A new Python process opening FTS5 or tantivy and running one query, as ours does below.
COLD_PEERS = {
    "fts5": """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
match, weights = sys.argv[2], sys.argv[3]
tables = "t JOIN events e ON e.id = t.rowid WHERE t MATCH ?"
rows = db.execute(f"SELECT e.slug, snippet(t, -1, '<mark>', '</mark>', '…', 24), "
                  f"bm25(t, {weights}) AS score FROM {tables} ORDER BY score LIMIT 10",
                  (match,)).fetchall()
total = db.execute(f"SELECT count(*) FROM {tables}", (match,)).fetchone()[0]
print(total, *(row[0] for row in rows))
""",
    "tantivy": """
import sys, tantivy
index = tantivy.Index.open(sys.argv[1])
schema = index.schema
fields = ["title", "figures", "summary", "body", "impact"]
query = index.parse_query(sys.argv[2], fields, conjunction_by_default=True)
searcher = index.searcher()
found = searcher.search(query, 10, count=True)
snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
slugs = []
for _, address in found.hits:
    document = searcher.doc(address)
    snippets.snippet_from_doc(document).to_html()
    slugs.append(document["slug"][0])
print(found.count, *slugs)
""",
}


def cold_search(engine: str, query: Query, work: Path, size: int) -> float:
    """Seconds for a new process to answer ``query`` (its text only) and exit."""
    if engine == "ours":
        command = [str(EVENTSEARCH), "search", query.text, "--index",
                   str(work / f"index-{size}")]
    elif engine == "fts5":
        command = [sys.executable, "-c", COLD_PEERS["fts5"], str(work / f"fts5-{size}.sqlite"),
                   query.fts5(), ", ".join(str(w) for w in FTS5_WEIGHTS)]
    else:
        command = [sys.executable, "-c", COLD_PEERS["tantivy"], str(work / f"tantivy-{size}"),
                   " ".join(f'"{part}"' for part in [*query.words, *query.phrases])]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def memory_child(index_dir: str, queries_file: str) -> None:
    """Serve every query through the Flask app, as page and as JSON, then print peak RSS as
    JSON (runs in a subprocess).

    The peak is VmHWM, which starts afresh at exec; ``ru_maxrss`` does not on Linux (it
    is kept across execve, so it starts at the size of the benchmark process itself).
    """
    from eventsearch.web import create_app

    queries = json.loads(Path(queries_file).read_text())
    client = create_app({"INDEX": index_dir, "TESTING": True}).test_client()
    imports_kb = _status("VmRSS")
    for params in queries:
        for url in ("/search", "/api/search"):
            status = client.get(url, query_string=params).status_code
            if status != 200:
                raise RuntimeError(f"{status} from {url} {params}")
    print(json.dumps({
        "imports_kb": imports_kb,
        "peak_kb": _status("VmHWM"),
        "anon_kb": _status("RssAnon"),
        "file_kb": _status("RssFile"),
    }))


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


# -- the report ------------------------------------------------------------------------------


def verdict(met: bool, detail: str) -> str:
    return f"{'met' if met else '**missed**'} ({detail})"


def targets(results: list[Figures]) -> list[tuple[str, str, str]]:
    """(target, figure, verdict) rows."""
    by_size = {f.size: f for f in results}
    rows = []
    for f in results:
        p50, p95 = f.p("ours", 50) / f.p("fts5", 50), f.p("ours", 95) / f.p("fts5", 95)
        rows.append((f"{TARGETS['query']} ({f.size:,} events)",
                     f"{f.p('ours', 50):.1f} / {f.p('ours', 95):.1f} ms against "
                     f"{f.p('fts5', 50):.1f} / {f.p('fts5', 95):.1f} ms",
                     verdict(p50 <= 1 and p95 <= 1, f"{p50:.2f}x and {p95:.2f}x FTS5's")))
    if 10_000 in by_size:
        build = by_size[10_000].build_s
        rows.append((TARGETS["build"], f"{build:.0f} s",
                     verdict(build < 60, f"{build / 60:.0%} of the budget")))
    if 10_000 in by_size and 100_000 in by_size:
        small = by_size[10_000]
        reference = statistics.fmean([small.build_s, small.build_again_s or small.build_s])
        growth = by_size[100_000].build_s / reference
        again = (f"; the 10,000 build {small.build_s:.1f} s before and "
                 f"{small.build_again_s:.1f} s after it, their mean the reference"
                 if small.build_again_s else "")
        rows.append((TARGETS["linear"], f"{by_size[100_000].build_s:.0f} s, {growth:.1f}x",
                     verdict(growth <= 11, f"100,000 over 10,000{again}")))
    for f in results:
        ratio = f.index_s / f.fts5_build_s
        rows.append((f"{TARGETS['index']} ({f.size:,} events)",
                     f"{f.index_s:.1f} s against {f.fts5_build_s:.1f} s",
                     verdict(ratio <= 5, f"{ratio:.1f}x")))
    big = max(results, key=lambda f: f.size)
    note = "" if big.size == 100_000 else f"; measured at {big.size:,}, not 100,000"
    update = statistics.median(big.update_s)
    rows.append((TARGETS["update"], f"{update:.2f} s",
                 verdict(update < 0.5 and big.size >= 100_000,
                         f"median of {REINDEX_ROUNDS}, max {max(big.update_s):.2f} s{note}")))
    peak = big.memory["peak_kb"] / 1024
    rows.append((TARGETS["memory"], f"{peak:.0f} MB",
                 verdict(peak < 500 and big.size >= 100_000, f"peak RSS{note}")))
    cold = statistics.median(big.cold_s["ours"])
    rows.append((TARGETS["cold"], f"{cold:.2f} s",
                 verdict(cold < 1.5 and big.size >= 100_000,
                         f"median of {COLD_QUERIES}, max {max(big.cold_s['ours']):.2f} s{note}")))
    return rows


def summary_table(results: list[Figures]) -> str:
    sizes = [f.size for f in results]
    head = "| | " + " | ".join(f"{s:,} events" for s in sizes) + " |"
    lines = [head, "|---" * (len(sizes) + 1) + "|"]

    def row(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(f) for f in results) + " |")

    row("corpus size on disk", lambda f: f"{f.pages_bytes / 2**20:.0f} MB")
    row("parse, 1 worker", lambda f: "" if f.parse1_s is None else
        f"{f.parse1_s:.1f} s ({f.size / f.parse1_s:.0f}/s)")
    row("parse, 2 workers", lambda f: f"{f.parse2_s:.1f} s ({f.size / f.parse2_s:.0f}/s)")
    row("index (`update` into a fresh index)",
        lambda f: f"{f.index_s:.1f} s ({f.size / f.index_s:.0f}/s)")
    row("**full build** (parse, 2 workers + index)",
        lambda f: f"**{f.build_s:.1f} s** ({f.size / f.build_s:.0f}/s)")
    row("the full build again, after the larger sizes",
        lambda f: "" if f.build_again_s is None else f"{f.build_again_s:.1f} s")
    row("FTS5 build / tantivy build (same events)",
        lambda f: f"{f.fts5_build_s:.1f} s / {f.tantivy_build_s:.1f} s")
    row("index time / FTS5's", lambda f: f"{f.index_s / f.fts5_build_s:.1f}x")
    row("index size: ours / FTS5 / tantivy",
        lambda f: f"{f.index_bytes / 2**20:.0f} / {f.fts5_bytes / 2**20:.0f} / "
                  f"{f.tantivy_bytes / 2**20:.0f} MB")
    for name, label in (("ours", "ours"), ("fts5", "SQLite FTS5"), ("tantivy", "tantivy")):
        row(f"query, {label}: p50 / p95",
            lambda f, n=name: f"{f.p(n, 50):.1f} / {f.p(n, 95):.1f} ms")
    row("ours / FTS5: p50 / p95", lambda f: f"{f.p('ours', 50) / f.p('fts5', 50):.2f}x / "
                                             f"{f.p('ours', 95) / f.p('fts5', 95):.2f}x")
    row("top 10 shared with FTS5 / tantivy",
        lambda f: f"{f.overlap['fts5']:.0%} / {f.overlap['tantivy']:.0%}")
    row("re-index one changed page: `update` (index share)",
        lambda f: f"{statistics.median(f.update_s):.2f} s (max {max(f.update_s):.2f} s)")
    row("`eventsearch index FOLDER`: first run / after one page changed",
        lambda f: f"{f.cli_first_s:.1f} s / {f.cli_s:.1f} s")
    row("serving peak RSS (after imports)",
        lambda f: f"{f.memory['peak_kb'] / 1024:.0f} MB ({f.memory['imports_kb'] / 1024:.0f} MB)")
    row("cold search, median: ours / FTS5 / tantivy",
        lambda f: " / ".join(f"{statistics.median(f.cold_s[n]):.2f}" for n in ENGINES) + " s")
    return "\n".join(lines)


def render(results: list[Figures], info: dict, command: str, queries: int) -> str:
    big = max(results, key=lambda f: f.size)
    loads = [x for f in results for x in f.load]
    weights = ", ".join(f"{w:g}" for w in FTS5_WEIGHTS)
    shares = ", ".join(f"{f.index_cpu_s / f.index_s / info['nproc']:.0%} at {f.size:,}"
                       for f in results)
    notes = [
        "Other processes may have been using the CPUs during the run. The index build used "
        f"{shares} of the {info['nproc']} CPUs' time (its worker processes included). The "
        "engines' query times are measured interleaved, query by query, in the same run: "
        "their ratios hold up better than the absolute times.",
        "The generator also writes index.html, a list of every page; at 100,000 events it "
        "is over the 5 MB page limit (ingest/limits.py), and `eventsearch index` reports it "
        "as skipped.",
        *([f"The measured code changed during the run (sha256 `{info['code']}` at the start, "
           f"`{info['code_end']}` at the end). Run again for figures of one version."]
          if info["code_end"] != info["code"] else []),
    ]
    notes_text = "\n".join(textwrap.fill(n, 90, initial_indent="- ", subsequent_indent="  ",
                                         break_on_hyphens=False) for n in notes)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    target_rows = "\n".join(f"| {t} | {fig} | {v} |" for t, fig, v in targets(results))
    example_lines = "\n".join(f"      {q.describe()}" for q in big.examples)
    return f"""{SECTION}

Measured by `bench/perf.py` ({stamp}), in one run:

    {command}

Machine: {info['cpu']}, {info['nproc']} CPUs (nproc), {info['memory_gb']} GB RAM;
Python {info['python']}, Whoosh {info['whoosh']}, SQLite {info['sqlite']}, tantivy
{info['tantivy']}. Code measured: sha256 `{info['code']}` of search/, ingest/ and web/.
Load average (1 min) during the run: {min(loads):.1f} to {max(loads):.1f}.

Corpora come from `bench/generate.py` (seed 7): 500 to 900 words in 4 to 7 sections per
page. Figures are wall-clock times.

### Targets

| Target | Figure | Verdict |
|---|---|---|
{target_rows}

### All figures

{summary_table(results)}

### What was measured

- **Full build**: `iter_directory(folder, workers=2)` over every page, then
  `create_index(dir).update(events)`, timed separately (the update reads the events' text
  in worker processes, one a core). FTS5 and tantivy are given the same parsed events.
  The smallest size is built a second time after the larger ones, and the growth
  target compares with the mean of its two builds: the machine's speed drifts over a
  run of this length.
- **Queries**: {queries} seeded queries (half 1 to 4 plain words drawn from the corpus, by
  frequency or uniformly; 15% a quoted 2 to 3 word phrase from a page, with up to 2 words;
  35% with `year=(a, b)`, `category=` or `figure=` filters), top 10 with snippets and
  facets, after {WARMUP_QUERIES} warm-up queries; each engine's first pass. Some of them:

{example_lines}

  - *ours*: `index.search(text, **filters)` on one open `EventIndex`: top 10, up to three
    section snippets per hit, four facets (category, decade, year, top 20 figures).
  - *FTS5*: an FTS5 table (title, figures, summary, body, impact;
    `porter unicode61 remove_diacritics 2`), ranked by `bm25(t, {weights})` (our field
    weights), `snippet()` of the best column, `LIMIT 10`, plus `count(*)` of all matches
    and a `GROUP BY category`; filters as `WHERE` on a table joined by rowid.
  - *tantivy*: the five fields with `en_stem`, the same weights as field boosts, top 10
    with a body snippet each, the count, and a terms aggregation over category; filters
    as `Must` clauses (a range on year, terms on category and figure).
  - All three take every word and phrase, and retry with any of them when nothing
    matches (ours loosens so).
- **Serving memory**: a separate process creates the Flask app over the index and
  answers every query as the results page and as JSON (Flask's test client); peak RSS is
  its VmHWM from `/proc/self/status`. At the end {big.memory['anon_kb'] / 1024:.0f} MB of
  its RSS was anonymous (heap) and {big.memory['file_kb'] / 1024:.0f} MB file-backed
  (libraries, and the memory-mapped segment files).
- **Re-index one page**: one page gets a new sentence in its summary, is re-parsed alone,
  and `index.update(events)` runs with every already-parsed event; median of
  {REINDEX_ROUNDS} rounds, each on another page. Then `eventsearch index FOLDER` end to
  end, a first time (it reads every page and records what it read) and again after
  another page changed.
- **Cold search**: `eventsearch search QUERY --index DIR` as a new process, the text of
  the first {COLD_QUERIES} queries (no filters); beside it a new Python process that opens
  FTS5 or tantivy and runs the same query with snippets. The OS's file cache is warm.

### Notes

{notes_text}
"""


def write_section(path: Path, section: str) -> None:
    """Replace (or add) the Search core section of ``path``, keeping everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "perf",
                        help="where corpora and indexes are written (replaced each run)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    if args.queries < 2:
        parser.error("--queries must be at least 2")

    info = machine()
    say(f"{info['cpu']}, {info['nproc']} CPUs, Python {info['python']}, "
        f"SQLite {info['sqlite']}, tantivy {info['tantivy']}")
    args.work.mkdir(parents=True, exist_ok=True)
    results = [run_size(size, args.queries, args.work, args.seed)
               for size in sorted(set(args.sizes))]
    if len(results) > 1:
        build_again(results[0], args.work)

    info["code_end"] = code_digest()
    command = (f".venv/bin/python bench/perf.py --sizes {' '.join(map(str, args.sizes))} "
               f"--queries {args.queries} --out {_shown(args.out)}")
    write_section(args.out, render(results, info, command, args.queries))

    say("\n" + summary_table(results))
    say("")
    for target, figure, judged in targets(results):
        say(f"- {target}: {figure}: {judged}")
    say(f"\nwrote the '{SECTION[3:]}' section of {args.out}")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()
