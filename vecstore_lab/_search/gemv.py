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
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy.typing as npt

__all__ = ["matvec"]

SPLIT_ROWS = 32_768  # below this, one block on the calling thread
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_state: dict[str, Any] = {}
_lock = threading.Lock()


def _tools() -> tuple[list[Any], ThreadPoolExecutor]:
    """The BLAS libraries' thread controls (found once) and our pool."""
    with _lock:
        if "pool" not in _state:
            from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

            blas = ThreadpoolController().select(user_api="blas")
            _state["blas"] = list(blas.lib_controllers)
            _state["pool"] = ThreadPoolExecutor(_WORKERS, thread_name_prefix="vecstore-gemv")
        return _state["blas"], _state["pool"]


@contextmanager
def _one_blas_thread(blas: list[Any]) -> Iterator[None]:
    """BLAS on the calling thread only, restored after. threadpoolctl's own ``limit`` looks
    the libraries up again on each call (about 30 µs, as much as a 1,000-row product), so the
    controls found once are set directly."""
    before = [lib.get_num_threads() for lib in blas]
    for lib in blas:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(blas, before, strict=True):
            lib.set_num_threads(n)


def matvec(
    matrix: npt.NDArray[np.float32], q: npt.NDArray[np.float32], out: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """``out[:] = matrix @ q`` (float32), as described in the module docstring."""
    blas, pool = _tools()
    n = len(matrix)
    with _one_blas_thread(blas):
        if n < SPLIT_ROWS:
            np.dot(matrix, q, out)
            return out
        bounds = [n * i // _WORKERS for i in range(_WORKERS + 1)]
        futures = [
            pool.submit(np.dot, matrix[a:b], q, out[a:b]) for a, b in itertools.pairwise(bounds[1:])
        ]
        np.dot(matrix[: bounds[1]], q, out[: bounds[1]])
        for f in futures:
            f.result()
    return out
