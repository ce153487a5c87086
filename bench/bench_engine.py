"""Engine benchmark: exact search and writes, side by side with numpy, FAISS, raw LanceDB.

Cases (one run, interleaved, medians):

1. exact top-10 at each size (100k and 1M x 384 by default), with and without a prefilter
   (one of ten categories): numpy ``X @ q`` + argpartition (with a mask when filtered), FAISS
   ``IndexFlatIP`` (when ``faiss-cpu`` is installed: ``pip install -e .[bench]``), raw LanceDB's
   flat search, and ``Collection.query``;
2. ``add`` of precomputed vectors with text and one metadata field: one call of 100k rows,
   and 10 calls of 10k onto 100k stored, against raw LanceDB ``add`` of the same columns;
3. peak RSS while 1M rows go in through ``add`` in batches of 50k (a child process: its own
   high-water mark, ``VmHWM``), after each batch;
4. text queries end to end at 100k rows: MiniLM embeds the question, exact search from memory
   answers, with the p50/p95 of each stage from the telemetry recorder.

Vectors are random unit vectors: exact search does the same work whatever they are (ANN
recall is measured on real text by bench_ann.py). ``--quick`` runs small sizes in well
under two minutes (``tests/integration/test_bench.py`` runs it); it asserts nothing about time.
Results go to bench/RESULTS.md (``--output`` to write elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import lancedb
import numpy as np
import pyarrow as pa
from lancedb.index import FTS

import vecstore_lab as vl

HERE = Path(__file__).parent
PRIMARY_KEY = {"lance-schema:unenforced-primary-key": "true"}  # as ours declares it
sys.path.insert(0, str(HERE))
from _results import RESULTS, publish  # noqa: E402

DIM = 384


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def columns(x: np.ndarray, start: int = 0) -> dict[str, Any]:
    n = len(x)
    return {
        "id": [f"doc-{i}" for i in range(start, start + n)],
        "text": [f"document {i} about topic {i % 10}" for i in range(start, start + n)],
        "category": [f"c{i % 10}" for i in range(start, start + n)],
    }


def raw_table(cols: dict[str, Any], x: np.ndarray) -> pa.Table:
    vec = pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), x.shape[1])
    return pa.table({**cols, "vector": vec})


def median_ms(fn: Any, queries: np.ndarray) -> float:
    fn(queries[0])  # warm: caches, lazy loads
    times = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def exact_case(n: int, queries: int, workdir: Path) -> dict[str, Any]:
    x = unit_vectors(n, DIM, seed=n)
    cols = columns(x)
    qs = unit_vectors(queries, DIM, seed=7)
    cat = np.array([i % 10 for i in range(n)])
    mask = cat == 3
    db = vl.connect(workdir / f"exact-{n}", embedding_cache=False)
    coll = db.create_collection("bench", dim=DIM)
    t0 = time.perf_counter()
    for s in range(0, n, 100_000):
        e = min(n, s + 100_000)
        coll.add(
            ids=cols["id"][s:e],
            texts=cols["text"][s:e],
            vectors=x[s:e],
            metadatas=[{"category": c} for c in cols["category"][s:e]],
        )
    build_s = time.perf_counter() - t0
    raw = lancedb.connect(workdir / f"raw-{n}").create_table("bench", raw_table(cols, x))

    def numpy_top(q: np.ndarray) -> np.ndarray:
        s = x @ q
        return np.argpartition(-s, 10)[:10]

    def numpy_masked(q: np.ndarray) -> np.ndarray:
        s = x @ q
        s[~mask] = -np.inf
        return np.argpartition(-s, 10)[:10]

    def raw_flat(q: np.ndarray, where: str | None = None) -> Any:
        search = raw.search(q).distance_type("cosine").limit(10).select(["id", "text"])
        if where:
            search = search.where(where, prefilter=True)
        return search.to_arrow()

    out: dict[str, Any] = {"rows": n, "build_s": build_s, "ms": {}}
    ms = out["ms"]
    ms["numpy"] = median_ms(numpy_top, qs)
    ms["numpy, masked"] = median_ms(numpy_masked, qs)
    try:
        import faiss

        index = faiss.IndexFlatIP(DIM)
        index.add(x)
        ms["FAISS IndexFlatIP"] = median_ms(lambda q: index.search(q[None, :], 10), qs)
    except ImportError:
        out["faiss"] = "not installed (pip install -e .[bench])"
    ms["raw LanceDB flat"] = median_ms(raw_flat, qs)
    ms["raw LanceDB flat, filtered"] = median_ms(lambda q: raw_flat(q, "category = 'c3'"), qs)
    ms["vecstore-lab"] = median_ms(lambda q: coll.query(vector=q, k=10), qs)
    ms["vecstore-lab, filtered"] = median_ms(
        lambda q: coll.query(vector=q, k=10, where={"category": "c3"}), qs
    )
    # Same answers as numpy (ids of the top 10), on the first query.
    top = [f"doc-{i}" for i in np.argsort(-(x @ qs[0]))[:10]]
    out["same_ids"] = coll.query(vector=qs[0], k=10).ids == top
    out["memory_mb"] = coll.stats()["exact_search"]["bytes"] / 2**20
    files = (workdir / f"exact-{n}").rglob("*")
    out["disk_mb"] = sum(f.stat().st_size for f in files if f.is_file()) / 2**20
    return out


def plot_growth(exact: list[dict[str, Any]], path: Path) -> str:
    """Latency and memory against rows, log-log, to ``path`` (a PNG). Returns a line for the
    report."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "(no plot: matplotlib is not installed; `pip install -e .[bench]`)"
    rows = [c["rows"] for c in exact]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for name, style in (
        ("vecstore-lab", "o-"),
        ("vecstore-lab, filtered", "o--"),
        ("numpy", "s-"),
        ("FAISS IndexFlatIP", "^-"),
        ("raw LanceDB flat", "x-"),
    ):
        if all(name in c["ms"] for c in exact):
            left.plot(rows, [c["ms"][name] for c in exact], style, label=name)
    left.set(xscale="log", yscale="log", xlabel="rows (x 384)", ylabel="ms per exact top-10")
    left.set_title("Exact search latency")
    left.legend(fontsize=8)
    right.plot(rows, [c["memory_mb"] for c in exact], "o-", label="vectors held in memory")
    right.plot(rows, [c["disk_mb"] for c in exact], "s-", label="collection on disk")
    right.set(xscale="log", yscale="log", xlabel="rows (x 384)", ylabel="MB")
    right.set_title("Memory and disk")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return f"![cost growth]({path.name})"


