"""A user's metadata keys are theirs: every name our results use is storable and shown as is."""

from __future__ import annotations

import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.results import BREAKDOWN_COLUMNS

# Every name that 0.1 refused because its results used it.
FORMERLY_RESERVED = [
    "score", "distance", "rank", "metadata", "vector_score", "vector_rank", "fts_score",
    "fts_rank", "fused_score", "rerank_score", "retrieval_rank", "rank_change", "relevance",
]  # fmt: skip


@pytest.fixture
def scored(db: vl.VecDatabase) -> vl.Collection:
    c = db.create_collection("scored")
    c.add(
        ids=["a", "b", "c"],
        texts=["red apples in a bowl", "green pears on a shelf", "red cherries and apples"],
        metadatas=[
            {name: i * 10 + n for n, name in enumerate(FORMERLY_RESERVED)} for i in range(3)
        ],
    )
    return c


def test_result_names_are_storable_metadata(scored: vl.Collection) -> None:
    stored = scored.get(ids="b")[0].metadata
    assert stored == {name: 10 + n for n, name in enumerate(FORMERLY_RESERVED)}
    assert [f.name for f in scored.metadata_schema] == FORMERLY_RESERVED


@pytest.mark.parametrize(
    ("mode", "rerank"),
    # every mode with and without a reranker (MMR needs vectors, which text mode lacks)
    [
        (m, r)
        for m in ("vector", "text", "hybrid")
        for r in (None, "mmr", "rrf")
        if (m, r) != ("text", "mmr")
    ],
)
def test_hits_expose_user_fields_unchanged_next_to_our_scores(
    scored: vl.Collection, mode: str, rerank: str | None
) -> None:
    res = scored.query("red apples", k=3, mode=mode, rerank=rerank)
    for hit in res:
        row = int(hit.id != "a") * (1 if hit.id == "b" else 2)
        assert hit.metadata == {name: row * 10 + n for n, name in enumerate(FORMERLY_RESERVED)}
        assert hit.rank in (1, 2, 3) and hit.score != hit.metadata["score"]
    table = res.to_arrow()
    for name in FORMERLY_RESERVED:  # the user's column, not ours, under the user's name
        assert table.column(name).to_pylist() == [h.metadata[name] for h in res]
    assert len(res) >= 2 and table.column("_rank").to_pylist() == list(range(1, len(res) + 1))
    assert set(BREAKDOWN_COLUMNS) <= set(table.column_names)
    assert len(table.column_names) == len(set(table.column_names))


def test_user_columns_filter_and_select(scored: vl.Collection) -> None:
    assert scored.get(where={"score": {"$gte": 10}}).ids == ["b", "c"]
    assert scored.query("apples", k=3, where="rank = 22").ids == ["c"]
    res = scored.query("apples", k=1, select=["distance"])
    assert res.to_arrow().column("distance").to_pylist() == [res[0].metadata["distance"]]


@pytest.mark.parametrize("key", ["id", "text", "vector"])
def test_only_the_stores_own_names_are_refused(db: vl.VecDatabase, key: str) -> None:
    c = db.create_collection("c")
    with pytest.raises(errors.InvalidMetadataError, match=f"'{key}' is reserved"):
        c.add(ids=["a"], texts=["x"], metadatas=[{key: 1}])
    assert len(c) == 0
