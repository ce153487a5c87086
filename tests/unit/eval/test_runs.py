"""Every evaluation run kept: listed with its metadata and metric means, read back per query
(the table evaluate returned), exported as a TREC run file, scoped per collection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab import eval as ev

QUERIES = {"q1": "the moon pulls the sea", "q2": "bond prices fell"}
QRELS = {"q1": {"moon": 2, "sea": 1}, "q2": {"bonds": 3}}


@pytest.fixture
def db(tmp_path: Path) -> vl.VecDatabase:
    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
    c = db.create_collection("notes")
    c.add(
        ids=["moon", "sea", "bonds", "rates"],
        texts=["the moon pulls", "the sea rises", "bond prices fell", "rates rose"],
    )
    return db


def test_each_evaluate_is_kept_and_listed(db: vl.VecDatabase, tmp_path: Path) -> None:
    c = db.get_collection("notes")
    configs = {"text": {"mode": "text"}, "vector": {"mode": "vector"}}
    first = ev.evaluate(c, QUERIES, QRELS, configs, k=2, label="baseline")
    second = ev.evaluate(c, QUERIES, QRELS, {"hybrid": {"mode": "hybrid"}}, k=2)
    assert ev.evaluate(c, QUERIES, QRELS, configs, k=2, record=False).schema.metadata is None
    a, b = ev.run_id_of(first), ev.run_id_of(second)
    assert a and b and a != b

    listed = ev.runs(db).to_pylist()
    assert [(r["run_id"], r["config"]) for r in listed] == [
        (a, "text"),
        (a, "vector"),
        (b, "hybrid"),
    ]
    top = listed[0]
    assert top["label"] == "baseline" and top["collection"] == "notes" and top["k"] == 2
    assert top["version"] == c.version and top["queries"] == 2
    assert json.loads(top["embedder"])["name"] == "hashing"
    assert vl.QuerySpec.from_json(top["spec"]).mode == "text"
    text_rows = [r for r in first.to_pylist() if r["config"] == "text"]
    assert top["ndcg@2"] == pytest.approx(sum(r["ndcg@2"] for r in text_rows) / 2)
    assert "judged@2" in top

    # A run reads back as evaluate returned it: compare and EvalWidget take it.
    again = ev.run(db, a)
    assert again.to_pylist() == first.to_pylist()
    assert ev.compare(again, "text").num_rows == ev.compare(first, "text").num_rows

    # The rankings that were scored, as a TREC run file.
    path = tmp_path / "run.txt"
    lines = ev.export_trec_run(db, a, "vector", path)
    ranked = ev.load_run(path)
    assert lines == sum(len(v) for v in ranked.values()) and set(ranked) == {"q1", "q2"}
    assert ev.score_run(ranked, QRELS, k=2).to_pylist() == [
        {k: v for k, v in r.items() if k not in {"config", "judged@2"}}
        for r in first.to_pylist()
        if r["config"] == "vector"
    ]


def test_runs_survive_a_new_connection_and_are_scoped(db: vl.VecDatabase, tmp_path: Path) -> None:
    ev.evaluate(db.get_collection("notes"), QUERIES, QRELS, {"text": {"mode": "text"}}, k=2)
    other = db.create_collection("other")
    other.add(ids=["moon"], texts=["the moon pulls"])
    ev.evaluate(other, {"q1": "moon"}, {"q1": {"moon": 1}}, {"text": {"mode": "text"}}, k=1)
    fresh = vl.connect(tmp_path / "db")
    assert ev.runs(fresh).num_rows == 2
    assert ev.runs(fresh.get_collection("other")).column("collection").to_pylist() == ["other"]
    assert fresh.list_collections() == ["notes", "other"]  # the runs table is internal


def test_unknown_runs_are_typed_errors(db: vl.VecDatabase, tmp_path: Path) -> None:
    assert ev.runs(db).num_rows == 0
    with pytest.raises(errors.InvalidInputError, match="no evaluation run"):
        ev.run(db, "nope")
    run_id = ev.run_id_of(
        ev.evaluate(db.get_collection("notes"), QUERIES, QRELS, {"text": {"mode": "text"}}, k=2)
    )
    assert run_id is not None
    with pytest.raises(errors.InvalidInputError, match="no configuration 'vector'"):
        ev.export_trec_run(db, run_id, "vector", tmp_path / "x.txt")
