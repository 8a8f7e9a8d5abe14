"""Shared fixtures: an app on a temporary SQLite database (or DATABASE_URL's server) per test."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, sync_playwright

from assess import create_app
from assess.store import upgrade

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "questionnaires"


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database the app runs on. Storage and web test modules override this fixture with
    params=["sqlite", "postgresql"] so that they run on both."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    server: str = request.getfixturevalue("postgres_server")
    return _fresh_postgres_database(server)


@pytest.fixture
def make_app(tmp_path: Path, database_url: str) -> Iterator[object]:
    def build(questionnaires: Path = MINI, migrate: bool = True, **config: object) -> Flask:
        url = str(config.pop("DATABASE_URL", database_url))
        if migrate:
            upgrade(url)
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "RATELIMIT_ENABLED": False,  # tests that count requests enable it themselves
                "DATABASE_URL": url,
                "QUESTIONNAIRES": str(questionnaires),
                "INSTANCE_PATH": str(tmp_path / "instance"),
                **config,
            }
        )
        built.append(app)
        return app

    built: list[Flask] = []
    yield build
    for app in built:
        app.extensions["assess.store"].engine.dispose()


@pytest.fixture
def app(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def import_answers(client: FlaskClient, body: bytes, lang: str = "en") -> str:
    """Import an answer file through the start page, as a user would; return the new token."""
    from io import BytesIO

    page = client.get(f"/{lang}/").text
    response = client.post(
        f"/{lang}/import",
        data={"csrf_token": csrf_token(page), "file": (BytesIO(body), "answers.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    token = re.search(r"/a/([^/]+)/", response.headers["Location"])
    assert token
    return token.group(1)


def start_assessment(client: FlaskClient, lang: str = "en") -> tuple[str, str]:
    """Start a new assessment through the start page; return (token, first section URL)."""
    page = client.get(f"/{lang}/")
    response = client.post(f"/{lang}/new", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    location = response.headers["Location"]
    token = re.search(r"/a/([^/]+)/", location)
    assert token
    return token.group(1), location


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- a real server, started the way `make run` starts it ----------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float) -> str:
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


def clean_env() -> dict[str, str]:
    """The environment without this project's settings, as a fresh shell would have it."""
    skip = ("ASSESS_", "DATABASE_URL", "SECRET_KEY")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)}


