"""SQL and DataFrames over collections: DuckDB and Polars scan the Lance files in place.

``sql(db, "SELECT topic, count(*) FROM articles GROUP BY topic")`` runs DuckDB over every
collection of ``db`` by name. DuckDB scans each collection's Lance dataset through Arrow and
pushes its column list and filters down into Lance, so a query that does not name ``vector``
never reads a vector from disk, and nothing is copied into memory first.
``collection.to_duckdb()`` is one collection as a DuckDB relation, ``collection.to_polars()`` the
same scan as a Polars ``LazyFrame``. Query results go the same way: ``results.to_duckdb()``,
``results.to_polars()``.

Each collection is read at its version when ``sql`` is called (a checked-out view at its
own). Needs the ``sql`` extra (``duckdb``, ``polars``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from vecstore_lab.errors import InvalidInputError

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from vecstore_lab._storage.store import Store

__all__ = ["lazy_frame", "relation", "sql"]


class Collection(Protocol):
    """What is read here: a collection's name and its Store (the storage seam)."""

    name: str

    @property
    def store(self) -> Store: ...


class Database(Protocol):
    def list_collections(self) -> list[str]: ...

    def get_collection(self, name: str) -> Any: ...


def _sources(source: Any) -> dict[str, Collection]:
    if hasattr(source, "store") and hasattr(source, "name"):
        return {source.name: source}
    if hasattr(source, "list_collections") and hasattr(source, "get_collection"):
        return {name: source.get_collection(name) for name in source.list_collections()}
    if isinstance(source, Mapping) and all(hasattr(c, "store") for c in source.values()):
        return dict(source)
    raise InvalidInputError(
        "sql() reads a VecDatabase, a Collection or a {name: Collection} mapping, "
        f"got {type(source).__name__}"
    )


def sql(
    source: Database | Collection | Mapping[str, Collection],
    query: str,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyRelation:
    """Run ``query`` in DuckDB with each collection of ``source`` as a table of its name.

    Returns DuckDB's relation: ``.df()``, ``.pl()``, ``.arrow()`` or ``.fetchall()`` it.
    ``connection`` registers the collections in your own DuckDB connection instead of a new
    in-memory one (they stay registered there).
    """
    import duckdb

    con = connection if connection is not None else duckdb.connect()
    for name, collection in _sources(source).items():
        con.register(name, collection.store.dataset())
    return con.sql(query)


def relation(
    collection: Collection, connection: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyRelation:
    """The collection as a DuckDB relation (``Collection.to_duckdb``)."""
    import duckdb

    con = connection if connection is not None else duckdb.connect()
    return con.from_arrow(collection.store.dataset())


def lazy_frame(collection: Collection) -> pl.LazyFrame:
    """The collection as a Polars ``LazyFrame`` over its Lance files (columns and filters are
    pushed down when it is collected)."""
    import polars as pl

    return pl.scan_pyarrow_dataset(collection.store.dataset())
