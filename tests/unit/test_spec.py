"""QuerySpec: one validated description of a query, shared by query(), search(), eval, the CLI
and the widgets; its JSON form round-trips exactly and runs to the same results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.eval import SearchConfig, evaluate, search_config
from vecstore_lab.spec import MODES, QuerySpec

TEXTS = {
    "a": "the moon raises the tides",
    "b": "bond prices fell as rates rose",
    "c": "bread needs yeast and time",
    "d": "tides follow the moon and the sun",
}


@pytest.fixture
def docs(tmp_path: Path) -> vl.Collection:
    db = vl.connect(tmp_path, embedder=vl.HashEmbedder(dim=32))
    c = db.create_collection("docs")
    c.add(
        ids=list(TEXTS),
        texts=list(TEXTS.values()),
        metadatas=[{"topic": t} for t in ("sky", "money", "food", "sky")],
    )
    return c


SPECS = [
    QuerySpec("moon tides"),
    QuerySpec("moon tides", mode="text", k=2, where={"topic": "sky"}),
    QuerySpec("moon tides", mode="hybrid", fusion="linear", candidates=40, select=["topic"]),
    QuerySpec("moon", mode="hybrid", fusion={"name": "rrf", "config": {"k": 5}}, rerank="mmr"),
    QuerySpec("moon", rerank={"name": "mmr", "config": {"lambda_": 0.3}}, rerank_k=12, k=3),
    QuerySpec(vector=np.linspace(-1, 1, 32), where="topic != 'food'", include_vectors=True),
    QuerySpec("bread", nprobes=4, refine_factor=2),
]


@pytest.mark.parametrize("spec", SPECS, ids=range(len(SPECS)))
def test_json_round_trip_is_exact_and_runs_the_same(docs: vl.Collection, spec: QuerySpec) -> None:
    text = spec.to_json()
    again = QuerySpec.from_json(text)
    assert again == spec
    assert again.to_json() == text
    assert json.loads(text)["fusion"]["name"] in ("rrf", "linear")
    first, second = docs.search(spec), docs.search(again)
    assert first.ids == second.ids and first.scores == second.scores


def test_query_keywords_build_the_same_spec(docs: vl.Collection) -> None:
    via_query = docs.query("moon tides", mode="hybrid", fusion="linear", alpha=0.25, k=3)
    spec = QuerySpec.build("moon tides", mode="hybrid", fusion="linear", alpha=0.25, k=3)
    assert spec.fusion == vl.LinearCombinationReranker(alpha=0.25)
    assert spec == QuerySpec("moon tides", mode="hybrid", k=3, fusion=spec.fusion)
    assert docs.search(spec).ids == via_query.ids
    assert QuerySpec.build("x", rrf_k=7).fusion == vl.RRFReranker(k=7)


def test_spec_is_frozen_and_replace_validates() -> None:
    spec = QuerySpec("moon", k=3)
    with pytest.raises(AttributeError):
        spec.k = 5  # type: ignore[misc]
    assert spec.replace(k=5).k == 5 and spec.k == 3
    with pytest.raises(errors.InvalidInputError, match="k must be"):
        spec.replace(k=0)
    vec = QuerySpec(vector=[1.0, 2.0]).vector
    assert vec is not None and not vec.flags.writeable


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"mode": "semantic"}, "mode must be one of"),
        ({"k": True}, "k must be a positive int"),
        ({"k": 2**40}, "k must be at most"),
        ({"text": "  "}, "non-empty string"),
        ({"text": "a\ud800b"}, "lone surrogate"),
        ({"rerank_k": 2, "k": 5}, "rerank_k must be"),
        ({"candidates": -1}, "candidates must be a positive int"),
        ({"select": [1, 2]}, "select must be a list"),
        ({"where": 42}, "where must be a dict or a string"),
        ({"fusion": "max"}, "fusion must be"),
        ({"fusion": {"name": "linear", "config": {"alpha": 3}}}, "alpha must be"),
        ({"rerank": "no-such-reranker"}, "no reranker is registered"),
        ({"rerank": 3.5}, "rerank must be"),
        ({"vector": [1.0, None]}, "None"),
        ({"vector": [[1.0], [2.0]]}, "one vector"),
    ],
)
def test_bad_specs_raise_typed_errors(fields: dict[str, Any], fragment: str) -> None:
    with pytest.raises((errors.InvalidInputError, errors.UnknownComponentError), match=fragment):
        QuerySpec(**fields)


def test_from_json_rejects_unknown_fields_and_bad_json() -> None:
    with pytest.raises(errors.InvalidInputError, match="unknown query spec field"):
        QuerySpec.from_dict({"text": "x", "top_k": 3})
    with pytest.raises(errors.InvalidInputError, match="must be JSON"):
        QuerySpec.from_json("{not json")
    with pytest.raises(errors.InvalidInputError, match="JSON object"):
        QuerySpec.from_json("[1, 2]")
    with pytest.raises(errors.InvalidInputError, match="unknown query option"):
        QuerySpec.build("x", top_k=3)


def test_what_has_no_json_form_says_so() -> None:
    spec = QuerySpec("moon", rerank=lambda query, hits: [0.0] * hits.num_rows)
    with pytest.raises(errors.InvalidInputError, match="no JSON form"):
        spec.to_json()


def test_search_takes_only_a_spec(docs: vl.Collection) -> None:
    with pytest.raises(errors.InvalidInputError, match="takes a QuerySpec"):
        docs.search({"text": "moon"})  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInputError, match="text mode needs text"):
        docs.search(QuerySpec(mode="text"))


def test_eval_configs_are_specs(docs: vl.Collection) -> None:
    queries, qrels = {"q": "moon tides"}, {"q": {"a": 1, "d": 1}}
    as_dict = evaluate(docs, queries, qrels, {"h": {"mode": "hybrid", "fusion": "linear"}}, k=2)
    as_spec = evaluate(docs, queries, qrels, {"h": QuerySpec(mode="hybrid", fusion="linear")}, k=2)
    assert as_dict.to_pylist() == as_spec.to_pylist()
    template = QuerySpec(mode="text", where={"topic": "sky"})
    hits = search_config(docs, "moon tides", template, k=2)
    assert hits.ids == docs.query("moon tides", mode="text", where={"topic": "sky"}, k=2).ids
    with pytest.raises(errors.InvalidInputError, match="SearchConfig"):
        evaluate(docs, queries, qrels, {"x": {"collection": docs}}, k=2)
    with pytest.raises(errors.InvalidInputError, match="unknown query option"):
        evaluate(docs, queries, qrels, {"x": {"mdoe": "text"}}, k=2)
    assert SearchConfig.of(template).spec is template


def test_surfaces_list_the_modes_from_the_spec(docs: vl.Collection) -> None:
    from vecstore_lab.cli import build_parser
    from vecstore_lab.widgets import SearchWidget

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    query = sub.choices["query"]  # type: ignore[index]
    mode = next(a for a in query._actions if a.dest == "mode")
    assert tuple(mode.choices) == MODES
    assert tuple(SearchWidget.class_traits()["mode"].values) == MODES
    assert tuple(SearchWidget(docs).modes) == MODES
