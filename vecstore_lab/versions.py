"""Versions of a collection: every write makes one; list them, check one exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vecstore_lab.errors import InvalidInputError

if TYPE_CHECKING:
    import datetime as dt

__all__ = ["VersionInfo", "check_version", "list_versions", "since_first_rows"]


@dataclass(frozen=True)
class VersionInfo:
    """One version of a collection: every write makes one."""

    version: int
    timestamp: dt.datetime
    num_rows: int | None


def list_versions(table: Any) -> list[VersionInfo]:
    """Every version of a LanceDB table, oldest first."""
    out = []
    for v in table.list_versions():
        rows = (v.get("metadata") or {}).get("total_rows")
        out.append(VersionInfo(int(v["version"]), v["timestamp"], int(rows) if rows else None))
    return out


def check_version(table: Any, version: object) -> int:
    """``version`` if the table has it, else an ``InvalidInputError`` naming the range."""
    known = [v.version for v in list_versions(table)]
    if isinstance(version, bool) or not isinstance(version, int) or version not in known:
        raise InvalidInputError(
            f"version {version!r} does not exist; versions are {known[0]}..{known[-1]}"
        )
    return version


def since_first_rows(versions: list[VersionInfo]) -> list[VersionInfo]:
    """``versions`` from the first one that holds rows: the ones before are set-up steps
    (the table, its schema and indexes), not states of the data anyone looks for.

    >>> [v.version for v in since_first_rows([VersionInfo(1, None, 0), VersionInfo(2, None, 3)])]
    [2]
    """
    first = next((i for i, v in enumerate(versions) if v.num_rows), max(len(versions) - 1, 0))
    return versions[first:]
