"""Collection.query against raw LanceDB on the same table (100k x 384, k=10).

Both sides run in one process on one table, interleaved query by query so that cache state and
machine load hit them equally. The ratio ours/raw of the median latency is the number that
counts (target <= 1.10). Results are appended to bench/RESULTS.md.

    python bench/bench_query.py [--rows 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from typing import TYPE_CHECKING

import lancedb
import numpy as np
from _results import publish

import vecstore_lab as vl

if TYPE_CHECKING:
    from collections.abc import Callable


def build(path: str, rows: int, dim: int) -> vl.Collection:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(rows, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    collection = vl.connect(path).create_collection("bench", dim=dim)
    collection.add(
        ids=[f"doc-{i}" for i in range(rows)],
        texts=[f"document number {i} about topic {i % 10}" for i in range(rows)],
        vectors=vectors,
        metadatas=[{"category": f"c{i % 10}", "year": 2000 + i % 25} for i in range(rows)],
    )
    return collection


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(
    name: str,
    ours: Callable[[np.ndarray], object],
    raw: Callable[[np.ndarray], object],
    queries: np.ndarray,
) -> dict[str, float]:
    for q in queries[:5]:  # warm both paths
        ours(q)
        raw(q)
    t_ours, t_raw = [], []
    for i, q in enumerate(queries):
        pair = [(t_ours, ours), (t_raw, raw)]
        if i % 2:  # alternate who goes first
            pair.reverse()
        for bucket, fn in pair:
            bucket.append(timed(lambda fn=fn, q=q: fn(q)))
    med_ours, med_raw = statistics.median(t_ours), statistics.median(t_raw)
    return {
        "name": name,
        "ours_ms": med_ours * 1e3,
        "raw_ms": med_raw * 1e3,
        "ratio": med_ours / med_raw,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--label", default="", help="appended to the heading, e.g. 'before #12'")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as path:
        t0 = time.perf_counter()
        collection = build(path, args.rows, args.dim)
        build_s = time.perf_counter() - t0
        raw_table = lancedb.connect(path).open_table("bench")
        columns = [c for c in raw_table.schema.names if c != "vector"]
        rng = np.random.default_rng(1)
        queries = rng.normal(size=(args.queries, args.dim)).astype(np.float32)

        def raw(q: np.ndarray, where: str | None = None) -> object:
            search = raw_table.search(q).distance_type("cosine").limit(10)
            search = search.select([*columns, "_distance"])
            if where:
                search = search.where(where, prefilter=True)
            return search.to_arrow()

        rows = [
            compare("vector, no filter", lambda q: collection.query(vector=q, k=10), raw, queries),
            compare(
                "vector, filter category = 'c3'",
                lambda q: collection.query(vector=q, k=10, where={"category": "c3"}),
                lambda q: raw(q, "category = 'c3'"),
                queries,
            ),
        ]
        same = (
            collection.query(vector=queries[0], k=10).ids
            == raw(queries[0]).column("id").to_pylist()
        )

    lines = [
        f"{args.rows:,} rows x {args.dim} dims, k=10, flat search (no ANN index), "
        f"{args.queries} queries interleaved; median latency. Machine: {platform.machine()}, "
        f"lancedb {lancedb.__version__}. Build (add of all rows through Collection.add): "
        f"{build_s:.1f} s. Same top-10 ids on both sides: {same}.",
        "",
        "| case | vecstore-lab ms | raw LanceDB ms | ratio (target <= 1.10) |",
        "|---|---:|---:|---:|",
        *[
            f"| {r['name']} | {r['ours_ms']:.2f} | {r['raw_ms']:.2f} | {r['ratio']:.3f} |"
            for r in rows
        ],
        "",
    ]
    label = f" ({args.label})" if args.label else ""
    publish(f"query overhead vs raw LanceDB{label}", lines)


if __name__ == "__main__":
    main()
