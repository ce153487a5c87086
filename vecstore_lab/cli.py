"""The ``vecstore-lab`` command line: ``ingest``, ``query``, ``info``, ``verify``, ``eval`` and
``demo``.

Every command takes ``--db DIR`` (default ``$VECSTORE_LAB_DB`` or ``./vecstore_data``).
Collections remember their embedder, so ``query`` and ``eval`` need only the collection's name.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vecstore_lab._cli_output import command, print_results, write_table
from vecstore_lab.errors import InvalidInputError, VecStoreError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vecstore_lab.collection import Collection
    from vecstore_lab.database import VecDatabase
    from vecstore_lab.eval import EvalSet

# Each command imports what it uses: `vecstore-lab info` should not pay for LanceDB, pandas
# or a model SDK. The modes are spelled out here for the same reason (a test checks that they
# are QuerySpec's).
MODES = ("vector", "text", "hybrid")

DEMO_QUERIES = (
    ("vector", "how do planets get discovered?", None),
    ("text", "interest rates", None),
    ("hybrid", "bread yeast", None),
    ("vector", "money losing value", {"topic": "finance"}),
)
DEFAULT_CONFIGS = ("vector:mode=vector", "text:mode=text", "hybrid:mode=hybrid")
PACKAGED_SETS = ("python-reference",)


def _db(args: argparse.Namespace, **kwargs: Any) -> VecDatabase:
    from vecstore_lab.database import connect

    return connect(args.db, **kwargs)


def demo(args: argparse.Namespace) -> int:
    """Build a collection from the packaged sample documents and print query results."""
    from vecstore_lab.database import connect
    from vecstore_lab.datasets import load_sample_documents
    from vecstore_lab.embedders import get_embedder

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
        print_results(f"{mode}: {text!r}{suffix}", results)
    return 0


def _collection(db: VecDatabase, args: argparse.Namespace) -> Collection:
    from vecstore_lab.embedders import get_embedder

    if args.collection in db:
        return db.get_collection(args.collection)
    return db.create_collection(args.collection, embedder=get_embedder(args.embedder))


def _splitter(args: argparse.Namespace) -> Any:
    from vecstore_lab.splitter import RecursiveCharacterTextSplitter

    if args.chunk_size <= 0:
        return None
    return RecursiveCharacterTextSplitter(
        chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap
    )


def ingest(args: argparse.Namespace) -> int:
    """Load files/folders, split, embed and write them (resumable; unchanged chunks skipped)."""
    from vecstore_lab.loaders import SUPPORTED_SUFFIXES, load_documents, unsupported_files

    docs = load_documents(args.paths, text_field=args.text_field, id_field=args.id_field)
    skipped = unsupported_files(args.paths)
    if skipped:
        kinds = ", ".join(f"{n} {suffix}" for suffix, n in skipped.items())
        print(
            f"skipped {sum(skipped.values())} file(s) of unsupported types ({kinds}); "
            f"read: {' '.join(SUPPORTED_SUFFIXES)}",
            file=sys.stderr,
        )
    splitter = _splitter(args)  # checked before the collection is created
    collection = _collection(_db(args), args)
    report = collection.add_documents(
        docs, splitter=splitter, batch_size=args.batch_size, progress=not args.quiet
    )
    print(
        f"{collection.name}: {report.documents} documents -> {report.chunks} chunks "
        f"({report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.stale_deleted} stale removed); {report.embedded} embedded in "
        f"{report.seconds:.1f} s; {len(collection)} rows, version {collection.version}"
    )
    return 0


def query(args: argparse.Namespace) -> int:
    """Query a collection; print ranked hits (or JSON lines with --json)."""
    from vecstore_lab.filters import parse_where
    from vecstore_lab.results import without_vectors
    from vecstore_lab.spec import QuerySpec

    db = _db(args)
    collection = db.get_collection(args.collection)
    spec = QuerySpec.build(
        args.text,
        k=args.k,
        mode=args.mode,
        where=parse_where(args.where or ""),
        rerank=args.rerank or None,
    )
    results = collection.search(spec)
    if args.json:
        for row in without_vectors(results.to_arrow()).to_pylist():
            print(json.dumps(row, default=str, ensure_ascii=False))
        return 0
    print_results(f"{args.mode}: {args.text!r}", results, snippets=not args.show_text)
    for hit in results:
        if args.show_text:
            print(f"\n  #{hit.rank} {hit.id}\n    " + hit.text.replace("\n", "\n    "))
    return 0


def info(args: argparse.Namespace) -> int:
    """List the collections of a database with their size and settings (read through
    ``lance`` alone on local disk: see ``database.describe``)."""
    from vecstore_lab.database import describe

    facts = describe(args.path or args.db)
    if not facts:
        print(f"No collections in {args.path or args.db}")
    for f in facts:
        s = f.settings
        print(
            f"{f.name}: {f.rows} rows, dim={s.dim}, distance={s.distance}, "
            f"embedder={s.embedder}, version={f.version}"
        )
    return 0


def verify(args: argparse.Namespace) -> int:
    """Read every data file of each collection (or one); exit 2 if anything is damaged."""
    db = _db(args, embedding_cache=False)
    names = [args.collection] if args.collection else db.list_collections()
    damaged = 0
    for name in names:
        report = db.get_collection(name).verify(vectors=not args.no_vectors)
        print(report)
        damaged += not report.ok
    if damaged:
        print(
            f"{damaged} of {len(names)} collection(s) damaged: restore() a version written "
            "before the damaged fragment (RELIABILITY.md, 'Damaged files')",
            file=sys.stderr,
        )
    return 2 if damaged else 0


def parse_config(spec: str) -> tuple[str, dict[str, Any]]:
    """``NAME:key=value,key=value`` as a name and ``collection.query`` keyword arguments.

    Values are JSON when they parse (numbers, ``{"topic": "x"}``), else strings.

    Examples:
        >>> parse_config("hybrid-colbert:mode=hybrid,rerank=colbert")
        ('hybrid-colbert', {'mode': 'hybrid', 'rerank': 'colbert'})
        >>> parse_config("vector")
        ('vector', {})
    """
    name, _, rest = spec.partition(":")
    if not name.strip():
        raise InvalidInputError(f"--config {spec!r}: expected NAME:key=value,...")
    kwargs: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            raise InvalidInputError(f"--config {spec!r}: {part!r} is not key=value")
        try:
            kwargs[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key.strip()] = value.strip()
    return name.strip(), kwargs


def _eval_set(name_or_path: str) -> EvalSet:
    from vecstore_lab.datasets import load_python_reference
    from vecstore_lab.eval import load_beir

    if name_or_path == "python-reference":
        return load_python_reference()
    if not Path(name_or_path).is_dir():
        raise InvalidInputError(
            f"--dataset {name_or_path!r}: not a folder in BEIR layout (corpus.jsonl, "
            f"queries.jsonl, qrels/<split>.tsv) nor a packaged set ({', '.join(PACKAGED_SETS)})"
        )
    return load_beir(name_or_path)


def evaluate(args: argparse.Namespace) -> int:
    """Score query configurations on a labelled set; print means, paired differences, wins."""
    from vecstore_lab import eval as ev

    if (args.queries is None) != (args.qrels is None):
        raise InvalidInputError("--queries and --qrels go together")
    if args.queries is not None and not args.ingest:
        # Your own judgements for a collection you ingested yourself: no corpus needed.
        data = ev.EvalSet({}, ev.load_queries(args.queries), ev.load_qrels(args.qrels))
    else:
        data = _eval_set(args.dataset)
        if args.queries is not None:
            data.queries, data.qrels = ev.load_queries(args.queries), ev.load_qrels(args.qrels)
    configs = dict(parse_config(s) for s in (args.config or DEFAULT_CONFIGS))
    baseline = args.baseline or next(iter(configs))
    if baseline not in configs:
        raise InvalidInputError(f"--baseline {baseline!r} is not one of {sorted(configs)}")
    db = _db(args)
    if args.collection not in db:
        if not args.ingest:
            raise InvalidInputError(
                f"no collection {args.collection!r} in {args.db}; ingest the corpus first or "
                "pass --ingest"
            )
        from vecstore_lab.splitter import Document

        docs = [
            Document(
                (f"{d['title']}\n\n" if d.get("title") else "") + d["text"],
                {"id": i, "title": d.get("title") or ""},
            )
            for i, d in data.corpus.items()
        ]
        splitter = _splitter(args)
        _collection(db, args).add_documents(docs, splitter=splitter, progress=not args.quiet)
    collection = db.get_collection(args.collection)
    doc_key = args.doc_key or ("doc_id" if "doc_id" in collection.metadata_schema.names else None)
    per_query = ev.evaluate(
        collection, data.queries, data.qrels, configs, k=args.k, doc_key=doc_key
    )
    summary = ev.compare(per_query, baseline).to_pandas()
    n = per_query.num_rows // len(configs)
    print(f"{len(configs)} configurations x {n} judged queries, k={args.k}, baseline {baseline}")
    import pandas as pd

    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.output:
        write_table(per_query, Path(args.output))
        print(f"per-query scores written to {args.output}")
    return 0


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        default=os.environ.get("VECSTORE_LAB_DB", "./vecstore_data"),
        help="database directory or URI (default: $VECSTORE_LAB_DB or ./vecstore_data)",
    )


def _add_embedder(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--embedder",
        default="sentence-transformers",
        help="registered embedder for a new collection (default: sentence-transformers, the "
        "packaged all-MiniLM-L6-v2, offline)",
    )


def _add_splitting(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chunk-size", type=int, default=1000, help="characters; 0 = no splitting")
    p.add_argument("--chunk-overlap", type=int, default=100, help="characters shared by chunks")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _add_verify(sub: Any) -> None:
    p = command(sub, "verify", help="read every data file; report damaged or missing ones")
    p.add_argument("--collection", help="only this collection (default: all)")
    _add_db(p)
    p.add_argument("--no-vectors", action="store_true", help="skip reading the vector column")
    p.set_defaults(func=verify)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vecstore-lab", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = command(sub, "ingest", help="add files or folders of documents to a collection")
    p.add_argument("paths", nargs="+", help=".txt/.md/.jsonl/.csv/.parquet files or folders")
    p.add_argument("--collection", required=True, help="collection name")
    _add_db(p)
    _add_embedder(p)
    _add_splitting(p)
    p.add_argument("--text-field", default="text", help="text column of table files")
    p.add_argument("--id-field", default="id", help="id column of table files")
    p.add_argument("--batch-size", type=int, default=256, help="chunks per commit")
    p.set_defaults(func=ingest)

    p = command(sub, "query", help="search a collection")
    p.add_argument("text", help="the query")
    p.add_argument("--collection", required=True, help="collection name")
    _add_db(p)
    p.add_argument("-k", type=int, default=5, help="number of hits")
    p.add_argument("--mode", default="hybrid", choices=MODES, help="search mode")
    p.add_argument("--where", help='filter: "year >= 2020" or {"topic": "finance"}')
    p.add_argument("--rerank", help="registered reranker name (e.g. colbert, mmr)")
    p.add_argument("--json", action="store_true", help="one JSON object per hit")
    p.add_argument(
        "--show-text", action="store_true", help="print each hit's whole text (default: a snippet)"
    )
    p.set_defaults(func=query)

    p = command(sub, "info", help="describe the collections of a database")
    p.add_argument("path", nargs="?", help="database directory (default: --db)")
    _add_db(p)
    p.set_defaults(func=info)

    _add_verify(sub)
    p = command(sub, "eval", help="score query configurations on a labelled set")
    p.add_argument("--collection", required=True, help="collection name")
    p.add_argument(
        "--dataset",
        default="python-reference",
        help="BEIR folder or packaged set name (default: python-reference)",
    )
    p.add_argument("--queries", help="your queries (.jsonl or query-id<TAB>text), with --qrels")
    p.add_argument("--qrels", help="your judgements (BEIR .tsv or TREC qrels), with --queries")
    _add_db(p)
    p.add_argument(
        "--config",
        action="append",
        help="NAME:key=value,... of collection.query, repeatable (default: "
        + " ".join(DEFAULT_CONFIGS)
        + ")",
    )
    p.add_argument("--baseline", help="config the others are compared with (default: first)")
    p.add_argument("-k", type=int, default=10, help="cut-off of every metric")
    p.add_argument("--doc-key", help="metadata key naming a chunk's document (auto: doc_id)")
    p.add_argument("--ingest", action="store_true", help="ingest the corpus if needed")
    _add_embedder(p)
    _add_splitting(p)
    p.add_argument("--output", help="write per-query scores (.csv, .parquet or .jsonl)")
    p.set_defaults(func=evaluate)

    p = command(sub, "demo", help="index the packaged sample documents and query them")
    p.add_argument("--path", help="database directory (default: a new temp dir)")
    _add_embedder(p)
    p.add_argument("--query", help="run this query instead of the built-in examples")
    p.add_argument("--mode", default="hybrid", choices=MODES, help="search mode")
    p.add_argument("-k", type=int, default=3, help="number of hits")
    p.set_defaults(func=demo)
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
