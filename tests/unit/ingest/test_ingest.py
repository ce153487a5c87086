"""Embedding cache and streaming, resumable ingest (add_documents)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab.cache import CACHE_TABLE, EmbeddingCache


class Counting(vl.HashEmbedder):
    """A HashEmbedder that counts the texts it embeds, and can be told to crash."""

    def __init__(self, dim: int = 16, fail_after: int | None = None) -> None:
        super().__init__(dim=dim)
        self.calls = 0
        self.texts = 0
        self.fail_after = fail_after

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise vl.EmbedderError("simulated crash")
        self.calls += 1
        self.texts += len(texts)
        return super().embed_documents(texts)


def articles(n: int = 30) -> list[vl.Document]:
    return [
        vl.Document(
            f"Article {i} talks about topic {i % 5}. " + "It has several sentences. " * (i % 4 + 1),
            {"id": f"a{i}", "topic": f"t{i % 5}"},
        )
        for i in range(n)
    ]


def test_cache_serves_repeated_text_without_embedding(tmp_path: Path) -> None:
    e = Counting()
    db = vl.connect(tmp_path, embedder=e)
    c = db.create_collection("one")
    c.add(ids=["a", "b"], texts=["same text", "other text"])
    assert e.texts == 2
    c2 = db.create_collection("two")
    c2.add(ids=["x", "y", "z"], texts=["same text", "other text", "new text"])
    assert e.texts == 3  # only "new text" was embedded
    assert db.cache is not None and db.cache.hits == 2 and len(db.cache) == 3
    np.testing.assert_allclose(
        c2.get(ids=["x"], include_vectors=True)[0].vector, e.embed_query("same text")
    )
    assert CACHE_TABLE not in db.list_collections()


def test_cache_keys_on_embedder_config(tmp_path: Path) -> None:
    db = vl.connect(tmp_path)
    cache = db.cache
    assert isinstance(cache, EmbeddingCache)
    a, b = Counting(dim=16), Counting(dim=8)
    cache.embed(a, ["hello"])
    out = cache.embed(b, ["hello"])
    assert out.shape == (1, 8) and b.texts == 1  # different config, no false hit
    cache.embed(a, ["hello", "hello"])
    assert a.texts == 1


def test_cache_can_be_turned_off(tmp_path: Path) -> None:
    e = Counting()
    db = vl.connect(tmp_path, embedder=e, embedding_cache=False)
    c = db.create_collection("c")
    c.add(ids=["a"], texts=["t"])
    c.upsert(ids=["a"], texts=["t"])
    assert e.texts == 2 and db.cache is None


def test_add_documents_splits_embeds_and_writes(tmp_path: Path) -> None:
    e = Counting()
    c = vl.connect(tmp_path, embedder=e).create_collection("docs")
    splitter = vl.RecursiveCharacterTextSplitter(chunk_size=60, chunk_overlap=10)
    report = c.add_documents(articles(), splitter=splitter, batch_size=16, progress=False)
    assert report.documents == 30 and report.added == report.chunks == len(c)
    # Identical chunk texts (repeated sentences) are embedded once.
    unique = {r.text for r in c.get()}
    assert report.embedded == e.texts == len(unique) < report.chunks
    assert report.batches >= 3
    row = c.get(ids=["a3#1"])[0]
    assert row.metadata["doc_id"] == "a3" and row.metadata["chunk_index"] == 1
    assert row.metadata["topic"] == "t3"
    source = articles()[3].text
    start = row.metadata["start_index"]
    assert source[start : start + len(row.text or "")] == row.text


def test_reingest_unchanged_makes_zero_embedder_calls(tmp_path: Path) -> None:
    e = Counting()
    db = vl.connect(tmp_path, embedder=e)
    c = db.create_collection("docs")
    splitter = vl.RecursiveCharacterTextSplitter(chunk_size=60, chunk_overlap=10)
    first = c.add_documents(articles(), splitter=splitter, progress=False)
    calls, version = e.calls, c.version
    again = c.add_documents(articles(), splitter=splitter, progress=False)
    assert e.calls == calls and again.embedded == 0
    assert again.unchanged == first.chunks and again.added == again.updated == 0
    assert c.version == version  # nothing to write, no new version
    # Even a fresh collection re-uses the cached vectors.
    other = db.create_collection("copy")
    copy = other.add_documents(articles(), splitter=splitter, progress=False)
    assert copy.added == first.chunks and copy.embedded == 0 and e.calls == calls


def test_changed_and_shrunk_documents(tmp_path: Path) -> None:
    e = Counting()
    c = vl.connect(tmp_path, embedder=e).create_collection("docs")
    splitter = vl.RecursiveCharacterTextSplitter(chunk_size=25, chunk_overlap=0)
    long_text = "First paragraph here.\n\nSecond paragraph here.\n\nThird paragraph here."
    c.add_documents([{"text": long_text, "id": "d"}], splitter=splitter, progress=False)
    n_before = len(c)
    assert n_before >= 2
    report = c.add_documents(
        [{"text": "First paragraph here.", "id": "d"}], splitter=splitter, progress=False
    )
    assert report.unchanged == 1 and report.stale_deleted == n_before - 1
    assert c.get().ids == ["d#0"]
    report = c.add_documents(
        [{"text": "Totally new.", "id": "d", "lang": "en"}], splitter=splitter, progress=False
    )
    assert report.updated == 1
    assert c.get(ids=["d#0"])[0].metadata["lang"] == "en"


def test_resume_after_crash_adds_only_what_is_missing(tmp_path: Path) -> None:
    crashing = Counting(fail_after=2)
    db = vl.connect(tmp_path, embedder=crashing)
    c = db.create_collection("docs")
    docs = articles(40)
    with pytest.raises(vl.errors.IngestError, match="simulated crash") as info:
        c.add_documents(docs, batch_size=10, progress=False)
    assert len(c) == 20  # two batches made it
    report = info.value.report
    assert isinstance(info.value.__cause__, vl.EmbedderError)
    assert (report.batches, report.failed_batch, report.chunks, report.added) == (2, 3, 20, 20)
    assert report.documents == 20 and report.last_doc_id == "a19"
    assert report.doc_ids == [f"a{i}" for i in range(20)]
    assert "batch 3" in str(info.value) and "'a19'" in str(info.value)
    healthy = Counting()
    resumed = vl.connect(tmp_path, embedder=healthy).get_collection("docs", embedder=healthy)
    report = resumed.add_documents(docs, batch_size=10, progress=False)
    assert report.unchanged == 20 and report.added == 20
    assert healthy.texts == 20
    ids = resumed.get().ids
    assert len(ids) == len(set(ids)) == 40


def test_documents_without_ids_are_named_by_content(tmp_path: Path) -> None:
    c = vl.connect(tmp_path, embedder=Counting()).create_collection("docs")
    c.add_documents(["alpha text", "beta text", "   "], progress=False)
    report = c.add_documents(["alpha text", "beta text"], progress=False)
    assert len(c) == 2 and report.unchanged == 2
    assert all(i.endswith("#0") for i in c.get().ids)
    first = c.add_documents(["gamma", "  "], progress=False)
    assert first.skipped_empty == 1


def test_progress_bar_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = vl.connect(tmp_path, embedder=Counting()).create_collection("docs")
    c.ingest(articles(5), batch_size=2)
    assert "ingest docs" in capsys.readouterr().err
