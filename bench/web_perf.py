"""Measure what the web page adds over the Python API: latency and throughput over HTTP.

Usage: python bench/web_perf.py [--sizes 1000 10000] [--queries 200] [--out docs/performance.md]

For each size a seeded corpus is generated (bench/generate.py) into bench/out/web/ and
indexed with ``eventsearch index`` (both are reused when already there), then
``eventsearch serve --port 0`` is started on 127.0.0.1 and, with the same seeded queries
for every side:

1. sequentially, query by query: ``EventIndex.search`` in this process, ``/search`` (the
   HTML page) and ``/api/search`` (JSON) over HTTP with one client;
2. throughput: the server started with 1 worker process, then with one per core; against
   each, every query ``--repeat`` times against ``/search``, then ``/api/search``, from
   1, 4 and 16 client threads (``--clients``), each with its own ``requests.Session``.

The page's overhead is ``page p50 / JSON API p50 - 1`` on the sequential figures, both
over HTTP from the same server (target: at most 30%). When it is missed, or with
``--profile``, the page is also timed and profiled in this process with Flask's test
client, to show where the time goes. The figures go to the ``## Web`` section of
``--out``; other sections are kept.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import signal
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventsearch.ingest import Event, find_pages, load_file  # noqa: E402
from eventsearch.search import SearchError, open_index  # noqa: E402

from bench.common import (  # noqa: E402
    cpu_model,
    percentile,
    sample_phrase,
    sample_years,
    say,
    vocabulary,
)
from bench.generate import CATEGORIES, generate_corpus  # noqa: E402

SECTION = "## Web"
EVENTSEARCH = Path(sys.executable).parent / "eventsearch"
HOST = "127.0.0.1"
TARGET = 0.30  # the page may add at most 30% to the JSON API's sequential p50, both over HTTP
WARMUP_QUERIES = 24
SAMPLE_PAGES = 150  # pages read to draw query words and phrases from
REQUEST_TIMEOUT_S = 30.0
PHASE_TIMEOUT_S = 900.0  # one concurrent phase may not take longer than this
PROFILE_QUERIES = 40
THREADS = 4  # threads per server worker process


def machine() -> dict:
    """What the figures were measured on."""
    model = cpu_model()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "python": platform.python_version(),
        "flask": version("Flask"),
        "gunicorn": version("gunicorn"),
        "whoosh": version("Whoosh"),
    }


# -- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A benchmark query: text (words, maybe a quoted phrase) and optional filters."""

    text: str
    year: tuple[int, int] | None = None
    category: str | None = None

    def kwargs(self) -> dict:
        """Keyword arguments for EventIndex.search."""
        found = {"year": self.year, "category": self.category}
        return {k: v for k, v in found.items() if v is not None}

    def params(self) -> dict:
        """The same query as URL parameters."""
        found = {"q": self.text, "category": self.category,
                 "year": f"{self.year[0]}..{self.year[1]}" if self.year else None}
        return {k: v for k, v in found.items() if v is not None}

    def describe(self) -> str:
        extra = "&".join(f"{k}={v}" for k, v in self.params().items() if k != "q")
        return self.text + (f"  [{extra}]" if extra else "")


def sample_events(folder: Path, seed: int) -> list[Event]:
    """A seeded sample of the corpus's pages, parsed."""
    pages = [p for p in find_pages(folder) if p.name != "index.html"]
    rng = random.Random(seed)
    outcomes = [load_file(p) for p in rng.sample(pages, min(SAMPLE_PAGES, len(pages)))]
    return [o for o in outcomes if isinstance(o, Event)]


def make_queries(events: list[Event], count: int, seed: int) -> list[Query]:
    """``count`` seeded queries: 1 to 4 words, some with a quoted phrase, some filtered by a
    year range or a category."""
    rng = random.Random(seed)
    stream, distinct = vocabulary(events)

    def words(low: int, high: int) -> list[str]:
        # Half by frequency (what people type), half any word of the vocabulary.
        return [rng.choice(stream) if rng.random() < 0.5 else rng.choice(distinct)
                for _ in range(rng.randint(low, high))]

    queries = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.5:
            queries.append(Query(" ".join(words(1, 4))))
        elif roll < 0.65:
            queries.append(Query(" ".join([*words(0, 2), f'"{sample_phrase(rng, events)}"'])))
        elif roll < 0.85:
            queries.append(Query(" ".join(words(1, 3)), year=sample_years(rng),
                                 category=rng.choice(CATEGORIES) if rng.random() < 0.3
                                 else None))
        else:
            queries.append(Query(" ".join(words(1, 3)), category=rng.choice(CATEGORIES)))
    return queries


