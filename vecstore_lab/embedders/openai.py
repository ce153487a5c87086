"""OpenAI (and OpenAI-compatible) embeddings: batching, rate limiting, retry with backoff."""

from __future__ import annotations

import contextlib
import email.utils
import math
import os
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from vecstore_lab import _secrets, telemetry
from vecstore_lab.embedders._checks import check_output, check_texts
from vecstore_lab.embedders._ratelimit import RateLimiter
from vecstore_lab.errors import (
    EmbedderError,
    InvalidInputError,
    InvalidTextError,
    MissingDependencyError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from vecstore_lab.embedders._protocol import FloatMatrix, FloatVector

__all__ = ["OpenAIEmbedder", "estimate_tokens", "parse_duration"]

NATIVE_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
MAX_INPUTS_PER_REQUEST = 2048
MAX_TOKENS_PER_REQUEST = 300_000
MAX_TOKENS_PER_INPUT = 8192
RETRYABLE_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def estimate_tokens(text: str) -> int:
    """A safe over-estimate of BPE tokens when tiktoken is unavailable: one per 3 UTF-8 bytes.

    English averages about 4 bytes per token, so this errs on the side of smaller batches,
    which keeps requests under the 300k-token limit without the tokenizer's data files.
    """
    return max(1, math.ceil(len(text.encode("utf-8")) / 3))


def _default_counter(model: str) -> Callable[[str], int]:
    try:
        import tiktoken

        encoding = tiktoken.encoding_for_model(model)
        encoding.encode("probe")  # loading the BPE file can fail offline; fall back then
    except Exception:
        return estimate_tokens
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def parse_duration(value: str | None) -> float | None:
    """Seconds in an OpenAI reset header (``"1s"``, ``"6m0s"``, ``"20ms"``, ``"1.5"``)."""
    if not value:
        return None
    value = value.strip()
    with contextlib.suppress(ValueError):  # a plain number of seconds
        return float(value)
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * scale[u] for n, u in parts)


def retry_after(headers: Any) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, ``retry-after`` (seconds or an HTTP
    date) or, failing those, the larger ``x-ratelimit-reset-*``."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        with contextlib.suppress(ValueError):
            return float(ms) / 1000.0
    ra = headers.get("retry-after")
    if ra:
        try:
            return float(ra)
        except ValueError:
            when = email.utils.parsedate_to_datetime(ra)
            if when is not None:
                return max(0.0, when.timestamp() - time.time())
    resets = [
        parse_duration(headers.get(h))
        for h in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")
    ]
    found = [r for r in resets if r is not None]
    return max(found) if found else None


def _retryable(exc: BaseException) -> bool:
    """Time-outs, dropped connections, 408/409/429 and 5xx are worth another try."""
    import openai

    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code in RETRYABLE_STATUS


