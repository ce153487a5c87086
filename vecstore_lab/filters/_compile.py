"""Check a filter syntax tree against a table schema and emit a LanceDB SQL predicate."""

from __future__ import annotations

import datetime as dt
import difflib
import math

import pyarrow as pa

from vecstore_lab._schema import INT64_MAX, INT64_MIN
from vecstore_lab.errors import InvalidFilterError
from vecstore_lab.filters._ast import (
    And,
    Compare,
    Contains,
    Field,
    InList,
    IsNull,
    Like,
    Node,
    Not,
    Or,
    Value,
)


def quote_identifier(name: str) -> str:
    """Back-quote a column name (names containing a back quote are never valid columns)."""
    if "`" in name:
        raise InvalidFilterError(f"field name {name!r} must not contain a back quote")
    return f"`{name}`"


def quote_string(value: str) -> str:
    """An SQL string literal: single quotes doubled; NUL is refused."""
    if "\x00" in value:
        raise InvalidFilterError("filter strings must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidFilterError(
            f"filter string {value[:40]!r} has a lone surrogate at character {exc.start}, which "
            "no stored value can contain; fix the value",
            position=None,
        ) from None
    return "'" + value.replace("'", "''") + "'"


def _int_literal(v: int) -> str:
    # SQL reads "-9223372036854775808" as minus a number too big for BIGINT (and falls back to
    # a float), so the one value whose magnitude has no positive int64 is written as a sum.
    return f"({INT64_MIN + 1} - 1)" if v == INT64_MIN else str(v)


def _where(field: Field | Value) -> str:
    if isinstance(field, Field) and field.path:
        return f" in {field.path}"
    return f" at position {field.pos}" if field.pos is not None else ""


