"""Launching headless Chromium for widget tests and benchmarks (Debian's build, offline)."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["CHROMIUM_ARGS", "chromium_path", "launch_chromium"]

#: Flags for a sandbox with a closed network: no background fetches, no component updates.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str:
    """``$VECSTORE_CHROMIUM`` or Debian's ``/usr/bin/chromium`` (Playwright cannot download one)."""
    return os.environ.get("VECSTORE_CHROMIUM", "/usr/bin/chromium")


def launch_chromium(playwright: Any) -> Any:
    """A Playwright browser on the system Chromium with ``CHROMIUM_ARGS``."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), args=list(CHROMIUM_ARGS), headless=True
    )