def add_case(n: int, workdir: Path) -> dict[str, Any]:
    """One add of ``n`` rows, then 10 adds of ``n / 10`` onto them, four ways: ours with its
    index upkeep (the full-text index folds in the backlog once it passes ``auto_optimize_rows``
    and the rows indexed: here, at the first add of the ten), ours with upkeep off
    (``auto_optimize_rows=0``: you call ``optimize()`` when it suits you), raw LanceDB with no
    index, and raw LanceDB keeping the same full-text index, folding the rows into it at the
    same point (the like-for-like work). Ours folds in the background: its time is also taken
    once that fold has ended."""
    x = unit_vectors(2 * n, DIM, seed=11)
    cols = columns(x)
    metas = [{"category": c} for c in cols["category"]]
    step = max(1, n // 10)

    def ours_once(upkeep: bool) -> tuple[float, float, float]:
        db = vl.connect(tempfile.mkdtemp(dir=workdir), embedding_cache=False)
        c = db.create_collection("bench", dim=DIM)
        c.auto_optimize_rows = n if upkeep else 0  # n: the default, 100,000, in the full run
        t0 = time.perf_counter()
        c.add(ids=cols["id"][:n], texts=cols["text"][:n], vectors=x[:n], metadatas=metas[:n])
        single = time.perf_counter() - t0
        t0 = time.perf_counter()
        for s in range(n, 2 * n, step):
            sl = slice(s, s + step)
            c.add(ids=cols["id"][sl], texts=cols["text"][sl], vectors=x[sl], metadatas=metas[sl])
        adds = time.perf_counter() - t0
        while c.stats()["upkeep_running"]:  # the fold of the backlog, in the background
            time.sleep(0.005)
        return single, adds, time.perf_counter() - t0

    def raw_once(same: bool) -> tuple[float, float, float]:
        """Raw LanceDB; ``same``: doing our work too: the id declared as the primary key
        (ours, for Lance's conflict checks), the same full-text index, the rows folded into it
        (Lance's ``optimize_indices``, as ours) at the add where ours does it, on the adds'
        path."""
        db = lancedb.connect(tempfile.mkdtemp(dir=workdir))
        first = raw_table({k: v[:n] for k, v in cols.items()}, x[:n])
        if same:
            key = pa.field("id", pa.string(), nullable=False, metadata=PRIMARY_KEY)
            first = first.cast(first.schema.set(first.schema.get_field_index("id"), key))
        t = db.create_table("bench", schema=first.schema)
        if same:
            t.create_index("text", config=FTS(language="English", stem=True))  # as ours
        t0 = time.perf_counter()
        t.add(first)
        single = time.perf_counter() - t0
        t0 = time.perf_counter()
        for s in range(n, 2 * n, step):
            t.add(raw_table({k: v[s : s + step] for k, v in cols.items()}, x[s : s + step]))
            if same and s == n:
                t.to_lance().optimize.optimize_indices()  # where ours folds the backlog
        adds = time.perf_counter() - t0
        return single, adds, adds

    ways = {
        "ours": lambda: ours_once(True),
        "ours, upkeep off": lambda: ours_once(False),
        "raw": lambda: raw_once(False),
        "raw, same index": lambda: raw_once(True),
    }
    runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in ways}
    for i in range(3):
        for name in list(ways) if i % 2 == 0 else reversed(list(ways)):
            runs[name].append(ways[name]())
    med = {k: tuple(statistics.median(r[j] for r in v) for j in range(3)) for k, v in runs.items()}
    return {"rows": n, "step": step, **med}


