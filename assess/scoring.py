"""Scoring: a pure function from a definition and answers to ratings, findings, a verdict and
mitigations. No Flask here: the wizard's running ratings, the final result, the CLI and the tests
all call :func:`score`.

Rules (see DESIGN.md, "Scoring model"):
- only questions the profile shows count; a finding is raised by the options its question was
  answered with;
- severity starts at the finding's own, rises to any `severity_if` that holds, then one level if
  `escalate_if` holds (people at heightened risk), though never above high by that rise alone;
- residual severity: one level lower when every mitigation of the finding is committed (owner and
  due date), two levels lower when every one is done; a red line is never lowered;
- a check's rating is `not_applicable`, or the highest residual severity of its findings (`low` when
  none);
- verdict: open red line -> do_not_proceed; critical -> redesign; high or medium ->
  proceed_with_conditions; else proceed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from assess.questionnaire import (
    SEVERITIES,
    Answers,
    AnswerValue,
    Definition,
    Question,
    Severity,
    evaluate,
    is_answered,
    same_answer,
    visibility,
)

Rating = Literal["not_applicable", "low", "medium", "high", "critical"]
Verdict = Literal["proceed", "proceed_with_conditions", "redesign", "do_not_proceed"]
VERDICTS: tuple[Verdict, ...] = ("proceed", "proceed_with_conditions", "redesign", "do_not_proceed")
STATUSES = ("planned", "done")
# People at heightened risk raise a finding one level, but not into `critical`: critical is for the
# loss of life or liberty, or refoulement, and is set explicitly (`severity`, `severity_if`). Almost
# every smuggling partnership affects asylum seekers: an uncapped rise would make critical the norm.
ESCALATION_CEILING: Severity = "high"


def _rank(severity: Severity) -> int:
    return SEVERITIES.index(severity)


def _shift(severity: Severity, steps: int) -> Severity:
    return SEVERITIES[max(0, min(len(SEVERITIES) - 1, _rank(severity) + steps))]


@dataclass(frozen=True)
class Commitment:
    """A mitigation someone has taken on."""

    owner: str = ""
    due: date | None = None
    status: Literal["planned", "done"] = "planned"

    @property
    def committed(self) -> bool:
        return bool(self.owner.strip()) and self.due is not None

    def to_dict(self) -> dict[str, str]:
        return {
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else "",
            "status": self.status,
        }


OWN_PREFIX = "own-"


def is_own(identifier: str) -> bool:
    """A finding (and its mitigation) the assessor added: "own-1", "own-2"..."""
    return identifier.startswith(OWN_PREFIX)


@dataclass(frozen=True)
class OwnFinding:
    """A risk the questionnaire misses, added by the assessor: it counts in its check's rating and
    the verdict like any finding, has one mitigation of its own (same id) for the action plan, and
    is marked as the assessor's own in every report."""

    id: str  # "own-<n>"
    check: str
    severity: Severity
    title: str
    risk: str
    mitigation: str

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "check": self.check,
            "severity": self.severity,
            "title": self.title,
            "risk": self.risk,
            "mitigation": self.mitigation,
        }


DISAGREE_PREFIX = "disagree-"


def is_disagreement(identifier: str) -> bool:
    """A finding (and its mitigation) raised because the two sides answered differently."""
    return identifier.startswith(DISAGREE_PREFIX)


@dataclass(frozen=True)
class Disagreement:
    """Both sides answered a question differently; the more severe answer is scored."""

    question: str
    author: AnswerValue
    partner: AnswerValue
    used: Literal["author", "partner"]


def _value_rank(
    question: Question, value: AnswerValue, context: Answers, definition: Definition
) -> int:
    """How severe an answer is, by the findings it raises given the rest of the answers (the
    `severity_if` rules count; a red line ranks above everything)."""
    chosen = {value} if isinstance(value, str) else set(value)
    ranks = []
    for f in question.findings:
        if not chosen & set(f.on):
            continue
        severity = f.severity
        for rule in f.severity_if:
            if _rank(rule.severity) > _rank(severity) and evaluate(rule.when, context, definition):
                severity = rule.severity
        ranks.append(_rank(severity) + (10 if f.red_line else 0))
    return max(ranks, default=-1)


def merge_sides(
    definition: Definition, author: Answers, partner: Answers
) -> tuple[dict[str, AnswerValue], tuple[Disagreement, ...]]:
    """The answers to score when both sides answered: the partner's where only it answered; where
    both answered a choice question differently, the more severe answer (the author's on a tie),
    and a disagreement. Free text is the author's."""
    merged: dict[str, AnswerValue] = dict(author)
    disagreements = []
    for question_id, theirs in partner.items():
        question = definition.questions.get(question_id)
        if question is None:
            continue
        mine = author.get(question_id)
        if mine is None:
            merged[question_id] = theirs
            continue
        if question.type == "text" or same_answer(mine, theirs):
            continue
        partner_worse = _value_rank(question, theirs, author, definition) > _value_rank(
            question, mine, author, definition
        )
        if partner_worse:
            merged[question_id] = theirs
        used: Literal["author", "partner"] = "partner" if partner_worse else "author"
        disagreements.append(Disagreement(question_id, mine, theirs, used))
    return merged, tuple(disagreements)


