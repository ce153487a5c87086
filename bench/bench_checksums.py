"""What per-row vector checksums cost: ``add`` with and without them, the exact-search cache's
first load (where they are checked), a query once loaded, and ``verify()``.

Two collections side by side in one run, the same ``--rows`` random float32 vectors of
``--dim`` dims, added in batches of 10,000; median of ``--repeat`` repeats where a case is
repeated. Appended to bench/RESULTS.md.

    python bench/bench_checksums.py [--rows 100000] [--dim 384] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _results import RESULTS, publish

import vecstore_lab as vl

BATCH = 10_000


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="5,000 rows, 2 repeats")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeat = 5_000, 2
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((args.rows, args.dim)).astype(np.float32)
    ids = [f"r{i}" for i in range(args.rows)]
    query = rng.standard_normal(args.dim).astype(np.float32)
    results: dict[bool, dict[str, list[float]]] = {
        flag: {"add": [], "load": [], "query": [], "verify": []} for flag in (False, True)
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = vl.connect(Path(tmp) / "db", embedding_cache=False)
        collections = {
            flag: db.create_collection(f"c{int(flag)}", dim=args.dim, vector_checksums=flag)
            for flag in (False, True)
        }
        for c in collections.values():
            c.auto_optimize_rows = 0  # the same writes on both sides, no upkeep in the window
        for start in range(0, args.rows, BATCH):  # interleaved, batch by batch
            for flag, c in collections.items():
                stop = start + BATCH
                results[flag]["add"].append(
                    timed(lambda c=c, s=start, e=stop: c.add(ids=ids[s:e], vectors=vectors[s:e]))
                )
        for _ in range(args.repeat):
            for flag in (False, True):
                fresh = db.get_collection(f"c{int(flag)}")  # a new handle: the cache loads
                found = results[flag]
                found["load"].append(timed(lambda f=fresh: f.query(vector=query, k=10)))
                found["query"].append(timed(lambda f=fresh: f.query(vector=query, k=10)))
                found["verify"].append(timed(lambda f=fresh: f.verify()))
    summary = {
        flag: {key: (sum(v) if key == "add" else statistics.median(v)) for key, v in found.items()}
        for flag, found in results.items()
    }
    off, on = summary[False], summary[True]
    rows = [
        ("add all rows (s)", "add", 1.0),
        ("first query: cache load (ms)", "load", 1000.0),
        ("query once loaded (ms)", "query", 1000.0),
        ("verify() (ms)", "verify", 1000.0),
    ]
    title = "vector checksums: cost on write and query" + (" (quick)" if args.quick else "")
    lines = [
        f"{args.rows:,} rows x {args.dim} dims, random float32, added in batches of "
        f"{BATCH:,}; median of {args.repeat} where repeated. The checksum is a CRC-32 of each "
        "vector's bytes, computed on every write and checked when the exact-search cache "
        "loads vectors and by verify().",
        "",
        "| case | without | with checksums | ratio |",
        "|---|---:|---:|---:|",
        *(
            f"| {label} | {off[key] * scale:.2f} | {on[key] * scale:.2f} | "
            f"{on[key] / off[key]:.2f} |"
            for label, key, scale in rows
        ),
    ]
    publish(title, lines, args.output)


if __name__ == "__main__":
    main()
