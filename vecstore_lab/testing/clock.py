"""A manual clock whose ``sleep`` advances time instantly, for testing waits and rate limits."""

from __future__ import annotations

import threading

__all__ = ["FakeClock"]


class FakeClock:
    """``clock()`` returns virtual seconds; ``sleep(s)`` records ``s`` and advances by it.

    Pass ``clock=fake`` and ``sleep=fake.sleep`` to anything that waits (e.g.
    ``OpenAIEmbedder``) to assert on the delays it chose without spending them.

    Examples:
        >>> fake = FakeClock()
        >>> fake.sleep(1.5); fake()
        1.5
        >>> fake.sleeps
        [1.5]
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)
