"""ANN indexes users can trust: ``create_index`` (auto defaults), ``explain``,
``measure_recall``, ``stats``, and index upkeep deferred and batched after writes."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab._search.engine import auto_index
from vecstore_lab._storage import indexes as _indexes
from vecstore_lab.errors import InvalidInputError

DIM = 16


def collection(tmp_path: Path, n: int) -> vl.Collection:
    rng = np.random.default_rng(0)
    c = vl.connect(tmp_path, embedding_cache=False).create_collection("c", dim=DIM)
    c.add(
        ids=[f"r{i}" for i in range(n)],
        texts=[f"row {i} about topic{i % 5}" for i in range(n)],
        vectors=rng.standard_normal((n, DIM)).astype(np.float32),
        metadatas=[{"cat": i % 5} for i in range(n)],
    )
    return c


def test_auto_picks_from_size() -> None:
    assert auto_index(5_000, 384) == ("ivf_hnsw_sq", {"num_partitions": 1})
    assert auto_index(1_000_000, 384) == ("ivf_hnsw_sq", {"num_partitions": 4})
    assert auto_index(4_000_000, 384) == (
        "ivf_pq",
        {"num_partitions": 2000, "num_sub_vectors": 24},
    )
    assert auto_index(4_000_000, 100)[1]["num_sub_vectors"] == 12
    with pytest.raises(InvalidInputError, match="at least 256 rows"):
        auto_index(100, 384)


def test_index_then_exact_and_recall(tmp_path: Path) -> None:
    c = collection(tmp_path, 2000)
    q = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
    assert c.explain(vector=q)["vector"]["path"] == "memory"
    built = c.create_index("ivf_flat", num_partitions=8)
    assert built == {"kind": "ivf_flat", "params": {"num_partitions": 8}}
    plan = c.explain(vector=q, nprobes=2, where={"cat": 1})
    assert plan["vector"]["path"] == "lancedb-index"
    assert plan["vector"]["knobs"]["nprobes"] == 2
    assert plan["vector"]["index"]["type"].upper().startswith("IVF")
    assert "`cat` = 1" in plan["filter"]["sql"] and plan["filter"]["applied"].startswith("before")
    assert plan["vector"]["lancedb_plan"]
    assert c.explain(vector=q, exact=True)["vector"]["path"] == "memory"

    # IVF_FLAT probing every partition is exact; one partition of eight is not.
    full = c.measure_recall(sample=30, k=10, nprobes=8)
    assert full["recall"] == 1.0 and full["queries"] == 30 and full["knobs"] == {"nprobes": 8}
    narrow = c.measure_recall(sample=30, k=10, nprobes=1)
    assert narrow["recall"] < 1.0
    assert narrow["index_ms_p50"] > 0 and narrow["exact_ms_p50"] > 0


def test_auto_index_builds_the_graph_in_memory_and_lancedb_hnsw_above(tmp_path: Path) -> None:
    c = collection(tmp_path, 1000)
    assert c.create_index()["kind"] == "hnsw"  # the vectors fit the exact-search budget
    assert c.measure_recall(sample=20, k=5)["recall"] >= 0.9
    c.exact_cache_bytes = 1000  # they no longer do
    built = c.create_index()
    assert built["kind"] == "ivf_hnsw_sq"
    assert any("vector" in ix["columns"] for ix in c.list_indexes())
    assert c.measure_recall(sample=20, k=5, ef=200)["recall"] >= 0.9


def test_bad_index_requests(tmp_path: Path) -> None:
    c = collection(tmp_path, 300)
    with pytest.raises(InvalidInputError, match="kind must be"):
        c.create_index("btree")
    with pytest.raises(InvalidInputError, match="no vector index"):
        c.measure_recall()
    with pytest.raises(InvalidInputError, match="exact_cache_bytes"):
        c.exact_cache_bytes = -1
    with pytest.raises(InvalidInputError, match="exact must be"):
        c.query(vector=np.ones(DIM), exact="yes")  # type: ignore[arg-type]


def fts_backlog(c: vl.Collection) -> int:
    """The full-text index's backlog, once a fold running in the background has ended."""
    while c.stats()["upkeep_running"]:
        time.sleep(0.01)
    (fts,) = [ix for ix in c.stats()["indexes"] if ix["columns"] == ["text"]]
    return int(fts["unindexed_rows"])


