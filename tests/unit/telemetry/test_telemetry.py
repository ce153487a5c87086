"""Telemetry: span tree and attributes, metric values, the recorder, and zero cost when off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import vecstore_lab as vl
from vecstore_lab import telemetry
from vecstore_lab.telemetry import Recorder


class Otel:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.recorder = Recorder(max_spans=1000)
        self.tracer_provider.add_span_processor(self.recorder)
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def finished(self) -> list[Any]:
        return list(self.spans.get_finished_spans())

    def metric(self, name: str) -> dict[tuple[tuple[str, Any], ...], Any]:
        """Data points of one metric, keyed by their sorted attributes."""
        out = {}
        data = self.reader.get_metrics_data()
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    if m.name == name:
                        for p in m.data.data_points:
                            out[tuple(sorted(p.attributes.items()))] = p
        return out


@pytest.fixture
def otel() -> Iterator[Otel]:
    o = Otel()
    telemetry.use_providers(o.tracer_provider, o.meter_provider)
    yield o
    telemetry.use_providers(None, None)


@pytest.fixture
def collection(tmp_path: Path) -> vl.Collection:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=16))
    c = db.create_collection("docs")
    c.add(
        ids=["cat", "dog", "bonds", "bread", "tides"],
        texts=[
            "the cat sat on the mat",
            "a dog chased the cat",
            "bond prices and rates",
            "sourdough bread and yeast",
            "the moon raises tides",
        ],
        metadatas=[{"topic": t} for t in ("pets", "pets", "finance", "food", "science")],
    )
    return c


def test_span_tree_of_hybrid_query_with_rerank(collection: vl.Collection, otel: Otel) -> None:
    res = collection.query(
        "cat on the mat", k=3, mode="hybrid", where={"topic": "pets"}, rerank=vl.MMRReranker(0.7)
    )
    spans = {s.name: s for s in otel.finished()}
    root = spans["vecstore_lab.query"]
    assert root.parent is None
    children = {
        "vecstore_lab.embed",
        "vecstore_lab.search.vector",
        "vecstore_lab.search.fts",
        "vecstore_lab.fuse",
        "vecstore_lab.rerank",
    }
    assert set(spans) == {"vecstore_lab.query"} | children
    for name in children:
        assert spans[name].parent.span_id == root.context.span_id, name
        assert spans[name].context.trace_id == root.context.trace_id
    a = root.attributes
    assert a["db.system.name"] == "lancedb" and a["db.collection.name"] == "docs"
    assert a["db.operation.name"] == "query" and a["vecstore_lab.query.mode"] == "hybrid"
    assert a["vecstore_lab.query.k"] == 3 and a["vecstore_lab.query.filtered"] is True
    assert a["reranker"] == "mmr" and a["vecstore_lab.query.results"] == len(res) == 2
    assert spans["vecstore_lab.rerank"].attributes["vecstore_lab.rerank.candidates"] == 2
    assert spans["vecstore_lab.embed"].attributes["vecstore_lab.embed.kind"] == "query"
    assert spans["vecstore_lab.search.fts"].attributes["vecstore_lab.results"] >= 1
    assert spans["vecstore_lab.fuse"].attributes["vecstore_lab.fusion"] == "rrf"
    # never the query or document text
    for s in otel.finished():
        assert all("cat on the mat" not in str(v) for v in s.attributes.values())


def test_metric_values_after_a_known_workload(collection: vl.Collection, otel: Otel) -> None:
    collection.add(ids=["x1", "x2", "x3"], texts=["one more", "two more", "three more"])
    collection.upsert(ids=["x1"], texts=["one more"])
    for _ in range(2):
        collection.query("cat", k=2)
    collection.query("cat", k=2, mode="text")
    with pytest.raises(vl.InvalidFilterError):
        collection.query("cat", where="colour = 'red'")
    queries = otel.metric("vecstore_lab.queries")
    assert queries[(("mode", "vector"), ("status", "ok"))].value == 2
    assert queries[(("mode", "text"), ("status", "ok"))].value == 1
    assert queries[(("mode", "vector"), ("status", "error"))].value == 1
    rows = otel.metric("vecstore_lab.rows.written")
    assert rows[(("operation", "add"),)].value == 3
    assert rows[(("operation", "upsert"),)].value == 1
    texts = otel.metric("vecstore_lab.embed.texts")
    # three documents and one query text ("cat", asked three times: the query cache answers
    # twice); hits: the upsert of a stored text, and the two repeated queries
    assert texts[(("cache", "miss"), ("embedder", "hashing"))].value == 3 + 1
    assert texts[(("cache", "hit"), ("embedder", "hashing"))].value == 1 + 2
    errors = otel.metric("vecstore_lab.errors")
    assert errors[(("error.type", "InvalidFilterError"), ("stage", "query"))].value == 1
    durations = otel.metric("vecstore_lab.stage.duration")
    query_ok = durations[(("mode", "vector"), ("stage", "query"), ("status", "ok"))]
    assert query_ok.count == 2 and query_ok.sum > 0
    writes = [p for k, p in durations.items() if ("stage", "write") in k]
    assert sum(p.count for p in writes) == 2


def test_errors_set_span_status(collection: vl.Collection, otel: Otel) -> None:
    with pytest.raises(vl.InvalidFilterError):
        collection.query("cat", where="colour = 'red'")
    (span,) = [s for s in otel.finished() if s.name == "vecstore_lab.query"]
    assert span.status.status_code.name == "ERROR"
    assert span.attributes["error.type"] == "InvalidFilterError"
    assert span.events[0].name == "exception"


def test_ingest_spans(collection: vl.Collection, otel: Otel) -> None:
    splitter = vl.RecursiveCharacterTextSplitter(chunk_size=120, chunk_overlap=20)
    collection.add_documents(
        vl.load_sample_documents(), splitter=splitter, batch_size=10, progress=False
    )
    spans = otel.finished()
    (ingest,) = [s for s in spans if s.name == "vecstore_lab.ingest"]
    kids = [s for s in spans if s.parent and s.parent.span_id == ingest.context.span_id]
    names = {s.name for s in kids}
    assert {"vecstore_lab.split", "vecstore_lab.embed", "vecstore_lab.write"} <= names
    chunks = sum(
        s.attributes["vecstore_lab.chunks"] for s in kids if s.name == "vecstore_lab.split"
    )
    assert chunks == ingest.attributes["vecstore_lab.ingest.chunks"] > 16


def test_recorder_summary_totals_and_ring_buffer(collection: vl.Collection, otel: Otel) -> None:
    for _ in range(5):
        collection.query("cat", k=2, mode="hybrid")
    rec = otel.recorder
    summary = rec.summary()
    assert summary.loc["query", "count"] == 5
    assert {"search.vector", "search.fts", "fuse", "embed"} <= set(summary.index)
    row = summary.loc["query"]
    assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
    table = rec.to_arrow()
    assert table.num_rows == len(rec)
    assert set(table.column("stage").to_pylist()) >= {"query", "fuse"}
    assert rec.to_pandas()["mode"].dropna().eq("hybrid").all()
    assert rec.totals()["queries"] == 5
    seen: list[str] = []
    unsubscribe = rec.subscribe(lambda r: seen.append(r.stage))
    last = rec.last_seq
    collection.query("cat", k=1)
    unsubscribe()
    collection.query("cat", k=1)
    assert seen == ["embed", "search.vector", "query"]
    assert [r.stage for r in rec.records(since=last)][:3] == seen
    small = Recorder(max_spans=3)
    otel.tracer_provider.add_span_processor(small)
    collection.query("cat", k=1, mode="hybrid")
    assert len(small) == 3 and [r.stage for r in small.records()][-1] == "query"


def test_off_means_noop(tmp_path: Path) -> None:
    telemetry.use_providers(None, None)
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert not telemetry.enabled()
    with telemetry.stage("query") as span:
        assert span is trace.INVALID_SPAN
    c = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=8)).create_collection("c")
    c.add(ids=["a"], texts=["works without any SDK"])
    assert c.query("works", k=1).ids == ["a"]
