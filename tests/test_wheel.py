"""The project installs as a wheel: templates, translations and questionnaires travel inside it."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float) -> str:
    """Read the server's log until a line contains `needle` (no sleeping)."""
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    seen = []
    while True:
        if not selector.select(timeout):
            raise AssertionError(f"no {needle!r} within {timeout}s; log: {''.join(seen)}")
        line = process.stderr.readline()
        if not line:
            raise AssertionError(f"server exited; log: {''.join(seen)}")
        seen.append(line)
        if needle in line:
            return "".join(seen)


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
        "assess/migrations/versions/0001_initial.py",
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
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSESS_", "DATABASE_URL"))}
    env.pop("SECRET_KEY", None)
    process = subprocess.Popen(
        [str(venv / "bin" / "assess"), "serve", "--port", str(port), "--workers", "1"],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_line(process, "Listening at", timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.read() == b"ok\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/en/", timeout=10) as response:
            assert "Screen a partnership" in response.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
    assert (elsewhere / "instance" / "assess.db").is_file()
