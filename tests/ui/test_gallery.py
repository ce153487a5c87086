"""`make gallery` (tools/gallery.py): every widget and the panel rendered to PNGs and an
index.html that shows them. The quick mode renders JupyterLab light only."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def test_gallery_renders_every_widget_and_the_panel(tmp_path: Path) -> None:
    out = tmp_path / "gallery"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gallery.py"), "--quick", "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    page = (out / "index.html").read_text()
    shown = re.findall(r'<img src="([^"]+)"', page)
    widgets = (
        "search",
        "compare",
        "why",
        "judge",
        "browser",
        "map",
        "facets",
        "linked-map",
        "map-compare",
        "eval",
        "telemetry",
    )
    expected = {f"lab-light/{w}.png" for w in widgets}
    assert expected | {"lab-light/panel.png"} == set(shown)
    for name in shown:
        image = np.asarray(Image.open(out / name).convert("RGB"))
        assert image.shape[0] > 60 and image.shape[1] > 200, (name, image.shape)
        colours = len(np.unique(image.reshape(-1, 3), axis=0))
        assert colours > 16, f"{name} looks blank ({colours} colours)"