# -- corpus, index, server -------------------------------------------------------------------


def prepare(size: int, work: Path, seed: int) -> tuple[Path, Path]:
    """The corpus folder and index folder for ``size`` events, made if missing."""
    folder, index_dir = work / f"corpus-{size}", work / f"index-{size}"
    if len([p for p in find_pages(folder) if p.name != "index.html"]
           if folder.exists() else []) != size:
        say(f"  generating {size:,} pages into {folder}")
        generate_corpus(folder, size, seed)
    try:
        ready = len(open_index(index_dir)) == size
    except SearchError:  # missing or outdated: build it
        ready = False
    if not ready:
        say(f"  indexing {folder} into {index_dir} (the 10,000 build takes minutes)")
        subprocess.run([str(EVENTSEARCH), "index", str(folder), "--index", str(index_dir),
                        "--rebuild"], check=True)
    return folder, index_dir


class Server:
    """``eventsearch serve`` in a subprocess on 127.0.0.1 and a free port."""

    def __init__(self, index_dir: Path, log, workers: int | None = None) -> None:
        self.process = subprocess.Popen(
            [str(EVENTSEARCH), "serve", "--index", str(index_dir), "--host", HOST,
             "--port", "0", "--threads", str(THREADS),
             *(["--workers", str(workers)] if workers else [])],
            stdout=subprocess.PIPE, stderr=log, text=True)
        self.base = ""
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(60)
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", found[0] if found else "")
        if not match:
            self.stop()
            raise RuntimeError(f"the server did not say where it listens: {found!r}")
        self.base = f"http://{HOST}:{match.group(1)}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{self.base}/api/search", params={"q": "model"}, timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        """SIGINT (the server closes cleanly), then kill if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# -- measuring -------------------------------------------------------------------------------


@dataclass
class Load:
    """One concurrent phase: wall time and per-request latencies."""

    wall_s: float
    ms: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return len(self.ms) / self.wall_s


@dataclass
class Figures:
    """Everything measured for one corpus size."""

    size: int
    api_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    json_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    page_bytes: list[int] = field(default_factory=list)
    #: (workers, clients) to the page's and the JSON API's load figures.
    page_load: dict[tuple[int, int], Load] = field(default_factory=dict)
    json_load: dict[tuple[int, int], Load] = field(default_factory=dict)
    loads: list[float] = field(default_factory=list)
    cpu_share: float = 0.0
    profile: dict | None = None

    def p(self, name: str, pct: int) -> float:
        return percentile(getattr(self, f"{name}_ms"), pct)

    @property
    def overhead(self) -> float:
        return self.p("page", 50) / self.p("json", 50) - 1


def get(session: requests.Session, url: str, params: dict,
        status: int = 200) -> tuple[float, int]:
    """Milliseconds for one whole GET (body read), and the body's size."""
    started = time.perf_counter()
    response = session.get(url, params=params, timeout=REQUEST_TIMEOUT_S)
    body = response.content
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != status:
        raise RuntimeError(f"{response.status_code} from {response.url}")
    return elapsed, len(body)


def hammer(url: str, queries: list[Query], clients: int) -> Load:
    """Every query once, from ``clients`` threads with a session each; bounded in time."""
    local = threading.local()
    deadline = time.monotonic() + PHASE_TIMEOUT_S

    def one(query: Query) -> float | None:
        if time.monotonic() > deadline:
            return None
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        try:
            return get(session, url, query.params())[0]
        except (requests.RequestException, RuntimeError) as exc:
            say(f"    error: {exc}")
            return None

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(one, queries))
    wall = time.perf_counter() - started
    done = [ms for ms in outcomes if ms is not None]
    return Load(wall, done, len(outcomes) - len(done))


