"""Where a table lives, as a strategy: local disk, object storage or memory.

The three differ in three things, and only here:

* **Who can hold a lock.** On a local path every writer of this library takes one file lock
  per collection, so the stored ids can be held in memory between writes (``exclusive``).
  Object storage has no lock that other machines would see, and memory needs none.
* **How ``add`` refuses a stored id.** Under the lock, the ids were checked before the commit
  and a plain append is enough. On object storage another writer may commit the same id at
  any moment, so the append is an insert that Lance checks as it commits
  (``merge_insert(...).when_matched_fail()``) and that fails whole.
* **Whether Lance can open the files.** The upkeep after a write folds new rows into the
  indexes and merges small fragments through ``lance`` (``lance_files``); a ``memory://``
  table is LanceDB's alone, so there it runs LanceDB's ``optimize``.

``backend_for(uri)`` picks one (LanceDB's ``Table``/``RemoteTable`` and httpx's transports
are the pattern: one interface, one class per kind, no flag checked across modules).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from vecstore_lab._schema import ID
from vecstore_lab.errors import DuplicateIdError, MissingDependencyError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import pyarrow as pa

__all__ = ["LOCK_DIR", "Backend", "LocalDisk", "Memory", "ObjectStorage", "backend_for"]

LOCK_DIR = ".vecstore_lab/locks"


def is_local_uri(uri: str) -> bool:
    """Whether ``uri`` is a path on this machine's file system (where a file lock works)."""
    return "://" not in uri or uri.startswith("file://")


class Backend:
    """What differs between storage kinds. The base is a store no other process writes."""

    kind = "memory"
    #: Every writer takes our lock, so the stored ids may be held in memory between writes.
    exclusive = False
    #: ``lance`` can open the table's dataset (not so for a LanceDB ``memory://`` table).
    lance_files = False

    def lock_path(self, name: str) -> Path | None:
        """The file lock of collection ``name``, or ``None`` where no lock is needed or can
        work."""
        return None

    def append(
        self,
        table: Any,
        reader: pa.RecordBatchReader,
        ids: Sequence[str],
        existing_ids: Callable[[Sequence[str]], set[str]],
        name: str,
    ) -> None:
        """Commit new rows whose ids were checked under the lock (or need no check)."""
        table.add(reader)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Memory(Backend):
    """``memory://`` databases: one process, nothing to lock."""


class LocalDisk(Backend):
    """A folder on this machine: a file lock per collection under ``<root>/.vecstore_lab``."""

    kind = "local"
    exclusive = True
    lance_files = True

    def __init__(self, uri: str) -> None:
        self.root = Path(uri.removeprefix("file://"))

    def lock_path(self, name: str) -> Path | None:
        return self.root / LOCK_DIR / f"{name}.lock"

    def __repr__(self) -> str:
        return f"LocalDisk({str(self.root)!r})"


class ObjectStorage(Backend):
    """S3 and other object stores: writers on other machines, and no lock between them."""

    kind = "object"
    lance_files = True

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def append(
        self,
        table: Any,
        reader: pa.RecordBatchReader,
        ids: Sequence[str],
        existing_ids: Callable[[Sequence[str]], set[str]],
        name: str,
    ) -> None:
        """One insert that fails whole if any of its ids is stored when it commits. Lance
        checks that at commit time, so with the declared key a racing insert of the same ids
        is seen too (``when_matched_fail``)."""
        try:
            dataset = table.to_lance()
        except ImportError as exc:
            raise MissingDependencyError(
                "add() on object storage needs pylance, which checks the ids as it commits: "
                "pip install 'vecstore-lab[s3]' (upsert() works without it)"
            ) from exc
        builder = dataset.merge_insert(ID).when_matched_fail().when_not_matched_insert_all()
        try:
            builder.execute(reader)
        except OSError as exc:
            if "found matching row" not in str(exc):
                raise
            clash = sorted(existing_ids(ids))
            raise DuplicateIdError(
                f"{len(clash)} id(s) were added to {name!r} by another writer while this "
                f"add ran: {clash[:5]}{' …' if len(clash) > 5 else ''}; nothing of this batch "
                "was written (use upsert() to replace them)",
                ids=clash,
            ) from None

    def __repr__(self) -> str:
        return f"ObjectStorage({self.uri!r})"


def backend_for(uri: str | None) -> Backend:
    """The backend of a database at ``uri`` (``None``: a table opened without a database)."""
    if uri is None or uri.startswith("memory:"):
        return Memory()
    if is_local_uri(uri):
        return LocalDisk(uri)
    return ObjectStorage(uri)
