"""The in-process graph index (``create_index(kind="hnsw")``): its answers agree with exact
search after every kind of write, its distances are exact, filters keep their recall at every
selectivity, and a new process loads the saved graph instead of building it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab.errors import InvalidInputError

DIM = 32
N = 6000


def structured(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    """Vectors near an 8-dimensional subspace, as real embeddings are (recall on pure noise
    says little about any ANN index)."""
    basis = np.random.default_rng(99).standard_normal((8, dim))
    v = rng.standard_normal((n, 8)) @ basis + 0.3 * rng.standard_normal((n, dim))
    return v.astype(np.float32)


def filled(tmp_path: Path, metric: str = "cosine", n: int = N, **graph: Any) -> vl.Collection:
    c = vl.connect(tmp_path, embedding_cache=False).create_collection("c", dim=DIM, distance=metric)
    rng = np.random.default_rng(0)
    c.add(
        ids=[f"r{i:05d}" for i in range(n)],
        vectors=structured(rng, n),
        metadatas=[{"cat": i % 10, "rare": i % 1000, "half": i % 2 == 0} for i in range(n)],
    )
    made = c.create_index("hnsw", **graph)
    assert made["kind"] == "hnsw"
    return c


def recall(c: vl.Collection, queries: np.ndarray, k: int = 10, where: Any = None) -> float:
    """Mean recall@k of the graph against exact search; also checks that every distance the
    graph path returns is the exact distance of that row."""
    found = []
    for q in queries:
        got = c.query(vector=q, k=k, where=where)
        want = c.query(vector=q, k=k, where=where, exact=True)
        exact = dict(zip(want.ids, want.to_arrow().column("_distance").to_pylist(), strict=True))
        for hit_id, d in zip(got.ids, got.to_arrow().column("_distance").to_pylist(), strict=True):
            if hit_id in exact:
                assert d == pytest.approx(exact[hit_id], abs=1e-6)
        found.append(len(set(got.ids) & set(want.ids)) / max(1, len(want.ids)))
    return float(np.mean(found))


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2"])
def test_agrees_with_exact_search(tmp_path: Path, metric: str) -> None:
    c = filled(tmp_path, metric)
    queries = structured(np.random.default_rng(5), 25)
    assert recall(c, queries) >= 0.95
    assert c.explain(vector=queries[0])["vector"]["path"] == "graph"
    # the hit's own fields come back, as from any other path
    hit = c.query(vector=queries[0], k=1, exact=False)[0]
    assert hit.metadata["cat"] in range(10)


def test_every_kind_of_write_keeps_it_in_step(tmp_path: Path) -> None:
    c = filled(tmp_path)
    rng = np.random.default_rng(1)
    queries = structured(np.random.default_rng(6), 20)
    graph = c.stats()["graph"]
    assert graph["builds"] == 1 and graph["rows"] == N

    new = structured(rng, 300)
    c.add(ids=[f"n{i}" for i in range(300)], vectors=new)  # adds
    assert c.query(vector=new[7], k=1).ids == ["n7"]
    c.upsert(ids=["r00010"], vectors=new[:1] * -1)  # an upsert moves a row
    assert c.query(vector=new[0] * -1, k=1).ids == ["r00010"]
    c.delete([f"r{i:05d}" for i in range(600)])  # deletes
    gone = {f"r{i:05d}" for i in range(600)}
    for q in queries[:5]:
        assert not gone & set(c.query(vector=q, k=50).ids)
    assert recall(c, queries) >= 0.95
    after = c.stats()["graph"]
    assert after["builds"] == 1  # patched in place, not rebuilt
    assert after["rows"] == N + 300 - 600

    c.optimize()  # compaction renumbers every row: the graph is built again
    assert recall(c, queries) >= 0.95
    assert c.stats()["graph"]["builds"] == 2


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> vl.Collection:
    """20,000 rows; ``exact_rows`` is low so that filters keeping 10% and 50% take the graph."""
    return filled(tmp_path_factory.mktemp("wide"), n=20_000, exact_rows=500)


@pytest.mark.parametrize("share", [0.5, 0.1, 0.01, 0.001])
def test_filters_keep_their_recall_at_every_selectivity(wide: vl.Collection, share: float) -> None:
    """A filter that keeps few rows is searched exactly over them; one that keeps many widens
    the graph search, keeping only the rows that match."""
    c = wide
    where = {
        0.5: {"half": True},
        0.1: {"cat": 3},
        0.01: {"rare": {"$lt": 10}},
        0.001: {"rare": 7},
    }[share]
    queries = structured(np.random.default_rng(7), 20)
    plan = c.explain(vector=queries[0], where=where)["vector"]["filter"]
    assert plan["matching_rows"] == pytest.approx(20_000 * share, rel=0.01)
    assert plan["path"] == ("graph-widened" if share >= 0.1 else "exact-subset")
    assert recall(c, queries, where=where) >= 0.95
    for q in queries[:3]:  # every hit matches
        assert all(h.metadata["cat"] == 3 for h in c.query(vector=q, k=10, where={"cat": 3}))


def test_a_new_process_loads_the_saved_graph(tmp_path: Path) -> None:
    c = filled(tmp_path)
    queries = structured(np.random.default_rng(8), 10)
    before = [c.query(vector=q, k=10).ids for q in queries]
    again = vl.connect(tmp_path, embedding_cache=False).get_collection("c")
    assert [again.query(vector=q, k=10).ids for q in queries] == before
    graph = again.stats()["graph"]
    assert graph["builds"] == 0 and graph["loaded_from"].endswith(".usearch")
    # writes from another handle: the saved graph is patched forward, not rebuilt
    c.add(ids=["late"], vectors=queries[:1])
    third = vl.connect(tmp_path, embedding_cache=False).get_collection("c")
    assert third.query(vector=queries[0], k=1).ids == ["late"]
    assert third.stats()["graph"]["builds"] == 0


def test_auto_picks_the_graph_while_the_vectors_fit_memory(tmp_path: Path) -> None:
    c = vl.connect(tmp_path, embedding_cache=False).create_collection("c", dim=DIM)
    c.add(ids=[f"r{i}" for i in range(400)], vectors=structured(np.random.default_rng(0), 400))
    assert c.create_index("auto")["kind"] == "hnsw"
    assert any(ix["type"].startswith("HNSW (in process") for ix in c.list_indexes())
    c.exact_cache_bytes = 1000  # now they do not: LanceDB's IVF index, and the graph goes
    assert c.create_index("auto")["kind"].startswith("ivf")
    assert c.stats()["graph"] is None
    assert not list((tmp_path / ".vecstore_lab" / "graphs").glob("c.*"))
    assert c.explain(vector=np.ones(DIM, np.float32))["vector"]["path"] == "lancedb-index"


def test_exact_true_bypasses_the_graph(tmp_path: Path) -> None:
    c = filled(tmp_path, n=1000)
    q = structured(np.random.default_rng(9), 1)[0]
    assert c.explain(vector=q, exact=True)["vector"]["path"] == "memory"
    assert recall(c, q[None]) >= 0.9


@pytest.mark.parametrize(
    "params",
    [{"m": 1}, {"ef": "wide"}, {"dtype": "f64"}, {"rebuild_ratio": 0}, {"colour": 3}],
)
def test_bad_parameters_are_typed_errors(tmp_path: Path, params: dict[str, Any]) -> None:
    c = vl.connect(tmp_path, embedding_cache=False).create_collection("c", dim=DIM)
    c.add(ids=["a"], vectors=np.ones((1, DIM), np.float32))
    with pytest.raises(InvalidInputError):
        c.create_index("hnsw", **params)
    assert c.stats()["graph"] is None


def test_a_deleted_collections_graph_goes_with_it(tmp_path: Path) -> None:
    c = filled(tmp_path, n=500)
    db = vl.connect(tmp_path, embedding_cache=False)
    db.delete_collection("c")
    assert not list((tmp_path / ".vecstore_lab" / "graphs").glob("c.*"))
    again = db.create_collection("c", dim=DIM)
    again.add(ids=["a"], vectors=np.ones((1, DIM), np.float32))
    assert again.stats()["graph"] is None  # a new collection of that name has no index
    assert c.name == "c"


def test_a_small_filters_rows_are_gathered_once_and_follow_writes(tmp_path: Path) -> None:
    """An exact-subset search keeps the rows it gathered for the next query with the same
    filter, and a write (a new table version) is never answered from the old ones."""
    c = filled(tmp_path)
    q = structured(np.random.default_rng(8), 1)[0]
    where = {"cat": 3}
    assert c.explain(vector=q, where=where)["vector"]["filter"]["path"] == "exact-subset"
    first = c.query(vector=q, k=5, where=where)
    held = c.stats()["graph"]["filter_bytes"]
    assert held >= (N // 10) * DIM * 4  # the 600 matching rows' float32 vectors
    assert c.query(vector=q, k=5, where=where).ids == first.ids  # from the kept rows
    assert first.ids == c.query(vector=q, k=5, where=where, exact=True).ids

    c.add(ids=["near"], vectors=[q * 2], metadatas=[{"cat": 3, "rare": 0, "half": True}])
    again = c.query(vector=q, k=5, where=where)
    assert again.ids == ["near", *first.ids[:4]]
    assert again[0].distance == pytest.approx(0.0, abs=1e-6)
    c.delete(["near"])
    assert c.query(vector=q, k=5, where=where).ids == first.ids


SAVE_CHILD = """
import sys, numpy as np, vecstore_lab as vl
from vecstore_lab._search import graph
import time
from vecstore_lab._search import graph_files
graph._BACKGROUND_ROWS = 1000  # this graph counts as large: saved in a thread of its own
real_save = graph_files.GraphFiles.save
def slow_save(self, *args):  # a slow disk: the file lands a second after create_index returns
    time.sleep(1.0)
    real_save(self, *args)
