"""What a database on local disk holds, read through the ``lance`` package alone: each
collection's name, row count, version and settings, for commands that only look
(``vecstore-lab info``).

LanceDB's connection costs seconds to import (most of it its namespace REST client); ``lance``,
which reads the same files, a fraction of that. A local LanceDB database is a directory with one
``<name>.lance`` dataset per table, and a collection keeps its settings in its schema's metadata,
so both can be read without a connection. Object storage and ``memory://`` go through
``Connection`` as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vecstore_lab._schema import CollectionSettings

__all__ = ["CollectionFacts", "local_directory", "read_facts"]

SUFFIX = ".lance"


@dataclass(frozen=True)
class CollectionFacts:
    """One collection as stored: what ``vecstore-lab info`` prints."""

    name: str
    rows: int
    version: int
    settings: CollectionSettings


def local_directory(uri: str) -> Path | None:
    """The existing directory a database URI names on local disk, else None (object storage,
    ``memory://``, or a directory not created yet)."""
    if uri.startswith("file://"):
        uri = uri.removeprefix("file://")
    elif "://" in uri:
        return None
    path = Path(uri).expanduser()
    return path if path.is_dir() else None


def read_facts(directory: Path) -> list[CollectionFacts]:
    """The collections under ``directory``, sorted by name, as ``VecDatabase.list_collections``
    sees them: internal tables (a leading ``_``) and tables without our settings are left out,
    and so is a table that cannot be opened."""
    import lance

    out = []
    for table in sorted(directory.glob(f"*{SUFFIX}")):
        name = table.name.removesuffix(SUFFIX)
        if name.startswith("_") or not table.is_dir():
            continue
        try:
            dataset = lance.dataset(str(table))
            settings = CollectionSettings.from_schema(dataset.schema)
        except Exception:  # not a table we can open: not a collection of ours
            continue
        if settings is not None:
            out.append(CollectionFacts(name, dataset.count_rows(), dataset.version, settings))
    return out
