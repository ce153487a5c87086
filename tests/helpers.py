"""Helpers shared by test modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

    import vecstore_lab as vl


def snapshot(c: vl.Collection) -> tuple[int, pa.Table]:
    """Version and full contents (sorted by id) to compare before/after a failed write."""
    return c.version, c.to_arrow().sort_by("id")
