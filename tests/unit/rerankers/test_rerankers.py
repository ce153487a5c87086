"""Rerankers: protocol, registry, fusion/MMR/function rerankers and the query integration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.rerankers import (
    FunctionReranker,
    LinearCombinationReranker,
    MMRReranker,
    Reranker,
    RRFReranker,
    get_reranker,
    list_rerankers,
    register_reranker,
    registry,
    resolve_reranker,
    with_scores,
)


@pytest.fixture
def vectors_collection(tmp_path: Path) -> vl.Collection:
    c = vl.connect(tmp_path).create_collection("v", dim=3)
    c.add(
        ids=["a", "a_dup", "b", "c"],
        texts=["alpha original", "alpha near copy", "beta diverse", "gamma far"],
        vectors=[[1, 0, 0], [1, 0.01, 0], [0.8, 0.6, 0], [0, 0, 1]],
    )
    return c


def test_registry() -> None:
    assert list_rerankers() == ["colbert", "cross-encoder", "linear", "mmr", "rrf"]
    assert isinstance(get_reranker("rrf", k=10), RRFReranker)
    with pytest.raises(errors.UnknownComponentError, match="available: colbert"):
        get_reranker("nope")
    for r in (RRFReranker(), LinearCombinationReranker(), MMRReranker(), FunctionReranker(len)):
        assert isinstance(r, Reranker)
        assert isinstance(r.config(), dict)


def test_mmr_drops_a_near_duplicate(vectors_collection: vl.Collection) -> None:
    q = [1, 0.1, 0]
    plain = vectors_collection.query(vector=q, k=3)
    assert plain.ids == ["a_dup", "a", "b"]
    mmr = vectors_collection.query(vector=q, k=3, rerank=MMRReranker(lambda_=0.5))
    assert mmr.ids == ["a_dup", "b", "c"]  # "a" adds nothing once its near copy is in
    b = next(h for h in mmr if h.id == "b")
    assert b.breakdown["retrieval_rank"] == 3 and b.breakdown["rank_change"] == 1
    assert b.breakdown["final_rank"] == 2
    assert mmr[0].breakdown["rank_change"] == 0
    # lambda 1 is pure relevance: the order does not change.
    same = vectors_collection.query(vector=q, k=3, rerank=MMRReranker(lambda_=1.0))
    assert same.ids == plain.ids
    assert all(h.breakdown["rank_change"] == 0 for h in same)
    assert "vector" not in mmr.to_arrow().column_names  # fetched for MMR, not returned


def test_mmr_scores_by_hand() -> None:
    hits = pa.table({"id": ["x", "y"], "vector": [[1.0, 0.0], [0.6, 0.8]]})
    out = MMRReranker(lambda_=0.25).rerank("", hits, query_vector=np.array([0.6, 0.8]))
    # first pick: max 0.25 * relevance -> y (rel 1.0); then x: 0.25*0.6 - 0.75*0.6 = -0.3
    assert out.column("id").to_pylist() == ["y", "x"]
    assert out.column("_rerank_score").to_pylist() == pytest.approx([0.25, -0.3])
    with pytest.raises(errors.InvalidInputError, match="needs the hits' vectors"):
        MMRReranker().rerank("", hits.drop_columns(["vector"]), query_vector=np.ones(2))


def test_rrf_reranker_matches_hand_computation() -> None:
    hits = pa.table(
        {
            "id": ["a", "b", "c"],
            "_vector_rank": pa.array([1, 2, None], pa.int32()),
            "_fts_rank": pa.array([3, None, 1], pa.int32()),
        }
    )
    out = RRFReranker(k=10).rerank("q", hits)
    expected = {"a": 1 / 11 + 1 / 13, "b": 1 / 12, "c": 1 / 11}
    got = dict(
        zip(out.column("id").to_pylist(), out.column("_rerank_score").to_pylist(), strict=True)
    )
    assert got == pytest.approx(expected)
    assert out.column("id").to_pylist() == ["a", "c", "b"]


def test_linear_reranker_extremes() -> None:
    hits = pa.table(
        {
            "id": ["a", "b", "c"],
            "_vector_score": [0.9, 0.5, 0.1],
            "_fts_score": [1.0, 3.0, 2.0],
        }
    )
    assert LinearCombinationReranker(alpha=1.0).rerank("q", hits).column("id").to_pylist() == [
        "a",
        "b",
        "c",
    ]
    assert LinearCombinationReranker(alpha=0.0).rerank("q", hits).column("id").to_pylist() == [
        "b",
        "c",
        "a",
    ]
    with pytest.raises(ValueError, match="alpha"):
        LinearCombinationReranker(alpha=-0.1)


def test_fusion_objects_in_hybrid_queries(docs: vl.Collection) -> None:
    by_name = docs.query("cat garden", k=5, mode="hybrid", fusion="rrf", rrf_k=10)
    by_object = docs.query("cat garden", k=5, mode="hybrid", fusion=RRFReranker(k=10))
    assert by_name.ids == by_object.ids and by_name.scores == by_object.scores
    lin = docs.query("cat garden", k=5, mode="hybrid", fusion=LinearCombinationReranker(1.0))
    assert lin.ids == docs.query("cat garden", k=5).ids
    with pytest.raises(errors.InvalidInputError, match="fusion must be"):
        docs.query("cat", mode="hybrid", fusion=42)


def test_function_reranker_and_plain_functions(docs: vl.Collection) -> None:
    def shortest_first(query: str, hits: list[dict[str, object]]) -> list[float]:
        return [-len(str(h["text"])) for h in hits]

    res = docs.query("cat", k=5, rerank=shortest_first)
    lengths = [len(h.text or "") for h in res]
    assert lengths == sorted(lengths)
    assert [h.score for h in res] == [-n for n in lengths]
    for hit in res:  # breakdown is consistent with the final order
        b = hit.breakdown
        assert b["final_rank"] == hit.rank
        assert b["rank_change"] == b["retrieval_rank"] - hit.rank
        assert b["rerank_score"] == hit.score
    wrapped = FunctionReranker(shortest_first, name="short")
    assert docs.query("cat", k=5, rerank=wrapped).ids == res.ids


def test_rerank_k_controls_the_candidate_pool(docs: vl.Collection) -> None:
    seen: list[int] = []

    def spy(query: str, hits: list[dict[str, object]]) -> list[float]:
        seen.append(len(hits))
        return [0.0] * len(hits)

    docs.query("cat", k=2, rerank=spy, rerank_k=3)
    docs.query("cat", k=2, rerank=spy)
    assert seen == [3, 5]  # default max(3k, 30), capped by the 5 rows stored
    with pytest.raises(errors.InvalidInputError, match="rerank_k"):
        docs.query("cat", k=3, rerank=spy, rerank_k=2)


def test_rerank_edge_cases(db: vl.VecDatabase, docs: vl.Collection) -> None:
    empty = db.create_collection("empty")
    for rr in (MMRReranker(), RRFReranker(), FunctionReranker(lambda q, h: [1.0] * len(h))):
        assert len(empty.query("anything", k=3, rerank=rr, mode="hybrid")) == 0
    big = docs.query("cat", k=50, rerank=MMRReranker())
    assert len(big) == 5 and sorted(big.ids) == sorted(docs.get().ids)
    schema_plain = docs.query("cat", k=3).to_arrow().schema
    schema_reranked = docs.query("cat", k=3, rerank="mmr").to_arrow().schema
    assert schema_plain == schema_reranked


def test_bad_rerankers(docs: vl.Collection) -> None:
    with pytest.raises(errors.RerankerError, match="one score per hit"):
        docs.query("cat", rerank=lambda q, hits: [1.0])
    with pytest.raises(errors.RerankerError, match="NaN"):
        docs.query("cat", rerank=lambda q, hits: [float("nan")] * len(hits))
    with pytest.raises(errors.InvalidInputError, match="rerank must be"):
        docs.query("cat", rerank=42)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInputError, match="pass text="):
        docs.query(vector=np.ones(32), rerank=lambda q, hits: [0.0] * len(hits))


def test_register_a_reranker() -> None:
    @register_reranker("reverse-test")
    class Reverse:
        name = "reverse-test"
        needs_vectors = False

        def config(self) -> dict[str, object]:
            return {}

        def rerank(self, query, hits, *, query_vector=None):  # type: ignore[no-untyped-def]
            from vecstore_lab.rerankers import with_scores

            return with_scores(hits, list(range(hits.num_rows)))

    try:
        assert isinstance(get_reranker("reverse-test"), Reverse)
    finally:
        registry._factories.pop("reverse-test")


def test_a_name_registered_again_resolves_to_the_new_factory() -> None:
    class First:
        name = "swap-test"
        needs_vectors = False

        def config(self) -> dict[str, object]:
            return {}

        def rerank(self, query, hits, *, query_vector=None):  # type: ignore[no-untyped-def]
            return with_scores(hits, [0.0] * hits.num_rows)

    class Second(First):
        pass

    register_reranker("swap-test", First)
    first = resolve_reranker("swap-test")
    assert type(first) is First and resolve_reranker("swap-test") is first  # built once
    register_reranker("swap-test", Second, overwrite=True)
    second = resolve_reranker("swap-test")
    assert type(second) is Second and resolve_reranker("swap-test") is second