def test_index_upkeep_is_deferred_and_batched(tmp_path: Path) -> None:
    """Rows wait outside the full-text index until the backlog passes both the threshold and
    the rows already indexed; they are found all along (searched without the index)."""
    c = collection(tmp_path, 40)
    c.auto_optimize_rows = 50
    assert fts_backlog(c) == 40
    c.add(ids=["x1"], texts=["zebra crossing"], vectors=np.ones((1, DIM)))
    assert fts_backlog(c) == 41
    assert c.query("zebra", mode="text", k=1).ids == ["x1"]  # found before upkeep
    c.add(ids=[f"y{i}" for i in range(20)], texts=["more rows"] * 20, vectors=np.ones((20, DIM)))
    assert fts_backlog(c) == 0  # 61 > 50 and > 0 indexed: upkeep ran
    c.add(ids=[f"z{i}" for i in range(55)], texts=["later"] * 55, vectors=np.ones((55, DIM)))
    assert fts_backlog(c) == 55  # 55 > 50 but not > 61 indexed: waits (doubling)
    c.add(ids=["w"], texts=["last"], vectors=np.ones((1, DIM)))
    assert fts_backlog(c) == 56
    c.add(ids=["v1", "v2", "v3", "v4", "v5", "v6"], texts=["v"] * 6, vectors=np.ones((6, DIM)))
    assert fts_backlog(c) == 0  # 62 > 61
    stats = c.stats()
    assert stats["rows"] == 123 and stats["exact_search"]["budget_bytes"] == c.exact_cache_bytes


def data_files(c: vl.Collection) -> dict[int, tuple[int, list[str]]]:
    """Each fragment's id: its rows and data files."""
    return {
        f.fragment_id: (f.count_rows(), [d.path for d in f.data_files()])
        for f in c.store.dataset().get_fragments()
    }


def test_upkeep_rewrites_no_data_and_merges_only_small_fragments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upkeep folds the backlog into the indexes without rewriting a data file (LanceDB's
    ``optimize`` rewrote the whole table), and merges small fragments once enough gathered,
    leaving large ones as they are."""
    monkeypatch.setattr(_indexes, "SMALL_ROWS", 100)
    monkeypatch.setattr(_indexes, "COMPACT_AT", 4)
    c = collection(tmp_path, 300)  # one large fragment
    c.optimize()  # its rows indexed
    c.auto_optimize_rows = 5
    q = np.random.default_rng(3).standard_normal(DIM).astype(np.float32)
    c.query(vector=q, k=5)  # the exact-search matrix is held, then patched after each write
    (big,) = data_files(c).items()
    c.add(ids=[f"a{i}" for i in range(10)], texts=["zebra"] * 10, vectors=np.ones((10, DIM)))
    assert fts_backlog(c) == 10  # 10 > 5 but not > 300 indexed: waits
    c.add(ids=[f"b{i}" for i in range(300)], texts=["b"] * 300, vectors=np.ones((300, DIM)))
    # the backlog passed the indexed rows: folded in, and no data file was written again
    assert fts_backlog(c) == 0 and c.stats()["upkeep_failure"] is None
    files = data_files(c)
    assert files[big[0]] == big[1] and len(files) == 3  # the 10-row one: the only small one
    for step in (1, 2):
        c.add(
            ids=[f"b{step}-{i}" for i in range(300)],
            texts=["later"] * 300,
            vectors=np.full((300, DIM), step, np.float32),
        )
    c.add(ids=["c1"], texts=["c"], vectors=np.ones((1, DIM)))
    c.add(ids=["c2"], texts=["c"], vectors=np.ones((1, DIM)))
    c.add(ids=["c3"], texts=["c"], vectors=np.ones((1, DIM)))  # 4 small fragments: merged
    files = data_files(c)
    assert files[big[0]] == big[1]  # still untouched
    # Lance merges neighbours: the three last ones; the 10-row one sits between large ones
    assert sorted(rows for rows, _ in files.values()) == [3, 10, 300, 300, 300, 300]
    assert len(c) == 1213
    assert sorted(c.query("zebra", mode="text", k=20).ids) == sorted(f"a{i}" for i in range(10))
    want = c.query(vector=q, k=5, exact=True)
    assert c.query(vector=q, k=5).ids == want.ids  # the held matrix followed the new row ids
