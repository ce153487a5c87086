"""Matrix-vector products for exact search that share the cores with an embedder.

numpy's BLAS (OpenBLAS) runs a product on its own worker threads, which then spin, waiting
for more work, for a while (about 0.1 s) after it ends. A torch embedder asked to embed the
next query in that window fights them for the cores: on 2 cores, MiniLM's query embedding
went from 24 ms to 70 ms right after a search. So the product here runs with BLAS limited to
the calling thread (``threadpoolctl``), split into row blocks over a small pool of our own
threads, which sleep as soon as they are done. The blocks use the same BLAS kernel, so the
result is bit for bit the same, and as fast as BLAS's own threads.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["matvec"]

SPLIT_ROWS = 32_768  # below this, one block on the calling thread
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_state: dict[str, Any] = {}
_lock = threading.Lock()


def _tools() -> tuple[Any, ThreadPoolExecutor]:
    with _lock:
        if "pool" not in _state:
            from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

            _state["controller"] = ThreadpoolController()
            _state["pool"] = ThreadPoolExecutor(_WORKERS, thread_name_prefix="vecstore-gemv")
        return _state["controller"], _state["pool"]


def matvec(
    matrix: npt.NDArray[np.float32], q: npt.NDArray[np.float32], out: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """``out[:] = matrix @ q`` (float32), as described in the module docstring."""
    controller, pool = _tools()
    n = len(matrix)
    blocks = 1 if n < SPLIT_ROWS else _WORKERS
    bounds = np.linspace(0, n, blocks + 1).astype(int)
    with controller.limit(limits=1, user_api="blas"):
        futures = [
            pool.submit(np.dot, matrix[a:b], q, out[a:b]) for a, b in itertools.pairwise(bounds[1:])
        ]
        np.dot(matrix[: bounds[1]], q, out[: bounds[1]])
        for f in futures:
            f.result()
    return out