graph_files.GraphFiles.save = slow_save
c = vl.connect(sys.argv[1], embedding_cache=False).create_collection("c", dim=32)
rng = np.random.default_rng(0)
c.add(ids=[f"r{i}" for i in range(3000)], vectors=rng.standard_normal((3000, 32)).astype("f4"))
c.create_index("hnsw")
again = vl.connect(sys.argv[1], embedding_cache=False).get_collection("c")  # a second handle
again.query(vector=np.ones(32, np.float32), k=3)
print(again.stats()["graph"]["builds"], again.stats()["graph"]["loaded_from"] is not None)
"""


def test_a_large_graph_saved_in_the_background_is_loaded_by_the_next_process(
    tmp_path: Path,
) -> None:
    """A large graph's file is written in a thread of its own (create_index does not wait for
    it; the process does, at exit): another handle opened meanwhile waits for the file, and
    the next process loads it, neither building its own."""
    child = subprocess.run(
        [sys.executable, "-c", SAVE_CHILD, str(tmp_path)],
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert child.stdout.split() == ["0", "True"]  # a handle opened meanwhile waits, and loads
    c = vl.connect(tmp_path, embedding_cache=False).get_collection("c")
    c.query(vector=np.ones(DIM, np.float32), k=3)
    graph = c.stats()["graph"]
    assert graph["builds"] == 0 and graph["loaded_from"].endswith(".usearch")
    assert graph["rows"] == 3000 and graph["save_failure"] is None
