"""Both sides of the partnership: the partner answers its questions through its own link; where
the sides disagree, the more severe answer counts and a disagreement is listed to settle before
signature. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import csrf_token, import_answers
from flask import Flask
from flask.testing import FlaskClient

from assess.paths import resource
from assess.questionnaire import Registry

S1 = (
    resource("questionnaires")
    / "partnership-screening"
    / "scenarios"
    / "s1-fiu-bank-algorithm.json"
)
DEFINITION = Registry.from_folder(resource("questionnaires")).latest()
SECRET_NOTE = "Internal: the ministry doubts the banks' figures"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def real(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(questionnaires=resource("questionnaires"))


def _invite(real: Flask) -> tuple[FlaskClient, str, str]:
    """A ministry's screening of S1 (with a private note), and the bank invited: (author's client,
    edit-link prefix, partner-link prefix)."""
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    real.extensions["assess.store"].save_answers(
        token, {}, notes={"priv_purpose_lock": SECRET_NOTE}
    )
    a = f"/en/a/{token}"
    page = client.get(f"{a}/access").text
    client.post(
        f"{a}/access/share",
        data={
            "csrf_token": csrf_token(page),
            "action": "create",
            "link": "partner",
            "partner_name": "Bank of the Coast",
        },
    )
    found = re.search(
        r'href="(?:http://localhost)?(/en/p/[^/"]+/)"', client.get(f"{a}/access").text
    )
    assert found, "no partner link"
    return client, a, found[1]


def _answer(partner: FlaskClient, p: str, section: str, **answers: str) -> None:
    page = partner.get(f"{p}s/{section}").text
    base = re.search(r'name="base" type="hidden" value="([^"]*)"', page)
    assert base
    data = {"csrf_token": csrf_token(page), "base": base[1].replace("&#34;", '"'), "action": "save"}
    data.update(answers)
    assert partner.post(f"{p}s/{section}", data=data).status_code == 302


def test_the_partner_sees_its_questions_and_nothing_of_the_authors(real: Flask) -> None:
    _client, _a, p = _invite(real)
    partner = real.test_client()
    start = partner.get(p).text
    assert "Bank of the Coast" in start
    for section in ("privacy", "gp14"):
        page = partner.get(f"{p}s/{section}").text
        fields = re.findall(r'<(?:input|textarea)[^>]*name="([a-z0-9_]+)"', page)
        names = set(fields) - {"csrf_token", "base"}
        questions = {n for n in names if not n.endswith("__notes")}
        assert questions
        for question_id in questions:
            q = DEFINITION.questions[question_id]
            assert q.audience in ("private", "both") and q.type != "text"
        assert SECRET_NOTE not in page
        assert not re.search(r"<input[^>]*\bchecked\b", page)  # no answer of the author's
    assert partner.get(f"{p}s/no_such_section").status_code == 404


def test_a_disagreement_scores_the_more_severe_answer_and_is_listed(
    real: Flask, tmp_path: Path
) -> None:
    client, a, p = _invite(real)
    partner = real.test_client()
    # The ministry says the purpose lock is partial; the bank says there is none.
    _answer(partner, p, "privacy", priv_purpose_lock="no", priv_purpose_lock__notes="No clause yet")
    result = client.get(f"{a}/result").text
    label = DEFINITION.questions["priv_purpose_lock"].label
    assert "The partners disagree:" in result
    assert "(scored)" in result
    summary = client.get(f"{a}/summary").text
    assert "The private partner answered:" in summary and "No clause yet" in summary
    model = json.loads(client.get(f"{a}/report.json").text)
    disagreement = [
        f
        for c in model["checks"].values()
        for f in c["findings"]
        if f["id"].startswith("disagree-")
    ]
    assert [f["id"] for f in disagreement] == ["disagree-priv_purpose_lock"]
    assert disagreement[0]["severity"] == "high"
    # The partner's "no" is the more severe answer: its finding is the one raised.
    privacy = {f["id"] for f in model["checks"]["privacy"]["findings"]}
    assert any(f.startswith("priv_purpose") and "partly" not in f for f in privacy), privacy
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=client.get(f"{a}/report.pdf").data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    text = re.sub(r"\s+", " ", text)
    assert "The partners disagree" in text
    assert "The private partner answered:" in text
    assert label[:40] in text
    # Settled: the ministry agrees with the bank, and the disagreement goes.
    real.extensions["assess.store"].save_answers(a.split("/a/")[1], {"priv_purpose_lock": "no"})
    assert "The partners disagree:" not in client.get(f"{a}/result").text


def test_the_partners_side_travels_in_the_answer_file_and_the_audit_trail(real: Flask) -> None:
    client, a, p = _invite(real)
    _answer(real.test_client(), p, "gp14", gp14_exit_clause="no")
    exported = json.loads(client.get(f"{a}/export.json").text)
    assert exported["partner_answers"] == {"gp14_exit_clause": "no"}
    assert exported["answers"]["gp14_exit_clause"] != "no"
    again = import_answers(client, json.dumps(exported).encode())
    assert "The partners disagree:" in client.get(f"/en/a/{again}/result").text
    history = html.unescape(client.get(f"{a}/history").text)
    assert "Private partner: Bank of the Coast" in history
    assert "Partner's answer changed" in history


def test_the_partner_cannot_change_a_submitted_screening_and_a_revoked_link_stops(
    real: Flask,
) -> None:
    client, a, p = _invite(real)
    summary = client.get(f"{a}/summary").text
    client.post(f"{a}/submit", data={"csrf_token": csrf_token(summary), "name": "Amina"})
    partner = real.test_client()
    page = partner.get(f"{p}s/gp14").text
    base = re.search(r'name="base" type="hidden" value="([^"]*)"', page)
    assert base
    response = partner.post(
        f"{p}s/gp14",
        data={
            "csrf_token": csrf_token(page),
            "base": base[1].replace("&#34;", '"'),
            "gp14_exit_clause": "no",
            "action": "save",
        },
    )
    assert response.status_code == 409
    assert a.split("/a/")[1] not in response.text  # the edit link never reaches the partner
    access = client.get(f"{a}/access").text
    client.post(
        f"{a}/access/share",
        data={"csrf_token": csrf_token(access), "action": "revoke", "link": "partner"},
    )
    assert real.test_client().get(p).status_code == 404


def test_no_partner_page_carries_the_edit_link(real: Flask) -> None:
    _client, a, p = _invite(real)
    token = a.split("/a/")[1]
    partner = real.test_client()
    pages = [partner.get(p).text, partner.get(f"{p}done").text]
    pages += [partner.get(f"{p}s/{s}").text for s in ("partnership", "privacy", "gp14")]
    for page in pages:
        assert token not in page
