"""Several writers on one collection: ids stay unique, batches stay whole, errors stay typed.

Two writer processes (``race_worker.py``) start their writes at the same instant, with a reader
process polling throughout. Before the write lock and the declared primary key, the overlapping
cases left 1,100 rows for 1,000 ids (upsert) and 250 for 200 (add), and a new-column race lost
a batch to an untyped "Retryable commit conflict".
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from helpers import run_threads

import vecstore_lab as vl

WORKER = Path(__file__).with_name("race_worker.py")
pytestmark = pytest.mark.slow


def new_collection(path: Path) -> vl.VecDatabase:
    db = vl.connect(path, embedding_cache=False)
    db.create_collection("race", dim=8)
    return db


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def race(
    path: Path, writers: list[list[dict[str, object]]], reader: dict[str, object] | None = None
) -> tuple[list[list[dict[str, object]]], dict[str, object] | None]:
    """Run the writers' op lists in parallel processes (and a reader); return their reports."""
    stop_file, go_file, ready = path / "stop", path / "go", path / "ready"
    ready.mkdir()
    base = {
        "uri": str(path / "db"),
        "collection": "race",
        "ready_dir": str(ready),
        "go_file": str(go_file),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps({**base, "role": "writer", "ops": ops})],
            stdout=subprocess.PIPE,
            text=True,
        )
        for ops in writers
    ]
    read_proc = None
    if reader is not None:
        spec = {**base, "role": "reader", "stop_file": str(stop_file), **reader}
        read_proc = subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(spec)], stdout=subprocess.PIPE, text=True
        )
    everyone = len(procs) + (read_proc is not None)
    deadline = time.time() + 120
    while len(list(ready.iterdir())) < everyone:
        assert time.time() < deadline, "the race's processes did not get ready"
        assert all(p.poll() is None for p in procs), "a writer died before the start"
        time.sleep(0.01)
    go_file.touch()
    outs = []
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0
        outs.append([json.loads(line) for line in out.splitlines()])
    # The race was real: every writer's ops ran at a time some other writer's were running.
    spans = [(min(o["start"] for o in out), max(o["end"] for o in out)) for out in outs if out]
    if len(spans) > 1:
        latest_start = max(start for start, _ in spans)
        earliest_end = min(end for _, end in spans)
        assert latest_start < earliest_end, f"the writers did not overlap: {spans}"
    for out in outs:
        for o in out:
            del o["start"], o["end"]
    read_report = None
    if read_proc is not None:
        stop_file.touch()
        out, _ = read_proc.communicate(timeout=120)
        assert read_proc.returncode == 0
        read_report = json.loads(out)
    return outs, read_report


def op(kind: str, writer: str, batch: str, id_list: list[str], **metadata: object) -> dict:
    return {
        "kind": kind,
        "writer": writer,
        "batch": batch,
        "ids": id_list,
        "metadata": metadata,
    }


def assert_unique(c: vl.Collection) -> list[str]:
    stored = c.to_arrow().column("id").to_pylist()
    assert len(stored) == len(set(stored)), Counter(stored).most_common(3)
    return stored


def test_upsert_races_on_disjoint_and_overlapping_new_ids(tmp_path: Path) -> None:
    db = new_collection(tmp_path / "db")
    shared = ids("s", 300)
    writers = [
        [op("upsert", w, f"{w}{r}", [*shared, *ids(f"{w}{r}-", 50)]) for r in range(4)]
        for w in ("A", "B")
    ]
    sizes = {f"{w}{r}": 350 for w in ("A", "B") for r in range(4)}
    outs, read = race(tmp_path, writers, reader={})
    assert all(o == {"ok": True} for out in outs for o in out), outs
    c = db.get_collection("race")
    stored = assert_unique(c)
    assert set(stored) == set(shared) | {i for b in sizes for i in ids(f"{b}-", 50)}
    assert len(stored) == 300 + 8 * 50
    assert read is not None and read["reads"] > 0 and read["problems"] == []


def test_upserts_of_existing_ids_replace_whole_batches(tmp_path: Path) -> None:
    db = new_collection(tmp_path / "db")
    existing = ids("e", 400)
    c = db.get_collection("race")
    c.add(ids=existing, vectors=np.ones((400, 8), np.float32), metadatas=[{"batch": "seed"}] * 400)
    writers = [[op("upsert", w, f"{w}{r}", existing) for r in range(4)] for w in ("A", "B")]
    outs, read = race(tmp_path, writers, reader={"same_batch": True})
    assert all(o == {"ok": True} for out in outs for o in out), outs
    stored = assert_unique(c)
    assert sorted(stored) == sorted(existing)
    batches = set(c.to_arrow().column("batch").to_pylist())
    assert len(batches) == 1 and batches != {"seed"}  # the last batch wrote every row
    assert read is not None and read["problems"] == []


