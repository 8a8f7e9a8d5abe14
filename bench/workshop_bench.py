"""A workshop of 200 participants against the server started as `make run` starts it.

Prints `BENCH <name> <value> <unit>` lines: throughput, p95 latency of answer saves (and of joins,
page loads and the trainer's live dashboard), errors, and lost answers (every participant's stored
answers compared with what it sent, read from the database afterwards).

Each simulated participant joins with the code, then answers its case page by page with the case's
model answers, as a browser does (keep-alive connection, cookies, CSRF token, following redirects),
pausing between pages: people read and think, so the pauses are drawn between 0.5 and 2.5 s (a real
page takes minutes; this is a far denser load than a room produces). All 200 join within the same
second. The trainer's dashboard fetches its live part every 5 s throughout.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from assess.cases import CaseLibrary
from assess.questionnaire import Registry, same_answer
from assess.store import Store, upgrade

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "200"))
THINK = tuple(float(x) for x in os.environ.get("BENCH_THINK", "3 8").split())
ROOT = Path(__file__).resolve().parent.parent
INPUT = re.compile(r"<(?:input|textarea)\b[^>]*\bname=\"([^\"]+)\"[^>]*>")
HIDDEN = re.compile(r'<input\b[^>]*\bname="(csrf_token|base)"[^>]*\bvalue="([^"]*)"')
CASE = re.compile(r'data-case="([^"]+)"')


@dataclass
class Figures:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    requests: int = 0

    def add(self, kind: str, ms: float) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(ms)
            self.requests += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def unescape(value: str) -> str:
    return (
        value.replace("&#34;", '"')
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


class Browser:
    """One participant's browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int, figures: Figures):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.figures = figures

    def request(self, kind: str, method: str, path: str, form: list[tuple[str, str]] | None = None):
        body = urlencode(form).encode() if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed the idle keep-alive connection before this request reached it:
            # a browser opens a new connection and sends the request again, and so do we.
            self.conn.close()
            start = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        text = response.read().decode()
        self.figures.add(kind, (time.perf_counter() - start) * 1000)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers.get("Location"), text


def participant(
    number: int,
    port: int,
    code: str,
    library: CaseLibrary,
    figures: Figures,
    start: threading.Event,
    sent: dict[str, dict[str, object]],
) -> None:
    browser = Browser(port, figures)
    rng = random.Random(number)
    try:
        status, _loc, page = browser.request("page", "GET", "/en/join")
        csrf = HIDDEN.search(page)
        assert status == 200 and csrf, f"join form: {status}"
        start.wait()
        form = [("csrf_token", csrf.group(2)), ("code", code), ("name", f"Group {number}")]
        status, location, _ = browser.request("join", "POST", "/en/join", form)
        assert status == 302 and location, f"join: {status}"
        path = urlsplit(location).path
        token = path.split("/a/", 1)[1].split("/", 1)[0]
        answers: dict[str, object] = {}
        case_id = None
        while "/s/" in path:
            status, _loc, page = browser.request("page", "GET", path)
            assert status == 200, f"page {path}: {status}"
            if case_id is None:
                found = CASE.search(page)
                assert found, "no case on the page"
                case_id = found.group(1)
            case = library.get(case_id)
            assert case is not None
            hidden = dict(HIDDEN.findall(page))
            form = [("csrf_token", hidden["csrf_token"]), ("base", unescape(hidden["base"]))]
            for name in dict.fromkeys(INPUT.findall(page)):
                if name in ("csrf_token", "base") or name.endswith("__notes"):
                    continue
                value = case.reference.answers.get(name)
                if value is None:
                    continue
                answers[name] = value
                for item in value if isinstance(value, list) else [value]:
                    form.append((name, str(item)))
            form.append(("action", "next"))
            time.sleep(rng.uniform(*THINK))  # reading and answering the page
            status, location, _ = browser.request("save", "POST", path, form)
            assert status == 302 and location, f"save {path}: {status}"
            path = urlsplit(location).path
        sent[token] = answers
    except Exception as exc:  # every failure is counted, none stops the others
        figures.error(f"participant {number}: {exc!r}")


def trainer(port: int, dashboard: str, figures: Figures, done: threading.Event) -> None:
    browser = Browser(port, figures)
    while not done.wait(5):
        try:
            status, _loc, _page = browser.request("live", "GET", dashboard + "live")
            assert status == 200, status
        except Exception as exc:
            figures.error(f"dashboard: {exc!r}")


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="assess-workshop-bench-"))
    url = f"sqlite:///{tmp / 'assess.db'}"
    upgrade(url)
    registry = Registry.from_folder(ROOT / "questionnaires")
    library = CaseLibrary.from_folder(ROOT / "questionnaires", registry)
    store = Store(url)
    cases = [c.id for c in library]
    workshop = store.create_workshop(next(iter(library)).definition, "Bench", "en", cases)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Exactly what `make run` runs, on another port and database.
    env = {**os.environ, "ASSESS_INSTANCE": str(tmp), "DATABASE_URL": url}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "assess"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    figures = Figures()
    sent: dict[str, dict[str, object]] = {}
    try:
        assert server.stderr is not None
        for line in server.stderr:
            if "Listening at" in line:
                break
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
        go = threading.Event()
        done = threading.Event()
        threads = [
            threading.Thread(
                target=participant,
                args=(n, port, workshop.code, library, figures, go, sent),
            )
            for n in range(1, PARTICIPANTS + 1)
        ]
        for t in threads:
            t.start()
        dashboard = f"/en/w/{workshop.trainer_token}/"
        watcher = threading.Thread(target=trainer, args=(port, dashboard, figures, done))
        watcher.start()
        time.sleep(1)  # every participant has its join form
        began = time.perf_counter()
        go.set()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        done.set()
        watcher.join()
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)

    lost = 0
    stored = {r.token: r for r in store.participants(workshop.id)}
    for token, answers in sent.items():
        record = stored.get(token)
        if record is None:
            lost += len(answers)
            continue
        missing = [q for q, v in answers.items() if not same_answer(record.answers.get(q), v)]
        if missing and os.environ.get("BENCH_DEBUG"):
            print("# lost", token[:6], [(q, answers[q], record.answers.get(q)) for q in missing])
        lost += len(missing)
    saves = figures.times.get("save", [])
    print(f"BENCH workshop_participants {PARTICIPANTS} participants")
    print(f"BENCH workshop_completed {len(sent)} participants")
    print(f"BENCH workshop_wall {wall:.1f} s")
    print(f"BENCH workshop_throughput {figures.requests / wall:.1f} requests/s")
    print(f"BENCH workshop_requests {figures.requests} requests")
    for kind in ("save", "join", "page", "live"):
        values = figures.times.get(kind, [])
        if values:
            print(f"BENCH workshop_{kind}_median {statistics.median(values):.1f} ms")
            print(f"BENCH workshop_{kind}_p95 {p95(values):.1f} ms")
    print(f"BENCH workshop_answer_saves {len(saves)} saves")
    server_cpu = children.ru_utime + children.ru_stime
    print(f"BENCH workshop_server_cpu {server_cpu:.1f} s")
    print(f"BENCH workshop_server_cpu_per_request {1000 * server_cpu / figures.requests:.2f} ms")
    print(f"BENCH workshop_client_cpu {own.ru_utime + own.ru_stime:.1f} s")
    print(f"BENCH workshop_errors {len(figures.errors)} errors")
    print(f"BENCH workshop_lost_answers {lost} answers")
    for message in figures.errors[:10]:
        print(f"# {message}", file=sys.stderr)


if __name__ == "__main__":
    main()
