"""Benchmarks: prints one line per figure as `BENCH <name> <value> <unit>`.

In-process (Flask test client) latency of a wizard page GET and of an answer POST on the shipped
questionnaire, next to a bare Flask handler measured in the same run, so the ratio shows what the
app itself costs. Run with `make bench`.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from collections.abc import Callable
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


if __name__ == "__main__":
    main()
