"""Hostile input gets a typed error that names the problem, and changes nothing stored.

Each case here escaped untyped, or was written and corrupted the collection, in 0.1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers import snapshot

import vecstore_lab as vl
from vecstore_lab import errors

SURROGATE = "a\ud800"


def nested_dict(levels: int) -> dict[str, Any]:
    """``{"$or": [{"$or": [... {"year": 2020} ...], {"year": 2021}]}``, ``levels`` deep."""
    where: dict[str, Any] = {"year": 2020}
    for _ in range(levels):
        where = {"$or": [where, {"year": 2021}]}
    return where


def nested_not(levels: int) -> dict[str, Any]:
    op: dict[str, Any] = {"$eq": 2020}
    for _ in range(levels):
        op = {"$not": op}
    return {"year": op}


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

CASES: list[tuple[str, Callable[[vl.Collection], Any], type[Exception], str]] = [
    ("NUL in id (add)", lambda c: c.add(ids=["a\x00b"], texts=["t"]), errors.InvalidIdError, "NUL"),
    ("NUL in id (upsert)", lambda c: c.upsert(ids=["a\x00b"], texts=["t"]), errors.InvalidIdError, "NUL"),
    ("surrogate id", lambda c: c.add(ids=[SURROGATE], texts=["t"]), errors.InvalidIdError, "surrogate"),
    ("surrogate id (upsert)", lambda c: c.upsert(ids=[SURROGATE], texts=["t"]), errors.InvalidIdError, "surrogate"),
    ("surrogate text", lambda c: c.add(ids=["s"], texts=[SURROGATE]), errors.InvalidTextError, "surrogate"),
    ("surrogate text (update)", lambda c: c.update(ids=["cat"], texts=[SURROGATE]), errors.InvalidTextError, "surrogate"),
    ("surrogate metadata", lambda c: c.add(ids=["s"], texts=["t"], metadatas=[{"topic": SURROGATE}]), errors.InvalidMetadataError, "surrogate"),
    ("surrogate in list", lambda c: c.add(ids=["s"], texts=["t"], metadatas=[{"tags": [SURROGATE]}]), errors.InvalidMetadataError, "surrogate"),
    ("surrogate key", lambda c: c.add(ids=["s"], texts=["t"], metadatas=[{SURROGATE: 1}]), errors.InvalidMetadataError, "not allowed"),
    ("surrogate dict filter", lambda c: c.get(where={"topic": SURROGATE}), errors.InvalidFilterError, "surrogate"),
    ("surrogate string filter", lambda c: c.query("cat", where=f"topic = '{SURROGATE}'"), errors.InvalidFilterError, "surrogate"),
    ("surrogate delete filter", lambda c: c.delete(where={"topic": SURROGATE}), errors.InvalidFilterError, "surrogate"),
    ("surrogate query", lambda c: c.query(SURROGATE), errors.InvalidInputError, "surrogate"),
    ("surrogate text query", lambda c: c.query(SURROGATE, mode="text"), errors.InvalidInputError, "surrogate"),
    ("key ending in newline", lambda c: c.add(ids=["k"], texts=["t"], metadatas=[{"id\n": 1}]), errors.InvalidMetadataError, "not allowed"),
    ("key with newline", lambda c: c.add(ids=["k"], texts=["t"], metadatas=[{"topic\n": 1}]), errors.InvalidMetadataError, "not allowed"),
    ("empty list on new key", lambda c: c.add(ids=["e"], texts=["t"], metadatas=[{"labels": []}]), errors.InvalidMetadataError, "empty lists"),
    ("int above int64", lambda c: c.add(ids=["i"], texts=["t"], metadatas=[{"year": 2**64}]), errors.InvalidMetadataError, "64-bit integer range"),
    ("int below int64", lambda c: c.add(ids=["i"], texts=["t"], metadatas=[{"big": -(2**63) - 1}]), errors.InvalidMetadataError, "64-bit integer range"),
    ("filter above int64", lambda c: c.get(where={"year": 2**63}), errors.InvalidFilterError, "64-bit integer range"),
    ("string filter below int64", lambda c: c.get(where=f"year > {-(2**63) - 1}"), errors.InvalidFilterError, "64-bit integer range"),
    ("None vector", lambda c: c.add(ids=["v"], vectors=[None]), errors.InvalidVectorError, "is None"),
    ("None in vector", lambda c: c.add(ids=["v"], vectors=[[None] * 32]), errors.InvalidVectorError, "None component"),
    ("None query vector", lambda c: c.query(vector=[None] * 32), errors.InvalidVectorError, "None"),
    ("vector-only RRF", lambda c: c.query(vector=np.ones(32), rerank="rrf"), errors.InvalidInputError, "needs the query text"),
    ("reranker raising", lambda c: c.query("cat", rerank=lambda q, hits: 1 / 0), errors.RerankerError, "ZeroDivisionError"),
    ("reranker NaN", lambda c: c.query("cat", rerank=lambda q, hits: [float("nan")] * len(hits)), errors.RerankerError, "NaN"),
    ("candidates 0", lambda c: c.query("cat", mode="hybrid", candidates=0), errors.InvalidInputError, "candidates must be a positive int"),
    ("candidates str", lambda c: c.query("cat", mode="hybrid", candidates="x"), errors.InvalidInputError, "candidates must be a positive int"),
    ("refine_factor str", lambda c: c.query("cat", refine_factor="x"), errors.InvalidInputError, "refine_factor must be a positive int"),
    ("nprobes negative", lambda c: c.query("cat", nprobes=-1), errors.InvalidInputError, "nprobes must be a positive int"),
    ("rrf_k str", lambda c: c.query("cat", mode="hybrid", rrf_k="x"), errors.InvalidInputError, "rrf_k must be a positive int"),
    ("alpha str", lambda c: c.query("cat", mode="hybrid", fusion="linear", alpha="x"), errors.InvalidInputError, "alpha must be a number"),
    ("k beyond int32", lambda c: c.query("cat", k=10**12), errors.InvalidInputError, "k must be at most"),
    ("ingest batch 0", lambda c: c.add_documents(["x"], batch_size=0, progress=False), errors.InvalidInputError, "batch_size must be a positive int"),
    ("reranker wrong count", lambda c: c.query("cat", rerank=lambda q, hits: [1.0]), errors.RerankerError, "one score per hit"),
    ("delete where {}", lambda c: c.delete(where={}), errors.InvalidInputError, "empty filter"),
    ("delete where ''", lambda c: c.delete(where=""), errors.InvalidInputError, "empty filter"),
    ("delete where blank", lambda c: c.delete(where="  "), errors.InvalidInputError, "empty filter"),
    ("dict filter 45 deep", lambda c: c.get(where=nested_dict(45)), errors.InvalidFilterError, "levels deep"),
    ("dict filter 5000 deep", lambda c: c.count(nested_dict(5000)), errors.InvalidFilterError, "levels deep"),
    ("$not 400 deep", lambda c: c.count(nested_not(400)), errors.InvalidFilterError, "levels deep"),
    ("247 parentheses", lambda c: c.get(where="(" * 247 + "year = 1" + ")" * 247), errors.InvalidFilterError, "levels deep"),
    ("5000 NOTs", lambda c: c.query("cat", where="NOT " * 5000 + "year = 1"), errors.InvalidFilterError, "levels deep"),
    ("deep delete filter", lambda c: c.delete(where=nested_dict(60)), errors.InvalidFilterError, "levels deep"),
    ("zero vector (cosine add)", lambda c: c.add(ids=["z"], vectors=[[0.0] * 32]), errors.InvalidVectorError, "all zeros"),
    ("zero vector (cosine upsert)", lambda c: c.upsert(ids=["cat"], vectors=[[0.0] * 32]), errors.InvalidVectorError, "all zeros"),
    ("zero vector (cosine update)", lambda c: c.update(ids=["cat"], vectors=[[0.0] * 32]), errors.InvalidVectorError, "all zeros"),
    ("spec select 5", lambda c: c.search(vl.QuerySpec.from_dict({"text": "cat", "select": 5})), errors.InvalidInputError, "select must be a list"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "call", "error", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_typed_and_changes_nothing(
    docs: vl.Collection,
    label: str,
    call: Callable[[vl.Collection], Any],
    error: type[Exception],
    fragment: str,
) -> None:
    before = snapshot(docs)
    schema = docs.schema
    with pytest.raises(error, match=fragment) as info:
        call(docs)
    assert isinstance(info.value, errors.VecStoreError)
    assert snapshot(docs) == before
    assert docs.schema == schema


def test_int64_limits_are_stored_and_filtered(docs: vl.Collection) -> None:
    docs.add(
        ids=["lo", "hi"],
        texts=["low", "high"],
        metadatas=[{"year": INT64_MIN}, {"year": INT64_MAX}],
    )
    assert docs.get(where={"year": INT64_MIN}).ids == ["lo"]
    assert docs.get(where={"year": INT64_MAX}).ids == ["hi"]
    assert docs.get(where=f"year = {INT64_MIN}").ids == ["lo"]
    assert docs.get(where={"year": {"$lte": INT64_MIN}}).ids == ["lo"]
    assert sorted(docs.get(where={"year": {"$in": [INT64_MIN, INT64_MAX]}}).ids) == ["hi", "lo"]
    assert docs.get(where={"rating": 2**70}).ids == []  # floats compare with any int


def test_empty_lists_fit_a_known_list_column(docs: vl.Collection) -> None:
    docs.add(ids=["e"], texts=["empty tags"], metadatas=[{"tags": []}])
    assert docs.get(ids="e")[0].metadata["tags"] == []


@pytest.mark.parametrize(
    "build",
    [
        lambda: vl.RRFReranker(k=0),
        lambda: vl.LinearCombinationReranker(alpha=2),
        lambda: vl.MMRReranker(lambda_=-1),
        lambda: vl.HashEmbedder(dim=1),
        lambda: vl.OpenAIEmbedder(max_batch_inputs=0),
        lambda: vl.OpenAIEmbedder(max_concurrency=0),
        lambda: vl.OpenAIEmbedder(dimensions=0),
        lambda: vl.fusion.linear_scores({}, {}, alpha=1.5),
        lambda: vl.embedders.register_embedder("hashing", vl.HashEmbedder),
    ],
)
def test_constructors_raise_typed_errors(build: Callable[[], Any]) -> None:
    with pytest.raises(errors.InvalidInputError):
        build()


def test_deep_but_allowed_filters_run(docs: vl.Collection) -> None:
    """31 levels is within the limit (32) and LanceDB runs it; flat lists of any length
    are not nesting."""
    assert docs.count(nested_dict(31)) == docs.count({"year": {"$in": [2020, 2021]}}) == 2
    wide = {"$or": [{"year": y} for y in range(2000)]}
    assert docs.count(wide) == docs.count({"year": {"$gte": 0, "$lt": 2000}})
    assert vl.filters.filter_depth(nested_dict(31)) == 32


def test_hybrid_with_the_largest_k(docs: vl.Collection) -> None:
    """k = 2**31 - 1 (the most LanceDB counts) used to overflow the candidate count."""
    hits = docs.query("cat", mode="hybrid", k=vl.spec.MAX_K)
    assert hits.ids and len(hits) <= len(docs)
