"""A writer (or reader) process for the concurrency tests: ``python race_worker.py SPEC``.

SPEC is JSON: ``{"uri", "collection", "ready_dir", "go_file", "role", "ops": [...]}``. A
process opens the collection, marks itself ready (a file in ``ready_dir``) and waits for
``go_file`` (so that several processes start their writes together); a writer runs its ops and
prints
one JSON line per op: ``{"ok": true}`` or ``{"error": "<ExceptionClass>", "ids": [...]}``. A
reader polls until ``stop_file`` exists and prints what it saw that a reader must never see.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

import vecstore_lab as vl


def vectors(ids: list[str]) -> np.ndarray:
    """Deterministic vectors from the ids, so that writes need no embedder."""
    out = np.zeros((len(ids), 8), dtype=np.float32)
    for row, i in enumerate(ids):
        rng = np.random.default_rng(zlib.crc32(i.encode()))
        out[row] = rng.normal(size=8)
    return out


def run_op(c: vl.Collection, op: dict[str, object]) -> dict[str, object]:
    """The op's outcome, with the wall-clock times it ran between (``start``, ``end``): the
    test checks from them that the writers really overlapped."""
    start = time.time()
    outcome = _run_op(c, op)
    return {**outcome, "start": start, "end": time.time()}


def _run_op(c: vl.Collection, op: dict[str, object]) -> dict[str, object]:
    ids = [str(i) for i in op["ids"]]  # type: ignore[attr-defined]
    meta = [dict(op.get("metadata") or {}, writer=op["writer"], batch=op["batch"]) for _ in ids]
    texts = [f"text of {i}" for i in ids]
    try:
        if op["kind"] == "add":
            c.add(ids=ids, texts=texts, vectors=vectors(ids), metadatas=meta)
        elif op["kind"] == "upsert":
            c.upsert(ids=ids, texts=texts, vectors=vectors(ids), metadatas=meta)
        elif op["kind"] == "update":
            c.update(ids=ids, metadatas=meta)
        elif op["kind"] == "delete":
            c.delete(ids=ids)
    except vl.errors.VecStoreError as exc:
        return {"error": type(exc).__name__, "ids": sorted(getattr(exc, "ids", []))}
    except Exception as exc:  # an untyped error is a failure the test reports
        return {"error": f"untyped {type(exc).__name__}: {exc}"}
    return {"ok": True}


def read_loop(
    c: vl.Collection, stop_file: Path, batch_sizes: dict[str, int], same_batch: bool
) -> dict[str, object]:
    problems: list[str] = []
    reads = 0
    while not stop_file.exists():
        table = c.to_arrow()
        reads += 1
        ids = table.column("id").to_pylist()
        dupes = [i for i, n in Counter(ids).items() if n > 1]
        if dupes:
            problems.append(f"duplicate ids {dupes[:3]}")
        if "batch" in table.column_names:
            seen = Counter(b for b in table.column("batch").to_pylist() if b is not None)
            problems.extend(
                f"batch {b} seen with {n} of {batch_sizes[b]} rows"
                for b, n in seen.items()
                if b in batch_sizes and n != batch_sizes[b]
            )
            if same_batch and len(seen) > 1:  # every write covered all rows: one batch shows
                problems.append(f"rows from {len(seen)} batches at once: {sorted(seen)[:4]}")
    return {"reads": reads, "problems": problems[:20]}


def main() -> None:
    spec = json.loads(sys.argv[1])
    db = vl.connect(spec["uri"], embedding_cache=False)
    c = db.get_collection(spec["collection"])
    c.count()  # the table is open and read once: the first op does no set-up work
    # Ready, then wait for the go: every process starts its writes at the same moment, however
    # long its imports took.
    Path(spec["ready_dir"], f"{os.getpid()}").touch()
    go = Path(spec["go_file"])
    while not go.exists():
        time.sleep(0.001)
    if spec["role"] == "reader":
        result = read_loop(
            c, Path(spec["stop_file"]), spec.get("batch_sizes", {}), spec.get("same_batch", False)
        )
        print(json.dumps(result), flush=True)
        return
    for op in spec["ops"]:
        print(json.dumps(run_op(c, op)), flush=True)


if __name__ == "__main__":
    main()
