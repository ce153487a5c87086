"""Judgements stored with the collection: grades, the later one winning, history, document
roll-up, TREC and BEIR files, agreement between judges, and bad input."""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab import eval as ev
from vecstore_lab.eval import cohen_kappa, load_qrels, load_queries
from vecstore_lab.eval.judgements import JUDGEMENTS_TABLE

Q = "how do tides work?"


@pytest.fixture
def chunks(tmp_path: Path) -> vl.Collection:
    """Two documents of two chunks each, plus a loose row without a document."""
    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
    c = db.create_collection("notes")
    c.add(
        ids=["d1#0", "d1#1", "d2#0", "d2#1", "loose"],
        texts=["the moon pulls", "the sea rises", "bonds fell", "rates rose", "a loose note"],
        metadatas=[{"doc_id": d} for d in ("d1", "d1", "d2", "d2")] + [{"doc_id": None}],
    )
    return c


def test_a_grade_is_saved_at_once_and_the_later_one_wins(chunks: vl.Collection) -> None:
    ana = vl.Judgements(chunks, judge="ana")
    ana.grade(Q, "d1#0", 3)
    ana.grade(Q, "d2#0", 1)
    assert ana.get(Q, "d1#0") == 3 and ana.get(Q, "d2#1") is None
    bo = vl.Judgements(chunks, judge="bo")
    bo.grade(Q, "d1#0", 2)  # later: it stands, and ana's stays in the history
    assert ana.for_query(Q) == {"d1#0": 2, "d2#0": 1}
    history = ana.history(Q).to_pylist()
    assert [(h["id"], h["grade"], h["judge"]) for h in history] == [
        ("d1#0", 3, "ana"),
        ("d2#0", 1, "ana"),
        ("d1#0", 2, "bo"),
    ]
    assert {h["version"] for h in history} == {chunks.version}
    assert all(h["level"] == "chunk" and h["source"] == "python" for h in history)
    current = ana.current().to_pylist()
    assert [(r["id"], r["judge"]) for r in current] == [("d2#0", "ana"), ("d1#0", "bo")]
    assert len(ana) == 2 and ana.queries() == [Q] and ana.judges() == ["ana", "bo"]
    assert ana.current(judge="ana").column("grade").to_pylist() == [3, 1]


def test_grades_survive_a_new_connection_and_stay_out_of_the_collections(
    chunks: vl.Collection, tmp_path: Path
) -> None:
    vl.Judgements(chunks, judge="ana").grade(Q, "d1#1", 2)
    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
    again = vl.Judgements(db.get_collection("notes"))
    assert again.qrels() == {Q: {"d1#1": 2}}
    assert db.list_collections() == ["notes"]  # the judgements table is internal
    other = db.create_collection("other")
    other.add(ids=["d1#1"], texts=["same id, another collection"])
    assert vl.Judgements(other).qrels() == {}


