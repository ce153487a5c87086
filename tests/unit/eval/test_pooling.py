"""Pooled judging: the union of several configurations' top hits, blind and repeatable, with
progress from the stored grades; overlap and rank-biased overlap of two rankings."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import POOL_TEXTS, small_collection

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab import eval as ev

QUERIES = ["the moon pulls the sea", "bond prices fell"]
CONFIGS = {"vector": {"mode": "vector"}, "text": {"mode": "text"}}


@pytest.fixture
def docs(tmp_path: Path) -> vl.Collection:
    return small_collection(tmp_path, POOL_TEXTS)


def test_the_pool_is_the_union_blind_and_repeatable(docs: vl.Collection) -> None:
    items = ev.pool(docs, QUERIES, CONFIGS, depth=3)
    assert items.column_names == ["query", "id", "text"]  # no score, rank or config
    for q in QUERIES:
        union = set()
        for config in CONFIGS.values():
            union |= set(docs.query(q, k=3, **config).ids)
        pooled = [
            i
            for qq, i in zip(items["query"].to_pylist(), items["id"].to_pylist(), strict=True)
            if qq == q
        ]
        assert sorted(pooled) == sorted(union)  # each hit once
    assert ev.pool(docs, QUERIES, CONFIGS, depth=3) == items  # built again: the same pool
    # The order is a seeded shuffle, not the order any config ranked the hits.
    orders = {
        tuple(ev.pool(docs, QUERIES[:1], CONFIGS, depth=6, seed=s)["id"].to_pylist())
        for s in range(6)
    }
    assert len(orders) > 1


def test_progress_and_what_is_left_come_from_the_stored_grades(docs: vl.Collection) -> None:
    j = vl.Judgements(docs, judge="ana")
    pool = ev.Pool(ev.pool(docs, QUERIES, CONFIGS, depth=3), j)
    done, total = pool.progress()
    assert done == 0 and total == pool.items.num_rows > 0
    first = pool.remaining().to_pylist()[0]
    j.grade(first["query"], first["id"], 2)
    assert pool.progress() == (1, total)
    # A new session resumes where the last one stopped.
    again = ev.Pool(ev.pool(docs, QUERIES, CONFIGS, depth=3), vl.Judgements(docs, judge="bo"))
    assert again.progress() == (1, total)
    assert first["id"] not in [
        r["id"] for r in again.remaining().to_pylist() if r["query"] == first["query"]
    ]
    # Per judge: bo has graded nothing yet, so bo's pool is whole (a second, blind judge).
    assert again.progress(judge="bo") == (0, total)
    assert again.progress(judge="ana") == (1, total)
    assert again.remaining(judge="bo").num_rows == total


def test_bad_pools_are_typed_errors(docs: vl.Collection) -> None:
    with pytest.raises(errors.InvalidInputError, match="depth"):
        ev.pool(docs, QUERIES, CONFIGS, depth=0)
    with pytest.raises(errors.InvalidInputError, match="query strings"):
        ev.pool(docs, ["", "x"], CONFIGS)
    with pytest.raises(errors.InvalidInputError, match="configuration"):
        ev.pool(docs, QUERIES, {})


# Reference values from the ``rbo`` package (0.1.3, RankingSimilarity(a, b).rbo_ext(p)), an
# independent implementation of Webber et al.'s RBO_ext (it pins numpy<2, so it cannot be a
# dependency here).
RBO_CASES = [
    ("abcdefg", "abcdefg", 0.9, 1.0),
    ("abcde", "bacde", 0.9, 0.9),
    ("abcde", "bacde", 0.5, 0.5),
    ("abcdefgh", "ahgfedcb", 0.9, 0.7796839857),
    ("abcdefgh", "ahgfedcb", 0.5, 0.7197172619),
    ("abcd", "abcdxyz", 0.9, 1.0),
    ("abcdefghij", "cbaxyzjihg", 0.9, 0.5853868639),
    ("abc", "xyzabc", 0.9, 0.339714),
    ("abc", "xyzabc", 0.5, 0.04375),
    ("ab", "cd", 0.9, 0.0),
    ("elknmdg", "lej", 0.9, 0.63),
    ("nedbfapc", "baf", 0.5, 0.0422154018),
    ("ohagmendbpfc", "joiedmacglfb", 0.9, 0.5026227318),
    ("oba", "ibnehldfocpm", 0.9, 0.3529778609),
]


@pytest.mark.parametrize(("a", "b", "p", "want"), RBO_CASES)
def test_rank_biased_overlap_matches_the_reference(a: str, b: str, p: float, want: float) -> None:
    assert ev.rank_biased_overlap(list(a), list(b), p) == pytest.approx(want, abs=1e-9)
    assert ev.rank_biased_overlap(list(b), list(a), p) == pytest.approx(want, abs=1e-9)


def test_overlap_at_k() -> None:
    assert ev.overlap(list("abcd"), list("dcba"), 2) == 0.0
    assert ev.overlap(list("abcd"), list("dcba"), 4) == 1.0
    assert ev.overlap(list("ab"), list("bx"), 2) == 0.5
    assert ev.rank_biased_overlap([], []) == 1.0 and ev.rank_biased_overlap([], ["a"]) == 0.0
    with pytest.raises(errors.InvalidInputError):
        ev.overlap(["a"], ["a"], 0)
    with pytest.raises(errors.InvalidInputError):
        ev.rank_biased_overlap(["a"], ["a"], 1.0)
