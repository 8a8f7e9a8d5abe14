"""Accessibility (axe-core in Chromium) and valid HTML (the W3C Nu checker), on every page type, in
English and in Arabic."""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import csrf_token, import_answers, partner_pages, review_pages, training_pages
from flask import Flask
from playwright.sync_api import Browser, Page

from assess.paths import resource

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
S1 = (
    resource("questionnaires")
    / "partnership-screening"
    / "scenarios"
    / "s1-fiu-bank-algorithm.json"
)
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _page_urls(page: Page, base: str, lang: str) -> dict[str, str]:
    """Create a screening by importing a scenario, and list one URL per page type."""
    page.goto(f"{base}/{lang}/")
    page.set_input_files("#import-file", str(S1))
    page.locator("#import-file ~ button").click()
    token = page.url.split("/a/")[1].split("/")[0]
    a = f"{base}/{lang}/a/{token}"
    return {
        "start": f"{base}/{lang}/",
        "profile": f"{a}/s/partnership",
        "check": f"{a}/s/privacy",
        "summary": f"{a}/summary",
        "result": f"{a}/result",
        "report": f"{a}/report",
        "access": f"{a}/access",
        "not-found": f"{base}/{lang}/no/such/page",
        **_training_urls(page, base, lang),
        **_review_urls(page, base, lang),
        **_partner_urls(page, base, lang),
    }


def _partner_urls(page: Page, base: str, lang: str) -> dict[str, str]:
    """A screening with its partner invited, who disagrees on one answer."""
    page.goto(f"{base}/{lang}/")
    page.set_input_files("#import-file", str(S1))
    page.locator("#import-file ~ button").click()
    a = page.url.split("/summary")[0]
    page.goto(f"{a}/access")
    page.locator("#partner-name").fill("Bank")
    page.locator("form:has(input[name=link][value=partner]) button[value=create]").click()
    partner = page.locator("a.token-link[href*='/p/']").get_attribute("href")
    assert partner
    page.goto(f"{partner}s/privacy")
    page.locator("input[name=priv_purpose_lock][value=no]").check()
    page.locator("button[value=save]").click()
    return {
        "partner-start": partner,
        "partner-section": f"{partner}s/privacy",
        "partner-done": f"{partner}done",
        "result-disagreement": f"{a}/result",
    }


def _submitted_with_reviewer(page: Page, base: str, lang: str) -> tuple[str, str]:
    """Import a scenario, create its reviewer link, submit it: (summary URL, reviewer URL)."""
    page.goto(f"{base}/{lang}/")
    page.set_input_files("#import-file", str(S1))
    page.locator("#import-file ~ button").click()
    a = page.url.split("/summary")[0]
    page.goto(f"{a}/access")
    page.locator("form:has(input[name=link][value=reviewer]) button[value=create]").click()
    reviewer = page.locator("a.token-link[href*='/r/']").get_attribute("href")
    assert reviewer
    page.goto(f"{a}/summary")
    page.locator("#submit-name").fill("Amina Diallo")
    page.locator("form[action$='/submit'] button").click()
    return f"{a}/summary", reviewer


def _review_urls(page: Page, base: str, lang: str) -> dict[str, str]:
    """A screening with its reviewer, and another approved and re-assessed."""
    _summary, reviewer = _submitted_with_reviewer(page, base, lang)
    summary, decided = _submitted_with_reviewer(page, base, lang)
    page.goto(decided)
    page.locator("#decision-approved_with_conditions").check()
    page.locator("#f-reason").fill("Conditions M1-M3.")
    page.locator("#f-decision_name").fill("Kofi Mensah")
    page.locator("#f-role").fill("Director")
    page.locator("form[action$='/decision'] button").click()
    page.goto(summary)
    page.locator("form[action$='/new-version'] button").click()
    version_2 = page.url.split("/summary")[0]
    return {
        "reviewer": reviewer,
        "reviewer-decided": decided,
        "summary-decided": summary,
        "history": summary.replace("/summary", "/history"),
        "compare": f"{version_2}/compare",
    }


def _training_urls(page: Page, base: str, lang: str) -> dict[str, str]:
    """A workshop (all cases) with one participant, created through the pages themselves."""
    page.goto(f"{base}/{lang}/workshops/new")
    page.locator("form.card button[type=submit]").click()
    trainer = page.url
    code = page.locator(".join-code").inner_text().split(":")[-1].replace(" ", "").strip()
    page.goto(f"{base}/{lang}/join/{code}")
    page.locator("#name").fill("Group 1")
    page.locator("form.card button[type=submit]").click()
    return {
        "cases": f"{base}/{lang}/cases/",
        "case": f"{base}/{lang}/cases/s1-fiu-bank-algorithm",
        "workshop-new": f"{base}/{lang}/workshops/new",
        "join": f"{base}/{lang}/join",
        "dashboard": trainer,
        "projector": trainer + "screen",
        "participant": page.url,
    }


