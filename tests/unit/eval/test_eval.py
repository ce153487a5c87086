"""IR metrics against hand-computed values and textbook formulas; BEIR loading."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from vecstore_lab import eval as ev
from vecstore_lab.errors import InvalidInputError

RANKED = ["d3", "d1", "d7", "d2", "d9"]
JUDGED = {"d1": 2, "d2": 1, "d4": 1, "d8": 0}  # 3 relevant, d8 judged not relevant


def test_hand_computed_example() -> None:
    assert ev.recall(RANKED, JUDGED, 5) == pytest.approx(2 / 3)
    assert ev.precision(RANKED, JUDGED, 5) == pytest.approx(2 / 5)
    assert ev.mrr(RANKED, JUDGED, 5) == pytest.approx(1 / 2)
    assert ev.mrr(RANKED, JUDGED, 1) == 0.0
    # AP@5: relevant at ranks 2 and 4 -> (1/2 + 2/4) / 3 relevant
    assert ev.average_precision(RANKED, JUDGED, 5) == pytest.approx((0.5 + 0.5) / 3)
    # gain = grade (trec_eval): d1 (2) at rank 2, d2 (1) at rank 4; ideal 2, 1, 1
    dcg = 2 / math.log2(3) + 1 / math.log2(5)
    idcg = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ev.ndcg(RANKED, JUDGED, 5) == pytest.approx(dcg / idcg)


def test_perfect_and_empty_runs() -> None:
    perfect = ["d1", "d2", "d4"]
    for name in ("recall", "mrr", "map"):
        assert ev.METRICS[name](perfect, JUDGED, 3) == pytest.approx(1.0)
    assert ev.ndcg(perfect, JUDGED, 3) == pytest.approx(1.0)
    for name, fn in ev.METRICS.items():
        # An empty run finds nothing, and leaves nothing unjudged.
        assert fn([], JUDGED, 10) == (1.0 if name == "judged" else 0.0), name


@settings(max_examples=200, deadline=None)
@given(
    ranked=st.lists(st.sampled_from([f"d{i}" for i in range(12)]), unique=True, max_size=12),
    grades=st.dictionaries(st.sampled_from([f"d{i}" for i in range(12)]), st.integers(0, 3)),
    k=st.integers(1, 12),
)
def test_metric_bounds_and_textbook_identities(
    ranked: list[str], grades: dict[str, int], k: int
) -> None:
    for fn in ev.METRICS.values():
        assert 0.0 <= fn(ranked, grades, k) <= 1.0 + 1e-12
    rel = {d for d, g in grades.items() if g > 0}
    hits = sum(1 for d in ranked[:k] if d in rel)
    assert ev.precision(ranked, grades, k) * k == pytest.approx(hits)
    if rel:
        assert ev.recall(ranked, grades, k) * len(rel) == pytest.approx(hits)
    # binary judgements: nDCG's ideal ordering puts every relevant document first
    binary = dict.fromkeys(rel, 1)
    ideal = sorted(rel)[:k]
    if rel:
        assert ev.ndcg(ideal, binary, k) == pytest.approx(1.0)


def test_score_run_table() -> None:
    qrels = {"q1": JUDGED, "q2": {"x": 1}, "q3": {"y": 0}}
    table = ev.score_run({"q1": RANKED, "q2": ["x"]}, qrels, k=5)
    assert table.column("query_id").to_pylist() == ["q1", "q2"]  # q3 has no relevant doc
    assert table.column("recall@5").to_pylist() == pytest.approx([2 / 3, 1.0])
    with pytest.raises(InvalidInputError, match="unknown metrics"):
        ev.score_run({}, qrels, metrics=("bleu",))


def test_load_beir(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        json.dumps({"_id": "d1", "title": "T", "text": "tides"})
        + "\n"
        + json.dumps({"_id": "d2", "text": "bonds"})
        + "\n"
    )
    (tmp_path / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "moon"}) + "\n")
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\n")
    data = ev.load_beir(tmp_path)
    assert data.corpus["d1"] == {"title": "T", "text": "tides"}
    assert data.queries == {"q1": "moon"} and data.qrels == {"q1": {"d1": 2}}
    (tmp_path / "qrels" / "test.tsv").write_text("q1\td1\t2\n")
    with pytest.raises(InvalidInputError, match="header"):
        ev.load_beir(tmp_path)


def test_evaluate_and_compare_configurations(tmp_path: Path) -> None:
    import vecstore_lab as vl

    c = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=64)).create_collection("c")
    c.add(
        ids=["tides", "bonds", "bread", "planets", "vaccines"],
        texts=[
            "the moon raises ocean tides twice a day",
            "bond prices fall when rates rise",
            "sourdough bread rises with wild yeast",
            "telescopes find planets by transits",
            "vaccines train the immune system",
        ],
    )
    queries = {"q1": "ocean tides", "q2": "bond rates", "q3": "yeast bread", "q4": "zzz"}
    qrels = {"q1": {"tides": 1}, "q2": {"bonds": 2}, "q3": {"bread": 1}, "q4": {"planets": 1}}
    configs = {"vector": {"mode": "vector"}, "text": {"mode": "text"}, "hybrid": {"mode": "hybrid"}}
    table = ev.evaluate(c, queries, qrels, configs, k=3)
    assert table.num_rows == 12 and set(table.column("config").to_pylist()) == set(configs)
    text = {r["query_id"]: r for r in table.to_pylist() if r["config"] == "text"}
    assert text["q1"]["mrr@3"] == 1.0 and text["q4"]["recall@3"] == 0.0  # BM25 finds nothing
    # the same numbers as scoring the runs directly
    direct = ev.score_run(
        {q: c.query(t, k=3, mode="text").ids for q, t in queries.items()}, qrels, k=3
    )
    assert direct.column("ndcg@3").to_pylist() == [
        text[q]["ndcg@3"] for q in ("q1", "q2", "q3", "q4")
    ]
    summary = ev.compare(table, baseline="vector")
    rows = {(r["config"], r["metric"]): r for r in summary.to_pylist()}
    same = rows[("vector", "ndcg@3")]
    assert same["mean_diff"] == 0.0 and same["ties"] == 4 and same["wins"] == same["losses"] == 0
    for config in ("text", "hybrid"):
        r = rows[(config, "mrr@3")]
        assert r["wins"] + r["losses"] + r["ties"] == 4
        assert r["mean"] - r["baseline_mean"] == pytest.approx(r["mean_diff"])
    with pytest.raises(InvalidInputError, match="baseline"):
        ev.compare(table, baseline="nope")


@settings(max_examples=300, deadline=None)
@given(
    ranked=st.lists(st.sampled_from([f"d{i}" for i in range(15)]), unique=True, max_size=15),
    grades=st.dictionaries(
        st.sampled_from([f"d{i}" for i in range(15)]), st.integers(0, 3), min_size=1
    ),
    k=st.sampled_from([1, 3, 5, 10, 20]),
)
def test_metrics_equal_trec_eval(ranked: list[str], grades: dict[str, int], k: int) -> None:
    """Every metric equals trec_eval's (pytrec_eval runs trec_eval's C code)."""
    import pytrec_eval

    if not any(g > 0 for g in grades.values()):
        return
    # Strictly decreasing scores, so trec_eval's tie-breaking cannot reorder the run.
    run = {"q": {d: float(100 - i) for i, d in enumerate(ranked)}}
    measures = {f"ndcg_cut.{k}", f"P.{k}", f"recall.{k}", f"map_cut.{k}"}
    ref = pytrec_eval.RelevanceEvaluator({"q": grades}, measures).evaluate(run).get("q", {})
    # MRR@k is trec_eval's recip_rank on the top k.
    top = {"q": dict(list(run["q"].items())[:k])}
    rr = pytrec_eval.RelevanceEvaluator({"q": grades}, {"recip_rank"}).evaluate(top)
    assert ev.ndcg(ranked, grades, k) == pytest.approx(ref.get(f"ndcg_cut_{k}", 0.0), abs=1e-9)
    assert ev.precision(ranked, grades, k) == pytest.approx(ref.get(f"P_{k}", 0.0), abs=1e-9)
    assert ev.recall(ranked, grades, k) == pytest.approx(ref.get(f"recall_{k}", 0.0), abs=1e-9)
    assert ev.average_precision(ranked, grades, k) == pytest.approx(
        ref.get(f"map_cut_{k}", 0.0), abs=1e-9
    )
    assert ev.mrr(ranked, grades, k) == pytest.approx(
        rr.get("q", {}).get("recip_rank", 0.0), abs=1e-9
    )


def test_sample_set_is_loadable_and_consistent() -> None:
    from vecstore_lab.datasets import load_python_reference

    data = load_python_reference()
    assert len(data.corpus) == 75 and len(data.queries) == 45
    judged = [(q, d, g) for q, j in data.qrels.items() for d, g in j.items()]
    assert len(judged) == 92
    # every judgement names a real document and query, every query has an answer (grade 2)
    assert all(d in data.corpus and q in data.queries and g in (1, 2) for q, d, g in judged)
    assert all(2 in j.values() for j in data.qrels.values())
    assert all(doc["text"] and doc["title"] for doc in data.corpus.values())


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the corpus is Python 3.11's topics")
def test_sample_set_rebuilds_identically(tmp_path: Path) -> None:
    """The committed files are exactly what tools/build_python_reference.py makes, and every
    judgement's supporting phrase is still in its document (the builder checks that)."""
    root = ROOT
    subprocess.run(
        [sys.executable, str(root / "tools" / "build_python_reference.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    shipped = root / "vecstore_lab" / "data" / "python_reference"
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


def test_compare_p_values_are_exact_sign_flip_tests() -> None:
    import itertools
    import random

    import pyarrow as pa

    rng = random.Random(7)
    for n in (1, 3, 6, 9):
        base = [rng.random() for _ in range(n)]
        other = [b + rng.uniform(-0.3, 0.5) for b in base]
        table = pa.table(
            {
                "config": ["base"] * n + ["other"] * n + ["same"] * n,
                "query_id": [str(i) for i in range(n)] * 3,
                "ndcg@10": base + other + base,
            }
        )
        rows = {r["config"]: r for r in ev.compare(table, "base").to_pylist()}
        # Enumerate every sign pattern by hand: p = share with |mean| >= the observed |mean|.
        diffs = [o - b for o, b in zip(other, base, strict=True)]
        observed = abs(sum(diffs) / n)
        patterns = list(itertools.product((1, -1), repeat=n))
        extreme = sum(
            abs(sum(s * d for s, d in zip(signs, diffs, strict=True)) / n) >= observed - 1e-12
            for signs in patterns
        )
        assert rows["other"]["p_value"] == pytest.approx(extreme / len(patterns))
        assert rows["same"]["p_value"] == 1.0 and rows["same"]["ties"] == n
        assert rows["base"]["p_value"] is None


def test_compare_p_value_separates_signal_from_noise() -> None:
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(3)
    base = rng.uniform(0.2, 0.8, 60)
    table = pa.table(
        {
            "config": ["base"] * 60 + ["better"] * 60 + ["noise"] * 60,
            "query_id": [str(i) for i in range(60)] * 3,
            "mrr@10": np.concatenate(
                [base, base + rng.uniform(0.0, 0.2, 60), base + rng.normal(0, 0.1, 60)]
            ),
        }
    )
    rows = {r["config"]: r for r in ev.compare(table, "base").to_pylist()}
    assert rows["better"]["p_value"] < 0.001  # every query improves
    assert rows["noise"]["p_value"] > 0.05  # zero-mean noise
    # Seeded: the same table gives the same p-values.
    again = {r["config"]: r for r in ev.compare(table, "base").to_pylist()}
    assert again["noise"]["p_value"] == rows["noise"]["p_value"]


def test_trec_qrels_and_runs(tmp_path: Path) -> None:
    (tmp_path / "qrels.txt").write_text("q1 0 d1 2\nq1 0 d2 0\n\nq2 0 d3 1\n")
    qrels = ev.load_qrels(tmp_path / "qrels.txt")
    assert qrels == {"q1": {"d1": 2, "d2": 0}, "q2": {"d3": 1}}
    # Run lines out of order; ranked by score, ties broken by rank.
    (tmp_path / "run.txt").write_text(
        "q1 Q0 d2 2 0.5 sys\nq1 Q0 d9 3 0.5 sys\nq1 Q0 d1 1 0.9 sys\nq2 Q0 d3 1 1.0 sys\n"
    )
    run = ev.load_run(tmp_path / "run.txt")
    assert run == {"q1": ["d1", "d2", "d9"], "q2": ["d3"]}
    table = ev.score_run(run, qrels, k=2)
    assert table.column("mrr@2").to_pylist() == [1.0, 1.0]
    (tmp_path / "bad.txt").write_text("q1 0 d1\n")
    with pytest.raises(InvalidInputError, match=r"bad\.txt:1: expected 4 fields"):
        ev.load_qrels(tmp_path / "bad.txt")
    (tmp_path / "bad.txt").write_text("q1 0 d1 high\n")
    with pytest.raises(InvalidInputError, match="'high' is not a number"):
        ev.load_qrels(tmp_path / "bad.txt")
    (tmp_path / "badrun.txt").write_text("q1 Q0 d1 one 0.5 x\n")
    with pytest.raises(InvalidInputError, match=r"badrun\.txt:1: rank/score"):
        ev.load_run(tmp_path / "badrun.txt")


def test_load_queries_formats(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text(
        '{"_id": "q1", "text": "tides"}\n\n{"id": 2, "text": "bonds"}\n'
    )
    assert ev.load_queries(tmp_path / "q.jsonl") == {"q1": "tides", "2": "bonds"}
    (tmp_path / "q.jsonl").write_text('{"_id": "q1"}\n')
    with pytest.raises(InvalidInputError, match=r"q\.jsonl:1: expected"):
        ev.load_queries(tmp_path / "q.jsonl")
    (tmp_path / "q.jsonl").write_text("{oops\n")
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        ev.load_queries(tmp_path / "q.jsonl")
