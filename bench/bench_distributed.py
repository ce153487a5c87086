"""Distributed ingest on Ray (issue 17): throughput with 1 and 2 workers against a single-process
``add_documents`` of the same corpus, side by side in one run, appended to bench/RESULTS.md.

All three embed every chunk with all-MiniLM-L6-v2 (the embedding cache is off) and write to a
fresh collection on local disk. Ray runs locally with ``num_cpus=2``; each worker gets one CPU
(Ray sets ``OMP_NUM_THREADS=1`` in it), while the single process uses both cores.

    python bench/bench_distributed.py [--docs 400] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _results import publish
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import vecstore_lab as vl
from vecstore_lab import telemetry
from vecstore_lab.ingest.ray import ingest

HERE = Path(__file__).parent


def _corpus(n_docs: int) -> list[vl.Document]:
    sys.path.insert(0, str(HERE))
    from bench_ingest import corpus

    return corpus(n_docs)


def run(n_docs: int, embedder: str) -> list[str]:
    import ray

    docs = _corpus(n_docs)
    splitter = vl.RecursiveCharacterTextSplitter(chunk_size=200, chunk_overlap=40)
    rows: list[tuple[str, float, int]] = []
    steady: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as path:
        db = vl.connect(Path(path) / "db", embedder=embedder, embedding_cache=False)
        single = db.create_collection("single")
        single.embed(["warm up the model"])
        t0 = time.perf_counter()
        single.add_documents(docs, splitter=splitter, batch_size=256, progress=False)
        rows.append(("single process `add_documents`", time.perf_counter() - t0, len(single)))
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            for workers in (1, 2):
                c = db.create_collection(f"ray{workers}")
                spans = InMemorySpanExporter()
                provider = TracerProvider()
                provider.add_span_processor(SimpleSpanProcessor(spans))
                telemetry.use_providers(provider, None)
                t0 = time.perf_counter()
                try:
                    ingest(
                        c,
                        docs,
                        num_workers=workers,
                        batch_size=64,
                        splitter=splitter,
                        progress=False,
                    )
                finally:
                    telemetry.use_providers(None, None)
                rows.append((f"Ray, {workers} worker(s)", time.perf_counter() - t0, len(c)))
                work = [
                    s
                    for s in spans.get_finished_spans()
                    if s.name.startswith("vecstore_lab.worker")
                ]
                busy = (max(s.end_time for s in work) - min(s.start_time for s in work)) / 1e9
                steady.append((workers, len(c) / busy))
        finally:
            ray.shutdown()
    base = rows[0][2] / rows[0][1]
    lines = [
        f"{n_docs} documents → {rows[0][2]} chunks, embedder {embedder!r}, cache off, local disk, "
        "2 cores. Wall time includes Ray's start of its workers and actors (a model load each).",
        "",
        "| path | seconds | chunks/s | vs single process |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds, n in rows:
        lines.append(f"| {name} | {seconds:.1f} | {n / seconds:.1f} | {n / seconds / base:.2f}x |")
    lines += [
        "",
        "Once the actors are up (first worker span to last; fixed costs left out):",
        "",
        "| workers | chunks/s | per worker (one CPU each) |",
        "|---:|---:|---:|",
        *(f"| {w} | {rate:.1f} | {rate / w:.1f} |" for w, rate in steady),
    ]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="40 documents, hashing embedder")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    n, embedder = (40, "hashing") if args.quick else (args.docs, "sentence-transformers")
    title = "distributed ingest on Ray" + (" (quick)" if args.quick else "")
    publish(title, run(n, embedder), path=args.output)


if __name__ == "__main__":
    main()
