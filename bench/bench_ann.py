"""ANN on real text: recall@10 against exact search, and p50/p95 latency, for LanceDB's
IVF_HNSW_SQ and IVF_PQ (through ``Collection.create_index`` and query knobs) next to FAISS
HNSW and Chroma's HNSW, at two or three settings each.

Data with real structure (recall on random vectors misleads):

- **corpus**: the Python documentation's reStructuredText sources (Debian's ``python3-doc``,
  ``/usr/share/doc/python3-doc/html/_sources``), split into 300-character chunks (50,919 of
  them), embedded with all-MiniLM-L6-v2 and cached in ``bench/.cache`` so reruns are fast;
- **queries**: real questions, the FAQ's own question headings ("How do I …?") and the 45
  hand-written questions of ``vl.load_python_reference()``, embedded the same way;
- **a 1M set** (full run only) grown from the real vectors: each is copied with Gaussian noise
  (sigma 0.05 per dimension, then normalised), which keeps the neighbourhoods of the real data
  and makes every copy distinct.

``--quick`` uses 5,000 chunks and no 1M set. Results go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

import vecstore_lab as vl

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from _results import publish  # noqa: E402

DOCS = Path("/usr/share/doc/python3-doc/html/_sources")
CACHE = HERE / ".cache"
K = 10


def corpus(limit: int) -> list[str]:
    if not DOCS.is_dir():
        raise SystemExit(f"{DOCS} is missing: apt-get install python3-doc")
    splitter = vl.RecursiveCharacterTextSplitter(chunk_size=300, chunk_overlap=0)
    chunks: list[str] = []
    for path in sorted(DOCS.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        chunks.extend(c for c in splitter.split_text(text) if len(c.strip()) > 40)
        if len(chunks) >= limit:
            break
    return chunks[:limit]


def questions() -> list[str]:
    found = []
    for path in sorted((DOCS / "faq").glob("*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for line, under in itertools.pairwise(lines):
            if line.strip().endswith("?") and re.fullmatch(r"[-=~^\"]{4,}", under.strip()):
                found.append(line.strip())
    found += list(vl.load_python_reference().queries.values())
    return found


def embedded(texts: list[str], name: str, shard: int = 4096) -> np.ndarray:
    """MiniLM vectors of ``texts``, cached by their content. Written a shard at a time, so an
    interrupted run resumes where it stopped."""
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{len(texts)}-{digest}.npy"
    if path.exists():
        return np.load(path)
    embedder = vl.get_embedder("sentence-transformers")
    parts = []
    t0 = time.perf_counter()
    for i, start in enumerate(range(0, len(texts), shard)):
        part = CACHE / "shards" / f"{path.stem}-{i:04d}.npy"
        if not part.exists():
            block = texts[start : start + shard]
            vectors = np.concatenate(
                [embedder.embed_documents(block[j : j + 256]) for j in range(0, len(block), 256)]
            ).astype(np.float32)
            part.parent.mkdir(parents=True, exist_ok=True)
            np.save(part, vectors)
            print(f"{name}: {start + len(block)}/{len(texts)} embedded", flush=True)
        parts.append(np.load(part))
    vectors = np.concatenate(parts)
    print(f"embedded {len(texts)} {name} in {time.perf_counter() - t0:.0f} s", flush=True)
    np.save(path, vectors)
    for part in (CACHE / "shards").glob(f"{path.stem}-*.npy"):
        part.unlink()
    return vectors


def grown(real: np.ndarray, n: int, sigma: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(0)
    out = np.empty((n, real.shape[1]), np.float32)
    for start in range(0, n, 100_000):
        rows = np.arange(start, min(n, start + 100_000))
        block = real[rows % len(real)]
        if start >= len(real):
            block = block + rng.normal(0, sigma, block.shape).astype(np.float32)
        out[rows] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def bucket(n: int) -> np.ndarray:
    return np.arange(n) % 100  # the filtered cases' metadata column


FILTERS = [  # label, our filter, Chroma's, the rows it keeps
    ("keeps 10%", {"bucket": {"$lt": 10}}, {"bucket": {"$lt": 10}}, lambda n: bucket(n) < 10),
    ("keeps 1%", {"bucket": 7}, {"bucket": 7}, lambda n: bucket(n) == 7),
]


def filtered_truth(x: np.ndarray, qs: np.ndarray, keep: np.ndarray) -> list[set[int]]:
    rows = np.flatnonzero(keep)
    return [set(rows[np.argpartition(-(x[rows] @ q), K)[:K]].tolist()) for q in qs]


def exact_top(x: np.ndarray, qs: np.ndarray) -> list[set[int]]:
    return [set(np.argpartition(-(x @ q), K)[:K].tolist()) for q in qs]


def measure(search: Any, qs: Any, truth: list[set[int]], warm: Any = None) -> dict[str, float]:
    """Recall@K and latency of ``search`` over ``qs`` (vectors, or question texts), after one
    warm-up search (``warm``, else the first of ``qs``)."""
    search(qs[0] if warm is None else warm)
    times, hits = [], []
    for q, want in zip(qs, truth, strict=True):
        t0 = time.perf_counter()
        got = search(q)
        times.append(time.perf_counter() - t0)
        hits.append(len(set(got) & want) / K)
    times.sort()
    return {
        "recall": float(np.mean(hits)),
        "p50": 1000 * statistics.median(times),
        "p95": 1000 * times[int(0.95 * (len(times) - 1))],
    }


FIRST_QUERY = """
import time
t0 = time.perf_counter()
import sys, numpy as np, vecstore_lab as vl
q = np.load(sys.argv[2])
t1 = time.perf_counter()
db = vl.connect(sys.argv[1], embedding_cache=False)
c = db.get_collection(sys.argv[3])
t2 = time.perf_counter()
c.query(vector=q, k=10)
t3 = time.perf_counter()
imported = int("lancedb" in sys.modules)  # stats() below lists LanceDB's indexes: it imports it
assert c.stats()["graph"]["builds"] == 0 and c.stats()["graph"]["loaded_from"]
print(t1 - t0, t2 - t1, t3 - t2, imported)
"""


class FirstQuery(NamedTuple):
    """A new process's first query, in seconds: importing numpy and vecstore_lab, connecting
    and opening the collection, answering (the graph loaded, not built); and whether LanceDB
    was imported on the way."""

    imports: float
    opened: float
    answered: float
    lancedb: bool

    @property
    def total(self) -> float:
        return self.imports + self.opened + self.answered


def first_query_split(path: Path, q: np.ndarray, name: str = "ann") -> FirstQuery:
    """A new process (the interpreter's own start not counted) answers one query."""
    vector = path.parent / "first-query.npy"
    np.save(vector, q)
    done = subprocess.run(
        [sys.executable, "-c", FIRST_QUERY, str(path), str(vector), name],
        check=True,
        capture_output=True,
        text=True,
    )
    imports, opened, answered, lancedb = done.stdout.split()[-4:]
    return FirstQuery(float(imports), float(opened), float(answered), lancedb == "1")


def first_query(path: Path, q: np.ndarray) -> float:
    """``first_query_split``, in total."""
    return first_query_split(path, q).total


def lancedb_cases(
    x: np.ndarray, qs: np.ndarray, truth: list[set[int]], work: Path, *, ivf: bool = True
) -> list[Any]:
    out = []
    # MiniLM is the collection's embedder (loaded on the first text query): the vectors are
    # given, so nothing is embedded until the text rows below.
    db = vl.connect(work / "lancedb", embedder="sentence-transformers", embedding_cache=False)
    c = db.create_collection("ann", dim=x.shape[1])
    fill(c.add, x, 100_000, "vectors")
    ids = lambda res: [int(i) for i in res.ids]  # noqa: E731
    out.append(
        (
            "vecstore-lab exact (memory)",
            "",
            0.0,
            measure(lambda q: ids(c.query(vector=q, k=K)), qs, truth),
        )
    )
    t0 = time.perf_counter()
    c.create_index("hnsw")
    build_s = time.perf_counter() - t0
    for ef in (16, 32, 64, 128):
        run = lambda q, ef=ef: ids(c.query(vector=q, k=K, ef=ef))  # noqa: E731
        out.append(
            (
                "vecstore-lab hnsw (in process, i8, M=16)",
                f"ef={ef}",
                build_s,
                measure(run, qs, truth),
            )
        )
    # A new process: the saved graph is loaded, not built (vectors read by row id until the
    # exact-search matrix is held).
    while c.stats()["graph"]["saving"]:  # a large graph's file is written in the background
        time.sleep(0.05)
    first = f"{first_query(work / 'lancedb', qs[0]):.2f} s (imports, open, map the graph, answer)"
    out.append(("vecstore-lab hnsw, a new process's first query", first, 0.0, None))
    texts = questions()
    assert len(texts) == len(qs)  # qs are these questions, embedded by the same model
    for backend in ("torch", "onnx", "onnx-int8"):  # the query encoder: the model, or ONNX
        # Through the graph only: the handle keeps its last 256 query vectors (per backend),
        # so a second pass over the same questions would measure the search alone.
        c.embedder.query_backend = backend
        run = lambda text: ids(c.query(text, k=K))  # noqa: E731
        label = f"vecstore-lab hnsw, a text query end to end (MiniLM on {backend})"
        # warmed on a question not measured: a repeated one would come from the query cache
        warm = f"How do I warm up {backend}?"
        out.append((label, "", 0.0, measure(run, texts, truth, warm=warm)))
    for label, where, _chroma, mask in FILTERS:
        ftruth = filtered_truth(x, qs, mask(len(x)))
        for path, exact in (("hnsw", False), ("exact", True)):
            run = lambda q, where=where, exact=exact: ids(  # noqa: E731
                c.query(vector=q, k=K, where=where, exact=exact)
            )
            out.append((f"vecstore-lab {path}, filter {label}", "", 0.0, measure(run, qs, ftruth)))
    if not ivf:
        return out
    pq = {"num_partitions": max(8, int(np.sqrt(len(x)))), "num_sub_vectors": 48}
    for kind, params, knobs in (
        (
            "ivf_hnsw_sq",
            {"num_partitions": max(1, -(-len(x) // 250_000))},
            [{"ef": 20}, {"ef": 50}, {"ef": 150}],
        ),
        (
            "ivf_pq",
            pq,
            [
                {"nprobes": 20},
                {"nprobes": 50, "refine_factor": 5},
                {"nprobes": 100, "refine_factor": 20},
            ],
        ),
    ):
        t0 = time.perf_counter()
        built = c.create_index(kind, **params)
        build_s = time.perf_counter() - t0
        for knob in knobs:
            run = lambda q, knob=knob: ids(c.query(vector=q, k=K, **knob))  # noqa: E731
            label = f"LanceDB {built['kind']} {built['params']}"
            out.append((label, str(knob), build_s, measure(run, qs, truth)))
    return out


def faiss_cases(
    x: np.ndarray, qs: np.ndarray, truth: list[set[int]], *, m32: bool = True
) -> list[Any]:
    try:
        import faiss
    except ImportError:
        return [("FAISS HNSW", "not installed (pip install -e .[bench])", 0.0, None)]
    out = []
    for m, ef_construction in ((32, 80), (16, 128)) if m32 else ((16, 128),):
        t0 = time.perf_counter()
        index = faiss.IndexHNSWFlat(x.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(x)
        build_s = time.perf_counter() - t0
        for ef in (16, 32, 64, 256):
            index.hnsw.efSearch = ef
            run = lambda q, index=index: index.search(q[None, :], K)[1][0].tolist()  # noqa: E731
            label = f"FAISS IndexHNSWFlat M={m} efConstruction={ef_construction}"
            out.append((label, f"efSearch={ef}", build_s, measure(run, qs, truth)))
    for label, _ours, _chroma, mask in FILTERS:  # in-search filter: a bitmap of allowed ids
        keep = mask(len(x))
        bits = np.packbits(keep, bitorder="little")
        sel = faiss.IDSelectorBitmap(len(x), faiss.swig_ptr(bits))
        ftruth = filtered_truth(x, qs, keep)
        for ef in (64, 256):
            params = faiss.SearchParametersHNSW(efSearch=ef, sel=sel)
            run = lambda q, p=params: index.search(q[None, :], K, params=p)[1][0].tolist()  # noqa: E731
            out.append(
                (
                    f"FAISS HNSW M=16, filter {label}",
                    f"efSearch={ef}",
                    0.0,
                    measure(run, qs, ftruth),
                )
            )
    return out


def usearch_cases(x: np.ndarray, qs: np.ndarray, truth: list[set[int]]) -> list[Any]:
    """usearch alone, as our graph builds it (the cost of our API is the difference)."""
    from usearch.index import Index

    t0 = time.perf_counter()
    index = Index(ndim=x.shape[1], metric="cos", dtype="i8", connectivity=16, expansion_add=128)
    index.add(np.arange(len(x)), x, threads=os.cpu_count() or 1)
    build_s = time.perf_counter() - t0
    out = []
    for ef in (16, 32, 64):
        index.expansion_search = ef
        run = lambda q: index.search(q, K, threads=1).keys.tolist()  # noqa: E731
        out.append(("usearch alone (i8, M=16)", f"ef={ef}", build_s, measure(run, qs, truth)))
    return out


def fill(add: Any, x: np.ndarray, step: int, vectors: str) -> None:
    """Add ``x`` through ``add`` (ours, or Chroma's with ``vectors="embeddings"``), ``step``
    rows a call, each with its ``bucket``."""
    for s in range(0, len(x), step):
        rows = range(s, min(len(x), s + step))
        add(
            ids=[str(i) for i in rows],
            metadatas=[{"bucket": i % 100} for i in rows],
            **{vectors: x[s : s + step]},
        )


def chroma_cases(x: np.ndarray, qs: np.ndarray, truth: list[set[int]], work: Path) -> list[Any]:
    try:
        import chromadb
    except ImportError:
        return [("Chroma HNSW", "not installed (pip install -e .[bench])", 0.0, None)]
    client = chromadb.PersistentClient(path=str(work / "chroma"))
    out = []
    for ef in (10, 100, 400):
        t0 = time.perf_counter()
        coll = client.create_collection(
            f"ann{ef}", configuration={"hnsw": {"space": "ip", "ef_search": ef}}
        )
        fill(coll.add, x, 5000, "embeddings")
        build_s = time.perf_counter() - t0
        run = lambda q, coll=coll: [  # noqa: E731
            int(i) for i in coll.query(query_embeddings=[q], n_results=K)["ids"][0]
        ]
        out.append(("Chroma HNSW (defaults)", f"ef_search={ef}", build_s, measure(run, qs, truth)))
        if ef != 100:
            continue
        for label, _ours, where, mask in FILTERS:
            ftruth = filtered_truth(x, qs, mask(len(x)))
            run = lambda q, coll=coll, where=where: [  # noqa: E731
                int(i) for i in coll.query(query_embeddings=[q], n_results=K, where=where)["ids"][0]
            ]
            out.append(
                (f"Chroma, filter {label}", f"ef_search={ef}", 0.0, measure(run, qs, ftruth))
            )
    return out


def chroma_million(x: np.ndarray, qs: np.ndarray, truth: list[set[int]], work: Path) -> list[Any]:
    """Chroma at 1M: one collection, built once, unfiltered and with the filters. Its
    ``ef_search`` is changed with ``modify()`` between settings; in the 2026-12-04 run that
    changed none of its answers (one recall at every setting), so read it as one setting."""
    import chromadb

    client = chromadb.PersistentClient(path=str(work / "chroma"))
    t0 = time.perf_counter()
    coll = client.create_collection("ann", configuration={"hnsw": {"space": "ip"}})
    fill(coll.add, x, 5000, "embeddings")
    build_s = time.perf_counter() - t0
    out = []
    for ef in (10, 100, 400):
        coll.modify(configuration={"hnsw": {"ef_search": ef}})
        run = lambda q: [int(i) for i in coll.query(query_embeddings=[q], n_results=K)["ids"][0]]  # noqa: E731
        out.append(("Chroma HNSW (defaults)", f"ef_search={ef}", build_s, measure(run, qs, truth)))
        build_s = 0.0
    coll.modify(configuration={"hnsw": {"ef_search": 100}})
    for label, _ours, where, mask in FILTERS:
        ftruth = filtered_truth(x, qs, mask(len(x)))
        run = lambda q, where=where: [  # noqa: E731
            int(i) for i in coll.query(query_embeddings=[q], n_results=K, where=where)["ids"][0]
        ]
        out.append((f"Chroma, filter {label}", "ef_search=100", 0.0, measure(run, qs, ftruth)))
    return out


def table(title: str, rows: list[Any], numpy_ms: float) -> list[str]:
    lines = [
        f"### {title}",
        "",
        f"numpy exact top-{K}: {numpy_ms:.2f} ms p50.",
        "",
        "| engine | setting | build s | recall@10 | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, setting, build_s, m in rows:
        if m is None:
            lines.append(f"| {name} | {setting} | | | | |")
        else:
            lines.append(
                f"| {name} | {setting} | {build_s:.1f} | {m['recall']:.3f} | {m['p50']:.2f} "
                f"| {m['p95']:.2f} |"
            )
    return [*lines, ""]


def query_encoders(x: np.ndarray, qs: np.ndarray) -> list[str]:
    """MiniLM's query side three ways, on the real questions: torch (the model), ONNX Runtime
    float32, ONNX Runtime int8. Per backend: one query's latency, the cosine with torch's
    vector, and recall@10 of exact search with its vectors against torch's exact top-10."""
    texts = questions()
    truth = exact_top(x, qs)
    lines = [
        "### The query encoder: MiniLM through torch or ONNX Runtime",
        "",
        f"{len(texts)} real questions, one at a time; exact top-10 over the {len(x):,} chunks.",
        "",
        "| query backend | p50 ms | p95 ms | lowest cosine with torch | mean cosine "
        "| recall@10 vs torch's top-10 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend in ("torch", "onnx", "onnx-int8"):
        e = vl.SentenceTransformerEmbedder(query_backend=backend)
        e.embed_query("warm up")  # loads the model; builds or loads the ONNX file
        times, vectors = [], []
        for text in texts:
            t0 = time.perf_counter()
            vectors.append(e.embed_query(text))
            times.append(time.perf_counter() - t0)
        v = np.stack(vectors)
        cos = (v * qs).sum(axis=1) / (np.linalg.norm(v, axis=1) * np.linalg.norm(qs, axis=1))
        got = exact_top(x, v)
        recall = np.mean([len(a & b) / K for a, b in zip(got, truth, strict=True)])
        times.sort()
        p50, p95 = 1000 * statistics.median(times), 1000 * times[int(0.95 * (len(times) - 1))]
        lines.append(
            f"| {backend} | {p50:.2f} | {p95:.2f} | {cos.min():.4f} | {cos.mean():.4f} "
            f"| {recall:.3f} |"
        )
    return [*lines, ""]


def run_size(
    x: np.ndarray, qs: np.ndarray, label: str, chroma: bool, *, ivf: bool = True
) -> list[str]:
    truth = exact_top(x, qs)
    numpy_ms = measure(lambda q: np.argpartition(-(x @ q), K)[:K].tolist(), qs, truth)["p50"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = lancedb_cases(x, qs, truth, work, ivf=ivf)
        rows += usearch_cases(x, qs, truth) + faiss_cases(x, qs, truth, m32=ivf)
        if chroma:
            rows += chroma_cases(x, qs, truth, work)
        else:
            rows.append(("Chroma HNSW", "skipped at this size (its add is too slow here)", 0, None))
    return table(label, rows, numpy_ms)


def million(x: np.ndarray, qs: np.ndarray, cases: Any, label: str) -> list[str]:
    """``cases(x, qs, truth, work)`` alone on the 1M set, with the numpy baseline."""
    truth = exact_top(x, qs)
    numpy_ms = measure(lambda q: np.argpartition(-(x @ q), K)[:K].tolist(), qs, truth)["p50"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = cases(x, qs, truth, Path(tmp))
    return table(label, rows, numpy_ms)


def fixed_cost(x: np.ndarray, qs: np.ndarray) -> list[str]:
    """One ``query()`` through our whole API on 1,000 rows held in memory, against the bare
    numpy top-10 of the same matrix: what the API itself costs."""
    small = np.ascontiguousarray(x[:1000])
    with tempfile.TemporaryDirectory() as tmp:
        c = vl.connect(tmp, embedding_cache=False).create_collection("fixed", dim=x.shape[1])
        c.add(ids=[str(i) for i in range(len(small))], vectors=small)
        time.sleep(2.5)  # past the version probe's racy window, as any query after a write
        truth = exact_top(small, qs)
        ours = measure(lambda q: [int(i) for i in c.query(vector=q, k=K).ids], qs, truth)
    bare = measure(lambda q: np.argpartition(-(small @ q), K)[:K].tolist(), qs, truth)
    return [
        "### Fixed cost of one query (1,000 rows in memory, exact)",
        "",
        "| path | p50 ms | p95 ms |",
        "|---|---:|---:|",
        f"| `collection.query(vector=q, k=10)` | {ours['p50']:.3f} | {ours['p95']:.3f} |",
        f"| numpy top-10 of the same matrix | {bare['p50']:.3f} | {bare['p95']:.3f} |",
        f"| the API's own cost | {ours['p50'] - bare['p50']:.3f} | |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--million",
        choices=["all", "graphs", "ours", "chroma", "none"],
        default="all",
        help="the 1M set: every engine, only the in-process graphs (ours, usearch, FAISS M=16), "
        "only ours (exact, the graph, text queries end to end, filters), only Chroma, or none",
    )
    parser.add_argument(
        "--first-query",
        type=Path,
        default=None,
        help="time a new process's first query on this database's collection 'ann' and stop",
    )
    parser.add_argument(
        "--embed-only", action="store_true", help="build the vector cache and stop (resumable)"
    )
    args = parser.parse_args()
    chunks = corpus(5_000 if args.quick else args.chunks)
    x = embedded(chunks, "python-docs")
    qs = embedded(questions(), "questions")
    if args.embed_only:
        return
    if args.million == "graphs":  # the 1M set alone, graphs only: its own section
        big = grown(x, 1_000_000)
        lines = run_size(big, qs, "1,000,000 vectors grown from them (graphs)", False, ivf=False)
        publish("ANN on real text, 1M, in-process graphs", lines, path=args.output)
        return
    if args.first_query:  # an existing collection "ann" with a saved graph (the 1M set's)
        runs = [first_query_split(args.first_query, qs[i]) for i in range(3)]
        rows = len(vl.connect(args.first_query, embedding_cache=False).get_collection("ann"))
        lines = [
            f"A new process imports vecstore_lab, opens a collection of {rows:,} rows whose "
            "graph is saved, and answers one query (each run a new process; the interpreter's "
            "own start not counted):",
            "",
            "| run | imports s | connect and open s | first query (maps the graph) s | total s "
            "| LanceDB imported |",
            "|---|---:|---:|---:|---:|---|",
            *[
                f"| {i + 1} | {r.imports:.2f} | {r.opened:.2f} | {r.answered:.2f} "
                f"| {r.total:.2f} | {'yes' if r.lancedb else 'no'} |"
                for i, r in enumerate(runs)
            ],
            "",
        ]
        publish("ANN: a new process's first query", lines, path=args.output)
        return
    if args.million in ("chroma", "ours"):  # the 1M set alone: Chroma (its build takes long)
        big = grown(x, 1_000_000)  # or our paths only
        cases = chroma_million if args.million == "chroma" else partial(lancedb_cases, ivf=False)
        who, title = ("Chroma", "Chroma") if args.million == "chroma" else ("ours", "our paths")
        lines = million(big, qs, cases, f"1,000,000 vectors grown from them ({who})")
        publish(f"ANN on real text, 1M, {title}", lines, path=args.output)
        return
    lines = [
        f"Corpus: {len(chunks):,} chunks of the Python docs (python3-doc), MiniLM vectors; "
        f"{len(qs)} real questions as queries. Recall@10 against exact top-10 (numpy).",
        "",
        *fixed_cost(x, qs),
        *query_encoders(x, qs),
        *run_size(x, qs, f"{len(x):,} real vectors", chroma=True),
    ]
    if not args.quick and args.million == "all":
        big = grown(x, 1_000_000)
        lines += run_size(big, qs, "1,000,000 vectors grown from them", chroma=False)
    publish("ANN on real text" + (" (quick)" if args.quick else ""), lines, path=args.output)


if __name__ == "__main__":
    main()
