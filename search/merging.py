"""Which segments a commit merges into the one it writes: the index's merge policy.

Every commit writes a new segment, and every query pays for every segment; a replaced or
deleted event keeps its place in its old segment (marked deleted) until that segment is
rewritten. Whoosh's own policy (``MERGE_SMALL``) merges only once the smallest segments
together fall under a Fibonacci number, so repeated updates of a hundred events each left
a dozen segments, and replaced events were never reclaimed: the index grew to several
times the size of a fresh build, and queries slowed down with it (docs/reliability.md).

The policy here:

- **tiny segments** (1% of the events or fewer; at least 10, at most 100) are folded into
  the segment an update writes, in the update's own commit (:func:`fold_tiny`): one
  edited page does not leave a one-event segment behind, and costs little;
- then, in a commit of its own (``EventIndex.merge``, run after each update, whose changes
  searches already see), :func:`merge_policy`:
  - **tiers**: segments are grouped by size, a tier being a factor of
    :data:`TIER_FACTOR`; once a tier holds :data:`SEGMENTS_PER_TIER` segments they are
    merged into one (of the next tier), as Lucene's log merge policy does: at most a few
    segments per tier, and each event is rewritten a logarithmic number of times;
  - **deleted documents**: a segment whose share of deleted documents reaches
    :data:`MAX_DELETED_SHARE` (Lucene's default too) is rewritten without them, so the
    index stays within one and a half times the size of a fresh build.
"""

from __future__ import annotations

import math
from collections import defaultdict

from whoosh.reading import SegmentReader

TIER_FACTOR = 8
SEGMENTS_PER_TIER = 3
MAX_DELETED_SHARE = 1 / 3


def tiny_limit(total_documents: int) -> int:
    """The size up to which a segment is tiny: folded into the next commit's segment."""
    return min(100, max(10, total_documents // 100))


def segments_to_merge(found_segments: list) -> list:
    """The segments :func:`merge_policy` merges (see the module docstring); tiny ones
    are left to the next update's commit (:func:`fold_tiny`)."""
    limit = tiny_limit(sum(segment.doc_count_all() for segment in found_segments))
    sized = [s for s in found_segments if s.doc_count_all() > limit]
    chosen = [s for s in sized if s.deleted_count() >= MAX_DELETED_SHARE * s.doc_count_all()]
    tiers: dict[int, list] = defaultdict(list)
    for segment in sized:
        if segment not in chosen:
            tiers[int(math.log(max(1, segment.doc_count()), TIER_FACTOR))].append(segment)
    for members in tiers.values():
        if len(members) >= SEGMENTS_PER_TIER:
            chosen.extend(members)
    return chosen


def fold_tiny(writer, found_segments: list) -> list:
    """A Whoosh ``mergetype`` for an update's commit: fold the tiny segments into the one
    being written, so that an edit of one page leaves no one-event segment behind; the
    rest waits for :func:`merge_policy`, in a commit of its own."""
    limit = tiny_limit(sum(segment.doc_count_all() for segment in found_segments))
    tiny = [s for s in found_segments if s.doc_count_all() <= limit]
    _add(writer, tiny)
    return [s for s in found_segments if s not in tiny]


def merge_policy(writer, found_segments: list) -> list:
    """A Whoosh ``mergetype``: merge :func:`segments_to_merge` into the segment being
    written, and return the segments that stay."""
    chosen = segments_to_merge(found_segments)
    _add(writer, chosen)
    return [s for s in found_segments if s not in chosen]


def _add(writer, segments: list) -> None:
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
