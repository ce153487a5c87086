"""What a filter keeps, per table version, for the graph's planner: the matching row ids,
and for small filters their rows gathered from the exact-search matrix.

An exact-subset search (a filter that keeps few rows) scores only the matching rows. Reading
them from the 1M-row matrix on every query (10,000 rows: a fresh 15 MB gather) took longer
than scoring them, so they are gathered once per (version, filter) and kept, within
``SUBSET_BYTES``, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    from vecstore_lab._search.exact import FlatCache
    from vecstore_lab._storage.store import Store

__all__ = ["FilterRows", "Subset"]

T = TypeVar("T")
MASKS = 16  # filters whose row ids are remembered
SUBSET_BYTES = 128 << 20  # gathered rows of small filters kept


class Subset:
    """The rows a filter keeps, gathered: their positions in the held matrix, float32
    vectors and norms."""

    def __init__(self, positions: npt.NDArray[np.intp], vectors: Any, norms: Any) -> None:
        self.positions, self.vectors, self.norms = positions, vectors, norms
        self.nbytes = int(vectors.nbytes + norms.nbytes + positions.nbytes)


class FilterRows:
    """Row ids and gathered rows of recent filters, by (version, filter)."""

    def __init__(self, store: Store, flat: FlatCache) -> None:
        self.store, self.flat = store, flat
        self._lock = threading.Lock()
        self._ids: OrderedDict[tuple[int, str], npt.NDArray[np.uint64]] = OrderedDict()
        self._subsets: OrderedDict[tuple[int, str], Subset] = OrderedDict()

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()
            self._subsets.clear()

    @property
    def nbytes(self) -> int:
        """Bytes the gathered rows take."""
        with self._lock:
            return sum(s.nbytes for s in self._subsets.values())

    def _recent(self, cache: OrderedDict[tuple[int, str], T], key: tuple[int, str]) -> T | None:
        """``cache[key]``, marked as the most recently used; None if it is not there."""
        with self._lock:
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
            return found

    def matching(self, version: int, where: str) -> npt.NDArray[np.uint64]:
        """The sorted row ids ``where`` keeps at ``version``."""
        key = (version, where)
        found = self._recent(self._ids, key)
        if found is not None:
            return found
        found = self.store.rowids(where)
        with self._lock:
            self._ids[key] = found
            while len(self._ids) > MASKS:
                self._ids.popitem(last=False)
        return found

    def subset(self, version: int, where: str, matches: npt.NDArray[np.uint64]) -> Subset | None:
        """The rows of ``matches`` (what ``where`` keeps) gathered from the held float32
        matrix; None while it is not held."""
        m = self.flat.held(version)
        if m is None or not m.exact:
            return None
        key = (version, where)
        found = self._recent(self._subsets, key)
        if found is not None:
            return found
        positions = np.searchsorted(m.rowids, matches)
        subset = Subset(positions, m.packed[positions], m.norms[positions])
        if subset.nbytes > SUBSET_BYTES:
            return subset
        with self._lock:
            self._subsets[key] = subset
            while sum(s.nbytes for s in self._subsets.values()) > SUBSET_BYTES:
                self._subsets.popitem(last=False)
        return subset
