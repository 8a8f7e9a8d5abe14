"""Access: the edit link, a separate read-only link, revoking either, an optional passphrase."""

from __future__ import annotations

import pytest
from conftest import csrf_token, start_assessment
from flask import Flask
from flask.testing import FlaskClient

from assess.web import store

PROFILE = {
    "name": "Confidential pilot",
    "sectors": ["bank"],
    "basis": "voluntary",
    "action": "next",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _started(client: FlaskClient) -> str:
    token, first = start_assessment(client)
    page = client.get(first).text
    assert client.post(first, data={"csrf_token": csrf_token(page), **PROFILE}).status_code == 302
    return token


def _post(client: FlaskClient, url: str, **data: str) -> object:
    page = client.get("/en/").text
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def test_read_only_link_shows_everything_and_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    token = _started(client)
    assert _post(client, f"/en/a/{token}/access/share", action="create").status_code == 302
    with app.app_context():
        share = store().get(token).share_token
    assert share and share != token
    visitor = app.test_client()
    page = visitor.get(f"/en/v/{share}/")
    assert page.status_code == 200
    assert "Confidential pilot" in page.text and "Read-only view" in page.text
    assert token not in page.text  # the edit link is never shown to a reader
    assert visitor.get(f"/en/v/{share}/report.pdf").data.startswith(b"%PDF")
    # The read-only token opens none of the editing pages.
    for url in (f"/en/a/{share}/", f"/en/a/{share}/s/profile", f"/en/a/{share}/access"):
        assert visitor.get(url).status_code == 404
    # Revoked: the link stops working.
    assert _post(client, f"/en/a/{token}/access/share", action="revoke").status_code == 302
    assert visitor.get(f"/en/v/{share}/").status_code == 404


def test_replacing_the_edit_link_revokes_the_old_one(app: Flask, client: FlaskClient) -> None:
    token = _started(client)
    response = _post(client, f"/en/a/{token}/access/rotate")
    assert response.status_code == 302
    new = response.headers["Location"].split("/a/")[1].split("/")[0]
    assert new != token
    assert app.test_client().get(f"/en/a/{token}/").status_code == 404
    assert client.get(f"/en/a/{new}/summary").status_code == 200
    start = client.get("/en/").text
    assert new in start and token not in start  # this browser's list follows the new link


def test_a_passphrase_protects_both_links(app: Flask, client: FlaskClient) -> None:
    token = _started(client)
    _post(client, f"/en/a/{token}/access/share", action="create")
    with app.app_context():
        share = store().get(token).share_token
    too_short = _post(
        client, f"/en/a/{token}/access/passphrase", passphrase="short", confirm="short"
    )
    assert too_short.status_code == 400 and "10 to 200 characters" in too_short.text
    differ = _post(
        client, f"/en/a/{token}/access/passphrase", passphrase="a" * 12, confirm="b" * 12
    )
    assert differ.status_code == 400 and "differ" in differ.text
    phrase = "correct horse battery staple"
    ok = _post(client, f"/en/a/{token}/access/passphrase", passphrase=phrase, confirm=phrase)
    assert ok.status_code == 302
    assert client.get(f"/en/a/{token}/summary").status_code == 200  # the owner stays unlocked
    with app.app_context():
        assert phrase not in (store().get(token).passphrase_hash or "")  # stored hashed
    for url, unlock in (
        (f"/en/a/{token}/summary", f"/en/a/{token}/unlock"),
        (f"/en/v/{share}/", f"/en/v/{share}/unlock"),
    ):
        other = app.test_client()
        response = other.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(unlock)
        assert "protected by a passphrase" in other.get(unlock).text
        wrong = _post(other, unlock, passphrase="guess")
        assert wrong.status_code == 400 and "not right" in wrong.text
        assert other.get(url).status_code == 302
        right = _post(other, unlock, passphrase=phrase)
        assert right.status_code == 302
        assert other.get(url).status_code == 200
    # Removing it opens the links again.
    assert _post(client, f"/en/a/{token}/access/passphrase", action="remove").status_code == 302
    assert app.test_client().get(f"/en/a/{token}/summary").status_code == 200


def test_passphrase_guessing_is_rate_limited(make_app) -> None:  # type: ignore[no-untyped-def]
    from assess import limiter

    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    token = _started(client)
    phrase = "correct horse battery staple"
    _post(client, f"/en/a/{token}/access/passphrase", passphrase=phrase, confirm=phrase)
    other = app.test_client()
    statuses = [
        _post(other, f"/en/a/{token}/unlock", passphrase=f"guess {i}").status_code
        for i in range(12)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]
