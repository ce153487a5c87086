"""The widgets in marimo: notebooks/marimo_tour.py served by a real ``marimo run`` and driven in
Chromium. Every widget renders and paints; what the reader does in one reaches Python, and the
cells that read it run again: a clicked hit, the map's box selection, the facets' brush (linked
to the browser), a selection on the compared maps. A browser's page, an evaluation's
drill-down and a judge's grade are answered by Python in the widget itself."""

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


def _painted(page: Any, selector: str) -> tuple[int, int]:
    """How many saturated pixels, and of how many hues, the element paints."""
    image = shot(page.locator(selector).first).astype(int)
    saturated = image[(image.max(axis=2) - image.min(axis=2)) > 60]
    return len(saturated), len({tuple(c) for c in (saturated // 48).tolist()})


def test_the_map_draws_and_a_box_selection_reaches_python(page: Any) -> None:
    page.locator(".vsl-map canvas").first.wait_for(timeout=120_000)
    counts = page.locator(".vsl-map").inner_text()
    assert re.search(r"16 points", counts), counts
    assert "Click, box or lasso points" in _text(page, "Click, box or lasso")
    # Painted: points in the topic colours (saturated pixels of several hues), not model state.
    many, hues = _painted(page, ".vsl-map [data-testid=map]")
    assert many > 50 and hues >= 5, (many, hues)
    page.click(".vsl-map button[data-mode=box]")
    box = page.locator(".vsl-map [data-testid=map]").bounding_box()
    page.mouse.move(box["x"] + 3, box["y"] + 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3, steps=8)
    page.mouse.up()
    assert wait_for(lambda: "16 selected" in page.locator(".vsl-map").inner_text())
    # The front end sets ``picked``: the cell reading the map's value runs again by itself.
    pattern = "points\\*{0,2} selected on"
    assert wait_for(lambda: "16 points" in _text(page, pattern)), _text(page, pattern)
    assert "astronomy" in _text(page, "selected on the map")


def test_linked_facets_and_browser_reach_python(page: Any) -> None:
    facet = page.locator(".vsl-facets [data-testid=facet][data-column=topic]")
    facet.locator("svg").wait_for(timeout=120_000)
    rows = page.locator(".vsl-browser [data-testid=rows-box] tbody tr")
    assert wait_for(lambda: rows.count() == 5)
    assert "none" in _text(page, "Facet brush, in Python")
    info = page.locator(".vsl-browser [data-testid=page-info]")
    page.locator(".vsl-browser [data-testid=next]").click()  # Python answers with the page
    assert wait_for(lambda: info.inner_text().startswith("page 2 of 4")), info.inner_text()
    # A click on the "astronomy" bar (at its tick label's height) brushes it: in Python, and
    # the linked browser keeps the three astronomy articles.
    label = facet.locator("svg text", has_text="astronomy").first.bounding_box()
    page.mouse.click(label["x"] + label["width"] + 40, label["y"] + label["height"] / 2)
    said = "Facet brush, in Python"
    assert wait_for(lambda: "'topic'" in _text(page, said)), _text(page, said)
    assert wait_for(lambda: "shows 3 rows" in _text(page, said)), _text(page, said)
    assert wait_for(lambda: rows.count() == 3)
    many, _ = _painted(page, ".vsl-facets [data-testid=facet][data-column=year]")
    assert many > 50  # the bars are drawn in colour


def test_evaluation_drills_down_and_a_judge_grades(page: Any) -> None:
    cell = page.locator('.vsl-eval tr[data-query="q1"] td[data-config="text"]')
    cell.wait_for(timeout=120_000)
    cell.click()
    head = page.locator(".vsl-eval [data-testid=drill-head]")
    assert wait_for(lambda: "why are there tides" in head.inner_text()), head.inner_text()
    judge = page.locator(".vsl-judge")
    progress = judge.locator("[data-testid=progress]")
    total = int(re.fullmatch(r"0 of (\d+) judged", progress.inner_text()).group(1))  # type: ignore[union-attr]
    assert total >= 3
    first = judge.locator("[data-testid=grade]").first.get_attribute("data-id")
    judge.locator(f'[data-testid=grade][data-id="{first}"] [data-grade="3"]').click()
    assert wait_for(lambda: progress.inner_text() == f"1 of {total} judged")


def test_compared_maps_and_telemetry(page: Any) -> None:
    root = page.locator(".vsl-mapcmp")
    root.locator("[data-testid=moved] tbody tr").first.wait_for(timeout=120_000)
    for which in (0, 1):
        many, hues = _painted(page, f".vsl-mapcmp [data-testid=cmp-map-{which}]")
        assert many > 20 and hues >= 2, (which, many, hues)
    said = "Selected on both maps, in Python"
    assert "none yet" in _text(page, said)
    row = root.locator("[data-testid=moved] tbody tr").nth(1)
    wanted = row.get_attribute("data-id")
    row.click()
    assert wait_for(lambda: f"{wanted}" in _text(page, said)), _text(page, said)
    assert root.get_attribute("data-picked") == "1"
    telemetry = page.locator(".vsl-telemetry")
    telemetry.locator("[data-testid=percentiles] svg").first.wait_for(timeout=60_000)
    assert "query" in telemetry.locator("[data-testid=percentiles]").inner_text()
    many, _ = _painted(page, ".vsl-telemetry [data-testid=percentiles]")
    assert many > 20