def test_add_races_raise_duplicate_id_error_for_exactly_the_clashing_ids(tmp_path: Path) -> None:
    db = new_collection(tmp_path / "db")
    writers = [
        [
            op("add", w, f"{w}0", ids("x", 200)),  # both try the same new ids
            op("add", w, f"{w}1", [*ids("y", 20), *ids(f"{w}own", 30)]),  # overlap + own
        ]
        for w in ("A", "B")
    ]
    outs, read = race(tmp_path, writers, reader={})
    for step, wanted in ((0, ids("x", 200)), (1, ids("y", 20))):
        results = [out[step] for out in outs]
        assert sorted(map(str, results)).count(str({"ok": True})) == 1, results
        loser = next(r for r in results if "error" in r)
        assert loser == {"error": "DuplicateIdError", "ids": sorted(wanted)}
    c = db.get_collection("race")
    stored = assert_unique(c)
    own = [i for i in stored if "own" in i]
    assert len(own) == 30  # the losing batch left nothing behind, the winner all of it
    assert len(stored) == 200 + 20 + 30
    assert read is not None and read["problems"] == []


def test_new_metadata_columns_added_at_once_lose_no_batch(tmp_path: Path) -> None:
    db = new_collection(tmp_path / "db")
    writers = [
        [op("upsert", w, f"{w}{r}", ids(f"{w}{r}-", 40), **{f"col_{w}_{r}": r}) for r in range(4)]
        for w in ("A", "B")
    ]
    sizes = {f"{w}{r}": 40 for w in ("A", "B") for r in range(4)}
    outs, read = race(tmp_path, writers, reader={"batch_sizes": sizes})
    assert all(o == {"ok": True} for out in outs for o in out), outs
    c = db.get_collection("race")
    assert len(assert_unique(c)) == 8 * 40
    table = c.to_arrow()
    for w in ("A", "B"):
        for r in range(4):
            col = table.column(f"col_{w}_{r}").to_pylist()
            assert sum(v == r for v in col) == 40
    assert read is not None and read["problems"] == []


def test_mixed_writes_and_deletes_keep_ids_unique(tmp_path: Path) -> None:
    db = new_collection(tmp_path / "db")
    c = db.get_collection("race")
    pool = ids("m", 120)
    rng = np.random.default_rng(7)
    writers = []
    for w in ("A", "B"):
        ops = []
        for r in range(10):
            chosen = sorted(rng.choice(pool, size=40, replace=False).tolist())
            kind = ["upsert", "add", "delete", "update"][r % 4]
            ops.append(op(kind, w, f"{w}{r}", chosen))
        writers.append(ops)
    outs, _ = race(tmp_path, writers)
    allowed = {"DuplicateIdError", "IdNotFoundError"}
    for out in outs:
        for o in out:
            assert o == {"ok": True} or o["error"] in allowed, o
    assert_unique(c)


def test_threads_with_separate_handles_do_not_duplicate(tmp_path: Path) -> None:
    new_collection(tmp_path / "db")
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}
    new_ids = ids("t", 300)

    def write(name: str) -> None:
        c = vl.connect(tmp_path / "db", embedding_cache=False).get_collection("race")
        vecs = np.ones((300, 8), np.float32)
        barrier.wait()
        c.upsert(ids=new_ids, vectors=vecs)
        barrier.wait()
        try:
            c.add(ids=ids("u", 100), vectors=vecs[:100])
            results[name] = "ok"
        except vl.errors.DuplicateIdError as exc:
            results[name] = f"dup {len(exc.ids)}"

    run_threads(write, [("a",), ("b",)])
    assert sorted(results.values()) == ["dup 100", "ok"]
    c = vl.connect(tmp_path / "db").get_collection("race")
    assert len(assert_unique(c)) == 400


def test_get_or_create_from_several_threads_at_once(tmp_path: Path) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def create() -> None:
        db = vl.connect(tmp_path / "db", embedding_cache=False)
        barrier.wait()
        try:
            db.get_or_create_collection("shared", dim=8).upsert(
                ids=["x"], vectors=np.ones((1, 8), np.float32)
            )
        except BaseException as exc:  # collected: the assertion below names it
            errors.append(exc)

    run_threads(create, [()] * 4)
    assert errors == []
    c = vl.connect(tmp_path / "db").get_collection("shared")
    assert c.get().ids == ["x"]
