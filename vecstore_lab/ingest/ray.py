"""Distributed ingest on Ray: split and embed on many workers, then one atomic commit.

::

    import ray, vecstore_lab as vl
    from vecstore_lab.ingest.ray import ingest

    ray.init()  # or an existing cluster: ray.init(address="auto")
    docs = vl.connect("s3://team-bucket/search").get_collection("docs")
    report = ingest(docs, "corpus/*.jsonl", num_workers=8, batch_size=256)

How it runs:

1. **Read**: a list of documents, or with Ray Data a ``ray.data.Dataset`` or JSON lines /
   Parquet files (rows with ``text``, an optional ``id`` and metadata columns).
2. **Split** in Ray tasks, the same way ``Collection.add_documents`` splits: the same chunk
   ids (``"{doc_id}#{chunk_index}"``) and metadata. A list of up to ``DRIVER_SPLIT``
   documents is split on the driver instead: it is there already, and starting Ray tasks
   for it costs more than the splitting.
3. **Embed and write** in ``num_workers`` actors. Each opens the collection once, so its model
   loads once; each batch goes through the embedding cache, so a re-run embeds nothing twice;
   then it is written as Lance fragment files (``lance-ray``). Ray retries a failed task and
   restarts a dead actor; a fragment written by a batch that died is never committed.
4. **Commit** on the driver: every fragment in one Lance Append, under the collection's write
   lock. Readers see all of the run's new rows or none of them.

Documents already stored (their first chunk id is in the collection) are compared on the
driver, as ``add_documents`` does: unchanged ones are skipped without embedding, changed ones
upserted. So re-running an ingest adds nothing, and a run that failed can simply run again.

Workers never receive credentials: storage options naming a key or secret stay in this
process, and workers take theirs from their environment (``AWS_*`` variables, instance roles).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
import tempfile
import time
import warnings
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc

from vecstore_lab import telemetry
from vecstore_lab.errors import IngestError, InvalidInputError, MissingDependencyError
from vecstore_lab.ingest._batches import (
    Chunk,
    IngestReport,
    report_on,
    span_attributes,
    write_batch,
)
from vecstore_lab.splitter import as_document

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import pyarrow as pa

    from vecstore_lab.collection import Collection
    from vecstore_lab.splitter import RecursiveCharacterTextSplitter

__all__ = ["ingest"]

# lancedb warns in every forked child that its async runtime was reset ("fork support is
# experimental ... chance of deadlock"). Ray starts its processes (GCS, raylet, workers) with
# subprocess, whose child execs at once and runs no lancedb: for forks made there, and only
# there, the warning says nothing true, and a notebook showed it five times on ray.init().
# A fork that goes on running Python (multiprocessing's "fork") still warns.
warnings.filterwarnings(
    "ignore", message="lancedb fork support is experimental", module="subprocess"
)

# Ray's core worker logs this at error level for every Ray Data actor pool: Ray Data hands its
# map function to the actors through the object store, and the actors may restart. The
# objects live as long as the run, so a restart within it finds them: nothing is wrong.
_BENIGN_RAY_LINES = ("has constructor arguments in the object store and max_restarts > 0",)


def _ray() -> Any:
    try:
        import lance_ray  # noqa: F401  (the fragment writer the workers use)
        import ray
    except ImportError as exc:
        raise MissingDependencyError(
            "distributed ingest needs Ray, pylance and lance-ray: pip install 'vecstore-lab[ray]'"
        ) from exc
    return ray


# A list of up to this many documents is split on the driver: it is in this process already,
# and Ray tasks to split it would cost more to start than the splitting (new worker processes
# on every run: about 12 CPU-seconds of an ingest of 60 documents on 2 cores, measured).
DRIVER_SPLIT = 10_000


def _items(source: Any) -> list[dict[str, Any]]:
    """Documents, strings or {"text", ...} dicts, as add_documents takes them: one row each."""
    items = []
    for position, doc in enumerate(source):
        text, metadata = as_document(doc, position)
        items.append({**metadata, "text": text})
    if not items:
        raise InvalidInputError("the source holds no documents")
    return items


def _chunk_blocks(
    ray: Any,
    source: Any,
    stored: frozenset[str],
    splitter: RecursiveCharacterTextSplitter | None,
    id_key: str,
    *,
    workers: int,
    batch_size: int,
) -> Iterator[pa.Table]:
    """``source`` split into chunk rows (``_workers.CHUNKS``), a block at a time: on the
    driver for a list of up to ``DRIVER_SPLIT`` documents, else in Ray tasks. The driver's
    rows go out in even blocks of at most ``batch_size``, so that each of the ``workers``
    actors has work."""
    from vecstore_lab.ingest._workers import split, split_rows

    if isinstance(source, ray.data.Dataset):
        docs = source
    elif isinstance(source, str):
        if source.endswith((".parquet", "/")) or "parquet" in source:
            docs = ray.data.read_parquet(source)
        else:
            docs = ray.data.read_json(source, lines=True)
    else:
        items = _items(source)
        if len(items) <= DRIVER_SPLIT:
            table = split_rows(items, splitter=splitter, id_key=id_key, stored=stored)
            size = max(1, min(batch_size, -(-table.num_rows // workers)))
            for s in range(0, table.num_rows, size):  # (every document gives a row)
                yield table.slice(s, size)
            return
        docs = ray.data.from_items(items)
    kw = {"splitter": splitter, "id_key": id_key, "stored": ray.put(stored)}
    chunks = docs.map_batches(split, batch_format="pyarrow", fn_kwargs=kw)
    for ref in chunks.to_arrow_refs():
        yield ray.get(ref)


@contextlib.contextmanager
def _quiet(ray: Any) -> Iterator[None]:
    """Ray Data's own progress bars and log lines off while we run (ours is the tqdm bar), and
    Ray's known-benign core-worker line kept off stderr."""
    context = ray.data.DataContext.get_current()
    bars, logger = context.enable_progress_bars, logging.getLogger("ray.data")
    level = logger.level
    context.enable_progress_bars = False
    logger.setLevel(logging.ERROR)
    try:
        with _stderr_without(_BENIGN_RAY_LINES):
            yield
    finally:
        context.enable_progress_bars = bars
        logger.setLevel(level)


