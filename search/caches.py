"""Bounded caches, safe to share between threads: by count of entries, or by bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    """A dictionary of at most ``size`` entries, the least recently used dropped first;
    safe to share between threads. ``weigh`` gives an entry's weight (1 by default), and
    ``size`` bounds their total."""

    def __init__(self, size: int, weigh: Callable[[V], int] | None = None) -> None:
        self.size = size
        self._weigh = weigh
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The entry of ``key``, made by ``make()`` (outside the lock) when missing."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]
        made = make()
        weight = 1 if self._weigh is None else self._weigh(made)
        if weight > self.size:  # larger than the whole cache: not kept
            return made
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._total -= old[1]
            self._entries[key] = (made, weight)
            self._total += weight
            while self._total > self.size:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._total -= dropped
        return made

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total(self) -> int:
        """The entries' weight in all."""
        return self._total
