"""``Collection.verify``: read every data file of a version and say what is damaged.

Lance keeps each version's row counts and file list in its manifest, so a truncated,
overwritten or deleted data file goes unnoticed until a read touches it (``count()`` still
answers from the manifest). ``verify`` reads every fragment in full, column by column, and
reports missing files, unreadable files, row counts that differ from the manifest's and
vectors that are not finite. What it cannot see: a value overwritten with another valid
value of the same type (see RELIABILITY.md, "Damaged files").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from vecstore_lab._schema import ID, VECTOR, checksum_mismatches
from vecstore_lab._storage.lance_errors import clean_message, is_raw_storage_error
from vecstore_lab.errors import MissingDependencyError

__all__ = ["Problem", "VerifyReport", "verify"]

_BATCH = 8192


@dataclass(frozen=True)
class Problem:
    """One thing wrong: which fragment, which file, what kind (``missing``, ``unreadable``,
    ``row_count``, ``not_finite``) and the details."""

    fragment: int
    file: str
    kind: str
    detail: str


@dataclass
class VerifyReport:
    """What ``verify`` read and found. ``ok`` is true when nothing is wrong."""

    collection: str
    version: int
    fragments: int = 0
    files: int = 0
    rows_expected: int = 0
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_arrow(self) -> pa.Table:
        """The problems, one row each."""
        names = ["fragment", "file", "kind", "detail"]
        columns = {n: [getattr(p, n) for p in self.problems] for n in names}
        types = [pa.int64(), pa.string(), pa.string(), pa.string()]
        return pa.table([pa.array(columns[n], t) for n, t in zip(names, types, strict=True)], names)

    def __str__(self) -> str:
        head = (
            f"{self.collection!r} at version {self.version}: {self.fragments} fragments, "
            f"{self.files} data files, {self.rows_read} of {self.rows_expected} rows read"
        )
        if self.ok:
            return f"{head}: OK"
        lines = [f"{head}: {len(self.problems)} problem(s)"]
        lines += [f"  fragment {p.fragment} {p.kind}: {p.file}: {p.detail}" for p in self.problems]
        return "\n".join(lines)


def verify(table: Any, name: str, *, vectors: bool = True) -> VerifyReport:
    """Read every fragment of ``table``'s checked-out version; see the module docstring."""
    try:
        dataset = table.to_lance()
    except ImportError as exc:  # pragma: no cover - pylance is a dependency
        raise MissingDependencyError("verify() needs pylance: pip install pylance") from exc
    report = VerifyReport(name, int(dataset.version))
    columns = [f.name for f in dataset.schema if vectors or f.name != VECTOR]
    if vectors and ID not in columns:
        columns.insert(0, ID)
    local = "://" not in dataset.uri or dataset.uri.startswith("file://")
    for fragment in dataset.get_fragments():
        report.fragments += 1
        fid = int(fragment.fragment_id)
        paths = [df.path for df in fragment.data_files()]
        report.files += len(paths)
        expected = int(fragment.count_rows())
        report.rows_expected += expected
        if local:
            data = Path(dataset.uri.removeprefix("file://")) / "data"
            gone = [p for p in paths if not (data / p).exists()]
            if gone:
                report.problems += [Problem(fid, p, "missing", "the file is gone") for p in gone]
                continue
        _read_fragment(fragment, (fid, paths, expected), columns, report)
    return report


def _read_fragment(
    fragment: Any, what: tuple[int, list[str], int], columns: list[str], report: VerifyReport
) -> None:
    fid, paths, expected = what
    where = ", ".join(paths)
    read = 0
    try:
        for batch in fragment.to_batches(columns=columns, batch_size=_BATCH):
            read += batch.num_rows
            if VECTOR not in batch.schema.names:
                continue
            matrix = _matrix(batch)
            if not np.isfinite(matrix).all():
                report.problems.append(
                    Problem(fid, where, "not_finite", "a stored vector holds NaN or infinity")
                )
            changed = checksum_mismatches(pa.Table.from_batches([batch]), matrix)
            if changed:
                detail = f"{len(changed)} vector(s) differ from their checksums: {changed[:5]}"
                report.problems.append(Problem(fid, where, "checksum", detail))
    except BaseException as exc:
        if not is_raw_storage_error(exc):
            raise
        report.problems.append(Problem(fid, where, "unreadable", clean_message(exc)))
        return
    report.rows_read += read
    if read != expected:
        detail = f"the manifest says {expected} rows, the files hold {read}"
        report.problems.append(Problem(fid, where, "row_count", detail))


def _matrix(batch: pa.RecordBatch) -> np.ndarray[Any, np.dtype[np.float32]]:
    column = batch.column(VECTOR)
    values: np.ndarray[Any, np.dtype[np.float32]] = column.values.to_numpy(zero_copy_only=False)
    return values.reshape(len(column), -1).astype(np.float32, copy=False)
