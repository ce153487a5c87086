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
it most often comes from. Texts are read for a sample of each cluster's rows.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from vecstore_lab._render.terms import word_terms

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt

    from vecstore_lab._search.fulltext import FullText

__all__ = ["CLUSTER_SCHEMA", "clusters_of", "kmeans_2d", "label_terms"]

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
    per_cluster: int = 200,
    seed: int = 0,
) -> tuple[pa.Table, list[npt.NDArray[np.int32]]]:
    """The clusters of a map at each level (``CLUSTER_SCHEMA``) and each point's code per
    level. ``texts_of(positions)`` reads the texts of those points."""
    rows: list[dict[str, object]] = []
    codes_by_level = []
    for level, k in enumerate(levels):
        centres, codes = kmeans_2d(xy, k, seed=seed)
        codes_by_level.append(codes)
        sizes = np.bincount(codes, minlength=len(centres))
        samples = []
        for c in range(len(centres)):
            members = np.flatnonzero(codes == c)
            if len(members) > per_cluster:
                members = members[np.linspace(0, len(members) - 1, per_cluster).astype(np.int64)]
            samples.append(members)
        flat = np.concatenate(samples) if samples else np.zeros(0, np.int64)
        texts = texts_of(flat) if len(flat) else []
        groups, at = [], 0
        for members in samples:
            groups.append(texts[at : at + len(members)])
            at += len(members)
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
