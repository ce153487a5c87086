"""Distributed ingest on a real local Ray cluster (``ray.init(num_cpus=2)``): the result equals a
single-process ``add_documents`` of the same corpus, a worker killed mid-run costs only time and
the result is still exact, a re-run adds nothing, and the workers' stages appear as spans."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import vecstore_lab as vl
from vecstore_lab import telemetry
from vecstore_lab.ingest.ray import ingest
from vecstore_lab.splitter import RecursiveCharacterTextSplitter
from vecstore_lab.testing import LocalS3

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray")

SPLITTER = RecursiveCharacterTextSplitter(chunk_size=200, chunk_overlap=20)
DIM = 32


def _corpus(n: int = 60) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [
        {
            "id": f"doc{i}",
            "text": " ".join(f"word{(i * j) % 97} says sentence {j}." for j in range(10 + i % 30)),
            "topic": f"t{i % 3}",
        }
        for i in range(n)
    ]
    docs.append({"id": "blank", "text": "   "})  # skipped, and counted, by both paths
    return docs


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    with LocalS3() as server:
        yield server


@pytest.fixture(scope="module")
def local_ray(s3: LocalS3) -> Iterator[None]:
    # Workers take object-storage credentials from their environment, as on a cluster: Ray's
    # processes inherit the variables set before it starts.
    saved = {k: os.environ.get(k) for k in s3.env}
    os.environ.update(s3.env)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _rows(c: vl.Collection) -> pa.Table:
    return c.get(include_vectors=True).to_arrow().sort_by("id")


def _assert_same(a: vl.Collection, b: vl.Collection) -> None:
    x, y = _rows(a), _rows(b)
    assert x.num_rows == y.num_rows > 0
    assert x.column("id").equals(y.column("id"))
    assert np.array_equal(
        np.stack(x.column("vector").to_pylist()), np.stack(y.column("vector").to_pylist())
    )
    fields = ["text", "doc_id", "chunk_index", "start_index", "topic"]
    assert x.select(fields).equals(y.select(fields))


def test_equals_single_process_and_a_rerun_adds_nothing(local_ray: None, tmp_path: Path) -> None:
    docs = _corpus()
    single = vl.connect(tmp_path / "one", embedder=vl.HashEmbedder(dim=DIM))
    expected = single.create_collection("docs")
    want = expected.add_documents(docs, splitter=SPLITTER, progress=False)
    db = vl.connect(tmp_path / "many", embedder=vl.HashEmbedder(dim=DIM))
    c = db.create_collection("docs")
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry.use_providers(provider, None)
    try:
        report = ingest(c, docs, num_workers=2, batch_size=32, splitter=SPLITTER, progress=False)
    finally:
        telemetry.use_providers(None, None)
    _assert_same(expected, c)
    assert (report.documents, report.skipped_empty) == (want.documents, want.skipped_empty)
    assert report.added == report.chunks == len(c)
    # (a text two chunks share is embedded once, unless two workers meet it at once)
    assert want.embedded <= report.embedded <= len(c)
    # the workers' stages, as children of the driver's ingest span, from other processes
    finished = spans.get_finished_spans()
    (root,) = [s for s in finished if s.name == "vecstore_lab.ingest.distributed"]
    work = [s for s in finished if s.name == "vecstore_lab.worker.embed"]
    assert work and all(
        s.parent is not None and s.parent.span_id == root.context.span_id for s in work
    )
    assert {s.attributes["process.pid"] for s in work} - {os.getpid()}
    assert sum(s.attributes["vecstore_lab.rows"] for s in work) == len(c)
    # a re-run: every document is stored and unchanged; nothing is embedded or written
    version = c.version
    again = ingest(c, docs, num_workers=2, batch_size=32, splitter=SPLITTER, progress=False)
    assert (again.added, again.updated, again.embedded) == (0, 0, 0)
    assert again.unchanged == len(c) and c.version == version
    # a changed document and a new one: only they are written
    docs[3] = {**docs[3], "text": "a rewritten third document, much shorter"}
    docs.append({"id": "extra", "text": "one more document arrives later"})
    third = ingest(c, docs, num_workers=2, batch_size=32, splitter=SPLITTER, progress=False)
    expected.add_documents(docs, splitter=SPLITTER, progress=False)
    _assert_same(expected, c)
    assert third.added >= 1 and third.updated >= 1 and third.stale_deleted >= 1


def _worker_pids() -> list[int]:
    """Processes of the embedding actors (Ray names them after the class)."""

    def cmdline(proc: Path) -> bytes:
        try:
            return (proc / "cmdline").read_bytes()
        except OSError:  # it ended while we looked
            return b""

    procs = [p for p in Path("/proc").iterdir() if p.name.isdigit()]
    return sorted(int(p.name) for p in procs if b"EmbedAndWrite" in cmdline(p))


def _kill_one_worker(killed: list[int]) -> None:
    """SIGKILL one embedding actor."""
    deadline = time.time() + 240
    while time.time() < deadline:
        pids = _worker_pids()
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])
            return
        time.sleep(0.01)


def test_a_worker_killed_mid_run_leaves_the_result_exact(local_ray: None, tmp_path: Path) -> None:
    docs = _corpus(80)
    expected = vl.connect(tmp_path / "one", embedder=vl.HashEmbedder(dim=DIM))
    expected_c = expected.create_collection("docs")
    expected_c.add_documents(docs, splitter=SPLITTER, progress=False)
    db = vl.connect(tmp_path / "many", embedder=vl.HashEmbedder(dim=DIM), embedding_cache=False)
    c = db.create_collection("docs")
    c.add(ids=["already"], texts=["a row stored before the run"])  # the data dir exists now
    data_dir = Path(c.store.dataset_uri) / "data"
    before = {p.name for p in data_dir.iterdir()}
    killed: list[int] = []
    rows_at_kill: list[int] = []

    def watch() -> None:
        while not data_dir.is_dir() or {p.name for p in data_dir.iterdir()} == before:
            time.sleep(0.01)
        _kill_one_worker(killed)  # fragments are being written: the run is under way
        rows_at_kill.append(len(c))

    watcher = threading.Thread(target=watch)
    watcher.start()
    report = ingest(c, docs, num_workers=2, batch_size=8, splitter=SPLITTER, progress=False)
    watcher.join()
    assert killed, "no worker was killed"
    assert rows_at_kill == [1]  # killed before any row of the run was committed
    c.delete(["already"])
    _assert_same(expected_c, c)
    assert report.added == len(c)


def test_ingest_from_files_into_a_collection_on_s3(
    local_ray: None, s3: LocalS3, tmp_path: Path
) -> None:
    # From JSON lines: read and split in Ray tasks (a list, as above, is split on the driver).
    docs = _corpus(20)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs))
    db = vl.connect(
        s3.uri("dist"), storage_options=s3.storage_options, embedder=vl.HashEmbedder(dim=DIM)
    )
    c = db.create_collection("docs")
    report = ingest(c, str(corpus), num_workers=2, batch_size=16, splitter=SPLITTER, progress=False)
    assert (report.documents, report.skipped_empty) == (len(docs), 1)
    expected = vl.connect(tmp_path / "one", embedder=vl.HashEmbedder(dim=DIM))
    e = expected.create_collection("docs")
    e.add_documents(docs, splitter=SPLITTER, progress=False)
    _assert_same(e, c)
    assert c.query("word3 says sentence", k=1).ids
