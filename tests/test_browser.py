"""End-to-end journeys in Debian's Chromium (Playwright), against the app served as `make run`
serves it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import ARTIFACTS
from playwright.sync_api import Browser, Page, expect

from assess.paths import resource

SCENARIOS = resource("questionnaires") / "partnership-screening" / "scenarios"


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(
                path=str(ARTIFACTS / f"{request.node.name}-{width}.png"), full_page=True
            )
    context.close()


def test_start_fill_the_profile_and_resume_in_a_fresh_browser(
    live_server: str, chromium: Browser, page: Page
) -> None:
    page.goto(live_server + "/")
    expect(page.locator("h1")).to_have_text("Screen a partnership before it is signed")
    page.get_by_role("button", name="Start a new screening").click()
    expect(page.get_by_text("Section 1 of 4")).to_be_visible()
    page.get_by_label("Name of the proposed partnership", exact=True).fill("Pro bono legal aid")
    page.get_by_label("Law firm", exact=True).check()
    page.get_by_label(
        "Assistance and integration: legal aid, health care, jobs, training", exact=True
    ).check()
    page.get_by_role("button", name="Save and continue").click()
    # Who the partners are was left empty: the message sits next to it, nothing else is lost.
    expect(page.locator(".error-summary")).to_contain_text("Who are the partners?")
    expect(page.get_by_label("Name of the proposed partnership", exact=True)).to_have_value(
        "Pro bono legal aid"
    )
    expect(page.get_by_label("Law firm", exact=True)).to_be_checked()
    page.get_by_label("Who are the partners?", exact=True).fill(
        "Ministry of Justice; three law firms"
    )
    page.get_by_label(
        "A voluntary partnership that the partners enter proactively", exact=True
    ).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("h1")).to_have_text("Data, people and operations")
    resume = page.locator(".token-link").inner_text()

    fresh = chromium.new_context()
    other = fresh.new_page()
    other.goto(resume)
    expect(other.locator("h1")).to_have_text("Data, people and operations")
    other.get_by_role("link", name="The partnership").click()
    expect(other.get_by_label("Who are the partners?", exact=True)).to_have_value(
        "Ministry of Justice; three law firms"
    )
    fresh.close()


def test_import_a_scenario_and_read_its_result(live_server: str, page: Page) -> None:
    page.goto(live_server + "/en/")
    page.set_input_files("#import-file", str(SCENARIOS / "s2a-social-media-takedown-broad.json"))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("h1")).to_contain_text("Summary")
    page.get_by_role("link", name="See the result and action plan").click()
    expect(page.locator(".verdict-value")).to_have_text("Redesign before signing")
    expect(page.locator("#check-privacy")).to_contain_text(
        "Groups used by migrant and diaspora communities are to be monitored wholesale"
    )


def test_the_wizard_works_with_javascript_off(live_server: str, chromium: Browser) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/en/")
    page.get_by_role("button", name="Start a new screening").click()
    page.get_by_label("Name of the proposed partnership", exact=True).fill("No script")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    context.close()


def _fill(page: Page, answers: dict[str, object], keyboard: bool = False) -> None:
    """Answer the questions shown on the current page, from an answer file's answers."""
    for question, value in answers.items():
        values = value if isinstance(value, list) else [value]
        text = page.locator(f'input[type=text][name="{question}"], textarea[name="{question}"]')
        if text.count():
            if keyboard:
                text.focus()
                page.keyboard.press("Control+A")
                page.keyboard.type(str(value))
            else:
                text.fill(str(value))
            continue
        for option in values:
            if not re.fullmatch(r"[a-z0-9_]+", str(option)):
                continue  # free text for a field on another page
            box = page.locator(f'input[name="{question}"][value="{option}"]')
            if box.count() and not box.is_checked():
                if keyboard:
                    box.focus()
                    page.keyboard.press("Space")
                else:
                    box.check()


def _screen(page: Page, answers: dict[str, object], keyboard: bool = False) -> None:
    """From the first section to the summary, one page at a time."""
    for _ in range(12):
        if "/s/" not in page.url:
            return
        _fill(page, answers, keyboard)
        button = page.locator(".form-nav button[value=next]")
        if keyboard:
            button.focus()
            with page.expect_navigation():
                page.keyboard.press("Enter")
        else:
            button.click()
        expect(page.locator(".error-summary")).to_have_count(0)
    raise AssertionError("the wizard did not reach the summary")


