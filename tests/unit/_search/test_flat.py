"""The in-memory exact search gives LanceDB's exact answers: the same ids in the same order
and the same float32 distances (to the last place or two, where the sums round differently),
on random and adversarial data, through writes of every kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import vecstore_lab as vl

DIM = 16


def lancedb_exact(c: vl.Collection, q: np.ndarray, k: int, where: str | None = None) -> Any:
    """LanceDB's own flat search on the collection's table, bypassing our code."""
    search = c.table.search(q, vector_column_name="vector").distance_type(c.distance)
    search = search.select(["id"]).limit(k).bypass_vector_index()
    if where:
        search = search.where(where, prefilter=True)
    out = search.to_arrow()
    return out.column("id").to_pylist(), out.column("_distance").to_numpy()


def ours(c: vl.Collection, q: np.ndarray, k: int, where: Any = None) -> Any:
    res = c.query(vector=q, k=k, where=where)
    return res.ids, res.to_arrow().column("_distance").to_numpy()


def same(c: vl.Collection, q: np.ndarray, k: int, where: str | None = None) -> None:
    got_ids, got_d = ours(c, q, k, where)
    want_ids, want_d = lancedb_exact(c, q, k, where)
    assert got_ids == want_ids
    # float32 both ways; the sums may round differently in the last place (SIMD order)
    np.testing.assert_allclose(got_d, want_d, rtol=1e-6, atol=1e-6)


def memory_path(c: vl.Collection, q: np.ndarray, **knobs: Any) -> str:
    """Where ``explain`` says the vector search runs (memory, lancedb-flat, lancedb-index)."""
    return str(c.explain(vector=q, k=3, **knobs)["vector"]["path"])


@pytest.fixture(params=["cosine", "dot", "l2"])
def metric(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["float32", "float16", "int8"])
def storage(request: pytest.FixtureRequest) -> str:
    """How the vectors are held: packed ones rank approximately, then the best candidates are
    scored again from float32, so the answers must not change."""
    return str(request.param)


def filled(
    tmp_path: Path, metric: str, vectors: np.ndarray, storage: str = "float32"
) -> vl.Collection:
    c = vl.connect(tmp_path, embedding_cache=False).create_collection(
        "c", dim=vectors.shape[1], distance=metric
    )
    c.exact_cache_storage = storage
    n = len(vectors)
    c.add(
        ids=[f"r{i:05d}" for i in range(n)],
        vectors=vectors,
        metadatas=[{"cat": i % 7, "half": i < n // 2} for i in range(n)],
    )
    return c


def test_random_vectors_and_filters(tmp_path: Path, metric: str, storage: str) -> None:
    rng = np.random.default_rng(0)
    c = filled(tmp_path, metric, rng.standard_normal((3000, DIM)).astype(np.float32), storage)
    for q in rng.standard_normal((5, DIM)).astype(np.float32):
        for k in (1, 10, 200):
            same(c, q, k)
        same(c, q, 10, "cat = 3")
        same(c, q, 10, "cat = 99")  # matches nothing: no hits
        same(c, q, 10, "cat >= 0")  # matches everything
        same(c, q, 5000, "half = true")  # more asked than match
    assert memory_path(c, q) == "memory"


def test_ties_go_by_row_like_lancedb(tmp_path: Path, metric: str, storage: str) -> None:
    """Many rows with the very same vector: the cut and the order within a tie match."""
    rng = np.random.default_rng(1)
    base = rng.standard_normal((4, DIM)).astype(np.float32)
    vectors = base[rng.integers(0, 4, 2000)]
    c = filled(tmp_path, metric, vectors, storage)
    c.add(ids=[f"s{i}" for i in range(500)], vectors=base[rng.integers(0, 4, 500)])
    for q in base:
        for k in (1, 7, 100, 600):
            same(c, q, k)
        same(c, q, 50, "cat = 2")


def test_zero_vectors_are_refused_in_cosine_and_left_out_if_stored(tmp_path: Path) -> None:
    """A zero vector has no direction: a cosine collection refuses to store one (typed,
    nothing written). One stored by an older version or by LanceDB directly is left out
    of every search, in memory as in LanceDB."""
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((300, DIM)).astype(np.float32)
    vectors[[3, 50, 299]] = 0
    with pytest.raises(vl.errors.InvalidVectorError, match="all zeros") as info:
        filled(tmp_path, "cosine", vectors)
    assert "r00003" in str(info.value)
    c = vl.connect(tmp_path, embedding_cache=False).get_collection("c")
    assert len(c) == 0
    c.add(ids=[f"r{i:05d}" for i in range(300)], vectors=vectors + 1.0)
    zeros = c.get(ids=["r00003", "r00050", "r00299"], include_vectors=True).to_arrow()
    zeros = zeros.set_column(
        zeros.schema.get_field_index("vector"),
        "vector",
        pa.FixedSizeListArray.from_arrays(pa.array(np.zeros(3 * DIM, np.float32)), DIM),
    )
    c.table.merge_insert("id").when_matched_update_all().execute(zeros)
    q = rng.standard_normal(DIM).astype(np.float32)
    same(c, q, 400)
    assert len(c.query(vector=q, k=400)) == 297


def test_writes_between_queries(tmp_path: Path, metric: str, storage: str) -> None:
    """Adds (new fragments), upserts and updates (rows rewritten), deletes, a compaction
    and a restore: after each, the memory copy catches up and answers like LanceDB."""
    rng = np.random.default_rng(3)
    c = filled(tmp_path, metric, rng.standard_normal((1000, DIM)).astype(np.float32), storage)
    first = c.version
    q = rng.standard_normal(DIM).astype(np.float32)
    nearest = c.query(vector=q, k=5).ids
    same(c, q, 20)

    c.add(ids=["near"], vectors=[q * (100.0 if metric == "dot" else 1.0)])
    same(c, q, 20)
    assert c.query(vector=q, k=1).ids == ["near"]
    c.delete(ids=["near", nearest[0]])
    same(c, q, 20)
    assert "near" not in c.query(vector=q, k=50).ids
    c.upsert(ids=[nearest[1], "fresh"], vectors=rng.standard_normal((2, DIM)))
    same(c, q, 20)
    c.update(ids=[nearest[2]], vectors=[-q])
    same(c, q, 20)
    c.delete(where="cat = 1")
    same(c, q, 20)
    same(c, q, 20, "cat = 1")
    c.optimize()  # compaction: every row id changes
    same(c, q, 20)
    c.restore(first)
    same(c, q, 20)
    assert c.query(vector=q, k=5).ids == nearest


def test_over_budget_lancedb_answers(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    c = filled(tmp_path, "cosine", rng.standard_normal((500, DIM)).astype(np.float32))
    q = rng.standard_normal(DIM).astype(np.float32)
    c.exact_cache_bytes = 1000  # smaller than 500 vectors
    assert memory_path(c, q) == "lancedb-flat"
    assert c.stats()["exact_search"]["in_memory"] is False
    same(c, q, 10)
    c.exact_cache_bytes = 10**9
    assert memory_path(c, q) == "memory"
    assert c.stats()["exact_search"]["rows"] == 0  # loaded by the first exact query
    same(c, q, 10)
    stats = c.stats()["exact_search"]
    assert stats["in_memory"] is True and stats["rows"] == 500
    assert stats["bytes"] >= 500 * DIM * 4 and stats["budget_bytes"] == 10**9


def test_an_ann_index_is_used_unless_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    c = filled(tmp_path, "cosine", rng.standard_normal((600, DIM)).astype(np.float32))
    c.create_index("ivf_flat", num_partitions=4)
    q = rng.standard_normal(DIM).astype(np.float32)
    assert memory_path(c, q) == "lancedb-index"
    assert memory_path(c, q, exact=True) == "memory"
    exact = c.query(vector=q, k=10, exact=True)
    want, _ = lancedb_exact(c, q, 10)
    assert exact.ids == want
    approx = c.query(vector=q, k=10, nprobes=1)
    assert len(approx) == 10


def test_packed_storage_takes_less_memory_and_returns_full_vectors(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    vectors = rng.standard_normal((2000, 64)).astype(np.float32)
    c = filled(tmp_path, "cosine", vectors)
    q = rng.standard_normal(64).astype(np.float32)
    sizes = {}
    for storage in ("float32", "float16", "int8"):
        c.exact_cache_storage = storage
        got = c.query(vector=q, k=5, include_vectors=True)
        stats = c.stats()["exact_search"]
        assert stats["storage"] == storage and stats["rows"] == 2000
        sizes[storage] = stats["bytes"]
        for hit in got:  # the vectors given back are the stored float32 ones, not the packed
            np.testing.assert_array_equal(hit.vector, vectors[int(hit.id[1:])])
        same(c, q, 5)
    assert sizes["float16"] < 0.6 * sizes["float32"] and sizes["int8"] < 0.4 * sizes["float32"]
    with pytest.raises(vl.errors.InvalidInputError, match="exact_cache_storage"):
        c.exact_cache_storage = "float8"
