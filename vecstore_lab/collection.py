"""``Collection``: one LanceDB table of id, text, vector and typed metadata columns."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vecstore_lab import analytics
from vecstore_lab._inputs import Batch, build_batch, check_ids, check_query_vector
from vecstore_lab._schema import CollectionSettings, metadata_fields, metadata_names
from vecstore_lab._search import embedding as _embedding
from vecstore_lab._search import run as _search
from vecstore_lab._search.engine import Engine
from vecstore_lab._search.exact import DEFAULT_BUDGET
from vecstore_lab._storage import read as _read
from vecstore_lab._storage.lance_errors import typed_storage_errors
from vecstore_lab._storage.rows import delete_predicate
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.filters import Filter, compile_filter
from vecstore_lab.reasons import explain_hits
from vecstore_lab.results import QueryResults, RecordSet
from vecstore_lab.spec import QuerySpec
from vecstore_lab.versions import VersionInfo

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    import numpy as np
    import numpy.typing as npt

    from vecstore_lab._search.clusters import MapClusters
    from vecstore_lab._search.embedding import Embedded
    from vecstore_lab._search.fulltext import FullText
    from vecstore_lab._search.projection import Projection
    from vecstore_lab._storage.read import OrderBy
    from vecstore_lab._storage.store import Store
    from vecstore_lab._storage.verify import VerifyReport
    from vecstore_lab.cache import EmbeddingCache
    from vecstore_lab.embedders import Embedder
    from vecstore_lab.ingest import IngestReport
    from vecstore_lab.rerankers import Reranker
    from vecstore_lab.splitter import Document, RecursiveCharacterTextSplitter

__all__ = ["Collection", "VersionInfo"]

_TYPED = """count get to_arrow search project list_versions verify stats list_indexes explain
measure_recall create_index create_scalar_index add upsert update delete restore optimize rowids"""


@typed_storage_errors(*_TYPED.split())  # every method that reads or writes the table
class Collection:
    """A searchable set of documents stored as one LanceDB table.

    Get one from ``VecDatabase.create_collection``/``get_collection``; don't construct it.
    Columns: ``id`` (string), ``text`` (string), ``vector`` (fixed_size_list<float32>[dim])
    and one typed column per metadata key. All writes validate everything first, so a
    rejected write leaves rows and version exactly as they were.

    Examples:
        >>> import vecstore_lab as vl
        >>> db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=32))
        >>> docs = db.create_collection("docs")
        >>> docs.add(texts=["a cat on a mat", "stock prices fell"], ids=["a", "b"])
        ['a', 'b']
        >>> docs.query("cat mat", k=1)[0].id
        'a'
    """

    def __init__(
        self,
        store: Store,
        embedder: Embedder | None,
        *,
        embedder_error: str | None = None,
        embedder_factory: Callable[[], Embedder] | None = None,
        cache: EmbeddingCache | None = None,
        auto_optimize_rows: int = 100_000,
        exact_cache_bytes: int = DEFAULT_BUDGET,
    ) -> None:
        self._store = store
        self.name, self.uri = store.name, store.uri
        self._embedding = _embedding.Embedding(
            self.name,
            self.dim,
            self.distance,
            embedder,
            error=embedder_error,
            factory=embedder_factory,
            cache=cache,
        )
        # In-memory exact search, index builds and upkeep after writes, plans, maps.
        self._engine = Engine(
            store, exact_cache_bytes=exact_cache_bytes, auto_optimize_rows=auto_optimize_rows
        )

    # -- properties -------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The table's storage seam: commits, rows, reads and versions (``_storage.store``)."""
        return self._store

    @property
    def settings(self) -> CollectionSettings:
        return self._store.settings

    @property
    def read_only(self) -> bool:
        return self._store.read_only

    @property
    def write_batch_size(self) -> int:
        return self._store.write_batch_size

    @write_batch_size.setter
    def write_batch_size(self, value: int) -> None:
        self._store.write_batch_size = value

    @property
    def dim(self) -> int:
        return self.settings.dim

    @property
    def distance(self) -> str:
        return self.settings.distance

    @property
    def embedder(self) -> Embedder | None:
        """The embedder of texts and queries (a stored one is built on first access)."""
        return self._embedding.embedder

    @property
    def cache(self) -> EmbeddingCache | None:
        """The database's embedding cache (documents are embedded through it)."""
        return self._embedding.cache

    @property
    def schema(self) -> pa.Schema:
        """The table's Arrow schema (id, text, vector, then metadata columns)."""
        return self._store.schema

    @property
    def metadata_schema(self) -> pa.Schema:
        """Only the metadata columns."""
        return pa.schema(metadata_fields(self.schema))

    @property
    def table(self) -> Any:
        """The underlying ``lancedb`` table, for what this API does not cover."""
        return self._store.table

    @property
    def version(self) -> int:
        return self._store.version

    def __len__(self) -> int:
        return self.count()

    def __repr__(self) -> str:
        emb = self.settings.embedder["name"] if self.settings.embedder else None
        ro = ", read_only=True" if self.read_only else ""
        return (
            f"Collection(name={self.name!r}, dim={self.dim}, distance={self.distance!r}, "
            f"embedder={emb!r}, version={self.version}{ro})"
        )

    # -- helpers ----------------------------------------------------------------------
    def _writable(self) -> None:
        self._store.check_writable()

    def embed(self, texts: Sequence[str]) -> Embedded:
        """Embed document texts as writes do: through the embedding cache, in one span.

        Returns the vectors with how many texts were cached and how many were computed.
        """
        return self._embedding.documents(texts)

    def _where(self, where: Filter | None, schema: pa.Schema | None = None) -> str | None:
        return compile_filter(where, schema if schema is not None else self.schema)

    # -- writes -----------------------------------------------------------------------
    def _prepare(self, ids: Any, texts: Any, vectors: Any, metadatas: Any, *, how: str) -> Batch:
        """A validated batch with vectors for its texts (embedded before any lock is taken)."""
        self._writable()
        batch = build_batch(ids, texts, vectors, metadatas, dim=self.dim, auto_ids=how == "add")
        return self._embedding.complete(batch, self.schema, how)

    def add(
        self,
        ids: Sequence[str] | str | None = None,
        texts: Sequence[str] | str | None = None,
        vectors: Any = None,
        metadatas: Sequence[Mapping[str, Any] | None] | Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Insert new rows; returns their ids (generated when ``ids`` is None).

        Raises ``DuplicateIdError`` if an id repeats in the batch or is already stored (use
        ``upsert`` to replace). Vectors are embedded from ``texts`` when not given. The whole
        batch is one commit: it is written entirely or not at all.
        """
        batch = self._prepare(ids, texts, vectors, metadatas, how="add")
        if len(batch):
            with self._store.locked():
                if ids is not None:  # generated ids are fresh uuids: nothing to check
                    self._store.refuse_existing(batch.ids)
                self._store.write(batch, "add")
        return batch.ids

    def upsert(
        self,
        ids: Sequence[str] | str,
        texts: Sequence[str] | str | None = None,
        vectors: Any = None,
        metadatas: Sequence[Mapping[str, Any] | None] | Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Insert rows, replacing whole rows whose id already exists (LanceDB merge_insert)."""
        batch = self._prepare(ids, texts, vectors, metadatas, how="upsert")
        if len(batch):
            with self._store.locked():
                self._store.write(batch, "upsert")
        return batch.ids

    def update(
        self,
        ids: Sequence[str] | str,
        texts: Sequence[str] | str | None = None,
        vectors: Any = None,
        metadatas: Sequence[Mapping[str, Any] | None] | Mapping[str, Any] | None = None,
    ) -> None:
        """Change existing rows; fields not given keep their values.

        New texts are re-embedded unless vectors are given. Metadata is merged key by key
        into what is stored (a ``None`` value clears a key). Every id must exist, else
        ``IdNotFoundError`` and nothing changes.
        """
        batch = self._prepare(ids, texts, vectors, metadatas, how="update")
        if len(batch):
            with self._store.locked():  # read, merge and write as one step for other writers
                current = {r.id: r for r in self.get(ids=batch.ids, include_vectors=True)}
                self._store.write(self._store.merged(batch, current, batch.vectors), "update")

    def delete(self, ids: Sequence[str] | str | None = None, where: Filter | None = None) -> int:
        """Delete rows matching ``ids`` and/or ``where`` (both: rows matching both).

        Returns the number of rows deleted. Calling it with neither is an error, so that a
        forgotten argument never wipes a collection (``db.delete_collection`` drops it all).
        """
        self._writable()
        predicate = delete_predicate(ids, where, self._where(where))
        if predicate is None:
            return 0
        with self._store.locked():
            return self._store.delete(predicate)

    # -- reads ------------------------------------------------------------------------
    def count(self, where: Filter | None = None) -> int:
        """Number of rows (matching ``where`` if given)."""
        return self._store.count(self._where(where))

    def rowids(self, where: Filter | None = None) -> npt.NDArray[np.uint64]:
        """Sorted row ids of the rows matching ``where``, as a ``Projection``'s ``rowids``."""
        return self._store.rowids(self._where(where))

    def get(
        self,
        ids: Sequence[str] | str | None = None,
        where: Filter | None = None,
        limit: int | None = None,
        offset: int = 0,
        *,
        select: Sequence[str] | None = None,
        include_vectors: bool = False,
        order_by: OrderBy | None = None,
    ) -> RecordSet:
        """Rows by id and/or filter: in storage order, in the order of ``ids``, or sorted.

        ``order_by`` is a field name, ``(name, "descending")``, or a list of either; ties are
        broken by id and nulls sort last. With ``limit``/``offset`` this pages a large
        collection: sorting reads only the key columns, and only the page is read in full.
        """
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidInputError(f"limit must be a non-negative int or None, got {limit!r}")
        if not isinstance(offset, int) or offset < 0:
            raise InvalidInputError(f"offset must be a non-negative int, got {offset!r}")
        schema = self.schema  # one schema fetch per call: each is a round trip into LanceDB
        cols = _search.select_columns(schema, select, include_vectors=include_vectors)
        order = _read.sort_keys(order_by, schema.names) if order_by is not None else None
        checked = check_ids(ids) if ids is not None else None
        if checked is not None and not checked:
            return RecordSet(_search.empty_result(schema, cols).select(cols), [])
        table = self._store.read(
            cols,
            ids=checked,
            where=self._where(where, schema),
            limit=limit,
            offset=offset,
            order=order,
        )
        return RecordSet(table, metadata_names(schema))

    def peek(self, n: int = 5) -> RecordSet:
        """The first ``n`` rows."""
        return self.get(limit=n)

    def to_arrow(self) -> pa.Table:
        """Every row as an Arrow table (vectors included)."""
        return self._store.to_arrow()

    def to_pandas(self) -> Any:
        """Every row as a pandas DataFrame (vectors included)."""
        return self.to_arrow().to_pandas()

    def to_duckdb(self, connection: Any = None) -> Any:
        """A DuckDB relation that reads the Lance files in place (see ``analytics``)."""
        return analytics.relation(self, connection)

    def to_polars(self) -> Any:
        """A Polars ``LazyFrame`` that reads the Lance files in place (see ``analytics``)."""
        return analytics.lazy_frame(self)

    def verify(self, *, vectors: bool = True) -> VerifyReport:
        """Read every data file; report damaged, missing or miscounted ones (``_verify``)."""
        return self._store.verify(vectors=vectors)

    def project(
        self, method: str = "pca", *, sample: int = 100_000, seed: int = 0, progress: Any = None
    ) -> Projection:
        """Every row's place on a 2-D map: ``"pca"`` or ``"umap"`` (umap-learn), fit on
        ``sample`` rows, applied to all. Kept per version in memory and next to a local
        collection; after writes only new rows are transformed (no refit). See _projection."""
        return self._engine.project(method, sample=sample, seed=seed, progress=progress)

    def map_clusters(self, method: str = "pca") -> MapClusters:
        """The map's labelled clusters, cached per version like it (see _search.clusters)."""
        return self._engine.map_clusters(method, self.full_text)

    # -- search -----------------------------------------------------------------------
    def query(
        self,
        text: str | None = None,
        *,
        vector: Any = None,
        k: int = 10,
        where: Filter | None = None,
        mode: str = "vector",
        select: Sequence[str] | None = None,
        include_vectors: bool = False,
        fusion: str | Any = "rrf",
        alpha: float = 0.5,
        rrf_k: int = 60,
        candidates: int | None = None,
        rerank: Reranker | str | Callable[..., Any] | None = None,
        rerank_k: int | None = None,
        refine_factor: int | None = None,
        nprobes: int | None = None,
        ef: int | None = None,
        exact: bool | None = None,
    ) -> QueryResults:
        """Search the collection; returns ``k`` hits best first.

        The keywords describe a ``QuerySpec`` (see it for each one); this builds the spec and
        runs it with ``search``. Hybrid fusion is ``fusion="rrf"`` (with ``rrf_k``),
        ``fusion="linear"`` (with ``alpha``) or a ``Fuser`` object (``RRFReranker(k=30)``).
        ``rerank`` is a reranker, a registered name (``"cross-encoder"``, ``"colbert"``,
        ``"mmr"``…) or a function ``(query, hits) -> scores``.

        Every hit has ``score`` (higher is better; the reranker's score when one ran),
        ``distance`` and ``rank``; each stage's score and rank are in ``hit.breakdown`` and in
        the columns of ``to_arrow()``: ``_score``, ``_distance``, ``_rank``, ``_vector_*``,
        ``_fts_*``, ``_fused_score``, ``_rerank_score``, ``_retrieval_rank``, ``_rank_change``.
        Those names start with "_" so they never collide with metadata keys (which start with
        a letter): a user's own ``score`` column comes back unchanged in ``hit.metadata``.
        """
        options = dict(locals())  # every keyword is a QuerySpec.build option, by name
        del options["self"], options["text"]
        return self.search(QuerySpec.build(text, **options))

    def search(self, spec: QuerySpec) -> QueryResults:
        """Run a ``QuerySpec`` (what ``query`` builds from its keywords, and what the CLI,
        evaluation and widgets produce)."""
        if not isinstance(spec, QuerySpec):
            raise InvalidInputError(f"search() takes a QuerySpec, got {type(spec).__name__}")
        version, schema, vector_indexed = self._engine.flat.table_state()
        table = _search.run(
            self._store,
            spec,
            collection=self.name,
            schema=schema,
            metric=self.distance,
            query_vector=lambda: self._query_vector(spec),
            memory=self._engine.memory_search(spec, vector_indexed),
            version=version,
        )
        names, why = metadata_names(schema), partial(explain_hits, self, spec)
        return QueryResults(
            table, names, query=spec.text, mode=spec.mode, full_text=self.full_text, why=why
        )

    def _query_vector(self, spec: QuerySpec) -> npt.NDArray[np.float32]:
        if spec.vector is not None:
            return check_query_vector(spec.vector, self.dim, self.distance)
        if spec.text is None:
            raise InvalidInputError(f"{spec.mode} mode needs text= or vector=")
        return self._embedding.query(spec.text)

    def add_documents(
        self,
        documents: Iterable[Document | str | Mapping[str, Any]],
        *,
        splitter: RecursiveCharacterTextSplitter | None = None,
        batch_size: int = 256,
        id_key: str = "id",
        progress: bool = True,
    ) -> IngestReport:
        """Split, embed and write documents in resumable batches with a progress bar.

        See ``vecstore_lab.ingest.ingest``: chunk ids are ``"{doc_id}#{chunk_index}"``,
        unchanged chunks are skipped (no embedding), re-running never duplicates.
        """
        self._writable()
        from vecstore_lab.ingest import ingest  # ingest is built on this class's public API

        return ingest(
            self,
            documents,
            splitter=splitter,
            batch_size=batch_size,
            id_key=id_key,
            progress=progress,
        )

    ingest = add_documents

    def hybrid(self, text: str, *, k: int = 10, **kwargs: Any) -> QueryResults:
        """Shorthand for ``query(text, mode="hybrid", ...)``."""
        return self.query(text, k=k, mode="hybrid", **kwargs)

    # -- the engine (``_search.engine.Engine``): exact search memory, indexes, plans ----
    @property
    def exact_cache_bytes(self) -> int:
        """Memory budget of the in-memory exact search, in bytes (above it LanceDB scans)."""
        return self._engine.exact_cache_bytes

    @exact_cache_bytes.setter
    def exact_cache_bytes(self, value: int) -> None:
        self._engine.exact_cache_bytes = value

    @property
    def exact_cache_storage(self) -> str:
        """``"float32"``, ``"float16"`` or ``"int8"``: how exact search holds the vectors
        (packed ones rank approximately, then the best are scored again exactly)."""
        return self._engine.exact_cache_storage

    @exact_cache_storage.setter
    def exact_cache_storage(self, value: str) -> None:
        self._engine.exact_cache_storage = value

    @property
    def auto_optimize_rows(self) -> int:
        """Unindexed rows after which a write folds new rows into the indexes."""
        return self._engine.upkeep.rows

    @auto_optimize_rows.setter
    def auto_optimize_rows(self, value: int) -> None:
        self._engine.upkeep.rows = value

    @property
    def full_text(self) -> FullText:
        """How the full-text index reads text: language, stemming, stop words."""
        return self._engine.full_text

    def optimize(self) -> None:
        """Compact files and fold new rows into indexes (LanceDB ``optimize``)."""
        self._engine.optimize()

    def create_index(self, kind: str = "auto", **params: Any) -> dict[str, Any]:
        return self._engine.create_index(kind, **params)

    def create_vector_index(self, index_type: str = "IVF_PQ", **params: Any) -> None:
        self._engine.create_vector_index(index_type, **params)

    def create_scalar_index(self, field: str, kind: str = "btree") -> None:
        """Index a metadata (or id) column to speed up filters: ``"btree"`` or ``"bitmap"``."""
        self._engine.create_scalar_index(field, kind)

    def list_indexes(self) -> list[dict[str, Any]]:
        """Every index: name, type, columns, rows indexed and rows written since."""
        return self._engine.list_indexes()

    def stats(self) -> dict[str, Any]:
        return self._engine.stats()

    def explain(self, text: str | None = None, **query: Any) -> dict[str, Any]:
        return self._engine.explain(QuerySpec.build(text, **query))

    def measure_recall(
        self, sample: int = 100, k: int = 10, seed: int = 0, **knobs: Any
    ) -> dict[str, Any]:
        return self._engine.measure_recall(self.search, sample, k, seed, **knobs)

    create_index.__doc__ = Engine.create_index.__doc__
    create_vector_index.__doc__ = Engine.create_vector_index.__doc__
    stats.__doc__ = Engine.stats.__doc__
    explain.__doc__ = (Engine.explain.__doc__ or "").replace("``spec``", "``query(text, **query)``")
    measure_recall.__doc__ = Engine.measure_recall.__doc__

    # -- indexes and versions ---------------------------------------------------------
    def list_versions(self) -> list[VersionInfo]:
        """Every version of the collection, oldest first."""
        return self._store.versions()

    def checkout(self, version: int) -> Collection:
        """A read-only view of the collection as it was at ``version`` (same settings)."""
        view = Collection(
            self._store.checkout(version),
            None,
            auto_optimize_rows=self.auto_optimize_rows,
            exact_cache_bytes=self.exact_cache_bytes,
        )
        view._embedding = self._embedding  # the same embedder, built once for both
        view.exact_cache_storage = self.exact_cache_storage
        return view

    def restore(self, version: int) -> None:
        """Make ``version``'s contents the latest (a new version; history is kept)."""
        self._store.restore(version)
