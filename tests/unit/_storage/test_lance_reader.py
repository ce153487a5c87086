"""Reads through ``lance`` alone (``LanceReader``): they see every commit, whoever made it,
rows by row id come back in the order asked for or not at all, a full scan stops when the
process exits, and a new process opens a collection and answers a query through its saved
graph without importing LanceDB, which it imports only when it writes."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab._storage import lance_reader
from vecstore_lab._storage.lance_reader import LanceReader


def vectors(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 8)).astype(np.float32)


def test_it_follows_every_commit_and_takes_rows_in_the_order_asked(tmp_path: Path) -> None:
    c = vl.connect(tmp_path, embedding_cache=False).create_collection("docs", dim=8)
    c.add(ids=[f"r{i}" for i in range(20)], vectors=vectors(20))
    reader = LanceReader(tmp_path / "docs.lance")
    assert (reader.version, reader.count()) == (c.version, 20)
    rowids = reader.rowids()
    assert np.array_equal(rowids, c.rowids())
    picked = rowids[[7, 2, 15]]
    got = reader.take(picked, ["id"])
    assert got is not None and got.column("id").to_pylist() == ["r7", "r2", "r15"]
    assert reader.take(picked[:0], ["id"]) is not None
    # another handle (a second connection) writes: the next read sees it
    other = vl.connect(tmp_path, embedding_cache=False).get_collection("docs")
    other.delete(["r2"])
    other.add(ids=["new"], vectors=vectors(1, seed=5))
    assert (reader.version, reader.count()) == (other.version, 20)
    assert reader.take(picked, ["id"]) is None  # r2's row is gone: not a shorter table
    # a compaction renumbers every row: the old ids find nothing, and nothing breaks
    other.optimize()
    assert reader.take(picked[[0, 2]], ["id"]) is None
    scanned = reader.with_rowids(["id"], None).column("id").to_pylist()
    assert sorted(scanned) == sorted(other.to_arrow().column("id").to_pylist())


def test_a_scan_stops_when_the_process_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = vl.connect(tmp_path, embedding_cache=False).create_collection("docs", dim=8)
    c.add(ids=[f"r{i}" for i in range(50)], vectors=vectors(50))
    reader = LanceReader(tmp_path / "docs.lance")
    assert reader.with_rowids(["id"], None).num_rows == 50
    monkeypatch.setattr(lance_reader, "_EXITING", type(lance_reader._EXITING)())
    lance_reader._EXITING.set()
    with pytest.raises(RuntimeError, match="exiting"):
        reader.with_rowids(["id"], None)


def test_only_a_live_local_store_with_fresh_reads_has_a_reader(tmp_path: Path) -> None:
    c = vl.connect(tmp_path, embedding_cache=False).create_collection("docs", dim=8)
    c.add(ids=["a"], vectors=vectors(1))
    c.add(ids=["b"], vectors=vectors(1, seed=1))
    assert c.store.reader is not None
    assert c.checkout(c.version - 1).store.reader is None  # pinned to its version: LanceDB
    lax = vl.connect(tmp_path, embedding_cache=False, read_consistency_interval=None)
    assert lax.get_collection("docs").store.reader is None  # reads need not see others' commits
    eventual = vl.connect(tmp_path, read_consistency_interval=dt.timedelta(seconds=5))
    assert eventual.get_collection("docs").store.reader is None


def test_tables_are_listed_as_lancedb_lists_them(tmp_path: Path) -> None:
    db = vl.connect(tmp_path, embedding_cache=False)
    for name in ("a", "b_2", "c.d"):
        db.create_collection(name, dim=8)
    (tmp_path / "stray.lance").write_text("a file, not a table")
    fresh = vl.connect(tmp_path, embedding_cache=False)
    listed = sorted(fresh.connection.names())  # the directory, read before LanceDB is imported
    assert listed == sorted(fresh.connection.db.list_tables().tables)
    assert fresh.list_collections() == ["a", "b_2", "c.d"]
    assert vl.connect(tmp_path / "not-yet", embedding_cache=False).list_collections() == []


CHILD = """
import json, sys, numpy as np, vecstore_lab as vl
c = vl.connect(sys.argv[1], embedding_cache=False).get_collection("c")
q = np.asarray(json.loads(sys.argv[2]), np.float32)
ids = c.query(vector=q, k=5).ids
before = "lancedb" in sys.modules
graph = c.stats()["graph"]
c.add(ids=["late"], vectors=q[None, :])  # a write opens the LanceDB table
after = c.query(vector=q, k=1).ids
print(json.dumps([ids, before, graph["builds"], bool(graph["loaded_from"]), after,
                  "lancedb" in sys.modules]))
"""


def test_a_new_process_answers_through_the_saved_graph_without_lancedb(tmp_path: Path) -> None:
    c = vl.connect(tmp_path, embedding_cache=False).create_collection("c", dim=8)
    c.add(ids=[f"r{i}" for i in range(3000)], vectors=vectors(3000))
    c.create_index("hnsw")
    q = vectors(1, seed=9)[0]
    want = c.query(vector=q, k=5).ids
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), json.dumps(q.tolist())],
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    ids, imported, builds, loaded, after, imported_after = json.loads(child.stdout)
    assert ids == want and (builds, loaded) == (0, True)
    assert imported is False  # open, load the graph, answer: lance alone
    assert after == ["late"] and imported_after is True
