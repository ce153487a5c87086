"""Metadata filters: a dict DSL and a string syntax, both compiled to safe LanceDB SQL.

Dict form (Mongo/Chroma style)::

    {"category": "tech", "year": {"$gte": 2020}, "$or": [{"lang": "en"}, {"lang": "de"}]}

An item of ``$and``/``$or`` may also be a filter in the string form (below).

Operators: ``$eq $ne $gt $gte $lt $lte $in $nin $contains $like $exists $not`` on a field,
``$and $or $not`` at the top. ``$ne`` and ``$nin`` also match rows where the field is missing,
as in MongoDB. ``$contains`` is a case-sensitive substring test on text and a membership test
on list fields.

String form (SQL-like; see ``vecstore_lab.filters._parser`` for the grammar)::

    "category = 'tech' AND (year >= 2020 OR NOT lang IN ('fr', 'es'))"

String filters follow SQL semantics: ``!=`` does not match NULL.

Either form is parsed into a syntax tree, checked against the collection's schema (unknown
fields and wrong types raise ``InvalidFilterError`` with the position or key path), and
emitted with our own quoting. User input never reaches LanceDB as raw SQL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vecstore_lab.errors import InvalidFilterError
from vecstore_lab.filters import _ast, _compile, _dict, _parser
from vecstore_lab.filters._compile import quote_identifier, quote_string

if TYPE_CHECKING:
    import pyarrow as pa

    from vecstore_lab.filters._ast import Node

__all__ = [
    "Filter",
    "all_of",
    "compile_filter",
    "filter_depth",
    "parse_filter",
    "parse_where",
    "quote_identifier",
    "quote_string",
]

Filter = str | Mapping[str, Any]


def parse_filter(where: Filter | None) -> Node | None:
    """Parse either filter form into a syntax tree (``None`` means no filter)."""
    if where is None:
        return None
    if isinstance(where, str):
        node = _parser.parse_string(where) if where.strip() else None
    elif isinstance(where, Mapping):
        node = _dict.parse_dict(where)
    else:
        raise InvalidFilterError(f"a filter is a dict or a string, got {type(where).__name__}")
    if node is not None and _ast.depth(node) > _ast.MAX_DEPTH:
        raise InvalidFilterError(
            f"the filter nests {_ast.depth(node)} levels deep, more than the {_ast.MAX_DEPTH} "
            "allowed; flatten it (a list under $or/$and, or IN (...), instead of nesting)"
        )
    return node


def filter_depth(where: Filter | None) -> int:
    """How many levels a filter nests (0 for none, 1 for a single comparison); parsing
    refuses anything past ``MAX_DEPTH`` (32) levels.

    Examples:
        >>> filter_depth({"$or": [{"a": 1}, {"$not": {"b": 2}}]})
        3
        >>> filter_depth("a = 1 AND (b = 2 OR NOT c = 3)")
        4
    """
    node = parse_filter(where)
    return 0 if node is None else _ast.depth(node)


def compile_filter(
    where: Filter | None, schema: pa.Schema, *, hidden: frozenset[str] = frozenset()
) -> str | None:
    """Parse, check against ``schema`` and compile a filter to a LanceDB SQL predicate.

    ``hidden`` names columns that exist but may not be filtered on.

    Examples:
        >>> import pyarrow as pa
        >>> schema = pa.schema([("category", pa.string()), ("year", pa.int64())])
        >>> compile_filter({"category": "tech", "year": {"$gte": 2020}}, schema)
        "((`category` = 'tech') AND (`year` >= 2020))"
        >>> compile_filter("category = 'it''s' OR year < 2000", schema)
        "((`category` = 'it''s') OR (`year` < 2000))"
    """
    node = parse_filter(where)
    if node is None:
        return None
    return _compile.compile_node(node, schema, hidden)


def all_of(*filters: Filter | None) -> Filter | None:
    """One filter that keeps the rows every given filter keeps (``None`` ones are no filter).

    Examples:
        >>> all_of("year >= 2020", None, {"topic": "pets"})
        {'$and': ['year >= 2020', {'topic': 'pets'}]}
        >>> all_of(None, "a = 1")
        'a = 1'
    """
    given = [f for f in filters if f is not None and not (isinstance(f, str) and not f.strip())]
    if not given:
        return None
    return given[0] if len(given) == 1 else {"$and": given}


def parse_where(text: str) -> Any:
    """A filter typed as text (widget box, command line): JSON for the dict form, else the
    string syntax; blank means no filter."""
    text = text.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidFilterError(
                f"the filter looks like a dict but is not valid JSON: {exc.msg} at position "
                f"{exc.pos}",
                position=exc.pos,
            ) from exc
    return text
