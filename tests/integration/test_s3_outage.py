"""An S3 outage at any step of an add: the add either raises a typed error and stored
nothing, or returns and stored everything.

The local S3 server counts the requests an add makes (19 with lancedb 0.40: version checks,
the id check, the data file, the manifest), then goes down at one of them (a 503, then
connections refused) and is restarted on the same port with its objects kept. Each outage
costs 3 to 10 s before the call gives up, so the test takes the first request, two at a
third and two thirds of the way, the last (the commit) and one past the end, rather than all
nineteen; a run over every step (126 s) held the same way. The client's own retries are cut
short (``client_max_retries``) so that an outage ends the call in seconds, not minutes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab.testing import LocalS3

pytestmark = pytest.mark.slow

# Give up on an unreachable server after one short retry (the default is 10 over 3 minutes).
FAST_FAIL = {"client_max_retries": "1", "client_retry_timeout": "2"}


@pytest.fixture
def s3() -> Iterator[LocalS3]:
    with LocalS3() as server:
        yield server


def batch(prefix: str, n: int = 20) -> dict[str, Any]:
    ids = [f"{prefix}-{i}" for i in range(n)]
    vectors = np.random.default_rng(len(prefix)).standard_normal((n, 8)).astype(np.float32)
    return {"ids": ids, "texts": [f"text of {i}" for i in ids], "vectors": vectors}


def test_an_outage_at_each_step_of_an_add(s3: LocalS3) -> None:
    options = {**s3.storage_options, **FAST_FAIL}
    db = vl.connect(s3.uri("db"), storage_options=options, embedding_cache=False)
    c = db.create_collection("docs", dim=8)
    c.add(**batch("base"))
    before = s3.requests
    c.add(**batch("probe"))
    steps = s3.requests - before
    assert steps >= 3, steps  # the id check, the data file, the commit at least

    outcomes: Counter[str] = Counter()
    for step in sorted({1, steps // 3, 2 * steps // 3, steps, steps + 1}):  # +1: untouched
        rows = batch(f"step{step}")
        s3.down_after(step)
        message = ""
        try:
            c.add(**rows)
        except vl.errors.StorageError as exc:
            message = str(exc)
        returned = not message
        assert "/rustc/" not in message and ".cargo" not in message
        s3.restart()
        fresh = vl.connect(s3.uri("db"), storage_options=s3.storage_options).get_collection("docs")
        stored = len(fresh.get(ids=rows["ids"]))
        assert stored == (len(rows["ids"]) if returned else 0), (step, returned, stored)
        outcomes["stored" if returned else "refused"] += 1
        c = fresh  # a new handle, as a user would take after an outage
    assert outcomes["refused"] >= 1 and outcomes["stored"] >= 1, outcomes
    ids = c.get().ids
    assert len(ids) == len(set(ids))  # and no id twice, whatever happened


def test_an_outage_during_a_query_is_typed_and_the_server_comes_back(s3: LocalS3) -> None:
    options = {**s3.storage_options, **FAST_FAIL}
    c = vl.connect(s3.uri("q"), storage_options=options, embedding_cache=False).create_collection(
        "docs", dim=8
    )
    c.add(**batch("base"))
    s3.stop()
    with pytest.raises(vl.errors.StorageError, match="'docs'"):
        c.get(where="id = 'base-1'")
    s3.restart()
    assert c.get(where="id = 'base-1'").ids == ["base-1"]


def test_a_search_widget_whose_storage_is_gone_says_so_plainly(s3: LocalS3) -> None:
    """Tutorial 08's last cell stops its S3 server; Enter in its SearchWidget then showed a raw
    LanceError with a cargo path. It shows a typed message naming the collection instead."""
    from vecstore_lab.widgets import SearchWidget

    options = {**s3.storage_options, **FAST_FAIL}
    db = vl.connect(s3.uri("w"), storage_options=options, embedder=vl.HashEmbedder(dim=8))
    c = db.create_collection("docs")
    c.add(ids=["a", "b"], texts=["moon tides", "bond prices"])
    w = SearchWidget(c, k=2, query="moon")
    assert w.last_results is not None and w.last_results.ids[0] == "a"
    s3.stop()
    try:
        with pytest.raises(vl.errors.StorageError):
            w.search("tides")
        assert "search() on collection 'docs' failed" in w.error
        assert not any(s in w.error for s in (".rs:", "/rustc/", "cargo", "Traceback"))
        assert [h.id for h in w.last_results or []] == ["a", "b"]  # the old hits stay
    finally:
        s3.restart()
