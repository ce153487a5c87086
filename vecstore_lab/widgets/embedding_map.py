"""``EmbeddingMap``: a 2-D projection of a collection's vectors, coloured by metadata."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import traitlets as t

from vecstore_lab.errors import InvalidInputError, MissingDependencyError
from vecstore_lab.widgets._base import ArrowTable, VecWidget

if TYPE_CHECKING:
    from vecstore_lab.collection import Collection
    from vecstore_lab.results import QueryResults

__all__ = ["EmbeddingMap", "pca_2d"]


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first two principal components: ``(coords, mean, components)``."""
    x = np.asarray(vectors, dtype=np.float64)
    mean = x.mean(axis=0)
    centered = x - mean
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    components = vt[:2] if len(vt) >= 2 else np.vstack([vt, np.zeros_like(vt)])[:2]
    return centered @ components.T, mean, components


class EmbeddingMap(VecWidget):
    """Vectors projected to 2-D (PCA by default, with numpy; ``method="umap"`` if umap-learn is
    installed), one dot per row, coloured by the metadata field ``color_by``. ``show_query``
    places a query among them and rings its hits; clicking or box-selecting dots sets
    ``selected_ids`` in Python."""

    _bundle = "embedding_map.js"

    points = ArrowTable().tag(sync=True)
    color_by = t.Unicode("").tag(sync=True)
    method = t.Enum(["pca", "umap"], default_value="pca").tag(sync=True)
    max_points = t.Int(5000).tag(sync=True)
    query_point = t.Dict(allow_none=True, default_value=None).tag(sync=True)
    highlighted = t.List(t.Unicode()).tag(sync=True)
    selected_ids = t.List(t.Unicode()).tag(sync=True)

    def __init__(self, collection: Collection, **kwargs: Any) -> None:
        self.collection = collection
        self._mean: np.ndarray | None = None
        self._components: np.ndarray | None = None
        self._umap: Any = None
        super().__init__(**kwargs)
        self.project()

    def project(self) -> pa.Table:
        """(Re)compute the projection of up to ``max_points`` rows."""
        c = self.collection
        if self.color_by and self.color_by not in c.schema.names:
            raise InvalidInputError(f"color_by: no field {self.color_by!r} in {c.name!r}")
        rows = c.get(limit=self.max_points, include_vectors=True)
        table = rows.to_arrow()
        if table.num_rows == 0:
            self.points = b""
            return table
        vectors = np.asarray(table.column("vector").to_pylist(), dtype=np.float32)
        if self.method == "umap":
            try:
                import umap
            except ImportError as exc:
                raise MissingDependencyError("method='umap' needs: pip install umap-learn") from exc
            self._umap = umap.UMAP(n_components=2, random_state=0)
            xy = self._umap.fit_transform(vectors)
        else:
            xy, self._mean, self._components = pca_2d(vectors)
        texts = [(s or "")[:160] for s in rows.texts]
        color = (
            [str(v) for v in table.column(self.color_by).to_pylist()]
            if self.color_by
            else [""] * table.num_rows
        )
        points = pa.table(
            {
                "id": table.column("id"),
                "x": pa.array(xy[:, 0], pa.float64()),
                "y": pa.array(xy[:, 1], pa.float64()),
                "color": pa.array(color, pa.string()),
                "label": pa.array(texts, pa.string()),
            }
        )
        self.points = points
        return points

    def to_2d(self, vector: np.ndarray) -> tuple[float, float]:
        """Where ``vector`` lands on the map."""
        v = np.asarray(vector, dtype=np.float32)[None, :]
        if self._umap is not None:
            x, y = self._umap.transform(v)[0]
            return float(x), float(y)
        if self._mean is None or self._components is None:
            raise InvalidInputError("nothing is projected yet")
        xy = (v.astype(np.float64) - self._mean) @ self._components.T
        return float(xy[0, 0]), float(xy[0, 1])

    def show_query(self, text: str, k: int = 10, **query_kwargs: Any) -> QueryResults:
        """Run ``collection.query(text, k=k, ...)``; mark the query and ring its hits."""
        results = self.collection.query(text, k=k, **query_kwargs)
        embedder = self.collection.embedder
        if embedder is None:
            raise InvalidInputError("show_query needs a collection with an embedder")
        x, y = self.to_2d(embedder.embed_query(text))
        self.query_point = {"x": x, "y": y, "text": text}
        self.highlighted = results.ids
        return results

    def __repr__(self) -> str:
        return (
            f"EmbeddingMap(collection={self.collection.name!r}, method={self.method!r}, "
            f"color_by={self.color_by!r})"
        )