class _Compiler:
    def __init__(self, schema: pa.Schema, hidden: frozenset[str]) -> None:
        self.schema = schema
        self.fields = {f.name: f for f in schema if f.name not in hidden}
        self.filterable = sorted(
            name for name, f in self.fields.items() if not pa.types.is_fixed_size_list(f.type)
        )

    def field_type(self, field: Field) -> pa.DataType:
        f = self.fields.get(field.name)
        if f is None:
            names = self.filterable
            close = difflib.get_close_matches(field.name, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InvalidFilterError(
                f"unknown field {field.name!r}{_where(field)}{hint} "
                f"Filterable fields: {', '.join(names)}",
                position=field.pos,
            )
        if pa.types.is_fixed_size_list(f.type):
            raise InvalidFilterError(
                f"field {field.name!r}{_where(field)} is a vector and cannot be filtered on",
                position=field.pos,
            )
        return f.type

    def literal(self, field: Field, typ: pa.DataType, value: Value) -> tuple[str, bool]:
        """SQL text for ``value`` compared with a column of type ``typ``.

        The flag says whether the column must be cast to DOUBLE (a fractional number
        compared with an integer column).
        """
        v = value.value

        def bad(expected: str) -> InvalidFilterError:
            return InvalidFilterError(
                f"field {field.name!r} is {typ} but the value {v!r}{_where(value)} is "
                f"{type(v).__name__}; expected {expected}",
                position=value.pos,
            )

        if value.typed and not (pa.types.is_timestamp(typ) or pa.types.is_date(typ)):
            raise bad("a literal of the column's type")
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            if not isinstance(v, str):
                raise bad("a string")
            return quote_string(v), False
        if pa.types.is_boolean(typ):
            if not isinstance(v, bool):
                raise bad("true or false")
            return ("true" if v else "false"), False
        if pa.types.is_integer(typ) or pa.types.is_floating(typ):
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise bad("a number")
            if isinstance(v, float) and not math.isfinite(v):
                raise bad("a finite number")
            if pa.types.is_integer(typ) and isinstance(v, float):
                if v.is_integer() and INT64_MIN <= v <= INT64_MAX:
                    return _int_literal(int(v)), False
                return repr(v), True
            if isinstance(v, float):
                return repr(v), False
            if pa.types.is_floating(typ) and not INT64_MIN <= v <= INT64_MAX:
                return repr(float(v)), False  # SQL would read it as an unsigned or decimal
            if not INT64_MIN <= v <= INT64_MAX:
                raise InvalidFilterError(
                    f"the value {v}{_where(value)} is outside the 64-bit integer range of "
                    f"field {field.name!r} [{INT64_MIN}, {INT64_MAX}], so no row can match it",
                    position=value.pos,
                )
            return _int_literal(v), False
        if pa.types.is_timestamp(typ):
            ts = _as_datetime(v)
            if ts is None:
                raise bad("a datetime or an ISO-8601 string")
            return f"TIMESTAMP '{ts.isoformat(sep=' ')}'", False
        if pa.types.is_date(typ):
            d = _as_date(v)
            if d is None:
                raise bad("a date or an ISO-8601 date string")
            return f"DATE '{d.isoformat()}'", False
        raise InvalidFilterError(
            f"field {field.name!r}{_where(field)} has type {typ}, which filters cannot compare",
            position=field.pos,
        )

    def negate(self, node: Node) -> str:
        """``NOT node`` in SQL's three-valued logic, written so DataFusion cannot get it wrong.

        DataFusion's simplifier treats IN lists as sets and ignores NULL: for a NULL ``x`` it
        folds ``x IN ('a') AND x IN ('b')`` to FALSE (SQL says NULL), so ``NOT`` of it matched
        the row; ``NOT x IN ('a') OR NOT x IN ('b')`` folds to TRUE the same way. So NOT is
        pushed through AND/OR (De Morgan holds in three-valued logic) down to single
        conditions, and each is written ``(cond) IS FALSE``: true exactly when the condition
        is false, never for an unknown, and no IN-list rule applies to it.
        """
        if isinstance(node, And):
            return self.compile(Or(tuple(Not(n) for n in node.items)))
        if isinstance(node, Or):
            return self.compile(And(tuple(Not(n) for n in node.items)))
        if isinstance(node, Not):
            return self.compile(node.item)
        return f"({self.compile(node)} IS FALSE)"

    def compile(self, node: Node) -> str:
        if isinstance(node, And):
            return "(" + " AND ".join(self.compile(n) for n in node.items) + ")"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.compile(n) for n in node.items) + ")"
        if isinstance(node, Not):
            return self.negate(node.item)
        if isinstance(node, IsNull):
            self.field_type(node.field)
            col = quote_identifier(node.field.name)
            return f"({col} IS {'NOT ' if node.negate else ''}NULL)"
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, Like):
            typ = self.field_type(node.field)
            if not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
                raise InvalidFilterError(
                    f"LIKE needs a text field; {node.field.name!r} is {typ}",
                    position=node.field.pos,
                )
            lit, _ = self.literal(node.field, typ, node.pattern)
            col = quote_identifier(node.field.name)
            return f"({col} {'NOT ' if node.negate else ''}LIKE {lit})"
        if isinstance(node, Contains):
            return self.contains(node)
        raise TypeError(f"unknown filter node {node!r}")  # pragma: no cover

    def compare(self, node: Compare) -> str:
        typ = self.field_type(node.field)
        if pa.types.is_list(typ) or pa.types.is_large_list(typ):
            raise InvalidFilterError(
                f"field {node.field.name!r} is a list; use $contains (dict filters) to test "
                "membership",
                position=node.field.pos,
            )
        lit, cast = self.literal(node.field, typ, node.value)
        col = quote_identifier(node.field.name)
        if cast:
            col = f"CAST({col} AS DOUBLE)"
        sql = f"({col} {node.op} {lit})"
        if node.null_matches:
            sql = f"({quote_identifier(node.field.name)} IS NULL OR {sql})"
        return sql

    def in_list(self, node: InList) -> str:
        typ = self.field_type(node.field)
        lits = []
        cast = False
        for value in node.values:
            lit, c = self.literal(node.field, typ, value)
            lits.append(lit)
            cast = cast or c
        col = quote_identifier(node.field.name)
        if cast:
            col = f"CAST({col} AS DOUBLE)"
        sql = f"({col} {'NOT ' if node.negate else ''}IN ({', '.join(lits)}))"
        if node.null_matches:
            sql = f"({quote_identifier(node.field.name)} IS NULL OR {sql})"
        return sql

    def contains(self, node: Contains) -> str:
        typ = self.field_type(node.field)
        col = quote_identifier(node.field.name)
        if pa.types.is_list(typ) or pa.types.is_large_list(typ):
            lit, _ = self.literal(node.field, typ.value_type, node.value)
            return f"array_has({col}, {lit})"
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            lit, _ = self.literal(node.field, typ, node.value)
            return f"(strpos({col}, {lit}) > 0)"
        raise InvalidFilterError(
            f"$contains needs a text or list field; {node.field.name!r} is {typ}",
            position=node.field.pos,
        )


def _as_datetime(v: object) -> dt.datetime | None:
    if isinstance(v, dt.datetime):
        return (
            v.replace(tzinfo=None)
            if v.tzinfo is None
            else v.astimezone(dt.UTC).replace(tzinfo=None)
        )
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, str):
        try:
            return _as_datetime(dt.datetime.fromisoformat(v))
        except ValueError:
            return None
    return None


def _as_date(v: object) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def compile_node(node: Node, schema: pa.Schema, hidden: frozenset[str] = frozenset()) -> str:
    """Emit SQL for ``node`` after checking every field and value against ``schema``."""
    return _Compiler(schema, hidden).compile(node)