def e2e_case(n: int, workdir: Path) -> dict[str, Any]:
    """Text queries end to end at ``n`` rows: MiniLM embeds each question (through torch, then
    ONNX Runtime float32 and int8: ``query_backend``), then exact search from memory; per-stage
    latency from the telemetry recorder."""
    x = unit_vectors(n, DIM, seed=5)
    cols = columns(x)
    db = vl.connect(workdir / "e2e", embedder="sentence-transformers", embedding_cache=False)
    coll = db.create_collection("bench")
    coll.add(ids=cols["id"], texts=cols["text"], vectors=x)  # given vectors: nothing embedded
    questions = list(vl.load_python_reference().queries.values())
    recorder = vl.telemetry.enable()
    out: dict[str, Any] = {"rows": n, "queries": len(questions), "backends": {}}
    for backend in ("torch", "onnx", "onnx-int8"):
        coll.embedder.query_backend = backend
        coll.query(f"warming up {backend}", k=10)  # loads the model (or the ONNX file)
        recorder.clear()
        times = []
        for q in questions:
            t0 = time.perf_counter()
            coll.query(q, k=10)
            times.append(time.perf_counter() - t0)
        times.sort()
        summary = recorder.summary()  # indexed by stage
        out["backends"][backend] = {
            "p50": 1000 * statistics.median(times),
            "p95": 1000 * times[int(0.95 * (len(times) - 1))],
            "stages": {
                stage: (float(summary.loc[stage, "p50_ms"]), float(summary.loc[stage, "p95_ms"]))
                for stage in ("query", "embed", "search.vector")
                if stage in summary.index
            },
        }
    return out


