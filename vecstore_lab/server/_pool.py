"""The server's bounded pool for collection work, so that no request blocks Jupyter's loop.

Tornado runs every handler, and every kernel's websocket, on one event loop. Collection work
(opening tables, embedding a query, searching, reading pages) runs here instead, on a fixed
number of threads; at most ``max_pending`` requests wait for one, the rest are refused at once
(503) rather than queued without end. A request whose client has gone away is dropped before
its turn, and a running one stops at its next checkpoint (``Gone.check``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from vecstore_lab.errors import VecStoreError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ClientGoneError", "Gone", "ServerBusyError", "WorkPool"]

T = TypeVar("T")
log = logging.getLogger(__name__)


class ServerBusyError(VecStoreError):
    """Every worker is busy and the waiting line is full: try again shortly (HTTP 503)."""


class ClientGoneError(VecStoreError):
    """The client went away; its work was dropped (nobody receives this reply)."""


class Gone:
    """Set when a request's client disconnects; work checks it between its steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __bool__(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise ClientGoneError("the client closed the connection; the request was dropped")


class WorkPool:
    """``workers`` threads and a waiting line of ``max_pending``; counts what it did."""

    def __init__(self, workers: int, max_pending: int) -> None:
        if workers < 1 or max_pending < 0:
            raise ValueError(f"workers >= 1 and max_pending >= 0, got {workers}, {max_pending}")
        self.workers, self.max_pending = workers, max_pending
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="vecstore-lab-api")
        self._in_flight = 0  # touched on the event loop only
        self.counts = {"done": 0, "failed": 0, "dropped": 0, "refused": 0}

    def status(self) -> dict[str, Any]:
        """Workers, requests in flight (running and waiting) and the counters."""
        return {
            "workers": self.workers,
            "max_pending": self.max_pending,
            "in_flight": self._in_flight,
            **self.counts,
        }

    async def run(self, work: Callable[[], T], gone: Gone) -> T:
        """``work()`` on a worker thread; ``ServerBusyError`` when the line is full,
        ``ClientGoneError`` when ``gone`` was set before it ran or at a checkpoint."""
        if self._in_flight >= self.workers + self.max_pending:
            self.counts["refused"] += 1
            raise ServerBusyError(
                f"all {self.workers} workers are busy and {self.max_pending} requests wait; "
                "try again shortly (c.VecStoreLab.workers and .max_pending set these)"
            )

        def job() -> T:
            gone.check()  # its client left while it waited: skip it
            return work()

        self._in_flight += 1
        try:
            result = await asyncio.get_running_loop().run_in_executor(self._executor, job)
        except ClientGoneError:
            self.counts["dropped"] += 1
            raise
        except BaseException:
            self.counts["failed"] += 1
            raise
        finally:
            self._in_flight -= 1
        self.counts["done"] += 1
        return result

    def background(self, work: Callable[[], Any]) -> None:
        """``work()`` on a worker thread, not waited for (a warm-up): its failure is logged,
        never raised. Skipped when requests are waiting, so it never delays one."""
        if self._in_flight >= self.workers:
            return

        def logged(future: Future[Any]) -> None:
            if future.exception() is not None:
                log.info("vecstore-lab background work failed: %s", future.exception())

        self._executor.submit(work).add_done_callback(logged)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
