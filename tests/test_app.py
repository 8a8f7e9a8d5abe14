"""The app factory, configuration, health check, security headers and error pages."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from conftest import MINI
from flask import Flask
from flask.testing import FlaskClient

from assess import create_app


def test_factory_takes_config_and_generates_a_kept_secret(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "QUESTIONNAIRES": str(MINI),
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    first = create_app(dict(config))
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 64
    second = create_app(dict(config))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_secret_key_from_environment_wins(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "QUESTIONNAIRES": str(MINI),
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_healthz_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"


def test_healthz_reports_an_unreachable_database(make_app, tmp_path: Path) -> None:
    app = make_app(
        migrate=False, DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'nowhere' / 'db.sqlite'}"
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_root_redirects_by_accept_language(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/")


def test_start_page_says_what_the_tool_does(client: FlaskClient) -> None:
    page = client.get("/en/").text
    assert "Screen a partnership before it is signed" in page
    assert "ministries" in page.lower()
    assert '<html lang="en" dir="ltr">' in page


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for url in ("/en/", "/healthz", "/en/no-such-page", "/static/assess.css"):
        response = client.get(url)
        headers = response.headers
        response.close()
        csp = headers["Content-Security-Policy"]
        for directive in (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "font-src 'self'",
            "frame-ancestors 'none'",
        ):
            assert directive in csp, (url, directive)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_no_asset_from_outside_the_app(client: FlaskClient) -> None:
    page = client.get("/en/").text
    assert "http://" not in page.replace("http://localhost", "")
    assert "https://" not in page
    assert "<script" not in page


def test_404_page_in_the_app_style_without_a_trace(client: FlaskClient) -> None:
    response = client.get("/en/nothing/here")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'class="site-header"' in response.text
    assert "Traceback" not in response.text


def test_unknown_language_is_a_404(client: FlaskClient) -> None:
    assert client.get("/xx/").status_code == 404


def test_500_page_hides_the_error(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Something went wrong" in response.text


def test_session_and_list_cookies_are_httponly_and_lax(client: FlaskClient) -> None:
    from conftest import start_assessment

    start_assessment(client)
    cookies = client.get("/en/").headers  # the list cookie is set on wizard pages
    del cookies
    response = client.get("/en/")
    assert response.status_code == 200
    page = client.get("/en/")
    for header in page.headers.getlist("Set-Cookie"):
        assert "HttpOnly" in header and "SameSite=Lax" in header


def test_guessing_secret_links_is_rate_limited(make_app) -> None:  # type: ignore[no-untyped-def]
    from assess import limiter

    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    statuses = [client.get(f"/en/a/guess-{i}/").status_code for i in range(25)]
    assert statuses[:20] == [404] * 20
    assert statuses[20:] == [429] * 5
    response = client.get("/en/a/guess-26/")
    assert "Too many requests" in response.text
    assert client.get("/en/").status_code == 200  # the rest of the app still answers
