"""Random dict filters give exactly the rows a Python reference evaluation picks.

The reference follows the documented semantics: SQL's three-valued logic (a comparison with a
missing value is unknown, and unknown never matches, also under ``$not``), except that ``$ne``
and ``$nin`` match missing values, as in MongoDB.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import vecstore_lab as vl

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
TOPICS = ["it's", "100%", "a_b", "ü", "tab\there", "", "DROP", "score"]
YEARS = [INT64_MIN, -1, 0, 1, 2019, 2020, 2021, INT64_MAX]
RATINGS = [-1.5, 0.0, 0.25, 0.5, 1e300]
FIELDS: dict[str, list[Any]] = {"topic": TOPICS, "year": YEARS, "rating": RATINGS}


def make_rows(n: int = 60) -> list[dict[str, Any]]:
    rnd = random.Random(11)
    rows = []
    for i in range(n):
        row: dict[str, Any] = {"id": f"r{i}"}
        for name, values in FIELDS.items():
            row[name] = None if rnd.random() < 0.2 else rnd.choice(values)
        row["flag"] = None if rnd.random() < 0.2 else rnd.random() < 0.5
        rows.append(row)
    return rows


ROWS = make_rows()


@pytest.fixture(scope="module")
def coll(tmp_path_factory: pytest.TempPathFactory) -> vl.Collection:
    db = vl.connect(Path(tmp_path_factory.mktemp("fuzz")) / "db", embedding_cache=False)
    c = db.create_collection("fuzz", dim=2)
    metas = [{k: v for k, v in r.items() if k != "id"} for r in ROWS]
    c.add(ids=[r["id"] for r in ROWS], vectors=np.ones((len(ROWS), 2)), metadatas=metas)
    return c


# -- the reference: three-valued logic over Python values ---------------------------------
def k_and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def k_or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def k_not(value: bool | None) -> bool | None:
    return None if value is None else not value


def field_op(v: Any, op: str, arg: Any) -> bool | None:
    if op == "$eq":
        return (v is None) if arg is None else (None if v is None else v == arg)
    if op == "$ne":
        return (v is not None) if arg is None else (True if v is None else v != arg)
    if op == "$in":
        return None if v is None else v in arg
    if op == "$nin":
        return True if v is None else v not in arg
    if op == "$exists":
        return (v is not None) == arg
    if v is None:
        return None
    return {"$gt": v > arg, "$gte": v >= arg, "$lt": v < arg, "$lte": v <= arg}[op]


def evaluate(spec: dict[str, Any], row: dict[str, Any]) -> bool | None:
    parts: list[bool | None] = []
    for key, value in spec.items():
        if key == "$and":
            parts.append(k_and([evaluate(s, row) for s in value]))
        elif key == "$or":
            parts.append(k_or([evaluate(s, row) for s in value]))
        elif key == "$not":
            parts.append(k_not(evaluate(value, row)))
        elif isinstance(value, dict):
            parts.append(k_and([field_op(row[key], op, arg) for op, arg in value.items()]))
        else:
            parts.append(field_op(row[key], "$eq", value))
    return k_and(parts)


# -- random filters -----------------------------------------------------------------------
def leaf() -> st.SearchStrategy[dict[str, Any]]:
    def for_field(name: str) -> st.SearchStrategy[dict[str, Any]]:
        values = st.sampled_from(FIELDS[name]) if name != "flag" else st.booleans()
        ordered = ["$gt", "$gte", "$lt", "$lte"] if name != "flag" else []
        op = st.sampled_from(["$eq", "$ne", *ordered])
        plain = st.tuples(op, values).map(lambda t: {name: {t[0]: t[1]}})
        shorthand = values.map(lambda v: {name: v})
        inlist = st.tuples(
            st.sampled_from(["$in", "$nin"]), st.lists(values, min_size=1, max_size=3)
        ).map(lambda t: {name: {t[0]: t[1]}})
        exists = st.booleans().map(lambda b: {name: {"$exists": b}})
        null = st.sampled_from(["$eq", "$ne"]).map(lambda o: {name: {o: None}})
        return st.one_of(plain, shorthand, inlist, exists, null)

    return st.sampled_from([*FIELDS, "flag"]).flatmap(for_field)


filters = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"$and": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"$or": xs}),
        inner.map(lambda x: {"$not": x}),
    ),
    max_leaves=6,
)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=filters)
# Found by this test in CI: DataFusion folds the AND to FALSE for a NULL topic, and NOT of it
# matched every NULL row, until NOT was pushed down to single conditions.
@example(spec={"$not": {"$and": [{"topic": {"$in": ["it's"]}}, {"topic": {"$in": ["100%"]}}]}})
@example(spec={"$not": {"$or": [{"year": {"$in": [0]}}, {"$not": {"year": {"$in": [1]}}}]}})
def test_dict_filters_match_the_reference(coll: vl.Collection, spec: dict[str, Any]) -> None:
    want = sorted(r["id"] for r in ROWS if evaluate(spec, r) is True)
    got = sorted(coll.get(where=spec).ids)
    assert got == want, spec
    assert coll.count(where=spec) == len(want)
