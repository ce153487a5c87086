"""A still picture of an EmbeddingMap, for pages that cannot run the widget (GitHub, nbviewer,
a saved notebook opened without a kernel): the points in their colours, the query's hits
ringed, as a small PNG inside the static HTML."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np

__all__ = ["map_picture_html"]

# The front end's palettes (js/src/embedding_map.ts): categories and the viridis scale.
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63",
    "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e",
]  # fmt: skip
VIRIDIS = [
    "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30",
    "#fde725",
]  # fmt: skip
PLAIN = "#4c78a8"
WIDTH, HEIGHT = 640, 400


def _rgb(colours: list[str]) -> np.ndarray:
    return np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colours], np.uint8)


def _colours(color: np.ndarray | None, legend: dict[str, Any], n: int) -> np.ndarray:
    if color is None or legend.get("kind") not in ("category", "value"):
        return np.repeat(_rgb([PLAIN]), n, axis=0)
    if legend["kind"] == "category":
        return _rgb(PALETTE)[np.asarray(color, np.int64) % len(PALETTE)]
    stops = _rgb(VIRIDIS).astype(np.float32)
    pos = np.clip(np.asarray(color, np.float32), 0, 1) * (len(VIRIDIS) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(VIRIDIS) - 1)
    frac = (pos - lo)[:, None]
    return (stops[lo] * (1 - frac) + stops[hi] * frac).astype(np.uint8)


def _pixels(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map coordinates ([-1, 1] on both axes) to pixels, keeping the map's aspect."""
    side = HEIGHT - 8
    px = np.round(WIDTH / 2 + x * side / 2).astype(np.int64)
    py = np.round(HEIGHT / 2 - y * side / 2).astype(np.int64)
    return px, py


def map_picture_html(
    x: np.ndarray,
    y: np.ndarray,
    *,
    color: np.ndarray | None,
    legend: dict[str, Any],
    rings: list[int],
    star: tuple[float, float] | None,
    caption: str,
) -> str:
    """``<figure>`` with the map as a PNG (data URI) and ``caption`` as escaped text."""
    from PIL import Image, ImageDraw

    image = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    px, py = _pixels(np.asarray(x), np.asarray(y))
    rgb = _colours(color, legend, len(px))
    dot = 1 if len(px) > 50_000 else 2  # a 3x3 or 5x5 square per point
    for dx in range(-dot, dot + 1):
        for dy in range(-dot, dot + 1):
            cx, cy = np.clip(px + dx, 0, WIDTH - 1), np.clip(py + dy, 0, HEIGHT - 1)
            image[cy, cx] = rgb
    picture = Image.fromarray(image)
    draw = ImageDraw.Draw(picture)
    for i in rings:
        draw.ellipse((px[i] - 8, py[i] - 8, px[i] + 8, py[i] + 8), outline=(31, 31, 31), width=2)
    if star is not None:
        sx, sy = _pixels(np.array([star[0]]), np.array([star[1]]))
        s = (int(sx[0]), int(sy[0]))
        draw.regular_polygon((s, 9), 5, fill=(214, 39, 40), outline=(31, 31, 31))
    out = io.BytesIO()
    picture.quantize(colors=64).save(out, "PNG", optimize=True)
    data = base64.b64encode(out.getvalue()).decode("ascii")
    text = html.escape(caption)
    return (
        f'<figure style="margin:0"><img alt="{text}" width="{WIDTH}" height="{HEIGHT}" '
        f'style="border:1px solid #ddd" '
        f'src="data:image/png;base64,{data}"><figcaption>{text}</figcaption></figure>'
    )
