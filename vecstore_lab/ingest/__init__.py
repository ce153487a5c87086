"""Ingest: documents into a collection, split, embedded and written in resumable batches.

``ingest(collection, source)`` runs here, in this process; ``ingest.ray.ingest(collection,
source)`` spreads the embedding over a local Ray cluster. Both take the collection first, work
through its public API (``Writable``) and are safe to run again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from vecstore_lab import telemetry
from vecstore_lab.errors import IngestError, InvalidInputError
from vecstore_lab.ingest._batches import (
    IngestReport,
    Writable,
    documents_of,
    next_batch,
    report_on,
    span_attributes,
    write_batch,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from vecstore_lab.splitter import Document, RecursiveCharacterTextSplitter

__all__ = ["IngestReport", "Writable", "ingest"]


def ingest(
    collection: Writable,
    documents: Iterable[Document | str | Mapping[str, Any]],
    *,
    splitter: RecursiveCharacterTextSplitter | None = None,
    batch_size: int = 256,
    id_key: str = "id",
    progress: bool = True,
) -> IngestReport:
    """Split, embed and write documents in batches; safe to re-run.

    Each chunk's id is ``"{doc_id}#{chunk_index}"`` where ``doc_id`` is the document's
    ``metadata[id_key]`` or, without one, a hash of its text. A batch holds whole documents
    (at least ``batch_size`` chunks unless the input ends) and is one commit: chunks that are
    new or whose text/metadata changed are upserted, identical ones are skipped without
    embedding, and chunks left over from a longer earlier version of a document are deleted.
    So a run that crashed can simply be run again: it writes only what is missing and never
    duplicates.

    Raises:
        IngestError: a batch failed; ``.report`` counts exactly the batches committed before
            it, and the original error is chained (``__cause__``).
    """
    from tqdm.auto import tqdm

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInputError(f"batch_size must be a positive int, got {batch_size!r}")
    report = IngestReport()
    start = time.perf_counter()
    total = len(documents) if hasattr(documents, "__len__") else None  # type: ignore[arg-type]
    bar = tqdm(total=total, unit="doc", desc=f"ingest {collection.name}", disable=not progress)
    pulled = IngestReport()  # documents read so far, committed or not
    docs = documents_of(documents, splitter, id_key, pulled)
    attrs = span_attributes(collection, {"vecstore_lab.batch_size": batch_size})
    with telemetry.stage("ingest", attrs) as span:
        try:
            done = False
            while not done:
                # Splitting happens as documents are pulled, so this span times it.
                with telemetry.stage("split", {"db.collection.name": collection.name}) as split:
                    pending, done = next_batch(docs, batch_size)
                    split.set_attribute("vecstore_lab.documents", len(pending))
                    split.set_attribute("vecstore_lab.chunks", sum(len(c) for _, c in pending))
                if pending:
                    try:
                        report.merge(write_batch(collection, pending))
                    except Exception as exc:
                        report.failed_batch = report.batches + 1
                        report.seconds = time.perf_counter() - start
                        raise IngestError(
                            f"ingest into {collection.name!r} failed in batch "
                            f"{report.failed_batch} (documents {pending[0][0]!r}…"
                            f"{pending[-1][0]!r}): {type(exc).__name__}: {exc}. Committed "
                            f"before it: {report.documents} documents, {report.chunks} chunks "
                            f"in {report.batches} batches, up to document "
                            f"{report.last_doc_id!r} (see .report). Run the same call again to "
                            "resume: committed chunks are skipped without re-embedding",
                            report=report,
                        ) from exc
                report.documents, report.skipped_empty = pulled.documents, pulled.skipped_empty
                if pending:
                    bar.update(len(pending))
                    bar.set_postfix(chunks=report.chunks, embedded=report.embedded)
        finally:
            bar.close()
        report.seconds = time.perf_counter() - start
        report_on(span, report)
    return report
