"""Typed results: ``Record``/``Hit`` objects over an Arrow table that converts to pandas."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from vecstore_lab._render.html import RESULTS_MIME, results_html, results_payload
from vecstore_lab._render.terms import matching_words
from vecstore_lab._schema import BREAKDOWN_COLUMNS, DISTANCE, ID, RANK, SCORE, TEXT
from vecstore_lab._search.fulltext import LEGACY, FullText

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    import pandas as pd
    import pyarrow as pa

__all__ = [
    "BREAKDOWN_COLUMNS",
    "Hit",
    "QueryResults",
    "Record",
    "RecordSet",
    "without_vectors",
]


def without_vectors(table: pa.Table) -> pa.Table:
    """The table without its vector columns (big, and never shown to a person)."""
    import pyarrow as pa

    return table.select([f.name for f in table.schema if not pa.types.is_fixed_size_list(f.type)])


@dataclass(frozen=True)
class Record:
    """One stored row: id, text, metadata and (when asked for) its vector."""

    id: str
    text: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.vector is None:
            out.pop("vector")
        return out


@dataclass(frozen=True)
class Hit(Record):
    """One search result.

    ``score`` is higher-is-better for every mode and metric: cosine similarity for cosine,
    ``1 - distance`` (the dot product) for dot, ``1 / (1 + distance)`` for l2 (squared L2),
    BM25 for text mode, and the fused score for hybrid mode. ``distance`` is LanceDB's raw
    distance (``None`` in text mode). ``rank`` starts at 1. ``breakdown`` has each stage's
    score and rank (see ``BREAKDOWN_COLUMNS``).
    """

    score: float = 0.0
    rank: int = 0
    distance: float | None = None
    breakdown: dict[str, float | int] = field(default_factory=dict)


class RecordSet:
    """Rows returned by ``Collection.get``/``peek``: iterate, index, or convert."""

    _item_type: type[Record] = Record

    def __init__(self, table: pa.Table, metadata_columns: list[str]) -> None:
        self._table = table
        self._metadata_columns = [c for c in metadata_columns if c in table.column_names]
        self._rows: list[dict[str, Any]] | None = None

    # -- conversion ------------------------------------------------------------------
    def to_arrow(self) -> pa.Table:
        """The results as an Arrow table (one column per field, metadata flattened)."""
        return self._table

    def to_pandas(self) -> pd.DataFrame:
        """The results as a pandas DataFrame."""
        df: pd.DataFrame = self._table.to_pandas()
        return df

    def to_polars(self) -> Any:
        """The results as a Polars DataFrame (zero-copy from Arrow where Polars can)."""
        import polars as pl

        return pl.from_arrow(self._table)

    def to_duckdb(self, connection: Any = None) -> Any:
        """The results as a DuckDB relation (``connection``: yours, else DuckDB's default)."""
        import duckdb

        return (connection or duckdb).from_arrow(self._table)

    def to_list(self) -> list[dict[str, Any]]:
        """The results as a list of plain dicts (``Hit.to_dict()`` of each)."""
        return [item.to_dict() for item in self]

    # -- sequence protocol -----------------------------------------------------------
    def __len__(self) -> int:
        return int(self._table.num_rows)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> list[Any]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if self._rows is None:
            self._rows = self._table.to_pylist()
        return self._make(self._rows[i])

    def _make(self, row: dict[str, Any]) -> Any:
        vector = row.get("vector")
        return Record(
            id=row["id"],
            text=row.get("text"),
            metadata={c: row[c] for c in self._metadata_columns},
            vector=np.asarray(vector, dtype=np.float32) if vector is not None else None,
        )

    @property
    def ids(self) -> list[str]:
        return list(self._table.column("id").to_pylist())

    @property
    def texts(self) -> list[str | None]:
        if "text" not in self._table.column_names:
            return [None] * len(self)
        return list(self._table.column("text").to_pylist())

    # -- display ---------------------------------------------------------------------
    def _display_columns(self) -> list[str]:
        cols = [c for c in (RANK, ID, SCORE, TEXT) if c in self._table.column_names]
        return cols + self._metadata_columns

    def __repr__(self) -> str:
        name = type(self).__name__
        lines = [f"{name}({len(self)} rows)"]
        for row in self._table.select(self._display_columns()).slice(0, 10).to_pylist():
            parts = []
            for k, v in row.items():
                shown = v
                if isinstance(v, float):
                    shown = round(v, 4)
                elif isinstance(v, str) and len(v) > 60:
                    shown = v[:57] + "..."
                parts.append(f"{k}={shown!r}")
            lines.append("  " + ", ".join(parts))
        if len(self) > 10:
            lines.append(f"  … {len(self) - 10} more")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        # Every cell is escaped: document text is user data, never markup.
        cols = self._display_columns()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = []
        for row in self._table.select(cols).slice(0, 50).to_pylist():
            cells = []
            for c in cols:
                v = row[c]
                text = f"{v:.4f}" if isinstance(v, float) else "" if v is None else str(v)
                if len(text) > 200:
                    text = text[:197] + "..."
                cells.append(f"<td>{html.escape(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        more = f"<p>… {len(self) - 50} more rows</p>" if len(self) > 50 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


class QueryResults(RecordSet):
    """Hits of a query, best first. Iterate for ``Hit`` objects or convert in one call.

    Examples:
        >>> import vecstore_lab as vl
        >>> docs = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=16)).create_collection("d")
        >>> _ = docs.add(ids=["a", "b"], texts=["red apples", "green pears"])
        >>> results = docs.query("red apples", k=2)
        >>> [(hit.id, hit.rank) for hit in results]
        [('a', 1), ('b', 2)]
        >>> list(results.to_pandas().columns[:4])
        ['id', 'text', '_score', '_distance']
    """

    def __init__(
        self,
        table: pa.Table,
        metadata_columns: list[str],
        *,
        query: str | None,
        mode: str,
        full_text: FullText = LEGACY,
        why: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__(table, metadata_columns)
        self.query = query
        self.mode = mode
        self.full_text = full_text  # how the collection's text index reads (marks words)
        self._why = why  # reasons.explain_hits bound to the collection and the query

    def why(self, ids: str | Sequence[str] | None = None, *, colbert: Any = None) -> Any:
        """Why these hits (or ``ids`` among them) scored as they did: a ``Reasons`` with each
        query term's BM25 part, the nearest sentences and (with a ColBERT reranker in the
        query, or ``colbert=``) the token alignment. See ``vecstore_lab.reasons``."""
        from vecstore_lab.errors import InvalidIdError, InvalidInputError

        if self._why is None or not self.query:
            raise InvalidInputError("why() explains the hits of a text query")
        texts = dict(zip(self.ids, self.texts, strict=True))
        wanted = self.ids if ids is None else [ids] if isinstance(ids, str) else list(ids)
        unknown = [i for i in wanted if i not in texts]
        if unknown:
            raise InvalidIdError(f"{unknown[0]!r} is not one of these hits")
        return self._why([(i, texts[i] or "") for i in wanted], colbert)

    def _make(self, row: dict[str, Any]) -> Hit:
        vector = row.get("vector")
        return Hit(
            id=row["id"],
            text=row.get("text"),
            metadata={c: row[c] for c in self._metadata_columns},
            vector=np.asarray(vector, dtype=np.float32) if vector is not None else None,
            score=row[SCORE],
            rank=row[RANK],
            distance=row.get(DISTANCE),
            breakdown={
                **{c[1:]: row[c] for c in BREAKDOWN_COLUMNS if row.get(c) is not None},
                "final_rank": row[RANK],
            },
        )

    @property
    def scores(self) -> list[float]:
        return list(self._table.column(SCORE).to_pylist())

    def __repr__(self) -> str:
        return super().__repr__().replace("QueryResults(", f"QueryResults(mode={self.mode!r}, ", 1)

    def _title(self) -> str:
        about = f" for {self.query!r}" if self.query else ""
        return f"{self.mode} search{about}: {len(self)} hits"

    def _repr_html_(self) -> str:
        """The hits with a bar per scoring stage, escaped (what pages without a kernel show)."""
        return results_html(self._table, title=self._title())

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The hits as JSON for JupyterLab's renderer (``RESULTS_MIME``); IPython adds the
        text and HTML forms next to it."""
        return {RESULTS_MIME: self.payload()}

    def payload(self) -> dict[str, Any]:
        """The first 50 hits as ``RESULTS_MIME`` JSON: what the JupyterLab extension renders."""
        words = matching_words(self.query, self.texts, self.full_text) if self.query else []
        return results_payload(
            self._table, title=self._title(), query=self.query, mode=self.mode, words=words
        )