def test_screen_a_scenario_through_every_page_to_the_pdf(live_server: str, page: Page) -> None:
    import json

    data = json.loads((SCENARIOS / "s2b-social-media-takedown-limited.json").read_text())
    page.goto(live_server + "/en/")
    page.get_by_role("button", name="Start a new screening").click()
    _fill(page, data["answers"])
    page.get_by_role("button", name="Save and continue").click()
    # Switch language midway: the same page, in French, with the answers kept.
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("link", name="Le partenariat").click()
    expect(page.locator("#name")).to_have_value(data["answers"]["name"])
    page.go_back()
    _screen(page, data["answers"])
    expect(page.locator("h1")).to_contain_text("Récapitulatif")
    page.locator(".actions a.primary").click()  # the result page
    expect(page.locator(".verdict-value")).to_have_text("Donner suite sous conditions")
    page.locator(".actions a.primary").first.click()  # the report
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le PDF").click()
    path = download.value.path()
    assert path.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith("-fr.pdf")


def test_a_whole_screening_in_arabic_with_the_keyboard(live_server: str, page: Page) -> None:
    import json

    data = json.loads((SCENARIOS / "s6-law-firms-pro-bono.json").read_text())
    page.goto(live_server + "/ar/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("form[action$='/new'] button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _screen(page, data["answers"], keyboard=True)
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.locator(".actions a.primary").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".verdict-value")).to_have_text("المضي قدماً")
    page.locator(".actions a.primary").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("#report-lang").select_option("ar")
    with page.expect_download() as download:
        page.locator(".toolbar-form button.primary").focus()
        page.keyboard.press("Enter")
    assert download.value.path().read_bytes().startswith(b"%PDF")


def _answer_page(page: Page, answers: dict[str, object]) -> None:
    """Answer every question on the current wizard page from `answers`, as a participant would."""
    names = page.eval_on_selector_all(
        "form input[name], form textarea[name]", "els => els.map(e => e.name)"
    )
    for name in dict.fromkeys(names):
        value = answers.get(name)
        if value is None:
            continue
        if (
            isinstance(value, str)
            and page.locator(f"textarea[name={name}], input[type=text][name={name}]").count()
        ):
            page.locator(f"[name={name}]").first.fill(value)
            continue
        for item in value if isinstance(value, list) else [value]:
            page.locator(f"input[name={name}][value={item}]").check()


def test_a_workshop_with_a_trainer_and_three_participants(
    live_server: str, chromium: Browser, page: Page
) -> None:
    """The trainer creates a workshop; three participants join from their own browsers with the
    code; the dashboard follows them without being reloaded; the trainer closes the workshop."""
    import json

    reference = json.loads((SCENARIOS / "s1-fiu-bank-algorithm.json").read_text())["answers"]
    trainer = page
    trainer.goto(live_server + "/en/")
    trainer.get_by_role("link", name="Run a workshop").click()
    trainer.get_by_label("Name of the workshop").fill("Compliance teams, morning session")
    for box in trainer.locator("input[name=cases]").all():
        box.uncheck()
    trainer.locator("input[name=cases][value=s1-fiu-bank-algorithm]").check()
    trainer.get_by_role("button", name="Create the workshop").click()
    expect(trainer.locator("h1")).to_have_text("Compliance teams, morning session")
    expect(trainer.locator("img.qr")).to_be_visible()
    code = trainer.locator(".join-code").inner_text().split(":")[-1].replace(" ", "").strip()
    join_url = trainer.locator(".join-address").first.inner_text()
    assert join_url.endswith(f"/en/join/{code}")

    participants = []
    for name in ("Ministry", "Bank", "Money transfer"):
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        p = context.new_page()
        p.goto(join_url)  # as the QR code leads
        expect(p.locator("#code")).to_have_value(code)
        p.locator("#name").fill(name)
        p.get_by_role("button", name="Join", exact=True).click()
        expect(p.locator(".case-narrative summary")).to_contain_text("Your case:")
        participants.append(p)
    expect(trainer.locator(".live-counts")).to_contain_text("3 joined, 0 started", timeout=15_000)

    # Two groups answer the first page, differently on the legal basis.
    _answer_page(participants[0], reference)
    participants[0].get_by_role("button", name="Save", exact=True).click()
    expect(participants[0].locator(".flash")).to_contain_text("Your answers are saved.")
    _answer_page(participants[1], {**reference, "legal_basis": "compelled"})
    participants[1].get_by_role("button", name="Save", exact=True).click()
    expect(participants[1].locator(".flash")).to_contain_text("Your answers are saved.")

    # The dashboard shows it without a reload (its script fetches the live part).
    expect(trainer.locator(".live-counts")).to_contain_text("3 joined, 2 started", timeout=15_000)
    divergent = trainer.locator(".divergent")
    expect(divergent).to_contain_text(
        "On what basis will the private partners cooperate?", timeout=15_000
    )
    expect(divergent).to_contain_text("Bank")
    trainer.locator(".notes-card summary").first.click()
    expect(trainer.locator(".notes-card").first).to_contain_text("Discussion points")

    with trainer.expect_download() as download:
        trainer.get_by_role("link", name="Download the answers (CSV)").click()
    assert "Money transfer" not in download.value.path().read_text(encoding="utf-8-sig")

    trainer.get_by_role("button", name="Close the workshop (no more changes)").click()
    expect(trainer.locator(".flash")).to_contain_text("The workshop is closed")
    late = participants[2]
    _answer_page(late, reference)
    late.get_by_role("button", name="Save", exact=True).click()
    expect(late.locator("h1")).to_have_text("The workshop is closed")
    for p in participants:
        p.context.close()


