"""``eventsearch check``: read every file of the last commit and say whether it is whole."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from eventsearch.search.codec import file_checksum, segment_checksums, segment_files
from eventsearch.search.engine import segments
from eventsearch.search.errors import SearchError
from eventsearch.search.index import open_index
from eventsearch.search.results import _AsDict
from whoosh.filedb.filestore import FileStorage


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


def check_index(path: str | os.PathLike) -> IndexCheck:
    """Check the index at ``path``: its meta file and table of contents, then every file
    its segments recorded when they were written (size and CRC-32), then every stored
    event. Problems are reported, never raised."""
    folder = Path(path)
    try:
        index = open_index(folder)
    except SearchError as exc:
        return IndexCheck(str(folder), 0, 0, 0, 0, (str(exc),))
    problems: list[str] = []
    storage = FileStorage(str(folder))
    files = size = events = 0
    try:
        searcher = index._searcher()
    except SearchError as exc:
        index.close()
        return IndexCheck(str(folder), 0, 0, 0, 0, (str(exc),))
    leaves = segments(searcher.reader())
    for leaf, _, _ in leaves:
        segment = leaf.segment()
        before = len(problems)
        sizes = segment_files(segment)
        if not sizes:
            problems.append(f"segment {segment.segment_id()} records no files: it was written "
                            "by another version; rebuild the index to check it")
        for name, crc in segment_checksums(segment).items():
            files += 1
            if not storage.file_exists(name):
                problems.append(f"{name} is missing")
                continue
            found = storage.file_length(name)
            if found != sizes[name]:
                problems.append(f"{name} is {found:,} bytes where {sizes[name]:,} were "
                                "written")
                continue
            size += found
            if file_checksum(storage, name) != crc:
                problems.append(f"{name} has changed since it was written (CRC-32)")
        if len(problems) > before:
            continue  # its stored events are not read: the files are not what was written
        for docnum in leaf.all_doc_ids():
            if not leaf.stored_fields(docnum).get("slug"):
                problems.append(f"document {docnum} of segment {segment.segment_id()} has no "
                                "slug")
            events += 1
    index.close()
    return IndexCheck(str(folder), events, len(leaves), files, size, tuple(problems))
