"""``Collection``: one LanceDB table of id, text, vector and typed metadata columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vecstore_lab import _search, telemetry
from vecstore_lab._inputs import Batch, build_batch, check_ids, check_query_vector, unencodable
from vecstore_lab._schema import (
    ID,
    TEXT,
    VECTOR,
    CollectionSettings,
    metadata_columns,
    metadata_fields,
)
from vecstore_lab._write import RowWriter, ids_predicate
from vecstore_lab._writer import CommitGuard
from vecstore_lab.errors import (
    DimensionMismatchError,
    DuplicateIdError,
    EmbedderError,
    IdNotFoundError,
    InvalidInputError,
    ReadOnlyCollectionError,
    StorageError,
)
from vecstore_lab.filters import Filter, compile_filter
from vecstore_lab.rerankers import resolve_reranker
from vecstore_lab.results import QueryResults, RecordSet

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from vecstore_lab.cache import EmbeddingCache
    from vecstore_lab.embedders import Embedder
    from vecstore_lab.ingest import IngestReport
    from vecstore_lab.rerankers import Reranker
    from vecstore_lab.splitter import Document, RecursiveCharacterTextSplitter

__all__ = ["Collection", "VersionInfo"]

FTS_INDEX = "text_idx"
MODES = ("vector", "text", "hybrid")
_MAX_K = 2**31 - 1  # LanceDB's limit is a 32-bit count


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_K


@dataclass(frozen=True)
class VersionInfo:
    """One version of a collection: every write makes one."""

    version: int
    timestamp: dt.datetime
    num_rows: int | None


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
        name: str,
        table: Any,
        settings: CollectionSettings,
        embedder: Embedder | None,
        *,
        embedder_error: str | None = None,
        connection: Any = None,
        cache: EmbeddingCache | None = None,
        read_only: bool = False,
        write_batch_size: int = 8192,
        auto_optimize_rows: int = 20_000,
        uri: str | None = None,
    ) -> None:
        self.name = name
        self.uri = uri
        self._guard = CommitGuard(uri, name)
        self._rows = RowWriter(table, name, settings.dim, self._guard)
        self._table = table
        self.settings = settings
        self._embedder = embedder
        self._embedder_error = embedder_error
        self._connection = connection
        self.cache = cache
        self.read_only = read_only
        self.write_batch_size = write_batch_size
        self.auto_optimize_rows = auto_optimize_rows

    # -- properties -------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return self.settings.dim

    @property
    def distance(self) -> str:
        return self.settings.distance

    @property
    def embedder(self) -> Embedder | None:
        return self._embedder

    @property
    def schema(self) -> pa.Schema:
        """The table's Arrow schema (id, text, vector, then metadata columns)."""
        return self._table.schema

    @property
    def metadata_schema(self) -> pa.Schema:
        """Only the metadata columns."""
        return pa.schema(metadata_fields(self.schema))

    @property
    def table(self) -> Any:
        """The underlying ``lancedb`` table, for what this API does not cover."""
        return self._table

    @property
    def version(self) -> int:
        return int(self._table.version)

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
        if self.read_only:
            raise ReadOnlyCollectionError(
                f"collection {self.name!r} is checked out at version {self.version} and is "
                "read-only; use the live collection, or restore() this version"
            )

    def _need_embedder(self, why: str) -> Embedder:
        if self._embedder is None:
            extra = f" ({self._embedder_error})" if self._embedder_error else ""
            raise EmbedderError(
                f"collection {self.name!r} has no embedder, which {why}{extra}. Pass vectors "
                "yourself, or open it with db.get_collection(name, embedder=...)"
            )
        return self._embedder

    def _db_attrs(self, operation: str) -> dict[str, Any]:
        return {
            "db.system.name": "lancedb",
            "db.collection.name": self.name,
            "db.operation.name": operation,
        }

    def _embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        embedder = self._need_embedder("is needed to embed texts given without vectors")
        attrs = {
            "embedder": embedder.name,
            "db.collection.name": self.name,
            "vecstore_lab.embed.kind": "documents",
            "vecstore_lab.embed.inputs": len(texts),
            "vecstore_lab.embed.batch_size": getattr(embedder, "batch_size", None),
        }
        with telemetry.stage("embed", attrs) as span:
            if self.cache is not None:
                hits, misses = self.cache.hits, self.cache.misses
                vectors = self.cache.embed(embedder, texts)
                hit, miss = self.cache.hits - hits, self.cache.misses - misses
                span.set_attribute("vecstore_lab.embed.cache_hits", hit)
                span.set_attribute("vecstore_lab.embed.cache_misses", miss)
            else:
                vectors = embedder.embed_documents(texts)
                hit, miss = 0, len(texts)
            telemetry.add("vecstore_lab.embed.calls", 1 if miss else 0, {"embedder": embedder.name})
            telemetry.add(
                "vecstore_lab.embed.texts", hit, {"embedder": embedder.name, "cache": "hit"}
            )
            telemetry.add(
                "vecstore_lab.embed.texts", miss, {"embedder": embedder.name, "cache": "miss"}
            )
        if vectors.shape != (len(texts), self.dim):
            raise DimensionMismatchError(
                f"embedder {embedder.name!r} returned shape {vectors.shape}; this collection "
                f"stores {self.dim}-dim vectors",
                expected=self.dim,
                got=int(vectors.shape[-1]) if vectors.ndim == 2 else None,
            )
        return np.asarray(vectors, dtype=np.float32)

    def _where(self, where: Filter | None, schema: pa.Schema | None = None) -> str | None:
        return compile_filter(where, schema if schema is not None else self.schema)

    @staticmethod
    def _columns(
        schema: pa.Schema, select: Sequence[str] | None, *, include_vectors: bool
    ) -> list[str]:
        names = schema.names
        if select is None:
            cols = [c for c in names if c != VECTOR]
        else:
            unknown = [c for c in select if c not in names]
            if unknown:
                raise InvalidInputError(
                    f"select names unknown field(s) {unknown}; fields: {', '.join(names)}"
                )
            cols = [ID, *[c for c in names if c in select and c != ID]]
        if include_vectors and VECTOR not in cols:
            cols.append(VECTOR)
        return cols

    @staticmethod
    def _metadata_names(schema: pa.Schema) -> list[str]:
        return [f.name for f in metadata_fields(schema)]

    # -- writes -----------------------------------------------------------------------
    def _with_vectors(self, batch: Batch) -> Batch:
        """The batch with its vectors, embedding texts given without them (no lock held)."""
        if batch.vectors is not None or not len(batch):
            return batch
        if batch.texts is None:
            raise InvalidInputError("pass texts, vectors, or both")
        vectors = self._embed([t for t in batch.texts if t is not None])
        return Batch(batch.ids, batch.texts, vectors, batch.metadatas)

    def _commit(self, batch: Batch, how: str) -> None:
        """Lay out and commit ``batch``; the caller holds the write lock."""
        data, new_fields = self._rows.layout(batch, self.schema)
        attrs = {**self._db_attrs(how), "operation": how, "vecstore_lab.rows": data.num_rows}
        with telemetry.stage("write", attrs):
            self._rows.write(data, new_fields, how, batch_size=self.write_batch_size)
        telemetry.add("vecstore_lab.rows.written", data.num_rows, {"operation": how})
        self._maintain_indexes()

    def _maintain_indexes(self) -> None:
        """Fold new rows into the full-text index once enough have piled up.

        Unindexed rows are still searched (flat), just more slowly, so this is about speed.
        """
        if self.auto_optimize_rows <= 0:
            return
        try:
            stats = self._table.index_stats(FTS_INDEX)
        except Exception:  # no FTS index (e.g. created by hand): nothing to maintain
            return
        if stats is not None and stats.num_unindexed_rows >= self.auto_optimize_rows:
            self.optimize()

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
        self._writable()
        batch = build_batch(ids, texts, vectors, metadatas, dim=self.dim, auto_ids=True)
        metadata_columns(batch.metadatas, len(batch), self.schema)  # fail before embedding
        batch = self._with_vectors(batch)
        if not len(batch):
            return batch.ids
        with self._guard.locked():
            self._rows.ensure_primary_key()
            if ids is not None:  # generated ids are fresh uuids: nothing to check
                clash = self._rows.existing_ids(batch.ids)
                if clash:
                    shown = sorted(clash)[:5]
                    raise DuplicateIdError(
                        f"{len(clash)} id(s) already exist in {self.name!r}: {shown}"
                        f"{' …' if len(clash) > 5 else ''}; use upsert() to replace them",
                        ids=sorted(clash),
                    )
            self._commit(batch, "add")
        return batch.ids

    def upsert(
        self,
        ids: Sequence[str] | str,
        texts: Sequence[str] | str | None = None,
        vectors: Any = None,
        metadatas: Sequence[Mapping[str, Any] | None] | Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Insert rows, replacing whole rows whose id already exists (LanceDB merge_insert)."""
        self._writable()
        batch = build_batch(ids, texts, vectors, metadatas, dim=self.dim, auto_ids=False)
        metadata_columns(batch.metadatas, len(batch), self.schema)
        batch = self._with_vectors(batch)
        if len(batch):
            with self._guard.locked():
                self._rows.ensure_primary_key()
                self._commit(batch, "upsert")
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
        self._writable()
        batch = build_batch(ids, texts, vectors, metadatas, dim=self.dim, auto_ids=False)
        if not len(batch):
            return
        metadata_columns(batch.metadatas, len(batch), self.schema)
        new_vectors = batch.vectors
        if new_vectors is None and batch.texts is not None:
            new_vectors = self._embed([t for t in batch.texts if t is not None])
        with self._guard.locked():  # read, merge and write as one step for other writers
            current = {r.id: r for r in self.get(ids=batch.ids, include_vectors=True)}
            missing = [i for i in batch.ids if i not in current]
            if missing:
                raise IdNotFoundError(
                    f"{len(missing)} id(s) not found in {self.name!r}: {missing[:5]}; "
                    "use upsert() to insert",
                    ids=missing,
                )
            rows = [current[i] for i in batch.ids]
            texts_out = batch.texts if batch.texts is not None else [r.text for r in rows]
            if new_vectors is None:
                new_vectors = np.stack([np.asarray(r.vector, dtype=np.float32) for r in rows])
            merged: list[Mapping[str, Any] | None] = [
                {**r.metadata, **(new or {})}
                for r, new in zip(rows, batch.metadatas or [None] * len(rows), strict=True)
            ]
            self._rows.ensure_primary_key()
            self._commit(Batch(batch.ids, texts_out, new_vectors, merged), "update")

    def delete(self, ids: Sequence[str] | str | None = None, where: Filter | None = None) -> int:
        """Delete rows matching ``ids`` and/or ``where`` (both: rows matching both).

        Returns the number of rows deleted. Calling it with neither is an error, so that a
        forgotten argument never wipes a collection (``db.delete_collection`` drops it all).
        """
        self._writable()
        if ids is None and where is None:
            raise InvalidInputError("delete() needs ids and/or where; refusing to delete all rows")
        preds = []
        if ids is not None:
            checked = check_ids(ids)
            if not checked:
                return 0
            preds.append(ids_predicate(checked))
        sql = self._where(where)
        if sql:
            preds.append(sql)
        predicate = " AND ".join(f"({p})" for p in preds)
        with self._guard.locked(), telemetry.stage("delete", self._db_attrs("delete")) as span:
            n = int(self._table.count_rows(predicate))
            if n:
                self._guard.commit(lambda: self._table.delete(predicate), "delete")
            span.set_attribute("vecstore_lab.rows", n)
        return n

    # -- reads ------------------------------------------------------------------------
    def count(self, where: Filter | None = None) -> int:
        """Number of rows (matching ``where`` if given)."""
        return int(self._table.count_rows(self._where(where)))

    def get(
        self,
        ids: Sequence[str] | str | None = None,
        where: Filter | None = None,
        limit: int | None = None,
        offset: int = 0,
        *,
        select: Sequence[str] | None = None,
        include_vectors: bool = False,
    ) -> RecordSet:
        """Rows by id and/or filter, in storage order (or in the order of ``ids``)."""
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidInputError(f"limit must be a non-negative int or None, got {limit!r}")
        if not isinstance(offset, int) or offset < 0:
            raise InvalidInputError(f"offset must be a non-negative int, got {offset!r}")
        schema = self.schema  # one schema fetch per call: each is a round trip into LanceDB
        cols = self._columns(schema, select, include_vectors=include_vectors)
        preds = []
        checked = check_ids(ids) if ids is not None else None
        if checked is not None:
            if not checked:
                return RecordSet(_search.empty_result(schema, cols).select(cols), [])
            preds.append(ids_predicate(checked))
        sql = self._where(where, schema)
        if sql:
            preds.append(sql)
        q = self._table.search().select(cols)
        if preds:
            q = q.where(" AND ".join(f"({p})" for p in preds))
        if checked is None:
            q = q.limit(limit).offset(offset) if limit is not None else q.limit(None).offset(offset)
            table = q.to_arrow()
        else:
            table = q.limit(None).to_arrow()
            pos = {i: n for n, i in enumerate(checked)}
            order = sorted(range(table.num_rows), key=lambda r: pos[table.column(ID)[r].as_py()])
            table = table.take(pa.array(order, pa.int64()))
            end = None if limit is None else offset + limit
            table = table.slice(offset, None if end is None else end - offset)
        return RecordSet(table, self._metadata_names(schema))

    def peek(self, n: int = 5) -> RecordSet:
        """The first ``n`` rows."""
        return self.get(limit=n)

    def to_arrow(self) -> pa.Table:
        """Every row as an Arrow table (vectors included)."""
        return self._table.to_arrow()

    def to_pandas(self) -> Any:
        """Every row as a pandas DataFrame (vectors included)."""
        return self.to_arrow().to_pandas()

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
    ) -> QueryResults:
        """Search the collection; returns ``k`` hits best first.

        Parameters:
            text: the query text (embedded for vector/hybrid mode; matched for text mode).
            vector: a query vector, instead of embedding ``text``.
            k: number of hits.
            where: a dict or string filter, applied before the search (prefilter).
            mode: ``"vector"`` (nearest neighbours), ``"text"`` (BM25 full-text) or
                ``"hybrid"`` (both, fused).
            select: fields to return besides id and scores (default: text + all metadata).
            fusion, alpha, rrf_k: hybrid fusion: ``"rrf"`` (with ``rrf_k``), ``"linear"``
                (with ``alpha``), or a fusion reranker object (``RRFReranker(k=...)``); see
                ``vecstore_lab.fusion``.
            candidates: hits fetched from each search before fusing (default ``max(3k, 30)``).
            rerank: a reranker, a registered reranker name (``"cross-encoder"``, ``"colbert"``,
                ``"mmr"``…) or a function ``(query, hits) -> scores``.
            rerank_k: candidates retrieved for the reranker (default ``max(3k, 30)``).
            refine_factor, nprobes: passed to LanceDB when an ANN index exists.

        Every hit has ``score`` (higher is better; the reranker's score when one ran),
        ``distance`` and ``rank``; each stage's score and rank are in ``hit.breakdown`` and in
        the columns of ``to_arrow()``: ``_score``, ``_distance``, ``_rank``, ``_vector_*``,
        ``_fts_*``, ``_fused_score``, ``_rerank_score``, ``_retrieval_rank``, ``_rank_change``.
        Those names start with "_" so they never collide with metadata keys (which start with
        a letter): a user's own ``score`` column comes back unchanged in ``hit.metadata``.
        """
        if mode not in MODES:
            raise InvalidInputError(f"mode must be one of {MODES}, got {mode!r}")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InvalidInputError(f"k must be a positive int, got {k!r}")
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise InvalidInputError(f"query text must be a non-empty string, got {text!r}")
        if text is not None and unencodable(text) is not None:
            raise InvalidInputError(
                f"query text {text[:40]!r} has a lone surrogate at character {unencodable(text)}, "
                "which cannot be embedded or matched; decode the source with errors='replace'"
            )
        if k > _MAX_K:
            raise InvalidInputError(f"k must be at most {_MAX_K}, got {k}")
        if rerank_k is not None and (not isinstance(rerank_k, int) or rerank_k < k):
            raise InvalidInputError(f"rerank_k must be an int >= k ({k}), got {rerank_k!r}")
        for name, value in (
            ("candidates", candidates),
            ("refine_factor", refine_factor),
            ("nprobes", nprobes),
            ("rrf_k", rrf_k),
        ):
            if value is not None and not _positive_int(value):
                raise InvalidInputError(f"{name} must be a positive int, got {value!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 <= alpha <= 1:
            raise InvalidInputError(f"alpha must be a number within [0, 1], got {alpha!r}")
        if isinstance(select, str):  # one field named as a string, not a list of letters
            select = [select]
        fuser = _search.resolve_fusion(fusion, alpha=alpha, rrf_k=rrf_k)
        reranker = resolve_reranker(rerank) if rerank is not None else None
        if mode == "text" and text is None:
            raise InvalidInputError("text mode needs text=")
        if mode == "hybrid" and text is None:
            raise InvalidInputError("hybrid mode needs text= (and vector= or an embedder)")
        attrs = {
            **self._db_attrs("query"),
            "mode": mode,
            "vecstore_lab.query.mode": mode,
            "vecstore_lab.query.k": k,
            "vecstore_lab.query.filtered": where is not None,
            "reranker": reranker.name if reranker is not None else None,
        }
        try:
            with telemetry.stage("query", attrs) as span:
                results = self._query(
                    text=text,
                    vector=vector,
                    k=k,
                    where=where,
                    mode=mode,
                    select=select,
                    include_vectors=include_vectors,
                    fuser=fuser,
                    candidates=candidates,
                    reranker=reranker,
                    rerank_k=rerank_k,
                    refine_factor=refine_factor,
                    nprobes=nprobes,
                )
                span.set_attribute("vecstore_lab.query.results", len(results))
        except BaseException:
            telemetry.add("vecstore_lab.queries", 1, {"mode": mode, "status": "error"})
            raise
        telemetry.add("vecstore_lab.queries", 1, {"mode": mode, "status": "ok"})
        return results

    def _query(
        self,
        *,
        text: str | None,
        vector: Any,
        k: int,
        where: Filter | None,
        mode: str,
        select: Sequence[str] | None,
        include_vectors: bool,
        fuser: Any,
        candidates: int | None,
        reranker: Reranker | None,
        rerank_k: int | None,
        refine_factor: int | None,
        nprobes: int | None,
    ) -> QueryResults:
        schema = self.schema
        cols = self._columns(schema, select, include_vectors=include_vectors)
        fetch = cols
        if reranker is not None and reranker.needs_vectors and VECTOR not in cols:
            fetch = [*cols, VECTOR]
        depth = k if reranker is None else (rerank_k or max(3 * k, 30))
        needs_vector = mode != "text" or (reranker is not None and reranker.needs_vectors)
        qvec = self._query_vector(text, vector, mode) if needs_vector else None
        hits = _search.retrieve(
            self._table,
            mode=mode,
            text=text,
            vector=qvec,
            metric=self.distance,
            depth=depth,
            candidates=max(candidates or max(3 * k, 30), depth),
            where=self._where(where, schema),
            columns=fetch,
            fuser=fuser,
            refine_factor=refine_factor,
            nprobes=nprobes,
        )
        if reranker is not None:
            hits = _search.apply_rerank(reranker, text, hits, qvec, mode)
        table = _search.finalize(hits, mode, cols, k, reranked=reranker is not None)
        return QueryResults(table, self._metadata_names(schema), query=text, mode=mode)

    def _query_vector(self, text: str | None, vector: Any, mode: str) -> npt.NDArray[np.float32]:
        if vector is not None:
            return check_query_vector(vector, self.dim, self.distance)
        if text is None:
            raise InvalidInputError(f"{mode} mode needs text= or vector=")
        emb = self._need_embedder("is needed to embed the query text")
        attrs = {
            "embedder": emb.name,
            "vecstore_lab.embed.kind": "query",
            "vecstore_lab.embed.inputs": 1,
        }
        with telemetry.stage("embed", attrs):
            telemetry.add("vecstore_lab.embed.calls", 1, {"embedder": emb.name})
            telemetry.add("vecstore_lab.embed.texts", 1, {"embedder": emb.name, "cache": "miss"})
            return check_query_vector(emb.embed_query(text), self.dim, self.distance)

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
        if not _positive_int(batch_size):
            raise InvalidInputError(f"batch_size must be a positive int, got {batch_size!r}")
        from vecstore_lab.ingest import ingest

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

    # -- indexes and versions ---------------------------------------------------------
    def optimize(self) -> None:
        """Compact files and fold new rows into indexes (LanceDB ``optimize``)."""
        self._writable()
        with self._guard.locked():
            self._guard.commit(self._table.optimize, "optimize")

    def create_vector_index(self, index_type: str = "IVF_PQ", **params: Any) -> None:
        """Build an ANN index on the vectors (``"IVF_PQ"``, ``"IVF_FLAT"``, ``"HNSW_SQ"``…).

        ``params`` go to the LanceDB index config (e.g. ``num_partitions``). The index
        uses this collection's distance.
        """
        self._writable()
        from lancedb import index as lindex

        configs = {
            "IVF_PQ": lindex.IvfPq,
            "IVF_FLAT": lindex.IvfFlat,
            "IVF_SQ": lindex.IvfSq,
            "HNSW_SQ": lindex.HnswSq,
            "HNSW_PQ": lindex.HnswPq,
        }
        if index_type not in configs:
            raise InvalidInputError(f"index_type must be one of {sorted(configs)}")
        config = configs[index_type](distance_type=self.distance, **params)
        with self._guard.locked():
            self._guard.commit(
                lambda: self._table.create_index(VECTOR, config=config, replace=True),
                "create_vector_index",
            )

    def create_scalar_index(self, field: str, kind: str = "btree") -> None:
        """Index a metadata (or id) column to speed up filters: ``"btree"`` or ``"bitmap"``."""
        self._writable()
        from lancedb import index as lindex

        if field not in self.schema.names or field in (TEXT, VECTOR):
            raise InvalidInputError(f"cannot build a scalar index on {field!r}")
        configs = {"btree": lindex.BTree, "bitmap": lindex.Bitmap}
        if kind not in configs:
            raise InvalidInputError(f"kind must be 'btree' or 'bitmap', got {kind!r}")
        config = configs[kind]()
        with self._guard.locked():
            self._guard.commit(
                lambda: self._table.create_index(field, config=config, replace=True),
                "create_scalar_index",
            )

    def list_versions(self) -> list[VersionInfo]:
        """Every version of the collection, oldest first."""
        out = []
        for v in self._table.list_versions():
            rows = (v.get("metadata") or {}).get("total_rows")
            out.append(VersionInfo(int(v["version"]), v["timestamp"], int(rows) if rows else None))
        return out

    def _check_version(self, version: int) -> int:
        known = [v.version for v in self.list_versions()]
        if isinstance(version, bool) or not isinstance(version, int) or version not in known:
            raise InvalidInputError(
                f"version {version!r} does not exist; versions are {known[0]}..{known[-1]}"
            )
        return version

    def checkout(self, version: int) -> Collection:
        """A read-only view of the collection as it was at ``version``."""
        self._check_version(version)
        if self._connection is None:
            raise InvalidInputError("this collection was not opened through a VecDatabase")
        try:
            table = self._connection.open_table(self.name)
            table.checkout(version)
        except Exception as exc:
            raise StorageError(f"checkout of {self.name!r} at {version} failed: {exc}") from exc
        settings = CollectionSettings.from_schema(table.schema) or self.settings
        return Collection(
            self.name,
            table,
            settings,
            self._embedder,
            embedder_error=self._embedder_error,
            connection=self._connection,
            cache=self.cache,
            read_only=True,
            uri=self.uri,
        )

    def restore(self, version: int) -> None:
        """Make ``version``'s contents the latest (a new version; history is kept)."""
        self._writable()
        self._check_version(version)
        with self._guard.locked():
            self._guard.commit(lambda: self._table.restore(version), f"restore to {version}")
        restored = CollectionSettings.from_schema(self._table.schema)
        if restored is not None:
            self.settings = restored
