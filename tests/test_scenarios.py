"""The shipped example scenarios (content brief, section D) give the verdicts and key findings
expected."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assess.answers import loads
from assess.paths import resource
from assess.questionnaire import Registry, visibility
from assess.scoring import Commitment, score

FOLDER = resource("questionnaires") / "partnership-screening" / "scenarios"
REGISTRY = Registry.from_folder(resource("questionnaires"))

EXPECTED = {
    # S1: FIU, banks and UNODC profiling algorithm with automated interruption and research re-use.
    "s1-fiu-bank-algorithm": (
        "proceed_with_conditions",
        {
            "dnh_payers_partly_targeted",  # profiles keyed on payers, not recipients
            "dnh_disruption_partly_assessed",  # interruption strands people en route
            "priv_purpose_partly_locked",  # purpose lock (P2)
            "priv_action_review_after",  # automated interruption before human review (P7)
            "priv_research_no_reid_ban",  # research re-use (P11)
        },
    ),
    # S2, broad: migrants' own posts and private groups in scope.
    "s2a-social-media-takedown-broad": (
        "redesign",
        {
            "dnh_targets_not_conduct",
            "dnh_safety_content_blanket",
            "priv_blanket_monitoring",
            "priv_persecution_safeguards_partial",
            "nr_data_recipients_unchecked",
        },
    ),
    # S2, limited: smuggler advertising only, carve-outs, human review, court-ordered disclosure.
    "s2b-social-media-takedown-limited": (
        "proceed_with_conditions",
        {"priv_algorithm_partly_assessed", "nr_data_use_partly_limited"},
    ),
    # S3: airlines and airports against document fraud.
    "s3-airlines-document-fraud": (
        "proceed_with_conditions",
        {"nr_carrier_referral_partial", "priv_no_retention_schedule", "dnh_partial_referral"},
    ),
    # S4: shipowners and a maritime authority on rescue at sea; masters would obey the State.
    "s4-shipping-rescue-at-sea": (
        "redesign",
        {
            "gp14_would_follow_unlawful_instructions",  # would obey any instruction (critical)
            "nr_non_refoulement_not_addressed",  # no ban on disembarkation in a place of danger
            "nr_place_of_safety_partial",  # place of safety leaves out persecution and torture
            "nr_screening_at_sea_partial",  # survivor form asks nationality and asylum intention
            "nr_rescuers_partly_protected",  # no commitment against criminal proceedings
        },
    ),
    # S5: technology company, ministry and protection agency give verified information to migrants.
    "s5-tech-safe-information": (
        "proceed_with_conditions",
        {
            "dnh_indicators_count_movements",  # "fewer irregular departures" indicator
            "priv_sensitive_partly",  # no child-protection procedure for abuse reports
            "gp14_impact_assessment_partial",  # no joint assessment of the foreign-request route
        },
    ),
    # S6: law firms' pro bono legal aid, confidentiality ring-fenced.
    "s6-law-firms-pro-bono": ("proceed", set()),
    # S7: employers and a labour ministry offer jobs and regular pathways; permit tied to placement.
    "s7-employers-regular-pathways": (
        "proceed_with_conditions",
        {
            "dnh_helpers_partly_report",  # employers must notify the end of a placement
            "priv_purpose_partly_locked",  # end-of-placement notice usable for removal
            "priv_consent_not_free",  # enrolment conditional on consent to share data
            "gp14_reduced_responsibility_claimed",  # small employers claim reduced responsibility
        },
    ),
    # S8: media partnership on root causes and ethical coverage.
    "s8-media-ethical-coverage": (
        "proceed_with_conditions",
        {"dnh_media_partly", "dnh_awareness_unfounded"},
    ),
}


def _load(name: str):  # type: ignore[no-untyped-def]
    data = loads((FOLDER / f"{name}.json").read_bytes(), REGISTRY)
    definition = REGISTRY.get(data.questionnaire, data.version)
    assert definition is not None
    return data, definition


def test_every_shipped_scenario_is_checked() -> None:
    assert {p.stem for p in FOLDER.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_verdict_and_key_findings(name: str) -> None:
    verdict, key_findings = EXPECTED[name]
    data, definition = _load(name)
    result = score(definition, data.answers, data.mitigations)
    assert result.complete, result.required_missing
    assert result.verdict == verdict
    assert key_findings <= {f.id for f in result.findings}
    assert not any(f.red_line for f in result.findings)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenarios_answer_only_questions_that_are_shown(name: str) -> None:
    data, definition = _load(name)
    view = visibility(definition, data.answers)
    assert [q for q in data.answers if not view.shows(q)] == []
    assert [q for q in data.notes if not view.shows(q)] == []


def test_committing_to_every_mitigation_lowers_the_residual_ratings() -> None:
    data, definition = _load("s1-fiu-bank-algorithm")
    before = score(definition, data.answers)
    commitments = {
        m.id: Commitment("FIU and bank compliance leads", date(2027, 6, 30), "planned")
        for m in before.mitigations
    }
    after = score(definition, data.answers, commitments)
    for check in ("do_no_harm", "privacy", "gp14"):
        assert after.checks[check].inherent == before.checks[check].rating == "high"
        assert after.checks[check].rating == "medium"
    assert after.verdict == "proceed_with_conditions"


def test_scenario_files_are_valid_answer_files() -> None:
    for path in FOLDER.glob("*.json"):
        raw = json.loads(path.read_text())
        assert raw["questionnaire"] == "partnership-screening" and raw["version"] == 1
        assert raw["title"]


def test_a_scenario_round_trips_through_the_app(client_real) -> None:  # type: ignore[no-untyped-def]
    from conftest import import_answers

    body = (FOLDER / "s2a-social-media-takedown-broad.json").read_bytes()
    token = import_answers(client_real, body)
    result = client_real.get(f"/en/a/{token}/result").text
    assert "Redesign before signing" in result
    assert "Safety information is removed together with smugglers" in result
    assert "Because the answer to" in result
    exported = json.loads(client_real.get(f"/en/a/{token}/export.json").text)
    assert exported["answers"] == json.loads(body)["answers"]


@pytest.fixture
def client_real(make_app):  # type: ignore[no-untyped-def]
    return make_app(questionnaires=resource("questionnaires")).test_client()
