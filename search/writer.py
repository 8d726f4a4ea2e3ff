"""Writing the index: planning an update by content hash, committing it whole, merging.

An update is one Whoosh commit: new slugs added, changed ones replaced, missing ones
deleted (unless kept), unchanged ones left alone; readers see all of it or none. Whoosh's
writer holds the write lock (an ``fcntl`` lock, released by the kernel if its holder
dies) and writes the table of contents last: the rename is the commit.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from eventsearch.ingest.model import Event
from eventsearch.search.building import Analysed, Numbers, Stamped, analyse
from eventsearch.search.codec import EventCodec
from eventsearch.search.errors import IndexLocked, IndexWriteError
from eventsearch.search.merging import segments_to_merge
from eventsearch.search.results import UpdateReport
from eventsearch.search.schema import EVENT_FIELD, to_document
from eventsearch.search.storage import reading
from whoosh.index import LockError
from whoosh.writing import CLEAR

if TYPE_CHECKING:
    from eventsearch.search.index import EventIndex

log = logging.getLogger(__name__)

#: How long a second writer waits for the first before giving up (seconds).
WRITE_LOCK_TIMEOUT = 10.0
#: An update that writes at least this many events reads their text in worker processes.
PARALLEL_MIN = 2000


#: One step of an update: add or replace an event, or delete a slug.
Action = tuple[Literal["add", "replace"], Event] | tuple[Literal["delete"], str]


@dataclass
class Plan:
    """What an update must do, and what it counts."""

    actions: list[Action] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


def plan_update(indexed: dict[str, str], events: list[Event], *, keep: set[str],
                delete_missing: bool, delete: set[str], rebuild: bool,
                stored: Callable[[str], Event | None]) -> Plan:
    """(action, event or slug) pairs that bring an index holding ``indexed`` (slug to
    content hash) in line with ``events``.

    :param stored: the indexed event of a slug (a rebuild carries over the kept ones).
    """
    found = Plan()
    slugs = [event.slug for event in events]
    seen = dict.fromkeys(slugs)
    if len(seen) < len(events):  # the first event of a slug is kept
        unique, kept = [], set()
        for event in events:
            if event.slug in kept:
                found.counts["skipped"] += 1
                found.notes.append(f"duplicate slug {event.slug!r} ({event.url}): "
                                   "kept the first")
            else:
                kept.add(event.slug)
                unique.append(event)
        events = unique
    if rebuild:
        changed = events
    else:
        changed = [event for event in events if indexed.get(event.slug) != event.content_hash]
        found.counts["unchanged"] = len(events) - len(changed)
    for event in changed:
        new = event.slug not in indexed
        found.actions.append(("add" if rebuild or new else "replace", event))
        found.counts["added" if new else "updated"] += 1
    # Every slug of the index is among the events when as many of them were indexed.
    known = len(events) - found.counts["added"]
    missing = set() if known == len(indexed) else indexed.keys() - seen.keys()
    if rebuild:
        # A rebuild clears every old segment: carry over the events to keep.
        for slug in sorted(missing & keep):
            carried = stored(slug)
            if carried is not None:
                found.actions.append(("add", carried))
        found.counts["deleted"] = len(missing - keep)
    else:
        gone = (missing if delete_missing else missing & delete) - keep
        found.actions.extend(("delete", slug) for slug in sorted(gone))
        found.counts["deleted"] = len(gone)
    return found


def open_writer(index: EventIndex, lock_timeout: float):
    """A Whoosh writer of our codec, once the write lock is ours.

    :raises IndexLocked: another writer held the lock for ``lock_timeout`` seconds.
    :raises IndexWriteError: the lock cannot be taken (no permission, read-only disk).
    """
    try:
        # compound=False: a reader of a compound segment file holds its parts in memory;
        # separate files are read where they lie.
        with reading(index.path):
            return index.whoosh_index().writer(timeout=lock_timeout, compound=False,
                                               codec=EventCodec())
    except LockError:
        raise IndexLocked(
            f"the index at {index.path} is being written by another process; "
            f"gave up after waiting {lock_timeout:g} s"
        ) from None
    except OSError as exc:
        raise IndexWriteError(f"cannot write the index at {index.path}: "
                              f"{exc.strerror or exc}") from None


#: When an indexed event was added and changed (Unix time), and its content hash.
Indexed = tuple[float, float, str]


def apply(writer, found: Plan, progress: Callable[[Event], None] | None,
          indexed: Callable[[str], Indexed | None], now: float) -> None:
    """Give the writer a plan's actions (the events' text read in several processes when
    there are many).

    :param indexed: what the index holds of a slug: its times and content hash.
    :param now: the time of this update, for events new or changed.
    """
    written = [action[1] for action in found.actions if action[0] != "delete"]
    with _analysing(written) as analysed:
        for action in found.actions:
            if action[0] == "delete":
                writer.delete_by_term("slug", action[1])
                continue
            event = action[1]
            added, changed = stamp(indexed(event.slug), event.content_hash, now)
            document = {**to_document(event),
                        EVENT_FIELD: Stamped(next(analysed), added, changed)}
            if action[0] == "add":
                writer.add_document(**document)
            else:
                writer.update_document(**document)
            if progress is not None:
                progress(event)


def stamp(indexed: Indexed | None, content_hash: str, now: float) -> tuple[float, float]:
    """When an event being written was first indexed and when its content was: a new
    event now and now; one indexed before keeps when it was added, and when it changed
    unless its content did (a rebuild rewrites unchanged events too)."""
    if indexed is None:
        return now, now
    added, changed, old_hash = indexed
    return added, changed if old_hash == content_hash else now


@contextmanager
def _analysing(events: list[Event]) -> Iterator[Iterator[Event | Analysed]]:
    """The events to write, in order: as they are, for the segment builder to read, or,
    when there are at least PARALLEL_MIN, already read in worker processes, one a core
    (building.analyse, each worker in numbers of its own).

    Workers started by ``fork`` find the events in the memory they share with this
    process, and are sent only their positions; other workers are sent the events.
    """
    workers = min(os.cpu_count() or 1, 4)
    if len(events) < PARALLEL_MIN or workers < 2:
        yield iter(events)
        return
    context = multiprocessing.get_context(START_METHOD)
    inherited = context.get_start_method() == "fork"
    # The objects alive now stay out of the garbage collector's way while the update
    # runs: its passes over the events would take longer as they grow, and in a forked
    # worker they would write to (and so copy) every page the worker shares with us.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=_start_worker,
                                 initargs=(os.getpid(), events if inherited else None)) as pool:
            batches: list[range] | list[list[Event]]
            if inherited:
                batches = [range(start, min(start + CHUNK, len(events)))
                           for start in range(0, len(events), CHUNK)]
            else:
                batches = [events[start:start + CHUNK]
                           for start in range(0, len(events), CHUNK)]
            yield itertools.chain.from_iterable(pool.map(_analyse_in_worker, batches))
    finally:
        gc.unfreeze()


#: How worker processes start (None: the platform's default).
START_METHOD: str | None = None
#: How many events a worker reads per task.
CHUNK = 128
#: In a worker process: its numbers, the name it gives them, and the events it inherited.
_worker: tuple[Numbers, str, list[Event] | None] | None = None


def _start_worker(parent: int, events: list[Event] | None) -> None:
    """In a worker process: number terms in a series of its own, and exit as soon as the
    parent is gone (even after ``kill -9``), rather than wait for work that never comes."""
    global _worker
    _worker = (Numbers(), f"{os.getpid()}-{uuid.uuid4().hex}", events)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _analyse_in_worker(batch: range | list[Event]) -> list[Analysed]:
    if _worker is None:
        raise RuntimeError("not in a worker process started by _analysing")
    numbers, source, events = _worker
    if isinstance(batch, range):
        if events is None:
            raise RuntimeError("sent positions of events that the worker did not inherit")
        batch = [events[i] for i in batch]
    return [analyse(event, numbers, source) for event in batch]


@contextmanager
def writing(writer, folder: Path) -> Iterator[None]:
    """Cancel ``writer`` unless the block commits it; a full disk is an IndexWriteError."""
    committed = False
    try:
        yield
        committed = True
    except OSError as exc:  # a full disk, most often: nothing of this writer is committed
        raise IndexWriteError(f"could not write the index at {folder}: "
                              f"{exc.strerror or exc}; it is left as it was at its last "
                              "commit") from None
    finally:
        if not committed:
            abandon(writer)


def abandon(writer) -> None:
    """Cancel a writer, even on a full disk: Whoosh's ``cancel()`` first closes the segment
    it was writing, which writes again and fails; its temporary files and its lock must go
    all the same (the partly written segment files are deleted by the next commit)."""
    try:
        writer.cancel()
    except OSError as exc:
        log.warning("cancelling the write: %s", exc.strerror or str(exc))
        writer.temp_storage().destroy()
        if writer.writelock:
            writer.writelock.release()


def update(index: EventIndex, events: list[Event], *, skipped: int, keep: set[str],
           delete_missing: bool, delete: set[str], rebuild: bool, merge: bool,
           lock_timeout: float, progress: Callable[[Event], None] | None) -> UpdateReport:
    """EventIndex.update: plan, commit, then merge (see its docstring)."""
    started = time.perf_counter()

    def plan() -> Plan:
        return plan_update(index.slugs(), events, keep=keep, delete_missing=delete_missing,
                           delete=delete, rebuild=rebuild, stored=index.get)

    planned_on = None
    if not rebuild:
        planned_on = index.view().key
        planned = plan()
        if not planned.actions:
            # Nothing to write: no lock taken, no files touched.
            if progress is not None:
                for event in events:
                    progress(event)
            return report(planned, skipped, started)
    writer = open_writer(index, lock_timeout)
    with writing(writer, index.path):
        # Planned again under the lock if another writer committed meanwhile.
        if planned_on is None or index.view().key != planned_on:
            planned = plan()
        apply(writer, planned, progress, indexed_times(index), time.time())
        writer.commit(mergetype=CLEAR if rebuild else index.commit_policy)
    found = report(planned, skipped, started)
    if merge:
        began = time.perf_counter()
        merged = merge_segments(index, lock_timeout=lock_timeout)
        found = dataclasses.replace(found, merged=merged,
                                    merge_s=round(time.perf_counter() - began, 3))
    return found


def indexed_times(index: EventIndex) -> Callable[[str], Indexed | None]:
    """What the index's current view holds of a slug: when its event was added and
    changed, and its content hash (None if it holds no such event)."""
    table = index.view().table()

    def indexed(slug: str) -> Indexed | None:
        docnum = table.slug_index.get(slug)
        if docnum is None:
            return None
        return float(table.added[docnum]), float(table.changed[docnum]), table.hashes[docnum]

    return indexed


def merge_segments(index: EventIndex, *, lock_timeout: float) -> int:
    """EventIndex.merge: commit the merges the policy chooses, if any."""
    with reading(index.path):
        reader = index.whoosh_index().reader()
    try:
        chosen = segments_to_merge([leaf.segment() for leaf, _ in reader.leaf_readers()])
    finally:
        reader.close()
    if not chosen:
        return 0
    writer = open_writer(index, lock_timeout)
    with writing(writer, index.path):
        writer.commit(mergetype=index.merge_policy)
    return len(chosen)


def report(found: Plan, skipped: int, started: float) -> UpdateReport:
    counts = found.counts
    return UpdateReport(
        added=counts["added"],
        updated=counts["updated"],
        deleted=counts["deleted"],
        unchanged=counts["unchanged"],
        skipped=counts["skipped"] + skipped,
        elapsed_s=round(time.perf_counter() - started, 3),
        notes=tuple(found.notes),
    )
