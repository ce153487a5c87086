"""SearchWidget compare mode: two configurations answer the widget's query side by side, with
overlap@k, rank-biased overlap and (with judgements) nDCG@k of each side."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TIDES_AND_BONDS, small_collection

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab import eval as ev
from vecstore_lab.eval import SearchConfig
from vecstore_lab.widgets import SearchWidget


@pytest.fixture
def db(tmp_path: Path) -> vl.VecDatabase:
    small_collection(tmp_path, TIDES_AND_BONDS, dim=32)
    return vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=32))


def test_both_sides_answer_the_query_and_the_summary_compares_them(db: vl.VecDatabase) -> None:
    docs = db.get_collection("docs")
    w = SearchWidget(docs, k=4, compare={"vector": {"mode": "vector"}, "text": {"mode": "text"}})
    assert w.compared == ["vector", "text"]
    a = w.search("moon tides")
    b = w.compared_results[1]
    assert a.ids == docs.query("moon tides", k=4).ids
    assert b.ids == docs.query("moon tides", k=4, mode="text").ids
    assert w.results.column("id").to_pylist() == a.ids
    assert w.results_b.column("id").to_pylist() == b.ids
    assert w.compare_summary == {
        "k": 4,
        "overlap": ev.overlap(a.ids, b.ids, 4),
        "rbo": ev.rank_biased_overlap(a.ids, b.ids),
    }
    assert w.status.startswith(f"{len(a)} hits in ") and w.status_b.startswith(f"{len(b)} hits")
    # The widget's filter applies to both sides.
    w.search("moon tides", where="id != 'd0'")
    assert "d0" not in w.results.column("id").to_pylist() + w.results_b.column("id").to_pylist()


def test_grades_give_each_side_its_ndcg_and_grading_works_on_both(db: vl.VecDatabase) -> None:
    docs = db.get_collection("docs")
    w = SearchWidget(docs, k=3, judgements=True, compare=[{"mode": "vector"}, {"mode": "text"}])
    assert w.compared == ["vector", "text"]  # named after their mode
    w.search("moon tides")
    a, b = w.compared_results
    assert "ndcg" not in w.compare_summary  # nothing judged yet
    w.grade(b.ids[0], 3)  # a hit of the second column
    w.grade(a.ids[0], 1)
    grades = w.judgements.for_query("moon tides")
    assert w.compare_summary["ndcg"] == [ev.ndcg(r.ids, grades, 3) for r in (a, b)]
    assert w.compare_summary["judged"] == [ev.judged(r.ids, grades, 3) for r in (a, b)]
    assert set(w.grades) == {a.ids[0], b.ids[0]}


def test_two_collections_with_different_embedders(db: vl.VecDatabase, tmp_path: Path) -> None:
    docs = db.get_collection("docs")
    other = vl.connect(tmp_path / "other", embedder=vl.HashEmbedder(dim=8)).create_collection("o")
    other.add(ids=[f"d{i}" for i in range(len(TIDES_AND_BONDS))], texts=TIDES_AND_BONDS)
    spec = vl.QuerySpec(mode="vector")
    w = SearchWidget(docs, k=3, compare=[spec, SearchConfig(spec, collection=other)])
    assert w.compared == ["vector", "vector on o"]
    same = SearchWidget(docs, compare=[spec, spec.replace(candidates=50)])
    assert same.compared == ["A: vector", "B: vector"]  # two names, even when alike
    w.search("moon tides")
    assert w.compared_results[1].ids == other.query("moon tides", k=3).ids


def test_bad_comparisons_are_typed_errors(db: vl.VecDatabase) -> None:
    docs = db.get_collection("docs")
    with pytest.raises(errors.InvalidInputError, match="two configurations"):
        SearchWidget(docs, compare=[{"mode": "vector"}])
    with pytest.raises(errors.InvalidInputError, match="two configurations"):
        SearchWidget(docs, compare="vector")  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInputError):
        SearchWidget(docs, compare=[{"mode": "nope"}, {"mode": "text"}])
    w = SearchWidget(docs, compare=[{"mode": "vector"}, {"mode": "text"}])
    with pytest.raises(errors.InvalidInputError, match="query"):
        w.search("  ")
    assert not w.busy
