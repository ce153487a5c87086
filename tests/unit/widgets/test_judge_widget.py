"""JudgeWidget: blind pooled judging. The synced state carries nothing but ids and texts; grades
reach the stored judgements; a new widget resumes; two judges see their agreement."""

from __future__ import annotations

from pathlib import Path

import anywidget
import pytest
from helpers import POOL_TEXTS, small_collection

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.widgets import JudgeWidget

QUERIES = ["the moon pulls the sea", "bond prices fell"]
CONFIGS = {"vector": {"mode": "vector"}, "text": {"mode": "text"}}


@pytest.fixture
def docs(tmp_path: Path) -> vl.Collection:
    return small_collection(tmp_path, POOL_TEXTS)


def test_the_synced_state_is_blind(docs: vl.Collection) -> None:
    w = JudgeWidget(docs, QUERIES, CONFIGS, depth=3, judge="ana")
    synced = {n for n in w.class_trait_names(sync=True) if not n.startswith("_")}
    synced -= set(anywidget.AnyWidget.class_trait_names())
    assert all(set(item) == {"id", "text"} for item in w.items)
    state = repr({name: getattr(w, name) for name in sorted(synced)}).lower()
    for leak in ("score", "rank", "distance", "vector", "'mode'", "config"):
        assert leak not in state, leak
    # The pool of the query on screen is the union of both configs' top 3, shuffled.
    union = set(docs.query(w.query, k=3).ids) | set(docs.query(w.query, k=3, mode="text").ids)
    assert {i["id"] for i in w.items} == union
    assert w.total == len(w.pool.items) and w.done == 0


def test_grades_reach_the_store_and_a_new_widget_resumes(docs: vl.Collection) -> None:
    w = JudgeWidget(docs, QUERIES, CONFIGS, depth=3, judge="ana")
    assert w.position == 0
    for item in w.items:
        w.grade(item["id"], 2)
    assert w.done == len(w.items) and w.grades == {i["id"]: 2 for i in w.items}
    assert vl.Judgements(docs).for_query(QUERIES[0]) == w.grades  # visible from Python at once
    assert vl.Judgements(docs).history().column("source").to_pylist()[0] == "pool"
    again = JudgeWidget(docs, QUERIES, CONFIGS, depth=3, judge="ana")
    assert again.position == 1 and again.query == QUERIES[1]  # first query left to judge
    assert again.done == w.done
    assert again.progress == f"query 2 of 2 · {w.done} of {w.total} judged"
    again.goto(0)
    assert again.query == QUERIES[0] and again.grades == w.grades
    # Another judge starts from nothing: progress is per judge (a blind second opinion).
    bo = JudgeWidget(docs, QUERIES, CONFIGS, depth=3, judge="bo")
    assert bo.position == 0 and bo.done == 0 and bo.grades == {}


def test_two_judges_see_their_agreement(docs: vl.Collection) -> None:
    ana = JudgeWidget(docs, QUERIES[:1], CONFIGS, depth=3, judge="ana")
    bo = JudgeWidget(docs, QUERIES[:1], CONFIGS, depth=3, judge="bo")
    assert ana.agreement == ""
    ids = [i["id"] for i in ana.items]
    for n, i in enumerate(ids):
        ana.grade(i, n % 2)
        bo.grade(i, n % 2)
    assert bo.agreement == f"agreement with ana on {len(ids)} pairs: κ 1.00, 100% equal"
    bo.grade(ids[0], 3)
    assert "κ 1.00" not in bo.agreement and f"on {len(ids)} pairs" in bo.agreement


def test_bad_grades_and_positions_are_typed_errors(docs: vl.Collection) -> None:
    w = JudgeWidget(docs, QUERIES, CONFIGS, depth=3, judge="ana")
    with pytest.raises(errors.InvalidInputError, match="not in the pool"):
        w.grade("d-nope", 1)
    with pytest.raises(errors.InvalidInputError):
        w.grade(w.items[0]["id"], 7)
    with pytest.raises(errors.InvalidInputError, match="position"):
        w.goto(5)
    with pytest.raises(errors.InvalidInputError, match="not both"):
        JudgeWidget(docs, QUERIES, CONFIGS, judge="x", judgements=vl.Judgements(docs))
    assert len(vl.Judgements(docs)) == 0  # nothing stored by the failures
