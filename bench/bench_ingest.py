"""Embedding and ingest throughput (issue 3 targets), appended to bench/RESULTS.md.

1. ``add_documents`` (split, embed, write; cache off so every chunk is embedded) vs
   bare ``model.encode`` on the same chunk texts with the same batch size: throughput ratio,
   target >= 0.9.
2. Re-ingest of unchanged documents vs the first ingest: speed-up, target >= 20x.
3. ``OpenAIEmbedder`` against the local fake server enforcing an rpm limit: achieved request
   rate as a share of the allowed rate (target >= 95%) and failed inputs (target 0).

    python bench/bench_ingest.py [--docs 400] [--seconds 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from _results import publish

import vecstore_lab as vl
from vecstore_lab.testing import FakeOpenAIServer


def corpus(n_docs: int) -> list[vl.Document]:
    base = [d.text for d in vl.load_sample_documents()]
    # Every sentence carries its document number, so no two chunks share a text and the
    # embedding cache cannot flatter add_documents against bare encode.
    return [
        vl.Document(base[i % len(base)].replace(". ", f" (doc {i}). "), {"id": f"doc{i}"})
        for i in range(n_docs)
    ]


def bench_ingest(n_docs: int) -> list[str]:
    docs = corpus(n_docs)
    splitter = vl.RecursiveCharacterTextSplitter(chunk_size=200, chunk_overlap=40)
    texts = [c.text for c in splitter.split_documents(docs)]
    embedder = vl.SentenceTransformerEmbedder(batch_size=64)
    embedder.embed_documents(["warm up the model"])
    model = embedder.model

    t0 = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    bare = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as path:
        # Cache off: every chunk is embedded, exactly the work bare encode does (plus ours).
        db = vl.connect(path, embedder=embedder, embedding_cache=False)
        collection = db.create_collection("bench")
        t0 = time.perf_counter()
        first = collection.add_documents(docs, splitter=splitter, batch_size=256, progress=False)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = collection.add_documents(docs, splitter=splitter, batch_size=256, progress=False)
        rerun = time.perf_counter() - t0
    ratio = (len(texts) / ours) / (len(texts) / bare)
    return [
        f"{n_docs} documents → {len(texts)} chunks (chunk_size=200), all-MiniLM-L6-v2 on CPU, "
        "batch 64.",
        "",
        "| measurement | value | target |",
        "|---|---:|---:|",
        f"| bare `model.encode` | {len(texts) / bare:.0f} chunks/s | |",
        f"| `add_documents` (split + embed + write, cache off) | {len(texts) / ours:.0f} chunks/s"
        f" (embedded {first.embedded}) | |",
        f"| throughput ratio add_documents / encode | {ratio:.3f} | >= 0.9 |",
        f"| unchanged re-ingest | {rerun:.2f} s vs {ours:.2f} s first, {ours / rerun:.1f}x"
        f" faster, {again.embedded} embedder calls | >= 20x, 0 calls |",
    ]


def bench_openai(seconds: float, rpm: int) -> list[str]:
    texts = [f"request text number {i}" for i in range(100_000)]
    with FakeOpenAIServer(api_key="sk-bench", rpm=rpm) as server:
        embedder = vl.OpenAIEmbedder(
            dimensions=64,
            api_key="sk-bench",
            base_url=server.base_url,
            rpm=rpm,
            max_batch_inputs=8,
            max_concurrency=4,
        )
        n_requests = int(seconds * rpm / 60)
        batch = texts[: n_requests * 8]
        t0 = time.perf_counter()
        vectors = embedder.embed_documents(batch)
        elapsed = time.perf_counter() - t0
        ok = [r for r in server.requests if r.status == 200]
        limited = sum(1 for r in server.requests if r.status == 429)
        span = ok[-1].time - ok[0].time if len(ok) > 1 else elapsed
    # The first second is a permitted burst; the steady rate is measured after it.
    steady = (len(ok) - 1 - rpm / 60) / span * 60 if span > 0 else float("nan")
    failed = len(batch) - vectors.shape[0]
    return [
        f"OpenAIEmbedder against the local fake server enforcing {rpm} requests/min "
        f"(8 inputs per request, 4 threads), {len(ok)} requests in {elapsed:.1f} s.",
        "",
        "| measurement | value | target |",
        "|---|---:|---:|",
        f"| achieved steady rate | {steady:.1f} req/min = {steady / rpm:.1%} of allowed | >= 95% |",
        f"| 429 answers from the server | {limited} | |",
        f"| failed inputs | {failed} | 0 |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rpm", type=int, default=300)
    args = parser.parse_args()
    lines = [*bench_ingest(args.docs), "", *bench_openai(args.seconds, args.rpm)]
    publish("ingest and embedder throughput", lines)


if __name__ == "__main__":
    main()
