"""Safe commits: one writer at a time per collection, conflicts retried, column adds undone.

Three mechanisms, each covering what the others cannot:

* **A cross-process file lock** (``filelock``) per collection on local paths, held around
  check-and-commit: the existence check of ``add``, the read-merge-write of ``update``, the
  schema evolution of a new metadata key and the commit itself. Writers in other threads and
  processes of this library wait their turn, so ``add`` sees every id committed before it.
* **The declared primary key** (``lance-schema:unenforced-primary-key`` on ``id``): Lance's
  ``merge_insert`` conflict detection then sees two concurrent inserts of one new id, even
  where no lock can exist (object storage) or a writer does not take ours.
* **Bounded retries** of Lance's retryable commit conflicts, with jittered backoff; when they
  run out, a ``StorageError`` says that nothing of the write was committed.

See ``RELIABILITY.md`` for what is guaranteed and which test checks it.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any, TypeVar

from vecstore_lab._storage.lance_errors import storage_error
from vecstore_lab.errors import StorageError, VecStoreError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

__all__ = ["CommitGuard", "is_retryable_conflict"]

T = TypeVar("T")


def is_retryable_conflict(exc: BaseException) -> bool:
    """Lance's own word for a commit that lost a race and may simply be tried again."""
    return "retryable commit conflict" in str(exc).lower()


class CommitGuard:
    """The lock and retry policy of one collection's writes.

    Parameters:
        name: the collection, for messages.
        lock_path: its file lock, where the backend has one (``Backend.lock_path``);
            ``None``: commits are not serialised here (object storage, memory).
        timeout: seconds to wait for the lock before ``StorageError``.
        attempts: commit attempts on retryable conflicts.
    """

    def __init__(
        self,
        name: str,
        lock_path: Path | None = None,
        *,
        timeout: float = 600.0,
        attempts: int = 8,
        backoff_base: float = 0.05,
        backoff_max: float = 2.0,
    ) -> None:
        self.name = name
        self.timeout = timeout
        self.attempts = attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.lock_path = lock_path
        self._lock: Any = None

    def _file_lock(self) -> Any:
        if self._lock is None:
            from filelock import FileLock

            assert self.lock_path is not None
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            # thread_local (the default): each thread takes the OS lock for itself, so threads
            # sharing this Collection exclude each other exactly like separate processes.
            self._lock = FileLock(os.fspath(self.lock_path), timeout=self.timeout)
        return self._lock

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the collection's write lock (re-entrant; a no-op off local paths)."""
        if self.lock_path is None:
            yield
            return
        from filelock import Timeout

        lock = self._file_lock()
        try:
            lock.acquire()
        except Timeout as exc:
            raise StorageError(
                f"collection {self.name!r} is being written by another process and its lock "
                f"({self.lock_path}) was not free within {self.timeout:.0f} s; nothing was written"
            ) from exc
        try:
            yield
        finally:
            lock.release()

    def commit(self, write: Callable[[], T], what: str) -> T:
        """Run ``write`` (one commit), retrying Lance's retryable conflicts with backoff."""
        import tenacity

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=tenacity.wait_random_exponential(
                multiplier=self.backoff_base, max=self.backoff_max
            ),
            retry=tenacity.retry_if_exception(is_retryable_conflict),
            reraise=True,
        )
        try:
            return retrying(write)
        except VecStoreError:
            raise  # ours already says what failed (a clash found at commit, say)
        except Exception as exc:
            if is_retryable_conflict(exc):
                raise StorageError(
                    f"{what} on collection {self.name!r} lost {self.attempts} commit races in a "
                    "row to other writers; nothing of it was committed. Try again, or write from "
                    "fewer places at once"
                ) from exc
            raise storage_error(exc, what, self.name) from exc
