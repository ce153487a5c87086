"""The widgets in marimo: notebooks/marimo_tour.py served by a real ``marimo run`` and driven in
Chromium. The search widget renders, searches (its requests reach Python), a clicked hit reaches
Python (the cell reading ``search.value`` runs again), the map paints its points in the topic
colours, and its box selection reaches Python (read by a button: marimo re-runs cells only for
changes a front end makes, and ``selected_ids`` is set by Python)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import ROOT
from pixels import shot

from conftest import wait_for

pytest.importorskip("marimo")

TOUR = ROOT / "notebooks" / "marimo_tour.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def marimo_url() -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "marimo", "run", str(TOUR), "--headless", "--no-token"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def page(marimo_url: str, browser: Any) -> Iterator[Any]:
    # The session's Chromium (tests/ui/conftest.py): a second sync Playwright in this process
    # would find the first one's event loop running.
    page = browser.new_page(viewport={"width": 1200, "height": 1800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(marimo_url)
    yield page
    page.close()
    assert errors == []


def _hit_ids(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        ".vsl-search [data-testid=hit]", "els => els.map((e) => e.dataset.id)"
    )
    return ids


def _text(page: Any, pattern: str) -> str:
    return str(page.locator(f"text=/{pattern}/").first.inner_text())


def test_search_renders_searches_and_a_click_reaches_python(page: Any) -> None:
    page.wait_for_selector(".vsl-search [data-testid=hit]", timeout=120_000)
    first = _hit_ids(page)
    assert first[0] == "moon-tides#0", first  # the query the tour sets: "why are there tides"
    page.fill(".vsl-search [data-testid=query]", "git branches and commits")
    page.click(".vsl-search [data-testid=search]")
    assert wait_for(lambda: _hit_ids(page)[:1] == ["git-branches#0"]), _hit_ids(page)
    assert "hits in" in page.locator(".vsl-search [data-testid=status]").inner_text()
    assert "none yet" in _text(page, "Selected hit, in Python")
    second = _hit_ids(page)[1]
    page.locator(".vsl-search [data-testid=hit]").nth(1).click()
    assert wait_for(lambda: second in _text(page, "Selected hit, in Python"))


def test_the_map_draws_and_a_box_selection_reaches_python(page: Any) -> None:
    page.locator(".vsl-map canvas").first.wait_for(timeout=120_000)
    counts = page.locator(".vsl-map").inner_text()
    assert re.search(r"16 points", counts), counts
    # Painted: points in the topic colours (saturated pixels of several hues), not model state.
    image = shot(page.locator(".vsl-map [data-testid=map]")).astype(int)
    saturated = image[(image.max(axis=2) - image.min(axis=2)) > 60]
    hues = {tuple(c) for c in (saturated // 48).tolist()}
    assert len(saturated) > 50 and len(hues) >= 5, (len(saturated), hues)
    page.click(".vsl-map button[data-mode=box]")
    box = page.locator(".vsl-map [data-testid=map]").bounding_box()
    page.mouse.move(box["x"] + 3, box["y"] + 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3, steps=8)
    page.mouse.up()
    assert wait_for(lambda: "16 selected" in page.locator(".vsl-map").inner_text())
    # The selection is Python's (selected_ids): a cell reads it when the button is pressed.
    page.get_by_role("button", name="Read the map's selection").click()
    assert wait_for(lambda: "16 points" in _text(page, "points\\*{0,2} selected on")), _text(
        page, "selected on"
    )
    assert "astronomy" in _text(page, "selected on the map")
