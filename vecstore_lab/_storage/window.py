"""One sorted page of a large table through a scalar index, without ranking every row.

A page sorted on one indexed column is cut from a *window* of key values. A sample of the
column (once per table version) says roughly which values hold ranks ``offset`` to
``offset + limit``; the index then counts the rows before the window and reads just the rows
inside it. The answer is exact whatever the sample says: the page is used only when the
counted rows before the window and the rows in it cover the page, and otherwise the window
widens or the caller ranks every row.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vecstore_lab._schema import ID
from vecstore_lab._storage.take import ROWID, take
from vecstore_lab.errors import ConcurrentChangeError, InvalidFilterError
from vecstore_lab.filters._compile import quote_identifier, quote_string

__all__ = ["Windows"]

_SAMPLE = 8192  # sampled key values per (version, column): about 30 ms at 1M rows
_Z = (3.0, 10.0)  # sampling error margins tried, in standard deviations
_INDEXED = ("BTREE", "BITMAP")


def _literal(value: Any) -> str | None:
    """An SQL literal for a key value, or None where we would rather rank every row."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            return quote_string(value)
        except InvalidFilterError:  # a NUL in the key: no SQL literal holds it
            return None
    return None


class _Sample:
    def __init__(self, tbl: Any, name: str) -> None:
        total = int(tbl.count_rows())
        col = quote_identifier(name)
        self.nulls = int(tbl.count_rows(f"{col} IS NULL"))
        self.present = total - self.nulls
        m = min(total, _SAMPLE)
        # one offset in each of m equal strata: spread like the table, however it is stored
        edges = np.linspace(0, total, m + 1).astype(np.int64)
        rng = np.random.default_rng(0)
        offsets = edges[:-1] + (rng.random(m) * np.maximum(np.diff(edges), 1)).astype(np.int64)
        got = tbl.take_offsets(offsets.tolist()).select([name]).to_arrow().column(name)
        present = got.drop_null()
        self.sorted: list[Any] = present.take(pc.sort_indices(present)).to_pylist()


class Windows:
    """Sorted pages from an index window, per table (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: dict[tuple[int, str], _Sample] = {}
        self._indexed: dict[int, frozenset[str]] = {}

    def _indexed_columns(self, tbl: Any, version: int) -> frozenset[str]:
        with self._lock:
            if version in self._indexed:
                return self._indexed[version]
        names = frozenset(
            col
            for ix in tbl.list_indices()
            if str(ix.index_type).upper() in _INDEXED and len(ix.columns) == 1
            for col in ix.columns
        )
        with self._lock:
            self._indexed = {version: names}
        return names

    def _sample(self, tbl: Any, version: int, name: str) -> _Sample:
        key = (version, name)
        with self._lock:
            if key in self._samples:
                return self._samples[key]
        sample = _Sample(tbl, name)
        with self._lock:
            self._samples = {k: v for k, v in self._samples.items() if k[0] == version}
            self._samples[key] = sample
        return sample

    def page(
        self, tbl: Any, order: list[tuple[str, str]], offset: int, limit: int
    ) -> np.ndarray | None:
        """Row ids of the page, or None when no index window answers it."""
        if len(order) != 1 or limit <= 0:
            return None
        name, direction = order[0]
        version = int(tbl.version)
        if name == ID or name not in self._indexed_columns(tbl, version):
            return None
        sample = self._sample(tbl, version, name)
        n, m = sample.present, len(sample.sorted)
        if m == 0 or offset >= n or (sample.nulls and offset + limit > n):
            return None  # the page holds null keys (nulls come last): rank every row
        end = min(offset + limit, n)
        # the page's ranks in ascending key order (ties aside)
        lo, hi = (offset, end) if direction == "ascending" else (n - end, n - offset)
        for z in _Z:
            got = self._try(tbl, sample, name, direction, ranks=(lo, hi), page=(offset, end), z=z)
            if got is not None:
                return got
        return None

    @staticmethod
    def _try(
        tbl: Any,
        sample: _Sample,
        name: str,
        direction: str,
        *,
        ranks: tuple[int, int],
        page: tuple[int, int],
        z: float,
    ) -> np.ndarray | None:
        """The page from a window ``z`` sampling errors wide, or None if it misses."""
        n, m = sample.present, len(sample.sorted)

        def edge(rank: int, side: int) -> str | None:
            p = rank / n
            i = p * m + side * (z * math.sqrt(m * p * (1 - p)) + 2)
            i = math.floor(i) if side < 0 else math.ceil(i)
            return _literal(sample.sorted[i]) if 0 <= i < m else None

        low, high = edge(ranks[0], -1), edge(ranks[1], +1)
        if low is None and high is None:
            return None  # the window would be every row, or a key has no SQL literal
        col = quote_identifier(name)
        bounds = [f"{col} {op} {v}" for v, op in ((low, ">="), (high, "<=")) if v is not None]
        # rows ahead of the window in rank order, counted on the smaller side of its edge
        ahead = 0
        if direction == "ascending" and low is not None:
            near = ranks[0] <= n // 2
            ahead = _count(tbl, f"{col} < {low}") if near else n - _count(tbl, bounds[0])
        elif direction == "descending" and high is not None:
            near = ranks[1] >= n // 2
            ahead = _count(tbl, f"{col} > {high}") if near else n - _count(tbl, bounds[-1])
        window = tbl.search().where(" AND ".join(bounds)).select([name]).with_row_id(True)
        keys = window.limit(None).to_arrow()
        first, last = page[0] - ahead, page[1] - ahead
        if first < 0 or last > keys.num_rows:
            return None
        return _cut(tbl, keys, name, direction, (first, last))


def _count(tbl: Any, where: str) -> int:
    return int(tbl.count_rows(where))


def _cut(
    tbl: Any, keys: pa.Table, name: str, direction: str, positions: tuple[int, int]
) -> np.ndarray:
    """Row ids at sorted ``positions`` (first, last) of the window ``keys``. The window is sorted
    on the key alone; ids (the tie-break) are read only for the rows whose keys the page holds."""
    first, last = positions
    order = pc.array_sort_indices(keys.column(name), order=direction).to_numpy()
    ranked = keys.column(name).take(pa.array(order)).to_numpy(zero_copy_only=False)
    # widen to whole runs of equal keys at both ends of the page
    differ = np.flatnonzero(ranked[:first] != ranked[first])
    lo = int(differ[-1]) + 1 if len(differ) else 0
    differ = np.flatnonzero(ranked[last:] != ranked[last - 1])
    hi = last + int(differ[0]) if len(differ) else len(ranked)
    rowids = keys.column(ROWID).to_numpy()[order[lo:hi]]
    block = take(tbl, rowids, [ID, name])
    if block is None:
        raise ConcurrentChangeError("the collection changed while the page was read; read again")
    tied = pc.sort_indices(block, sort_keys=[(name, direction), (ID, "ascending")]).to_numpy()
    result: np.ndarray = rowids[tied][first - lo : last - lo]
    return result
