"""Regenerate the README's screenshots (`make screenshots`): the wizard and the report's first page.

Serves the app as `make run` does (temporary instance), drives Debian's Chromium, imports a shipped
scenario, and turns the first page of its PDF into a PNG with pdftoppm.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCENARIO = (
    ROOT / "questionnaires" / "partnership-screening" / "scenarios" / "s1-fiu-bank-algorithm.json"
)
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    instance = Path(tempfile.mkdtemp(prefix="assess-shots-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSESS_", "DATABASE_URL"))}
    env["ASSESS_INSTANCE"] = str(instance)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "assess"),
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        for line in server.stderr:
            if "Listening at" in line:
                break
        base = f"http://127.0.0.1:{port}"
        DOCS.mkdir(exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/en/")
            page.set_input_files("#import-file", str(SCENARIO))
            page.locator("#import-file ~ button").click()
            token = page.url.split("/a/")[1].split("/")[0]
            page.goto(f"{base}/en/a/{token}/s/privacy")
            page.screenshot(path=str(DOCS / "wizard.png"))
            pdf = instance / "report.pdf"
            pdf.write_bytes(page.request.get(f"{base}/en/a/{token}/report.pdf").body())
            browser.close()
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(DOCS / "report"),
            ],
            check=True,
        )
        print(f"wrote {DOCS / 'wizard.png'} and {DOCS / 'report.png'}")
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)


if __name__ == "__main__":
    main()
