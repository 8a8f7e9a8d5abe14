"""The scoring model on the fixture questionnaire: ratings, red lines, gaps, escalation,
mitigation."""

from __future__ import annotations

from datetime import date

from conftest import MINI

from assess.questionnaire import load_definition
from assess.scoring import Commitment, score

D = load_definition(MINI / "mini" / "1.yaml")
BANK = {"name": "x", "sectors": ["bank"], "basis": "voluntary"}


def test_no_findings_means_proceed_and_low_ratings() -> None:
    result = score(D, {**BANK, "targets": "yes", "penalise": "yes"})
    assert result.verdict == "proceed"
    assert result.checks["harm"].rating == "low"
    assert result.checks["sea"].rating == "not_applicable"
    assert result.complete


def test_high_finding_means_conditions_and_traces_the_answer() -> None:
    result = score(D, {**BANK, "targets": "no", "penalise": "yes"})
    assert result.verdict == "proceed_with_conditions"
    (finding,) = result.findings
    assert finding.id == "targets_migrants" and finding.severity == "high"
    assert finding.triggers[0].question == "targets" and finding.triggers[0].answer == "no"
    assert result.reasons == ("targets_migrants",)
    assert [m.id for m in result.mitigations] == ["m_targets"]


def test_red_line_forces_do_not_proceed_whatever_else() -> None:
    result = score(D, {**BANK, "targets": "yes", "penalise": "no"})
    assert result.verdict == "do_not_proceed"
    assert result.checks["harm"].red_line_open
    assert result.reasons == ("penalised",)


def test_red_line_cannot_be_mitigated_away() -> None:
    commitments = {"m_use_limit": Commitment("Legal service", date(2027, 1, 1), "done")}
    result = score(D, {**BANK, "penalise": "no"}, commitments)
    (finding,) = [f for f in result.findings if f.id == "penalised"]
    assert finding.residual == "critical"
    assert result.verdict == "do_not_proceed"


def test_dont_know_raises_a_gap_finding() -> None:
    result = score(D, {**BANK, "targets": "dont_know", "penalise": "yes"})
    (finding,) = result.findings
    assert finding.gap and finding.id == "targets_unknown"
    assert result.verdict == "proceed_with_conditions"


def test_committed_mitigations_lower_residual_ratings() -> None:
    answers = {**BANK, "targets": "no", "penalise": "yes"}
    planned = {"m_targets": Commitment("Head of FIU", date(2027, 3, 1), "planned")}
    result = score(D, answers, planned)
    assert result.checks["harm"].rating == "medium"
    assert result.checks["harm"].inherent == "high"
    done = {"m_targets": Commitment("Head of FIU", date(2027, 3, 1), "done")}
    assert score(D, answers, done).checks["harm"].rating == "low"
    assert score(D, answers, done).verdict == "proceed"
    # An owner without a date is not a commitment.
    vague = {"m_targets": Commitment("Someone", None, "planned")}
    assert score(D, answers, vague).checks["harm"].rating == "high"


def test_heightened_risk_escalates_severity_up_to_high() -> None:
    vessel = {**BANK, "sectors": ["vessel"], "penalise": "yes", "protocol": "yes"}
    (finding,) = score(D, {**vessel, "targets": "partly"}).findings
    assert finding.severity == "high" and finding.raised_by == ("escalate_if",)
    # Critical is set by the content, never reached by escalation alone.
    (finding,) = score(D, {**vessel, "targets": "no"}).findings
    assert finding.severity == "high" and finding.raised_by == ()
    assert score(D, {**vessel, "targets": "no"}).verdict == "proceed_with_conditions"


def test_hidden_questions_never_count() -> None:
    answers = {**BANK, "targets": "yes", "penalise": "yes", "protocol": "no"}
    result = score(D, answers)
    assert result.verdict == "proceed"
    assert all(f.id != "no_protocol" for f in result.findings)
    assert result.total == 5  # name, sectors, basis, targets, penalise: the sea question is hidden


def test_missing_required_answers_are_listed() -> None:
    result = score(D, {"sectors": ["vessel"]})
    assert set(result.required_missing) == {"name", "basis", "targets", "penalise", "protocol"}
    assert not result.complete


def test_result_as_json_has_the_documented_keys() -> None:
    data = score(D, {**BANK, "targets": "no", "penalise": "yes"}).to_dict()
    assert data["verdict"] == "proceed_with_conditions"
    assert data["checks"]["harm"]["rating"] == "high"
    assert data["findings"][0]["triggers"] == [
        {"question": "targets", "answer": "no", "options": ["no"]}
    ]
    assert data["mitigations"][0]["id"] == "m_targets"
