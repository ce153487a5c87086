"""A table's current version without a round trip into LanceDB on every query.

Reading ``table.version`` goes through LanceDB's background event loop: about a quarter of a
millisecond when idle, several under load, on every query. A local Lance dataset adds a
manifest file to its ``_versions`` directory on every commit, which changes that directory's
mtime. So the version is read again only when the mtime moved, or when it is too recent to
trust (a commit in the same clock tick as the last look would not move it: the "racy" window,
as git handles its index). Other stores (object storage) always ask LanceDB.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

__all__ = ["VersionProbe"]

RACY_NS = 2_000_000_000  # an mtime this recent may hide a commit in the same tick


class VersionProbe:
    """``current()``: the version of ``table`` as ``table.version`` would report it."""

    def __init__(self, table: Any) -> None:
        self.table = table
        uri = str(getattr(table, "uri", "") or "")
        local = bool(uri) and ("://" not in uri or uri.startswith("file://"))
        self._versions = Path(uri.removeprefix("file://")) / "_versions" if local else None
        self._seen: tuple[int, int] | None = None  # (mtime_ns, version)

    def current(self) -> int:
        if self._versions is None:
            return int(self.table.version)
        try:
            mtime = self._versions.stat().st_mtime_ns
        except OSError:
            return int(self.table.version)
        seen = self._seen
        if seen is not None and seen[0] == mtime and time.time_ns() - mtime > RACY_NS:
            return seen[1]
        version = int(self.table.version)  # read after the stat: a later commit moves mtime
        self._seen = (mtime, version)
        return version
