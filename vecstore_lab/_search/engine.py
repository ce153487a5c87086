"""``Engine``: a collection's search engine beside its Store. It holds the in-memory exact
search and the 2-D maps, builds indexes (``kind="auto"`` picks one from the collection's
size) and keeps them up to date after writes, says how a query will run, measures what an
index trades, and reports the engine's state. ``Collection`` composes one and forwards to it."""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, Protocol

from vecstore_lab._schema import VECTOR
from vecstore_lab._search import plans as _plans
from vecstore_lab._search.clusters import ClusterCache, MapClusters
from vecstore_lab._search.exact import DEFAULT_BUDGET, STORAGES, FlatCache
from vecstore_lab._search.fulltext import FullText
from vecstore_lab._search.graph import GraphIndex
from vecstore_lab._search.graph_files import GraphSettings, graph_cache_dir
from vecstore_lab._search.projection import Projection, Projector
from vecstore_lab._storage import indexes as _indexes
from vecstore_lab._storage.upkeep import Upkeep
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.filters import compile_filter

if TYPE_CHECKING:
    from collections.abc import Callable

    from vecstore_lab._storage.store import Store
    from vecstore_lab.results import QueryResults
    from vecstore_lab.spec import QuerySpec

__all__ = ["KINDS", "Engine", "MemorySearch", "auto_index"]

# Our names → LanceDB's index types.
KINDS = {
    "ivf_flat": "IVF_FLAT",
    "ivf_sq": "IVF_SQ",
    "ivf_pq": "IVF_PQ",
    "ivf_hnsw_sq": "HNSW_SQ",
    "ivf_hnsw_pq": "HNSW_PQ",
}


class MemorySearch(Protocol):
    """A vector search that runs in process: ``FlatCache`` (exact) or ``GraphIndex``."""

    path: str

    def search(
        self,
        vector: Any,
        k: int,
        where: str | None,
        columns: list[str],
        *,
        version: int | None = None,
        ef: int | None = None,
    ) -> Any: ...


def auto_index(rows: int, dim: int) -> tuple[str, dict[str, Any]]:
    """The index ``kind="auto"`` builds for ``rows`` vectors of ``dim``.

    Up to a million rows: IVF_HNSW_SQ, an HNSW graph per partition over 8-bit scalar-quantised
    vectors; recall stays high with few partitions (one per ~250k rows). Beyond: IVF_PQ with
    ``sqrt(rows)`` partitions and 16-dim sub-vectors (8 when ``dim`` is not a multiple of 16),
    smaller and faster to build; query it with ``refine_factor`` to re-rank exactly.
    """
    if rows < 256:
        raise InvalidInputError(
            f"an ANN index needs at least 256 rows to train on; this collection has {rows}. "
            "Exact search (the default without an index) is fast at this size"
        )
    if rows <= 1_000_000:
        return "ivf_hnsw_sq", {"num_partitions": max(1, math.ceil(rows / 250_000))}
    sub = dim // 16 if dim % 16 == 0 else dim // 8
    return "ivf_pq", {"num_partitions": int(math.sqrt(rows)), "num_sub_vectors": max(1, sub)}


