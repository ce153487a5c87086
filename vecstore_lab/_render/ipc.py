"""Arrow IPC bytes of a table: what widgets sync and what the server extension answers with."""

from __future__ import annotations

import pyarrow as pa

__all__ = ["arrow_ipc", "type_label"]


def arrow_ipc(table: pa.Table) -> bytes:
    """A table as Arrow IPC stream bytes (sent to a front end as one binary buffer)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


_NAMES = {"float": "float32", "double": "float64", "halffloat": "float16", "large_string": "string"}


def type_label(dtype: pa.DataType) -> str:
    """An Arrow type as a reader names it: ``vector[384] float32`` rather than
    ``fixed_size_list<item: float>[384]``, ``list<string>``, ``timestamp (UTC)``.

    >>> type_label(pa.list_(pa.float32(), 384))
    'vector[384] float32'
    >>> type_label(pa.large_list(pa.large_string()))
    'list<string>'
    """
    if pa.types.is_fixed_size_list(dtype):
        return f"vector[{dtype.list_size}] {type_label(dtype.value_type)}"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return f"list<{type_label(dtype.value_type)}>"
    if pa.types.is_dictionary(dtype):
        return type_label(dtype.value_type)
    if pa.types.is_timestamp(dtype):
        return f"timestamp ({dtype.tz})" if dtype.tz else "timestamp"
    if pa.types.is_struct(dtype):
        return "struct{" + ", ".join(f.name for f in dtype) + "}"
    return _NAMES.get(str(dtype), str(dtype))
