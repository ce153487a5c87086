"""Two judges grading one collection at once, from two processes, on local disk and on S3:
no grade is lost, the later grade of a pair stands, and the history keeps every one."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import vecstore_lab as vl
from vecstore_lab import eval as ev
from vecstore_lab.testing import LocalS3

JUDGE = """
import json, sys, time
from pathlib import Path
import vecstore_lab as vl
from vecstore_lab import eval as ev
spec = json.loads(sys.argv[1])
db = vl.connect(spec["uri"], storage_options=spec["options"] or None)
j = vl.Judgements(db.get_collection("docs"), judge=spec["judge"])
Path(spec["ready"]).touch()
while not Path(spec["go"]).exists():
    time.sleep(0.01)
for n in range(spec["grades"]):
    j.grade(f"query {n % 5}", f"d{n % 20}", spec["grade"])  # one commit each
print("done")
"""


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    with LocalS3() as server:
        yield server


def _race(tmp_path: Path, uri: str, options: dict[str, str]) -> vl.Judgements:
    db = vl.connect(uri, storage_options=options or None, embedder=vl.HashEmbedder(dim=8))
    docs = db.create_collection("docs")
    docs.add(ids=[f"d{i}" for i in range(20)], texts=[f"document {i}" for i in range(20)])
    go = tmp_path / "go"
    procs = []
    for judge, grade in (("ana", 1), ("bo", 3)):
        spec = {
            "uri": uri,
            "options": options,
            "judge": judge,
            "grade": grade,
            "grades": 20,
            "ready": str(tmp_path / f"{judge}.ready"),
            "go": str(go),
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", JUDGE, json.dumps(spec)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"{j}.ready").exists() for j in ("ana", "bo")):
        assert time.monotonic() < deadline, "the judges did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.05)
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip() == "done", err
    return vl.Judgements(docs)


def _check(j: vl.Judgements) -> None:
    history = j.history()
    assert history.num_rows == 40  # nothing lost
    assert sorted(history.column("judge").to_pylist()) == ["ana"] * 20 + ["bo"] * 20
    # Each pair was graded by both; the later grade stands, whoever gave it.
    rows = history.to_pylist()
    for r in j.current().to_pylist():
        last = max(
            (h for h in rows if (h["query"], h["id"]) == (r["query"], r["id"])),
            key=lambda h: h["at"],
        )
        assert (r["grade"], r["judge"]) == (last["grade"], last["judge"])
    assert len(j) == 20
    assert j.agreement("ana", "bo")["pairs"] == 20


def test_two_judges_at_once_on_local_disk(tmp_path: Path) -> None:
    _check(_race(tmp_path, str(tmp_path / "db"), {}))


def test_two_judges_at_once_on_s3(tmp_path: Path, s3: LocalS3) -> None:
    _check(_race(tmp_path, s3.uri("judging"), s3.storage_options))


def test_judging_evaluating_and_the_run_history_on_s3(s3: LocalS3) -> None:
    """The whole loop on object storage: grade, evaluate from the grades, find the run again
    from a new connection, export the grades."""
    db = vl.connect(s3.uri("loop"), storage_options=s3.storage_options)
    docs = db.create_collection("docs", embedder=vl.HashEmbedder(dim=8))
    docs.add(ids=["moon", "bonds"], texts=["the moon pulls the sea", "bond prices fell"])
    j = vl.Judgements(docs, judge="ana")
    j.grade_many([("the moon pulls", "moon", 3), ("the moon pulls", "bonds", 0)])
    per_query = ev.evaluate(docs, None, j, {"text": {"mode": "text"}}, k=2, label="s3")
    fresh = vl.connect(s3.uri("loop"), storage_options=s3.storage_options)
    (listed,) = ev.runs(fresh).to_pylist()
    assert listed["run_id"] == ev.run_id_of(per_query) and listed["label"] == "s3"
    assert ev.run(fresh, listed["run_id"]).to_pylist() == per_query.to_pylist()
    again = vl.Judgements(fresh.get_collection("docs", embedder=vl.HashEmbedder(dim=8)))
    assert again.qrels() == {"the moon pulls": {"moon": 3, "bonds": 0}}


def test_the_widgets_of_the_tuning_loop_on_s3(s3: LocalS3) -> None:
    """Pooled judging, compare mode and the run history on object storage, and a second
    kernel (a new connection) resuming the pool where the first stopped."""
    from vecstore_lab.widgets import EvalWidget, JudgeWidget, SearchWidget

    embedder = vl.HashEmbedder(dim=16)
    db = vl.connect(s3.uri("widgets"), storage_options=s3.storage_options)
    docs = db.create_collection("docs", embedder=embedder)
    texts = ["the moon pulls the sea", "tides rise", "bond prices fell", "moon and tides"]
    docs.add(ids=[f"d{i}" for i in range(4)], texts=texts)
    configs = {"vector": {"mode": "vector"}, "text": {"mode": "text"}}
    judge = JudgeWidget(docs, ["moon tides", "bond prices"], configs, depth=2, judge="ana")
    for item in judge.items:
        judge.grade(item["id"], 2 if "moon" in item["text"] or "tides" in item["text"] else 0)
    fresh = vl.connect(s3.uri("widgets"), storage_options=s3.storage_options)
    again = JudgeWidget(
        fresh.get_collection("docs", embedder=embedder),
        ["moon tides", "bond prices"],
        configs,
        depth=2,
        judge="ana",
    )
    assert again.done == judge.done > 0 and again.query == "bond prices"  # resumed
    for item in again.items:
        again.grade(item["id"], 3 if "bond" in item["text"] else 0)
    assert again.done == again.total
    compare = SearchWidget(docs, k=2, judgements=judge.judgements, compare=configs)
    compare.search("moon tides")
    assert set(compare.compare_summary) == {"k", "overlap", "rbo", "ndcg", "judged"}
    EvalWidget(docs, None, judge.judgements, configs, k=2, label="one")
    view = EvalWidget(docs, None, judge.judgements, configs, k=2, label="two", show_history=True)
    assert [r["run"] for r in view.history.to_pylist()] == ["one", "one", "two", "two"]
