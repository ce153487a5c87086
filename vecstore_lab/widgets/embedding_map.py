"""``EmbeddingMap``: every row of a collection on a 2-D map (WebGL), coloured by metadata, with
the query and its hits marked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import traitlets as t

from vecstore_lab._render.ipc import arrow_ipc
from vecstore_lab._schema import ID
from vecstore_lab._search.clusters import CLUSTER_SCHEMA
from vecstore_lab._search.projection import fit_pca
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.widgets._base import ArrowTable, VecWidget, command
from vecstore_lab.widgets.map_compare import MapComparison

if TYPE_CHECKING:
    from vecstore_lab._search.projection import Projection
    from vecstore_lab.collection import Collection
    from vecstore_lab.results import QueryResults

__all__ = ["EmbeddingMap", "pca_2d"]

MAX_CATEGORIES = 20  # the largest categories get a colour each; the rest share "other"
CARD_TEXT = 500  # characters of text in a hover card


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first two principal components: ``(coords, mean, axes)``."""
    mean, axes = fit_pca(vectors)
    x = np.asarray(vectors, dtype=np.float32)
    return (x - mean) @ axes.T, mean, axes


def _is_numeric(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_integer(dtype) or pa.types.is_floating(dtype))


def encode_colors(values: pa.Array) -> tuple[pa.Array, dict[str, Any]]:
    """A colour column for the map and its legend.

    Categories (strings, booleans, or numbers with few distinct values) become ``uint8`` codes,
    the largest ``MAX_CATEGORIES - 1`` each their own, the rest "other"; nulls are "(none)".
    Other numbers become ``float32`` in [0, 1] over their min..max (nulls at 0).
    """
    if _is_numeric(values.type) and pc.count_distinct(values).as_py() > MAX_CATEGORIES:
        lo, hi = pc.min(values).as_py(), pc.max(values).as_py()
        span = (hi - lo) or 1.0
        scaled = pc.divide(pc.subtract(pc.cast(values, pa.float64()), lo), span)
        w = pc.cast(pc.fill_null(scaled, 0.0), pa.float32())
        return w, {"kind": "value", "min": lo, "max": hi}
    labels = pc.fill_null(pc.cast(values, pa.string()), "(none)")
    counts = pc.value_counts(labels)
    names = counts.field("values").to_pylist()
    sizes = counts.field("counts").to_pylist()
    ranked = sorted(zip(names, sizes, strict=True), key=lambda p: (-p[1], str(p[0])))
    keep = ranked if len(ranked) <= MAX_CATEGORIES else ranked[: MAX_CATEGORIES - 1]
    kept = [name for name, _ in keep]
    codes = pc.index_in(labels, value_set=pa.array(kept, pa.string()))
    other = len(kept)
    codes = pc.cast(pc.fill_null(codes, other), pa.uint8())
    legend_counts = [size for _, size in keep]
    if len(keep) < len(ranked):
        kept.append("other")
        legend_counts.append(sum(size for _, size in ranked[len(keep) :]))
    return codes, {"kind": "category", "labels": kept, "counts": legend_counts}


