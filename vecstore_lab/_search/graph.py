"""Approximate search in process: an HNSW graph (usearch) over the collection's vectors, kept
in sync by LanceDB row id, filtered by a planner, re-scored exactly.

* **The graph.** usearch's HNSW, its keys the rows' LanceDB row ids, its vectors held as int8
  for cosine (a quarter of float32) and float16 for dot and L2. Why usearch: side by side
  with FAISS HNSW on the same vectors (bench/RESULTS.md, "ANN on real text"), it builds
  faster on two cores at the same recall, removes rows in place (FAISS's HNSW cannot),
  stores int8, and saves to one file. hnswlib was not a candidate: its last release
  (0.8.0, 2023) ships no wheel for this Python.
* **Exact scores.** The graph finds ``2k + 16`` candidates (``k + 6`` that match a filter;
  searching ``ef`` wide) from its own vectors; they are scored again from float32 (the
  in-memory exact-search matrix, read in the background the first time, or the table by row
  id meanwhile), with LanceDB's distances and its tie order: every distance is exact.
* **In sync by row id.** The graph belongs to one table version. When the version moves, the
  row ids are read again (one column): rows that are gone are removed from the graph, new
  rows (adds, and the new copies of upserted rows) are inserted. Past ``rebuild_ratio`` of
  rows changed (a compaction renumbers every row), it is rebuilt instead, in a background
  thread when it is large; queries meanwhile run exactly.
* **Persisted per version.** Local collections keep ``<db>/.vecstore_lab/graphs/<name>.*``
  (the graph, and a JSON note of its version and settings, written last); collections on
  object storage keep them under the user's cache folder, named by a hash of the URI. A new
  kernel, the server extension or the CLI loads the file and patches it forward to the
  current version instead of rebuilding.
* **Filters** (``plan``): a filter that keeps few rows is searched exactly over those rows
  (gathered from the matrix once per version and kept, ``graph_filters``); one that keeps many
  searches the graph more widely (``1.2 (k + 6) / share`` candidates), keeping only matching
  ones, and widens again until ``k + 6`` are found.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vecstore_lab._schema import DISTANCE, VECTOR
from vecstore_lab._search.exact import lance_distances, top_positions, vectors_of
from vecstore_lab._search.gemv import matvec
from vecstore_lab._search.graph_files import GraphFiles, GraphSettings
from vecstore_lab._search.graph_filters import FilterRows, Subset
from vecstore_lab.errors import MissingDependencyError

if TYPE_CHECKING:
    from pathlib import Path

    import numpy.typing as npt

    from vecstore_lab._search.exact import FlatCache
    from vecstore_lab._storage.store import Store

__all__ = ["GraphIndex"]

METRICS = {"cosine": "cos", "dot": "ip", "l2": "l2sq"}
_BACKGROUND_ROWS = 200_000  # rebuilds of larger graphs run in a background thread
_SAVE_ROWS = 1_000  # changed rows that make a patched graph worth saving again


def _usearch() -> Any:
    try:
        from usearch.index import Index
    except ImportError as exc:  # pragma: no cover - usearch is a dependency
        raise MissingDependencyError("the in-process graph index needs usearch") from exc
    return Index


class _Graph:
    """One version's graph: the usearch index, the row ids it holds (sorted), its version, and
    whether the index is a read-only map of its file (``viewed``: copied before a change)."""

    def __init__(
        self, index: Any, rowids: npt.NDArray[np.uint64], version: int, viewed: bool = False
    ) -> None:
        self.index, self.rowids, self.version, self.viewed = index, rowids, version, viewed


class GraphIndex:
    """The in-process HNSW index of one collection (see the module docstring)."""

    path = "graph"  # what a query's span and explain() call this search

    def __init__(
        self,
        store: Store,
        flat: FlatCache,
        directory: Path | None,
        settings: GraphSettings,
    ) -> None:
        self.store, self.flat, self.settings = store, flat, settings
        self.dim, self.metric = store.settings.dim, store.settings.distance
        self.files = GraphFiles(directory, store.name)
        self._graph: _Graph | None = None
        self._lock = threading.Lock()
        self.filters = FilterRows(store, flat)
        self._rebuilding: threading.Thread | None = None
        self._saver: threading.Thread | None = None
        self._writing = threading.Lock()  # held by a save, and by a patch
        self.save_failure: str | None = None  # why the last save failed (then built again)
        self.builds = 0  # full builds in this process (tests and stats read it)
        self.loaded_from: str | None = None  # the file a graph was read from
        self.failure: str | None = None  # why the last background build failed
        self._unsaved = 0  # rows added or removed since the graph was last saved

    @classmethod
    def declared(cls, store: Store, flat: FlatCache, directory: Path | None) -> GraphIndex | None:
        """The graph index a previous process created for this collection, if any."""
        settings = GraphFiles(directory, store.name).declared()
        return None if settings is None else cls(store, flat, directory, settings)

    def _load(self) -> _Graph | None:
        loaded = self.files.load(self._new_index())
        if loaded is None or loaded[0].ndim != self.dim:
            return None  # unreadable, gone or another shape: built again
        index, version, self.loaded_from = loaded
        return _Graph(index, np.sort(np.asarray(index.keys, dtype=np.uint64)), version, True)

    def _save(self, graph: _Graph, *, later: bool = False) -> None:
        """Write ``graph``'s file; ``later``: in a thread of its own (a 1M-row graph takes
        seconds to write), which the process waits for at exit. A patch waits for a save
        (usearch must not change while it writes); searches do not."""

        def write() -> None:
            with self._writing:
                try:
                    self.files.save(graph.index, graph.version, self.settings)
                except (OSError, RuntimeError) as exc:  # a new process builds it again
                    self.save_failure = f"{type(exc).__name__}: {exc}"

        self._unsaved = 0
        if not later:
            write()
            return
        self._saver = threading.Thread(target=write, name="vecstore-graph-save")
        self.files.saving(self._saver)
        self._saver.start()

    def drop(self) -> None:
        """Forget the graph and delete its files."""
        self.wait()
        with self._lock:
            self._graph = None
            self.filters.clear()
        self.files.drop()

    @property
    def dtype(self) -> str:
        """How the graph holds the vectors (``"auto"`` resolved for this metric)."""
        if self.settings.dtype != "auto":
            return self.settings.dtype
        return "i8" if self.metric == "cosine" else "f16"

    # -- building and keeping up -----------------------------------------------------
    def _new_index(self) -> Any:
        s = self.settings
        return _usearch()(
            ndim=self.dim,
            metric=METRICS[self.metric],
            dtype=self.dtype,
            connectivity=s.connectivity,
            expansion_add=s.expansion_add,
            expansion_search=s.expansion_search,
        )

    def _vectors(self, rowids: npt.NDArray[np.uint64], version: int) -> npt.NDArray[np.float32]:
        """float32 vectors of ``rowids`` (sorted): from the exact-search matrix when it holds
        them, else read from the table."""
        m = self.flat.held(version)
        if m is not None and m.exact:
            if len(rowids) == len(m.rowids) and np.array_equal(rowids, m.rowids):
                return np.asarray(m.packed)  # every row (a build): in place, not a 1.5 GB copy
            return np.asarray(m.packed[np.searchsorted(m.rowids, rowids)], np.float32)
        out = np.empty((len(rowids), self.dim), np.float32)
        for s in range(0, len(rowids), 65_536):
            part = self.store.with_rowids([VECTOR], rowids[s : s + 65_536])
            order = np.argsort(part.column("_rowid").to_numpy(), kind="stable")
            out[s : s + len(order)] = vectors_of(part.take(pa.array(order)), self.dim)
        return out

    def build(self, version: int | None = None) -> None:
        """Build the graph from every row at ``version`` (default: the current one) and save it."""
        version = self.flat.probe.current() if version is None else version
        rowids = self.store.rowids()
        index = self._new_index()
        if len(rowids):
            index.add(rowids, self._vectors(rowids, version), threads=os.cpu_count() or 1)
        graph = _Graph(index, rowids, version)
        self.builds += 1
        self.failure = None
        with self._lock:
            self._graph = graph
            self.filters.clear()
        self._save(graph, later=len(rowids) >= _BACKGROUND_ROWS)

    def _patch(self, graph: _Graph, version: int, rowids: npt.NDArray[np.uint64]) -> bool:
        """Bring ``graph`` to ``version`` in place; False when too much changed. The file is
        written again once the rows changed since it was saved pass a tenth of the graph (a
        new process patches the saved graph forward in the meantime)."""
        gone = graph.rowids[~np.isin(graph.rowids, rowids, assume_unique=True)]
        new = rowids[~np.isin(rowids, graph.rowids, assume_unique=True)]
        if len(gone) + len(new) > self.settings.rebuild_ratio * max(len(rowids), 1):
            return False
        with self._writing:
            if graph.viewed:  # a mapped file cannot change (usearch crashed removing from one)
                graph.index, graph.viewed = graph.index.copy(), False
            if len(gone):
                graph.index.remove(gone)
            if len(new):
                graph.index.add(new, self._vectors(new, version), threads=os.cpu_count() or 1)
        graph.rowids, graph.version = rowids, version
        self._unsaved += len(gone) + len(new)
        if self._unsaved > max(_SAVE_ROWS, len(rowids) // 10):
            self._save(graph)
        return True

    def current(self, version: int) -> _Graph | None:
        """The graph at ``version``, patched forward from the held or saved one; None while a
        full rebuild runs (queries are then answered exactly)."""
        with self._lock:
            graph = self._graph
            if graph is not None and graph.version == version:
                return graph
            if self._rebuilding is not None and self._rebuilding.is_alive():
                return None
            if graph is None:
                graph = self._load()
                if graph is not None and graph.version == version:  # saved at this version
                    self._graph = graph
                    return graph
            rowids = self.store.rowids()
            if graph is not None and self._patch(graph, version, rowids):
                self._graph = graph
                self.filters.clear()
                return graph
            self._graph = None
            self.filters.clear()
        if len(rowids) < _BACKGROUND_ROWS:
            self.build(version)
            return self._graph
        if self.failure is not None:  # a background build failed: exact until create_index
            return None
        self._rebuilding = threading.Thread(
            target=self._build_in_background, args=(version,), name="vecstore-graph", daemon=True
        )
        self._rebuilding.start()
        return None

    def _build_in_background(self, version: int) -> None:
        try:
            self.build(version)
        except Exception as exc:  # queries stay exact; stats() and explain() say why
            self.failure = f"{type(exc).__name__}: {exc}"

    def wait(self) -> None:
        """Wait for a background rebuild and a background save, if they run."""
        for thread in (self._rebuilding, self._saver):
            if thread is not None:
                thread.join()

    def __len__(self) -> int:
        graph = self._graph
        return 0 if graph is None else len(graph.rowids)

    @property
    def nbytes(self) -> int:
        graph = self._graph
        return 0 if graph is None else int(graph.index.memory_usage)

    def describe(self) -> dict[str, Any]:
        """Its settings, rows, memory, version, and where it came from."""
        graph = self._graph
        thread = self._rebuilding
        return {
            "kind": "hnsw",
            **asdict(self.settings),
            "dtype": self.dtype,
            "rows": len(self),
            "bytes": self.nbytes,
            "version": None if graph is None else graph.version,
            "builds": self.builds,
            "loaded_from": self.loaded_from,
            "rebuilding": thread is not None and thread.is_alive(),
            "saving": self._saver is not None and self._saver.is_alive(),  # a file being written
            "failure": self.failure,
            "save_failure": self.save_failure,
            "filter_bytes": self.filters.nbytes,  # small filters' rows, gathered (graph_filters)
        }

    # -- searching -------------------------------------------------------------------
    def plan(self, where: str | None, version: int) -> dict[str, Any]:
        """How a search with ``where`` would run: ``graph``, ``graph-widened`` (with the
        share of rows the filter keeps) or ``exact-subset``."""
        if not where:
            return {"path": "graph"}
        matches = len(self.filters.matching(version, where))
        total = max(1, len(self))
        if matches <= self.settings.exact_rows:
            return {"path": "exact-subset", "matching_rows": matches}
        return {"path": "graph-widened", "matching_rows": matches, "share": matches / total}

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
        """The ``k`` nearest rows found through the graph (see ``plan``), nearest first with
        exact float32 ``_distance`` (``MemorySearch``, as ``FlatCache.search``). While a
        rebuild runs, the exact search answers."""
        version = self.flat.probe.current() if version is None else version
        graph = self.current(version)
        if graph is None:  # a rebuild runs: answered exactly meanwhile
            return self.flat.search(vector, k, where, columns, version=version)
        if self.flat.held(version) is None and self.flat.fits(len(graph.rowids)):
            if len(graph.rowids) < _BACKGROUND_ROWS:
                self.flat.matrix(version)  # re-scoring then reads memory, not the table
            else:
                self.flat.warm(version)
        q = np.ascontiguousarray(vector, dtype=np.float32)
        matches = self.filters.matching(version, where) if where else None
        # candidates to re-score: a filtered search widens the graph search by 1 / share, so
        # each candidate costs ten times more at 10%; k + 6 kept recall@10 at 0.98 there (1M)
        want = 2 * k + 16 if matches is None else k + 6
        if matches is not None and len(matches) <= self.settings.exact_rows:
            assert where is not None
            subset = self.filters.subset(version, where, matches)
            return self._rescore(matches, q, k, columns, version, subset=subset)
        candidates = self._candidates(graph, q, want, matches, ef)
        return self._rescore(candidates, q, k, columns, version)

    def _candidates(
        self,
        graph: _Graph,
        q: npt.NDArray[np.float32],
        want: int,
        matches: npt.NDArray[np.uint64] | None,
        ef: int | None,
    ) -> npt.NDArray[np.uint64]:
        total = len(graph.rowids)
        share = 1.0 if matches is None else max(len(matches) / max(total, 1), 1e-9)
        count = min(total, math.ceil(want / share * (1.0 if matches is None else 1.2)))
        while True:
            breadth = max(ef or self.settings.expansion_search, count)
            with self._lock:
                graph.index.expansion_search = breadth
                found = graph.index.search(q, count, threads=1)
            keys = np.asarray(found.keys, dtype=np.uint64)
            if matches is None:
                return keys
            at = np.searchsorted(matches, keys).clip(0, len(matches) - 1)
            kept = keys[matches[at] == keys]
            if len(kept) >= want or count >= total:
                return np.asarray(kept[:want], np.uint64)
            count = min(total, count * 2)  # not 4x: 1M, 10%: p95 9.6 -> 4.5 ms

    def _rescore(
        self,
        rowids: npt.NDArray[np.uint64],
        q: npt.NDArray[np.float32],
        k: int,
        columns: list[str],
        version: int,
        *,
        subset: Subset | None = None,
    ) -> pa.Table | None:
        """The ``k`` nearest of ``rowids`` by exact float32 distance, with ``columns``
        (``subset``: those rows already gathered from the held matrix)."""
        rowids = np.asarray(rowids, np.uint64)  # unique (ties go by row id below)
        m = self.flat.held(version)
        if m is not None and m.exact:
            if subset is None:
                positions = np.searchsorted(m.rowids, rowids)
                full, norms = m.packed[positions], m.norms[positions]
            else:
                positions, full, norms = subset.positions, subset.vectors, subset.norms
            table = None
        else:
            table = self.store.take(rowids, list(dict.fromkeys([*columns, VECTOR])))
            if table is None:  # a row went between the version read and the take
                return None
            full = vectors_of(table, self.dim)
            norms = np.linalg.norm(full, axis=1).astype(np.float32)
        dots = matvec(full, q, np.empty(len(full), np.float32))
        dist = lance_distances(self.metric, dots, norms, q, np.float32(np.sqrt(q @ q)), full=full)
        if self.metric == "cosine":
            dist[norms == 0] = np.inf  # no direction: LanceDB leaves such rows out
        best = top_positions(dist, rowids, k)
        if table is not None:
            hits = table.take(pa.array(best, pa.int64())).select(columns)
        else:
            assert m is not None  # read from the matrix above
            hits = m.hits(positions[best], columns)
        return hits.append_column(DISTANCE, pa.array(dist[best], pa.float32()))
