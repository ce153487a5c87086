"""Two embeddings of the same documents, compared: nearest neighbours in each space, how many
they share, and one 2-D map turned onto the other (orthogonal Procrustes). Pure numpy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.linalg import orthogonal_procrustes

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["align", "nearest", "shared_counts"]

BLOCK = 1024  # rows of the similarity matrix computed at once


def nearest(vectors: npt.ArrayLike, k: int) -> npt.NDArray[np.int64]:
    """Each row's ``k`` nearest other rows by cosine similarity, nearest first (exact)."""
    raw = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    x = (raw / np.where(norms > 0, norms, 1)).astype(np.float32)
    n = len(x)
    k = min(k, n - 1)
    out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, BLOCK):
        sims = x[start : start + BLOCK] @ x.T
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = -np.inf  # not its own neighbour
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
        out[start : start + BLOCK] = np.take_along_axis(top, order, axis=1)
    return out


def shared_counts(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """How many of each row's neighbours in ``a`` are among its neighbours in ``b``."""
    shared: npt.NDArray[np.int64] = (a[:, :, None] == b[:, None, :]).any(axis=2).sum(axis=1)
    return shared


def align(
    moving: npt.ArrayLike, fixed: npt.ArrayLike
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Both maps centred, ``moving`` rotated (or mirrored) and scaled onto ``fixed`` (least
    squares over the same rows), then both scaled together into the [-1, 1] square."""
    m = np.asarray(moving, dtype=np.float64)
    f = np.asarray(fixed, dtype=np.float64)
    m = m - m.mean(axis=0)
    f = f - f.mean(axis=0)
    rotation, _ = orthogonal_procrustes(m, f)
    turned = m @ rotation
    scale = float((turned * f).sum() / max((turned * turned).sum(), 1e-12))
    turned *= scale
    reach = max(float(np.abs(f).max()), float(np.abs(turned).max()), 1e-12) * 1.05
    return (turned / reach).astype(np.float32), (f / reach).astype(np.float32)
