"""EvalWidget and the recorded runs: judgements as qrels, the history of a metric over runs,
and two runs compared query by query with the paired test."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TIDES_AND_BONDS, small_collection

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab import eval as ev
from vecstore_lab.widgets import EvalWidget

# (a few grades: the comparisons here are about runs, not about what the grades leave open)
pytestmark = pytest.mark.filterwarnings("ignore::vecstore_lab.errors.UnjudgedHitsWarning")
CONFIGS = {"vector": {"mode": "vector"}, "text": {"mode": "text"}}


@pytest.fixture
def graded(tmp_path: Path) -> vl.Judgements:
    c = small_collection(tmp_path, TIDES_AND_BONDS, dim=32)
    j = vl.Judgements(c, judge="ana")
    j.grade_many([("moon tides", "d3", 3), ("moon tides", "d1", 1), ("bond prices", "d2", 2)])
    return j


def test_judgements_are_qrels_and_each_run_joins_the_history(graded: vl.Judgements) -> None:
    docs = graded.collection
    w = EvalWidget(docs, None, graded, CONFIGS, k=3, label="first", show_history=True)
    assert sorted(w.queries.values()) == ["bond prices", "moon tides"]
    assert w.per_query_table.num_rows == 4
    first = w.history.to_pylist()
    assert [r["run"] for r in first] == ["first", "first"]
    assert {r["config"] for r in first} == set(CONFIGS)
    recorded = ev.runs(docs).to_pylist()
    assert [r["ndcg@3"] for r in first] == [r["ndcg@3"] for r in recorded]
    # Another setting, evaluated again: both runs are in the history, oldest first.
    w2 = EvalWidget(
        docs, None, graded, {"vector": {"mode": "hybrid"}}, k=3, label="second", show_history=True
    )
    assert [r["run"] for r in w2.history.to_pylist()] == ["first", "first", "second"]
    assert w.load_history().num_rows == 3  # the first widget sees it too, when asked
    # Runs at another k are not on this chart.
    EvalWidget(docs, None, graded, CONFIGS, k=1)
    assert w.load_history().num_rows == 3


def test_two_runs_side_by_side_with_the_paired_test(graded: vl.Judgements) -> None:
    docs = graded.collection
    a = ev.run_id_of(ev.evaluate(docs, None, graded, {"v": {"mode": "vector"}}, k=3, label="A"))
    b = ev.run_id_of(ev.evaluate(docs, None, graded, {"v": {"mode": "text"}}, k=3))
    assert a and b
    w = EvalWidget.from_runs(docs, None, graded, [a, b])
    assert w.configs == ["A: v", f"{b}: v"] and w.baseline == "A: v" and w.k == 3
    expected = ev.compare(ev.run(docs, a), "v")  # the recorded numbers, not new ones
    means = {r["metric"]: r["mean"] for r in w.summary_table.to_pylist() if r["config"] == "A: v"}
    assert means == {r["metric"]: r["mean"] for r in expected.to_pylist()}
    other = [r for r in w.summary_table.to_pylist() if r["config"] == f"{b}: v"]
    assert other and all(r["p_value"] is not None for r in other)  # the paired test ran
    assert w.drill(w.per_query_table.column("query_id")[0].as_py(), f"{b}: v").ids
    with pytest.raises(errors.InvalidInputError, match="two or more"):
        EvalWidget.from_runs(docs, None, graded, [a])
    with pytest.raises(errors.InvalidInputError, match="no recorded run"):
        EvalWidget.from_runs(docs, None, graded, [a, "nope"])
    c = ev.run_id_of(ev.evaluate(docs, None, graded, {"v": {}}, k=2))
    with pytest.raises(errors.InvalidInputError, match="different k"):
        EvalWidget.from_runs(docs, None, graded, [a, str(c)])
