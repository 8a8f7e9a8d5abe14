"""What changed between two versions of a screening: answers, ratings before and after, the
verdict, and the progress of the action plan. Pure: plain values in and out, shared by the
comparison page and the report's PDF section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from assess.answers import AnswerFile
from assess.questionnaire import AnswerValue, Definition, Question, same_answer, visibility
from assess.scoring import Result


@dataclass(frozen=True)
class AnswerChange:
    question: Question
    before: AnswerValue | None
    after: AnswerValue | None


@dataclass(frozen=True)
class RatingChange:
    check: str
    before: str
    after: str


@dataclass(frozen=True)
class PlanProgress:
    """Each mitigation of the new version: where it stands now and where it stood before."""

    mitigation: str
    before: str  # "done", "late", "open" or "" (not in the plan before)
    after: str
    committed: bool  # someone took it on (owner and due date) in either version

    @property
    def worth_showing(self) -> bool:
        return self.committed or self.before != self.after


@dataclass(frozen=True)
class Comparison:
    before_version: int
    after_version: int
    answers: tuple[AnswerChange, ...]
    ratings: tuple[RatingChange, ...]
    verdict_before: str
    verdict_after: str
    plan: tuple[PlanProgress, ...]

    def count(self, state: str) -> int:
        return sum(1 for p in self.plan if p.after == state)


def progress(result: Result, mitigation: str, today: date) -> str:
    """done, late (a due date passed and not done) or open (not done, or not yet committed)."""
    for m in result.mitigations:
        if m.id == mitigation:
            c = m.commitment
            if c.status == "done":
                return "done"
            if c.due is not None and c.due < today:
                return "late"
            return "open"
    return ""


def compare(
    definition: Definition,
    before: tuple[int, AnswerFile, Result],
    after: tuple[int, AnswerFile, Result],
    today: date,
) -> Comparison:
    (n_before, old, old_result), (n_after, new, new_result) = before, after
    old_shown = visibility(definition, old.answers).answers
    new_shown = visibility(definition, new.answers).answers
    changes = []
    for question in definition.questions.values():
        was, now = old_shown.get(question.id), new_shown.get(question.id)
        if not same_answer(was, now):
            changes.append(AnswerChange(question, was, now))
    ratings = tuple(
        RatingChange(c.id, old_result.checks[c.id].rating, new_result.checks[c.id].rating)
        for c in definition.checks
    )
    committed = {
        m.id for r in (old_result, new_result) for m in r.mitigations if m.commitment.committed
    }
    plan = tuple(
        PlanProgress(
            m.id,
            progress(old_result, m.id, today),
            progress(new_result, m.id, today),
            m.id in committed,
        )
        for m in new_result.mitigations
    )
    return Comparison(
        n_before,
        n_after,
        tuple(changes),
        ratings,
        old_result.verdict,
        new_result.verdict,
        plan,
    )