@dataclass(frozen=True)
class Trigger:
    question: str
    answer: AnswerValue  # what was answered
    options: tuple[str, ...]  # which of the chosen options raised the finding


@dataclass(frozen=True)
class FindingResult:
    id: str
    check: str
    question: str
    severity: Severity  # before mitigation
    residual: Severity  # after committed mitigations
    red_line: bool
    gap: bool
    triggers: tuple[Trigger, ...]
    mitigations: tuple[str, ...]
    sources: tuple[str, ...]
    raised_by: tuple[str, ...] = ()  # why the severity was raised: "severity_if", "heightened_risk"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "question": self.question,
            "severity": self.severity,
            "residual": self.residual,
            "red_line": self.red_line,
            "gap": self.gap,
            "triggers": [
                {"question": t.question, "answer": t.answer, "options": list(t.options)}
                for t in self.triggers
            ],
            "mitigations": list(self.mitigations),
            "sources": list(self.sources),
            "raised_by": list(self.raised_by),
        }


@dataclass(frozen=True)
class CheckResult:
    id: str
    applicable: bool
    rating: Rating  # residual
    inherent: Rating  # before mitigation
    findings: tuple[FindingResult, ...]
    answered: int
    total: int

    @property
    def red_line_open(self) -> bool:
        return any(f.red_line for f in self.findings)

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.residual == severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "applicable": self.applicable,
            "rating": self.rating,
            "inherent_rating": self.inherent,
            "red_line_open": self.red_line_open,
            "answered": self.answered,
            "total": self.total,
            "findings": [f.id for f in self.findings],
        }


@dataclass(frozen=True)
class MitigationResult:
    id: str
    severity: Severity  # the highest residual severity among the findings it addresses
    addresses: tuple[str, ...]
    commitment: Commitment

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "addresses": list(self.addresses),
            **self.commitment.to_dict(),
        }


@dataclass(frozen=True)
class Result:
    questionnaire: str
    version: int
    checks: dict[str, CheckResult]
    findings: tuple[FindingResult, ...]
    mitigations: tuple[MitigationResult, ...]
    verdict: Verdict
    reasons: tuple[str, ...]  # ids of the findings that decide the verdict
    notices: tuple[str, ...]
    answered: int
    total: int
    required_missing: tuple[str, ...] = field(default=())
    own_findings: dict[str, OwnFinding] = field(default_factory=dict)
    disagreements: dict[str, Disagreement] = field(default_factory=dict)  # by finding id

    @property
    def complete(self) -> bool:
        return not self.required_missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "questionnaire": self.questionnaire,
            "version": self.version,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "complete": self.complete,
            "answered": self.answered,
            "total": self.total,
            "required_missing": list(self.required_missing),
            "notices": list(self.notices),
            "checks": {cid: c.to_dict() for cid, c in self.checks.items()},
            "findings": [f.to_dict() for f in self.findings],
            "mitigations": [m.to_dict() for m in self.mitigations],
        }


