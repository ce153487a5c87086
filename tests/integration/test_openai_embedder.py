"""OpenAIEmbedder against a real HTTP server on 127.0.0.1 speaking the OpenAI API."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np
import pytest

import vecstore_lab as vl
from vecstore_lab import errors
from vecstore_lab.embedders.openai import OpenAIEmbedder, estimate_tokens, parse_duration
from vecstore_lab.testing import FakeClock, FakeOpenAIServer, Fault

if TYPE_CHECKING:
    from collections.abc import Iterator

KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY) as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make(server: FakeOpenAIServer, clock: FakeClock, **kwargs: object) -> OpenAIEmbedder:
    opts: dict[str, object] = {
        "dimensions": 8,
        "api_key": KEY,
        "base_url": server.base_url,
        "clock": clock,
        "sleep": clock.sleep,
        "timeout": 2.0,
    }
    opts.update(kwargs)
    return OpenAIEmbedder(**opts)  # type: ignore[arg-type]


def assert_exact(server: FakeOpenAIServer, texts: list[str], vectors: np.ndarray) -> None:
    assert vectors.shape == (len(texts), 8) and vectors.dtype == np.float32
    for text, vec in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(vec, server.expected_vector(text, 8), rtol=1e-6)


@pytest.mark.parametrize("encoding", ["base64", "float"])
def test_every_input_gets_its_vector_in_order(
    server: FakeOpenAIServer, clock: FakeClock, encoding: str
) -> None:
    texts = [f"document {i} " + "word " * (i % 7) for i in range(25)]
    e = make(server, clock, max_batch_inputs=4, encoding_format=encoding)
    assert_exact(server, texts, e.embed_documents(texts))
    assert server.statuses == [200] * 7  # ceil(25 / 4)
    assert [r.inputs for r in server.requests] == [4, 4, 4, 4, 4, 4, 1]
    assert all(r.authorization == f"Bearer {KEY}" for r in server.requests)
    np.testing.assert_allclose(e.embed_query("document 3"), server.expected_vector("document 3", 8))


def test_batches_respect_token_budget(server: FakeOpenAIServer, clock: FakeClock) -> None:
    texts = ["x" * 30] * 10  # 10 tokens each under the default estimate (3 bytes/token)
    e = make(server, clock, max_batch_tokens=35)
    assert_exact(server, texts, e.embed_documents(texts))
    assert [r.inputs for r in server.requests] == [3, 3, 3, 1]
    e = make(server, clock, token_counter=lambda t: 1000, max_input_tokens=999)
    with pytest.raises(errors.InvalidTextError, match="position 0 has about 1000 tokens"):
        e.embed_documents(["too long"])


def test_429_retry_after_is_honoured(server: FakeOpenAIServer, clock: FakeClock) -> None:
    server.fail(
        Fault(status=429, headers={"retry-after": "2"}),
        Fault(status=429, headers={"retry-after-ms": "1500"}),
        Fault(
            status=429,
            headers={"x-ratelimit-reset-requests": "1m2s", "x-ratelimit-reset-tokens": "250ms"},
        ),
    )
    e = make(server, clock)
    assert_exact(server, ["a", "b"], e.embed_documents(["a", "b"]))
    assert server.statuses == [429, 429, 429, 200]
    assert clock.sleeps == [2.0, 1.5, 62.0]
    assert e.stats["retries"] == 3


def test_5xx_backoff_is_exponential_with_jitter(server: FakeOpenAIServer, clock: FakeClock) -> None:
    server.fail(*[Fault(status=s) for s in (500, 502, 503, 500)])
    e = make(server, clock, backoff_base=1.0, backoff_max=5.0)
    assert_exact(server, ["a"], e.embed_documents(["a"]))
    assert server.statuses == [500, 502, 503, 500, 200]
    caps = [1.0, 2.0, 4.0, 5.0]
    assert len(clock.sleeps) == 4
    assert all(0 <= s <= cap for s, cap in zip(clock.sleeps, caps, strict=True))
    # Full jitter, doubling: over 40 requests that fail three times each, the waits of each
    # attempt spread over [0, cap] (mean near cap / 2), and the caps double. A constant or
    # a fixed fraction of the cap would fail this.
    clock.sleeps.clear()
    for i in range(40):
        server.fail(*[Fault(status=500)] * 3)
        e.embed_documents([f"text {i}"])
    waits = np.array(clock.sleeps).reshape(40, 3)
    for attempt, cap in enumerate([1.0, 2.0, 4.0]):
        column = waits[:, attempt]
        assert column.max() <= cap and abs(column.mean() - cap / 2) < cap * 0.2, (cap, column)
        assert column.max() - column.min() > cap / 2, (cap, column)  # spread, not constant


def test_timeout_and_dropped_connection_are_retried(
    server: FakeOpenAIServer, clock: FakeClock
) -> None:
    server.fail(Fault(delay=1.5), Fault(drop=True))
    e = make(server, clock, timeout=0.5)
    assert_exact(server, ["slow", "drop"], e.embed_documents(["slow", "drop"]))
    assert e.stats["retries"] == 2 and e.stats["requests"] == 3


def test_gives_up_after_max_retries(server: FakeOpenAIServer, clock: FakeClock) -> None:
    server.fail(*[Fault(status=503)] * 3)
    e = make(server, clock, max_retries=2)
    with pytest.raises(errors.EmbedderError, match="after 3 attempts: HTTP 503"):
        e.embed_documents(["a"])
    assert server.statuses == [503, 503, 503]


@pytest.mark.parametrize("status", [400, 401, 404])
def test_client_errors_fail_at_once_without_the_key(
    server: FakeOpenAIServer, clock: FakeClock, status: int
) -> None:
    server.fail(Fault(status=status, message=f"nope, key was {KEY}"))
    e = make(server, clock)
    with pytest.raises(errors.EmbedderError) as info:
        e.embed_documents(["a"])
    assert f"HTTP {status}" in str(info.value) and KEY not in str(info.value)
    assert "nope, key was" in str(info.value)
    assert server.statuses == [status] and clock.sleeps == []


def test_wrong_key_is_a_clear_error(server: FakeOpenAIServer, clock: FakeClock) -> None:
    e = make(server, clock, api_key="sk-wrong-key-000")
    with pytest.raises(errors.EmbedderError, match="HTTP 401") as info:
        e.embed_documents(["a"])
    assert "sk-wrong-key-000" not in str(info.value)


def test_missing_key(monkeypatch: pytest.MonkeyPatch, server: FakeOpenAIServer) -> None:
    monkeypatch.delenv("MY_KEY_VAR", raising=False)
    e = OpenAIEmbedder(dimensions=8, base_url=server.base_url, api_key_env="MY_KEY_VAR")
    with pytest.raises(errors.EmbedderError, match="MY_KEY_VAR"):
        e.embed_documents(["a"])
    monkeypatch.setenv("MY_KEY_VAR", KEY)
    assert e.embed_documents(["a"]).shape == (1, 8)


def test_rpm_limiter_spaces_requests(server: FakeOpenAIServer, clock: FakeClock) -> None:
    e = make(server, clock, rpm=60, max_batch_inputs=1)
    e.embed_documents([f"t{i}" for i in range(5)])
    # 60 rpm = one per second; a one-second burst allowance lets the first two go at once.
    assert clock.sleeps == pytest.approx([1.0, 1.0, 1.0])
    assert clock() == pytest.approx(3.0)


def test_tpm_limiter(server: FakeOpenAIServer, clock: FakeClock) -> None:
    e = make(server, clock, tpm=600, max_batch_inputs=1, token_counter=lambda t: 20)
    e.embed_documents(["a", "b", "c"])
    # 600 tokens/min = 10/s; each request books 20 tokens = 2 s (after a 1 s burst).
    assert clock.sleeps == pytest.approx([1.0, 2.0])


def test_parallel_batches_keep_order_and_share_limiter(server: FakeOpenAIServer) -> None:
    texts = [f"parallel {i}" for i in range(40)]
    e = OpenAIEmbedder(
        dimensions=8, api_key=KEY, base_url=server.base_url, max_batch_inputs=3, max_concurrency=4
    )
    server.fail(Fault(delay=0.2), Fault(status=500), Fault(delay=0.1))
    assert_exact(server, texts, e.embed_documents(texts))
    assert sum(r.inputs for r in server.requests if r.status == 200) == 40


def test_threads_share_one_limiter(server: FakeOpenAIServer, clock: FakeClock) -> None:
    e = make(server, clock, rpm=600, max_batch_inputs=1)
    waits: list[float] = []
    lock = threading.Lock()

    def book() -> None:
        w = e._requests.reserve(1)
        with lock:
            waits.append(w)

    threads = [threading.Thread(target=book) for _ in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 600 rpm = one slot per 0.1 s, plus a 1 s burst: 11 go now, then one slot each 0.1 s,
    # whichever threads get there first.
    assert sorted(waits) == pytest.approx([0.0] * 11 + [0.1, 0.2, 0.3, 0.4])


def test_unknown_model_dim_is_probed(server: FakeOpenAIServer) -> None:
    e = OpenAIEmbedder(model="local-model", api_key=KEY, base_url=server.base_url)
    assert e.dim == 256 and len(server.requests) == 1


def test_config_has_no_secret_and_round_trips(server: FakeOpenAIServer, tmp_path: object) -> None:
    e = OpenAIEmbedder(dimensions=8, api_key=KEY, base_url=server.base_url, rpm=100)
    cfg = e.config()
    assert KEY not in str(cfg)
    assert cfg == {
        "model": "text-embedding-3-small",
        "api_key_env": "OPENAI_API_KEY",
        "dimensions": 8,
        "base_url": server.base_url,
        "rpm": 100,
    }


def test_collection_with_openai_embedder(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    e = OpenAIEmbedder(dimensions=8, base_url=server.base_url)
    db = vl.connect(tmp_path)  # type: ignore[arg-type]
    c = db.create_collection("oa", embedder=e)
    c.add(ids=["a", "b"], texts=["red apples", "green pears"])
    reopened = vl.connect(tmp_path).get_collection("oa")  # type: ignore[arg-type]
    assert isinstance(reopened.embedder, OpenAIEmbedder)
    assert reopened.query("red apples", k=1)[0].id == "a"


def test_helpers() -> None:
    assert parse_duration("6m0s") == 360.0
    assert parse_duration("20ms") == pytest.approx(0.02)
    assert parse_duration("1.5") == 1.5
    assert parse_duration("soon") is None
    assert estimate_tokens("abcdef") == 2 and estimate_tokens("") == 1
