"""Workshops and the case library: what trainers, participants and self-learners rely on, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
import subprocess

import pytest
import segno
from conftest import csrf_token
from flask import Flask
from flask.testing import FlaskClient

from assess.cases import CaseLibrary
from assess.labels import VERDICTS
from assess.paths import resource
from assess.questionnaire import Registry

REAL = resource("questionnaires")
REGISTRY = Registry.from_folder(REAL)
LIBRARY = CaseLibrary.from_folder(REAL, REGISTRY)
VERDICT_WORDS = {
    "proceed": "Proceed",
    "proceed_with_conditions": "Proceed with conditions",
    "redesign": "Redesign before signing",
    "do_not_proceed": "Do not proceed as designed",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def real(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(questionnaires=REAL)


# --- the case library ----------------------------------------------------------------------------


def test_the_library_has_at_least_eight_cases_drawn_from_the_seed() -> None:
    assert len(LIBRARY) >= 8
    for required in ("s1-", "s2-", "s3-", "s6-", "s8-"):
        assert any(c.id.startswith(required) for c in LIBRARY), required
    for case in LIBRARY:
        assert re.search(r"seed paras?\.? \d", case.case.seed), case.id


@pytest.mark.parametrize("case_id", [c.id for c in LIBRARY])
def test_each_case_is_a_narrative_of_300_to_600_words(case_id: str) -> None:
    case = LIBRARY.get(case_id)
    assert case is not None
    words = sum(len(p.split()) for p in case.case.narrative)
    assert 300 <= words <= 600, words


@pytest.mark.parametrize("case_id", [c.id for c in LIBRARY])
def test_trainer_notes_state_the_verdict_that_the_model_answers_give(case_id: str) -> None:
    """The written reasons and the computed outcome can never drift apart silently."""
    case = LIBRARY.get(case_id)
    assert case is not None
    assert case.expected.complete
    notes = " ".join(case.case.trainer_notes.expected)
    assert VERDICT_WORDS[case.expected.verdict] in notes
    assert set(VERDICT_WORDS) == set(VERDICTS)


def test_participants_never_see_trainer_notes(real: Flask) -> None:
    client = real.test_client()
    trainer = _create(client, cases=[c.id for c in LIBRARY])
    code = _code(client.get(trainer).text)
    for number, case in enumerate(LIBRARY):
        participant = real.test_client()
        first = _join(participant, code, f"Group {number}")
        a = first.split("/s/")[0]
        pages = [
            participant.get(first).text,
            participant.get(f"{a}/summary").text,
            participant.get(f"{a}/result").text,
            participant.get(f"{a}/report").text,
            participant.get(f"/en/cases/{case.id}").text,
        ]
        for page in pages:
            assert "Trainer notes" not in page
            assert "Expected outcome" not in page
            for secret in (*case.case.trainer_notes.expected, *case.case.trainer_notes.discussion):
                assert _escaped(secret) not in page


def test_self_study_starts_from_a_case_and_ends_with_the_expected_outcome(real: Flask) -> None:
    client = real.test_client()
    case = LIBRARY.get("s6-law-firms-pro-bono")
    assert case is not None
    page = client.get("/en/cases/")
    assert _escaped(case.case.title) in page.text
    detail = client.get(f"/en/cases/{case.id}").text
    assert _escaped(case.case.narrative[0]) in detail
    response = client.post(f"/en/cases/{case.id}/start", data={"csrf_token": csrf_token(detail)})
    assert response.status_code == 302
    first = client.get(response.headers["Location"]).text
    assert _escaped(case.case.narrative[0]) in first  # the case stays beside the questions
    a = response.headers["Location"].split("/s/")[0]
    result = client.get(f"{a}/result").text
    assert "Compare with the expected outcome" in result
    assert _escaped(case.case.trainer_notes.discussion[0]) in result


def test_an_unknown_case_is_not_found(real: Flask) -> None:
    assert real.test_client().get("/en/cases/no-such-case").status_code == 404


# --- creating and joining -----------------------------------------------------------------------


def test_creating_a_workshop_needs_a_case_and_keeps_what_was_typed(real: Flask) -> None:
    client = real.test_client()
    page = client.get("/en/workshops/new").text
    response = client.post(
        "/en/workshops/new",
        data={"csrf_token": csrf_token(page), "title": "Tunis, 3 March", "language": "fr"},
    )
    assert response.status_code == 422
    assert "Please choose at least one case." in response.text
    assert 'value="Tunis, 3 March"' in response.text


def test_participants_join_with_the_code_however_it_is_typed(real: Flask) -> None:
    client = real.test_client()
    trainer = _create(client, language="fr", cases=["s1-fiu-bank-algorithm"])
    code = _code(client.get(trainer).text)
    typed = f" {code[:3].lower()}-{code[3:]} "
    first = _join(real.test_client(), typed, "Ministry team")
    assert first.startswith("/fr/a/")  # the workshop's language
    dashboard = client.get(trainer).text
    assert "Ministry team" in dashboard
    assert "1 joined, 0 started, 0 finished." in dashboard


def test_a_name_is_taken_once_per_workshop(real: Flask) -> None:
    client = real.test_client()
    trainer = _create(client, cases=["s1-fiu-bank-algorithm"])
    code = _code(client.get(trainer).text)
    _join(real.test_client(), code, "Table 4")
    again = real.test_client()
    page = again.get("/en/join").text
    response = again.post(
        "/en/join", data={"csrf_token": csrf_token(page), "code": code, "name": " table  4 "}
    )
    assert response.status_code == 422
    assert "already uses this name" in response.text
    assert code in response.text  # the code typed is kept


def test_a_wrong_code_is_refused_clearly(real: Flask) -> None:
    client = real.test_client()
    page = client.get("/en/join").text
    response = client.post(
        "/en/join", data={"csrf_token": csrf_token(page), "code": "ZZZ999", "name": "Bank team"}
    )
    assert response.status_code == 404
    assert "No workshop has this code" in response.text
    assert 'value="Bank team"' in response.text


def test_cases_are_shared_out_in_turn(real: Flask) -> None:
    client = real.test_client()
    cases = ["s1-fiu-bank-algorithm", "s3-airlines-document-fraud", "s6-law-firms-pro-bono"]
    trainer = _create(client, cases=cases)
    code = _code(client.get(trainer).text)
    assigned = []
    for n in range(6):
        participant = real.test_client()
        page = participant.get(_join(participant, code, f"Group {n}")).text
        found = re.search(r'data-case="([^"]+)"', page)
        assert found
        assigned.append(found[1])
    assert sorted(assigned) == sorted(cases * 2)


def test_the_qr_code_carries_the_join_address(real: Flask) -> None:
    client = real.test_client()
    trainer = _create(client, language="ar", cases=["s1-fiu-bank-algorithm"])
    page = client.get(trainer).text
    code = _code(page)
    url = f"http://localhost/ar/join/{code}"
    assert url in page
    drawn = segno.make(url, error="m").svg_data_uri(scale=1, border=4, dark="#000", light="#fff")
    assert f'src="{drawn}"' in page
    # Where it leads: the join form, code filled in.
    joining = real.test_client().get(f"/ar/join/{code}").text
    assert f'value="{code}"' in joining
    # Opened on a loopback address, the dashboard warns that the room cannot reach it.
    assert "This address only works on this computer" in page


def test_joins_are_rate_limited_per_workshop(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(questionnaires=REAL, RATELIMIT_ENABLED=True, WORKSHOP_JOIN_RATE="3 per minute")
    client = app.test_client()
    trainer = _create(client, cases=["s1-fiu-bank-algorithm"])
    code = _code(client.get(trainer).text)
    for n in range(3):
        _join(app.test_client(), code, f"Group {n}")
    late = app.test_client()
    page = late.get("/en/join").text
    response = late.post(
        "/en/join", data={"csrf_token": csrf_token(page), "code": code, "name": "Group 9"}
    )
    assert response.status_code == 429


def test_a_full_workshop_says_so(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(questionnaires=REAL, WORKSHOP_MAX_PARTICIPANTS=2)
    client = app.test_client()
    code = _code(client.get(_create(client, cases=["s1-fiu-bank-algorithm"])).text)
    _join(app.test_client(), code, "A")
    _join(app.test_client(), code, "B")
    late = app.test_client()
    page = late.get("/en/join").text
    response = late.post(
        "/en/join", data={"csrf_token": csrf_token(page), "code": code, "name": "C"}
    )
    assert response.status_code == 409
    assert "This workshop is full (2 participants)" in response.text


# --- the dashboard and its exports -------------------------------------------------------------


def _workshop_with_answers(real: Flask) -> tuple[FlaskClient, str, list[str]]:
    """Two groups on S1 (the bank's departs from the model answers) and two on S6 (cases are
    shared out in turn: S1, S6, S1, S6)."""
    client = real.test_client()
    trainer = _create(client, cases=["s1-fiu-bank-algorithm", "s6-law-firms-pro-bono"])
    code = _code(client.get(trainer).text)
    store = real.extensions["assess.store"]
    tokens = []
    for name in ("Ministry", "Law firm", "Bank", "Civil society"):
        first = _join(real.test_client(), code, name)
        tokens.append(first.split("/a/")[1].split("/")[0])
    s1 = LIBRARY.get("s1-fiu-bank-algorithm")
    s6 = LIBRARY.get("s6-law-firms-pro-bono")
    assert s1 is not None and s6 is not None
    store.save_answers(tokens[0], dict(s1.reference.answers))
    store.save_answers(tokens[1], dict(s6.reference.answers))
    store.save_answers(tokens[2], {**s1.reference.answers, "dnh_payee_side_typologies": "no"})
    store.save_answers(tokens[3], dict(s6.reference.answers))
    return client, trainer, tokens


def test_the_dashboard_compares_groups_with_the_expected_outcome(real: Flask) -> None:
    client, trainer, _tokens = _workshop_with_answers(real)
    page = client.get(trainer).text
    assert "4 joined, 4 started, 4 finished." in page
    assert "Expected (model answers)" in page
    assert page.count("Proceed with conditions") >= 2
    # The disagreement is listed, with who answered what and the model answer marked.
    s1 = LIBRARY.get("s1-fiu-bank-algorithm")
    assert s1 is not None
    divergent = page.split("Where the groups disagree most", 1)[1].split("Trainer notes", 1)[0]
    label = s1.definition.questions["dnh_payee_side_typologies"].label
    assert _escaped(label) in divergent
    assert "Bank" in divergent and "model answer" in divergent
    # Beside the trainer notes.
    assert _escaped(s1.case.trainer_notes.discussion[0]) in page
    # The live part alone, for the script; the same figures.
    live = client.get(trainer + "live")
    assert live.status_code == 200
    assert "<html" not in live.text and "4 joined, 4 started, 4 finished." in live.text
    assert 'src="/static/workshop.js' in page  # refreshes itself where scripts run
    assert f'href="{trainer}">Refresh</a>' in page  # and by a link where they do not


def test_the_csv_holds_every_answer_and_defuses_formulas(real: Flask) -> None:
    client, trainer, tokens = _workshop_with_answers(real)
    real.extensions["assess.store"].save_answers(
        tokens[0], {}, notes={"name": '=HYPERLINK("http://x")'}
    )
    response = client.get(trainer + "answers.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    by_group: dict[str, int] = {}
    for row in rows:
        by_group[row["participant"]] = by_group.get(row["participant"], 0) + 1
    s1 = LIBRARY.get("s1-fiu-bank-algorithm")
    assert s1 is not None
    assert by_group["Ministry"] == len(s1.reference.answers)
    bank = next(
        r
        for r in rows
        if r["participant"] == "Bank" and r["question_id"] == "dnh_payee_side_typologies"
    )
    assert bank["answer_ids"] == "no" and bank["answer"] == "No"
    note = next(r for r in rows if r["participant"] == "Ministry" and r["question_id"] == "name")
    assert note["notes"].startswith("'=HYPERLINK")


def test_the_summary_pdf_shows_spread_divergence_and_expected_outcome(
    real: Flask, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client, trainer, _tokens = _workshop_with_answers(real)
    response = client.get(trainer + "summary.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = re.sub(r"\s+", " ", text)
    s1 = LIBRARY.get("s1-fiu-bank-algorithm")
    assert s1 is not None
    for needle in ("Spread of verdicts", "Where the groups disagree most", "Expected outcome"):
        assert needle in text
    assert s1.case.title in text
    assert "Proceed with conditions (expected)" in text


def test_closing_stops_changes_and_keeps_every_answer(real: Flask) -> None:
    client, trainer, tokens = _workshop_with_answers(real)
    store = real.extensions["assess.store"]
    before = store.get(tokens[0]).answers
    page = client.get(trainer).text
    client.post(trainer + "close", data={"csrf_token": csrf_token(page), "action": "close"})
    participant = real.test_client()
    section = participant.get(f"/en/a/{tokens[0]}/s/partnership").text
    assert "closed this workshop" in section
    response = participant.post(
        f"/en/a/{tokens[0]}/s/partnership",
        data={"csrf_token": csrf_token(section), "base": "{}", "name": "Changed", "action": "save"},
    )
    assert response.status_code == 409
    assert "The workshop is closed" in response.text
    assert store.get(tokens[0]).answers == before
    # Nobody new can join a closed workshop.
    code = _code(page)
    late = real.test_client()
    join = late.get("/en/join").text
    refused = late.post(
        "/en/join", data={"csrf_token": csrf_token(join), "code": code, "name": "Late"}
    )
    assert refused.status_code == 409
    # Reopened, it takes changes again.
    client.post(trainer + "close", data={"csrf_token": csrf_token(page), "action": "reopen"})
    store.save_answers(tokens[0], {"name": "Changed"})


def test_deleting_a_workshop_deletes_every_participants_answers(real: Flask) -> None:
    client, trainer, tokens = _workshop_with_answers(real)
    page = client.get(trainer + "delete").text
    response = client.post(trainer + "delete", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert client.get(trainer).status_code == 404
    for token in tokens:
        assert real.test_client().get(f"/en/a/{token}/summary").status_code == 404
    store = real.extensions["assess.store"]
    from sqlalchemy import text

    with store.engine.connect() as conn:
        for table in ("answer", "assessment", "workshop"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_workshop_participants_cannot_delete_or_share_their_screening(real: Flask) -> None:
    _client, _trainer, tokens = _workshop_with_answers(real)
    summary = real.test_client().get(f"/en/a/{tokens[0]}/summary").text
    assert "Delete this screening" not in summary
    assert "Links and passphrase" not in summary


def test_the_start_page_lists_this_browsers_workshops(real: Flask) -> None:
    client = real.test_client()
    trainer = _create(client, title="Dakar training", cases=["s8-media-ethical-coverage"])
    start = client.get("/en/").text
    assert "Dakar training" in start and f'href="{trainer}"' in start
    assert "Dakar training" not in real.test_client().get("/en/").text


def test_an_unknown_trainer_link_is_not_found(real: Flask) -> None:
    client = real.test_client()
    assert client.get("/en/w/not-a-workshop/").status_code == 404
    assert client.get("/en/w/not-a-workshop/answers.csv").status_code == 404


# --- helpers -----------------------------------------------------------------------------------


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def _create(client: FlaskClient, cases: list[str], language: str = "en", title: str = "") -> str:
    page = client.get("/en/workshops/new").text
    response = client.post(
        "/en/workshops/new",
        data={"csrf_token": csrf_token(page), "title": title, "language": language, "cases": cases},
    )
    assert response.status_code == 302, response.text
    location: str = response.headers["Location"]
    return location


def _code(dashboard: str) -> str:
    found = re.search(
        r'class="join-code" dir="ltr"><span[^>]*>[^<]*</span>(\w{3}) (\w{3})', dashboard
    )
    assert found, "no join code on the dashboard"
    return found[1] + found[2]


def _join(client: FlaskClient, code: str, name: str) -> str:
    page = client.get("/en/join").text
    response = client.post(
        "/en/join", data={"csrf_token": csrf_token(page), "code": code, "name": name}
    )
    assert response.status_code == 302, response.text
    location: str = response.headers["Location"]
    return location


def test_purging_old_drafts_leaves_workshop_screenings_to_their_trainer(real: Flask) -> None:
    from datetime import UTC, datetime, timedelta

    _client, _trainer, tokens = _workshop_with_answers(real)
    store = real.extensions["assess.store"]
    assert store.purge_drafts(datetime.now(UTC) + timedelta(days=1)) == 0
    assert store.get(tokens[0]).answers