def run_size(size: int, args, queries: list[Query], warmup: list[Query]) -> Figures:
    figures = Figures(size)
    _, index_dir = prepare(size, args.work, args.seed)
    index = open_index(index_dir)
    say(f"  {len(index):,} events; starting the server")
    log_path = args.work / f"server-{size}.log"
    with (log_path.open("w") as log, Server(index_dir, log) as server,
          requests.Session() as session):
        page_url, json_url = f"{server.base}/search", f"{server.base}/api/search"
        # Warm up every server thread's searcher, the templates and this process's index.
        for url in (page_url, json_url):
            hammer(url, warmup * 2, max(args.clients))
        for query in warmup:
            index.search(query.text, **query.kwargs())
            get(session, page_url, query.params())

        # The cheapest request the app answers (routing, a tiny JSON 404): HTTP's floor.
        floor_url = f"{server.base}/api/no-such-endpoint"
        say(f"  sequential: {len(queries)} queries x {args.rounds} rounds, API / page / JSON / "
            "floor interleaved")
        figures.loads.append(os.getloadavg()[0])
        sides = ("api", "page", "json", "floor")
        rounds: dict[str, list[list[float]]] = {side: [] for side in sides}
        api_cpu = api_wall = 0.0
        for _ in range(args.rounds):
            times: dict[str, list[float]] = {side: [] for side in sides}
            for number, query in enumerate(queries):
                # Rotate the order so that no side always runs right after another.
                for side in sides[number % 4:] + sides[:number % 4]:
                    if side == "api":
                        cpu = time.process_time()
                        started = time.perf_counter()
                        index.search(query.text, **query.kwargs())
                        times["api"].append((time.perf_counter() - started) * 1000)
                        api_cpu += time.process_time() - cpu
                        api_wall += times["api"][-1] / 1000
                    elif side == "page":
                        ms, size_bytes = get(session, page_url, query.params())
                        times["page"].append(ms)
                        figures.page_bytes.append(size_bytes)
                    elif side == "json":
                        times["json"].append(get(session, json_url, query.params())[0])
                    else:
                        times["floor"].append(get(session, floor_url, {}, 404)[0])
            for side in sides:
                rounds[side].append(times[side])
        # Per query and side, the least disturbed of the rounds: other processes on these
        # CPUs only ever add time, and they add more to HTTP's process hand-offs.
        for side in sides:
            setattr(figures, f"{side}_ms", [min(run) for run in zip(*rounds[side], strict=True)])
        figures.cpu_share = api_cpu / api_wall
        raw = [{"query": q.describe(), **{side: [r[n] for r in rounds[side]] for side in sides}}
               for n, q in enumerate(queries)]
        (args.work / f"sequential-{size}.json").write_text(json.dumps(raw, indent=1))
        figures.loads.append(os.getloadavg()[0])
    index.close()

    mixed = queries * args.repeat
    random.Random(args.seed).shuffle(mixed)
    for workers in sorted({1, args.workers}):
        with log_path.open("a") as log, Server(index_dir, log, workers) as server:
            page_url, json_url = f"{server.base}/search", f"{server.base}/api/search"
            for url in (page_url, json_url):  # every worker's index, templates, caches
                hammer(url, warmup * 2, max(args.clients))
            for clients in args.clients:
                say(f"  throughput: {workers} worker(s), {clients} client(s): "
                    f"{len(mixed)} requests, page then JSON")
                figures.page_load[workers, clients] = hammer(page_url, mixed, clients)
                figures.json_load[workers, clients] = hammer(json_url, mixed, clients)
                say(f"    page {figures.page_load[workers, clients].rps:.0f} req/s, "
                    f"JSON {figures.json_load[workers, clients].rps:.0f} req/s")
        figures.loads.append(os.getloadavg()[0])
    if args.profile or figures.overhead > TARGET:
        say("  profiling the page in this process (Flask test client)")
        figures.profile = profile_page(index_dir, queries[:PROFILE_QUERIES])
    return figures


#: Functions whose cumulative time per request the profile reports: (file, name, label).
PROFILED = (
    ("search/index.py", "search", "EventIndex.search"),
    ("flask/templating.py", "render_template", "render_template (search.html)"),
    ("web/ui.py", "search_url", "search_url, every caller (chart bars, facets, links)"),
    ("flask/helpers.py", "url_for", "url_for, every caller"),
    ("web/chart.py", "year_chart", "year_chart (SVG, one search_url per bar)"),
    ("web/ui.py", "_active_filters", "_active_filters"),
    ("web/app.py", "_headers", "_headers (ETag, make_conditional)"),
    ("search/results.py", "to_dict", "SearchResults.to_dict (asdict)"),
    ("flask/json/__init__.py", "jsonify", "jsonify"),
)


