"""Where the server extension may look: configured roots, and paths confined to them."""

from __future__ import annotations

import os
from pathlib import Path

from traitlets import Int, List, Unicode
from traitlets.config import Configurable

from vecstore_lab.errors import InvalidInputError, PathOutsideRootsError

__all__ = ["Roots", "VecStoreLab"]

_MAX_DEPTH = 4  # how deep under a root databases are looked for


class VecStoreLab(Configurable):
    """Settings of the vecstore-lab server extension (``c.VecStoreLab.<name>``)."""

    roots = List(
        Unicode(),
        help="Folders whose databases the panel may list and read (default: the server's root).",
    ).tag(config=True)
    uris = List(
        Unicode(),
        help="Databases on object storage (s3://bucket/prefix) the panel lists and reads too. "
        "Their credentials come from the server's environment (the standard AWS_* variables), "
        "never from the browser.",
    ).tag(config=True)
    workers = Int(4, help="Threads that run collection work for REST requests.").tag(config=True)
    max_pending = Int(
        64, help="Requests that may wait for a worker; past that the API answers 503."
    ).tag(config=True)
    max_body_bytes = Int(1_000_000, help="Largest request body (413 past it).").tag(config=True)
    max_text_chars = Int(10_000, help="Longest query text (413 past it).").tag(config=True)
    max_k = Int(1_000, help="Most hits (k, candidates, rerank_k) a query may ask for.").tag(
        config=True
    )
    max_filter_depth = Int(12, help="Deepest nesting of a filter (400 past it).").tag(config=True)


class Roots:
    """The configured roots, resolved once; every path a request names is checked against them."""

    def __init__(self, roots: list[str], uris: list[str] | None = None) -> None:
        self.roots = [Path(r).expanduser().resolve() for r in roots]
        self.uris = [u.rstrip("/") for u in uris or []]
        for uri in self.uris:
            if "://" not in uri:
                raise InvalidInputError(f"c.VecStoreLab.uris takes URIs (s3://...), got {uri!r}")

    def resolve(self, root: int, relative: str) -> Path | str:
        """``relative`` under root number ``root``, refusing anything that leaves it. Roots
        after the folders are the configured URIs: each is one database (path ".")."""
        count = len(self.roots) + len(self.uris)
        if not isinstance(root, int) or not 0 <= root < count:
            raise InvalidInputError(f"root must be 0..{count - 1}, got {root!r}")
        if root >= len(self.roots):
            if relative not in ("", "."):
                raise PathOutsideRootsError(f"{relative!r}: a database URI has no sub-paths")
            return self.uris[root - len(self.roots)]
        given = Path(relative or ".")
        if given.is_absolute() or ".." in given.parts:
            raise PathOutsideRootsError(f"{relative!r}: give a path relative to the root")
        base = self.roots[root]
        path = (base / given).resolve()
        if path != base and base not in path.parents:
            raise PathOutsideRootsError(f"{relative!r} leads outside the configured roots")
        return path

    def inside(self, path: Path | str) -> bool:
        """Whether the real path of ``path`` (every symlink followed) lies under a root."""
        real = Path(os.path.realpath(path))
        return any(real == base or base in real.parents for base in self.roots)

    def check_collection(self, folder: Path | str, name: str) -> None:
        """Refuse collection ``name`` of database ``folder`` if its table folder, or any file
        or folder in it, is a link leading out of the roots (checked on every request, so a
        link swapped in after listing is caught too). A missing table is left to the caller.
        """
        if isinstance(folder, str):
            return  # a configured URI: no file system to escape from
        table = Path(folder) / f"{name}.lance"
        if not os.path.lexists(table):
            return
        if not self.inside(table) or not all(self.inside(p) for p in _links_in(table)):
            raise PathOutsideRootsError(
                f"collection {name!r} leads outside the configured roots (through a symbolic "
                "link); it is not served"
            )

    def databases(self) -> list[tuple[int, str]]:
        """``(root number, relative path)`` of every folder holding LanceDB tables, sorted."""
        found: set[tuple[int, str]] = set()
        for number, base in enumerate(self.roots):
            for table in _tables_under(base, _MAX_DEPTH):
                folder = table.parent.resolve()
                if folder == base or base in folder.parents:  # symlinks out are skipped
                    found.add((number, folder.relative_to(base).as_posix()))
        remote = [(len(self.roots) + i, ".") for i in range(len(self.uris))]
        return sorted(found) + remote


def _links_in(table: Path) -> list[Path]:
    """Every symbolic link inside ``table`` (links below it are not followed down)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(table):
        found.extend(p for n in dirs + files if (p := Path(folder, n)).is_symlink())
    return found


def _tables_under(base: Path, depth: int) -> list[Path]:
    out: list[Path] = []
    if depth < 0 or not base.is_dir():
        return out
    try:
        children = sorted(base.iterdir())
    except OSError:
        return out
    for child in children:
        if child.name.startswith(".") or not child.is_dir():
            continue
        if child.suffix == ".lance":
            out.append(child)
        else:
            out.extend(_tables_under(child, depth - 1))
    return out
