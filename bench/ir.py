"""Ranking quality on the classic IR test collections: our search next to plain BM25.

Usage: python bench/ir.py [--collections cranfield cisi vaswani] [--out docs/relevance-ir.md]
                          [--data ../shared/data/ir]

For each collection (../shared/data/ir, see its README.md) the documents go through the
product's own pipeline: each becomes an ``ingest.Event``, indexed by ``create_index`` and
``EventIndex.update`` in a temporary folder, and every query is ranked by
``EventIndex.ranked``, exactly as the search ranks. In the same run, plain BM25 (bm25s:
lower-case, English stop words, Snowball English stems, k1=0.9, b=0.4) ranks the same
documents. Both runs are scored by ir-measures on binary relevance (MAP, nDCG@10, P@10,
R@100), averaged over the judged queries; a query that returns nothing scores 0.

The results table replaces the part of ``--out`` between its two result markers (the rest
of the file, the reading of the figures, is left alone).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bm25s  # noqa: E402
import eventsearch.search.query as search_query  # noqa: E402
import eventsearch.search.scoring as scoring  # noqa: E402
import ir_measures  # noqa: E402
import Stemmer  # noqa: E402
from eventsearch.ingest import Event, Section  # noqa: E402
from eventsearch.search import EventIndex, create_index  # noqa: E402
from eventsearch.search.schema import FIELD_BOOSTS  # noqa: E402
from ir_measures import AP, P, R, nDCG  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ir"
COLLECTIONS = ("cranfield", "cisi", "vaswani")
DEPTH = 1000
MEASURES = {"MAP": AP, "nDCG@10": nDCG @ 10, "P@10": P @ 10, "R@100": R @ 100}
BM25_K1, BM25_B = 0.9, 0.4
START, END = "<!-- results:start -->", "<!-- results:end -->"

# What our query language reads as operators, and which plain prose would trip: brackets,
# quotes, ``*``, ``|``, ``:`` (``field:``), and ``-``, ``+`` or ``&`` at the start of a word
# (Cranfield writes ``methods -dash exact``). Hyphens inside words are left: they are the
# product's own word analysis (``two-dimensional`` is the phrase ``two dimensional``).
OPERATOR_CHARS = re.compile(r"""[()"*|:]|(?<!\S)[-+&]+""")


@dataclass
class Collection:
    """Documents (id -> (title, text)), queries (id -> text) and binary judgments."""

    name: str
    docs: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]

    @property
    def judged(self) -> list[str]:
        """Queries with at least one relevant document: the ones averaged over."""
        return [qid for qid in self.queries if any(self.qrels.get(qid, {}).values())]


@dataclass
class Side:
    """One ranking's run over a collection: ranked doc ids per query and timings."""

    name: str
    run: dict[str, list[str]] = field(default_factory=dict)
    index_s: float = 0.0
    query_s: list[float] = field(default_factory=list)


# -- reading the collections -----------------------------------------------------------------


def read_text(path: Path) -> str:
    """A file's text with CRLF (Cranfield) turned into LF."""
    return path.read_bytes().decode("utf-8").replace("\r\n", "\n")


