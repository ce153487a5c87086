"""A thread-safe rate limiter (GCRA: each request books the next free slot in virtual time)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from vecstore_lab.errors import InvalidInputError

Clock = Callable[[], float]


class RateLimiter:
    """Allows ``rate`` units per minute (requests, or tokens) with a burst of ``burst_seconds``.

    ``reserve(amount)`` books ``amount`` units and returns how long the caller must wait
    before using them; bookings are sequential, so concurrent callers queue up fairly and the
    long-run rate never exceeds ``rate``. ``pause_until(t)`` blocks new bookings until time
    ``t`` (e.g. when a server says its limit resets then). A ``rate`` of ``None`` means
    unlimited.
    """

    def __init__(
        self, rate: float | None, *, burst_seconds: float = 1.0, clock: Clock = time.monotonic
    ) -> None:
        if rate is not None and rate <= 0:
            raise InvalidInputError(f"rate must be positive or None, got {rate}")
        self.rate = rate
        self.burst_seconds = burst_seconds
        self._clock = clock
        self._next = -float("inf")
        self._lock = threading.Lock()

    def reserve(self, amount: float = 1.0) -> float:
        """Book ``amount`` units; returns seconds to wait before using them."""
        if self.rate is None:
            with self._lock:
                return max(0.0, self._next - self._clock())
        per_second = self.rate / 60.0
        with self._lock:
            now = self._clock()
            start = max(now - self.burst_seconds, self._next)
            self._next = start + amount / per_second
            return max(0.0, start - now)

    def pause_until(self, when: float) -> None:
        """No booking may start before ``when`` (clock time)."""
        with self._lock:
            self._next = max(self._next, when)
