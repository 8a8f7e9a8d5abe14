"""Never lose an answer: kill the server (SIGKILL) in the middle of a burst of saves, restart it,
and every save that was acknowledged with a 2xx is in the database (SQLite in WAL mode)."""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import clean_env, free_port, served, wait_for_line

from assess.store import Store


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 302 is the acknowledgement we count: do not follow it."""

    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _client() -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())


def _new_screening(opener: urllib.request.OpenerDirector, base: str) -> tuple[str, str]:
    """Start a screening as a browser would; return the CSRF token and the first page's path."""
    page = opener.open(f"{base}/en/", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    data = urllib.parse.urlencode({"csrf_token": token.group(1)}).encode()
    try:
        opener.open(f"{base}/en/new", data=data, timeout=10)
    except urllib.error.HTTPError as redirect:
        return token.group(1), str(redirect.headers["Location"])
    raise AssertionError("no redirect to the new screening")


def test_acknowledged_saves_survive_a_sigkill(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    port = free_port()
    env = {**clean_env(), "ASSESS_INSTANCE": str(instance)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "assess"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: master and workers die together
    )
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    enough = threading.Event()
    try:
        wait_for_line(server, "Listening at", timeout=60)

        def save(i: int) -> None:
            if enough.is_set():
                return
            opener = _client()
            try:
                csrf, location = _new_screening(opener, base)
                name = f"Save number {i}"
                form = {
                    "csrf_token": csrf,
                    "name": name,
                    "partners": "Ministry; company",
                    "sectors": "finance",
                    "purpose": "detection",
                    "legal_basis": "voluntary",
                    "action": "save",
                }
                try:
                    opener.open(
                        base + location, data=urllib.parse.urlencode(form).encode(), timeout=10
                    )
                except urllib.error.HTTPError as response:
                    if response.code == 302:
                        with lock:
                            acknowledged.append((location.split("/a/")[1].split("/")[0], name))
                            if len(acknowledged) >= 60:
                                enough.set()
            except (OSError, http.client.HTTPException, AssertionError):
                pass  # in flight when the server died: never acknowledged

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(save, i) for i in range(400)]
            enough.wait(timeout=120)
            os.killpg(server.pid, signal.SIGKILL)
            for future in futures:
                future.result()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.communicate(timeout=30)
    assert 60 <= len(acknowledged) < 400  # the server died mid-burst
    store = Store(f"sqlite:///{instance / 'assess.db'}")
    try:
        for token, name in acknowledged:
            assert store.get(token).answers["name"] == name
    finally:
        store.engine.dispose()


def test_secret_links_never_reach_the_log(tmp_path: Path) -> None:
    port = free_port()
    env = {**clean_env(), "ASSESS_INSTANCE": str(tmp_path / "instance")}
    with served(Path(sys.executable).parent / "assess", port, env) as server:
        opener = _client()
        _csrf, location = _new_screening(opener, f"http://127.0.0.1:{port}")
        secret = location.split("/a/")[1].split("/")[0]
        opener.open(f"http://127.0.0.1:{port}{location}", timeout=10).read()
    access_log, error_log = server.communicate(timeout=30)
    assert '"GET" 200' in access_log  # requests are logged...
    assert secret not in access_log + error_log  # ...without their paths
