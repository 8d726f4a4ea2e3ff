"""Which segments a commit merges into the one it writes: the index's merge policy.

Every commit writes a new segment, and every query pays for every segment; a replaced or
deleted event keeps its place in its old segment (marked deleted) until that segment is
rewritten. Whoosh's own policy (``MERGE_SMALL``) merges only once the smallest segments
together fall under a Fibonacci number, so repeated updates of a hundred events each left
a dozen segments, and replaced events were never reclaimed: the index grew to several
times the size of a fresh build, and queries slowed down with it (docs/reliability.md).

The policy here, applied at every commit:

- **tiny segments** (1% of the events or fewer; at least 10, at most 100) are folded into
  the new segment at once: one edited page does not leave a one-event segment behind;
- **tiers**: segments are grouped by size, a tier being a factor of :data:`TIER_FACTOR`;
  once a tier holds :data:`SEGMENTS_PER_TIER` segments they are merged into one (of the
  next tier), as Lucene's log merge policy does: at most a few segments per tier, and each
  event is rewritten a logarithmic number of times;
- **deleted documents**: a segment whose share of deleted documents reaches
  :data:`MAX_DELETED_SHARE` is rewritten without them, so the index stays within a
  bounded factor of the size of a fresh build.
"""

from __future__ import annotations

import math
from collections import defaultdict

from whoosh.reading import SegmentReader

TIER_FACTOR = 8
SEGMENTS_PER_TIER = 3
MAX_DELETED_SHARE = 0.2


def tiny_limit(total_documents: int) -> int:
    """The size up to which a segment is tiny: folded into the next commit's segment."""
    return min(100, max(10, total_documents // 100))


def segments_to_merge(found_segments: list) -> list:
    """The segments a commit should merge into the one it writes (see the module
    docstring); the others stay as they are."""
    total = sum(segment.doc_count_all() for segment in found_segments)
    limit = tiny_limit(total)
    chosen = [s for s in found_segments
              if s.doc_count_all() <= limit
              or s.deleted_count() >= MAX_DELETED_SHARE * s.doc_count_all()]
    tiers: dict[int, list] = defaultdict(list)
    for segment in found_segments:
        if segment not in chosen:
            tiers[int(math.log(max(1, segment.doc_count()), TIER_FACTOR))].append(segment)
    for members in tiers.values():
        if len(members) >= SEGMENTS_PER_TIER:
            chosen.extend(members)
    return chosen


def merge_policy(writer, found_segments: list) -> list:
    """A Whoosh ``mergetype``: merge :func:`segments_to_merge` into the segment being
    written, and return the segments that stay."""
    chosen = segments_to_merge(found_segments)
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in found_segments if s not in chosen]
