"""Arrow IPC bytes of a table: what widgets sync and what the server extension answers with."""

from __future__ import annotations

import pyarrow as pa

__all__ = ["arrow_ipc"]


def arrow_ipc(table: pa.Table) -> bytes:
    """A table as Arrow IPC stream bytes (sent to a front end as one binary buffer)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())