def profile_page(index_dir: Path, queries: list[Query]) -> dict:
    """Where the page's time goes, without HTTP: search alone, the JSON view and the page
    view timed in turn per query with Flask's test client, then cProfile over each view."""
    from eventsearch.web import create_app

    app = create_app({"INDEX": str(index_dir)})
    client = app.test_client()
    index = open_index(index_dir)
    for query in queries[:8]:
        client.get("/search", query_string=query.params())
        client.get("/api/search", query_string=query.params())
        index.search(query.text, **query.kwargs())
    times: dict[str, list[float]] = {"search": [], "json view": [], "page view": []}
    for query in queries:
        for name in times:
            started = time.perf_counter()
            if name == "search":
                index.search(query.text, **query.kwargs())
            else:
                url = "/search" if name == "page view" else "/api/search"
                response = client.get(url, query_string=query.params())
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code} from {url}")
            times[name].append((time.perf_counter() - started) * 1000)
    out, costs = io.StringIO(), {}
    for url in ("/search", "/api/search"):
        profiler = cProfile.Profile()
        profiler.enable()
        started = time.perf_counter()
        for query in queries:
            client.get(url, query_string=query.params())
        total = (time.perf_counter() - started) * 1000 / len(queries)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=out)
        costs[url] = {"whole request (test client)": total}
        for (filename, _, function), row in stats.stats.items():
            for suffix, name, label in PROFILED:
                if filename.endswith(suffix) and function == name:
                    costs[url][label] = costs[url].get(label, 0) + row[3] * 1000 / len(queries)
        if url == "/search":
            out.write(f"cProfile of GET {url}, {len(queries)} queries\n")
            stats.sort_stats("tottime").print_stats(25)
    index.close()
    return {"p50": {k: statistics.median(v) for k, v in times.items()}, "costs": costs,
            "text": out.getvalue()}


# -- reporting -------------------------------------------------------------------------------


def summary_table(results: list[Figures]) -> str:
    head = ("| Events | Page seq p50 / p95 | JSON seq p50 / p95 | Page overhead (p50) "
            "| API in process p50 / p95 | HTTP floor p50 |\n|---:|---:|---:|---:|---:|---:|")
    rows = []
    for f in results:
        rows.append(
            f"| {f.size:,} | {f.p('page', 50):.1f} / {f.p('page', 95):.1f} ms "
            f"| {f.p('json', 50):.1f} / {f.p('json', 95):.1f} ms | {f.overhead:+.0%} "
            f"| {f.p('api', 50):.1f} / {f.p('api', 95):.1f} ms "
            f"| {f.p('floor', 50):.1f} ms |")
    return head + "\n" + "\n".join(rows)


def throughput_table(results: list[Figures]) -> str:
    """Requests/s (p50 / p95 latency) by workers and clients, page and JSON."""
    rows = ["| Events | Workers | Clients | Page: req/s, p50 / p95 | JSON: req/s, p50 / p95 "
            "| Page, JSON: x 1 worker |", "|---:|---:|---:|---:|---:|---:|"]
    for f in results:
        for (workers, clients), page in sorted(f.page_load.items()):
            api = f.json_load[workers, clients]
            one_page, one_api = f.page_load[1, clients], f.json_load[1, clients]
            gain = ("" if workers == 1 else
                    f"{page.rps / one_page.rps:.2f}x, {api.rps / one_api.rps:.2f}x")
            rows.append(f"| {f.size:,} | {workers} | {clients} | {_load(page)} | {_load(api)} "
                        f"| {gain} |")
    return "\n".join(rows)


def _load(load: Load) -> str:
    errors = f", {load.errors} failed" if load.errors else ""
    return (f"{load.rps:.1f}, {percentile(load.ms, 50):.0f} / "
            f"{percentile(load.ms, 95):.0f} ms{errors}")


def verdict(f: Figures) -> str:
    met = "met" if f.overhead <= TARGET else "missed"
    paired = statistics.median(p - a for p, a in zip(f.page_ms, f.json_ms, strict=True))
    return (f"{f.size:,} events: the page adds {f.overhead:.0%} to the JSON API's p50 over "
            f"HTTP ({f.p('page', 50) - f.p('json', 50):.1f} ms; median per query "
            f"{paired:.1f} ms): target of at most {TARGET:.0%} {met}")