def smart_records(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(id, {field letter: text}) of a SMART file (``.I 1``, ``.T``, ``.W``...).

    A field given twice in one record (Cranfield 576 and 578 have stray repeats) is joined.
    """
    record_id, fields, current = None, {}, None
    for line in text.split("\n"):
        marker = re.match(r"\.([A-Z])(?:\s+(.*))?$", line)
        if marker and marker.group(1) == "I":
            if record_id is not None:
                yield record_id, {k: "\n".join(v).strip() for k, v in fields.items()}
            record_id, fields, current = marker.group(2).strip(), {}, None
        elif marker:
            current = marker.group(1)
            fields.setdefault(current, [])
            if marker.group(2):
                fields[current].append(marker.group(2))
        elif current is not None:
            fields[current].append(line)
    if record_id is not None:
        yield record_id, {k: "\n".join(v).strip() for k, v in fields.items()}


def read_cranfield(folder: Path) -> Collection:
    """Cranfield 1400: qrels number queries by position; grade -1 is not relevant."""
    docs = {i: (f.get("T", ""), f.get("W", ""))
            for i, f in smart_records(read_text(folder / "cran.all.1400"))}
    queries = {}
    for position, (_, f) in enumerate(smart_records(read_text(folder / "cran.qry")), 1):
        queries[str(position)] = f.get("W", "")
    qrels: dict[str, dict[str, int]] = {}
    for line in read_text(folder / "cranqrel").splitlines():
        if line.strip():
            qid, docid, grade = line.split()[:3]
            qrels.setdefault(qid, {})[docid] = 1 if 1 <= int(grade) <= 4 else 0
    return Collection("cranfield", docs, queries, qrels)


def read_cisi(folder: Path) -> Collection:
    """CISI: title and abstract indexed, authors and cross-references not. A query is its
    text, after its title where it has one (55 of the 112 are an article's title and
    abstract), as in the README's reference figures."""
    docs = {i: (f.get("T", ""), f.get("W", ""))
            for i, f in smart_records(read_text(folder / "CISI.ALL"))}
    queries = {i: "\n".join(filter(None, (f.get("T"), f.get("W"))))
               for i, f in smart_records(read_text(folder / "CISI.QRY"))}
    qrels: dict[str, dict[str, int]] = {}
    for line in read_text(folder / "CISI.REL").splitlines():
        if line.strip():
            qid, docid = line.split()[:2]
            qrels.setdefault(qid, {})[docid] = 1
    return Collection("cisi", docs, queries, qrels)


def read_vaswani(folder: Path) -> Collection:
    """Vaswani (NPL), TREC-formatted: no titles; queries are in capitals."""
    docs = {m.group(1): ("", m.group(2).strip()) for m in re.finditer(
        r"<DOC>\s*<DOCNO>\s*(\S+?)\s*</DOCNO>(.*?)</DOC>", read_text(folder / "doc-text.trec"),
        re.S)}
    queries = {m.group(1): " ".join(m.group(2).split()) for m in re.finditer(
        r"<num>\s*(\S+?)\s*</num>\s*<title>(.*?)</title>",
        read_text(folder / "query-text.trec"), re.S)}
    qrels: dict[str, dict[str, int]] = {}
    for line in read_text(folder / "qrels").splitlines():
        if line.strip():
            qid, _, docid, grade = line.split()[:4]
            qrels.setdefault(qid, {})[docid] = 1 if int(grade) > 0 else 0
    return Collection("vaswani", docs, queries, qrels)


READERS: dict[str, Callable[[Path], Collection]] = {
    "cranfield": read_cranfield,
    "cisi": read_cisi,
    "vaswani": read_vaswani,
}


# -- the two rankings ------------------------------------------------------------------------


def to_event(collection: str, docid: str, title: str, text: str) -> Event:
    """A document as the product sees a page: its title, and its text as one section."""
    return Event(slug=f"d{docid}", url=f"ir://{collection}/{docid}", title=title, year=None,
                 category=None, summary="", sections=(Section("", "", text),), figures=(),
                 impact="", related=())


def query_text(text: str) -> str:
    """Query prose as a user would type it: no operators, in lower case (so Vaswani's
    capitals ``OR``, ``AND``, ``NOT`` are words, which the analysis drops as stop words)."""
    return " ".join(OPERATOR_CHARS.sub(" ", text).lower().split())


def index_ours(collection: Collection, folder: Path) -> tuple[EventIndex, float]:
    """The collection indexed by the product in ``folder``, and the seconds it took."""
    started = time.perf_counter()
    index = create_index(folder)
    index.update(to_event(collection.name, docid, title, text)
                 for docid, (title, text) in collection.docs.items())
    return index, time.perf_counter() - started


def rank_ours(collection: Collection, index: EventIndex, name: str = "ours",
              index_s: float = 0.0) -> Side:
    """Every query ranked by ``EventIndex.ranked``."""
    side = Side(name, index_s=index_s)
    for qid in collection.queries:
        started = time.perf_counter()
        ranked = index.ranked(query_text(collection.queries[qid]), limit=DEPTH)
        side.query_s.append(time.perf_counter() - started)
        side.run[qid] = [slug[1:] for slug, _ in ranked]
    return side


def rank_bm25(collection: Collection, *, stopwords: str | list[str] = "en",
              unique: bool = False) -> Side:
    """Every query ranked by plain BM25 (bm25s) over title and text.

    :param unique: count a word written twice in a query once (what repeats are worth).
    """
    stemmer = Stemmer.Stemmer("english")
    side = Side("bm25s")
    docids = list(collection.docs)
    started = time.perf_counter()
    corpus = bm25s.tokenize([f"{t}\n{w}" for t, w in collection.docs.values()], lower=True,
                            stopwords=stopwords, stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    retriever.index(corpus, show_progress=False)
    side.index_s = time.perf_counter() - started
    depth = min(DEPTH, len(docids))
    for qid, text in collection.queries.items():
        started = time.perf_counter()
        tokens = bm25s.tokenize([text], lower=True, stopwords=stopwords, stemmer=stemmer,
                                return_ids=False, show_progress=False)[0]
        if unique:
            tokens = list(dict.fromkeys(tokens))
        known = [[t for t in tokens if t in retriever.vocab_dict]]
        if known[0]:
            found, scores = retriever.retrieve(known, k=depth, show_progress=False)
            side.run[qid] = [docids[i] for i, s in zip(found[0], scores[0], strict=True)
                             if s > 0]
        else:
            side.run[qid] = []
        side.query_s.append(time.perf_counter() - started)
    return side


# -- scoring ---------------------------------------------------------------------------------


def evaluate(collection: Collection, run: dict[str, list[str]]) -> dict[str, float]:
    """Each measure averaged over the judged queries (a query with no results scores 0).

    Scores are ranks turned into descending numbers, so ties keep the ranking's own order.
    """
    judged = collection.judged
    qrels = {qid: collection.qrels[qid] for qid in judged}
    scored = {qid: {docid: float(len(run[qid]) - rank) for rank, docid in enumerate(run[qid])}
              for qid in judged if run.get(qid)}
    per_query = {name: dict.fromkeys(judged, 0.0) for name in MEASURES}
    names = {measure: name for name, measure in MEASURES.items()}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, scored):
        per_query[names[metric.measure]][metric.query_id] = metric.value
    return {name: statistics.fmean(values.values()) for name, values in per_query.items()}


# -- reporting -------------------------------------------------------------------------------


def table(collection: Collection, ours: Side, baseline: Side) -> str:
    """A Markdown table of both sides' figures, their difference and their timings."""
    a, b = evaluate(collection, ours.run), evaluate(collection, baseline.run)
    lines = [
        f"**{collection.name}**: {len(collection.docs)} documents, "
        f"{len(collection.judged)} judged queries",
        "",
        "| | " + " | ".join(MEASURES) + " | index (s) | queries (s) | ms/query (max) |",
        "|---|" + "---:|" * (len(MEASURES) + 3),
    ]
    for side, figures in ((ours, a), (baseline, b)):
        lines.append(
            f"| {side.name} | " + " | ".join(f"{figures[m]:.3f}" for m in MEASURES)
            + f" | {side.index_s:.1f} | {sum(side.query_s):.2f} | "
            f"{1000 * statistics.fmean(side.query_s):.1f} ({1000 * max(side.query_s):.0f}) |")
    lines.append("| difference | " + " | ".join(
        f"{a[m] - b[m]:+.3f} ({(a[m] - b[m]) / b[m]:+.0%})" for m in MEASURES) + " | | | |")
    return "\n".join(lines)


def ranking_params() -> dict[str, float]:
    """Our BM25F's parameters as run (search/scoring.py)."""
    return {"K1": scoring.K1, "B": scoring.B,
            **{f"{name}_B": b for name, b in scoring.FIELD_B.items()}}


def settings() -> str:
    """Our ranking's settings as run (they change; the figures hold for these)."""
    boosts = ", ".join(f"{name} {boost:g}" for name, boost in FIELD_BOOSTS.items())
    params = ", ".join(f"{name}={value:g}" for name, value in ranking_params().items())
    return (f"Ours as run: BM25F({params}) with Lucene's idf; field boosts "
            f"{boosts}; at most {search_query.MAX_CLAUSES} terms and "
            f"{search_query.MAX_QUERY_CHARS} characters per query.")


def write_results(out: Path, command: str, blocks: list[str]) -> None:
    """Put the tables between the result markers of ``out`` (creating it if needed)."""
    block = "\n".join([START, "", f"`{command}`", "", settings(), "",
                       "\n\n".join(blocks), "", END])
    text = out.read_text() if out.exists() else (
        "# Ranking on the classic IR test collections\n\n" + START + "\n" + END + "\n")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    out.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", nargs="+", choices=COLLECTIONS, default=COLLECTIONS)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "relevance-ir.md")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"bench/ir.py: no IR test collections at {args.data} (give --data FOLDER)")
    missing = [name for name in args.collections if not (args.data / name).is_dir()]
    if missing:
        sys.exit(f"bench/ir.py: no {', '.join(missing)} in {args.data}")
    command = ".venv/bin/python bench/ir.py --collections " + " ".join(args.collections)
    print(settings(), end="\n\n")
    blocks = []
    for name in args.collections:
        collection = READERS[name](args.data / name)
        baseline = rank_bm25(collection)
        with tempfile.TemporaryDirectory(prefix=f"ir-{name}-") as tmp:
            index, index_s = index_ours(collection, Path(tmp))
            ours = rank_ours(collection, index, index_s=index_s)
            index.close()
            blocks.append(table(collection, ours, baseline))
            print(blocks[-1], end="\n\n", flush=True)
    write_results(args.out, command, blocks)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
