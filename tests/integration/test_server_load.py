"""The REST API never holds Jupyter's event loop: collection work runs on a bounded pool.

The server here has one worker and room for one waiting request, and its limits are raised
so that a query can be made slow on purpose (a 40,000-word full-text query, about a second).
While such a query runs, Jupyter's own ``/api/status`` and our ``/status`` answer (they
would wait for it if the handler ran on the loop); a request beyond the waiting line is
refused at once with 503; and a waiting request whose client hangs up is dropped, never
run. Order is asserted, not timing (the load figures are in bench/RESULTS.md).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import numpy as np
import pytest
from lab_server import Server, running_server

import vecstore_lab as vl

pytestmark = pytest.mark.slow

WORDS = np.array([f"w{i}" for i in range(5000)])
WHERE = {"root": 0, "path": "db", "name": "big"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("load-root")
    rng = np.random.default_rng(0)
    c = vl.connect(root / "db", embedding_cache=False).create_collection("big", dim=8)
    texts = [" ".join(row) for row in rng.choice(WORDS, (20_000, 12))]
    vectors = rng.standard_normal((len(texts), 8)).astype(np.float32)
    c.add(ids=[f"r{i}" for i in range(len(texts))], texts=texts, vectors=vectors)
    c.optimize()
    with running_server(
        root,
        "--VecStoreLab.workers=1",
        "--VecStoreLab.max_pending=1",
        "--VecStoreLab.max_text_chars=2000000",
        "--VecStoreLab.max_body_bytes=4000000",
    ) as srv:
        yield srv


def slow_body(seed: int) -> bytes:
    words = np.random.default_rng(seed).choice(WORDS, 40_000)
    return json.dumps({"text": " ".join(words), "mode": "text", "k": 5}).encode()


def pool(srv: Server) -> dict[str, Any]:
    return srv.json("status")["pool"]  # type: ignore[no-any-return]


def wait_for(srv: Server, test: Any, what: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = pool(srv)
        if test(state):
            return state
        time.sleep(0.02)
    raise AssertionError(f"{what}: pool is {pool(srv)}")


def raw_post(srv: Server, body: bytes) -> socket.socket:
    """A POST sent whole on a socket that the caller may close before the answer."""
    sock = socket.create_connection(("127.0.0.1", srv.port))
    head = (
        f"POST /vecstore-lab/api/query?root=0&path=db&name=big HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{srv.port}\r\nAuthorization: token {srv.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


def test_the_loop_stays_free_the_line_is_bounded_and_gone_clients_are_dropped(
    server: Server,
) -> None:
    srv = server
    before = pool(srv)
    results: list[int] = []
    first = threading.Thread(
        target=lambda: results.append(srv.call("query", WHERE, body=slow_body(1))[0])
    )
    first.start()
    wait_for(srv, lambda p: p["in_flight"] == 1, "the slow query never started")

    # The loop answers while the query runs: Jupyter's status, then ours, still in flight.
    srv.jupyter_status(timeout=30)
    assert pool(srv)["in_flight"] == 1, "the slow query was over before status answered"

    waiting = raw_post(srv, slow_body(2))  # waits for the one worker
    wait_for(srv, lambda p: p["in_flight"] == 2, "the second query never queued")
    status, data, _ = srv.call("query", WHERE, body=b'{"text": "w1 w2", "mode": "text"}')
    assert status == 503 and json.loads(data)["error"]["type"] == "ServerBusyError"
    waiting.close()  # its client hangs up while it waits

    first.join(timeout=120)
    assert results == [200]
    after = wait_for(srv, lambda p: p["in_flight"] == 0, "requests still in flight")
    assert after["refused"] - before["refused"] == 1
    assert after["dropped"] - before["dropped"] == 1  # never run: nobody would read it
    assert after["done"] - before["done"] == 1  # only the first query ran
    # and the server goes on answering
    reply = srv.json("query", WHERE, body=b'{"text": "w1 w2", "mode": "text", "k": 2}')
    assert len(reply["results"]) == 2


def test_every_query_goes_through_the_pool(server: Server) -> None:
    """Quick queries from two clients at once all answer, each one run by the pool."""
    srv = server
    before = pool(srv)["done"]
    codes: list[int] = []
    body = b'{"text": "w1 w2 w3", "mode": "text", "k": 3}'

    def client() -> None:
        codes.extend(srv.call("query", WHERE, body=body)[0] for _ in range(5))

    threads = [threading.Thread(target=client) for _ in range(2)]  # within the line of 1+1
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert codes.count(200) + codes.count(503) == 10 and codes.count(200) >= 5
    assert pool(srv)["done"] - before == codes.count(200)