def test_the_judge_comes_from_the_environment(
    chunks: vl.Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VECSTORE_JUDGE", "carla")
    j = vl.Judgements(chunks)
    j.grade(Q, "loose", 0)
    assert j.judge == "carla" and j.judges() == ["carla"]
    j.grade(Q, "loose", 1, judge="dee")  # overridable per grade
    assert j.current().column("judge").to_pylist() == ["dee"]


def test_documents_and_the_roll_up(chunks: vl.Collection) -> None:
    j = vl.Judgements(chunks, judge="ana")
    j.grade(Q, "d1#0", 1)
    j.grade(Q, "d1#1", 3)
    j.grade(Q, "d2", 0)  # a document id: graded as a whole
    j.grade(Q, "loose", 2)
    assert [r["level"] for r in j.current().to_pylist()] == [
        "chunk",
        "chunk",
        "document",
        "chunk",
    ]
    assert j.qrels() == {Q: {"d1#0": 1, "d1#1": 3, "d2": 0, "loose": 2}}
    # A document is as relevant as its best chunk (evaluate ranks documents that way).
    assert j.qrels(documents=True) == {Q: {"d1": 3, "d2": 0, "loose": 2}}


@pytest.mark.parametrize(
    "case",
    [
        (Q, "d1#0", 4, errors.InvalidInputError, "an int from 0 to 3"),
        (Q, "d1#0", -1, errors.InvalidInputError, "an int from 0 to 3"),
        (Q, "d1#0", True, errors.InvalidInputError, "an int from 0 to 3"),
        (Q, "d1#0", "2", errors.InvalidInputError, "an int from 0 to 3"),
        (Q, "d1#0", 2.0, errors.InvalidInputError, "an int from 0 to 3"),
        ("", "d1#0", 2, errors.InvalidInputError, "non-empty string"),
        ("   ", "d1#0", 2, errors.InvalidInputError, "non-empty string"),
        (None, "d1#0", 2, errors.InvalidInputError, "non-empty string"),
        ("a\x00b", "d1#0", 2, errors.InvalidInputError, "NUL"),
        (Q, "nope", 2, errors.InvalidIdError, "no chunk or document"),
        (Q, "", 2, errors.InvalidIdError, "non-empty string"),
        (Q, 7, 2, errors.InvalidIdError, "non-empty string"),
    ],
)
def test_bad_input_is_typed_and_stores_nothing(
    chunks: vl.Collection, case: tuple[object, object, object, type[Exception], str]
) -> None:
    query, id_, grade, error, words = case
    j = vl.Judgements(chunks, judge="ana")
    j.grade(Q, "d1#0", 2)
    with pytest.raises(error, match=words):
        j.grade_many([(Q, "d2#0", 1), (query, id_, grade)])  # type: ignore[list-item]
    assert j.history().num_rows == 1  # the good triple before the bad one is not stored


def test_bad_judges_and_formats(chunks: vl.Collection, tmp_path: Path) -> None:
    with pytest.raises(errors.InvalidInputError, match="judge"):
        vl.Judgements(chunks, judge=" ")
    j = vl.Judgements(chunks, judge="ana")
    with pytest.raises(errors.InvalidInputError, match="judge"):
        j.grade(Q, "d1#0", 1, judge="")
    with pytest.raises(errors.InvalidInputError, match="'trec' or 'beir'"):
        j.export_qrels(tmp_path / "x", format="csv")
    assert j.history().num_rows == 0


def test_unknown_ids_can_be_skipped(chunks: vl.Collection) -> None:
    j = vl.Judgements(chunks, judge="ana")
    stored = j.grade_many([(Q, "nope", 1), (Q, "d1#0", 2)], skip_unknown=True)
    assert stored == 1 and j.qrels() == {Q: {"d1#0": 2}}


@pytest.mark.parametrize("fmt", ["trec", "beir"])
def test_qrels_files_round_trip(chunks: vl.Collection, tmp_path: Path, fmt: str) -> None:
    j = vl.Judgements(chunks, judge="ana")
    j.grade_many([(Q, "d1#0", 3), (Q, "d2", 0), ("bond prices?", "d2#1", 2)])
    path = tmp_path / ("qrels.tsv" if fmt == "beir" else "qrels.txt")
    ids = j.export_qrels(path, format=fmt)
    assert sorted(ids.values()) == ["bond prices?", Q]
    by_text = {t: q for q, t in ids.items()}
    assert load_qrels(path) == {
        by_text[Q]: {"d1#0": 3, "d2": 0},
        by_text["bond prices?"]: {"d2#1": 2},
    }
    (tmp_path / "queries.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in ids.items()))
    fresh = vl.Judgements(chunks, judge="bo")
    fresh_db_grades = fresh.qrels()
    stored = fresh.import_qrels(path, tmp_path / "queries.tsv")
    assert stored == 3 and fresh.qrels() == fresh_db_grades  # same grades, now by the file
    assert set(fresh.current().column("judge").to_pylist()) == {f"qrels:{path.name}"}
    assert set(fresh.current().column("source").to_pylist()) == {"import"}
    assert load_queries(tmp_path / "queries.tsv") == ids


def test_an_imported_grade_above_three_becomes_three(chunks: vl.Collection, tmp_path: Path) -> None:
    (tmp_path / "q.txt").write_text("q1 0 d1#0 4\nq1 0 d2 1\n")
    j = vl.Judgements(chunks)
    assert j.import_qrels(tmp_path / "q.txt", {"q1": Q}) == 2
    assert j.qrels() == {Q: {"d1#0": 3, "d2": 1}}
    with pytest.raises(errors.InvalidInputError, match="no query text"):
        j.import_qrels(tmp_path / "q.txt", {"q2": "other"})
    (tmp_path / "bad.txt").write_text("q1 0 nope 1\n")
    with pytest.raises(errors.InvalidIdError, match="nope"):
        j.import_qrels(tmp_path / "bad.txt", {"q1": Q})
    assert j.history().num_rows == 2


def test_kappa_matches_scikit_learn() -> None:
    rng = random.Random(7)
    for _ in range(30):
        n = rng.randint(2, 40)
        a = [rng.choice([0, 1, 2, 3]) for _ in range(n)]
        b = [x if rng.random() < 0.6 else rng.choice([0, 1, 2, 3]) for x in a]
        if len(set(a)) == len(set(b)) == 1 and a[0] == b[0]:
            continue  # scikit-learn divides by zero there; we say 1.0
        for weights in (None, "linear", "quadratic"):
            want = cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights=weights)
            assert cohen_kappa(a, b, labels=[0, 1, 2, 3], weights=weights) == pytest.approx(want)
    assert cohen_kappa([2, 2], [2, 2], labels=[0, 1, 2, 3]) == 1.0
    with pytest.raises(errors.InvalidInputError):
        cohen_kappa([1], [1, 2], labels=[0, 1, 2, 3])
    with pytest.raises(errors.InvalidInputError):
        cohen_kappa([5], [1], labels=[0, 1, 2, 3])


def test_agreement_between_two_judges(chunks: vl.Collection) -> None:
    ana = vl.Judgements(chunks, judge="ana")
    bo = vl.Judgements(chunks, judge="bo")
    assert ana.agreement("ana", "bo")["pairs"] == 0
    ids = ["d1#0", "d1#1", "d2#0", "d2#1", "loose"]
    ana.grade_many([(Q, i, g) for i, g in zip(ids, [3, 2, 0, 0, 1], strict=True)])
    bo.grade_many([(Q, i, g) for i, g in zip(ids[:4], [3, 1, 0, 1], strict=True)])
    got = ana.agreement("ana", "bo")
    assert got["pairs"] == 4 and got["agreed"] == 0.5
    a, b = [3, 2, 0, 0], [3, 1, 0, 1]
    assert got["kappa"] == pytest.approx(cohen_kappa_score(a, b, labels=[0, 1, 2, 3]))
    assert got["weighted_kappa"] == pytest.approx(
        cohen_kappa_score(a, b, labels=[0, 1, 2, 3], weights="quadratic")
    )


def test_the_log_is_one_table_in_the_database(chunks: vl.Collection, tmp_path: Path) -> None:
    vl.Judgements(chunks).grade(Q, "d1#0", 1)
    assert (tmp_path / "db" / f"{JUDGEMENTS_TABLE}.lance").is_dir()


def test_judged_at_k_is_the_graded_share_of_the_top_k() -> None:
    graded = {"a": 2, "b": 0}
    assert ev.judged(["a", "x", "b", "y"], graded, 2) == 0.5
    assert ev.judged(["a", "b", "x"], graded, 2) == 1.0
    assert ev.judged(["x"], graded, 10) == 0.0


def test_evaluate_reads_judgements_and_warns_when_ungraded_hits_could_change_it(
    chunks: vl.Collection,
) -> None:
    j = vl.Judgements(chunks, judge="ana")
    j.grade("the moon pulls", "d1#0", 3)
    configs = {
        "text": {"mode": "text"},
        "vector in d2": {"mode": "vector", "where": {"doc_id": "d2"}},  # cannot find d1#0
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = ev.evaluate(chunks, None, j, configs, k=3)
    assert t.column("query_id").to_pylist() == [ev.query_id("the moon pulls")] * 2
    by_config = {r["config"]: r for r in t.to_pylist()}
    assert by_config["text"]["recall@3"] == 1.0 and by_config["text"]["judged@3"] == 1.0
    assert by_config["vector in d2"]["recall@3"] == 0.0
    assert by_config["vector in d2"]["judged@3"] == 0.0  # its two hits are not graded
    # Were d2's chunks relevant, its precision@3 (2/3) would beat text's (1/3): say so.
    assert [type(w.message) for w in caught] == [errors.UnjudgedHitsWarning]
    assert "'vector in d2' has only 0% of its top 3 graded" in str(caught[0].message)
    # Grade them: the comparison stands, and nothing is said.
    j.grade_many([("the moon pulls", "d2#0", 0), ("the moon pulls", "d2#1", 0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = ev.evaluate(chunks, None, j, configs, k=3)
    assert set(t.column("judged@3").to_pylist()) == {1.0}
    # A qrels file follows its own convention (unjudged = not relevant): no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ev.evaluate(chunks, {"q": "the moon pulls"}, {"q": {"d1#0": 3}}, configs, k=3)


def test_evaluate_with_judgements_rolls_chunks_up_to_documents(chunks: vl.Collection) -> None:
    j = vl.Judgements(chunks, judge="ana")
    j.grade("bonds fell", "d2#0", 2)
    t = ev.evaluate(
        chunks, {"q": "bonds fell"}, j, {"text": {"mode": "text"}}, k=2, doc_key="doc_id"
    )
    assert t.column("recall@2").to_pylist() == [1.0]  # d2 is relevant through its chunk


def test_twins_with_the_same_text_can_take_a_copied_grade(tmp_path: Path) -> None:
    """Tutorial 06's drill-down ranked two chunks with identical text #1 and #2, one judged
    relevant and one not: the judge is told, and copies the grade."""
    db = vl.connect(tmp_path / "db", embedder=vl.HashEmbedder(dim=16))
    c = db.create_collection("c")
    c.add(
        ids=["a", "b", "c", "d"], texts=["x += 1 adds in place", "x += 1 adds in place", "y", "y"]
    )
    j = vl.Judgements(c, judge="ana")
    assert j.same_text(["a", "c", "nope"]) == {"a": ["b"], "c": ["d"]}
    assert j.same_text([]) == {}
    j.grade(Q, "a", 3)
    assert j.copy_grade(Q, "a", j.same_text(["a"])["a"]) == 1
    assert j.for_query(Q) == {"a": 3, "b": 3}
    assert j.current().column("source").to_pylist() == ["python", "copy"]
    with pytest.raises(errors.InvalidInputError, match="no grade"):
        j.copy_grade(Q, "c", ["d"])
