"""Six UN languages: complete catalogues, no stale template, translated pages, right-to-left
Arabic."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import import_answers, partner_pages, review_pages, training_pages
from flask import Flask

from assess.i18n import KNOWN
from assess.paths import resource

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LOCALES = [code for code in KNOWN if code != "en"]
DOMAINS = ("messages", "questionnaire")
BIN = Path(sys.executable).parent
S1 = (
    resource("questionnaires")
    / "partnership-screening"
    / "scenarios"
    / "s1-fiu-bank-algorithm.json"
)


def _catalog(path: Path, locale: str | None = None):  # type: ignore[no-untyped-def]
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _keys(catalog) -> set[tuple[object, str | None]]:  # type: ignore[no-untyped-def]
    return {(m.id, m.context) for m in catalog if m.id}


@pytest.mark.parametrize("domain", DOMAINS)
def test_committed_templates_are_not_stale(domain: str, tmp_path: Path) -> None:
    """`make i18n` re-extracts; the committed .pot must equal a fresh extraction."""
    config = "babel.cfg" if domain == "messages" else "babel-questionnaire.cfg"
    keywords = ["-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2"]
    keywords += ["-k", "pgettext:1c,2", "-k", "ngettext:1,2"]
    args = ["--add-comments="] if domain == "questionnaire" else keywords
    fresh = tmp_path / f"{domain}.pot"
    subprocess.run(
        [
            str(BIN / "pybabel"),
            "-q",
            "extract",
            "-F",
            config,
            *args,
            "--no-location",
            "--omit-header",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    committed = _keys(_catalog(TRANSLATIONS / f"{domain}.pot"))
    extracted = _keys(_catalog(fresh))
    assert extracted - committed == set(), "new strings: run `make i18n` and translate them"
    assert committed - extracted == set(), "strings no longer used: run `make i18n`"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogues_are_complete_without_fuzzy_entries(locale: str, domain: str) -> None:
    template = _keys(_catalog(TRANSLATIONS / f"{domain}.pot"))
    catalog = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po", locale)
    assert _keys(catalog) == template
    for message in catalog:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(s.strip() for s in strings), (locale, message.id)
        assert "fuzzy" not in message.flags, (locale, message.id)


def test_dennis_finds_no_errors_in_any_catalogue() -> None:
    result = subprocess.run(
        [str(BIN / "dennis-cmd"), "lint", "--errorsonly", str(TRANSLATIONS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Total number of errors:\s+0", result.stdout), result.stdout


def _untranslated_on(page: str, locale: str) -> list[str]:
    """Interface strings still in English on a page rendered in `locale`."""
    text = re.sub(r"<[^>]+>", " ", page)
    text = re.sub(r"\s+", " ", text.replace("&#39;", "'").replace("&amp;", "&"))
    leftovers = []
    for domain in DOMAINS:
        catalog = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po", locale)
        for message in catalog:
            if not isinstance(message.id, str) or "%" in message.id or len(message.id) < 16:
                continue
            if message.string and message.string != message.id and message.id in text:
                leftovers.append(message.id)
    return leftovers


@pytest.fixture
def real(make_app) -> Flask:  # type: ignore[no-untyped-def]
    return make_app(questionnaires=resource("questionnaires"))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_type_is_translated(real: Flask, locale: str) -> None:
    client = real.test_client()
    start = client.get(f"/{locale}/")
    assert f'<html lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}">' in start.text
    token = import_answers(client, S1.read_bytes(), locale)
    pages = {
        "start": start.text,
        "profile": client.get(f"/{locale}/a/{token}/s/partnership").text,
        "check": client.get(f"/{locale}/a/{token}/s/privacy").text,
        "summary": client.get(f"/{locale}/a/{token}/summary").text,
        "result": client.get(f"/{locale}/a/{token}/result").text,
        "report": client.get(f"/{locale}/a/{token}/report").text,
        "404": client.get(f"/{locale}/no/such/page").text,
        **review_pages(real, client, locale),
        **partner_pages(real, client, locale),
        **training_pages(real, client, locale),
    }
    for name, page in pages.items():
        assert f'lang="{locale}"' in page, name
        assert _untranslated_on(page, locale) == [], (locale, name)


def test_language_switcher_keeps_the_page_and_the_answers(real: Flask) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    page = client.get(f"/en/a/{token}/s/privacy").text
    assert f'href="/fr/a/{token}/s/privacy"' in page
    assert f'href="/ar/a/{token}/s/privacy"' in page
    french = client.get(f"/fr/a/{token}/s/privacy").text
    assert re.search(r"<input checked[^>]*value=\"documented\"", french)


def test_accept_language_picks_the_locale(real: Flask) -> None:
    response = real.test_client().get("/", headers={"Accept-Language": "ar-EG,ar;q=0.9,en;q=0.5"})
    assert response.headers["Location"].endswith("/ar/")


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return _normal(out.decode())


# pdftotext writes the letters of Arabic lam ligatures (lam-alef, lam-yeh) in visual order, so the
# comparison drops lam and the alefs on both sides.
LIGATURE_LETTERS = set("لاأإآ")


def _normal(text: str) -> str:
    """NFKC folds presentation forms; spaces, marks and ligature letters are dropped."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        c
        for c in text
        if not c.isspace()
        and unicodedata.category(c) not in ("Mn", "Cf")
        and c not in LIGATURE_LETTERS
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_pdf_in_every_language_with_fonts_embedded(
    real: Flask, locale: str, tmp_path: Path
) -> None:
    client = real.test_client()
    token = import_answers(client, S1.read_bytes())
    # The report language is chosen apart from the screen language (English here).
    model = json.loads(client.get(f"/en/a/{token}/report.json?report_lang={locale}").text)
    pdf = client.get(f"/en/a/{token}/report.pdf?report_lang={locale}").data
    text = _pdf_text(pdf, tmp_path)
    assert _normal(model["verdict_label"]) in text
    for check in model["checks"].values():
        assert _normal(check["title"]) in text, check["title"]
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)
    if locale == "ar":
        names = " ".join(fonts)
        assert "Arabic" in names
