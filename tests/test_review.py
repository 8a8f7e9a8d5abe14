"""Review and sign-off, the audit trail, and re-assessment: a ministry screens a partnership, a
reviewer approves it with conditions, and a year later the next version shows what changed. On
SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import csrf_token, import_answers
from flask import Flask
from flask.testing import FlaskClient

from assess.paths import resource
from assess.store import Locked

S1 = (
    resource("questionnaires")
    / "partnership-screening"
    / "scenarios"
    / "s1-fiu-bank-algorithm.json"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def real(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(questionnaires=resource("questionnaires"))


def _reviewer_link(client: FlaskClient, a: str) -> str:
    page = client.get(f"{a}/access").text
    client.post(
        f"{a}/access/share",
        data={"csrf_token": csrf_token(page), "action": "create", "link": "reviewer"},
    )
    found = re.search(
        r'href="(?:http://localhost)?(/en/r/[^/"]+/)"', client.get(f"{a}/access").text
    )
    assert found, "no reviewer link"
    return found[1]


def _submitted(real: Flask) -> tuple[FlaskClient, str, str, str]:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    a = f"/en/a/{token}"
    reviewer = _reviewer_link(client, a)
    summary = client.get(f"{a}/summary").text
    response = client.post(
        f"{a}/submit", data={"csrf_token": csrf_token(summary), "name": "Amina Diallo"}
    )
    assert response.status_code == 302
    return client, token, a, reviewer


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", " ", out)


def test_submitting_needs_a_name_and_every_answer(real: Flask) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    a = f"/en/a/{token}"
    summary = client.get(f"{a}/summary").text
    client.post(f"{a}/submit", data={"csrf_token": csrf_token(summary), "name": ""})
    assert "Please give your name" in client.get(f"{a}/summary").text
    store = real.extensions["assess.store"]
    store.save_answers(token, {"purpose": None})
    client.post(f"{a}/submit", data={"csrf_token": csrf_token(summary), "name": "Amina"})
    assert "Please answer every question before submitting" in client.get(f"{a}/summary").text
    assert store.get(token).status == "draft"


def test_a_submitted_screening_cannot_change_until_withdrawn(real: Flask) -> None:
    client, token, a, _reviewer = _submitted(real)
    store = real.extensions["assess.store"]
    assert store.get(token).status == "submitted"
    page = client.get(f"{a}/s/partnership").text
    response = client.post(
        f"{a}/s/partnership",
        data={"csrf_token": csrf_token(page), "base": "{}", "name": "Changed", "action": "save"},
    )
    assert response.status_code == 409
    assert "withdraw the submission" in response.text
    with pytest.raises(Locked):
        store.save_answers(token, {"name": "Changed"})
    summary = client.get(f"{a}/summary").text
    client.post(f"{a}/withdraw", data={"csrf_token": csrf_token(summary)})
    assert store.get(token).status == "draft"
    store.save_answers(token, {"name": "Changed"})


def test_the_reviewer_comments_and_the_author_sees_it(real: Flask) -> None:
    client, token, a, reviewer = _submitted(real)
    reviewer_client = real.test_client()
    page = reviewer_client.get(reviewer).text
    assert "Financial intelligence alliance" in page
    assert "Record the decision" in page
    response = reviewer_client.post(
        reviewer + "comment",
        data={
            "csrf_token": csrf_token(page),
            "question": "dnh_payee_side_typologies",
            "name": "K. Mensah",
            "text": "Which typologies follow the recipients? Attach the list.",
        },
    )
    assert response.status_code == 302
    store = real.extensions["assess.store"]
    assert store.get(token).status == "under_review"
    summary = client.get(f"{a}/summary").text
    assert "Which typologies follow the recipients? Attach the list." in summary
    assert "K. Mensah" in summary
    # An empty comment is refused with a message, and nothing else is lost.
    refused = reviewer_client.post(
        reviewer + "comment",
        data={"csrf_token": csrf_token(page), "question": "", "name": "K. Mensah", "text": ""},
    )
    assert refused.status_code == 422
    assert "Please write a comment" in refused.text
    assert 'value="K. Mensah"' in refused.text


def test_approval_with_conditions_freezes_the_version_and_signs_the_pdf(
    real: Flask, tmp_path: Path
) -> None:
    client, token, a, reviewer = _submitted(real)
    reviewer_client = real.test_client()
    page = reviewer_client.get(reviewer).text
    incomplete = reviewer_client.post(
        reviewer + "decision",
        data={"csrf_token": csrf_token(page), "decision": "approved_with_conditions", "name": "K"},
    )
    assert incomplete.status_code == 422
    assert "Please give your role or function." in incomplete.text
    decided = reviewer_client.post(
        reviewer + "decision",
        data={
            "csrf_token": csrf_token(page),
            "decision": "approved_with_conditions",
            "name": "Kofi Mensah",
            "role": "Director of legal affairs",
            "reason": "Approved on condition that human review precedes every interruption.",
        },
    )
    assert decided.status_code == 302
    store = real.extensions["assess.store"]
    record = store.get(token)
    assert record.status == "approved_with_conditions"
    exported = client.get(f"{a}/export.json").data
    # Anyone can check the signed snapshot: it is the SHA-256 of the exported answer file.
    assert record.frozen_sha256 == hashlib.sha256(exported).hexdigest()
    with pytest.raises(Locked):
        store.save_commitments(token, {})
    text = _pdf_text(client.get(f"{a}/report.pdf").data, tmp_path)
    assert "Sign-off" in text and "Approved with conditions" in text
    assert "Kofi Mensah, Director of legal affairs" in text
    assert record.frozen_sha256 in text
    assert "are those that were signed" in text
    assert "Annex: audit trail" in text
    # A decided version takes no more comments or decisions.
    again = reviewer_client.post(
        reviewer + "decision",
        data={
            "csrf_token": csrf_token(page),
            "decision": "refused",
            "name": "X",
            "role": "Y",
            "reason": "Z",
        },
    )
    assert again.status_code == 409


def test_the_audit_trail_names_who_changed_what(real: Flask) -> None:
    client, _token, a, reviewer = _submitted(real)
    reviewer_client = real.test_client()
    page = reviewer_client.get(reviewer).text
    reviewer_client.post(
        reviewer + "comment",
        data={"csrf_token": csrf_token(page), "question": "", "name": "K. Mensah", "text": "OK"},
    )
    summary = client.get(f"{a}/summary").text
    client.post(f"{a}/withdraw", data={"csrf_token": csrf_token(summary)})
    section = client.get(f"{a}/s/partnership").text
    base = re.search(r'name="base" type="hidden" value="([^"]*)"', section)
    assert base
    form = {
        "csrf_token": csrf_token(section),
        "base": base[1].replace("&#34;", '"'),
        "action": "save",
    }
    answers = json.loads(S1.read_text())["answers"]
    for key in ("name", "description", "partners", "legal_basis"):
        form[key] = answers[key]
    form["sectors"] = answers["sectors"]
    form["purpose"] = answers["purpose"]
    form["partners"] = "A new list of partners"
    assert client.post(f"{a}/s/partnership", data=form).status_code == 302
    history = client.get(f"{a}/history").text
    assert "Imported from an answer file" in history
    assert "Status changed" in history and "Submitted for review" in history
    assert "Reviewer: K. Mensah" in history
    assert "Answer changed: Who are the partners?" in history
    assert "A new list of partners" in history
    assert "Author: Amina Diallo" in history


def test_a_year_later_the_next_version_shows_what_changed(real: Flask, tmp_path: Path) -> None:
    client, token, a, reviewer = _submitted(real)
    reviewer_client = real.test_client()
    page = reviewer_client.get(reviewer).text
    reviewer_client.post(
        reviewer + "decision",
        data={
            "csrf_token": csrf_token(page),
            "decision": "approved_with_conditions",
            "name": "Kofi Mensah",
            "role": "Director",
            "reason": "Conditions: M1 to M3.",
        },
    )
    summary = client.get(f"{a}/summary").text
    assert "Review this partnership: start version 2" in summary
    response = client.post(f"{a}/new-version", data={"csrf_token": csrf_token(summary)})
    assert response.status_code == 302
    new = re.search(r"/a/([^/]+)/", response.headers["Location"])
    assert new and new[1] != token
    store = real.extensions["assess.store"]
    v1, v2 = store.get(token), store.get(new[1])
    assert (v1.version_number, v2.version_number) == (1, 2)
    assert v2.status == "draft" and v2.answers == v1.answers
    # The design improved: payments are interrupted only after human review.
    store.save_answers(new[1], {"dnh_payee_side_typologies": "yes"})
    assert v1.status == "approved_with_conditions"
    assert store.get(token).answers == v1.answers  # the signed version never changes
    compare = client.get(f"/en/a/{new[1]}/compare").text
    assert "What changed since version 1" in compare
    assert "Answers that changed" in compare
    assert "Are the partnership&#39;s financial indicators" in compare
    assert "Progress of the action plan" in compare
    text = _pdf_text(client.get(f"/en/a/{new[1]}/report.pdf").data, tmp_path)
    assert "What changed since version 1" in text
    assert "Open version 2" in client.get(f"{a}/summary").text


def test_an_unknown_or_revoked_reviewer_link_is_not_found(real: Flask) -> None:
    client, _token, a, reviewer = _submitted(real)
    assert real.test_client().get("/en/r/not-a-link/").status_code == 404
    page = client.get(f"{a}/access").text
    client.post(
        f"{a}/access/share",
        data={"csrf_token": csrf_token(page), "action": "revoke", "link": "reviewer"},
    )
    assert real.test_client().get(reviewer).status_code == 404


# --- the assessor's own findings ------------------------------------------------------------------


def _own_form(page: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(page),
        "check": "do_no_harm",
        "severity": "critical",
        "title": "Escrow agents are pressed to inform on families",
        "risk": "Hawala agents may be pushed to report the relatives who pay, exposing them.",
        "mitigation": "Agree in writing that escrow agents are never asked about payers.",
        **fields,
    }


def test_an_own_finding_counts_and_is_marked_in_every_report(real: Flask, tmp_path: Path) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    a = f"/en/a/{token}"
    page = client.get(f"{a}/result").text
    assert "Add a finding of your own" in page
    refused = client.post(f"{a}/own", data=_own_form(page, title=""))
    assert refused.status_code == 422
    assert "The finding was not added" in refused.text
    assert "Hawala agents may be pushed" in refused.text  # what was typed is kept
    added = client.post(f"{a}/own", data=_own_form(page))
    assert added.status_code == 302
    result = client.get(f"{a}/result").text
    assert "Escrow agents are pressed to inform on families" in result
    assert "Assessor's own finding" in result
    assert "Redesign before signing" in result  # a critical finding of one's own counts
    # Its mitigation is in the action plan like any other, and committing to it lowers it.
    plan = {
        "csrf_token": csrf_token(result),
        "m-own-1-owner": "FIU legal",
        "m-own-1-due": "2027-03-01",
    }
    assert client.post(f"{a}/plan", data=plan).status_code == 302
    assert "Proceed with conditions" in client.get(f"{a}/result").text
    text = _pdf_text(client.get(f"{a}/report.pdf").data, tmp_path)
    assert "Escrow agents are pressed to inform on families" in text
    assert "Assessor's own finding" in text
    exported = json.loads(client.get(f"{a}/export.json").text)
    assert exported["own_findings"][0]["id"] == "own-1"
    assert exported["mitigations"]["own-1"]["owner"] == "FIU legal"
    again = import_answers(client, json.dumps(exported).encode())
    assert "Escrow agents are pressed" in client.get(f"/en/a/{again}/result").text
    removed = client.post(f"{a}/own/own-1/remove", data={"csrf_token": csrf_token(result)})
    assert removed.status_code == 302
    store = real.extensions["assess.store"]
    assert store.get(token).own_findings == ()
    assert "own-1" not in store.get(token).commitments


def test_a_file_with_a_wrong_own_finding_is_refused_whole(real: Flask) -> None:
    data = json.loads(S1.read_text())
    data["own_findings"] = [{"id": "own-1", "check": "no_such_check", "severity": "dire"}]
    client = real.test_client()
    from io import BytesIO

    page = client.get("/en/").text
    response = client.post(
        "/en/import",
        data={
            "csrf_token": csrf_token(page),
            "file": (BytesIO(json.dumps(data).encode()), "a.json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert (
        "own finding 1: wrong or missing check, severity, title, risk, mitigation" in response.text
    )


def test_files_without_own_findings_keep_their_fingerprint() -> None:
    from assess.answers import loads
    from assess.questionnaire import Registry

    data = loads(S1.read_bytes(), Registry.from_folder(resource("questionnaires")))
    assert "own_findings" not in json.loads(data.to_json())


def test_the_next_version_keeps_the_own_findings(real: Flask) -> None:
    from assess.store import Actor

    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    store = real.extensions["assess.store"]
    store.add_own_finding(token, "privacy", "high", "Title", "Risk", "Mitigation")
    store.set_reviewer(token, True)
    reviewer = store.get(token).reviewer_token
    store.submit(token, Actor("author", "A"))
    store.decide(reviewer, "approved", "R", "Director", "Fine.")
    with pytest.raises(Locked):
        store.add_own_finding(token, "privacy", "high", "T", "R", "M")
    new = store.new_version(token, Actor("author", "A"))
    assert [o.title for o in store.get(new).own_findings] == ["Title"]


def test_questions_say_which_side_can_answer_them(real: Flask) -> None:
    from assess.questionnaire import Registry

    definition = Registry.from_folder(resource("questionnaires")).latest()
    audiences = {q.id: q.audience for q in definition.questions.values()}
    assert audiences["gp14_exit_clause"] == "private"  # the business's own due diligence
    assert audiences["nr_return_safeguards"] == "authority"  # returns are the State's
    assert audiences["priv_purpose_lock"] == "both"  # the partnership's design
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    page = client.get(f"/en/a/{token}/s/gp14").text
    assert page.count("For the private partner") >= 10
    assert "For the public authority" not in page  # its one such question is for State owners
