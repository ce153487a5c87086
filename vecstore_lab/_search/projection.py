"""2-D maps of a collection's vectors: PCA (or UMAP) fit on a sample, every row transformed a
chunk at a time, kept per table version in memory and in a file next to the collection.

* **Fit on a sample, transform everything.** PCA is fit on at most ``sample`` rows (the
  covariance of the sample and its two leading eigenvectors: exact for that sample, and
  cheap, ``dim x dim``); then all rows are projected in chunks of float32, read zero-copy from
  the in-memory exact-search matrix when it fits, or streamed from the table when it does not.
* **Per version, incremental.** A projection belongs to one table version. After a write,
  rows are matched by LanceDB row id: rows that are gone are dropped, and only new rows
  (an add, or the new copy of an updated row) are read and transformed with the same model,
  so the map does not move. A compaction, which gives every row a new row id, re-reads all
  rows but still does not refit.
* **Cached on disk.** Local collections keep the latest projection of each method in
  ``<db>/.vecstore_lab/projections/<collection>.<method>.arrow`` (row ids, ids, x, y, the PCA
  model); reopening a notebook at the same version reads that file, not the vectors.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vecstore_lab._schema import ID, VECTOR
from vecstore_lab._search.exact import STEP
from vecstore_lab._storage.take import ROWID
from vecstore_lab.errors import ConcurrentChangeError, InvalidInputError, MissingDependencyError

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy.typing as npt

    from vecstore_lab._storage.store import Store

__all__ = ["METHODS", "Projection", "Projector", "fit_pca"]

METHODS = ("pca", "umap")
CACHE_DIR = ".vecstore_lab/projections"
CHUNK = STEP  # rows per transform step: temporaries under glibc's mmap threshold (exact.STEP)
_PROGRESS_ROWS = 200_000  # a progress bar from this many rows (progress=None)


def fit_pca(sample: npt.NDArray[np.floating[Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the two leading principal axes (rows, unit length) of ``sample``.

    The axes are the top eigenvectors of the sample's covariance, each signed so that its
    largest component is positive, so refits of the same data give the same map.
    """
    x = np.asarray(sample)
    if x.ndim != 2 or len(x) == 0:
        raise InvalidInputError("PCA needs at least one vector")
    # In float64, a step of rows at a time: no temporary of the whole sample (exact.STEP).
    mean = np.zeros(x.shape[1], np.float64)
    for s in range(0, len(x), STEP):
        mean += x[s : s + STEP].sum(axis=0, dtype=np.float64)
    mean /= len(x)
    cov = np.zeros((x.shape[1], x.shape[1]), np.float64)
    for s in range(0, len(x), STEP):
        centered = x[s : s + STEP].astype(np.float64) - mean
        cov += centered.T @ centered
    cov /= max(1, len(x) - 1)
    values, vectors = np.linalg.eigh(cov)  # ascending
    axes = vectors[:, np.argsort(values)[::-1][:2]].T
    if len(axes) < 2:  # one-dimensional vectors
        axes = np.vstack([axes, np.zeros_like(axes)])[:2]
    signs = np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    return mean.astype(np.float32), axes.astype(np.float32)


@dataclass
class Projection:
    """Where each row lands: ``ids[i]`` is at ``xy[i]`` (float32), rows in row-id order."""

    method: str
    version: int
    rowids: npt.NDArray[np.uint64]
    ids: pa.Array
    xy: npt.NDArray[np.float32]
    mean: npt.NDArray[np.float32] | None = None
    axes: npt.NDArray[np.float32] | None = None
    model: Any = None  # the fitted UMAP, held in memory only

    def __len__(self) -> int:
        return len(self.rowids)

    @property
    def can_transform(self) -> bool:
        return self.model is not None or self.axes is not None

    def transform(self, vectors: Any) -> npt.NDArray[np.float32]:
        """Project new vectors with this projection's model (no refit)."""
        v = np.asarray(vectors, dtype=np.float32)
        if v.ndim == 1:
            v = v[None, :]
        if self.model is not None:
            return np.asarray(self.model.transform(v), dtype=np.float32)
        if self.axes is None or self.mean is None:
            raise InvalidInputError(
                f"this {self.method} projection was read from its cache without its model; "
                "project again to place new vectors"
            )
        out = np.empty((len(v), 2), np.float32)
        for s in range(0, len(v), CHUNK):
            out[s : s + CHUNK] = (v[s : s + CHUNK] - self.mean) @ self.axes.T
        return out

    # -- the file next to the collection ------------------------------------------------
    def to_arrow(self) -> pa.Table:
        meta = {"method": self.method, "version": str(self.version)}
        if self.mean is not None and self.axes is not None:
            meta["mean"] = json.dumps(self.mean.tolist())
            meta["axes"] = json.dumps(self.axes.tolist())
        return pa.table(
            {
                ROWID: pa.array(self.rowids, pa.uint64()),
                ID: self.ids,
                "x": pa.array(self.xy[:, 0]),
                "y": pa.array(self.xy[:, 1]),
            }
        ).replace_schema_metadata(meta)

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Projection:
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        xy = np.column_stack([table.column("x").to_numpy(), table.column("y").to_numpy()]).astype(
            np.float32
        )
        mean = np.asarray(json.loads(meta["mean"]), np.float32) if "mean" in meta else None
        axes = np.asarray(json.loads(meta["axes"]), np.float32) if "axes" in meta else None
        return cls(
            method=meta["method"],
            version=int(meta["version"]),
            rowids=table.column(ROWID).to_numpy().astype(np.uint64),
            ids=table.column(ID).combine_chunks(),
            xy=xy,
            mean=mean,
            axes=axes,
        )


