"""How segments are written and read: Whoosh's W3 codec, through Whoosh's ``Codec``
extension point, with our own segment file beside it and two guarantees added.

- **What queries read is ours.** Each document's ``event`` column value goes to a
  :class:`~eventsearch.search.building.SegmentBuilder`, which writes the segment's own file
  (an inverted index of each text field as arrays, and the stored rows) when Whoosh closes
  the segment. Whoosh's files hold only the ``slug`` key and the bookkeeping. A merge
  (Whoosh's ``add_reader``) reads each event back from the old segment's file, through
  the ``event`` column, and indexes it again, with the times it was indexed at.
- **A generation is opened whole when it is taken.** A segment records the files and
  columns it wrote, and its reader opens every one of them when it is made (Whoosh does
  that inside its own retry loop for files deleted under it); EventIndex maps our segment
  files when it takes a generation. On POSIX an open file stays readable after a commit
  deletes it, so the generation stays whole for as long as it is read.
- **A damaged file is an error, never a wrong answer.** A segment records the size and
  CRC-32 of every file it wrote; a reader that finds a file missing or of another size
  raises :class:`~eventsearch.search.errors.IndexCorrupt` instead of reading it.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

from eventsearch.search.building import SegmentBuilder, Stamped
from eventsearch.search.errors import IndexCorrupt
from eventsearch.search.schema import EVENT_FIELD
from eventsearch.search.segment import SegmentData
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocReader, W3PerDocWriter

#: The extension of our own segment file.
SEGMENT_EXT = ".evs"


def segment_path(storage, segment) -> str:
    """Where a segment's own file lives."""
    return os.path.join(storage.folder, segment.make_filename(SEGMENT_EXT))


def segment_files(segment) -> dict[str, int]:
    """The files a segment written by :class:`EventCodec` recorded, with their sizes
    ({} for a segment written otherwise)."""
    return {name: size for name, (size, _) in _recorded(segment).items()}


def segment_checksums(segment) -> dict[str, int]:
    """The CRC-32 of each file a segment recorded (for ``eventsearch check``)."""
    return {name: crc for name, (_, crc) in _recorded(segment).items()}


def file_checksum(storage, name: str) -> int:
    """The CRC-32 of a file of ``storage``, read a megabyte at a time."""
    crc = 0
    with storage.open_file(name) as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def check_sizes(storage, segment) -> None:
    """Raise IndexCorrupt if a recorded file of ``segment`` is not as it was written.

    A missing file raises FileNotFoundError instead, which Whoosh's reader retries: a
    commit may have deleted it a moment ago, and the next table of contents will not
    name it.
    """
    for name, size in segment_files(segment).items():
        found = storage.file_length(name)
        if found != size:
            raise IndexCorrupt(f"{name} is {found:,} bytes where {size:,} were written")


def _recorded(segment) -> dict[str, tuple[int, int]]:
    return dict(getattr(segment, "eventsearch_files", None) or {})


def _record(storage, segment, names) -> None:
    """Add ``names`` (files of ``segment`` just written and closed) to its record."""
    files = _recorded(segment)
    files.update((name, (storage.file_length(name), file_checksum(storage, name)))
                 for name in names)
    # The segment object is pickled into the table of contents at the commit.
    segment.eventsearch_files = files


class EventCodec(W3Codec):
    """Whoosh's W3 codec with our own segment file (see the module docstring)."""

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return _PerDocReader(storage, segment)

    def terms_reader(self, storage, segment):
        # Whoosh makes a segment's terms reader first: check every file of the segment
        # before any is opened, so that a damaged one leaves nothing open behind it.
        check_sizes(storage, segment)
        return super().terms_reader(storage, segment)


class _PerDocWriter(W3PerDocWriter):
    def __init__(self, codec, storage, segment) -> None:
        super().__init__(codec, storage, segment)
        self.event_storage = storage
        self.event_segment = segment
        self.builder = SegmentBuilder()
        self.document: int | None = None
        # Whoosh makes the stored-fields column for every segment.
        self.column_names = {"_stored"}

    def start_doc(self, docnum: int) -> None:
        super().start_doc(docnum)
        self.document = docnum

    def add_column_value(self, fieldname: str, column: Any, value: Any) -> None:
        if fieldname == EVENT_FIELD:
            assert self.document is not None  # Whoosh calls start_doc first
            self.builder.add(self.document, value)
            return
        self.column_names.add(fieldname)
        super().add_column_value(fieldname, column, value)

    def close(self) -> None:
        super().close()
        segment = self.event_segment
        self.builder.write(segment_path(self.event_storage, segment))
        segment.eventsearch_columns = tuple(sorted(self.column_names))
        _record(self.event_storage, segment,
                [W3Codec.column_filename(segment, name) for name in self.column_names]
                + [segment.make_filename(SEGMENT_EXT)])


class _FieldWriter(W3FieldWriter):
    def __init__(self, codec, storage, segment) -> None:
        super().__init__(codec, storage, segment)
        self.event_storage = storage
        self.event_segment = segment

    def close(self) -> None:
        super().close()
        segment = self.event_segment
        _record(self.event_storage, segment, [segment.make_filename(W3Codec.TERMS_EXT),
                                              segment.make_filename(W3Codec.POSTS_EXT)])


class _PerDocReader(W3PerDocReader):
    """Opens every column file of its segment, and its own segment file, when made."""

    def __init__(self, storage, segment) -> None:
        super().__init__(storage, segment)
        self.opened: dict[str, tuple[Any, int]] = {}
        names = list(getattr(segment, "eventsearch_columns", None) or ())
        self.recorded = bool(names)
        self.events: SegmentData | None = None
        opened = False
        try:
            for name in names:
                filename = W3Codec.column_filename(segment, name)
                self.opened[name] = (storage.open_file(filename),
                                     storage.file_length(filename))
            if self.recorded:
                self.events = SegmentData(segment_path(storage, segment))
            opened = True
        finally:
            if not opened:
                self.close()

    def has_column(self, fieldname) -> bool:
        if fieldname == EVENT_FIELD:
            return self.events is not None
        if not self.recorded:
            return super().has_column(fieldname)
        return fieldname in self.opened

    def column_reader(self, fieldname, column):
        if fieldname == EVENT_FIELD and self.events is not None:
            return _EventColumnReader(self.events)
        if not self.recorded:
            return super().column_reader(fieldname, column)
        dbfile, length = self.opened[fieldname]
        return column.reader(dbfile, 0, length, self.doc_count_all())

    def close(self) -> None:
        super().close()
        for dbfile, _ in self.opened.values():
            dbfile.close()
        self.opened = {}
        self.events = None


class _EventColumnReader:
    """The ``event`` column of a segment: each document's Event with its times, read back
    from the segment's own file (what a merge indexes again, times unchanged)."""

    def __init__(self, events: SegmentData) -> None:
        self.events = events

    def __len__(self) -> int:
        return self.events.count

    def __getitem__(self, docnum: int) -> Stamped:
        row = self.events.row(docnum)
        return Stamped(row.event(), row.added, row.changed)

    def __iter__(self):
        for docnum in range(self.events.count):
            yield self[docnum]
