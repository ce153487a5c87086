"""Collections on S3-compatible object storage, against a real S3 server on 127.0.0.1 (moto's).

Everything a local collection does works on ``s3://``: writes, every query mode, versions, the
embedding cache, projections, the widgets' Python side and the CLI. The credentials reach
LanceDB and nothing else: not the stored objects, reprs, widget state, spans or CLI output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import vecstore_lab as vl
from vecstore_lab import telemetry
from vecstore_lab.testing import LocalS3
from vecstore_lab.widgets import CollectionBrowser, EmbeddingMap, SearchWidget

DIM = 16
TEXTS = {
    "py": "Python lists grow as items are appended to them",
    "rs": "Rust borrows are checked by the compiler at build time",
    "go": "Go channels pass values between goroutines",
    "js": "JavaScript promises resolve after the event loop turns",
    "sql": "SQL joins match rows of two tables on a key",
}


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    with LocalS3() as server:
        yield server


class CountingEmbedder(vl.HashEmbedder):
    calls = 0

    def embed_documents(self, texts: Any) -> Any:
        CountingEmbedder.calls += len(texts)
        return super().embed_documents(texts)


def _connect(s3: LocalS3, prefix: str, **kwargs: Any) -> vl.VecDatabase:
    return vl.connect(s3.uri(prefix), storage_options=s3.storage_options, **kwargs)


def test_a_collection_on_s3_does_everything_a_local_one_does(s3: LocalS3) -> None:
    db = _connect(s3, "everything", embedder=vl.HashEmbedder(dim=DIM))
    c = db.create_collection("docs")
    c.add(ids=list(TEXTS), texts=list(TEXTS.values()), metadatas=[{"n": i} for i in range(5)])
    assert db.list_collections() == ["docs"] and len(c) == 5
    assert c.query("Rust compiler borrows", k=1).ids == ["rs"]
    assert c.query("goroutines channels", mode="text", k=1).ids == ["go"]
    assert c.query("SQL tables joined on a key", mode="hybrid", k=1).ids == ["sql"]
    assert set(c.query("anything", where={"n": {"$gte": 3}}, k=5).ids) == {"js", "sql"}
    before = c.version
    c.upsert(ids=["py"], texts=["Python dicts keep insertion order"], metadatas=[{"n": 10}])
    c.update(ids=["go"], metadatas=[{"n": 20}])
    assert c.delete(["js"]) == 1
    assert sorted(c.get().ids) == ["go", "py", "rs", "sql"]
    assert c.get(order_by=("n", "descending"), limit=2).ids == ["go", "py"]
    # versions: an old one reads as it was, and restore brings it back
    assert "js" in c.checkout(before).get().ids
    c.restore(before)
    assert sorted(c.get().ids) == sorted(TEXTS)
    # indexes and the map
    c.create_scalar_index("n")
    assert c.get(order_by="n", limit=2).ids == ["py", "rs"]
    assert len(c.project().xy) == 5
    # a second connection (another notebook) sees it all
    again = _connect(s3, "everything").get_collection("docs")
    assert sorted(again.get().ids) == sorted(TEXTS) and again.version == c.version
    keys = s3.keys("everything/")
    assert any(k.startswith("everything/docs.lance/") for k in keys)
    # the widgets' Python side
    w = SearchWidget(again)
    w._search_command(query="borrow checker")
    assert w.results and json.loads(json.dumps(w.get_state(), default=str))
    cb = CollectionBrowser(again, page_size=2)
    cb.load_page(page=0, sort_by="n", descending=True)
    assert cb.total == 5
    assert EmbeddingMap(again).total == 5


def test_the_embedding_cache_lives_in_the_bucket_too(s3: LocalS3) -> None:
    CountingEmbedder.calls = 0
    db = _connect(s3, "cached", embedder=CountingEmbedder(dim=DIM))
    db.create_collection("a").add(ids=list(TEXTS), texts=list(TEXTS.values()))
    assert CountingEmbedder.calls == 5
    # a new connection, a new collection, the same texts: no embedder call
    db2 = _connect(s3, "cached", embedder=CountingEmbedder(dim=DIM))
    db2.create_collection("b").add(ids=list(TEXTS), texts=list(TEXTS.values()))
    assert CountingEmbedder.calls == 5
    assert any("cache" in k for k in s3.keys("cached/"))


def test_credentials_never_leave_the_process(s3: LocalS3) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry.use_providers(provider, None)
    try:
        db = _connect(s3, "secret", embedder=vl.HashEmbedder(dim=DIM))
        c = db.create_collection("docs")
        c.add(ids=list(TEXTS), texts=list(TEXTS.values()))
        c.query("compiler", mode="hybrid")
        with pytest.raises(vl.CollectionNotFoundError) as missing:
            db.get_collection("nope")
        widgets = [SearchWidget(c), CollectionBrowser(c), EmbeddingMap(c)]
        shown = [
            repr(db),
            repr(c),
            json.dumps(c.stats(), default=str),
            json.dumps(c.settings.__dict__, default=str) if hasattr(c.settings, "__dict__") else "",
            str(missing.value),
            *(json.dumps(w.get_state(), default=str) for w in widgets),
            *(s.to_json() for s in spans.get_finished_spans()),
        ]
    finally:
        telemetry.use_providers(None, None)
    assert len(spans.get_finished_spans()) > 3
    stored = s3.stored_bytes("secret/")
    assert stored  # the scan below reads real objects
    for secret in (s3.secret_key, s3.access_key):
        assert not [t for t in shown if secret in t]
        assert not [k for k, b in stored.items() if secret.encode() in b]


def _cli(s3: LocalS3, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **s3.env, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "vecstore_lab", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_the_cli_takes_an_s3_uri_with_the_standard_env_vars(s3: LocalS3, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for key, text in TEXTS.items():
        (docs / f"{key}.txt").write_text(text)
    uri = s3.uri("cli")
    ingest = _cli(s3, "ingest", str(docs), "--db", uri, "--collection", "notes", "-q")
    assert ingest.returncode == 0, ingest.stderr
    info = _cli(s3, "info", "--db", uri)
    assert info.returncode == 0, info.stderr
    assert "notes: 5 rows" in info.stdout
    query = _cli(s3, "query", "goroutines channels", "--collection", "notes", "--db", uri)
    assert query.returncode == 0, query.stderr
    assert "go.txt" in query.stdout
    for out in (ingest, info, query):
        assert s3.secret_key not in out.stdout + out.stderr


def test_two_writers_on_s3(s3: LocalS3) -> None:
    """No file lock exists on object storage: Lance's commit conflict handling and the declared
    key keep ids unique, and disjoint writers both land."""
    uri_db = _connect(s3, "race")
    c = uri_db.create_collection("docs", dim=4)
    vectors = np.random.default_rng(0).normal(size=(400, 4)).astype(np.float32)
    handles = [_connect(s3, "race").get_collection("docs") for _ in range(2)]
    errors: list[BaseException] = []

    def run(target: Any, *args: Any) -> None:
        try:
            target(*args)
        except vl.VecStoreError as exc:
            errors.append(exc)

    def together(*calls: tuple[Any, ...]) -> None:
        threads = [threading.Thread(target=run, args=call) for call in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # disjoint adds: both land
    ids = [f"d{i}" for i in range(400)]
    together(
        (handles[0].add, ids[:200], None, vectors[:200]),
        (handles[1].add, ids[200:], None, vectors[200:]),
    )
    assert not errors and len(c) == 400 and len(set(c.get().ids)) == 400
    # upserts of the same new ids: one row each
    new = [f"u{i}" for i in range(100)]
    together(
        (handles[0].upsert, new, None, vectors[:100]),
        (handles[1].upsert, new, None, vectors[100:200]),
    )
    assert not errors and len(c) == 500 and len(set(c.get().ids)) == 500
    # adds of the same new ids, three rounds: one add wins whole, the other fails whole with
    # DuplicateIdError naming every id (Lance checks the ids as it commits: when_matched_fail)
    for round_ in range(3):
        clash = [f"c{round_}-{i}" for i in range(50)]
        together(
            (handles[0].add, clash, None, vectors[:50]),
            (handles[1].add, clash, None, vectors[50:100]),
        )
        stored = c.get().ids
        assert len(stored) == 550 + 50 * round_ and len(set(stored)) == len(stored)
        assert len(errors) == 1, errors
        lost = errors.pop()
        assert isinstance(lost, vl.DuplicateIdError) and sorted(lost.ids) == sorted(clash)
        won = np.stack(
            c.get(ids=clash, include_vectors=True).to_arrow().column("vector").to_pylist()
        )
        assert np.array_equal(won, vectors[:50]) or np.array_equal(won, vectors[50:100])


def test_copy_collection_moves_a_local_collection_to_s3(s3: LocalS3, tmp_path: Path) -> None:
    CountingEmbedder.calls = 0
    laptop = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=DIM))
    local = laptop.create_collection("notes", distance="l2")
    local.add(ids=list(TEXTS), texts=list(TEXTS.values()), metadatas=[{"n": i} for i in range(5)])
    team = _connect(s3, "moved", embedder=CountingEmbedder(dim=DIM))
    moved = team.copy_collection(local)
    assert (moved.dim, moved.distance, moved.settings.embedder) == (
        local.dim,
        local.distance,
        local.settings.embedder,
    )
    mine, theirs = local.to_arrow().sort_by("id"), moved.to_arrow().sort_by("id")
    assert mine.equals(theirs.select(mine.column_names))
    assert CountingEmbedder.calls == 0  # vectors came along; nothing was embedded
    assert moved.query("goroutines channels", mode="text", k=1).ids == ["go"]  # text index built
    with pytest.raises(vl.CollectionExistsError):
        team.copy_collection(local)
    assert team.list_collections() == ["notes"]
