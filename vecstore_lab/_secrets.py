"""Secrets this process knows (API keys), and ``scrub`` to blank them out of any text.

Whatever leaves the process as text (error messages, span status and exception events) goes
through ``scrub``, so a key stays out of it even when a server echoes it back to us.
"""

from __future__ import annotations

import threading

__all__ = ["MASK", "register", "scrub"]

MASK = "sk-***"
_MIN_LENGTH = 4  # shorter "secrets" would blank ordinary words
_secrets: set[str] = set()
_lock = threading.Lock()


def register(secret: str | None) -> None:
    """Remember ``secret`` so that ``scrub`` masks it from now on (for this process)."""
    if secret and len(secret) >= _MIN_LENGTH:
        with _lock:
            _secrets.add(secret)


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``MASK``.

    Examples:
        >>> register("sk-test-1234")
        >>> scrub("Incorrect API key provided: sk-test-1234.")
        'Incorrect API key provided: sk-***.'
    """
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # a key containing another goes first
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text
