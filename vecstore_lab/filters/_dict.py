"""Parse the Mongo/Chroma-style dict filter DSL into the filter syntax tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vecstore_lab.errors import InvalidFilterError
from vecstore_lab.filters import _parser
from vecstore_lab.filters._ast import (
    MAX_DEPTH,
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

_COMPARE = {"$eq": "=", "$ne": "!=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
FIELD_OPERATORS = (*_COMPARE, "$in", "$nin", "$contains", "$like", "$exists", "$not")
LOGICAL_OPERATORS = ("$and", "$or", "$not")


def parse_dict(spec: Mapping[str, Any], path: str = "where", level: int = 1) -> Node | None:
    """Parse a dict filter; ``None`` for an empty dict (no filtering)."""
    if level > MAX_DEPTH:
        raise InvalidFilterError(
            f"the filter nests more than {MAX_DEPTH} levels deep; flatten it (a list under "
            "$or/$and, or $in, instead of nesting)"
        )
    if not isinstance(spec, Mapping):
        raise InvalidFilterError(f"{path} must be a dict, got {type(spec).__name__}")
    nodes: list[Node] = []
    for key, value in spec.items():
        if not isinstance(key, str):
            raise InvalidFilterError(f"{path}: keys must be strings, got {key!r}")
        sub = f"{path}[{key!r}]"
        if key in ("$and", "$or"):
            if not isinstance(value, list | tuple) or not value:
                raise InvalidFilterError(
                    f"{sub} must be a non-empty list of filters (dicts or strings)"
                )
            items = []
            for i, v in enumerate(value):
                # an item may be a filter in the string form ("year >= 2020"); blank is none
                if isinstance(v, str):
                    node = _parser.parse_string(v) if v.strip() else None
                else:
                    node = parse_dict(v, f"{sub}[{i}]", level + 1)
                if node is not None:
                    items.append(node)
            if items:
                nodes.append(And(tuple(items)) if key == "$and" else Or(tuple(items)))
        elif key == "$not":
            node = parse_dict(value, sub, level + 1)
            if node is None:
                raise InvalidFilterError(f"{sub} must not be empty")
            nodes.append(Not(node))
        elif key.startswith("$"):
            raise InvalidFilterError(
                f"{path}: unknown operator {key!r} at top level; "
                f"expected a field name or one of {', '.join(LOGICAL_OPERATORS)}"
            )
        else:
            nodes.extend(_field_condition(Field(key, path=sub), value, sub, level))
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def _field_condition(field: Field, value: Any, path: str, level: int) -> list[Node]:
    if level > MAX_DEPTH:
        raise InvalidFilterError(
            f"the filter nests more than {MAX_DEPTH} levels deep; flatten it (a list under "
            "$or/$and, or $in, instead of nesting)"
        )
    if isinstance(value, Mapping):
        if not value:
            raise InvalidFilterError(f"{path} is an empty operator dict")
        if not all(isinstance(k, str) and k.startswith("$") for k in value):
            raise InvalidFilterError(
                f"{path}: mixing operators and plain keys is ambiguous; a field's value is "
                f"either a literal or a dict of operators ({', '.join(FIELD_OPERATORS)})"
            )
        return [_operator(field, op, arg, f"{path}[{op!r}]", level) for op, arg in value.items()]
    if isinstance(value, list | tuple | set):
        raise InvalidFilterError(
            f"{path} is a list; to match any of several values use {{'$in': [...]}}"
        )
    if value is None:
        return [IsNull(field)]
    return [Compare(field, "=", Value(value))]


def _operator(field: Field, op: str, arg: Any, path: str, level: int) -> Node:
    if op in _COMPARE:
        if isinstance(arg, list | tuple | set | Mapping):
            raise InvalidFilterError(f"{path} needs a single value, got {type(arg).__name__}")
        if arg is None:
            if op not in ("$eq", "$ne"):
                raise InvalidFilterError(f"{path}: cannot order against None")
            return IsNull(field, negate=op == "$ne")
        return Compare(field, _COMPARE[op], Value(arg), null_matches=op == "$ne")
    if op in ("$in", "$nin"):
        if not isinstance(arg, list | tuple | set) or not arg:
            raise InvalidFilterError(f"{path} needs a non-empty list of values")
        values = tuple(Value(v) for v in arg)
        return InList(field, values, negate=op == "$nin", null_matches=op == "$nin")
    if op == "$contains":
        if isinstance(arg, list | tuple | set | Mapping) or arg is None:
            raise InvalidFilterError(f"{path} needs a single value")
        return Contains(field, Value(arg))
    if op == "$like":
        if not isinstance(arg, str):
            raise InvalidFilterError(f"{path} needs a string pattern, got {type(arg).__name__}")
        return Like(field, Value(arg))
    if op == "$exists":
        if not isinstance(arg, bool):
            raise InvalidFilterError(f"{path} needs true or false, got {arg!r}")
        return IsNull(field, negate=arg)
    if op == "$not":
        inner = _field_condition(field, arg, path, level + 1)
        return Not(inner[0] if len(inner) == 1 else And(tuple(inner)))
    raise InvalidFilterError(
        f"{path}: unknown operator {op!r}; expected one of {', '.join(FIELD_OPERATORS)}"
    )
