"""The guided wizard, driven by a small fixture questionnaire."""

from __future__ import annotations

import json
import re

import pytest
from conftest import csrf_token, start_assessment
from flask import Flask
from flask.testing import FlaskClient

from assess.web import store


def _stored(app: Flask, token: str) -> dict[str, object]:
    with app.app_context():
        return dict(store().get(token).answers)


def _post(client: FlaskClient, url: str, data: dict[str, object]) -> object:
    token = csrf_token(client.get(url).text)
    return client.post(url, data={"csrf_token": token, **data})


PROFILE = {"name": "Bank alert pilot", "sectors": ["bank"], "basis": "voluntary", "action": "next"}


def test_every_question_type_round_trips(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    response = _post(
        client,
        first,
        {
            "name": "Données & “quotes” <b>",
            "sectors": ["vessel", "bank"],
            "basis": "contract",
            "notes_free": "Line one\r\nLine two",
            "sectors__notes": "Evidence: draft MoU clause 3",
            "action": "next",
        },
    )
    assert response.status_code == 302
    harm = f"/en/a/{token}/s/harm"
    assert response.headers["Location"].endswith(harm)
    assert _post(client, harm, {"targets": "partly", "penalise": "yes"}).status_code == 302
    stored = _stored(app, token)
    assert stored == {
        "name": "Données & “quotes” <b>",
        "sectors": ["bank", "vessel"],  # kept in the questionnaire's order
        "basis": "contract",
        "notes_free": "Line one\r\nLine two",
        "targets": "partly",
        "penalise": "yes",
    }
    page = client.get(first).text
    assert 'value="Données &amp; “quotes” &lt;b&gt;"' in page
    assert re.search(r'<input checked[^>]*value="vessel"', page)
    assert not re.search(r'<input checked[^>]*value="none"', page)
    assert "Evidence: draft MoU clause 3" in page
    assert "<b>" not in page.split("<main")[1].replace("<b>Risk", "")


def test_resume_from_the_link_in_another_browser(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    other = app.test_client()  # a different device: no cookies
    response = other.get(f"/en/a/{token}/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/en/a/{token}/s/harm")
    page = other.get(response.headers["Location"]).text
    assert "Section 2 of 2" in page  # the sea section is skipped for a bank-only profile


def test_start_page_lists_only_this_browsers_assessments(app: Flask, client: FlaskClient) -> None:
    _token, first = start_assessment(client)
    _post(client, first, PROFILE)
    assert "Bank alert pilot" in client.get("/en/").text
    assert "Bank alert pilot" not in app.test_client().get("/en/").text


def test_skip_logic_hides_and_never_counts_hidden_questions(
    app: Flask, client: FlaskClient
) -> None:
    token, first = start_assessment(client)
    _post(client, first, {**PROFILE, "sectors": ["vessel"]})
    sea = f"/en/a/{token}/s/sea"
    assert client.get(sea).status_code == 200
    _post(client, sea, {"protocol": "no"})
    result = client.get(f"/en/a/{token}/result").text
    assert "No rescue protocol" in result
    # The profile changes: the sea check no longer applies, its stale answer must not count.
    _post(client, first, {**PROFILE, "sectors": ["bank"]})
    assert _stored(app, token)["protocol"] == "no"  # kept, in case the profile changes back
    result = client.get(f"/en/a/{token}/result").text
    assert "No rescue protocol" not in result
    assert "No vessel takes part." in result
    response = client.get(sea)
    assert response.status_code == 302
    summary = client.get(f"/en/a/{token}/summary").text
    assert "Is there a rescue protocol?" not in summary


def test_progress_and_summary_with_change_links(client: FlaskClient) -> None:
    token, first = start_assessment(client)
    page = client.get(first).text
    assert "Section 1 of 2" in page
    _post(client, first, PROFILE)
    harm = f"/en/a/{token}/s/harm"
    response = _post(client, harm, {"targets": "yes", "penalise": "yes", "action": "next"})
    assert response.headers["Location"].endswith(f"/en/a/{token}/summary")
    summary = client.get(f"/en/a/{token}/summary").text
    assert "Bank alert pilot" in summary
    assert f'href="/en/a/{token}/s/profile"' in summary
    assert f'href="/en/a/{token}/s/harm"' in summary
    assert "Are only smugglers targeted?" in summary


def test_back_saves_without_requiring_answers(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    harm = f"/en/a/{token}/s/harm"
    response = _post(client, harm, {"targets": "no", "action": "back"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(first)
    assert _stored(app, token)["targets"] == "no"


def test_required_question_left_empty_keeps_the_rest(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    response = _post(client, first, {"sectors": ["bank"], "basis": "voluntary", "action": "next"})
    assert response.status_code == 422
    page = response.text
    assert "Please answer this question." in page
    assert 'aria-describedby="err-name"' in page or "err-name" in page
    assert re.search(r'<input checked[^>]*value="voluntary"', page)
    assert _stored(app, token) == {}


def test_tampered_option_is_rejected_and_nothing_changes(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    before = _stored(app, token)
    response = _post(client, first, {**PROFILE, "basis": "bribery"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.text
    response = _post(client, first, {**PROFILE, "sectors": ["bank", "ghost"]})
    assert response.status_code == 400
    assert _stored(app, token) == before


def test_over_long_text_is_rejected_and_nothing_changes(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    before = _stored(app, token)
    response = _post(client, first, {**PROFILE, "name": "x" * 51})
    assert response.status_code == 400
    assert "under 50 characters" in response.text
    response = _post(client, first, {**PROFILE, "name__notes": "n" * 4001})
    assert response.status_code == 400
    assert _stored(app, token) == before


def test_exclusive_option_cannot_be_combined(client: FlaskClient) -> None:
    _token, first = start_assessment(client)
    response = _post(client, first, {**PROFILE, "sectors": ["bank", "none"]})
    assert response.status_code == 422
    assert "cannot be combined" in response.text


def test_missing_csrf_token_is_a_400_and_nothing_changes(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    before = _stored(app, token)
    response = client.post(first, data={**PROFILE, "name": "Changed"})
    assert response.status_code == 400
    assert "security token" in response.text
    assert _stored(app, token) == before
    response = client.post("/en/new", data={})
    assert response.status_code == 400


def test_unknown_token_gets_the_404_page(client: FlaskClient) -> None:
    for url in ("/en/a/not-a-real-token/", "/en/a/nope/s/profile", "/en/a/nope/summary"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.text


def test_tokens_are_long_and_random(client: FlaskClient) -> None:
    first, _ = start_assessment(client)
    second, _ = start_assessment(client)
    assert first != second
    assert len(first) >= 43  # 256 bits in URL-safe base64; at least 128 required


def test_running_ratings_on_every_page(client: FlaskClient) -> None:
    token, first = start_assessment(client)
    page = client.get(first).text
    assert "Risk so far" in page
    _post(client, first, PROFILE)
    harm = f"/en/a/{token}/s/harm"
    _post(client, harm, {"targets": "no", "penalise": "no", "action": "save"})
    page = client.get(harm).text
    assert "Do not proceed as designed" in page
    assert "Red line" in page


def test_out_of_scope_notice(client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, {**PROFILE, "basis": "contract"})
    assert "A service contract is outside the scope." in client.get(f"/en/a/{token}/result").text
    # Said plainly on the very next page too, not only at the end.
    assert "Outside this tool" in client.get(f"/en/a/{token}/s/harm").text


def test_action_plan_is_saved_and_lowers_the_rating(client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    _post(client, f"/en/a/{token}/s/harm", {"targets": "no", "penalise": "yes"})
    result_url = f"/en/a/{token}/result"
    page = client.get(result_url).text
    assert "Proceed with conditions" in page
    data = {
        "csrf_token": csrf_token(page),
        "m-m_targets-owner": "Head of FIU",
        "m-m_targets-due": "2027-03-31",
        "m-m_targets-status": "planned",
    }
    response = client.post(f"/en/a/{token}/plan", data=data)
    assert response.status_code == 302
    page = client.get(result_url).text
    assert 'value="Head of FIU"' in page
    assert "(High before mitigation)" in page
    bad = {**data, "m-m_targets-due": "next spring"}
    response = client.post(f"/en/a/{token}/plan", data=bad)
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.text
    assert 'value="2027-03-31"' in client.get(result_url).text


def test_export_then_import_gives_a_new_identical_assessment(client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    exported = client.get(f"/en/a/{token}/export.json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(exported.text)
    assert data["questionnaire"] == "mini" and data["version"] == 1
    page = client.get("/en/").text
    from io import BytesIO

    response = client.post(
        "/en/import",
        data={"csrf_token": csrf_token(page), "file": (BytesIO(exported.data), "a.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    new_token = response.headers["Location"].split("/a/")[1].split("/")[0]
    assert new_token != token
    again = json.loads(client.get(f"/en/a/{new_token}/export.json").text)
    assert again == data


def test_import_rejects_a_bad_file_and_imports_nothing(app: Flask, client: FlaskClient) -> None:
    from io import BytesIO

    page = client.get("/en/").text
    bad = json.dumps(
        {"questionnaire": "mini", "version": 1, "answers": {"name": "ok", "ghost": "x"}}
    ).encode()
    for body, message in (
        (b"not json", "not valid JSON"),
        (bad, "unknown question ids: ghost"),
        (json.dumps({"questionnaire": "mini", "version": 9}).encode(), "version 9"),
    ):
        response = client.post(
            "/en/import",
            data={"csrf_token": csrf_token(page), "file": (BytesIO(body), "a.json")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert message in response.text
        assert "Nothing was imported" in response.text
    with app.app_context():
        from sqlalchemy import func, select

        from assess.models import Assessment

        with store().engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Assessment)) == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every wizard test runs on SQLite and on PostgreSQL."""
    return str(request.param)


def _page_state(client: FlaskClient, url: str) -> dict[str, str]:
    """What a browser holds after loading the page: its CSRF token and the hidden `base`."""
    import html

    page = client.get(url).text
    base = re.search(r'name="base" type="hidden" value="([^"]*)"', page) or re.search(
        r'type="hidden" name="base" value="([^"]*)"', page
    )
    assert base, "no base on the page"
    return {"csrf_token": csrf_token(page), "base": html.unescape(base.group(1))}


def test_two_tabs_never_silently_overwrite_each_other(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    other = app.test_client()  # a second person with the link
    mine, theirs = _page_state(client, first), _page_state(other, first)
    response = other.post(first, data={**theirs, **PROFILE, "name": "Their name"})
    assert response.status_code == 302
    response = client.post(first, data={**mine, **PROFILE, "name": "My name"})
    assert response.status_code == 409
    page = response.text
    assert "Someone else changed these answers" in page
    assert "My name" in page and "Their name" in page
    assert _stored(app, token)["name"] == "Their name"  # nothing from my page was saved
    # I choose to keep my answer.
    resolve = {
        "csrf_token": csrf_token(page),
        "action": "resolve",
        "base": __import__("html").unescape(re.search(r'name="base" value="([^"]*)"', page)[1]),
        "name": "My name",
        "sectors": ["bank"],
        "basis": "voluntary",
        "choice-name": "mine",
    }
    assert client.post(first, data=resolve).status_code == 302
    assert _stored(app, token)["name"] == "My name"


def test_changes_to_different_questions_are_merged(app: Flask, client: FlaskClient) -> None:
    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    other = app.test_client()
    mine, theirs = _page_state(client, first), _page_state(other, first)
    assert other.post(first, data={**theirs, **PROFILE, "basis": "contract"}).status_code == 302
    response = client.post(first, data={**mine, **PROFILE, "sectors": ["bank", "vessel"]})
    assert response.status_code == 302
    stored = _stored(app, token)
    assert stored["basis"] == "contract" and stored["sectors"] == ["bank", "vessel"]


def test_deleting_a_screening_removes_every_answer(app: Flask, client: FlaskClient) -> None:
    from sqlalchemy import func, select

    from assess.models import Answer, Assessment

    token, first = start_assessment(client)
    _post(client, first, PROFILE)
    page = client.get(f"/en/a/{token}/delete")
    assert "cannot be undone" in page.text
    assert _stored(app, token)  # asking changes nothing
    response = client.post(f"/en/a/{token}/delete", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert "have been deleted" in client.get(response.headers["Location"]).text
    assert client.get(f"/en/a/{token}/").status_code == 404
    with app.app_context(), store().engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Assessment)) == 0
        assert conn.scalar(select(func.count()).select_from(Answer)) == 0
    assert client.post(f"/en/a/{token}/delete", data={}).status_code == 400  # CSRF still applies


def test_an_imported_screening_is_named_by_its_answer_as_when_saved(
    app: Flask, client: FlaskClient
) -> None:
    from conftest import import_answers

    body = json.dumps(
        {"questionnaire": "mini", "version": 1, "title": "Old file title", "answers": {"name": "X"}}
    ).encode()
    token = import_answers(client, body)
    with app.app_context():
        assert store().get(token).title == "X"
    assert "X" in client.get("/en/").text and "Old file title" not in client.get("/en/").text
