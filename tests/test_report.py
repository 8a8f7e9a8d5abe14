"""The risk report: one model for the page, the PDF and the JSON; safe against hostile text."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from conftest import csrf_token, import_answers
from flask import Flask

from assess.cli import main
from assess.paths import resource

SCENARIOS = resource("questionnaires") / "partnership-screening" / "scenarios"
S1 = SCENARIOS / "s1-fiu-bank-algorithm.json"
HOSTILE = (
    '<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://127.0.0.1:9/x.css"> '
    "<style>body{display:none}</style> <script>alert(1)</script> "
    '<a href="javascript:alert(2)">click</a>'
)


@pytest.fixture
def real(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(questionnaires=resource("questionnaires"))


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode())


def test_report_page_has_every_part_in_order(real: Flask) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    page = client.get(f"/en/a/{token}/report").text
    parts = [
        "Risk report",
        "Proceed with conditions",
        "Rating per check",
        "<svg",
        'id="check-do_no_harm"',
        "Action plan",
        "Checks that do not apply",
        "Appendix: the answers",
        "Sources",
    ]
    positions = [page.index(p) for p in parts]
    assert positions == sorted(positions)
    assert "PPS-" in page and "Download PDF" in page
    assert token not in page.split("</form>")[-1]  # the secret link is not printed in the report


def test_pdf_text_fonts_tags_and_footer(real: Flask, tmp_path: Path) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    response = client.get(f"/en/a/{token}/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    pdf = response.data
    text = _pdftotext(pdf, tmp_path)
    exported = client.get(f"/en/a/{token}/export.json").data
    sha = hashlib.sha256(exported).hexdigest()
    for expected in (
        "Proceed with conditions",
        "Some indicators still point at those who pay rather than those who receive",
        "Answer given:",
        "Action plan",
        "Appendix: the answers",
        "Instruments and documents cited",
        f"SHA-256 {sha}",
        "Page 1 of",
    ):
        assert expected in text, expected
    with pikepdf.open(BytesIO(pdf)) as document:
        pages = len(document.pages)
        root = document.Root
        assert root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in root
        assert str(root.Lang) == "en"
        assert "Risk report" in str(document.open_metadata().get("dc:title", ""))
    assert f"Page {pages} of {pages}" in text
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded


def test_a4_by_default_and_us_letter_on_request(real: Flask) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    for query, size in (("", (595, 842)), ("?paper=letter", (612, 792))):
        pdf = client.get(f"/en/a/{token}/report.pdf{query}").data
        with pikepdf.open(BytesIO(pdf)) as document:
            box = [round(float(v)) for v in document.pages[0].MediaBox]
        assert (box[2], box[3]) == size


def test_hostile_free_text_is_printed_literally_and_nothing_is_fetched(
    real: Flask, tmp_path: Path, monkeypatch
) -> None:
    from assess.report import render as render_module

    refused: list[str] = []
    original = render_module.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):  # type: ignore[no-untyped-def]
        try:
            return original(self, url, headers)
        except ValueError:
            refused.append(url)
            raise

    monkeypatch.setattr(render_module.StaticOnlyFetcher, "fetch", spy)
    data = json.loads(S1.read_text())
    for question in ("name", "partners", "description"):
        data["answers"][question] = HOSTILE[:200] if question == "name" else HOSTILE
    data["notes"] = {q: HOSTILE for q in ("sectors", "purpose", "dnh_success_indicators")}
    data["assessor"] = HOSTILE[:200]
    client = real.test_client()
    token = import_answers(client, json.dumps(data).encode())
    page = client.get(f"/en/a/{token}/report").text
    assert "<script>alert" not in page and "<img src=" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    pdf = client.get(f"/en/a/{token}/report.pdf").data
    text = _pdftotext(pdf, tmp_path)
    assert '<img src="file:///etc/passwd">' in text
    assert "<script>alert(1)</script>" in text
    assert 'href="javascript:alert(2)"' in text
    assert "root:x:0:0" not in text
    assert refused == []  # escaped text never became a URL to fetch


def test_the_fetcher_refuses_everything_outside_the_static_folder() -> None:
    from assess.report.render import StaticOnlyFetcher

    fetcher = StaticOnlyFetcher(resource("static"))
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        f"file://{resource('static')}/../README.md",
        "https://example.org/font.woff",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused and len(fetcher.refused) == 4
    assert fetcher.fetch((resource("static") / "report.css").as_uri()).read()
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


def test_committed_mitigations_show_in_the_action_plan(real: Flask) -> None:
    data = json.loads(S1.read_text())
    data["mitigations"] = {
        "m_priv_purpose_clause": {"owner": "FIU legal service", "due": "2020-01-31"},
    }
    client = real.test_client()
    token = import_answers(client, json.dumps(data).encode())
    page = client.get(f"/en/a/{token}/report").text
    assert "FIU legal service" in page
    assert "late" in page  # a planned mitigation past its due date


def test_assessor_is_saved_and_printed(real: Flask) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    page = client.get(f"/en/a/{token}/report").text
    response = client.post(
        f"/en/a/{token}/assessor",
        data={"csrf_token": csrf_token(page), "assessor": "A. Official, Ministry of the Interior"},
    )
    assert response.status_code == 302
    assert "A. Official, Ministry of the Interior" in client.get(f"/en/a/{token}/report").text


def test_failed_render_leaves_the_assessment_untouched(real: Flask, monkeypatch) -> None:
    from assess.report import RenderError
    from assess.web import report as report_view

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RenderError("boom")

    monkeypatch.setattr(report_view, "render_pdf", broken)
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    before = client.get(f"/en/a/{token}/export.json").data
    response = client.get(f"/en/a/{token}/report.pdf")
    assert response.status_code == 500
    assert "The PDF could not be produced" in response.text
    assert client.get(f"/en/a/{token}/export.json").data == before


def test_cli_report_writes_pdf_html_and_json(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "instance"))
    runner = CliRunner()
    for fmt in ("json", "html", "pdf"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(main, ["report", str(S1), "-o", str(out), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    model = json.loads((tmp_path / "report.json").read_text())
    assert model["verdict"] == "proceed_with_conditions"
    assert model["checks"]["privacy"]["rating"] == "high"
    assert model["sources"][0]["number"] == 1
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    html = (tmp_path / "report.html").read_text()
    assert "Proceed with conditions" in html


def test_export_then_import_gives_the_same_scoring_and_report(real: Flask) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    exported = client.get(f"/en/a/{token}/export.json").data
    again = import_answers(client, exported)
    assert again != token

    def model(t: str) -> dict[str, object]:
        data = json.loads(client.get(f"/en/a/{t}/report.json").text)
        # The audit trail is each screening's own history (when it was imported), not its content.
        for volatile in ("reference", "generated", "generated_iso", "audit"):
            data.pop(volatile)
        return data

    assert model(token) == model(again)
    assert client.get(f"/en/a/{again}/export.json").data == exported
