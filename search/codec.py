"""How segments are written and read: Whoosh's W3 format, through Whoosh's ``Codec``
extension point, with two guarantees added.

- **A generation is opened whole when it is taken.** Whoosh opens a segment's column
  files (stored fields, field lengths, our own columns) the first time each is read. A
  commit that merges a segment away deletes its files, so a reader that took the old
  generation just before, and reads a column just after, found the file gone: Whoosh's
  multi-segment column reader then skipped that segment, shifting every later document
  number onto another event's row. Here a segment records the columns it wrote, and its
  reader opens every one of them when it is made, which Whoosh does inside its own retry
  loop for files deleted under it. On POSIX an open file stays readable after it is
  deleted, so the generation stays whole for as long as its reader lives.
- **A damaged file is an error, never a wrong answer.** A segment records the size of
  every file it wrote; a reader that finds a file missing or of another size raises
  :class:`~search.errors.IndexCorrupt` instead of reading it.
"""

from __future__ import annotations

import zlib

from eventsearch.search.errors import IndexCorrupt
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PerDocReader, W3PerDocWriter


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


def _recorded(segment) -> dict[str, tuple[int, int]]:
    return dict(getattr(segment, "eventsearch_files", None) or {})


def _record(storage, segment, names) -> None:
    """Add ``names`` (files of ``segment`` just written and closed) to its record."""
    files = _recorded(segment)
    files.update((name, (storage.file_length(name), file_checksum(storage, name)))
                 for name in names)
    # The segment object is pickled into the table of contents at the commit.
    segment.eventsearch_files = files


def _column_names(segment) -> list[str]:
    return list(getattr(segment, "eventsearch_columns", None) or ())


class EventCodec(W3Codec):
    """Whoosh's W3 codec with segments that record their files and readers that open
    every one of them at once (see the module docstring)."""

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return _PerDocReader(storage, segment)

    def terms_reader(self, storage, segment):
        # Whoosh makes a segment's terms reader first: check every file of the segment
        # before any is opened, so that a damaged one leaves nothing open behind it.
        _check_sizes(storage, segment, segment_files(segment))
        return super().terms_reader(storage, segment)


def _check_sizes(storage, segment, names) -> None:
    """Raise IndexCorrupt if a recorded file of ``segment`` is not as it was written.

    A missing file raises FileNotFoundError instead, which Whoosh's reader retries: a
    commit may have deleted it a moment ago, and the next table of contents will not
    name it.
    """
    recorded = segment_files(segment)
    for name in names:
        if name not in recorded:
            continue
        size = storage.file_length(name)
        if size != recorded[name]:
            raise IndexCorrupt(
                f"{name} is {size:,} bytes where {recorded[name]:,} were written")


class _PerDocWriter(W3PerDocWriter):
    def __init__(self, codec, storage, segment) -> None:
        super().__init__(codec, storage, segment)
        self.event_storage = storage
        self.event_segment = segment
        # Whoosh makes the stored-fields column for every segment.
        self.column_names = {"_stored"}

    def add_column_value(self, fieldname, column, value) -> None:
        self.column_names.add(fieldname)
        super().add_column_value(fieldname, column, value)

    def close(self) -> None:
        super().close()
        segment = self.event_segment
        segment.eventsearch_columns = tuple(sorted(self.column_names))
        _record(self.event_storage, segment,
                [W3Codec.column_filename(segment, name) for name in self.column_names])


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
    """Opens every column file of its segment when it is made."""

    def __init__(self, storage, segment) -> None:
        super().__init__(storage, segment)
        self.event_storage = storage
        self.event_segment = segment
        self.opened: dict[str, tuple[object, int]] = {}
        names = _column_names(segment)
        self.recorded = bool(names)
        opened = False
        try:
            for name in names:
                filename = W3Codec.column_filename(segment, name)
                self.opened[name] = (storage.open_file(filename),
                                     storage.file_length(filename))
            opened = True
        finally:
            if not opened:
                self.close()

    def has_column(self, fieldname) -> bool:
        if not self.recorded:
            return super().has_column(fieldname)
        return fieldname in self.opened

    def column_reader(self, fieldname, column):
        if not self.recorded:
            return super().column_reader(fieldname, column)
        dbfile, length = self.opened[fieldname]
        return column.reader(dbfile, 0, length, self.doc_count_all())

    def close(self) -> None:
        super().close()
        for dbfile, _ in self.opened.values():
            dbfile.close()
        self.opened = {}
