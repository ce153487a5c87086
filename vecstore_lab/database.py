"""``connect`` and ``VecDatabase``: a directory (or URI) of collections."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pyarrow as pa

from vecstore_lab._schema import (
    DISTANCES,
    TEXT,
    CollectionSettings,
    base_schema,
    split_user_schema,
)
from vecstore_lab._search.fulltext import FullText
from vecstore_lab._search.graph_files import GraphFiles, graph_cache_dir
from vecstore_lab._storage.catalog import CollectionFacts, local_directory, read_facts
from vecstore_lab._storage.connection import Connection
from vecstore_lab._storage.indexes import FTS_INDEX
from vecstore_lab._storage.lance_errors import clean_message
from vecstore_lab.cache import EmbeddingCache
from vecstore_lab.collection import Collection
from vecstore_lab.embedders import (
    Embedder,
    EmbedderSpec,
    embedder_from_config,
    embedder_spec,
    resolve_embedder,
)
from vecstore_lab.errors import (
    CollectionExistsError,
    CollectionNotFoundError,
    DimensionMismatchError,
    InvalidInputError,
    StorageError,
)

__all__ = ["CollectionFacts", "VecDatabase", "connect", "describe"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInputError(
            f"collection name {name!r} is not allowed: 1-128 characters, letters, digits, "
            "'_', '-' and '.', starting with a letter or digit"
        )
    return name


class VecDatabase:
    """A set of collections stored under one LanceDB URI.

    Examples:
        >>> import vecstore_lab as vl
        >>> db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
        >>> docs = db.create_collection("docs")
        >>> _ = docs.add(texts=["a cat on a mat", "stock prices fell"], ids=["a", "b"])
        >>> db.list_collections(), len(docs)
        (['docs'], 2)
    """

    def __init__(
        self,
        uri: str | os.PathLike[str],
        *,
        embedder: EmbedderSpec = None,
        read_consistency_interval: dt.timedelta | None = dt.timedelta(0),
        storage_options: dict[str, str] | None = None,
        embedding_cache: bool = True,
    ) -> None:
        self.uri = os.fspath(uri)
        self.default_embedder = resolve_embedder(embedder)
        self._connection = Connection(
            self.uri,
            read_consistency_interval=read_consistency_interval,
            storage_options=storage_options,
        )
        self.cache = EmbeddingCache(self._connection) if embedding_cache else None

    def __repr__(self) -> str:
        return f"VecDatabase(uri={self.uri!r})"

    @property
    def connection(self) -> Connection:
        """The storage connection (``_storage.connection``): the judgements and evaluation
        runs kept next to the collections use it."""
        return self._connection

    def _table_names(self) -> list[str]:
        return self._connection.names()

    def list_collections(self) -> list[str]:
        """Names of the collections in this database, sorted."""
        out = []
        for name in self._table_names():
            if name.startswith("_"):
                continue  # internal tables (e.g. an embedding cache)
            try:
                schema = self._connection.schema(name)
            except StorageError:  # a table we cannot open is not a collection of ours
                continue
            if CollectionSettings.from_schema(schema) is not None:
                out.append(name)
        return sorted(out)

    def describe(self) -> list[CollectionFacts]:
        """Each collection's name, row count, version and settings, sorted by name."""
        out = []
        for name in sorted(self._table_names()):
            if name.startswith("_"):
                continue  # internal tables, as in list_collections
            try:
                store = self._connection.open_store(name)  # opened once: schema and rows
            except StorageError:
                continue
            if store is not None:
                out.append(CollectionFacts(name, store.count(), store.version, store.settings))
        return out

    def __contains__(self, name: object) -> bool:
        return (
            isinstance(name, str)
            and name in self._table_names()
            and (name in self.list_collections())
        )

    def create_collection(
        self,
        name: str,
        *,
        embedder: EmbedderSpec = None,
        dim: int | None = None,
        distance: str = "cosine",
        schema: pa.Schema | None = None,
        exist_ok: bool = False,
        vector_checksums: bool = False,
        full_text: FullText | dict[str, Any] | None = None,
    ) -> Collection:
        """Create a collection (or open it when ``exist_ok`` and it exists).

        Parameters:
            embedder: an ``Embedder``, a registered name or a config dict; defaults to the
                database's embedder. Without one, writes and queries must pass vectors.
            dim: vector length; taken from the embedder or ``schema`` when omitted.
            distance: ``"cosine"``, ``"l2"`` (squared Euclidean) or ``"dot"``.
            schema: an explicit Arrow schema for metadata columns (may include ``vector``
                to fix the dim); other metadata keys are added as they appear.
            vector_checksums: store a CRC-32 of each vector, checked by ``verify()`` and
                whenever exact search loads the vectors: a vector changed outside this
                library raises ``DataCorruptionError`` instead of ranking silently.
            full_text: how the text index reads text, as a ``FullText`` or a dict of its
                fields: ``language`` (English), ``stem`` (True), ``remove_stop_words``
                (True), ``lower_case``, ``ascii_folding``. Shown by ``stats()``.
        """
        _check_name(name)
        if distance not in DISTANCES:
            raise InvalidInputError(f"distance must be one of {DISTANCES}, got {distance!r}")
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int) or dim < 1):
            raise InvalidInputError(f"dim must be a positive int, got {dim!r}")
        if name in self._table_names():
            if exist_ok:
                return self.get_collection(name, embedder=embedder)
            raise CollectionExistsError(
                f"collection {name!r} already exists in {self.uri!r}; use get_collection() or "
                "create_collection(..., exist_ok=True)"
            )
        text_settings = FullText.of(full_text)
        emb = resolve_embedder(embedder) if embedder is not None else self.default_embedder
        meta_schema, dim = split_user_schema(schema, dim) if schema is not None else (None, dim)
        if emb is not None:
            if dim is not None and dim != emb.dim:
                raise DimensionMismatchError(
                    f"dim={dim} but embedder {emb.name!r} produces {emb.dim}-dim vectors",
                    expected=dim,
                    got=emb.dim,
                )
            dim = emb.dim
        if dim is None:
            raise InvalidInputError(
                f"cannot create {name!r}: give an embedder, dim=..., or a schema with a vector "
                "field, so the vector length is known"
            )
        settings = CollectionSettings(
            dim=dim,
            distance=distance,
            embedder=embedder_spec(emb) if emb else None,
            extra={
                **({"vector_checksums": True} if vector_checksums else {}),
                "full_text": text_settings.to_dict(),
            },
        )
        table_schema = base_schema(settings, meta_schema)
        try:
            store = self._connection.create_store(name, table_schema, settings)
        except Exception as exc:
            if exist_ok and name in self._table_names():  # another writer created it first
                return self.get_collection(name, embedder=embedder)
            raise StorageError(f"cannot create collection {name!r}: {exc}") from exc
        # Under the lock: writers may already be at it (get_or_create).
        config = text_settings.index_config()
        store.create_index(TEXT, config, "indexing the text", name=FTS_INDEX)
        return Collection(store, emb, cache=self.cache)

    def get_collection(self, name: str, *, embedder: EmbedderSpec = None) -> Collection:
        """Open an existing collection, rebuilding its stored embedder.

        Pass ``embedder`` to use another one (its dim must match the stored dim), e.g. for
        a custom embedder that is not registered in this process.
        """
        if not isinstance(name, str) or name not in self._table_names():
            raise CollectionNotFoundError(
                f"no collection {name!r} in {self.uri!r}; existing: {self.list_collections()}"
            )
        store = self._connection.open_store(name)
        if store is None:
            raise CollectionNotFoundError(
                f"table {name!r} in {self.uri!r} was not created by vecstore-lab"
            )
        emb: Embedder | None = None
        settings = store.settings
        stored = settings.embedder
        if embedder is not None:
            emb = resolve_embedder(embedder)
        elif stored is None:
            emb = self.default_embedder
        if emb is not None and emb.dim != settings.dim:
            raise DimensionMismatchError(
                f"collection {name!r} stores {settings.dim}-dim vectors but embedder "
                f"{emb.name!r} produces {emb.dim}",
                expected=settings.dim,
                got=emb.dim,
            )
        return Collection(
            store,
            emb,
            embedder_factory=(
                (lambda: embedder_from_config(stored)) if embedder is None and stored else None
            ),
            cache=self.cache,
        )

    def copy_collection(
        self, source: Collection, name: str | None = None, *, batch_size: int = 50_000
    ) -> Collection:
        """Copy ``source``, from any database, into this one: local disk to object storage,
        say. Its settings and every row come along, vectors included (nothing is embedded
        again). The text index is built; vector and scalar indexes are not copied (build
        them where they pay off). If the copy fails, the new collection is removed again.
        """
        name = source.name if name is None else name
        _check_name(name)
        if name in self._table_names():
            raise CollectionExistsError(f"collection {name!r} already exists in {self.uri!r}")
        columns = source.schema.names
        try:
            copy = self._connection.create_store(name, source.schema, source.store.settings)
            with copy.locked():
                for batch in source.store.scan(columns, batch_size):
                    copy.append(pa.Table.from_batches([batch]).select(columns))
            copy.create_index(TEXT, source.full_text.index_config(), "copy", name=FTS_INDEX)
        except Exception as exc:
            if name in self._table_names():
                self._connection.drop(name)
            message = clean_message(exc)
            raise StorageError(
                f"copying {source.name!r} to {self.uri!r} failed: {message}"
            ) from exc
        return self.get_collection(name)

    def get_or_create_collection(self, name: str, **kwargs: Any) -> Collection:
        """``create_collection(name, exist_ok=True, ...)``."""
        return self.create_collection(name, exist_ok=True, **kwargs)

    def delete_collection(self, name: str) -> None:
        """Drop a collection and all its versions."""
        if name not in self:
            raise CollectionNotFoundError(f"no collection {name!r} in {self.uri!r}")
        try:
            self._connection.drop(name)
        except Exception as exc:
            raise StorageError(f"cannot delete collection {name!r}: {exc}") from exc
        # its in-process graph index goes with it (a new collection of that name has none)
        GraphFiles(graph_cache_dir(self.uri), name).drop()


