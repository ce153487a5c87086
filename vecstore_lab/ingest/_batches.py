"""What both ingest paths share: documents as chunks with stable ids, one batch written as
one upsert (unchanged chunks skipped, stale ones deleted), the report and its span."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from vecstore_lab.splitter import Document, RecursiveCharacterTextSplitter, as_document

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from vecstore_lab._search.embedding import Embedded
    from vecstore_lab.results import RecordSet

__all__ = [
    "Chunk",
    "IngestReport",
    "Writable",
    "documents_of",
    "next_batch",
    "report_on",
    "span_attributes",
    "write_batch",
]


class Writable(Protocol):
    """What ingest needs of a collection (a ``Collection`` is one): ingest sits one layer
    above it and knows only these."""

    name: str

    def get(self, ids: Sequence[str] | str | None = None) -> RecordSet: ...

    def embed(self, texts: Sequence[str]) -> Embedded: ...

    def upsert(
        self,
        ids: Sequence[str] | str,
        texts: Sequence[str] | str | None = None,
        vectors: Any = None,
        metadatas: Any = None,
    ) -> list[str]: ...

    def delete(self, ids: Sequence[str] | str | None = None, where: Any = None) -> int: ...


@dataclass
class IngestReport:
    """What one ``add_documents`` run did (and committed).

    ``embedded`` counts texts sent to the embedder; re-running an ingest of unchanged documents
    reports ``embedded == 0``. Every count is of committed batches only: when a run fails,
    ``IngestError.report`` is exactly what is stored, ``last_doc_id`` the last document of the
    last committed batch, and ``failed_batch`` the 1-based number of the batch that failed.
    """

    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    stale_deleted: int = 0
    skipped_empty: int = 0
    embedded: int = 0
    batches: int = 0
    seconds: float = 0.0
    last_doc_id: str | None = None
    failed_batch: int | None = None
    doc_ids: list[str] = field(default_factory=list, repr=False)

    def merge(self, batch: IngestReport) -> None:
        """Add one committed batch's counts to this run's."""
        for name in ("chunks", "added", "updated", "unchanged", "stale_deleted", "embedded"):
            setattr(self, name, getattr(self, name) + getattr(batch, name))
        self.batches += 1
        self.doc_ids.extend(batch.doc_ids)
        self.last_doc_id = batch.doc_ids[-1] if batch.doc_ids else self.last_doc_id

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{k}</th><td>{v:.2f}</td></tr>"
            if isinstance(v, float)
            else f"<tr><th>{k}</th><td>{v}</td></tr>"
            for k, v in self.__dict__.items()
            if k != "doc_ids"
        )
        return f"<table>{rows}</table>"


@dataclass
class Chunk:
    id: str
    text: str
    metadata: dict[str, Any]


def _doc_id(metadata: dict[str, Any], text: str, id_key: str) -> str:
    given = metadata.pop(id_key, None)
    if given is not None and str(given):
        return str(given)
    # No id: the content names the document, so the same text always maps to the same rows.
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def documents_of(
    documents: Iterable[Document | str | Mapping[str, Any]],
    splitter: RecursiveCharacterTextSplitter | None,
    id_key: str,
    pulled: IngestReport,
) -> Iterator[tuple[str, list[Chunk]]]:
    """``(doc_id, chunks)`` of each non-empty document; ``pulled`` counts what was read."""
    for position, doc in enumerate(documents):
        text, metadata = as_document(doc, position)
        pulled.documents += 1
        if not text.strip():
            pulled.skipped_empty += 1
            continue
        doc_id = _doc_id(metadata, text, id_key)
        if splitter is None:
            pieces = [Document(text, {**metadata, "chunk_index": 0, "start_index": 0})]
        else:
            pieces = splitter.split_documents([Document(text, metadata)])
        chunks = [
            Chunk(f"{doc_id}#{p.metadata['chunk_index']}", p.text, {**p.metadata, "doc_id": doc_id})
            for p in pieces
        ]
        yield doc_id, chunks


def span_attributes(collection: Writable, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes of an ingest span."""
    return {
        "db.system.name": "lancedb",
        "db.collection.name": collection.name,
        "db.operation.name": "ingest",
        **extra,
    }


def report_on(span: Any, report: IngestReport) -> None:
    """An ingest's counts, as attributes of its span."""
    for key in ("documents", "chunks", "added", "updated", "unchanged", "embedded"):
        span.set_attribute(f"vecstore_lab.ingest.{key}", getattr(report, key))


def next_batch(
    docs: Iterator[tuple[str, list[Chunk]]], batch_size: int
) -> tuple[list[tuple[str, list[Chunk]]], bool]:
    """Whole documents until at least ``batch_size`` chunks; True when the input is exhausted."""
    batch: list[tuple[str, list[Chunk]]] = []
    n = 0
    for doc_id, chunks in docs:
        batch.append((doc_id, chunks))
        n += len(chunks)
        if n >= batch_size:
            return batch, False
    return batch, True


def write_batch(collection: Writable, docs: list[tuple[str, list[Chunk]]]) -> IngestReport:
    """Write one batch of whole documents; returns its counts once it is committed."""
    report = IngestReport()
    chunks = [c for _, cs in docs for c in cs]
    report.chunks = len(chunks)
    report.doc_ids = [d for d, _ in docs]
    existing = {r.id: r for r in collection.get(ids=[c.id for c in chunks])}
    write = []
    for c in chunks:
        old = existing.get(c.id)
        if old is None:
            report.added += 1
            write.append(c)
        elif old.text != c.text or {k: v for k, v in old.metadata.items() if v is not None} != {
            k: v for k, v in c.metadata.items() if v is not None
        }:
            report.updated += 1
            write.append(c)
        else:
            report.unchanged += 1
    if write:
        texts = [c.text for c in write]
        embedded = collection.embed(texts)  # vectors, and how many the cache served
        collection.upsert(
            ids=[c.id for c in write],
            texts=texts,
            vectors=embedded.vectors,
            metadatas=[c.metadata for c in write],
        )
        report.embedded = embedded.computed
    if existing:  # documents seen before may have had more chunks than they have now
        stale = {"$or": [{"doc_id": d, "chunk_index": {"$gte": len(cs)}} for d, cs in docs]}
        report.stale_deleted += collection.delete(where=stale)
    return report
