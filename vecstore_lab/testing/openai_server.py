"""A real HTTP server on 127.0.0.1 that speaks the OpenAI embeddings API, with scripted faults.

It answers ``POST /v1/embeddings`` like OpenAI does (``float`` and ``base64`` encodings,
``dimensions``, usage, error bodies, rate-limit headers), computing each vector with
``HashEmbedder`` so every text has a known, deterministic embedding. Faults queued with
``server.fail(...)`` are served one per request, in order: an HTTP error with headers (429 with
``Retry-After``, 500, 401), a delay (to trip client time-outs), or a dropped connection.

Examples:
    >>> from vecstore_lab.testing import FakeOpenAIServer, Fault
    >>> with FakeOpenAIServer() as server:
    ...     server.fail(Fault(status=500))
    ...     print(server.base_url.startswith("http://127.0.0.1:"))
    True
"""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from vecstore_lab.embedders.hashing import HashEmbedder
from vecstore_lab.embedders.openai import MAX_INPUTS_PER_REQUEST, NATIVE_DIMS

__all__ = ["FakeOpenAIServer", "Fault", "RecordedRequest"]

MAX_INPUTS = MAX_INPUTS_PER_REQUEST


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour, served instead of (or before) a normal answer.

    ``status``: answer with this HTTP status and an OpenAI-style error body.
    ``headers``: extra response headers (e.g. ``{"retry-after": "2"}``).
    ``delay``: seconds to wait before answering (a normal answer if ``status`` is None).
    ``drop``: close the connection without answering.
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    message: str = "scripted fault"


@dataclass(frozen=True)
class RecordedRequest:
    """What the server saw: when, how many inputs and tokens, and what it answered."""

    time: float
    inputs: int
    tokens: int
    status: int
    authorization: str | None


def estimate_tokens(text: str) -> int:
    """The server's token count: one per 4 UTF-8 bytes, at least one (a stand-in for BPE)."""
    return max(1, math.ceil(len(text.encode("utf-8")) / 4))


class FakeOpenAIServer:
    """An OpenAI-compatible embeddings endpoint on 127.0.0.1 (see the module docstring).

    Parameters:
        api_key: when set, requests must carry ``Authorization: Bearer <api_key>``.
        rpm: when set, more than ``rpm`` requests within 60 s are answered 429 with
            ``Retry-After`` (the server's own sliding-window limit).
        rate_limit_headers: send ``x-ratelimit-*`` headers on success.
        echo_auth: end every error message with the request's ``Authorization`` header, as
            careless servers and proxies do, to test that the key never leaks from the client.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        rpm: int | None = None,
        rate_limit_headers: bool = True,
        port: int = 0,
        echo_auth: bool = False,
    ) -> None:
        self.api_key = api_key
        self.echo_auth = echo_auth
        self.rpm = rpm
        self.rate_limit_headers = rate_limit_headers
        self.requests: list[RecordedRequest] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._window: deque[float] = deque()
        self._embedders: dict[int, HashEmbedder] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                return

            def do_POST(self) -> None:
                server._handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # dropped and timed-out connections are part of the script

        self._httpd = Server(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting --------------------------------------------------------------------
    def fail(self, *faults: Fault) -> None:
        """Queue faults; each is served to one request, in order."""
        with self._lock:
            self._faults.extend(faults)

    def expected_vector(self, text: str, dim: int) -> np.ndarray:
        """The vector this server returns for ``text`` at ``dim`` dimensions."""
        return np.asarray(self._embedder(dim).embed_documents([text])[0])

    @property
    def statuses(self) -> list[int]:
        return [r.status for r in self.requests]

    # -- serving ----------------------------------------------------------------------
    def _embedder(self, dim: int) -> HashEmbedder:
        with self._lock:
            if dim not in self._embedders:
                self._embedders[dim] = HashEmbedder(dim=dim)
            return self._embedders[dim]

    def _record(self, inputs: int, tokens: int, status: int, auth: str | None) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(time.monotonic(), inputs, tokens, status, auth))

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(payload)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        try:
            h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a time-out)
            h.close_connection = True

    def _error(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        message: str,
        kind: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        if self.echo_auth:
            message = f"{message} (you sent Authorization: {h.headers.get('authorization')})"
        body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
        self._send(h, status, body, headers)

    def _serve_fault(self, h: BaseHTTPRequestHandler, auth: str | None) -> bool:
        """Serve the next scripted fault, if any; True when it answered the request."""
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        if fault is None:
            return False
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            self._record(0, 0, 0, auth)
            h.close_connection = True
            h.connection.close()
            return True
        if fault.status is not None:
            self._record(0, 0, fault.status, auth)
            self._error(h, fault.status, fault.message, "scripted", fault.headers)
            return True
        return False

    def _refuse(self, h: BaseHTTPRequestHandler, auth: str | None) -> bool:
        """Answer 401 for a wrong key and 429 over the rpm limit; True when it answered."""
        if self.api_key is not None and auth != f"Bearer {self.api_key}":
            self._record(0, 0, 401, auth)
            self._error(h, 401, "Incorrect API key provided.", "invalid_api_key")
            return True
        if self.rpm is None:
            return False
        now = time.monotonic()
        with self._lock:
            while self._window and now - self._window[0] >= 60.0:
                self._window.popleft()
            limited = len(self._window) >= self.rpm
            if not limited:
                self._window.append(now)
            retry = 60.0 - (now - self._window[0]) if limited else 0.0
        if limited:
            self._record(0, 0, 429, auth)
            self._error(
                h,
                429,
                "Rate limit reached for requests",
                "rate_limit_exceeded",
                {"retry-after": f"{max(retry, 0.001):.3f}"},
            )
        return limited

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length else b""
        auth = h.headers.get("authorization")
        if h.path.rstrip("/") not in ("/v1/embeddings", "/embeddings"):
            self._record(0, 0, 404, auth)
            self._error(h, 404, f"no route {h.path}", "not_found")
            return
        if self._serve_fault(h, auth) or self._refuse(h, auth):
            return
        try:
            body = json.loads(raw)
            inputs = body["input"]
        except (ValueError, KeyError, TypeError):
            self._record(0, 0, 400, auth)
            self._error(h, 400, "request body must be JSON with 'input'", "invalid_request_error")
            return
        if isinstance(inputs, str):
            inputs = [inputs]
        if (
            not isinstance(inputs, list)
            or not inputs
            or len(inputs) > MAX_INPUTS
            or not all(isinstance(t, str) and t for t in inputs)
        ):
            self._record(0, 0, 400, auth)
            self._error(
                h, 400, "'input' must be 1..2048 non-empty strings", "invalid_request_error"
            )
            return
        model = body.get("model", "")
        dim = body.get("dimensions") or NATIVE_DIMS.get(model, 256)
        vectors = self._embedder(int(dim)).embed_documents(inputs)
        tokens = sum(estimate_tokens(t) for t in inputs)
        base64_mode = body.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode()
                if base64_mode
                else v.tolist(),
            }
            for i, v in enumerate(vectors)
        ]
        headers = {}
        if self.rate_limit_headers:
            headers = {
                "x-ratelimit-limit-requests": str(self.rpm or 10_000),
                "x-ratelimit-remaining-requests": str(
                    max(0, (self.rpm or 10_000) - len(self._window))
                ),
                "x-ratelimit-reset-requests": "1s",
            }
        self._record(len(inputs), tokens, 200, auth)
        self._send(
            h,
            200,
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
            headers,
        )
