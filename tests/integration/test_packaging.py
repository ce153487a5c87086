"""The wheel ships the widgets' JavaScript bundles, and imports and renders without node."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, widget_bundles

BUNDLES = widget_bundles()


@pytest.mark.slow
def test_wheel_contains_bundles_and_works_without_node(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("vecstore_lab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for bundle in BUNDLES:
        assert f"vecstore_lab/static/{bundle}" in names
    assert "vecstore_lab/py.typed" in names
    # JupyterLab saves widget state (an overrides.d entry, installed next to JupyterLab's own).
    override = "share/jupyter/lab/settings/overrides.d/vecstore-lab.json"
    (entry,) = [n for n in names if n.endswith(override)]
    settings = json.loads(zipfile.ZipFile(wheel).read(entry))
    assert settings["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}
    # The server extension is enabled on install.
    (server,) = [
        n for n in names if n.endswith("etc/jupyter/jupyter_server_config.d/vecstore-lab.json")
    ]
    enabled = json.loads(zipfile.ZipFile(wheel).read(server))
    assert enabled == {"ServerApp": {"jpserver_extensions": {"vecstore_lab.server": True}}}
    assert not any(n.startswith(("js/", "tests/")) for n in names)
    # The prebuilt JupyterLab extension, where JupyterLab looks for it (no rebuild needed).
    lab = "share/jupyter/labextensions/vecstore-lab/"
    (meta,) = [n for n in names if n.endswith(lab + "package.json")]
    built = json.loads(zipfile.ZipFile(wheel).read(meta))["jupyterlab"]["_build"]
    assert built["extension"] == "./extension" and built["mimeExtension"] == "./mimeExtension"
    assert any(n.endswith(lab + built["load"]) for n in names)
    (install,) = [n for n in names if n.endswith(lab + "install.json")]
    assert json.loads(zipfile.ZipFile(wheel).read(install))["packageName"] == "vecstore_lab"
    # Installed somewhere without node on PATH, a widget still gets its front end.
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import vecstore_lab as vl, tempfile;"
        "from vecstore_lab.widgets import SearchWidget;"
        "assert vl.__file__.startswith(sys.argv[1]), vl.__file__;"
        "db = vl.connect(tempfile.mkdtemp(), embedder=vl.HashEmbedder(dim=8));"
        "c = db.create_collection('c');"
        "w = SearchWidget(c); print(len(w._esm) > 1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    assert out.stdout.strip() == "True"


def test_pip_check_is_clean_with_every_extra_installed() -> None:
    """The dev extra installs every other extra (langchain, llama-index, sql, ray, s3 …) in
    one resolution; pip finds no requirement of any installed package broken. (bench's peers
    are pinned for the same: see pyproject.toml; this environment has them when `make bench`
    ran in it.)"""
    command = [sys.executable, "-m", "pip", "check"]
    out = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
