"""The filter syntax tree that both filter forms parse into."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

Scalar = str | int | float | bool | dt.datetime | dt.date | None


@dataclass(frozen=True)
class Field:
    """A reference to a column; ``pos`` is where it stood in a string filter."""

    name: str
    pos: int | None = None
    path: str | None = None  # key path in a dict filter, for messages


@dataclass(frozen=True)
class Value:
    """A literal; ``typed`` is set when written as ``TIMESTAMP '…'`` / ``DATE '…'``."""

    value: Scalar
    pos: int | None = None
    typed: str | None = None


@dataclass(frozen=True)
class Compare:
    field: Field
    op: str  # one of = != < <= > >=
    value: Value
    null_matches: bool = False  # Mongo-style $ne: rows where the field is missing match too


@dataclass(frozen=True)
class InList:
    field: Field
    values: tuple[Value, ...]
    negate: bool = False
    null_matches: bool = False


@dataclass(frozen=True)
class IsNull:
    field: Field
    negate: bool = False


@dataclass(frozen=True)
class Like:
    field: Field
    pattern: Value
    negate: bool = False


@dataclass(frozen=True)
class Contains:
    """Substring test on a text field, or membership test on a list field."""

    field: Field
    value: Value


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | InList | IsNull | Like | Contains | And | Or | Not


MAX_DEPTH = 32
"""How deeply a filter may nest (AND/OR/NOT groups and parentheses). Deeper filters are
refused with ``InvalidFilterError`` while parsing: past about 50 levels LanceDB's own SQL
parser gives up, and a few hundred overflow Python's stack."""


def depth(node: Node) -> int:
    """How many levels ``node`` nests (a single comparison is 1)."""
    if isinstance(node, And | Or):
        return 1 + max(depth(item) for item in node.items)
    if isinstance(node, Not):
        return 1 + depth(node.item)
    return 1