class Engine:
    """The search engine of one collection (see the module docstring).

    Parameters:
        store: the collection's Store.
        exact_cache_bytes: memory budget of the in-memory exact search.
        auto_optimize_rows: unindexed rows that make a write fold them into the indexes.
    """

    def __init__(
        self, store: Store, *, exact_cache_bytes: int = DEFAULT_BUDGET, auto_optimize_rows: int
    ) -> None:
        self.store = store
        self.upkeep = Upkeep(store, auto_optimize_rows)  # after writes, off their path
        self._full_text: FullText | None = None
        settings = store.settings
        # Exact searches run from an in-memory copy of the vectors while it fits the budget.
        self._flat = FlatCache(store, settings.dim, settings.distance, exact_cache_bytes)
        cache_uri = None if store.read_only else store.uri  # maps kept next to a writable one
        self._projector = Projector(store, store.name, settings.dim, cache_uri, self._flat)
        self._clusters = ClusterCache(store, store.name, self._projector.cache_dir)
        # The in-process graph index, when one was created (here or by an earlier process).
        uri = store.uri
        self._graph_dir = None if store.read_only or uri is None else graph_cache_dir(uri)
        self._graph = GraphIndex.declared(store, self._flat, self._graph_dir)
        store.after_write(self.upkeep.after_write)  # its failure never fails the write

    @property
    def name(self) -> str:
        return self.store.name

    @property
    def dim(self) -> int:
        return self.store.settings.dim

    @property
    def distance(self) -> str:
        return self.store.settings.distance

    def _locked_commit(self, operation: Callable[[], Any], what: str) -> None:
        self.store.locked_commit(operation, what)

    @property
    def flat(self) -> FlatCache:
        """The in-memory exact search (what ``_search.run`` searches when a query is exact)."""
        return self._flat

    def project(self, method: str, *, sample: int, seed: int, progress: Any = None) -> Projection:
        """Every row's place on a 2-D map, cached per version (``projection``)."""
        return self._projector.project(method, sample=sample, seed=seed, progress=progress)

    def map_clusters(self, method: str, full_text: FullText) -> MapClusters:
        """The clusters of the ``method`` map, named by their words (``clusters``)."""
        return self._clusters.get(self.project(method, sample=100_000, seed=0), full_text)

    @property
    def graph(self) -> GraphIndex | None:
        """The in-process HNSW index (``create_index(kind="hnsw")``), if there is one."""
        return self._graph

    def is_exact(self, spec: QuerySpec, vector_indexed: bool | None = None) -> bool:
        """Whether the vector search of ``spec`` is exact (and may run from memory)."""
        if spec.mode == "text":
            return False
        if vector_indexed is None:
            vector_indexed = self.store.has_vector_index()
        indexed = vector_indexed or self._graph is not None
        return bool(spec.exact or (spec.exact is None and not indexed))

    def memory_search(self, spec: QuerySpec, vector_indexed: bool) -> MemorySearch | None:
        """What answers the vector search of ``spec`` in process: the exact search from
        memory, the graph index, or nobody (LanceDB's own index or flat search then runs)."""
        if spec.mode == "text":
            return None
        if self.is_exact(spec, vector_indexed):
            return self._flat
        return self._graph

    @property
    def exact_cache_bytes(self) -> int:
        """Memory budget of the in-memory exact search (bytes). While the vectors fit, exact
        searches run from a float32 copy in memory; above it, LanceDB scans them."""
        return self._flat.budget_bytes

    @exact_cache_bytes.setter
    def exact_cache_bytes(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInputError(f"exact_cache_bytes must be an int >= 0, got {value!r}")
        self._flat.budget_bytes = value

    @property
    def exact_cache_storage(self) -> str:
        """How the in-memory exact search holds the vectors: ``"float32"`` (default),
        ``"float16"`` (half the memory) or ``"int8"`` (a quarter, with a scale per row).
        Packed vectors rank the rows approximately; the best ``4k + 64`` are then scored again
        from their float32 vectors, read from the table, so results stay exact."""
        return self._flat.storage

    @exact_cache_storage.setter
    def exact_cache_storage(self, value: str) -> None:
        if value not in STORAGES:
            raise InvalidInputError(f"exact_cache_storage must be one of {sorted(STORAGES)}")
        self._flat.set_storage(value)

    def optimize(self) -> None:
        """Compact files and fold new rows into indexes (LanceDB ``optimize``), once a fold
        running in the background has ended."""
        self.upkeep.wait()
        self.store.optimize()
        self.upkeep.done()

    def create_index(self, kind: str = "auto", **params: Any) -> dict[str, Any]:
        """Build an ANN index on the vectors; returns the kind and parameters used.

        ``kind``: ``"auto"``, ``"hnsw"`` (in process), or one of LanceDB's: ``"ivf_pq"``,
        ``"ivf_hnsw_sq"``, ``"ivf_hnsw_pq"``, ``"ivf_sq"``, ``"ivf_flat"``.

        * ``"hnsw"``: an HNSW graph in this process (usearch, int8 vectors), re-scored exactly
          from float32, kept up to date after every write and saved next to the collection
          (``_search.graph``). Its ``params``: ``m``, ``ef_construction``, ``ef`` (default
          search breadth), ``dtype`` (``"i8"``, ``"f16"``, ``"f32"``), ``rebuild_ratio``.
        * ``"auto"`` picks ``"hnsw"`` while the float32 vectors fit the exact-search memory
          budget (``exact_cache_bytes``), and LanceDB's IVF indexes above it (``auto_index``).
        * LanceDB's kinds take ``num_partitions``, ``num_sub_vectors``, ``m``,
          ``ef_construction``…

        Queries then use the index; ``exact=True`` bypasses it, ``explain()`` says which path
        a query takes, and ``measure_recall()`` shows what the index trades.
        """
        if kind == "auto":
            rows = self.store.count()
            if self._flat.fits(rows):  # the vectors fit memory: the graph, re-scored from it
                kind = "hnsw"
            else:
                kind, defaults = auto_index(rows, self.dim)
                params = {**defaults, **params}
        if kind == "hnsw":
            return self._create_graph(params)
        if kind not in KINDS:
            raise InvalidInputError(
                f"kind must be 'auto', 'hnsw' or one of {sorted(KINDS)}, got {kind!r}"
            )
        self.create_vector_index(KINDS[kind], **params)
        return {"kind": kind, "params": params}

    def _create_graph(self, params: dict[str, Any]) -> dict[str, Any]:
        settings = GraphSettings.of(params)
        if self.store.read_only:
            raise InvalidInputError(
                "a checked-out version is read-only: build indexes on the latest"
            )
        graph = GraphIndex(self.store, self._flat, self._graph_dir, settings)
        graph.build()
        if self._graph is not None and self._graph is not graph:
            self._graph.wait()
        self._graph = graph
        return {"kind": "hnsw", "params": dataclasses.asdict(settings)}

    def drop_graph(self) -> None:
        """Remove the in-process graph index (and its files); searches go back to exact."""
        if self._graph is not None:
            self._graph.wait()
            self._graph.drop()
            self._graph = None

    def create_vector_index(self, index_type: str = "IVF_PQ", **params: Any) -> None:
        """Build an ANN index by LanceDB's name (``"IVF_PQ"``, ``"HNSW_SQ"``…); see
        ``create_index``. ``params`` go to the LanceDB index config; it uses the collection's
        distance. It replaces an in-process graph index."""
        config = _indexes.vector_config(index_type, self.distance, params)
        self.store.create_index(VECTOR, config, "create_vector_index")
        self.drop_graph()

    def create_scalar_index(self, field: str, kind: str = "btree") -> None:
        """Index a metadata (or id) column to speed up filters: ``"btree"`` or ``"bitmap"``."""
        config = _indexes.scalar_config(field, kind, self.store.schema.names)
        self.store.create_index(field, config, "create_scalar_index")

    def list_indexes(self) -> list[dict[str, Any]]:
        """Every index: name, type, columns, rows indexed and rows written since (the
        in-process graph is kept up to date by the next query: it has none)."""
        found = self.store.indexes()
        graph = self._graph
        if graph is not None:
            s = graph.settings
            found.append(
                {
                    "name": "vector_hnsw",
                    "type": f"HNSW (in process, usearch {graph.dtype}, M={s.connectivity})",
                    "columns": [VECTOR],
                    "indexed_rows": len(graph),
                    "unindexed_rows": 0,
                }
            )
        return found

    @property
    def full_text(self) -> FullText:
        """How the full-text index reads text: language, stemming, stop words (set with
        ``create_collection(..., full_text=...)``)."""
        if self._full_text is None:  # fixed when the collection is created
            self._full_text = FullText.stored(self.store.settings.extra.get("full_text"))
        return self._full_text

    def stats(self) -> dict[str, Any]:
        """Rows, version, indexes (with rows not yet indexed) and the exact-search memory:
        whether the vectors are held in memory, how much that takes, and the budget."""
        rows = self.store.count()
        flat, graph = self._flat, self._graph
        return {
            "rows": rows,
            "dim": self.dim,
            "distance": self.distance,
            "version": self.store.version,
            "indexes": self.list_indexes(),
            "upkeep_failure": self.upkeep.failure,
            "upkeep_running": self.upkeep.running,  # new rows being folded into the indexes
            "full_text": {**self.full_text.to_dict(), "summary": self.full_text.describe()},
            "exact_search": {
                "in_memory": flat.rows > 0 and flat.fits(rows),
                "storage": flat.storage,
                "rows": flat.rows,
                "bytes": flat.nbytes,
                "budget_bytes": flat.budget_bytes,
                "bytes_needed": rows * flat.row_bytes(),
            },
            "graph": None if graph is None else graph.describe(),
        }

    def explain(self, spec: QuerySpec) -> dict[str, Any]:
        """How ``spec`` would run, without running it (nothing is embedded): the path of the
        vector search (in memory, the in-process graph, LanceDB flat, or a LanceDB index with
        its knobs and the rows it has not indexed yet), the filter (applied before the
        search), the full-text index's backlog, and LanceDB's own plan (``plans``)."""
        return _plans.explain(self, spec)

    def where(self, where: Any) -> str | None:
        """``where`` compiled to SQL against this collection's columns."""
        return compile_filter(where, self.store.schema)

    def measure_recall(
        self,
        search: Callable[[QuerySpec], QueryResults],
        sample: int = 100,
        k: int = 10,
        seed: int = 0,
        **knobs: Any,
    ) -> dict[str, Any]:
        """Recall@k of the vector index (LanceDB's or the in-process graph) against exact
        search, on ``sample`` stored vectors used as queries (each finds itself among
        others), with both paths' median latency.

        ``knobs`` (``nprobes``, ``refine_factor``, ``ef``) are passed to the index searches,
        so different settings can be compared.
        """
        return _plans.measure_recall(self, search, sample, k, seed, **knobs)