def test_a_ministry_and_a_bank_screen_settle_get_approval_and_reassess(
    live_server: str, chromium: Browser, page: Page
) -> None:
    """#9 end to end: both sides answer, they settle a disagreement, a reviewer approves with
    conditions, and the next version shows what changed."""
    ministry = page
    ministry.goto(live_server + "/en/")
    ministry.set_input_files("#import-file", str(SCENARIOS / "s1-fiu-bank-algorithm.json"))
    ministry.locator("#import-file ~ button").click()
    a = ministry.url.split("/summary")[0]
    ministry.goto(f"{a}/access")
    ministry.get_by_label("Name of the partner organisation").fill("Bank of the Coast")
    ministry.get_by_role("button", name="Create a partner link").click()
    partner_link = ministry.locator("a.token-link[href*='/p/']").inner_text()

    bank_context = chromium.new_context()
    bank = bank_context.new_page()
    bank.goto(partner_link)
    expect(bank.locator(".lead")).to_contain_text("Bank of the Coast")
    bank.get_by_role("link", name="Answer your questions").click()
    bank.goto(partner_link + "s/privacy")
    bank.locator("input[name=priv_purpose_lock][value=no]").check()
    bank.get_by_role("button", name="Save", exact=True).click()
    expect(bank.locator(".flash")).to_contain_text("Your answers are saved.")

    ministry.goto(f"{a}/result")
    expect(ministry.locator(".disagreement")).to_contain_text("The partners disagree")
    # They settle it: the ministry takes the bank's answer.
    ministry.locator(".disagreement").get_by_role("link", name="Go to the question").click()
    ministry.locator("input[name=priv_purpose_lock][value=no]").check()
    ministry.get_by_role("button", name="Save", exact=True).click()
    ministry.goto(f"{a}/result")
    expect(ministry.locator(".disagreement")).to_have_count(0)

    ministry.goto(f"{a}/access")
    ministry.get_by_role("button", name="Create a reviewer link").click()
    reviewer_link = ministry.locator("a.token-link[href*='/r/']").inner_text()
    ministry.goto(f"{a}/summary")
    ministry.locator("#submit-name").fill("Amina Diallo")
    ministry.get_by_role("button", name="Submit for review").click()
    expect(ministry.locator(".review-panel .badge")).to_have_text("Submitted for review")

    reviewer_context = chromium.new_context()
    reviewer = reviewer_context.new_page()
    reviewer.goto(reviewer_link)
    reviewer.get_by_label("Approved with conditions").check()
    reviewer.get_by_label("Reasons, and the conditions if any").fill(
        "Approved once the purpose lock is signed and human review precedes every interruption."
    )
    reviewer.locator("#f-decision_name").fill("Kofi Mensah")
    reviewer.get_by_label("Your role or function").fill("Director of legal affairs")
    reviewer.get_by_role("button", name="Record the decision").click()
    expect(reviewer.locator(".flash")).to_contain_text("The decision is recorded")

    # A year later.
    ministry.goto(f"{a}/summary")
    expect(ministry.locator(".review-panel")).to_contain_text(
        "Kofi Mensah, Director of legal affairs"
    )
    ministry.get_by_role("button", name="Review this partnership: start version 2").click()
    v2 = ministry.url.split("/summary")[0]
    assert v2 != a
    ministry.goto(f"{v2}/s/privacy")
    ministry.locator("input[name=priv_purpose_lock][value=yes]").check()
    ministry.get_by_role("button", name="Save", exact=True).click()
    ministry.goto(f"{v2}/summary")
    ministry.get_by_role("link", name="What changed since version 1").click()
    changed = ministry.locator("table.compare-versions").nth(1)
    expect(changed).to_contain_text("Is the use of the data limited in writing")
    bank_context.close()
    reviewer_context.close()
