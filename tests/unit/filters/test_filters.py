"""Filters: both syntaxes, validation with positions, and injection attempts on real LanceDB."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest
from helpers import snapshot

from vecstore_lab.errors import InvalidFilterError
from vecstore_lab.filters import compile_filter, parse_filter

if TYPE_CHECKING:
    import vecstore_lab as vl

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("vector", pa.list_(pa.float32(), 4)),
        ("category", pa.string()),
        ("year", pa.int64()),
        ("rating", pa.float64()),
        ("ok", pa.bool_()),
        ("tags", pa.list_(pa.string())),
        ("when", pa.timestamp("us")),
        ("day", pa.date32()),
    ]
)


@pytest.mark.parametrize(
    ("where", "sql"),
    [
        ({"category": "tech"}, "(`category` = 'tech')"),
        ({"year": {"$gte": 2020, "$lt": 2024}}, "((`year` >= 2020) AND (`year` < 2024))"),
        ({"category": "a", "year": 1}, "((`category` = 'a') AND (`year` = 1))"),
        ({"$or": [{"year": 1}, {"ok": True}]}, "((`year` = 1) OR (`ok` = true))"),
        ({"$not": {"category": "x"}}, "((`category` = 'x') IS FALSE)"),
        ({"year": {"$in": [1, 2]}}, "(`year` IN (1, 2))"),
        ({"year": {"$nin": [1]}}, "(`year` IS NULL OR (`year` NOT IN (1)))"),
        ({"category": {"$ne": "x"}}, "(`category` IS NULL OR (`category` != 'x'))"),
        ({"category": None}, "(`category` IS NULL)"),
        ({"category": {"$exists": True}}, "(`category` IS NOT NULL)"),
        ({"text": {"$contains": "cat"}}, "(strpos(`text`, 'cat') > 0)"),
        ({"tags": {"$contains": "a"}}, "array_has(`tags`, 'a')"),
        ({"year": {"$gt": 2020.5}}, "(CAST(`year` AS DOUBLE) > 2020.5)"),
        ({"year": 2020.0}, "(`year` = 2020)"),
        ({"rating": 3}, "(`rating` = 3)"),
        (
            {"when": {"$gte": dt.datetime(2021, 1, 2, 3, 4)}},
            "(`when` >= TIMESTAMP '2021-01-02 03:04:00')",
        ),
        ({"day": "2021-05-06"}, "(`day` = DATE '2021-05-06')"),
        ({"year": {"$not": {"$gt": 5}}}, "((`year` > 5) IS FALSE)"),
        ("category = 'tech' AND rating > 0.5", "((`category` = 'tech') AND (`rating` > 0.5))"),
        ("year IN (2020, 2021)", "(`year` IN (2020, 2021))"),
        # NOT is pushed down to single conditions (see _Compiler.negate)
        ("NOT (year = 1 OR year = 2)", "(((`year` = 1) IS FALSE) AND ((`year` = 2) IS FALSE))"),
        ("year BETWEEN 1 AND 3", "((`year` >= 1) AND (`year` <= 3))"),
        ("category IS NOT NULL", "(`category` IS NOT NULL)"),
        ("category LIKE 'te%'", "(`category` LIKE 'te%')"),
        ("2020 <= year", "(`year` >= 2020)"),
        ("`category` == 'it''s'", "(`category` = 'it''s')"),
        ("ok = TRUE and year <> -3", "((`ok` = true) AND (`year` != -3))"),
        ("when > TIMESTAMP '2020-01-01'", "(`when` > TIMESTAMP '2020-01-01 00:00:00')"),
        ("category != 'x'", "(`category` != 'x')"),
    ],
)
def test_compiles_to_expected_sql(where: object, sql: str) -> None:
    assert compile_filter(where, SCHEMA) == sql  # type: ignore[arg-type]


def test_empty_filters_mean_no_filter() -> None:
    assert compile_filter(None, SCHEMA) is None
    assert compile_filter({}, SCHEMA) is None
    assert compile_filter("  ", SCHEMA) is None


@pytest.mark.parametrize(
    ("where", "message", "position"),
    [
        ("categry = 'x'", "unknown field 'categry' at position 0; did you mean 'category'", 0),
        ("year = 'x'", "expected a number", 7),
        ("category = 1", "expected a string", 11),
        ("year >", "expected a value", 6),
        ("(year = 1", "expected ')'", 9),
        ("year = 1 year = 2", "expected AND, OR", 9),
        ("year = 1; DROP TABLE docs", "unexpected character ';' at position 8", 8),
        ("year = 1 -- comment", "unexpected character '-'", 9),
        ("year = 1 /* x */", "unexpected character '/'", 9),
        ("category = 'x' OR 1=1", "needs a field on one side", 18),
        ('category = "x"', "single quotes", 11),
        ("category = 'open", "unterminated string", 11),
        ("lower(category) = 'x'", "expected an operator", 5),
        ("vector = 1", "is a vector", 0),
        ("year = NULL", "IS NULL", 7),
        ("", None, None),
    ],
)
def test_string_errors_name_problem_and_position(
    where: str, message: str | None, position: int | None
) -> None:
    if message is None:
        assert compile_filter(where, SCHEMA) is None
        return
    with pytest.raises(InvalidFilterError) as info:
        compile_filter(where, SCHEMA)
    assert message in str(info.value)
    assert info.value.position == position


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"colour": "red"}, "unknown field 'colour' in where['colour']"),
        ({"year": {"$gt": "2020"}}, "expected a number"),
        ({"year": {"$foo": 1}}, "unknown operator '$foo'"),
        ({"$xor": []}, "unknown operator '$xor'"),
        ({"year": [1, 2]}, "use {'$in'"),
        ({"year": {"$in": []}}, "non-empty list"),
        ({"$or": "x"}, "non-empty list"),
        ({"ok": 1}, "true or false"),
        ({"year": True}, "expected a number"),
        ({"year": float("nan")}, "finite"),
        ({"rating": {"$contains": 1}}, "$contains needs a text or list field"),
        ({"tags": "a"}, "use $contains"),
        ({"year": {"$gt": None}}, "cannot order against None"),
        ({"when": "yesterday"}, "ISO-8601"),
        ({"year": {"$gte": 1, "x": 2}}, "mixing operators"),
        ({1: 2}, "keys must be strings"),
    ],
)
def test_dict_errors_name_the_key_path(where: object, message: str) -> None:
    with pytest.raises(InvalidFilterError) as info:
        compile_filter(where, SCHEMA)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_filter_must_be_dict_or_string() -> None:
    with pytest.raises(InvalidFilterError, match="dict or a string"):
        parse_filter(42)  # type: ignore[arg-type]


HOSTILE = [
    "x' OR '1'='1",
    "'; DROP TABLE docs; --",
    "a'' OR 1=1 --",
    "\\' OR 1=1",
    "back`tick",
    "%_ wildcard",
    "/* comment */",
    "newline\n' OR TRUE",
    "unicode ünïcødé ☃",
]


@pytest.fixture
def hostile(db: vl.VecDatabase) -> vl.Collection:
    c = db.create_collection("hostile")
    c.add(
        ids=[f"h{i}" for i in range(len(HOSTILE))] + ["plain"],
        texts=[f"row {i}" for i in range(len(HOSTILE))] + ["plain row"],
        metadatas=[{"label": s} for s in HOSTILE] + [{"label": "plain"}],
    )
    return c


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_match_only_themselves(hostile: vl.Collection, value: str) -> None:
    before = snapshot(hostile)
    expected = [f"h{HOSTILE.index(value)}"]
    assert hostile.get(where={"label": value}).ids == expected
    assert hostile.get(where={"label": {"$in": [value]}}).ids == expected
    quoted = "'" + value.replace("'", "''") + "'"
    assert hostile.get(where=f"label = {quoted}").ids == expected
    assert hostile.count(where={"label": {"$ne": value}}) == len(HOSTILE)
    assert hostile.delete(where={"label": value + "-not-there"}) == 0
    assert snapshot(hostile) == before


@pytest.mark.parametrize(
    "where",
    [
        "label = 'x' OR 1=1",
        "label = 'x'; DELETE FROM hostile",
        "label = 'x' -- ' OR TRUE",
        "label = 'x' /* */ OR TRUE",
        "label = 'x') OR (TRUE",
        "TRUE",
        "1 = 1",
        "label = label",
    ],
)
def test_injection_strings_are_rejected_not_run(hostile: vl.Collection, where: str) -> None:
    before = snapshot(hostile)
    with pytest.raises(InvalidFilterError):
        hostile.delete(where=where)
    with pytest.raises(InvalidFilterError):
        hostile.get(where=where)
    assert snapshot(hostile) == before


def test_filters_run_on_lancedb(docs: vl.Collection) -> None:
    assert set(docs.get(where={"tags": {"$contains": "home"}}).ids) == {"cat", "bread"}
    assert set(docs.get(where={"text": {"$contains": "cat"}}).ids) == {"cat", "dog"}
    assert set(docs.get(where="year BETWEEN 2020 AND 2021").ids) == {"cat", "dog"}
    assert set(docs.get(where={"$or": [{"year": {"$lt": 2020}}, {"topic": "food"}]}).ids) == {
        "bonds",
        "bread",
    }
    assert set(docs.get(where={"tags": {"$exists": False}}).ids) == {"bonds"}
    assert set(docs.get(where={"year": {"$gt": 2021.5}}).ids) == {"stocks", "bread"}
    assert set(docs.get(where="NOT topic IN ('pets', 'finance')").ids) == {"bread"}
    assert set(docs.get(where={"topic": {"$like": "fin%"}}).ids) == {"stocks", "bonds"}
