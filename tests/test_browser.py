"""End-to-end journeys in Debian's Chromium (Playwright), against the app served as `make run`
serves it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import clean_env, free_port, served
from playwright.sync_api import Browser, Page, expect, sync_playwright

from assess.paths import resource

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCENARIOS = resource("questionnaires") / "partnership-screening" / "scenarios"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {**clean_env(), "ASSESS_INSTANCE": str(tmp_path_factory.mktemp("browser-instance"))}
    port = free_port()
    with served(Path(sys.executable).parent / "assess", port, env):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
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
    server: str, browser: Browser, page: Page
) -> None:
    page.goto(server + "/")
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

    fresh = browser.new_context()
    other = fresh.new_page()
    other.goto(resume)
    expect(other.locator("h1")).to_have_text("Data, people and operations")
    other.get_by_role("link", name="The partnership").click()
    expect(other.get_by_label("Who are the partners?", exact=True)).to_have_value(
        "Ministry of Justice; three law firms"
    )
    fresh.close()


def test_import_a_scenario_and_read_its_result(server: str, page: Page) -> None:
    page.goto(server + "/en/")
    page.set_input_files("#import-file", str(SCENARIOS / "s2a-social-media-takedown-broad.json"))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("h1")).to_contain_text("Summary")
    page.get_by_role("link", name="See the result and action plan").click()
    expect(page.locator(".verdict-value")).to_have_text("Redesign before signing")
    expect(page.locator("#check-privacy")).to_contain_text(
        "Groups used by migrant and diaspora communities are to be monitored wholesale"
    )


def test_the_wizard_works_with_javascript_off(server: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/en/")
    page.get_by_role("button", name="Start a new screening").click()
    page.get_by_label("Name of the proposed partnership", exact=True).fill("No script")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    context.close()