class EmbeddingMap(VecWidget):
    """Every row of a collection on a 2-D map, drawn with WebGL (regl-scatterplot).

    The projection is ``collection.project(method)``: PCA by default (``"umap"`` with
    umap-learn), fit on a sample, cached per collection version. Points travel as Arrow
    columns of float32 x/y and a colour code (one byte per row); the point's position in them
    is its row index. Texts and metadata are fetched when a point is hovered.

    The map labels its own regions: k-means clusters of the projection at two levels, each
    named by its most distinctive words (``_search.clusters``); the coarse labels show over
    the whole map, finer ones as you zoom in, and clicking a label selects its cluster.
    ``clusters`` holds them as an Arrow table; ``labels=False`` turns them off.

    ``color_by`` colours by a metadata field (a legend to filter categories, or a colour scale
    for numbers). ``show_query`` places a query among the points and rings its hits. A lasso
    (shift + drag, or the lasso tool), a box, or a click selects points: ``selected_ids`` in
    Python (``picked``, their indices, is what the front end sets). ``density`` draws
    density contours at overview zoom. The map fills the width of its output area;
    ``height`` is its height in pixels.
    """

    _bundle = "embedding_map.js"

    points = ArrowTable().tag(sync=True)
    legend = t.Dict().tag(sync=True)
    color_by = t.Unicode("").tag(sync=True)
    method = t.Enum(["pca", "umap"], default_value="pca").tag(sync=True)
    max_points = t.Int(2_000_000).tag(sync=True)
    total = t.Int(0).tag(sync=True)
    density = t.Bool(True).tag(sync=True)
    height = t.Int(480, min=160).tag(sync=True)
    query_point = t.Dict(allow_none=True, default_value=None).tag(sync=True)
    highlighted = t.List(t.Unicode()).tag(sync=True)
    highlighted_index = t.List(t.Int()).tag(sync=True)
    selected_ids = t.List(t.Unicode()).tag(sync=True)
    # The selection as point indices (sorted): the front end sets it when the reader picks
    # points, so the change is the front end's (marimo re-runs cells on it); kept in step
    # with ``selected_ids`` either way.
    picked = t.List(t.Int()).tag(sync=True)
    labels = t.Bool(True).tag(sync=True)  # cluster labels on the map
    cluster_labels = t.List(t.Dict()).tag(sync=True)  # the clusters' rows (level, label, x, y…)
    # Points other views filtered out are dimmed: one bit per point (numpy ``packbits``, little
    # bit order), 1 = kept; empty when nothing is filtered. ``dim`` sets it.
    active = t.Bytes(b"").tag(sync=True)
    active_count = t.Int(-1).tag(sync=True)  # points kept; -1 when nothing is filtered

    def __init__(self, collection: Collection, **kwargs: Any) -> None:
        self.collection = collection
        self.projection: Projection | None = None
        self._rows: np.ndarray | None = None  # positions in the projection, when sampled
        self._center = np.zeros(2, np.float32)
        self._scale = np.float32(1.0)
        self._results: QueryResults | None = None
        self._ready = False
        self._clusters = pa.Table.from_pylist([], schema=CLUSTER_SCHEMA)
        self._selected_points: tuple[list[str], np.ndarray] | None = None
        super().__init__(**kwargs)
        self.project()
        self._ready = True

    # -- the points ----------------------------------------------------------------------
    def project(self, progress: Any = None) -> pa.Table:
        """(Re)compute the map: the projection (cached per version), normalised to the
        [-1, 1] square the scatter plot draws, and the colour column."""
        c = self.collection
        if self.color_by and self.color_by not in c.metadata_schema.names:
            raise InvalidInputError(
                f"color_by: no metadata field {self.color_by!r} in {c.name!r}; "
                f"fields: {c.metadata_schema.names}"
            )
        if len(c) == 0:
            self.projection, self._rows = None, None
            self.total, self.legend = 0, {"kind": "none"}
            self.points = pa.table(
                {"x": pa.array([], pa.float32()), "y": pa.array([], pa.float32())}
            )
            return self.points
        proj = c.project(self.method, progress=progress)
        self.projection = proj
        n = len(proj)
        self._rows = None
        xy = proj.xy
        if n > self.max_points:  # an even stride keeps the shape of the map
            self._rows = np.linspace(0, n - 1, self.max_points).astype(np.int64)
            xy = xy[self._rows]
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        self._center = ((lo + hi) / 2).astype(np.float32)
        self._scale = np.float32(max(float((hi - lo).max()) / 2 * 1.05, 1e-12))
        norm = (xy - self._center) / self._scale
        columns: dict[str, Any] = {"x": pa.array(norm[:, 0]), "y": pa.array(norm[:, 1])}
        legend: dict[str, Any] = {"kind": "none"}
        if self.color_by:
            values = self._column(self.color_by)
            columns["color"], legend = encode_colors(values)
        self._clusters = pa.Table.from_pylist([], schema=CLUSTER_SCHEMA)
        if self.labels:
            self._clusters, codes = self._cluster()
            for level, level_codes in enumerate(codes):
                columns[f"cluster_{level}"] = pa.array(level_codes.astype(np.uint8))
        self.cluster_labels = self._clusters.to_pylist()
        self.active, self.active_count = b"", -1  # new points: nothing filtered yet
        self.total = n
        self.legend = legend
        self.points = pa.table(columns)
        self._selected_points = None  # new point order: the selection's indices again
        self._keep_picked(None)
        self._place_results()
        return self.points

    @staticmethod
    def compare(a: Collection, b: Collection, **kwargs: Any) -> MapComparison:
        """The same documents under two embeddings (two collections, matched by id): two
        aligned maps, points coloured by how many nearest neighbours the spaces share, and
        the documents that moved most (``MapComparison``)."""
        return MapComparison(a, b, **kwargs)

    @property
    def clusters(self) -> pa.Table:
        """The map's clusters (``_search.clusters``): ``level`` (0 coarse, 1 fine),
        ``cluster``, ``label``, ``size``, centre ``x``/``y`` and the ``terms`` that name it."""
        return self._clusters

    def _cluster(self) -> tuple[pa.Table, list[np.ndarray]]:
        """The collection's map clusters (cached per version, ``Collection.map_clusters``)
        in this map's coordinates and point order."""
        found = self.collection.map_clusters(self.method)
        table = found.labels
        xy = np.stack([table.column("x").to_numpy(), table.column("y").to_numpy()], axis=1)
        norm = (xy - self._center) / self._scale if len(xy) else xy
        table = table.set_column(
            table.schema.get_field_index("x"), "x", pa.array(norm[:, 0].astype(np.float32))
        ).set_column(
            table.schema.get_field_index("y"), "y", pa.array(norm[:, 1].astype(np.float32))
        )
        codes = [c if self._rows is None else c[self._rows] for c in found.codes]
        return table, codes

    @property
    def payload_bytes(self) -> int:
        """Bytes the points take on their way to the browser (one Arrow IPC buffer)."""
        return len(arrow_ipc(self.points))

    def _ids(self) -> pa.Array:
        assert self.projection is not None
        ids = self.projection.ids
        return ids if self._rows is None else ids.take(pa.array(self._rows))

    @property
    def point_ids(self) -> pa.Array:
        """The row id of each point, in point order (what a point's index refers to)."""
        if self.projection is None:
            return pa.array([], pa.string())
        return self._ids()

    @property
    def point_rowids(self) -> np.ndarray:
        """Each point's row id (``collection.rowids``), in point order: sorted."""
        if self.projection is None:
            return np.zeros(0, np.uint64)
        rowids = self.projection.rowids
        return rowids if self._rows is None else rowids[self._rows]

    def selected_points(self) -> np.ndarray:
        """The point indices of ``selected_ids`` (sorted), without a lookup when they came
        from the front end's selection."""
        cached = self._selected_points
        if cached is not None and cached[0] == self.selected_ids:
            return cached[1]
        found = [i for i in self.index_of(list(self.selected_ids)) if i >= 0]
        return np.array(sorted(found), np.int64)

    def dim(self, keep: np.ndarray | None) -> None:
        """Dim every point where ``keep`` (one bool per point, in point order) is False;
        ``None`` shows every point at full strength again. What a linked filter does."""
        if keep is None:
            self.active, self.active_count = b"", -1
            return
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (len(self.points),):
            raise InvalidInputError(f"dim: {len(self.points)} flags expected, got {keep.shape}")
        self.active = np.packbits(keep, bitorder="little").tobytes()
        self.active_count = int(keep.sum())

    def _column(self, name: str) -> pa.Array:
        """A metadata column, in the map's point order."""
        got = self.collection.get(select=[ID, name]).to_arrow()
        where = pc.index_in(self._ids(), value_set=got.column(ID))
        return got.column(name).combine_chunks().take(where)

    def _normalise(self, xy: np.ndarray) -> tuple[float, float]:
        x, y = (np.asarray(xy, np.float32).reshape(2) - self._center) / self._scale
        return float(x), float(y)

    def to_2d(self, vector: np.ndarray) -> tuple[float, float]:
        """Where ``vector`` lands on the map (in the map's [-1, 1] coordinates)."""
        if self.projection is None:
            raise InvalidInputError("nothing is projected yet")
        return self._normalise(self.projection.transform(vector)[0])

    def point_of(self, row_id: str) -> tuple[float, float]:
        """Where the row ``row_id`` is drawn."""
        index = self.index_of([row_id])[0]
        if index < 0:
            raise InvalidInputError(f"no point for id {row_id!r} on this map")
        table = self.points
        return float(table.column("x")[index].as_py()), float(table.column("y")[index].as_py())

    def index_of(self, ids: list[str]) -> list[int]:
        """Point indices of ``ids`` (-1 for an id not on the map)."""
        if self.projection is None or not ids:
            return [-1] * len(ids)
        found = pc.index_in(pa.array(ids, pa.string()), value_set=self._ids())
        return [-1 if i is None else int(i) for i in found.to_pylist()]

    # -- queries -------------------------------------------------------------------------
    def show_query(self, text: str, k: int = 10, **query_kwargs: Any) -> QueryResults:
        """Run ``collection.query(text, k=k, ...)``; mark the query and ring its hits (a
        click on a hit shows its score breakdown)."""
        embedder = self.collection.embedder
        if embedder is None:
            raise InvalidInputError("show_query needs a collection with an embedder")
        results = self.collection.query(text, k=k, **query_kwargs)
        self.show_results(results)
        return results

    def show_results(self, results: QueryResults | None) -> None:
        """Ring the hits of ``results`` (run elsewhere: a linked ``SearchWidget``) and mark
        their query, when it has a text and the collection an embedder; ``None`` clears."""
        self._results = results
        text = None if results is None else results.query
        embedder = self.collection.embedder
        if text and embedder is not None and self.projection is not None:
            x, y = self.to_2d(embedder.embed_query(text))
            self.query_point = {"x": x, "y": y, "text": text}
        else:
            self.query_point = None  # type: ignore[assignment]  # (allow_none)
        self._place_results()

    def _place_results(self) -> None:
        ids = [] if self._results is None else list(self._results.ids)
        self.highlighted = ids
        self.highlighted_index = [i for i in self.index_of(ids) if i >= 0]

    # -- requests from the front end -------------------------------------------------------
    @command("point")
    def _point(self, index: int) -> tuple[dict[str, Any], list[Any]]:
        """The hover card of point ``index``: id, text, metadata (as text), and the score
        breakdown when it is a hit of the shown query."""
        ids = self._ids()
        if not isinstance(index, int) or not 0 <= index < len(ids):
            raise InvalidInputError(f"no point {index!r}")
        row_id = ids[index].as_py()
        rows = self.collection.get(ids=[row_id])
        if len(rows) == 0:
            raise InvalidInputError(f"row {row_id!r} is gone (the collection changed)")
        record = rows[0]
        card: dict[str, Any] = {
            "index": index,
            "row_id": row_id,
            "text": (record.text or "")[:CARD_TEXT],
            "metadata": {k: "" if v is None else str(v) for k, v in record.metadata.items()},
        }
        hit = None
        if self._results is not None:
            hit = next((h for h in self._results if h.id == row_id), None)
        if hit is not None:
            card["hit"] = {"rank": hit.rank, "score": hit.score, "breakdown": hit.breakdown}
        return card, []

    @t.observe("picked")
    def _on_picked(self, change: Any) -> None:
        """The reader's selection (point indices) → ``selected_ids``."""
        ids = self._ids()
        chosen = sorted({i for i in change.new if isinstance(i, int) and 0 <= i < len(ids)})
        where = np.array(chosen, np.int64)
        names = ids.take(pa.array(where, pa.int64())).to_pylist()
        self._selected_points = (names, where)  # before observers run
        self.selected_ids = names
        if chosen != list(change.new):
            self.picked = chosen

    @t.observe("selected_ids")
    def _keep_picked(self, _change: Any) -> None:
        if self.projection is None:
            return
        points = self.selected_points().tolist()
        if points != self.picked:
            self.picked = points

    @t.observe("color_by", "method", "max_points", "labels")
    def _reproject(self, _change: Any) -> None:
        if self._ready:
            self.project()

    def _static_html(self) -> str:
        """A picture of the map (points, colours, the query's rings and star) and a caption
        with the counts and the legend, for pages that cannot run the widget."""
        from vecstore_lab.widgets._picture import map_picture_html

        points = self.points
        if points.num_rows == 0:
            return super()._static_html()
        color = points.column("color").to_numpy() if "color" in points.column_names else None
        legend = dict(self.legend or {})
        caption = f"{self.collection.name}: {self.total:,} points ({self.method})"
        if legend.get("kind") == "category":
            labels = legend.get("labels", [])
            caption += f", colour: {self.color_by} ({', '.join(map(str, labels[:8]))})"
        elif legend.get("kind") == "value":
            caption += f", colour: {self.color_by} {legend.get('min')}..{legend.get('max')}"
        if self.query_point:
            caption += f"; query {self.query_point.get('text', '')!r}, hits ringed"
        star = (self.query_point["x"], self.query_point["y"]) if self.query_point else None
        return map_picture_html(
            points.column("x").to_numpy(),
            points.column("y").to_numpy(),
            color=color,
            legend=legend,
            rings=list(self.highlighted_index),
            star=star,
            caption=caption,
        )

    def __repr__(self) -> str:
        return (
            f"EmbeddingMap(collection={self.collection.name!r}, method={self.method!r}, "
            f"color_by={self.color_by!r})"
        )
