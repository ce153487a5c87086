"""``Upkeep``: a collection's index upkeep after each committed write, off the writer's path.

* **Folding new rows into the indexes** (``indexes.fold_in``) runs once the full-text backlog
  calls for it (``indexes.upkeep_due``: it passes ``auto_optimize_rows`` and the rows already
  indexed), in a thread of its own, so the write that started it returns at once. It commits
  an index change only, which Lance merges with concurrent appends, so it does not take the
  collection's write lock: writers go on meanwhile. In the bench (ten adds of 10,000 onto
  100,000, bench/RESULTS.md "engine: add"), folding 110,000 rows took 0.7 s on the adds' path.
* **Merging small fragments** (``indexes.compact_small``, once 16 have gathered) rewrites rows,
  so it stays on the writer's path, under its lock.

The tradeoffs, as documented in the README:

* until a fold ends, the new rows are searched without the index (correctly, more slowly);
* a fold's failure (a full disk, say) cannot fail the write that started it, which has
  landed: the next write reports it (``IndexUpkeepWarning``) and tries again, and
  ``stats()["upkeep_failure"]`` and a telemetry count say so meanwhile;
* the process waits at exit for a fold that runs (the thread is not a daemon); ``optimize()``
  and deleting the collection wait for it too.
"""

from __future__ import annotations

import threading
import warnings
from typing import TYPE_CHECKING

from vecstore_lab import telemetry
from vecstore_lab._storage.lance_errors import is_raw_storage_error, storage_error
from vecstore_lab.errors import IndexUpkeepWarning, StorageError

if TYPE_CHECKING:
    from vecstore_lab._storage.store import Store

__all__ = ["Upkeep", "settle"]

_FOLDING: dict[tuple[str | None, str], threading.Thread] = {}  # (db URI, name) -> its fold


def settle(uri: str | None, name: str) -> None:
    """Wait for a fold of collection ``name`` in database ``uri`` running in this process
    (before the collection is dropped)."""
    thread = _FOLDING.get((uri, name))
    if thread is not None and thread is not threading.current_thread():
        thread.join()


class Upkeep:
    """The upkeep of ``store``'s indexes; ``rows`` is ``auto_optimize_rows`` (0: off)."""

    def __init__(self, store: Store, rows: int) -> None:
        self.store, self.rows = store, rows
        self.failure: str | None = None  # why the last upkeep failed; None once one succeeds
        self._unreported = False  # a fold failed in the background: the next write warns
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether a fold runs in the background now."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self) -> None:
        """Wait for a fold that runs."""
        if self._thread is not None:
            self._thread.join()

    def done(self) -> None:
        """The indexes were brought up to date another way (``optimize()``): a failure found
        before is neither reported nor shown any more."""
        self.failure, self._unreported = None, False

    def after_write(self) -> None:
        """Called after each committed write (``Store.after_write``)."""
        if self.rows <= 0:
            return
        if self._unreported:
            self._unreported = False
            self._warn("an earlier write")
        try:  # asking whether upkeep is due reads the table too: it may fail as well
            self.store.compact_small()
            if not self.running and self.store.upkeep_due(self.rows):
                thread = threading.Thread(target=self._fold, name="vecstore-upkeep")
                self._thread = _FOLDING[self.store.uri, self.name] = thread
                thread.start()
        except Exception as exc:
            self._failed(exc)
            self._warn("it")

    def _fold(self) -> None:
        try:
            self.store.fold_in(locked=False)
        except Exception as exc:  # reported by the next write: this one has returned
            self._failed(exc)
            self._unreported = True
        else:
            self.failure = None
        finally:
            _FOLDING.pop((self.store.uri, self.name), None)

    def _failed(self, exc: Exception) -> None:
        ours = isinstance(exc, StorageError) or is_raw_storage_error(exc)
        if not ours and threading.current_thread() is not self._thread:
            raise exc  # a bug, not the storage: the writer sees it (a fold records anything)
        typed = exc if isinstance(exc, StorageError) else storage_error(exc, "upkeep", self.name)
        self.failure = str(typed)
        telemetry.add("vecstore_lab.upkeep.failures", 1, {"collection": self.name})

    @property
    def name(self) -> str:
        return self.store.name

    def _warn(self, after: str) -> None:
        warnings.warn(
            IndexUpkeepWarning(
                f"the write to {self.name!r} is stored, but the index upkeep after {after} "
                f"failed ({self.failure}); searches stay correct (unindexed rows are searched "
                "without the index), upkeep is retried after the next write, or call optimize()"
            ),
            stacklevel=5,
        )
