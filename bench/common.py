"""What the benchmarks share: output, percentiles, the machine, and seeded query parts."""

from __future__ import annotations

import random
import re
import statistics
from pathlib import Path

from eventsearch.ingest import Event
from eventsearch.search.analysis import STOP_WORDS


def say(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], pct: int) -> float:
    """The ``pct`` percentile of ``values``, interpolated between ranks."""
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def cpu_model() -> str:
    """The processor's name, as /proc/cpuinfo gives it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def vocabulary(events: list[Event]) -> tuple[list[str], list[str]]:
    """The corpus's words as a stream (for picking by frequency) and as a sorted set."""
    stream = [w.lower() for e in events for w in re.findall(
        r"[A-Za-z]+", " ".join((e.title, e.summary, e.body, e.impact)))
        if len(w) > 3 and w.lower() not in STOP_WORDS]
    return stream, sorted(set(stream))


def sample_phrase(rng: random.Random, events: list[Event]) -> str:
    """Two or three consecutive words of a section, none of them a stop word."""
    for _ in range(10_000):
        event = rng.choice(events)
        text = rng.choice(event.sections).text if event.sections else event.summary
        tokens = text.split()
        size = rng.randint(2, 3)
        if len(tokens) <= size:
            continue
        start = rng.randrange(len(tokens) - size)
        run = tokens[start:start + size]
        if all(t.isalpha() and t.lower() not in STOP_WORDS for t in run):
            return " ".join(t.lower() for t in run)
    raise RuntimeError("no phrase without stop words in these events")


def sample_years(rng: random.Random) -> tuple[int, int]:
    """An inclusive range of up to 16 years."""
    start = rng.randint(1943, 2020)
    return start, start + rng.randint(0, 15)
