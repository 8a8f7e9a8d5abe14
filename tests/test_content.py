"""The shipped questionnaire: complete, sourced, and scored as a human-rights lawyer would
expect."""

from __future__ import annotations

import json

import pytest

from assess.paths import resource
from assess.questionnaire import DONT_KNOW, load_definition, visibility
from assess.scoring import score

FOLDER = resource("questionnaires") / "partnership-screening"
D = load_definition(FOLDER / "1.yaml")
SCENARIOS = FOLDER / "scenarios"
CHECKS = ("do_no_harm", "privacy", "non_refoulement", "gp14")


def _maximal_profile() -> dict[str, object]:
    """A profile that makes every check and nearly every question apply."""
    answers: dict[str, object] = {"name": "Everything at once", "partners": "All of them"}
    for section in D.sections[:2]:
        for q in section.questions:
            if q.type == "multi":
                answers[q.id] = [o.id for o in q.choices if not o.exclusive]
    answers.update(
        legal_basis="compelled", automation="ml", enterprise="state_owned", benefit="paid"
    )
    return answers


def test_the_four_checks_with_at_least_ten_questions_each() -> None:
    assert tuple(c.id for c in D.checks) == CHECKS
    for check in CHECKS:
        questions = [q for s in D.sections if s.check == check for q in s.questions]
        assert len(questions) >= 10, check


def test_every_question_says_why_it_is_asked_and_cites_sources() -> None:
    for q in D.questions.values():
        assert q.help and len(q.help) > 40, q.id
        if q.type != "text":
            assert q.sources, q.id


def test_every_finding_has_a_risk_mitigations_and_sources() -> None:
    for _question, finding in D.findings.values():
        assert finding.risk and finding.title, finding.id
        assert finding.mitigations and finding.sources, finding.id
        if finding.red_line:
            assert finding.severity == "critical", finding.id
    for mitigation in D.mitigations:
        assert mitigation.owner and mitigation.text and mitigation.sources, mitigation.id


def test_the_seed_is_cited_by_paragraph() -> None:
    cited = {s for _q, f in D.findings.values() for s in f.sources if s.startswith("seed ")}
    assert len(cited) >= 20
    assert all(s.startswith(("seed para. ", "seed paras ")) for s in cited)


def test_dont_know_is_offered_and_raises_a_gap_wherever_it_is_offered() -> None:
    offered = [q for q in D.questions.values() if DONT_KNOW in q.option_ids]
    assert len(offered) >= 60
    for q in offered:
        gaps = [f for f in q.findings if DONT_KNOW in f.on]
        assert gaps and all(f.gap for f in gaps), q.id


def test_every_check_is_reachable_and_all_apply_to_the_maximal_profile() -> None:
    assert set(visibility(D, _maximal_profile()).checks) == set(CHECKS)


def test_do_no_harm_and_gp14_always_apply() -> None:
    view = visibility(D, {"sectors": ["law_firm"], "data": ["none"], "purpose": ["assistance"]})
    assert {"do_no_harm", "gp14"} <= set(view.checks)
    assert "non_refoulement" not in view.checks and "privacy" not in view.checks


def _red_lines() -> list[tuple[str, str, str]]:
    return [(q.id, f.id, f.on[0]) for q, f in D.findings.values() if f.red_line]


def test_the_red_lines_are_the_four_that_must_never_happen() -> None:
    red = {finding for _q, finding, _o in _red_lines()}
    assert red == {
        "dnh_penalty_permitted",  # penalising people for having been smuggled
        "priv_data_to_persecutors",  # handing their data to those who would persecute them
        "nr_rescue_delay_instructed",  # ignoring people in distress at sea
        "nr_unsafe_disembarkation_foreseen",  # refoulement
        "nr_unconditional_obedience",  # refoulement committed to in advance
        "nr_data_enables_pullbacks",  # refoulement through data
        "nr_return_without_assessment",  # refoulement through return
    }


@pytest.mark.parametrize(("question", "finding", "option"), _red_lines())
def test_every_red_line_forces_do_not_proceed(question: str, finding: str, option: str) -> None:
    base = json.loads((SCENARIOS / "s6-law-firms-pro-bono.json").read_text())["answers"]
    answers = {**base, **_maximal_profile()}
    assert visibility(D, answers).shows(question), question
    answers[question] = [option] if D.questions[question].type == "multi" else option
    result = score(D, answers)
    assert result.verdict == "do_not_proceed"
    assert finding in result.reasons


def test_out_of_scope_state_function_is_said_plainly() -> None:
    result = score(D, {"legal_basis": "service_contract"})
    assert "out_of_scope_state_function" in result.notices


def test_heightened_risk_raises_severity_but_never_to_critical_alone() -> None:
    base = {**_maximal_profile(), "heightened": ["none"]}
    at_risk = {**_maximal_profile(), "heightened": ["children"]}
    for answers in (base, at_risk):
        answers["priv_retention"] = "no"
    low = next(f for f in score(D, base).findings if f.id == "priv_no_retention_schedule")
    high = next(f for f in score(D, at_risk).findings if f.id == "priv_no_retention_schedule")
    assert (low.severity, high.severity) == ("medium", "high")