RSS_CHILD = """
import json, sys, tempfile, numpy as np, vecstore_lab as vl
n, batch, dim = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
db = vl.connect(tempfile.mkdtemp(), embedding_cache=False)
c = db.create_collection("bench", dim=dim)
rng = np.random.default_rng(0)
marks = {}
for s in range(0, n, batch):
    x = rng.standard_normal((batch, dim)).astype(np.float32)
    c.add(ids=[f"d{i}" for i in range(s, s + batch)], vectors=x,
          texts=[f"document {i}" for i in range(s, s + batch)],
          metadatas=[{"category": f"c{i % 10}"} for i in range(s, s + batch)])
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    status = open("/proc/self/status").read()
    marks[s + batch] = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps(marks))
"""


def rss_case(n: int, batch: int) -> dict[int, float]:
    done = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, str(n), str(batch), str(DIM)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _e2e_lines(e2e: dict[str, Any] | None) -> list[str]:
    if e2e is None:
        return []
    lines = [
        f"### Text query end to end at {e2e['rows']:,} rows (MiniLM + exact search from memory)",
        "",
        f"{e2e['queries']} real questions (python-reference), k=10, the query encoder through "
        "torch, and through ONNX Runtime in float32 and with int8 weights (`query_backend`).",
        "",
        "| query backend | p50 ms | p95 ms | target p95 ≤ 40 ms | embed p50 / p95 ms "
        "| search.vector p50 / p95 ms |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for backend, m in e2e["backends"].items():
        embed = m["stages"].get("embed", (float("nan"), float("nan")))
        search = m["stages"].get("search.vector", (float("nan"), float("nan")))
        lines.append(
            f"| {backend} | {m['p50']:.1f} | {m['p95']:.1f} | {verdict(m['p95'] <= 40)} "
            f"| {embed[0]:.1f} / {embed[1]:.1f} | {search[0]:.1f} / {search[1]:.1f} |"
        )
    return [*lines, ""]


def report(
    exact: list[dict[str, Any]],
    add: dict[str, Any] | None,
    rss: dict[int, float] | None,
    e2e: dict[str, Any] | None = None,
) -> list[str]:
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}, lancedb {lancedb.__version__}. "
        "Random unit vectors, cosine, k=10, median over the queries (each side warmed once).",
        "",
    ]
    for case in exact:
        ms = case["ms"]
        np_ms, np_mask = ms["numpy"], ms["numpy, masked"]
        ratio, ratio_f = ms["vecstore-lab"] / np_ms, ms["vecstore-lab, filtered"] / np_mask

        def baseline(name: str, np_ms: float = np_ms, np_mask: float = np_mask) -> float:
            return np_mask if "filter" in name or "mask" in name else np_ms

        lines += [
            f"### Exact top-10 at {case['rows']:,} x {DIM}",
            "",
            f"Built through `Collection.add` in {case['build_s']:.1f} s; the vectors held in "
            f"memory take {case['memory_mb']:.0f} MB. Same top-10 ids as numpy: "
            f"{case['same_ids']}. {case.get('faiss', '')}",
            "",
            "| engine | ms | x numpy |",
            "|---|---:|---:|",
            *[f"| {name} | {v:.2f} | {v / baseline(name):.2f} |" for name, v in ms.items()],
            "",
            f"- exact top-10 ≤ 1.5x numpy: {ratio:.2f}x — {verdict(ratio <= 1.5)}",
            f"- filtered exact top-10 ≤ 2x numpy with a mask: {ratio_f:.2f}x — "
            f"{verdict(ratio_f <= 2.0)}",
            "",
        ]
    if add is None:
        return [*lines, *_rss_lines(rss), *_e2e_lines(e2e)]
    (o1, o10, settled), (r1, r10, _) = add["ours"], add["raw"]
    off10, f10 = add["ours, upkeep off"][1], add["raw, same index"][1]
    n = add["rows"]
    lines += [
        f"### `add` of precomputed vectors ({n:,} rows, text and one metadata field)",
        "",
        "| case | vecstore-lab s | raw LanceDB s | throughput ratio (target ≥ 0.8) |",
        "|---|---:|---:|---:|",
        f"| one `add` of {n:,} into an empty collection | {o1:.2f} | {r1:.2f} | {r1 / o1:.2f} |",
        f"| 10 x `add` of {add['step']:,} onto {n:,}, across the full-text upkeep (it folds "
        f"the backlog in the background) | {o10:.2f} | {r10:.2f} | {r10 / o10:.2f} |",
        f"| the same, until that fold has ended | {settled:.2f} | {r10:.2f} "
        f"| {r10 / settled:.2f} |",
        f"| the same, our upkeep off (`auto_optimize_rows=0`) | {off10:.2f} | {r10:.2f} "
        f"| {r10 / off10:.2f} |",
        f"| the same with upkeep, raw LanceDB doing the same work (the declared key, the "
        f"same full-text index, the rows folded into it at the same add, on its path) "
        f"| {o10:.2f} | {f10:.2f} | {f10 / o10:.2f} |",
        "",
        f"- one add: {verdict(r1 / o1 >= 0.8)}; batched adds across an upkeep, against raw "
        f"LanceDB with no index: {verdict(r10 / o10 >= 0.8)}; with our upkeep off: "
        f"{verdict(r10 / off10 >= 0.8)}; against raw LanceDB doing the same upkeep: "
        f"{verdict(f10 / o10 >= 0.8)}.",
        "",
    ]
    return [*lines, *_rss_lines(rss), *_e2e_lines(e2e)]


