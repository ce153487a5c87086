"""Clusters of a map and the words that name them.

**Which clusters.** k-means on the 2-D projection (``scipy.cluster.vq.kmeans2``, seeded, fit
on an even sample, every point then assigned to its nearest centre), at two levels: a few
coarse regions for the whole map, and finer ones for a zoomed-in view. On the projection,
not the vectors, because the labels name regions the user *sees*; k-means, not HDBSCAN,
because it costs O(points x clusters) at a million rows, gives every point a cluster (HDBSCAN
leaves noise unlabelled) and the same clusters again for the same map.

**Which words.** Class-based TF-IDF (as BERTopic's c-TF-IDF): a cluster's texts are one
document; a term weighs ``tf(term, cluster) x log(1 + mean words per cluster / frequency of the
term over all clusters)``, so a label names what sets a cluster apart, not what every text
says. Terms are the full-text index's (stemmed, stop words dropped), each shown as the word
it most often comes from. Texts are read once, for 40 rows of each fine cluster.
"""

from __future__ import annotations

import math
import os
import shutil
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from vecstore_lab._render.terms import word_terms
from vecstore_lab._schema import TEXT

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    import numpy.typing as npt

    from vecstore_lab._search.fulltext import FullText
    from vecstore_lab._search.projection import Projection
    from vecstore_lab._storage.store import Store

__all__ = [
    "CLUSTER_SCHEMA",
    "ClusterCache",
    "MapClusters",
    "clusters_of",
    "kmeans_2d",
    "label_terms",
]

CLUSTER_SCHEMA = pa.schema(
    [
        ("level", pa.int8()),  # 0: coarse (the whole map), 1: fine (zoomed in)
        ("cluster", pa.int32()),
        ("label", pa.string()),
        ("size", pa.int64()),
        ("x", pa.float32()),  # its centre, in the map's coordinates
        ("y", pa.float32()),
        ("terms", pa.list_(pa.string())),
    ]
)


def kmeans_2d(
    xy: npt.NDArray[np.float32], k: int, *, seed: int = 0, sample: int = 50_000
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32]]:
    """``(centres, code of each point)``: k-means fit on an even sample of ``xy``."""
    from scipy.cluster.vq import kmeans2, vq

    n = len(xy)
    k = max(1, min(k, n))
    fit = xy if n <= sample else xy[np.linspace(0, n - 1, sample).astype(np.int64)]
    centres, _ = kmeans2(fit.astype(np.float64), k, minit="++", seed=seed)
    codes, _ = vq(xy.astype(np.float64), centres)
    return centres.astype(np.float32), codes.astype(np.int32)


def label_terms(
    texts: Sequence[Sequence[str]], settings: FullText, top: int = 3
) -> list[list[str]]:
    """The ``top`` most distinctive words of each group of texts (c-TF-IDF)."""
    counts: list[Counter[str]] = []
    shown: dict[str, Counter[str]] = {}  # term -> the words it comes from
    for group in texts:
        c: Counter[str] = Counter()
        for text in group:
            for word, term, _ in word_terms(text or "", settings):
                if len(term) > 1 and not term.isdigit():
                    c[term] += 1
                    shown.setdefault(term, Counter())[word.lower()] += 1
        counts.append(c)
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    mean_words = sum(sum(c.values()) for c in counts) / max(1, len(counts))
    out = []
    for c in counts:
        size = sum(c.values()) or 1
        weight = {t: f / size * math.log(1 + mean_words / total[t]) for t, f in c.items()}
        best = sorted(weight, key=lambda t: (-weight[t], t))[:top]
        out.append([shown[t].most_common(1)[0][0] for t in best])
    return out


