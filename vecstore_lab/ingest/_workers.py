"""What runs inside Ray: splitting documents (tasks) and embedding + writing fragments (actors).

Both are plain picklable callables; Ray Data schedules them, retries failed tasks and restarts
dead actors. Nothing here commits: fragments become visible only in the driver's one commit.
"""

from __future__ import annotations

import os
import pickle
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from vecstore_lab._inputs import Batch
from vecstore_lab._storage.fragments import Target, write_fragments
from vecstore_lab.ingest._batches import IngestReport, documents_of

if TYPE_CHECKING:
    from vecstore_lab.splitter import RecursiveCharacterTextSplitter

__all__ = ["CHUNKS", "EmbedAndWrite", "split", "split_rows"]

# The rows between the two stages: one per chunk, or one per empty document (kind "empty").
CHUNKS = pa.schema(
    [
        ("kind", pa.string()),  # "new": to the workers; "seen": the driver compares it; "empty"
        ("doc_id", pa.string()),
        ("id", pa.string()),
        ("text", pa.string()),
        ("metadata", pa.binary()),  # pickled: keys and types vary from document to document
    ]
)


def split(
    batch: pa.Table,
    *,
    splitter: RecursiveCharacterTextSplitter | None,
    id_key: str,
    stored: Any,
) -> pa.Table:
    """Documents (rows of ``text`` plus metadata columns) to chunk rows. A document whose first
    chunk id is already stored is "seen": the driver compares it, as a single-process ingest
    does, so an unchanged re-run embeds and writes nothing."""
    import ray

    stored_ids = ray.get(stored) if isinstance(stored, ray.ObjectRef) else stored
    return split_rows(batch.to_pylist(), splitter=splitter, id_key=id_key, stored=stored_ids)


def split_rows(
    rows: list[dict[str, Any]],
    *,
    splitter: RecursiveCharacterTextSplitter | None,
    id_key: str,
    stored: frozenset[str],
) -> pa.Table:
    """``split`` over documents as rows (``text`` plus metadata; ``None`` values are left
    out, as a Dataset's missing fields are)."""
    docs = [
        {
            "text": r["text"],
            "metadata": {k: v for k, v in r.items() if k != "text" and v is not None},
        }
        for r in rows
    ]
    pulled = IngestReport()
    out: dict[str, list[Any]] = {name: [] for name in CHUNKS.names}

    def emit(kind: str, doc_id: str, cid: str, text: str, metadata: bytes) -> None:
        for name, value in zip(CHUNKS.names, (kind, doc_id, cid, text, metadata), strict=True):
            out[name].append(value)

    for doc_id, chunks in documents_of(docs, splitter, id_key, pulled):
        kind = "seen" if f"{doc_id}#0" in stored else "new"
        for c in chunks:
            emit(kind, doc_id, c.id, c.text, pickle.dumps(c.metadata))
    for _ in range(pulled.skipped_empty):
        emit("empty", "", "", "", pickle.dumps({}))
    return pa.table(out, schema=CHUNKS)


class EmbedAndWrite:
    """A Ray actor: opens the collection once (so its embedder loads once per actor), then
    embeds each batch through the embedding cache and writes it as Lance fragment files."""

    def __init__(
        self, uri: str, name: str, options: dict[str, str], target: Target, cache: bool
    ) -> None:
        from vecstore_lab.database import connect

        # Credentials: from this worker's environment; ``options`` holds none (_storage.fragments).
        db = connect(uri, storage_options=options or None, embedding_cache=cache)
        self.collection = db.get_collection(name)
        self.target = target
        self.schema = target.arrow_schema

    def __call__(self, batch: pa.Table) -> pa.Table:
        start = time.time_ns()
        ids = batch.column("id").to_pylist()
        texts = batch.column("text").to_pylist()
        metadatas = [pickle.loads(m) for m in batch.column("metadata").to_pylist()]
        embedded = self.collection.embed(texts)
        embedded_at = time.time_ns()
        vectors = np.asarray(embedded.vectors, dtype=np.float32)
        rows, new_fields = self.collection.store.layout(
            Batch(ids, texts, vectors, metadatas), self.schema
        )
        if new_fields:  # the driver adds every column before the workers start
            raise RuntimeError(f"metadata fields {new_fields} are not in the target schema")
        fragments = write_fragments(self.target, rows)
        return pa.table(
            {
                "fragments": [fragments],
                "ids": [ids],
                "rows": [len(ids)],
                "embedded": [embedded.computed],
                "pid": [os.getpid()],
                "start_ns": [start],
                "embedded_ns": [embedded_at],
                "end_ns": [time.time_ns()],
            }
        )