def _growth_lines(exact: list[dict[str, Any]], png: Path) -> list[str]:
    if len(exact) < 2:
        return []
    return [
        "### Cost growth",
        "",
        "| rows | vecstore-lab ms | numpy ms | raw LanceDB flat ms | in memory MB | on disk MB |",
        "|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {c['rows']:,} | {c['ms']['vecstore-lab']:.2f} | {c['ms']['numpy']:.2f} "
            f"| {c['ms']['raw LanceDB flat']:.2f} | {c['memory_mb']:.0f} | {c['disk_mb']:.0f} |"
            for c in exact
        ],
        "",
        plot_growth(exact, png),
        "",
    ]


def _rss_lines(rss: dict[int, float] | None) -> list[str]:
    lines: list[str] = []
    if rss:
        marks = sorted(rss)
        lines += [
            f"### Peak RSS while adding {marks[-1]:,} rows in batches of {marks[0]:,}",
            "",
            "| rows written | peak RSS MB |",
            "|---:|---:|",
            *[f"| {m:,} | {rss[m]:.0f} |" for m in marks],
            "",
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    parser.add_argument("--output", type=Path, default=None, help="instead of bench/RESULTS.md")
    parser.add_argument(
        "--cases", default="exact,add,rss,e2e", help="comma-separated subset of exact,add,rss,e2e"
    )
    args = parser.parse_args()
    cases = set(args.cases.split(","))
    sizes = [2_000, 5_000] if args.quick else [10_000, 100_000, 1_000_000]
    queries = 10 if args.quick else 60
    # The RSS child runs first, while this process is still small (a fork copies its pages).
    rss = None
    if "rss" in cases:
        rss = rss_case(50_000, 10_000) if args.quick else rss_case(1_000_000, 50_000)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        exact = [exact_case(n, queries, work) for n in sizes] if "exact" in cases else []
        add = add_case(2_000 if args.quick else 100_000, work) if "add" in cases else None
        # Last: it turns telemetry on for the rest of the process.
        e2e = e2e_case(5_000 if args.quick else 100_000, work) if "e2e" in cases else None
    every = {"exact", "add", "rss", "e2e"}
    what = "exact search and writes" if cases == every else ", ".join(sorted(cases))
    title = f"engine: {what}" + (" (quick)" if args.quick else "")
    png = (args.output or RESULTS).with_name("cost_growth.png")
    publish(title, [*report(exact, add, rss, e2e), *_growth_lines(exact, png)], path=args.output)


if __name__ == "__main__":
    main()
