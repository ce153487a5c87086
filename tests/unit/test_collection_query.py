"""query(): vector / text / hybrid modes, distances, scores, filters and edge cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.fusion import rrf_scores
from vecstore_lab.results import BREAKDOWN_COLUMNS

if TYPE_CHECKING:
    from pathlib import Path

FIXED_COLUMNS = ["_score", "_distance", "_rank", *BREAKDOWN_COLUMNS]


def brute_force(vectors: np.ndarray, q: np.ndarray, distance: str) -> np.ndarray:
    if distance == "cosine":
        sims = vectors @ q / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(q))
        return np.argsort(-sims, kind="stable")
    if distance == "dot":
        return np.argsort(-(vectors @ q), kind="stable")
    return np.argsort(((vectors - q) ** 2).sum(axis=1), kind="stable")


@pytest.mark.parametrize("distance", ["cosine", "l2", "dot"])
def test_vector_search_matches_brute_force(tmp_path: Path, distance: str) -> None:
    rng = np.random.default_rng(42)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    c = vl.connect(tmp_path).create_collection("v", dim=16, distance=distance)
    c.add(ids=[str(i) for i in range(300)], vectors=vectors)
    q = rng.normal(size=16).astype(np.float32)
    res = c.query(vector=q, k=10)
    expected = [str(i) for i in brute_force(vectors, q, distance)[:10]]
    assert res.ids == expected
    assert [h.rank for h in res] == list(range(1, 11))
    scores = res.scores
    assert scores == sorted(scores, reverse=True), "score must be higher-is-better"
    top = vectors[int(res.ids[0])]
    d = res[0].distance
    if distance == "cosine":
        cos = float(top @ q / (np.linalg.norm(top) * np.linalg.norm(q)))
        assert d == pytest.approx(1 - cos, abs=1e-4)
        assert res[0].score == pytest.approx(cos, abs=1e-4)
    elif distance == "dot":
        assert res[0].score == pytest.approx(float(top @ q), rel=1e-4)
    else:
        sq = float(((top - q) ** 2).sum())
        assert d == pytest.approx(sq, rel=1e-4)
        assert res[0].score == pytest.approx(1 / (1 + sq), rel=1e-4)


def test_text_query_is_embedded(docs: vl.Collection) -> None:
    res = docs.query("the cat sat on the mat", k=2)
    assert res[0].id == "cat"
    assert res.mode == "vector"
    assert res[0].breakdown["vector_rank"] == 1


def test_full_text_mode_uses_bm25(docs: vl.Collection) -> None:
    res = docs.query("interest rates", k=5, mode="text")
    assert res.ids[0] == "bonds"
    assert set(res.ids) <= {"bonds", "stocks"}
    assert all(h.distance is None for h in res)
    assert res[0].breakdown.keys() == {"fts_score", "fts_rank", "final_rank"}


def test_full_text_covers_rows_added_after_the_index(docs: vl.Collection) -> None:
    docs.add(ids=["late"], texts=["a zebra crossed the savannah"])
    assert docs.query("zebra", mode="text", k=3).ids == ["late"]
    docs.optimize()
    assert docs.query("zebra", mode="text", k=3).ids == ["late"]


def test_hybrid_rrf_scores_match_hand_computation(docs: vl.Collection) -> None:
    res = docs.query("cat garden", k=5, mode="hybrid")
    for hit in res:
        b = hit.breakdown
        expected = sum(1 / (60 + b[r]) for r in ("vector_rank", "fts_rank") if r in b)
        assert hit.score == pytest.approx(expected)
        assert b["fused_score"] == pytest.approx(expected)
    assert res.scores == sorted(res.scores, reverse=True)
    assert res.ids[0] in {"cat", "dog"}
    # The rankings come from the vector and full-text queries on their own (not from the
    # hybrid result's breakdown): RRF over them, by hand, gives the hybrid scores and order.
    n = len(docs)
    by_hand: dict[str, float] = {}
    for ranking in (
        docs.query("cat garden", k=n, mode="vector").ids,
        docs.query("cat garden", k=n, mode="text").ids,
    ):
        for rank, row_id in enumerate(ranking, start=1):
            by_hand[row_id] = by_hand.get(row_id, 0.0) + 1 / (60 + rank)
    wide = docs.query("cat garden", k=5, mode="hybrid", candidates=n)
    assert {h.id: h.score for h in wide} == pytest.approx({i: by_hand[i] for i in wide.ids})
    assert wide.scores == pytest.approx(sorted(by_hand.values(), reverse=True)[:5])
    # Same numbers as the pure function on the two rankings.
    v = {h.id: h.breakdown["vector_rank"] for h in res if "vector_rank" in h.breakdown}
    f = {h.id: h.breakdown["fts_rank"] for h in res if "fts_rank" in h.breakdown}
    fused = rrf_scores(v, f)  # type: ignore[arg-type]
    assert {h.id: h.score for h in res} == pytest.approx(fused)


def test_hybrid_linear_alpha_extremes(docs: vl.Collection) -> None:
    vec = docs.query("bread starter markets", k=5, mode="vector").ids
    txt = docs.query("bread starter markets", k=5, mode="text").ids
    a1 = docs.query("bread starter markets", k=5, mode="hybrid", fusion="linear", alpha=1.0)
    a0 = docs.query("bread starter markets", k=5, mode="hybrid", fusion="linear", alpha=0.0)
    assert a1.ids == vec
    assert a0.ids[: len(txt)] == txt


def test_result_schema_is_fixed_across_modes(docs: vl.Collection) -> None:
    schemas = {
        mode: docs.query("cat", k=3, mode=mode).to_arrow().schema
        for mode in ("vector", "text", "hybrid")
    }
    assert schemas["vector"] == schemas["text"] == schemas["hybrid"]
    names = schemas["vector"].names
    assert names[:2] == ["id", "text"]
    assert names[-len(FIXED_COLUMNS) :] == FIXED_COLUMNS


def test_no_fts_matches_keeps_schema(docs: vl.Collection) -> None:
    res = docs.query("xylophone", k=3, mode="text")
    assert len(res) == 0
    assert res.to_arrow().schema == docs.query("cat", k=3, mode="text").to_arrow().schema
    hybrid = docs.query("xylophone", k=3, mode="hybrid")
    assert len(hybrid) == 3
    assert all("fts_rank" not in h.breakdown for h in hybrid)


def test_where_is_a_prefilter(docs: vl.Collection) -> None:
    res = docs.query("the cat sat on the mat", k=3, where={"topic": "finance"})
    assert set(res.ids) == {"stocks", "bonds"}  # fewer than k, but only matching rows
    res = docs.query("cat", k=5, where="year >= 2021 AND topic = 'pets'", mode="hybrid")
    assert res.ids == ["dog"]


def test_k_larger_than_collection_and_empty_collection(
    db: vl.VecDatabase, docs: vl.Collection
) -> None:
    assert len(docs.query("cat", k=100)) == 5
    empty = db.create_collection("empty")
    for mode in ("vector", "text", "hybrid"):
        assert len(empty.query("anything", k=3, mode=mode)) == 0


def test_select_and_include_vectors(docs: vl.Collection) -> None:
    res = docs.query("cat", k=1, select=["topic"], include_vectors=True)
    table = res.to_arrow()
    assert table.column_names[:3] == ["id", "topic", "vector"]
    assert res[0].vector is not None and res[0].vector.shape == (32,)
    assert res[0].text is None


def test_results_convert_to_arrow_pandas_and_list(docs: vl.Collection) -> None:
    res = docs.query("cat", k=3, mode="hybrid")
    table = res.to_arrow()
    assert isinstance(table, pa.Table) and table.num_rows == 3
    df = res.to_pandas()
    assert list(df["id"]) == res.ids
    rows = res.to_list()
    assert rows[0]["id"] == res[0].id and "breakdown" in rows[0]
    assert rows[0]["metadata"]["topic"] == res[0].metadata["topic"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": "cat", "k": 0}, errors.InvalidInputError),
        ({"text": "cat", "k": 2.5}, errors.InvalidInputError),
        ({"text": "cat", "mode": "semantic"}, errors.InvalidInputError),
        ({"text": ""}, errors.InvalidInputError),
        ({"text": None}, errors.InvalidInputError),
        ({"vector": [1.0, 2.0]}, errors.DimensionMismatchError),
        ({"vector": [float("nan")] * 32}, errors.InvalidVectorError),
        ({"vector": [0.0] * 32}, errors.InvalidVectorError),
        ({"text": "cat", "where": {"colour": "red"}}, errors.InvalidFilterError),
        ({"text": "cat", "where": "year = 'x'"}, errors.InvalidFilterError),
        ({"text": "cat", "mode": "hybrid", "fusion": "max"}, errors.InvalidInputError),
        ({"text": "cat", "mode": "hybrid", "alpha": 2}, errors.InvalidInputError),
    ],
)
def test_bad_queries_raise_typed_errors(
    docs: vl.Collection, kwargs: dict[str, object], error: type[Exception]
) -> None:
    text = kwargs.pop("text", None)
    with pytest.raises(error):
        docs.query(text, **kwargs)  # type: ignore[arg-type]


def test_hybrid_alias(docs: vl.Collection) -> None:
    assert docs.hybrid("cat", k=2).ids == docs.query("cat", k=2, mode="hybrid").ids


def test_vector_index_search(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(2000, 16)).astype(np.float32)
    c = vl.connect(tmp_path).create_collection("ann", dim=16)
    c.add(ids=[str(i) for i in range(2000)], vectors=vectors)
    c.create_vector_index("IVF_FLAT", num_partitions=8)
    q = vectors[123]
    res = c.query(vector=q, k=5, nprobes=8)
    assert res.ids[0] == "123"
    c.create_scalar_index("id")
    assert c.get(ids=["7"]).ids == ["7"]
