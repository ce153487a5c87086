"""``FacetWidget``: a bar chart (categories) or histogram (numbers) per metadata column, and a
brush on each that picks rows.

The columns are read once (``collection.get(select=...)``, no vectors) and binned in Python:
each value becomes a bin code (a category among the largest ``MAX_BARS - 1``, "other", or
"(none)"; a number's bin of ``bins`` equal ones over min..max). Counts under a filter are a
``bincount`` of the kept rows' codes, so a linked filter at a million rows recounts in
milliseconds. The chart draws in the browser (Observable Plot) from the counts alone.

A brush picks bars: a click picks one, shift-click or a drag over a histogram a range; the
pick is ``selection`` (``{column: [bin, ...]}``), and ``where`` is the same pick as a filter
a search or ``collection.get`` understands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import traitlets as t

from vecstore_lab._render.html import table_html
from vecstore_lab._schema import ID
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.filters import Filter, all_of
from vecstore_lab.widgets._base import VecWidget

if TYPE_CHECKING:
    import numpy.typing as npt

    from vecstore_lab.collection import Collection

__all__ = ["FacetWidget"]

MAX_BARS = 12  # a category chart's bars: the largest 11 and "other"
BINS = 20  # a histogram's bins
NONE = "(none)"
OTHER = "other"


def _is_number(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_integer(dtype) or pa.types.is_floating(dtype))


def nice_edges(lo: float, hi: float, bins: int) -> npt.NDArray[np.float64]:
    """Bin edges over ``lo..hi`` at a round step (1, 2, 2.5 or 5 times a power of ten), at
    most ``bins`` bins: 0, 50, 100, ... rather than 0, 49.95, 99.9, ...

    Examples:
        >>> nice_edges(0, 999, 20)[:4].tolist(), len(nice_edges(0, 999, 20)) - 1
        ([0.0, 50.0, 100.0, 150.0], 20)
        >>> nice_edges(0.2, 0.9, 5).tolist()
        [0.2, 0.4, 0.6, 0.8, 1.0]
    """
    if hi <= lo:
        return np.array([lo, lo + 1.0])
    raw = (hi - lo) / bins
    power = 10.0 ** np.floor(np.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        start = np.floor(lo / step) * step
        count = int(np.floor((hi - start) / step)) + 1  # the last bin holds hi
        if count <= bins:
            break
    edges: npt.NDArray[np.float64] = np.round(start + step * np.arange(count + 1), 12)
    return edges


class _Facet:
    """One column's bins: each row's bin code, the bins' labels, and how a pick filters."""

    def __init__(self, name: str, values: pa.Array, bins: int) -> None:
        self.name = name
        self.number = _is_number(values.type) and pc.count_distinct(values).as_py() > MAX_BARS
        nulls = values.is_null().to_numpy(zero_copy_only=False)
        if self.number:
            x = pc.fill_null(pc.cast(values, pa.float64()), 0.0).to_numpy()
            lo = float(x[~nulls].min()) if (~nulls).any() else 0.0
            hi = float(x[~nulls].max()) if (~nulls).any() else 1.0
            self.edges = nice_edges(lo, hi, bins)
            last = len(self.edges) - 2
            codes = np.clip(np.searchsorted(self.edges, x, side="right") - 1, 0, last)
            self.labels = [
                f"{a:g}..{b:g}" for a, b in zip(self.edges, self.edges[1:], strict=False)
            ]
        else:
            text = pc.fill_null(pc.cast(values, pa.string()), NONE)
            counts = pc.value_counts(text)
            ranked = sorted(
                zip(
                    counts.field("values").to_pylist(),
                    counts.field("counts").to_pylist(),
                    strict=True,
                ),
                key=lambda p: (-p[1], str(p[0])),
            )
            keep = [v for v, _ in (ranked if len(ranked) <= MAX_BARS else ranked[: MAX_BARS - 1])]
            self.labels = keep + ([OTHER] if len(keep) < len(ranked) else [])
            found = pc.index_in(text, value_set=pa.array(keep, pa.string()))
            codes = pc.fill_null(found, len(keep)).to_numpy()
            self.edges = np.array([])
        self.nulls = nulls
        self.codes = codes.astype(np.int32)

    def counts(self, keep: npt.NDArray[np.bool_] | None) -> list[int]:
        codes = self.codes if keep is None else self.codes[keep]
        return np.bincount(codes, minlength=len(self.labels)).tolist()  # type: ignore[no-any-return]

    def keeps(self, picked: list[int]) -> npt.NDArray[np.bool_]:
        if self.number:  # a histogram's pick is the range of bins it spans
            span = (self.codes >= min(picked)) & (self.codes <= max(picked)) & ~self.nulls
            return np.asarray(span, dtype=bool)
        return np.isin(self.codes, picked)

    def where(self, picked: list[int]) -> Filter:
        """The pick as a filter on the column (a range of bins, or a set of categories)."""
        if self.number:
            lo, hi = self.edges[min(picked)], self.edges[max(picked) + 1]
            last = max(picked) == len(self.labels) - 1
            return {self.name: {"$gte": float(lo), ("$lte" if last else "$lt"): float(hi)}}
        named = [self.labels[i] for i in picked]
        values = [v for v in named if v not in (NONE, OTHER)]
        shown = [v for v in self.labels if v not in (NONE, OTHER)]
        parts: list[Filter] = [{self.name: {"$in": values}}] if values else []
        if NONE in named:
            parts.append({self.name: {"$exists": False}})
        if OTHER in named:
            parts.append({self.name: {"$nin": shown}, "$not": {self.name: {"$exists": False}}})
        return parts[0] if len(parts) == 1 else {"$or": parts}


