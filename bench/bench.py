"""Benchmarks: prints one line per figure as `BENCH <name> <value> <unit>`.

In-process (Flask test client) latency of a wizard page GET and of an answer POST on the shipped
questionnaire, next to a bare Flask handler measured in the same run, so the ratio shows what the
app itself costs. Run with `make bench`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import Flask

from assess import create_app
from assess.store import upgrade

REQUESTS = 500


def measure(call: Callable[[], object], n: int = REQUESTS) -> tuple[float, float]:
    for _ in range(20):  # warm up
        call()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def report(name: str, median: float, p95: float) -> None:
    print(f"BENCH {name}_median {median:.3f} ms")
    print(f"BENCH {name}_p95 {p95:.3f} ms")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="assess-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(tmp)})
    client = app.test_client()
    page = client.get("/en/").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert csrf
    token = client.post("/en/new", data={"csrf_token": csrf.group(1)}).headers["Location"]
    first = token
    profile = {
        "csrf_token": csrf.group(1),
        "name": "Benchmark partnership",
        "partners": "Ministry; Bank",
        "sectors": ["finance", "tech_platform"],
        "purpose": ["detection"],
        "legal_basis": "voluntary",
        "action": "save",
    }
    assert client.post(first, data=profile).status_code == 302

    bare = Flask("bare")

    @bare.get("/")
    def hello() -> str:
        return "hello"

    bare_client = bare.test_client()
    bare_median, bare_p95 = measure(lambda: bare_client.get("/"))
    get_median, get_p95 = measure(lambda: client.get(first))
    post_median, post_p95 = measure(lambda: client.post(first, data=profile))
    report("bare_flask_get", bare_median, bare_p95)
    report("wizard_page_get", get_median, get_p95)
    report("answer_post", post_median, post_p95)
    print(f"BENCH wizard_page_get_ratio_to_bare {get_median / bare_median:.1f} x")
    print(f"BENCH answer_post_ratio_to_bare {post_median / bare_median:.1f} x")
    print(f"BENCH requests_per_figure {REQUESTS} requests")
    report_figures(tmp)


def report_figures(tmp: Path) -> None:
    """PDF of the largest scenario: ours against bare WeasyPrint, then 20 at once served."""
    here = Path(__file__).parent
    runs = {}
    for mode in ("ours", "bare"):
        out = subprocess.run(
            [sys.executable, str(here / "report_bench.py"), mode, "5"],
            capture_output=True,
            text=True,
            check=True,
        )
        runs[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"BENCH report_scenario {runs['ours']['scenario']} name")
    print(f"BENCH report_pdf_median {runs['ours']['median']:.2f} s")
    print(f"BENCH report_pdf_peak_rss {runs['ours']['peak_mib']:.0f} MiB")
    print(f"BENCH bare_weasyprint_pdf_median {runs['bare']['median']:.2f} s")
    print(f"BENCH bare_weasyprint_pdf_peak_rss {runs['bare']['peak_mib']:.0f} MiB")
    print(f"BENCH report_pdf_ratio_to_bare {runs['ours']['median'] / runs['bare']['median']:.2f} x")
    print(f"BENCH report_pdf_20_concurrent_wall {concurrent_pdfs(tmp, 20):.1f} s")


def concurrent_pdfs(tmp: Path, count: int) -> float:
    """Start the server as `make run` does, then request `count` PDFs at once."""
    from report_bench import largest  # the same scenario as the render figures

    from assess.answers import loads
    from assess.questionnaire import Registry
    from assess.store import Store

    scenario = largest()
    instance = tmp / "served"
    instance.mkdir()
    url = f"sqlite:///{instance / 'assess.db'}"
    upgrade(url)
    registry = Registry.from_folder(Path(__file__).parent.parent / "questionnaires")
    token = Store(url).import_file(loads(scenario.read_bytes(), registry))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ASSESS_INSTANCE": str(instance), "DATABASE_URL": url}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "assess"), "serve", "--port", str(port)],
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
        target = f"http://127.0.0.1:{port}/en/a/{token}/report.pdf"

        def fetch(_: int) -> int:
            with urllib.request.urlopen(target, timeout=300) as response:
                return len(response.read())

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=count) as pool:
            sizes = list(pool.map(fetch, range(count)))
        wall = time.perf_counter() - start
        assert all(size > 10_000 for size in sizes)
        return wall
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)


if __name__ == "__main__":
    main()