def _progress(total: int, show: bool | None, what: str) -> Any:
    if show is False or (show is None and total < _PROGRESS_ROWS):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=what, unit="rows")


class Projector:
    """The projections of one collection (``Collection.project`` uses it)."""

    def __init__(self, store: Store, name: str, dim: int, uri: str | None, flat: Any) -> None:
        self.store = store
        self.name = name
        self.dim = dim
        self.flat = flat
        self._held: dict[str, Projection] = {}
        self._lock = threading.Lock()
        self.cache_dir: Path | None = None
        if uri is not None and "://" not in uri:
            self.cache_dir = Path(uri) / CACHE_DIR

    def _path(self, method: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"{self.name}.{method}.arrow"

    def _load(self, method: str) -> Projection | None:
        path = self._path(method)
        if path is None or not path.is_file():
            return None
        try:
            with pa.memory_map(os.fspath(path)) as source:
                return Projection.from_arrow(pa.ipc.open_file(source).read_all())
        except (OSError, pa.ArrowInvalid, KeyError, ValueError):
            return None  # unreadable: computed again, then rewritten

    def _save(self, projection: Projection) -> None:
        path = self._path(projection.method)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        table = projection.to_arrow()
        with pa.OSFile(os.fspath(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table)
        tmp.replace(path)  # readers see the old file or the new one, never half

    # -- reading vectors ---------------------------------------------------------------
    def _rows(self) -> tuple[npt.NDArray[np.uint64], pa.Array]:
        got = self.store.with_rowids([ID])
        order = np.argsort(got.column(ROWID).to_numpy(), kind="stable")
        taken = got.take(pa.array(order))
        return taken.column(ROWID).to_numpy().astype(np.uint64), taken.column(ID).combine_chunks()

    def _take(self, rowids: npt.NDArray[np.uint64]) -> npt.NDArray[np.float32]:
        """The vectors of ``rowids``, in that order."""
        out = np.empty((len(rowids), self.dim), np.float32)
        for s in range(0, len(rowids), CHUNK):
            part = rowids[s : s + CHUNK]
            got = self.store.take(part, [VECTOR])
            if got is None:
                raise ConcurrentChangeError("rows changed while the projection read; run it again")
            vectors = got.column(VECTOR).combine_chunks().flatten().to_numpy()
            out[s : s + len(part)] = vectors.reshape(got.num_rows, self.dim)
        return out

    def _chunks(self) -> Iterator[tuple[npt.NDArray[np.uint64], pa.Array, np.ndarray]]:
        """All rows in row-id order, a chunk at a time: from the exact-search matrix when it
        is in memory (no copy), else streamed from the table."""
        matrix = self.flat.matrix()
        if matrix is not None:
            ids = matrix.rows.column(ID)
            n = len(matrix.rowids)
            in_order = bool(np.all(matrix.rowids[1:] > matrix.rowids[:-1]))
            order = None if in_order else np.argsort(matrix.rowids, kind="stable")
            for s in range(0, n, CHUNK):
                # Slices of the matrix are views; only an unordered matrix is gathered.
                pick: Any = slice(s, min(n, s + CHUNK)) if order is None else order[s : s + CHUNK]
                vectors = matrix.packed[pick].astype(np.float32, copy=False)
                if matrix.scales is not None:  # int8: one scale per row
                    vectors = vectors * matrix.scales[pick][:, None]
                chunk_ids = (
                    ids.slice(s, CHUNK) if order is None else ids.take(pa.array(pick))
                ).combine_chunks()
                yield matrix.rowids[pick], chunk_ids, vectors
            return
        rowids, ids = self._rows()
        for s in range(0, len(rowids), CHUNK):
            part = rowids[s : s + CHUNK]
            yield part, ids[s : s + len(part)], self._take(part)

    # -- projecting --------------------------------------------------------------------
    def project(
        self, method: str = "pca", *, sample: int = 100_000, seed: int = 0, progress: Any = None
    ) -> Projection:
        if method not in METHODS:
            raise InvalidInputError(f"method must be one of {METHODS}, got {method!r}")
        if isinstance(sample, bool) or not isinstance(sample, int) or sample < 2:
            raise InvalidInputError(f"sample must be an int >= 2, got {sample!r}")
        with self._lock:
            version = self.store.version
            held = self._held.get(method)
            if held is None or held.version != version:
                held = self._load(method) if held is None else held
            if held is not None and held.version == version:
                self._held[method] = held
                return held
            fresh = None
            if held is not None and held.can_transform:
                fresh = self._update(held, version, progress)
            if fresh is None:
                reuse = held if held is not None and held.can_transform else None
                fresh = self._full(method, version, sample, seed, progress, reuse=reuse)
            self._held[method] = fresh
            self._save(fresh)
            return fresh

    def _update(self, held: Projection, version: int, progress: Any) -> Projection | None:
        """``held`` carried to ``version``: gone rows dropped, new rows transformed. ``None``
        when most rows are new (a compaction renumbers them): then everything is re-read."""
        rowids, ids = self._rows()
        known = np.isin(rowids, held.rowids, assume_unique=True)
        new = rowids[~known]
        if len(new) > len(rowids) // 2:
            return None
        xy = np.empty((len(rowids), 2), np.float32)
        where = np.searchsorted(held.rowids, rowids[known])  # held.rowids is sorted
        xy[known] = held.xy[where]
        bar = _progress(len(new), progress, f"projecting {len(new):,} new rows")
        parts = []
        for s in range(0, len(new), CHUNK):
            parts.append(held.transform(self._take(new[s : s + CHUNK])))
            if bar is not None:
                bar.update(min(CHUNK, len(new) - s))
        if bar is not None:
            bar.close()
        if parts:
            xy[~known] = np.concatenate(parts)
        return Projection(held.method, version, rowids, ids, xy, held.mean, held.axes, held.model)

    def _sample(self, sample: int, seed: int) -> tuple[np.ndarray, int]:
        total = self.store.count()
        if total == 0:
            raise InvalidInputError(f"collection {self.name!r} is empty: nothing to project")
        matrix = self.flat.matrix()
        rng = np.random.default_rng(seed)
        if matrix is not None:
            pick = np.sort(rng.choice(len(matrix.rowids), min(sample, total), replace=False))
            vectors = matrix.packed[pick].astype(np.float32, copy=False)
            if matrix.scales is not None:
                vectors *= matrix.scales[pick][:, None]
            return vectors, total
        rowids, _ = self._rows()
        pick = np.sort(rng.choice(len(rowids), min(sample, len(rowids)), replace=False))
        return self._take(rowids[pick]), total

    def _full(
        self,
        method: str,
        version: int,
        sample: int,
        seed: int,
        progress: Any,
        *,
        reuse: Projection | None = None,
    ) -> Projection:
        """Every row projected: with ``reuse``'s model (the map keeps its shape), or with a
        model fit on a sample."""
        total = self.store.count()
        mean = axes = model = None
        if reuse is not None:
            mean, axes, model = reuse.mean, reuse.axes, reuse.model
        elif method == "umap":
            try:
                import umap
            except ImportError as exc:
                raise MissingDependencyError(
                    "method='umap' needs umap-learn: pip install 'vecstore-lab[umap]'"
                ) from exc
            fit, total = self._sample(sample, seed)
            model = umap.UMAP(n_components=2, random_state=seed).fit(fit)
        else:
            fit, total = self._sample(sample, seed)
            mean, axes = fit_pca(fit)
        shell = Projection(method, version, np.empty(0, np.uint64), pa.array([], pa.string()),
                           np.empty((0, 2), np.float32), mean, axes, model)  # fmt: skip
        bar = _progress(total, progress, f"projecting {total:,} rows ({method})")
        rowids, ids, xy = [], [], []
        for r, i, v in self._chunks():
            rowids.append(r)
            ids.append(i)
            xy.append(shell.transform(v))
            if bar is not None:
                bar.update(len(r))
        if bar is not None:
            bar.close()
        return Projection(
            method,
            version,
            np.concatenate(rowids).astype(np.uint64),
            pa.concat_arrays(ids) if ids else pa.array([], pa.string()),
            np.concatenate(xy),
            mean,
            axes,
            model,
        )
