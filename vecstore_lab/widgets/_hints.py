"""The example in a widget's filter box, made from the collection's own metadata columns."""

from __future__ import annotations

import pyarrow as pa

__all__ = ["filter_example"]

# Bookkeeping add_documents writes on every chunk: a poor example of a filter.
_BOOKKEEPING = {"chunk_index", "start_index", "doc_id"}


def filter_example(metadata: pa.Schema) -> str:
    """``"filter: year >= 10 and topic = '…'"`` with a number and a text column of
    ``metadata`` when it has them (never a column it lacks).

    >>> filter_example(pa.schema([("pages", pa.int64()), ("title", pa.string())]))
    "filter: pages >= 10 and title = '…'"
    >>> filter_example(pa.schema([]))
    "filter: id = '…'"
    """
    fields = [f for f in metadata if f.name not in _BOOKKEEPING]
    number = next(
        (f.name for f in fields if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)),
        None,
    )
    text = next(
        (f.name for f in fields if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)),
        None,
    )
    parts = ([f"{number} >= 10"] if number else []) + ([f"{text} = '…'"] if text else [])
    return "filter: " + (" and ".join(parts) if parts else "id = '…'")