def connect(
    uri: str | os.PathLike[str] = "./vecstore_data",
    *,
    embedder: EmbedderSpec = None,
    read_consistency_interval: dt.timedelta | None = dt.timedelta(0),
    storage_options: dict[str, str] | None = None,
    embedding_cache: bool = True,
) -> VecDatabase:
    """Open (or create) a database at a directory or any LanceDB URI.

    ``embedder`` is the default for collections created without one. With the default
    ``read_consistency_interval=0`` every read sees writes made through other handles and
    processes; pass ``None`` to skip that check when a single handle does all the writing.
    ``embedding_cache`` keeps every document vector in a table next to the collections, so
    unchanged text is never embedded twice (see ``vecstore_lab.cache``).

    Examples:
        >>> import vecstore_lab as vl
        >>> db = vl.connect(tmp_path / "store")
        >>> db.list_collections()
        []
    """
    if isinstance(uri, Path):
        uri.mkdir(parents=True, exist_ok=True)
    return VecDatabase(
        uri,
        embedder=embedder,
        read_consistency_interval=read_consistency_interval,
        storage_options=storage_options,
        embedding_cache=embedding_cache,
    )


def describe(
    uri: str | os.PathLike[str] = "./vecstore_data",
    *,
    storage_options: dict[str, str] | None = None,
) -> list[CollectionFacts]:
    """Each collection's name, row count, version and settings, sorted by name, without
    opening the database for writing: ``vecstore-lab info``.

    A database on local disk is read through the ``lance`` package alone, which starts in a
    fraction of the time LanceDB's connection takes to import; object storage through a
    connection (``VecDatabase.describe``).

    Examples:
        >>> import vecstore_lab as vl
        >>> db = vl.connect(tmp_path / "facts", embedder=vl.HashEmbedder(dim=8))
        >>> _ = db.create_collection("notes").add(ids=["a"], texts=["hello"])
        >>> [(f.name, f.rows, f.settings.dim) for f in describe(tmp_path / "facts")]
        [('notes', 1, 8)]
    """
    directory = local_directory(os.fspath(uri))
    if directory is not None:
        return read_facts(directory)
    return connect(uri, storage_options=storage_options, embedding_cache=False).describe()