@contextlib.contextmanager
def _stderr_without(benign: tuple[str, ...]) -> Iterator[None]:
    """Hold what is written to file descriptor 2 (Ray's C++ core logs there, past Python's
    ``sys.stderr``) while the block runs, then write it out again without the lines that
    contain one of ``benign``. Every other line still reaches stderr, in order."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            kept = [
                line
                for line in held.read().splitlines(keepends=True)
                if not any(b.encode() in line for b in benign)
            ]
            if kept:
                os.write(2, b"".join(kept))


def _stored_ids(collection: Collection) -> frozenset[str]:
    ids = collection.get(select=["id"]).to_arrow().column("id")
    return frozenset(i for i in ids.to_pylist() if i.endswith("#0"))


def _replay_spans(name: str, results: list[dict[str, Any]]) -> None:
    """The workers' stages as spans of this process's trace (workers have no exporter)."""
    for r in results:
        attrs = {
            "db.collection.name": name,
            "vecstore_lab.rows": r["rows"],
            "process.pid": r["pid"],
        }
        telemetry.replay("worker.embed", r["start_ns"], r["embedded_ns"], attrs)
        telemetry.replay("worker.write_fragment", r["embedded_ns"], r["end_ns"], attrs)


def ingest(
    collection: Collection,
    source: Iterable[Any] | str | Any,
    *,
    num_workers: int = 2,
    batch_size: int = 256,
    splitter: RecursiveCharacterTextSplitter | None = None,
    id_key: str = "id",
    progress: bool = True,
) -> IngestReport:
    """Ingest ``source`` into ``collection`` on Ray (see the module docstring).

    Starts a local Ray (``ray.init(num_cpus=num_workers)``) unless one is running. The
    collection must have a stored embedder: the workers rebuild it from its settings.

    Raises:
        IngestError: the run failed; nothing of its new documents was committed (``.report``
            counts only what the driver's comparison of stored documents wrote).
    """
    ray = _ray()
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise InvalidInputError(f"num_workers must be a positive int, got {num_workers!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInputError(f"batch_size must be a positive int, got {batch_size!r}")
    collection.store.check_writable()
    if collection.settings.embedder is None:
        raise InvalidInputError(
            f"collection {collection.name!r} has no stored embedder for the workers to rebuild; "
            "create it with embedder=... (a registered embedder)"
        )
    if collection.uri is None or collection.uri.startswith("memory:"):
        raise InvalidInputError("distributed ingest needs a collection on disk or object storage")
    if not ray.is_initialized():
        ray.init(
            num_cpus=num_workers,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
    start = time.perf_counter()
    attrs = span_attributes(collection, {"vecstore_lab.workers": num_workers})
    with telemetry.stage("ingest.distributed", attrs) as span:
        try:
            with _quiet(ray):
                report = _run(
                    ray, source, collection, num_workers, batch_size, splitter, id_key, progress
                )
        except (IngestError, InvalidInputError, MissingDependencyError):
            raise
        except Exception as exc:
            raise IngestError(
                f"distributed ingest into {collection.name!r} failed: {type(exc).__name__}: "
                f"{exc}. Nothing of its new documents was committed; run it again",
                report=IngestReport(),
            ) from exc
        report.seconds = time.perf_counter() - start
        report_on(span, report)
    return report


def _run(  # noqa: PLR0917
    ray: Any,
    source: Any,
    collection: Collection,
    num_workers: int,
    batch_size: int,
    splitter: RecursiveCharacterTextSplitter | None,
    id_key: str,
    progress: bool,
) -> IngestReport:
    from tqdm.auto import tqdm

    from vecstore_lab._storage.fragments import commit_fragments, prepare_target
    from vecstore_lab.ingest._workers import EmbedAndWrite

    report = IngestReport()
    stored = _stored_ids(collection)
    # One pass over the chunk blocks: stored documents come here to be compared, new ones stay
    # in Ray's object store for the actors (only their metadata is read, for the schema).
    new_blocks: list[Any] = []
    new_meta: list[Any] = []
    new_docs: set[str] = set()
    seen_docs: dict[str, list[Chunk]] = {}
    blocks = _chunk_blocks(
        ray, source, stored, splitter, id_key, workers=num_workers, batch_size=batch_size
    )
    for block in blocks:
        kind = block.column("kind")
        report.skipped_empty += int(pc.sum(pc.equal(kind, "empty")).as_py() or 0)
        seen = block.filter(pc.equal(kind, "seen"))
        for row in seen.to_pylist():
            seen_docs.setdefault(row["doc_id"], []).append(
                Chunk(row["id"], row["text"], pickle.loads(row["metadata"]))
            )
        new = block.filter(pc.equal(kind, "new"))
        if new.num_rows:
            new_meta.extend(pickle.loads(m) for m in new.column("metadata").to_pylist())
            new_docs.update(new.column("doc_id").to_pylist())
            new_blocks.append(ray.put(new.select(["id", "text", "metadata"])))
    report.documents = report.skipped_empty + len(seen_docs) + len(new_docs)
    # Stored documents: compared and written here, exactly as add_documents does.
    pending = list(seen_docs.items())
    for s in range(0, len(pending), 64):
        report.merge(write_batch(collection, pending[s : s + 64]))
    if not new_meta:
        return report
    target = prepare_target(collection.store, new_meta)
    written = ray.data.from_arrow_refs(new_blocks).map_batches(
        EmbedAndWrite,
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=num_workers),
        num_cpus=1,
        fn_constructor_kwargs={
            "uri": collection.uri,
            "name": collection.name,
            "options": target.storage_options,
            "target": target,
            "cache": collection.cache is not None,
        },
    )  # Ray restarts a dead actor and retries its batch (Ray Data's defaults for actors)
    bar = tqdm(
        total=len(new_meta), unit="chunk", desc=f"ingest {collection.name}", disable=not progress
    )
    fragments: list[bytes] = []
    ids: list[str] = []
    results: list[dict[str, Any]] = []
    try:
        for batch in written.iter_batches(batch_format="pyarrow", batch_size=None):
            for r in batch.to_pylist():
                fragments.extend(r["fragments"])
                ids.extend(r["ids"])
                results.append(r)
                report.embedded += r["embedded"]
                bar.update(r["rows"])
    finally:
        bar.close()
    commit_fragments(collection.store, target, fragments, ids)
    _replay_spans(collection.name, results)
    report.added += len(ids)
    report.chunks += len(ids)
    report.batches += len(results)
    return report