def render(results: list[Figures], info: dict, command: str, args,
           examples: list[Query]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    loads = [x for f in results for x in f.loads]
    verdicts = _bullets([f"{verdict(f)}." for f in results])
    example_lines = "\n".join(f"      {q.describe()}" for q in examples)
    sizes = ", ".join(f"{sum(f.page_bytes) / len(f.page_bytes) / 1024:.0f} KB at "
                      f"{f.size:,} events" for f in results)
    shares = ", ".join(f"{f.cpu_share:.0%} at {f.size:,}" for f in results)
    breakdown = _breakdown(results)
    bullets = _bullets([
        "**Page seq**: `GET /search?q=...` (the whole HTML page: results, facets, year "
        "chart), one client, one request at a time, through `requests.Session`.",
        "**API seq**: `open_index(DIR).search(q, **filters)` in the benchmark process, one "
        "`EventIndex`, sequential: what HTTP, the server and Flask add to a search.",
        "**JSON seq**: `GET /api/search?q=...`, one client, sequential, on the same "
        "server as the page. **Overhead** = page seq p50 / JSON seq p50 - 1: what the "
        "page's rendering adds over the JSON API, both over HTTP.",
        "**HTTP floor**: `GET /api/no-such-endpoint` (routing and a tiny JSON 404), one "
        "client, sequential: what any request costs here, client and server together.",
        f"The four run interleaved query by query (the order rotating), so load from other "
        f"processes falls on all of them alike, in {args.rounds} rounds over all the "
        "queries; each query keeps its fastest time per side (other processes only ever "
        "add time, and they add most to HTTP's hand-offs between processes), and p50/p95 "
        "are over the queries. `bench/out/web/sequential-SIZE.json` has every round.",
        f"**Throughput**: every query {args.repeat} times "
        f"({args.queries * args.repeat:,} requests, seeded shuffle) from 1, 4 and 16 "
        "client threads, each with its own `requests.Session`, against the server started "
        f"with `--workers 1` and with `--workers {args.workers}` ({THREADS} threads each); "
        "requests/s is requests over the phase's wall time. The clients share the "
        f"{info['nproc']} CPUs with the server, so with more clients than cores latencies "
        "are mostly queueing, and throughput is the figure to read.",
        f"Queries: {args.queries} seeded queries drawn from {SAMPLE_PAGES} sampled pages "
        "of the smallest corpus (all sizes share the generator's vocabulary): half 1 to 4 "
        "words (by frequency or uniformly from the vocabulary), 15% with a quoted 2 to 3 "
        "word phrase, 20% with `year=A..B` (sometimes with a category), 15% with "
        f"`category=`; after {WARMUP_QUERIES} warm-up queries (another seed) on every "
        "side. The first ones:",
    ])
    split = "; ".join(
        f"at {f.size:,} events {f.p('floor', 50):.1f} ms HTTP floor, "
        f"{f.p('json', 50) - f.p('api', 50):.1f} ms JSON over HTTP beyond the API, "
        f"{f.p('page', 50) - f.p('json', 50):.1f} ms page beyond JSON" for f in results)
    notes = _bullets([
        "Where the page's added time goes, as differences of the p50s above: "
        f"{split}. The added time is close to a constant per request, while search time "
        "grows with the corpus, so the ratio is worst on small corpora. Against the "
        "in-process API, the page adds "
        + ", ".join(f"{f.p('page', 50) / f.p('api', 50) - 1:.0%} at {f.size:,}"
                    for f in results) + " (p50 over p50).",
        f"Other CPU-heavy benchmarks were running on the same {info['nproc']} CPUs during "
        "the run (load average above). Share of wall time the in-process API calls got on "
        f"the CPU: {shares}; below 100% means absolute times are inflated by contention. "
        "The sequential comparison is interleaved, so the overhead ratio holds up better "
        "than the absolute numbers; the concurrent figures are the noisiest.",
        "The concurrent client (Python threads with `requests`) runs on the same CPUs as "
        "the server and takes part of them: requests/s is a floor for what the server can "
        "do here.",
        "The server's own log (stderr) goes to `bench/out/web/server-SIZE.log`.",
    ])
    return f"""{SECTION}

Measured by `bench/web_perf.py` ({stamp}), in one run:

    {command}

Machine: {info['cpu']}, {info['nproc']} CPUs (nproc); Python {info['python']},
Flask {info['flask']}, gunicorn {info['gunicorn']}, Whoosh {info['whoosh']}.
Load average (1 min) during the run: {min(loads):.1f} to {max(loads):.1f}.

The server is `eventsearch serve --index DIR --port 0 --threads {THREADS}` (gunicorn) on
127.0.0.1; corpora come from `bench/generate.py` (seed {args.seed}), indexed with
`eventsearch index`. Latencies are wall-clock, client side, body read.

### Target: the results page adds at most {TARGET:.0%} to the JSON API's p50 (both over HTTP)

{verdicts}

### Figures

{summary_table(results)}

Throughput, by server worker processes and client threads:

{throughput_table(results)}

{bullets}

{example_lines}

- Average size of a results page: {sizes}.
{breakdown}
### Notes

{notes}
"""


def _bullets(items: list[str]) -> str:
    return "\n".join(textwrap.fill(item, 90, initial_indent="- ", subsequent_indent="  ",
                                    break_on_hyphens=False) for item in items)


def _breakdown(results: list[Figures]) -> str:
    profiled = [f for f in results if f.profile]
    if not profiled:
        return ""
    lines = ["", "### Where the page's time goes (Flask test client, in process)", "",
             textwrap.fill(
                 f"The first {PROFILE_QUERIES} queries (or all, if fewer), timed three ways "
                 "in turn without HTTP (p50), then each view under cProfile (mean per "
                 "request, cumulative, so nested rows overlap; cProfile inflates "
                 "Python-heavy code a few times over).", 90), "",
             "| Events | search() p50 | JSON view p50 | page view p50 |",
             "|---:|---:|---:|---:|"]
    for f in profiled:
        p50 = f.profile["p50"]
        lines.append(f"| {f.size:,} | {p50['search']:.1f} ms | {p50['json view']:.1f} ms "
                     f"| {p50['page view']:.1f} ms |")
    lines += ["", "| Per request, under cProfile | "
              + " | ".join(f"page, {f.size:,} | JSON, {f.size:,}" for f in profiled) + " |",
              "|---|" + "---:|---:|" * len(profiled)]
    labels = ["whole request (test client)", *(label for _, _, label in PROFILED)]
    for label in labels:
        cells = []
        for f in profiled:
            for url in ("/search", "/api/search"):
                value = f.profile["costs"][url].get(label)
                cells.append(f"{value:.2f} ms" if value else "")
        if any(cells):
            lines.append(f"| {label.strip()} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace (or add) the Web section of ``path``, keeping everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2,
                        help="times each query is sent in the concurrent phases")
    parser.add_argument("--rounds", type=int, default=3,
                        help="sequential passes; each query keeps its fastest per side")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16],
                        help="client threads of the throughput phases")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                        help="worker processes of the server beside 1 (default: the cores)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true",
                        help="profile the page even when the target is met")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "web",
                        help="where corpora and indexes are kept between runs")
    args = parser.parse_args()
    if args.queries < 2:
        parser.error("--queries must be at least 2")
    if args.rounds < 1 or args.repeat < 1 or min(args.clients) < 1 or args.workers < 1:
        parser.error("--rounds, --repeat and --clients must be at least 1")

    info = machine()
    say(f"{info['cpu']}, {info['nproc']} CPUs, Python {info['python']}")
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(args.sizes))
    # One query list for every size and side, drawn from the smallest corpus (the larger
    # ones are generated with the same seed, so they share its prose and vocabulary).
    folder, _ = prepare(sizes[0], args.work, args.seed)
    events = sample_events(folder, args.seed)
    queries = make_queries(events, args.queries, args.seed)
    warmup = make_queries(events, WARMUP_QUERIES, args.seed + 1)
    results = []
    for size in sizes:
        say(f"\n{size:,} events")
        results.append(run_size(size, args, queries, warmup))
        say(verdict(results[-1]))

    say("\n" + summary_table(results) + "\n\n" + throughput_table(results))
    for f in results:
        if f.profile:
            say(f"\n-- profile of the page at {f.size:,} events; p50 in process: "
                + ", ".join(f"{k} {v:.1f} ms" for k, v in f.profile["p50"].items()))
            for url, costs in f.profile["costs"].items():
                say(f"  {url}, per request under cProfile:")
                for label, ms in costs.items():
                    say(f"    {ms:7.2f} ms  {label}")
            say(f.profile["text"])
    command = (f".venv/bin/python bench/web_perf.py --sizes {' '.join(map(str, sizes))} "
               f"--queries {args.queries}")
    defaults = {"repeat": 2, "rounds": 3, "clients": [1, 4, 16], "seed": 7,
                "workers": len(os.sched_getaffinity(0))}
    for key, value in defaults.items():
        if getattr(args, key) != value:
            shown = getattr(args, key)
            command += f" --{key} " + (" ".join(map(str, shown)) if isinstance(shown, list)
                                       else str(shown))
    section = render(results, info, command, args, queries[:8])
    write_section(args.out, section)  # re-reads the file: another bench may have written it
    say(f"\nwrote the '{SECTION[3:]}' section of {args.out}")


if __name__ == "__main__":
    main()
