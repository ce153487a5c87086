"""``MapComparison`` (``EmbeddingMap.compare``): the same documents under two embeddings, on two
aligned maps side by side, each point coloured by how many of its nearest neighbours the two
spaces share."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import traitlets as t

from vecstore_lab._render.html import table_html
from vecstore_lab._schema import ID
from vecstore_lab.errors import InvalidInputError
from vecstore_lab.widgets._base import ArrowTable, VecWidget, command
from vecstore_lab.widgets._neighbours import align, nearest, shared_counts

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection

__all__ = ["MapComparison"]

SAMPLE = 5_000  # documents compared (neighbours are found among them)
MOVED = 15  # rows of the "moved most" table shown
CARD_TEXT = 300


def _matrix(rows: pa.Table) -> Any:
    """The ``vector`` column of ``rows`` as a float32 matrix."""
    values = rows.column("vector").combine_chunks()
    return values.flatten().to_numpy().reshape(len(values), -1).astype(np.float32)


class MapComparison(VecWidget):
    """Documents of ``a`` and ``b`` (matched by id) on two maps side by side.

    Each collection's own projection (``collection.project(method)``) gives its map; ``b``'s
    map is turned and scaled onto ``a``'s (orthogonal Procrustes over the shared documents),
    so the same region sits in the same place when the embeddings agree. Each point is
    coloured by how many of its ``k`` nearest neighbours (cosine, exact, among the compared
    documents) the two spaces share: where the embedders disagree, the colours turn warm.
    Hovering a point rings it on both maps; a selection on one selects the same documents on
    the other (``selected_ids``). ``moved`` lists the documents whose neighbours changed most.

    At most ``sample`` documents are compared (an even sample of the ids both hold), and the
    neighbours are found among them, so it costs ``sample``² dot products per embedding.
    """

    _bundle = "map_compare.js"

    names = t.List(t.Unicode()).tag(sync=True)
    k = t.Int(10).tag(sync=True)
    total = t.Int(0).tag(sync=True)  # documents compared
    common = t.Int(0).tag(sync=True)  # documents both collections hold
    points = ArrowTable().tag(sync=True)  # xa, ya, xb, yb (float32), shared (uint8)
    moved_rows = ArrowTable().tag(sync=True)  # index, id, shared, text: the top of ``moved``
    selected_ids = t.List(t.Unicode()).tag(sync=True)
    picked = t.List(t.Int()).tag(sync=True)  # the selection's points, set by the front end
    height = t.Int(420, min=160).tag(sync=True)

    def __init__(
        self,
        a: Collection,
        b: Collection,
        *,
        k: int = 10,
        method: str = "pca",
        sample: int = SAMPLE,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InvalidInputError(f"k must be a positive int, got {k!r}")
        if isinstance(sample, bool) or not isinstance(sample, int) or sample < k + 2:
            raise InvalidInputError(f"sample must be an int of at least k + 2, got {sample!r}")
        self.a, self.b = a, b
        pa_, pb = a.project(method), b.project(method)
        common = pc.filter(pa_.ids, pc.is_in(pa_.ids, value_set=pb.ids))
        if len(common) < k + 2:
            raise InvalidInputError(
                f"{a.name!r} and {b.name!r} share {len(common)} ids; comparing their "
                f"neighbours needs at least {k + 2} documents in both"
            )
        ids = pc.sort_indices(common)
        picked = common.take(ids)
        if len(picked) > sample:
            rng = np.random.default_rng(seed)
            keep = np.sort(rng.choice(len(picked), sample, replace=False))
            picked = picked.take(pa.array(keep))
        self.ids: pa.Array = picked
        rows_a = a.get(ids=picked.to_pylist(), include_vectors=True).to_arrow()  # one read each
        rows_b = b.get(ids=picked.to_pylist(), include_vectors=True).to_arrow()
        self._texts = rows_a.column("text").to_pylist()
        na = nearest(_matrix(rows_a), k)
        nb = nearest(_matrix(rows_b), k)
        shared = shared_counts(na, nb)
        where_a = pc.index_in(picked, value_set=pa_.ids).to_numpy()
        where_b = pc.index_in(picked, value_set=pb.ids).to_numpy()
        xb, xa = align(pb.xy[where_b], pa_.xy[where_a])
        self._table = pa.table(
            {
                ID: picked,
                "shared": pa.array(shared.astype(np.int16)),
                "neighbours_a": pa.array([picked.take(pa.array(r)).to_pylist() for r in na]),
                "neighbours_b": pa.array([picked.take(pa.array(r)).to_pylist() for r in nb]),
                "xa": xa[:, 0],
                "ya": xa[:, 1],
                "xb": xb[:, 0],
                "yb": xb[:, 1],
            }
        )
        kwargs.setdefault("names", [a.name, b.name] if a.name != b.name else ["a", "b"])
        super().__init__(**kwargs)
        self.k, self.total, self.common = k, len(picked), len(common)
        self.points = self._table.select(["xa", "ya", "xb", "yb"]).append_column(
            "shared", pa.array(shared.astype(np.uint8))
        )
        top = self.moved.slice(0, MOVED)
        self.moved_rows = pa.table(
            {
                "index": top.column("index"),
                ID: top.column(ID),
                "shared": top.column("shared"),
                "text": pa.array([s[:CARD_TEXT] for s in top.column("text").to_pylist()]),
            }
        )

    @property
    def table(self) -> pa.Table:
        """Every compared document: id, shared (of ``k``), its neighbours in each space, and
        its place on each map (``xa``/``ya``, ``xb``/``yb``, in [-1, 1])."""
        return self._table

    @property
    def mean_shared(self) -> float:
        """How many of ``k`` neighbours the spaces share, on average."""
        return float(pc.mean(self._table.column("shared")).as_py())

    @property
    def moved(self) -> pa.Table:
        """The documents whose neighbours changed most (fewest shared first; then by id):
        ``index`` (its point), id, shared, text, and the neighbours in each space."""
        t_ = self._table.append_column("index", pa.array(np.arange(len(self.ids)), pa.int32()))
        t_ = t_.append_column("text", pa.array(self._texts, pa.string()))
        order = pc.sort_indices(t_, sort_keys=[("shared", "ascending"), (ID, "ascending")])
        return t_.take(order).select(
            ["index", ID, "shared", "text", "neighbours_a", "neighbours_b"]
        )

    @command("point")
    def _point(self, index: int) -> tuple[dict[str, Any], list[Any]]:
        """A hover card: id, text, shared, and the first neighbours in each space."""
        if not isinstance(index, int) or not 0 <= index < len(self.ids):
            raise InvalidInputError(f"no point {index!r}")
        row = self._table.slice(index, 1).to_pylist()[0]
        return {
            "index": index,
            "row_id": row[ID],
            "text": (self._texts[index] or "")[:CARD_TEXT],
            "shared": row["shared"],
            "a": row["neighbours_a"][:5],
            "b": row["neighbours_b"][:5],
        }, []

    @t.observe("picked")
    def _on_picked(self, change: Any) -> None:
        """The reader's selection (point indices, on either map) → ``selected_ids``."""
        chosen = sorted({i for i in change.new if isinstance(i, int) and 0 <= i < len(self.ids)})
        self.selected_ids = self.ids.take(pa.array(chosen, pa.int64())).to_pylist()
        if chosen != list(change.new):
            self.picked = chosen

    @t.observe("selected_ids")
    def _keep_picked(self, change: Any) -> None:
        where = pc.index_in(pa.array(change.new, pa.string()), value_set=self.ids)
        points = sorted(i for i in where.to_pylist() if i is not None)
        if points != self.picked:
            self.picked = points

    def _static_html(self) -> str:
        about = (
            f"{html.escape(self.names[0])} vs {html.escape(self.names[1])}: {self.total:,} "
            f"documents, {self.mean_shared:.1f} of {self.k} nearest neighbours shared on average"
        )
        top = self.moved_rows.select([ID, "shared", "text"])
        return f"<p>{about}</p>" + table_html(top, title="moved most")

    def __repr__(self) -> str:
        return (
            f"MapComparison({self.a.name!r} vs {self.b.name!r}, documents={self.total}, k={self.k})"
        )