def clusters_of(
    xy: npt.NDArray[np.float32],
    texts_of: Callable[[npt.NDArray[np.int64]], list[str]],
    settings: FullText,
    *,
    levels: Sequence[int] = (6, 24),
    per_cluster: int = 40,
    seed: int = 0,
) -> tuple[pa.Table, list[npt.NDArray[np.int32]]]:
    """The clusters of a map at each level (``CLUSTER_SCHEMA``) and each point's code per
    level. ``texts_of(positions)`` reads the texts of those points (sorted positions): one
    read for every level, ``per_cluster`` points of each finest cluster (reading texts is
    the slow part at a million rows: a random read each)."""
    fitted = [kmeans_2d(xy, k, seed=seed) for k in levels]
    codes_by_level = [codes for _, codes in fitted]
    finest = codes_by_level[-1] if codes_by_level else np.zeros(len(xy), np.int32)
    picks = []
    for c in np.unique(finest):
        members = np.flatnonzero(finest == c)
        if len(members) > per_cluster:
            members = members[np.linspace(0, len(members) - 1, per_cluster).astype(np.int64)]
        picks.append(members)
    sample = np.sort(np.concatenate(picks)) if picks else np.zeros(0, np.int64)
    texts = texts_of(sample) if len(sample) else []
    rows: list[dict[str, object]] = []
    for level, (centres, codes) in enumerate(fitted):
        sizes = np.bincount(codes, minlength=len(centres))
        sampled = codes[sample]
        groups = [
            [t for t, s in zip(texts, sampled, strict=True) if s == c] for c in range(len(centres))
        ]
        words = label_terms(groups, settings)
        for c in range(len(centres)):
            if sizes[c] == 0:
                continue
            inside = xy[codes == c]
            rows.append(
                {
                    "level": level,
                    "cluster": c,
                    "label": " · ".join(words[c]) if words[c] else f"cluster {c}",
                    "size": int(sizes[c]),
                    "x": float(inside[:, 0].mean()),
                    "y": float(inside[:, 1].mean()),
                    "terms": words[c],
                }
            )
    return pa.Table.from_pylist(rows, schema=CLUSTER_SCHEMA), codes_by_level


@dataclass(frozen=True)
class MapClusters:
    """A map's clusters: ``labels`` (``CLUSTER_SCHEMA``, centres in the projection's
    coordinates) and ``codes[level][i]``, the cluster of the projection's row ``i``."""

    method: str
    version: int
    labels: pa.Table
    codes: npt.NDArray[np.uint8]  # (levels, rows)


class ClusterCache:
    """Clusters per projection version, in memory and in a file next to the projection's, so a
    new kernel (or the server) reads them instead of clustering again. Texts are read by row
    id (the projection knows each point's), a random read per sampled row, not a scan."""

    def __init__(self, store: Store, name: str, cache_dir: Path | None) -> None:
        self.store, self.name, self.cache_dir = store, name, cache_dir
        self._held: dict[str, MapClusters] = {}
        self._lock = threading.Lock()

    def _path(self, method: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{self.name}.{method}.clusters"

    def get(self, projection: Projection, settings: FullText) -> MapClusters:
        with self._lock:
            held = self._held.get(projection.method)
            if held is None or held.version != projection.version:
                held = self._load(projection)
            if held is None or held.version != projection.version:
                held = self._compute(projection, settings)
                self._save(held)
            self._held[projection.method] = held
            return held

    def _compute(self, projection: Projection, settings: FullText) -> MapClusters:
        rowids = projection.rowids

        def texts_of(positions: npt.NDArray[np.int64]) -> list[str]:
            got = self.store.take(rowids[positions], [TEXT])
            if got is None:  # a row went away meanwhile: named from the rest
                return [""] * len(positions)
            return [t or "" for t in got.column(TEXT).to_pylist()]

        table, codes = clusters_of(projection.xy, texts_of, settings)
        stacked = (
            np.stack(codes).astype(np.uint8) if codes else np.zeros((0, len(rowids)), np.uint8)
        )
        return MapClusters(projection.method, projection.version, table, stacked)

    def _load(self, projection: Projection) -> MapClusters | None:
        path = self._path(projection.method)
        if path is None or not (path / "clusters.arrow").is_file():
            return None
        try:
            table = pa.ipc.open_file(os.fspath(path / "clusters.arrow")).read_all()
            codes = np.load(path / "codes.npy")
            version = int((table.schema.metadata or {})[b"version"])
        except (OSError, ValueError, KeyError, pa.ArrowInvalid):
            return None  # unreadable: clustered again, then rewritten
        if codes.ndim != 2 or codes.shape[1] != len(projection):
            return None
        return MapClusters(projection.method, version, table.replace_schema_metadata(None), codes)

    def _save(self, clusters: MapClusters) -> None:
        path = self._path(clusters.method)
        if path is None:
            return
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        table = clusters.labels.replace_schema_metadata({"version": str(clusters.version)})
        with (
            pa.OSFile(os.fspath(tmp / "clusters.arrow"), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table)
        np.save(tmp / "codes.npy", clusters.codes)
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
        tmp.replace(path)