def score(
    definition: Definition,
    answers: Answers,
    commitments: Mapping[str, Commitment] | None = None,
    own: Sequence[OwnFinding] = (),
    partner: Answers | None = None,
) -> Result:
    commitments = commitments or {}
    disagreements: tuple[Disagreement, ...] = ()
    if partner:
        answers, disagreements = merge_sides(definition, answers, partner)
    view = visibility(definition, answers)
    effective = view.answers
    findings: list[FindingResult] = []
    for question in view.questions:
        value = effective.get(question.id)
        if value is None or question.type == "text":
            continue
        chosen = (value,) if isinstance(value, str) else tuple(value)
        for finding in question.findings:
            hit = tuple(o for o in chosen if o in finding.on)
            if not hit:
                continue
            check = definition.finding_check(question, finding)
            if check not in view.checks:
                continue
            severity: Severity = finding.severity
            raised: list[str] = []
            for rule in finding.severity_if:
                if _rank(rule.severity) > _rank(severity) and evaluate(
                    rule.when, effective, definition
                ):
                    severity = rule.severity
                    raised.append("severity_if")
            if (
                finding.escalate_if is not None
                and _rank(severity) < _rank(ESCALATION_CEILING)
                and evaluate(finding.escalate_if, effective, definition)
            ):
                raised.append("escalate_if")
                severity = _shift(severity, 1)
            findings.append(
                FindingResult(
                    id=finding.id,
                    check=check,
                    question=question.id,
                    severity=severity,
                    residual=_residual(
                        severity, finding.red_line, finding.mitigations, commitments
                    ),
                    red_line=finding.red_line,
                    gap=finding.gap,
                    triggers=(Trigger(question.id, value, hit),),
                    mitigations=finding.mitigations,
                    sources=finding.sources,
                    raised_by=tuple(dict.fromkeys(raised)),
                )
            )
    for o in own:
        if o.check not in view.checks:  # like a hidden question, it counts only where it applies
            continue
        findings.append(
            FindingResult(
                id=o.id,
                check=o.check,
                question="",
                severity=o.severity,
                residual=_residual(o.severity, False, (o.id,), commitments),
                red_line=False,
                gap=False,
                triggers=(),
                mitigations=(o.id,),
                sources=(),
                raised_by=("own",),
            )
        )
    raised_disagreements: dict[str, Disagreement] = {}
    applicable_checks = [c.id for c in definition.checks if c.id in view.checks]
    for d in disagreements:
        if not view.shows(d.question) or not applicable_checks:
            continue
        section_check = definition.section_of[d.question].check
        check = section_check if section_check in view.checks else applicable_checks[0]
        ident = DISAGREE_PREFIX + d.question
        raised_disagreements[ident] = d
        # To be settled before signature: a condition to meet before launch (high).
        findings.append(
            FindingResult(
                id=ident,
                check=check,
                question=d.question,
                severity="high",
                residual=_residual("high", False, (ident,), commitments),
                red_line=False,
                gap=False,
                triggers=(Trigger(d.question, d.author if d.used == "author" else d.partner, ()),),
                mitigations=(ident,),
                sources=(),
                raised_by=("disagreement",),
            )
        )
    findings.sort(key=lambda f: (not f.red_line, -_rank(f.residual), -_rank(f.severity)))

    checks: dict[str, CheckResult] = {}
    for check_def in definition.checks:
        cid = check_def.id
        applicable = cid in view.checks
        in_check = tuple(f for f in findings if f.check == cid) if applicable else ()
        asked = [q for s in view.sections if s.check == cid for q in view.shown_in(s) if q.required]
        checks[cid] = CheckResult(
            id=cid,
            applicable=applicable,
            rating=_rating(applicable, [f.residual for f in in_check]),
            inherent=_rating(applicable, [f.severity for f in in_check]),
            findings=in_check,
            answered=sum(1 for q in asked if is_answered(q, effective.get(q.id))),
            total=len(asked),
        )

    verdict, reasons = _verdict(findings)
    required = [q for q in view.questions if q.required]
    missing = tuple(q.id for q in required if not is_answered(q, effective.get(q.id)))
    notices = tuple(n.id for n in definition.notices if evaluate(n.when, effective, definition))
    return Result(
        questionnaire=definition.id,
        version=definition.version,
        checks=checks,
        findings=tuple(findings),
        mitigations=_mitigations(findings, commitments),
        verdict=verdict,
        reasons=reasons,
        notices=notices,
        answered=len(required) - len(missing),
        total=len(required),
        required_missing=missing,
        own_findings={o.id: o for o in own if o.check in view.checks},
        disagreements=raised_disagreements,
    )


def _residual(
    severity: Severity,
    red_line: bool,
    mitigation_ids: tuple[str, ...],
    commitments: Mapping[str, Commitment],
) -> Severity:
    if red_line:
        return severity
    taken = [commitments.get(m) for m in mitigation_ids]
    if not all(c is not None and c.committed for c in taken):
        return severity
    done = all(c is not None and c.status == "done" for c in taken)
    return _shift(severity, -2 if done else -1)


def _rating(applicable: bool, severities: list[Severity]) -> Rating:
    if not applicable:
        return "not_applicable"
    worst: Severity = max(severities, key=_rank, default="low")
    return worst


def _verdict(findings: list[FindingResult]) -> tuple[Verdict, tuple[str, ...]]:
    red = tuple(f.id for f in findings if f.red_line)
    if red:
        return "do_not_proceed", red
    critical = tuple(f.id for f in findings if f.residual == "critical")
    if critical:
        return "redesign", critical
    conditions = tuple(f.id for f in findings if f.residual in ("high", "medium"))
    if conditions:
        return "proceed_with_conditions", conditions
    return "proceed", ()


def _mitigations(
    findings: list[FindingResult], commitments: Mapping[str, Commitment]
) -> tuple[MitigationResult, ...]:
    addresses: dict[str, list[FindingResult]] = {}
    for f in findings:
        for m in f.mitigations:
            addresses.setdefault(m, []).append(f)
    out = [
        MitigationResult(
            id=m,
            severity=max((f.residual for f in fs), key=_rank),
            addresses=tuple(f.id for f in fs),
            commitment=commitments.get(m, Commitment()),
        )
        for m, fs in addresses.items()
    ]
    # Most severe first; red-line findings first among equals; otherwise first raised first.
    out.sort(
        key=lambda r: (
            -_rank(r.severity),
            not any(f.red_line for f in addresses[r.id]),
        )
    )
    return tuple(out)