@contextmanager
def served(
    assess: Path, port: int, env: dict[str, str], cwd: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    """`assess serve` on 127.0.0.1:port until the block ends, then Ctrl-C (SIGINT)."""
    process = subprocess.Popen(
        [str(assess), "serve", "--port", str(port), "--workers", "1"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_line(process, "Listening at", timeout=60)
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


# --- the browser tests' server and Chromium ------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served as `make run` serves it, on 127.0.0.1, for the browser tests."""
    env = {**clean_env(), "ASSESS_INSTANCE": str(tmp_path_factory.mktemp("browser-instance"))}
    port = free_port()
    with served(Path(sys.executable).parent / "assess", port, env):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium through Playwright (never `playwright install`)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# --- a throwaway PostgreSQL server on 127.0.0.1 --------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Debian's PostgreSQL (installed by `make test`), as a throwaway cluster for this test run.

    As root, the cluster runs as the `postgres` user (initdb refuses root)."""
    import glob
    import pwd
    import shutil
    import tempfile

    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert bins, "PostgreSQL is not installed: run `make test`, which installs it"
    bindir = Path(bins[-1]).parent
    base = Path(tempfile.mkdtemp(prefix="assess-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def _fresh_postgres_database(server: str) -> str:
    import uuid

    import psycopg

    name = f"assess_{uuid.uuid4().hex[:12]}"
    dsn = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def create_workshop(client: FlaskClient, lang: str = "en", cases: tuple[str, ...] = ()) -> str:
    """Create a workshop through its form (all cases unless given); return the trainer's URL."""
    page = client.get(f"/{lang}/workshops/new").text
    chosen = list(cases) or re.findall(r'name="cases"[^>]*value="([^"]+)"', page)
    response = client.post(
        f"/{lang}/workshops/new",
        data={"csrf_token": csrf_token(page), "language": lang, "cases": chosen},
    )
    assert response.status_code == 302, response.text
    location: str = response.headers["Location"]
    return location


def join_workshop(client: FlaskClient, trainer_page: str, name: str, lang: str = "en") -> str:
    """Join the workshop shown on a trainer's page; return the participant's first page URL."""
    code = re.search(
        r'class="join-code" dir="ltr"><span[^>]*>[^<]*</span>(\w{3}) (\w{3})', trainer_page
    )
    assert code, "no join code on the page"
    page = client.get(f"/{lang}/join").text
    response = client.post(
        f"/{lang}/join",
        data={"csrf_token": csrf_token(page), "code": code[1] + code[2], "name": name},
    )
    assert response.status_code == 302, response.text
    location: str = response.headers["Location"]
    return location


def training_pages(app: Flask, client: FlaskClient, lang: str) -> dict[str, str]:
    """The case library, a workshop's pages (all cases, one participant) and the participant's
    pages, in `lang`: for the page-type checks (translations, valid HTML)."""
    trainer = create_workshop(client, lang)
    participant = app.test_client()
    first = join_workshop(participant, client.get(trainer).text, "Group 1", lang)
    return {
        "cases": client.get(f"/{lang}/cases/").text,
        "case": client.get(f"/{lang}/cases/s1-fiu-bank-algorithm").text,
        "workshop-new": client.get(f"/{lang}/workshops/new").text,
        "join": client.get(f"/{lang}/join").text,
        "dashboard": client.get(trainer).text,
        "projector": client.get(trainer + "screen").text,
        "workshop-delete": client.get(trainer + "delete").text,
        "participant": participant.get(first).text,
        "participant-summary": participant.get(first.split("/s/")[0] + "/summary").text,
    }


def review_pages(app: Flask, client: FlaskClient, lang: str) -> dict[str, str]:
    """A screening submitted, commented, approved with conditions, and its next version: the
    reviewer's page, the history, the comparison, and the summaries, in `lang`."""
    scenario = (
        Path(__file__).resolve().parent.parent
        / "questionnaires/partnership-screening/scenarios/s1-fiu-bank-algorithm.json"
    )
    token = import_answers(client, scenario.read_bytes(), lang)
    a = f"/{lang}/a/{token}"
    page = client.get(f"{a}/access").text
    client.post(
        f"{a}/access/share",
        data={"csrf_token": csrf_token(page), "action": "create", "link": "reviewer"},
    )
    reviewer = re.search(r"(/r/[^/\"]+/)", client.get(f"{a}/access").text)
    assert reviewer
    r = f"/{lang}{reviewer[1]}"
    client.post(f"{a}/submit", data={"csrf_token": csrf_token(page), "name": "Amina Diallo"})
    other = app.test_client()
    review = other.get(r).text
    other.post(
        f"{r}comment",
        data={"csrf_token": csrf_token(review), "question": "name", "name": "K", "text": "Why?"},
    )
    reviewing = other.get(r).text
    other.post(
        f"{r}decision",
        data={
            "csrf_token": csrf_token(review),
            "decision": "approved_with_conditions",
            "name": "Kofi Mensah",
            "role": "Director",
            "reason": "Conditions M1-M3.",
        },
    )
    decided = client.get(f"{a}/summary").text
    response = client.post(f"{a}/new-version", data={"csrf_token": csrf_token(decided)})
    new = response.headers["Location"].split("/a/")[1].split("/")[0]
    return {
        "reviewer": reviewing,
        "reviewer-decided": other.get(r).text,
        "summary-decided": decided,
        "history": client.get(f"{a}/history").text,
        "compare": client.get(f"/{lang}/a/{new}/compare").text,
        "summary-version-2": client.get(f"/{lang}/a/{new}/summary").text,
    }


def partner_pages(app: Flask, client: FlaskClient, lang: str) -> dict[str, str]:
    """The partner's pages, and the author's result with a disagreement, in `lang`."""
    scenario = (
        Path(__file__).resolve().parent.parent
        / "questionnaires/partnership-screening/scenarios/s1-fiu-bank-algorithm.json"
    )
    token = import_answers(client, scenario.read_bytes(), lang)
    a = f"/{lang}/a/{token}"
    page = client.get(f"{a}/access").text
    client.post(
        f"{a}/access/share",
        data={
            "csrf_token": csrf_token(page),
            "action": "create",
            "link": "partner",
            "partner_name": "Bank",
        },
    )
    found = re.search(r"(/p/[^/\"]+/)", client.get(f"{a}/access").text)
    assert found
    p = f"/{lang}{found[1]}"
    partner = app.test_client()
    section = partner.get(f"{p}s/privacy").text
    base = re.search(r'name="base" type="hidden" value="([^"]*)"', section)
    assert base
    partner.post(
        f"{p}s/privacy",
        data={
            "csrf_token": csrf_token(section),
            "base": base[1].replace("&#34;", '"'),
            "priv_purpose_lock": "no",
            "action": "save",
        },
    )
    return {
        "partner-start": partner.get(p).text,
        "partner-section": partner.get(f"{p}s/privacy").text,
        "partner-done": partner.get(f"{p}done").text,
        "result-disagreement": client.get(f"{a}/result").text,
        "summary-with-partner": client.get(f"{a}/summary").text,
    }
