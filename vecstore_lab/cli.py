"""The ``vecstore-lab`` command line: ``demo`` and ``info``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from typing import TYPE_CHECKING

from vecstore_lab.database import connect
from vecstore_lab.datasets import load_sample_documents
from vecstore_lab.embedders import get_embedder
from vecstore_lab.errors import VecStoreError

if TYPE_CHECKING:
    from collections.abc import Sequence

DEMO_QUERIES = (
    ("vector", "how do planets get discovered?", None),
    ("text", "interest rates", None),
    ("hybrid", "bread yeast", None),
    ("vector", "money losing value", {"topic": "finance"}),
)


def _print_results(title: str, results: object) -> None:
    print(f"\n== {title}")
    for hit in results:  # type: ignore[attr-defined]
        print(f"  {hit.rank}. [{hit.score:.3f}] {hit.id:<20} {hit.metadata.get('title', '')}")


def demo(args: argparse.Namespace) -> int:
    """Build a collection from the packaged sample documents and print query results."""
    path = args.path or tempfile.mkdtemp(prefix="vecstore-demo-")
    embedder = get_embedder(args.embedder)
    db = connect(path, embedder=embedder)
    if "sample" in db:
        db.delete_collection("sample")
    docs = load_sample_documents()
    collection = db.create_collection("sample")
    collection.add(
        ids=[d.metadata["id"] for d in docs],
        texts=[d.text for d in docs],
        metadatas=[{k: v for k, v in d.metadata.items() if k != "id"} for d in docs],
    )
    print(f"Built {collection!r} with {len(collection)} documents in {path}")
    print(f"Embedder: {embedder!r}")
    queries = [(args.mode, args.query, None)] if args.query else DEMO_QUERIES
    for mode, text, where in queries:
        results = collection.query(text, k=args.k, mode=mode, where=where)
        suffix = f" where {where}" if where else ""
        _print_results(f"{mode}: {text!r}{suffix}", results)
    return 0


def info(args: argparse.Namespace) -> int:
    """List the collections of a database with their size and settings."""
    db = connect(args.path)
    names = db.list_collections()
    if not names:
        print(f"No collections in {args.path}")
    for name in names:
        c = db.get_collection(name)
        print(
            f"{name}: {len(c)} rows, dim={c.dim}, distance={c.distance}, "
            f"embedder={c.settings.embedder}, version={c.version}"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vecstore-lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="index the packaged sample documents and query them")
    p.add_argument("--path", help="database directory (default: a new temp dir)")
    p.add_argument(
        "--embedder",
        default="sentence-transformers",
        help="registered embedder name (default: sentence-transformers, offline MiniLM)",
    )
    p.add_argument("--query", help="run this query instead of the built-in examples")
    p.add_argument("--mode", default="hybrid", choices=["vector", "text", "hybrid"])
    p.add_argument("-k", type=int, default=3)
    p.set_defaults(func=demo)
    p = sub.add_parser("info", help="describe the collections of a database")
    p.add_argument("path", help="database directory or URI")
    p.set_defaults(func=info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except VecStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
