"""Rows written elsewhere (Ray workers) as Lance fragments, then committed to a collection's
table in one atomic Append: all of them appear at once, or none do.

Workers get the table's location, its schema and the storage options *without secrets*: their
credentials come from their own environment (the standard ``AWS_*`` variables, an instance
role), never from this process.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vecstore_lab._schema import metadata_columns
from vecstore_lab.errors import DuplicateIdError, MissingDependencyError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from vecstore_lab._storage.store import Store

__all__ = ["Target", "commit_fragments", "prepare_target", "public_options", "write_fragments"]

# Storage option names that hold credentials: never sent to a worker.
_SECRET_WORDS = ("secret", "key_id", "access_key", "token", "password", "credential", "sas")


def public_options(options: Mapping[str, str] | None) -> dict[str, str]:
    """``options`` without anything that looks like a credential."""
    return {
        k: str(v)
        for k, v in (options or {}).items()
        if not any(word in k.lower() for word in _SECRET_WORDS)
    }


@dataclass(frozen=True)
class Target:
    """Where and how workers write: picklable, and free of secrets."""

    dataset_uri: str
    schema: bytes  # the table's Arrow schema, serialised
    storage_options: dict[str, str]
    storage_version: str
    read_version: int

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.ipc.read_schema(pa.py_buffer(self.schema))


def _lance() -> Any:
    try:
        import lance
    except ImportError as exc:
        raise MissingDependencyError(
            "distributed ingest writes Lance fragments with pylance: "
            "pip install 'vecstore-lab[ray]'"
        ) from exc
    return lance


def prepare_target(store: Store, metadatas: Sequence[Mapping[str, Any] | None]) -> Target:
    """Add the metadata columns ``metadatas`` bring (one commit, under the write lock), then
    describe the table the workers' fragments must match."""
    with store.locked():
        store.ensure_primary_key()
        _, new_fields = metadata_columns(metadatas, len(metadatas), store.schema)
        if new_fields:
            names = [f.name for f in new_fields]
            store.add_columns(new_fields, f"ingest (new {names})")
    _lance()
    dataset = store.dataset()
    return Target(
        dataset_uri=store.dataset_uri,
        schema=store.schema.serialize().to_pybytes(),
        storage_options=public_options(store.storage_options()),
        storage_version=str(dataset.data_storage_version),
        read_version=int(dataset.version),
    )


def write_fragments(target: Target, table: pa.Table) -> list[bytes]:
    """Write ``table`` (already in the target's schema) as new fragment files; returns the
    pickled fragment metadata for ``commit_fragments``. Nothing is visible until then."""
    from lance_ray.fragment import write_fragment

    written = write_fragment(
        [table],
        target.dataset_uri,
        schema=target.arrow_schema,
        storage_options=target.storage_options or None,
        data_storage_version=target.storage_version,
    )
    return [pickle.dumps(fragment) for fragment, _ in written]


def commit_fragments(store: Store, target: Target, fragments: list[bytes], ids: list[str]) -> None:
    """One Append commit of every fragment, under the collection's write lock. If another
    writer stored any of ``ids`` since the target was read, nothing is committed."""
    lance = _lance()
    if not fragments:
        return
    with store.locked():
        if store.version != target.read_version:
            clash = sorted(store.existing_ids(ids))
            if clash:
                raise DuplicateIdError(
                    f"{len(clash)} id(s) were added to {store.name!r} by another writer "
                    f"during the distributed ingest: {clash[:5]}; nothing of it was committed. "
                    "Run it again: it skips what is stored",
                    ids=clash,
                )
        operation = lance.LanceOperation.Append([pickle.loads(f) for f in fragments])
        dataset = store.dataset()
        store.commit(
            lambda: lance.LanceDataset.commit(dataset, operation, read_version=dataset.version),
            "distributed ingest",
        )
        store.committed_elsewhere(ids)  # as after any write: the new rows join the indexes
