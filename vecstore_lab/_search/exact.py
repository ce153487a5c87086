"""Exact vector search from memory: the collection's vectors as one float32 matrix (and its
other columns as an Arrow table, so hits are read from memory as well).

LanceDB's exact (flat) search reads and scores every vector on each query. Held in memory,
the same search is one matrix-vector product, near the memory-bandwidth limit (numpy's BLAS).

* **Version-keyed.** The matrix belongs to one table version. When the version changes, the
  row ids are read again (one column): rows that are gone are dropped, new rows are fetched
  by row id and appended, so an ``add`` costs its own rows, not a reload. A compaction (new
  row ids everywhere) reloads.
* **Same answers as LanceDB.** Distances are LanceDB's (cosine ``1 - cos``, dot ``1 - dot``,
  squared L2) in float32; ties go by row id, as LanceDB breaks them; rows whose cosine is
  undefined (zero vectors) are left out, as LanceDB leaves them out. Squared L2 is re-scored
  directly on the candidates. ``tests/unit/_search/test_flat.py`` compares ids and distances
  with LanceDB.
* **Prefilters** come from a LanceDB scan of the matching row ids, kept per (version,
  filter), so a filter that repeats costs a set lookup.
* **A memory budget** (``budget_bytes``, vectors and other columns together) decides whether
  it is used at all; above it, LanceDB's own path runs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vecstore_lab._schema import DISTANCE, VECTOR, checksum_mismatches
from vecstore_lab._search.gemv import matvec
from vecstore_lab._storage.take import ROWID
from vecstore_lab.errors import DataCorruptionError

if TYPE_CHECKING:
    import numpy.typing as npt

    from vecstore_lab._storage.store import Store

__all__ = [
    "DEFAULT_BUDGET",
    "FlatCache",
    "lance_distances",
    "row_norms",
    "top_positions",
    "vectors_of",
]

DEFAULT_BUDGET = 2 * 1024**3  # bytes: a million 384-dim float32 vectors fit, with room to spare
_MASKS = 16  # filters remembered per version
# Rows per step of work over a whole matrix: its temporaries (12 MB at 384 dims) stay under
# glibc's mmap threshold, so each step reuses the last one's memory. A temporary of the whole
# matrix is mapped afresh and faulted in page by page: np.linalg.norm over 200k x 384 took 4 s
# on this machine, in steps 0.08 s, with the same result to the bit.
STEP = 8_192


def row_norms(vectors: Any) -> npt.NDArray[np.float32]:
    """The L2 norm of each row (float32), a step of rows at a time."""
    out = np.empty(len(vectors), np.float32)
    for s in range(0, len(vectors), STEP):
        out[s : s + STEP] = np.linalg.norm(vectors[s : s + STEP], axis=1)
    return out


def vectors_of(table: pa.Table, dim: int) -> npt.NDArray[np.float32]:
    """The vectors of ``table``, checked against their stored checksums when it has them."""
    column = table.column(VECTOR).combine_chunks()
    values = column.values.to_numpy(zero_copy_only=False)
    vectors = np.ascontiguousarray(values.reshape(len(column), dim), dtype=np.float32)
    changed = checksum_mismatches(table, vectors)
    if changed:
        raise DataCorruptionError(
            f"{len(changed)} stored vector(s) no longer match their checksums (ids "
            f"{changed[:5]}{' …' if len(changed) > 5 else ''}): they were changed outside "
            "vecstore-lab. collection.verify() lists every one; restore() an earlier version "
            "or write them again (RELIABILITY.md, 'Damaged files')"
        )
    return vectors


def lance_distances(
    metric: str, dots: Any, norms: Any, q: Any, qn: np.float32, *, full: Any = None
) -> Any:
    """LanceDB's distance from dot products: ``1 - cos``, ``1 - dot`` or squared L2 (from
    ``full``, the float32 vectors themselves, when given: the expanded form loses digits).
    A cosine against a zero vector is undefined; callers set it to ``inf`` from their own
    zero mask, as LanceDB leaves such rows out."""
    if metric == "cosine":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.float32(1.0) - dots / (norms * qn)
    if metric == "dot":
        return np.float32(1.0) - dots
    if full is not None:
        diff = full - q
        return np.einsum("ij,ij->i", diff, diff)
    return norms * norms - np.float32(2.0) * dots + np.float32(q @ q)


def top_positions(dist: npt.NDArray[np.float32], rowids: npt.NDArray[np.uint64], k: int) -> Any:
    """Positions of the ``k`` smallest finite distances, by (distance, row id)."""
    if len(dist) > k:  # the common case first: at least k finite, so no finite mask is needed
        kth = np.partition(dist, k - 1)[k - 1]  # inf and nan sort last
        if np.isfinite(kth):
            cut = np.flatnonzero(dist <= kth)  # every tie at the cut (never inf or nan)
            order = np.lexsort((rowids[cut], dist[cut]))
            return cut[order[:k]]
    finite = np.flatnonzero(np.isfinite(dist))
    if len(finite) > k:
        kth = np.partition(dist[finite], k - 1)[k - 1]
        finite = finite[dist[finite] <= kth]  # every tie at the cut, then by row id
    order = np.lexsort((rowids[finite], dist[finite]))
    return finite[order[:k]]


STORAGES = {"float32": 4, "float16": 2, "int8": 1}  # bytes per component


def _pack(vectors: Any, storage: str) -> tuple[Any, Any]:
    """The vectors as stored: float32 as they are, float16, or int8 with a scale per row."""
    if storage == "float32":
        return vectors, None
    if storage == "float16":
        return vectors.astype(np.float16), None
    top = np.abs(vectors).max(axis=1) if len(vectors) else np.zeros(0, np.float32)
    scales = np.where(top > 0, top / 127, 1).astype(np.float32)
    return np.rint(vectors / scales[:, None]).astype(np.int8), scales


class _Matrix:
    """One version's rows in row-id order: the vectors as stored (with their exact norms),
    and the other columns as an Arrow table, so a hit's fields come from memory too."""

    def __init__(
        self,
        version: int,
        rowids: npt.NDArray[np.uint64],
        *,
        packed: Any,
        scales: Any,
        norms: Any,
        rows: pa.Table,
    ) -> None:
        order = np.argsort(rowids, kind="stable")
        self.version = version
        self.rowids = rowids[order]
        if not np.array_equal(order, np.arange(len(order))):
            packed, norms, rows = packed[order], norms[order], rows.take(pa.array(order))
            scales = scales[order] if scales is not None else None
        # (one chunk per column: taking a few hits is then a direct index)
        self.packed, self.scales, self.norms = packed, scales, norms
        self.rows = rows.combine_chunks()
        self.zero = self.norms == 0

    @classmethod
    def of(cls, version: int, rowids: Any, vectors: Any, rows: pa.Table, storage: str) -> _Matrix:
        norms = row_norms(vectors)
        packed, scales = _pack(vectors, storage)
        return cls(version, rowids, packed=packed, scales=scales, norms=norms, rows=rows)

    @property
    def exact(self) -> bool:
        """Whether the vectors are held in full (float32), so their scores are final."""
        return bool(self.packed.dtype == np.float32)

    @property
    def nbytes(self) -> int:
        arrays = [self.packed, self.rowids, self.norms, self.zero]
        if self.scales is not None:
            arrays.append(self.scales)
        return int(sum(a.nbytes for a in arrays) + self.rows.get_total_buffer_size())

    def dots(self, q: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Every row's dot product with ``q`` (approximate when the vectors are packed)."""
        out = np.empty(len(self.packed), np.float32)
        if self.exact:  # our threads, not BLAS's (see gemv): they leave the cores free
            return matvec(self.packed, np.ascontiguousarray(q, np.float32), out)
        for s in range(0, len(self.packed), 65536):  # unpacked a block at a time
            out[s : s + 65536] = self.packed[s : s + 65536].astype(np.float32) @ q
        if self.scales is not None:
            out *= self.scales
        return out

    def hits(self, positions: Any, columns: list[str], vectors: Any = None) -> pa.Table:
        """The stored ``columns`` of the rows at ``positions``, in that order (``vectors``:
        their float32 vectors, when the held ones are packed)."""
        picked = self.rows.take(pa.array(positions, pa.int64()))
        out = {}
        for name in columns:
            if name == VECTOR:
                full = vectors if vectors is not None else self.packed[positions]
                flat = pa.array(np.asarray(full, np.float32).reshape(-1), pa.float32())
                out[name] = pa.FixedSizeListArray.from_arrays(flat, self.packed.shape[1])
            else:
                out[name] = picked.column(name)
        return pa.table(out)


class FlatCache:
    """The in-memory exact search of one collection's vectors (see the module docstring)."""

    path = "memory"  # what a query's span and explain() call this search

    def __init__(self, store: Store, dim: int, metric: str, budget_bytes: int = DEFAULT_BUDGET):
        self.store, self.dim, self.metric = store, dim, metric
        self.budget_bytes = budget_bytes
        self.storage = "float32"
        self._matrix: _Matrix | None = None
        self._masks: OrderedDict[str, npt.NDArray[np.bool_]] = OrderedDict()
        self._lock = threading.Lock()
        self._state: tuple[int, pa.Schema, bool] | None = None
        self._warming: threading.Thread | None = None
        self.probe = store.version_probe()

    def table_state(self) -> tuple[int, pa.Schema, bool]:
        """The table's version, schema, and whether an ANN index covers its vectors. One call
        into LanceDB per query at most (see ``VersionProbe``): the other two are read again
        only when the version moves."""
        version = self.probe.current()
        state = self._state
        if state is None or state[0] != version:
            state = (version, self.store.schema, self.store.has_vector_index())
            self._state = state
        return state

    def row_bytes(self) -> int:
        """Bytes a row's vector takes held: the vector, row id, norm, zero flag (and scale)."""
        scale = 4 if self.storage == "int8" else 0
        return self.dim * STORAGES[self.storage] + 8 + 5 + scale

    def set_storage(self, storage: str) -> None:
        """Hold the vectors as ``"float32"``, ``"float16"`` or ``"int8"`` from now on."""
        with self._lock:
            self.storage = storage
            self._matrix = None
            self._masks.clear()

    def fits(self, rows: int) -> bool:
        return rows * self.row_bytes() <= self.budget_bytes

    @property
    def nbytes(self) -> int:
        """Memory the cache holds now (0 before the first exact query)."""
        return self._matrix.nbytes if self._matrix is not None else 0

    @property
    def rows(self) -> int:
        return len(self._matrix.rowids) if self._matrix is not None else 0

    def held(self, version: int) -> _Matrix | None:
        """The rows at ``version`` if they are held now (nothing is read)."""
        held = self._matrix
        return held if held is not None and held.version == version else None

    def warm(self, version: int) -> None:
        """Read the rows at ``version`` in a background thread (the graph index re-scores
        from them; until they are held it reads its candidates by row id)."""
        thread = self._warming
        if thread is not None and thread.is_alive():
            return

        def load() -> None:
            try:
                self.matrix(version)
            except Exception:  # the next search that needs them reads them again, and raises
                return

        self._warming = threading.Thread(target=load, name="vecstore-lab-warm", daemon=True)
        self._warming.start()

    def matrix(self, version: int | None = None) -> _Matrix | None:
        """The rows at ``version`` (default: the table's current one), or ``None`` over the
        budget."""
        with self._lock:
            version = self.probe.current() if version is None else version
            held = self._matrix
            if held is not None and held.version == version:
                return held
            self._matrix = None
            self._masks.clear()
            rowids = self.store.rowids()
            if not self.fits(len(rowids)):
                return None
            matrix = self._refresh(held, version, rowids)
            if matrix.nbytes > self.budget_bytes:  # the text and metadata did not fit
                return None
            self._matrix = matrix
            return matrix

    def _refresh(
        self, held: _Matrix | None, version: int, rowids: npt.NDArray[np.uint64]
    ) -> _Matrix:
        names = [f.name for f in self.store.schema if f.name != VECTOR]
        storage = self.storage
        same = held is not None and held.rows.column_names == names
        if held is not None and same and (held.packed.dtype == np.dtype(storage)):
            keep = np.isin(held.rowids, rowids, assume_unique=True)
            new = rowids[~np.isin(rowids, held.rowids, assume_unique=True)]
            if len(new) <= len(rowids) // 2:  # worth patching: drop the gone, fetch the new
                fetched = self.store.with_rowids([*names, VECTOR], new) if len(new) else None
                kept = _Matrix(
                    version,
                    held.rowids[keep],
                    packed=held.packed[keep],
                    scales=held.scales[keep] if held.scales is not None else None,
                    norms=held.norms[keep],
                    rows=held.rows.filter(pa.array(keep)),
                )
                if fetched is None:
                    return kept
                added = _Matrix.of(
                    version,
                    fetched.column(ROWID).to_numpy(),
                    vectors_of(fetched, self.dim),
                    fetched.select(names).cast(kept.rows.schema),
                    storage,
                )
                scales = None if kept.scales is None else [kept.scales, added.scales]
                return _Matrix(
                    version,
                    np.concatenate([kept.rowids, added.rowids]),
                    packed=np.concatenate([kept.packed, added.packed]),
                    scales=None if scales is None else np.concatenate(scales),
                    norms=np.concatenate([kept.norms, added.norms]),
                    rows=pa.concat_tables([kept.rows, added.rows]),
                )
        table = self.store.with_rowids([*names, VECTOR])
        rowid_column = table.column(ROWID).to_numpy()
        vectors = vectors_of(table, self.dim)
        return _Matrix.of(version, rowid_column, vectors, table.select(names), storage)

    def _mask(self, matrix: _Matrix, where: str) -> npt.NDArray[np.bool_]:
        with self._lock:
            mask = self._masks.get(where)
            if mask is not None:
                self._masks.move_to_end(where)
                return mask
        mask = np.isin(matrix.rowids, self.store.rowids(where), assume_unique=True)
        with self._lock:
            if self._matrix is matrix:
                self._masks[where] = mask
                while len(self._masks) > _MASKS:
                    self._masks.popitem(last=False)
        return mask

    def search(
        self,
        vector: npt.NDArray[np.float32],
        k: int,
        where: str | None,
        columns: list[str],
        *,
        version: int | None = None,
        ef: int | None = None,
    ) -> pa.Table | None:
        """The ``k`` nearest rows (that match ``where``), nearest first, ties by row id: their
        ``columns`` and float32 ``_distance``; ``None`` when they do not fit the budget.
        ``version``: the table version the caller just read (saves reading it again).
        ``ef`` is the graph's search breadth; an exact search has none and ignores it."""
        found = self._nearest(vector, k, where, version)
        if found is None:
            return None
        m, positions, distances, vectors = found
        hits = m.hits(positions, columns, vectors)
        return hits.append_column(DISTANCE, pa.array(distances, pa.float32()))

    def _nearest(
        self, vector: npt.NDArray[np.float32], k: int, where: str | None, version: int | None
    ) -> Any:
        m = self.matrix(version)
        if m is None:
            return None
        q = np.asarray(vector, dtype=np.float32)
        qn = np.float32(np.sqrt(q @ q))  # np.linalg.norm's own sum, without its checks
        dist = lance_distances(self.metric, m.dots(q), m.norms, q, qn)
        if self.metric == "cosine":
            dist[m.zero] = np.inf  # no direction: LanceDB leaves such rows out
        if where:
            dist[~self._mask(m, where)] = np.inf
        if m.exact and self.metric != "l2":
            top = top_positions(dist, m.rowids, k)
            return m, top, dist[top], None
        # Scores to re-check: squared L2 in its expanded form loses digits, and packed vectors
        # give approximate scores. The candidates are scored again from full float32 vectors.
        candidates = top_positions(dist, m.rowids, 4 * k + (16 if m.exact else 64))
        full = m.packed[candidates] if m.exact else self._fetch(m.rowids[candidates])
        if full is None:
            return None
        exact = lance_distances(self.metric, full @ q, m.norms[candidates], q, qn, full=full)
        order = np.lexsort((m.rowids[candidates], exact))[:k]
        return m, candidates[order], exact[order], full[order]

    def _fetch(self, rowids: npt.NDArray[np.uint64]) -> npt.NDArray[np.float32] | None:
        """The float32 vectors of ``rowids``, in that order (``None`` if some are gone)."""
        table = self.store.take(rowids, [VECTOR])
        return None if table is None else vectors_of(table, self.dim)
