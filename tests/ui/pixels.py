"""Reading what the browser painted: element screenshots as RGB arrays, WCAG contrast, and the
colour a region is mostly painted in. The pixel tests assert on these, never on model state."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image


def shot(locator: Any) -> np.ndarray:
    """The element as the user sees it: an (h, w, 3) uint8 array, one pixel per CSS pixel."""
    png = locator.screenshot(animations="disabled")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def luminance(rgb: Any) -> float:
    """WCAG relative luminance of an sRGB colour given as 0..255 channels."""
    c = np.asarray(rgb, dtype=np.float64)[:3] / 255.0
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2])


def contrast(a: Any, b: Any) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def background(image: np.ndarray) -> np.ndarray:
    """The colour most of the image is painted in."""
    flat = image.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    return np.asarray(colours[counts.argmax()])


def ring_contrast(image: np.ndarray, x: float, y: float, r: float, bg: Any) -> float:
    """How well a ring of radius ``r`` around (x, y) stands out: the median, over 24 angles,
    of the best contrast with ``bg`` found within a pixel of the radius."""
    h, w = image.shape[:2]
    best = []
    for a in np.linspace(0, 2 * np.pi, 24, endpoint=False):
        found = 1.0
        for rr in (r - 1, r, r + 1):
            px, py = round(x + rr * np.cos(a)), round(y + rr * np.sin(a))
            if 0 <= px < w and 0 <= py < h:
                found = max(found, contrast(image[py, px], bg))
        best.append(found)
    return float(np.median(best))