class FacetWidget(VecWidget):
    """A bar chart or histogram per metadata column of ``collection`` (``columns``), with a
    brush that picks rows.

    Text, boolean and few-valued columns get one bar per value (the largest ``MAX_BARS - 1``
    and "other"); other numbers a histogram of ``bins`` bins. Under a linked filter
    (``vl.link``), each bar shows the rows the other views keep over a faint bar of all rows.
    Click a bar to pick it (again to drop it), shift-click or drag over a histogram to pick a
    range; "clear" drops the column's pick. ``selection`` is the pick (``{column: [bins]}``)
    and ``where`` the filter it stands for.
    """

    _bundle = "facet.js"

    columns = t.List(t.Unicode()).tag(sync=True)
    facets = t.List(t.Dict()).tag(sync=True)  # [{column, kind, labels, total, kept}]
    selection = t.Dict().tag(sync=True)  # {column: [bin index, ...]}: the brush
    kept_rows = t.Int(0).tag(sync=True)  # rows the other views keep (all rows unlinked)
    total = t.Int(0).tag(sync=True)

    def __init__(
        self, collection: Collection, columns: list[str], *, bins: int = BINS, **kwargs: Any
    ) -> None:
        names = collection.metadata_schema.names
        if not columns or any(c not in names for c in columns):
            raise InvalidInputError(
                f"FacetWidget: columns must be metadata fields of {collection.name!r} "
                f"({names}), got {columns!r}"
            )
        if isinstance(bins, bool) or not isinstance(bins, int) or not 2 <= bins <= 200:
            raise InvalidInputError(f"bins must be an int from 2 to 200, got {bins!r}")
        self.collection = collection
        table = collection.get(select=list(columns)).to_arrow()
        self.ids: pa.Array = table.column(ID).combine_chunks()
        self._facets = [_Facet(c, table.column(c).combine_chunks(), bins) for c in columns]
        self._others: npt.NDArray[np.bool_] | None = None
        kwargs.setdefault("columns", list(columns))
        super().__init__(**kwargs)
        self.total = len(self.ids)
        self._draw()

    def keeps(self, *, skip: str | None = None) -> npt.NDArray[np.bool_] | None:
        """Rows (in ``ids`` order) the brushes keep (``skip`` one column's); None: all."""
        keep: npt.NDArray[np.bool_] | None = None
        for facet in self._facets:
            picked = self.selection.get(facet.name) or []
            if facet.name == skip or not picked:
                continue
            mine = facet.keeps(picked)
            keep = mine if keep is None else keep & mine
        return keep

    @property
    def where(self) -> Filter | None:
        """The brushes as one filter (``None`` when nothing is picked)."""
        parts = [
            f.where(self.selection[f.name]) for f in self._facets if self.selection.get(f.name)
        ]
        return all_of(*parts)

    def pick(self, column: str, values: list[Any]) -> None:
        """Pick bars of ``column`` by label: categories, or histogram bins ("lo..hi"), whose
        pick is the range from the lowest to the highest given."""
        facet = next((f for f in self._facets if f.name == column), None)
        if facet is None:
            raise InvalidInputError(f"no facet {column!r}; facets: {list(self.columns)}")
        missing = [v for v in values if str(v) not in facet.labels]
        if missing:
            raise InvalidInputError(f"{column!r} has no bar {missing[0]!r}; bars: {facet.labels}")
        picked = sorted({facet.labels.index(str(v)) for v in values})
        if facet.number and picked:  # a histogram's brush is one range
            picked = list(range(picked[0], picked[-1] + 1))
        self.selection = {**self.selection, column: picked}

    def clear(self) -> None:
        """Drop every pick."""
        self.selection = {}

    def show_kept(self, keep: npt.NDArray[np.bool_] | None) -> None:
        """Count the rows ``keep`` (one bool per row, in ``ids`` order) keeps next to all
        rows; ``None``: every row. What a ``Link`` does with the other views' filters."""
        self._others = None if keep is None else np.asarray(keep, dtype=bool)
        self._draw()

    @t.observe("selection")
    def _picked(self, _change: Any) -> None:
        if getattr(self, "_facets", None) is not None:
            self._draw()

    def _draw(self) -> None:
        """Each facet's counts: all rows, and the rows kept by the other views and by the
        other columns' brushes (a column's own pick does not thin its own chart)."""
        out = []
        for facet in self._facets:
            keep = self.keeps(skip=facet.name)
            if self._others is not None:
                keep = self._others if keep is None else keep & self._others
            out.append(
                {
                    "column": facet.name,
                    "kind": "number" if facet.number else "category",
                    "labels": facet.labels,
                    "total": facet.counts(None),
                    "kept": facet.counts(keep),
                }
            )
        self.kept_rows = self.total if self._others is None else int(self._others.sum())
        self.facets = out

    def _static_html(self) -> str:
        """Each facet as a table of its bars' counts (escaped text)."""
        parts = []
        for f in self.facets:
            counts = pa.table({"bar": f["labels"], "kept": f["kept"], "rows": f["total"]})
            parts.append(table_html(counts, title=f"{self.collection.name}: {f['column']}"))
        return "".join(parts)

    def __repr__(self) -> str:
        return f"FacetWidget(collection={self.collection.name!r}, columns={list(self.columns)!r})"
