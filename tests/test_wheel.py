"""The project installs as a wheel: templates, translations and questionnaires travel inside it."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

from conftest import clean_env, free_port, served

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_serves_from_another_folder(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("assess-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for inside in (
        "assess/templates/section.html",
        "assess/static/assess.css",
        "assess/questionnaires/partnership-screening/1.yaml",
        "assess/questionnaires/partnership-screening/cases/s1-fiu-bank-algorithm.yaml",
        "assess/static/workshop.js",
        "assess/migrations/versions/0004_workshops.py",
    ):
        assert inside in names, inside

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    with served(venv / "bin" / "assess", port, clean_env(), cwd=elsewhere) as process:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.read() == b"ok\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/en/", timeout=10) as response:
            assert "Screen a partnership" in response.read().decode()
    assert process.returncode == 0
    assert (elsewhere / "instance" / "assess.db").is_file()