@pytest.fixture
def axe_page(chromium: Browser) -> Iterator[Page]:
    # axe is injected as a script, which our Content-Security-Policy rightly forbids.
    context = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        WCAG,
    )
    return list(result)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_axe_finds_no_violation_on_any_page_type(
    live_server: str, axe_page: Page, lang: str
) -> None:
    for name, url in _page_urls(axe_page, live_server, lang).items():
        axe_page.goto(url)
        assert _violations(axe_page) == [], (lang, name)
    # A page showing errors next to its fields.
    axe_page.goto(_page_urls(axe_page, live_server, lang)["profile"])
    axe_page.get_by_label("Name of the proposed partnership" if lang == "en" else "", exact=False)
    axe_page.locator("#name").fill("")
    axe_page.locator("button[value=next]").click()
    assert axe_page.locator(".error-summary").is_visible()
    assert _violations(axe_page) == [], (lang, "errors")


def test_keyboard_alone_reaches_and_answers_a_question(live_server: str, axe_page: Page) -> None:
    axe_page.goto(f"{live_server}/en/")
    axe_page.keyboard.press("Tab")
    assert axe_page.evaluate("document.activeElement.textContent") == "Skip to content"
    axe_page.keyboard.press("Enter")
    for _ in range(15):
        axe_page.keyboard.press("Tab")
        if axe_page.evaluate("document.activeElement.textContent") == "Start a new screening":
            break
    with axe_page.expect_navigation(url="**/s/partnership"):
        axe_page.keyboard.press("Enter")
    axe_page.locator("#name").focus()
    axe_page.keyboard.type("Typed with the keyboard")
    with axe_page.expect_navigation():
        axe_page.keyboard.press("Enter")  # submits with the first button: save and continue
    assert axe_page.locator("#name").input_value() == "Typed with the keyboard"
    outline = axe_page.evaluate(
        "(() => { const e = document.querySelector('#name'); e.focus();"
        " return getComputedStyle(e).outlineStyle; })()"
    )
    assert outline != "none"  # focus is visible


def _pages(app: Flask, lang: str) -> dict[str, str]:
    client = app.test_client()
    start = client.get(f"/{lang}/")
    a = f"/{lang}/a/" + import_answers(client, S1.read_bytes(), lang)
    errors = client.post(
        f"{a}/s/partnership", data={"csrf_token": csrf_token(start.text), "name": ""}
    ).text
    # A conflict: the page is loaded, someone else saves the name, then this page saves its own.
    stale = re.search(
        r'name="base" type="hidden" value="([^"]*)"', client.get(f"{a}/s/partnership").text
    )
    assert stale
    other = app.test_client()
    other_page = other.get(f"{a}/s/partnership").text
    profile = json.loads(S1.read_text())["answers"]
    fields = {
        k: v for k, v in profile.items() if k in ("partners", "sectors", "purpose", "legal_basis")
    }
    other.post(
        f"{a}/s/partnership",
        data={"csrf_token": csrf_token(other_page), **fields, "name": "Theirs", "action": "save"},
    )
    conflict = client.post(
        f"{a}/s/partnership",
        data={
            "csrf_token": csrf_token(start.text),
            "base": html.unescape(stale[1]),
            **fields,
            "name": "Mine",
        },
    )
    assert conflict.status_code == 409
    return {
        "start": start.text,
        "profile": client.get(f"{a}/s/partnership").text,
        "errors": errors,
        "conflict": conflict.text,
        "check": client.get(f"{a}/s/privacy").text,
        "summary": client.get(f"{a}/summary").text,
        "result": client.get(f"{a}/result").text,
        "report": client.get(f"{a}/report").text,
        "delete": client.get(f"{a}/delete").text,
        "access": client.get(f"{a}/access").text,
        **_protected_pages(client, a, csrf_token(start.text)),
        "not-found": client.get(f"/{lang}/no/such/page").text,
        **review_pages(app, client, lang),
        **partner_pages(app, client, lang),
        **training_pages(app, client, lang),
        "import-error": client.post(
            f"/{lang}/import", data={"csrf_token": csrf_token(start.text)}
        ).text,
    }


def _protected_pages(client, a: str, csrf: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The read-only view and the passphrase page (asked by another browser)."""
    client.post(f"{a}/access/share", data={"csrf_token": csrf, "action": "create"})
    phrase = "a passphrase long enough"
    client.post(
        f"{a}/access/passphrase", data={"csrf_token": csrf, "passphrase": phrase, "confirm": phrase}
    )
    page = client.get(f"{a}/access").text
    share = re.search(r"/v/([^/]+)/", page)
    assert share
    shared = client.get(a.split("/a/")[0] + f"/v/{share[1]}/").text
    unlock = client.application.test_client().get(f"{a}/unlock").text
    return {"shared": shared, "unlock": unlock}


def test_every_page_type_is_valid_html(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(questionnaires=resource("questionnaires"))
    files = []
    for lang in ("en", "ar"):
        for name, body in _pages(app, lang).items():
            path = tmp_path / f"{lang}-{name}.html"
            path.write_text(body, encoding="utf-8")
            files.append(str(path))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", *files], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_type_fits_a_phone_screen(
    live_server: str, chromium: Browser, lang: str
) -> None:
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for name, url in _page_urls(page, live_server, lang).items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (lang, name, width)
    context.close()
