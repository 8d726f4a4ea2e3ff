"""``eventsearch check``: read every file of the last commit and say whether it is whole."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from eventsearch.search.codec import file_checksum, segment_checksums, segment_files
from eventsearch.search.errors import SearchError
from eventsearch.search.index import open_index
from eventsearch.search.results import _AsDict
from eventsearch.search.storage import reading, storage


@dataclass(frozen=True)
class IndexCheck(_AsDict):
    """What checking an index found: how much was read, and every problem."""

    path: str
    events: int
    segments: int
    files: int
    bytes_read: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True if nothing is wrong."""
        return not self.problems


def check_index(path: str | os.PathLike[str]) -> IndexCheck:
    """Check the index at ``path``: its meta file and table of contents, then every file
    its segments recorded when they were written (size and CRC-32), then every stored
    event. Problems are reported, never raised."""
    folder = Path(path)
    try:
        index = open_index(folder)
        view = index.view()
        with reading(folder):
            reader = index.whoosh_index().reader()
    except SearchError as exc:
        return IndexCheck(str(folder), 0, 0, 0, 0, (str(exc),))
    problems: list[str] = []
    files = size = events = 0
    files_of = storage(folder)
    try:
        recorded = [leaf.segment() for leaf, _ in reader.leaf_readers()]
    finally:
        reader.close()
    for segment, seen in zip(recorded, view.segments, strict=True):
        before = len(problems)
        sizes = segment_files(segment)
        if not sizes:
            problems.append(f"segment {segment.segment_id()} records no files: it was "
                            "written by another version; rebuild the index to check it")
        for name, crc in segment_checksums(segment).items():
            files += 1
            if not files_of.file_exists(name):
                problems.append(f"{name} is missing")
                continue
            found = files_of.file_length(name)
            if found != sizes[name]:
                problems.append(f"{name} is {found:,} bytes where {sizes[name]:,} were "
                                "written")
                continue
            size += found
            if file_checksum(files_of, name) != crc:
                problems.append(f"{name} has changed since it was written (CRC-32)")
        if len(problems) > before:
            continue  # its stored events are not read: the files are not what was written
        deleted = set(seen.deleted.tolist())
        for docnum in range(seen.count):
            if docnum in deleted:
                continue
            try:
                row = seen.data.row(docnum)
            except ValueError as exc:  # JSON that does not decode
                problems.append(f"event {docnum} of segment {seen.id} cannot be read: {exc}")
                continue
            if not row.slug:
                problems.append(f"event {docnum} of segment {seen.id} has no slug")
            events += 1
    index.close()
    return IndexCheck(str(folder), events, len(recorded), files, size, tuple(problems))
