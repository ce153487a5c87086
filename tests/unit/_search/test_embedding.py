"""``_search.embedding``: a repeated query text is embedded once per collection handle, from a
small LRU, and the answer is the same as embedding it again."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import vecstore_lab as vl
from vecstore_lab import telemetry
from vecstore_lab._inputs import check_query_vector
from vecstore_lab._search.embedding import Embedding, QueryCache


class CountingEmbedder(vl.HashEmbedder):
    """The hashing embedder, counting the query texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dim=16)
        self.queries: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return super().embed_query(text)


@pytest.fixture
def notes(tmp_path: Path) -> tuple[vl.Collection, CountingEmbedder]:
    embedder = CountingEmbedder()
    c = vl.connect(tmp_path).create_collection("notes", embedder=embedder)
    c.add(ids=["a", "b", "c"], texts=["tides and the moon", "bread and yeast", "index funds"])
    return c, embedder


def test_a_repeated_query_is_embedded_once(notes: tuple[vl.Collection, CountingEmbedder]) -> None:
    c, embedder = notes
    first = c.query("why are there tides", k=2, mode="vector")
    again = c.query("why are there tides", k=2, mode="vector")
    hybrid = c.query("why are there tides", k=2, mode="hybrid")
    assert embedder.queries == ["why are there tides"]
    assert first.ids == again.ids and first.scores == again.scores
    assert hybrid.ids[0] == first.ids[0]
    c.query("bread", k=1, mode="vector")
    assert embedder.queries == ["why are there tides", "bread"]


def test_the_cached_vector_is_the_checked_one_and_read_only() -> None:
    embedder = CountingEmbedder()
    embedding = Embedding("notes", 16, "cosine", embedder)
    first, again = embedding.query("bread"), embedding.query("bread")
    assert again is first and embedder.queries == ["bread"]
    assert not first.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 1.0
    np.testing.assert_array_equal(
        first, check_query_vector(embedder.embed_query("bread"), 16, "cosine")
    )


def test_a_hit_is_counted_as_one_in_its_embed_span(
    notes: tuple[vl.Collection, CountingEmbedder],
) -> None:
    c, _ = notes
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry.use_providers(provider, None)
    try:
        c.query("moon", k=1, mode="vector")
        c.query("moon", k=1, mode="vector")
    finally:
        telemetry.use_providers(None, None)
    hits = [
        s.attributes["vecstore_lab.embed.cache_hits"]
        for s in spans.get_finished_spans()
        if s.attributes and s.attributes.get("vecstore_lab.embed.kind") == "query"
    ]
    assert hits == [0, 1]


def test_the_least_recently_used_text_goes_first() -> None:
    cache = QueryCache(size=2)
    v = {t: np.full(4, i, dtype=np.float32) for i, t in enumerate("abc")}
    cache.put("a", v["a"])
    cache.put("b", v["b"])
    assert cache.get("a") is v["a"]  # "a" is now the most recent
    cache.put("c", v["c"])
    assert (cache.get("b"), len(cache)) == (None, 2)
    assert cache.get("a") is v["a"] and cache.get("c") is v["c"]


def test_threads_share_the_cache_and_agree() -> None:
    cache = QueryCache(size=8)
    seen: list[np.ndarray] = []

    def work(i: int) -> None:
        text = f"q{i % 4}"
        vector = cache.get(text)
        if vector is None:
            vector = np.full(4, i % 4, dtype=np.float32)
            cache.put(text, vector)
        seen.append(vector)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 4 and len(seen) == 64
    for v in seen:  # every thread got the vector of its own text
        stored = cache.get(f"q{int(v[0])}")
        assert stored is not None and stored[0] == v[0]