class OpenAIEmbedder:
    """Embeddings from the OpenAI API or any server speaking it (``base_url``).

    Inputs are packed into requests of at most ``max_batch_inputs`` texts and
    ``max_batch_tokens`` tokens (counted with tiktoken when it can load, else over-estimated
    at one token per 3 bytes; pass ``token_counter`` to choose). Two limiters shared by all
    threads keep requests/min under ``rpm`` and tokens/min under ``tpm``. Failures are retried
    up to ``max_retries`` times on 408/409/429/5xx, time-outs and connection errors, waiting as
    long as the server's ``Retry-After``/``x-ratelimit-reset-*`` say, else exponential backoff
    with full jitter (``backoff_base · 2^attempt``, capped at ``backoff_max``). 400/401/404 and
    other client errors fail at once with ``EmbedderError`` carrying the server's message (the
    API key is never in it). The SDK's own retries are off so the two never stack.

    With ``max_concurrency > 1`` batches are sent in parallel; results keep input order.

    The API key comes from ``api_key`` or the environment variable named by ``api_key_env``;
    ``config()`` stores only that variable's *name*. ``clock`` and ``sleep`` are injectable for
    tests.
    """

    name = "openai"

    def __init__(
        self,
        model: str = "text-embedding-3-small",
        *,
        dimensions: int | None = None,
        api_key: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        base_url: str | None = None,
        max_batch_inputs: int = MAX_INPUTS_PER_REQUEST,
        max_batch_tokens: int = MAX_TOKENS_PER_REQUEST,
        max_input_tokens: int = MAX_TOKENS_PER_INPUT,
        rpm: float | None = None,
        tpm: float | None = None,
        max_retries: int = 6,
        timeout: float = 60.0,
        max_concurrency: int = 1,
        backoff_base: float = 0.5,
        backoff_max: float = 60.0,
        encoding_format: str = "base64",  # or "float"
        token_counter: Callable[[str], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= max_batch_inputs <= MAX_INPUTS_PER_REQUEST:
            raise InvalidInputError(f"max_batch_inputs must be 1..{MAX_INPUTS_PER_REQUEST}")
        if max_concurrency < 1:
            raise InvalidInputError("max_concurrency must be >= 1")
        if dimensions is not None and dimensions < 1:
            raise InvalidInputError("dimensions must be positive")
        self.model = model
        self.dimensions = dimensions
        self.api_key_env = api_key_env
        self.base_url = base_url
        self.max_batch_inputs = max_batch_inputs
        self.max_batch_tokens = max_batch_tokens
        self.max_input_tokens = max_input_tokens
        self.rpm, self.tpm = rpm, tpm
        self.max_retries = max_retries
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.encoding_format = encoding_format
        self._api_key = api_key
        self._count = token_counter
        self._clock, self._sleep = clock, sleep
        self._requests = RateLimiter(rpm, clock=clock)
        self._tokens = RateLimiter(tpm, clock=clock)
        self._client: Any = None
        self._dim: int | None = dimensions or NATIVE_DIMS.get(model)
        self._lock = threading.Lock()
        self._random = random.Random()
        self.stats = {"requests": 0, "retries": 0, "inputs": 0, "tokens": 0, "waited": 0.0}

    # -- protocol ---------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"model": self.model, "api_key_env": self.api_key_env}
        for key in ("dimensions", "base_url", "rpm", "tpm"):
            if getattr(self, key) is not None:
                cfg[key] = getattr(self, key)
        if self.max_batch_inputs != MAX_INPUTS_PER_REQUEST:
            cfg["max_batch_inputs"] = self.max_batch_inputs
        if self.max_concurrency != 1:
            cfg["max_concurrency"] = self.max_concurrency
        return cfg

    @property
    def dim(self) -> int:
        if self._dim is None:  # an unknown model on a compatible server: ask it once
            self._dim = int(self._embed_batch(["dimension probe"]).shape[1])
        return self._dim

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text, as used for batching (tiktoken if it loads, else an estimate)."""
        if self._count is None:
            self._count = _default_counter(self.model)
        return [self._count(t) for t in texts]

    def embed_documents(self, texts: Sequence[str]) -> FloatMatrix:
        checked = check_texts(texts)
        if not checked:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = self._batches(checked)
        if self.max_concurrency == 1 or len(batches) == 1:
            parts = [self._embed_batch([checked[i] for i in b]) for b in batches]
        else:
            with ThreadPoolExecutor(self.max_concurrency) as pool:
                parts = list(
                    pool.map(lambda b: self._embed_batch([checked[i] for i in b]), batches)
                )
        out = np.concatenate(parts, axis=0)
        return check_output(self.name, out, len(checked), self._dim)

    def embed_query(self, text: str) -> FloatVector:
        return np.asarray(self.embed_documents([text])[0], dtype=np.float32)

    def __repr__(self) -> str:
        return f"OpenAIEmbedder(model={self.model!r}, dimensions={self.dimensions})"

    # -- batching ---------------------------------------------------------------------
    def _batches(self, texts: list[str]) -> list[list[int]]:
        """Indices grouped into requests within the input-count and token budgets."""
        counts = self.count_tokens(texts)
        batches: list[list[int]] = []
        current: list[int] = []
        used = 0
        for i, n in enumerate(counts):
            if n > self.max_input_tokens:
                raise InvalidTextError(
                    f"text at position {i} has about {n} tokens; the model accepts "
                    f"{self.max_input_tokens} per input. Split it first "
                    "(RecursiveCharacterTextSplitter.from_embedder)"
                )
            if current and (
                len(current) >= self.max_batch_inputs or used + n > self.max_batch_tokens
            ):
                batches.append(current)
                current, used = [], 0
            current.append(i)
            used += n
        if current:
            batches.append(current)
        return batches

    # -- requests ---------------------------------------------------------------------
    def _get_client(self) -> Any:
        with self._lock:
            if self._client is None:
                try:
                    from openai import OpenAI
                except ImportError as exc:
                    raise MissingDependencyError(
                        "OpenAIEmbedder needs the openai package: "
                        "pip install 'vecstore-lab[openai]'"
                    ) from exc
                key = self._api_key or os.environ.get(self.api_key_env)
                _secrets.register(key)
                if not key:
                    raise EmbedderError(
                        f"no API key: pass api_key= or set the environment variable "
                        f"{self.api_key_env}"
                    )
                self._client = OpenAI(
                    api_key=key, base_url=self.base_url, max_retries=0, timeout=self.timeout
                )
            return self._client

    def _redact(self, message: str) -> str:
        _secrets.register(self._api_key or os.environ.get(self.api_key_env))
        return _secrets.scrub(message)

    def _failure(self, exc: Exception) -> str:
        """What went wrong with a request, for the error message, with the key scrubbed."""
        status = getattr(exc, "status_code", None)
        what = f"HTTP {status}" if status is not None else type(exc).__name__
        detail = f" after {self.max_retries + 1} attempts" if _retryable(exc) else ""
        return self._redact(
            f"OpenAI embeddings request failed{detail}: {what}: {getattr(exc, 'message', exc)}"
        )

    def _backoff(self, attempt: int, error: BaseException | None) -> float:
        response = getattr(error, "response", None)
        asked = retry_after(getattr(response, "headers", None))
        if asked is not None:
            return min(asked, self.backoff_max * 10)
        cap = min(self.backoff_max, self.backoff_base * 2**attempt)
        return self._random.uniform(0, cap)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stats["waited"] += seconds
            self._sleep(seconds)

    def _embed_batch(self, texts: list[str]) -> FloatMatrix:
        import openai
        import tenacity

        tokens = sum(self.count_tokens(texts))
        client = self._get_client()
        kwargs: dict[str, Any] = {"input": texts, "model": self.model}
        if self.encoding_format == "float":
            # Left out, the SDK asks for base64 (a third of the bytes) and decodes it itself.
            kwargs["encoding_format"] = "float"
        if self.dimensions is not None:
            kwargs["dimensions"] = self.dimensions

        retry = {"n": 0, "wait": 0.0}

        def attempt() -> Any:
            throttle = max(self._requests.reserve(1), self._tokens.reserve(tokens))
            self._wait(throttle)
            self.stats["requests"] += 1
            attrs = {
                "embedder": self.name,
                "gen_ai.request.model": self.model,
                "vecstore_lab.retry": retry["n"],
                "vecstore_lab.retry.wait_s": retry["wait"],
                "vecstore_lab.throttle_s": throttle,
                "vecstore_lab.embed.inputs": len(texts),
                "vecstore_lab.embed.tokens": tokens,
            }
            with telemetry.stage("embed.http", attrs) as span:
                try:
                    raw = client.embeddings.with_raw_response.create(**kwargs)
                except openai.APIStatusError as exc:
                    span.set_attribute("http.response.status_code", exc.status_code)
                    raise
                span.set_attribute("http.response.status_code", raw.status_code)
            telemetry.add("vecstore_lab.embed.tokens", tokens, {"embedder": self.name})
            self._adapt(raw.headers)
            return raw.parse()

        def before_sleep(state: tenacity.RetryCallState) -> None:
            self.stats["retries"] += 1
            exc = state.outcome.exception() if state.outcome else None
            retry["n"] = state.attempt_number
            retry["wait"] = state.next_action.sleep if state.next_action else 0.0
            reason = getattr(exc, "status_code", None) or type(exc).__name__
            telemetry.add("vecstore_lab.retries", 1, {"embedder": self.name, "reason": str(reason)})
            if getattr(exc, "status_code", None) == 429 and state.next_action:
                # Nobody else should start a request before the server is ready again.
                self._requests.pause_until(self._clock() + state.next_action.sleep)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=lambda state: self._backoff(
                state.attempt_number - 1, state.outcome.exception() if state.outcome else None
            ),
            retry=tenacity.retry_if_exception(_retryable),
            sleep=self._wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        failure: str | None = None
        try:
            response = retrying(attempt)
        except (openai.APITimeoutError, openai.APIConnectionError, openai.APIStatusError) as exc:
            failure = self._failure(exc)
        if failure is not None:
            # Raised outside the except block: the SDK's exception (whose message and request
            # may carry the key) must not ride along as __context__ into tracebacks and logs.
            raise EmbedderError(failure)
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(texts):
            raise EmbedderError(f"server returned {len(data)} embeddings for {len(texts)} inputs")
        out = np.asarray([d.embedding for d in data], dtype=np.float32)
        self.stats["inputs"] += len(texts)
        self.stats["tokens"] += tokens
        return out

    def _adapt(self, headers: Any) -> None:
        """Respect the server's own accounting: out of requests means wait for the reset."""
        remaining = headers.get("x-ratelimit-remaining-requests")
        if remaining is not None and remaining.strip() == "0":
            reset = parse_duration(headers.get("x-ratelimit-reset-requests"))
            if reset:
                self._requests.pause_until(self._clock() + reset)
