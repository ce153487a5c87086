"""Index configurations: LanceDB configs from our names, and when to fold new rows in."""

from __future__ import annotations

from typing import Any

from vecstore_lab._schema import TEXT, VECTOR
from vecstore_lab.errors import InvalidInputError

__all__ = [
    "FTS_INDEX",
    "describe",
    "scalar_config",
    "text_config",
    "unindexed_rows",
    "vector_config",
]

FTS_INDEX = "text_idx"


def vector_config(index_type: str, distance: str, params: dict[str, Any]) -> Any:
    """The LanceDB config of an ANN index (``"IVF_PQ"``, ``"HNSW_SQ"``…) for ``distance``."""
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
    try:
        return configs[index_type](distance_type=distance, **params)
    except TypeError as exc:
        raise InvalidInputError(f"{index_type} index: {exc}") from exc


def scalar_config(field: str, kind: str, names: list[str]) -> Any:
    """The LanceDB config of a scalar index on ``field``: ``"btree"`` or ``"bitmap"``."""
    from lancedb import index as lindex

    if field not in names or field in (TEXT, VECTOR):
        raise InvalidInputError(f"cannot build a scalar index on {field!r}")
    configs = {"btree": lindex.BTree, "bitmap": lindex.Bitmap}
    if kind not in configs:
        raise InvalidInputError(f"kind must be 'btree' or 'bitmap', got {kind!r}")
    return configs[kind]()


def text_config(
    *,
    language: str,
    stem: bool,
    remove_stop_words: bool,
    lower_case: bool,
    ascii_folding: bool,
    custom_stop_words: list[str] | None,
) -> Any:
    """The LanceDB config of the full-text index (``_search.fulltext.FullText`` decides)."""
    from lancedb.index import FTS

    return FTS(
        language=language,
        stem=stem,
        remove_stop_words=remove_stop_words,
        lower_case=lower_case,
        ascii_folding=ascii_folding,
        custom_stop_words=custom_stop_words,
    )


def unindexed_rows(table: Any) -> int:
    """Rows written since the full-text index was last updated (0 without an index)."""
    try:
        stats = table.index_stats(FTS_INDEX)
    except Exception:  # no FTS index (e.g. created by hand): nothing to maintain
        return 0
    return 0 if stats is None else int(stats.num_unindexed_rows)


def upkeep_due(table: Any, min_rows: int) -> bool:
    """Whether the rows not yet in the full-text index call for an ``optimize`` now.

    Unindexed rows are still found (searched without the index), just more slowly, so index
    upkeep is deferred and batched: it runs once the backlog passes ``min_rows`` *and* the
    rows already indexed. The backlog may double before each upkeep, so its cost stays
    proportional to the rows written (about two rewrites per row, amortised) instead of one
    full pass per ``add``. ``min_rows <= 0`` turns it off (call ``optimize()`` yourself).
    """
    if min_rows <= 0:
        return False
    backlog = unindexed_rows(table)
    return backlog > min_rows and backlog > table.count_rows() - backlog


def has_vector_index(table: Any) -> bool:
    """Whether an ANN index covers the vector column (then searches use it by default)."""
    return any(VECTOR in ix.columns for ix in table.list_indices())


def describe(table: Any) -> list[dict[str, Any]]:
    """Every index of a table: name, type, columns, and rows indexed and not yet indexed."""
    return [
        {
            "name": ix.name,
            "type": str(ix.index_type),
            "columns": list(ix.columns),
            "indexed_rows": getattr(ix, "num_indexed_rows", None),
            "unindexed_rows": getattr(ix, "num_unindexed_rows", None),
        }
        for ix in table.list_indices()
    ]
