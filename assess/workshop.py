"""A workshop's dashboard model: progress, each group's ratings and verdict, and the questions on
which groups disagree most, per case. Pure: plain values in, plain values out (no Flask, no
database), so the dashboard page, its live refresh, the summary PDF and the tests share it.

Ratings and verdicts here are "as designed": scored from the answers alone, before any mitigation a
group may have committed to, so that groups compare with each other and with the model answers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from assess.cases import CaseLibrary, LibraryCase
from assess.questionnaire import AnswerValue, Question, visibility
from assess.scoring import VERDICTS, Result, score
from assess.store import Record, WorkshopRecord

DIVERGENT_SHOWN = 6  # questions listed per case


@dataclass(frozen=True)
class Participant:
    number: int  # order of joining, 1-based: how the trainer's links name a participant
    name: str
    case_id: str
    answered: int
    total: int
    verdict: str
    ratings: dict[str, str]  # check id -> rating as designed
    updated_at: datetime

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    @property
    def started(self) -> bool:
        return self.answered > 0

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


@dataclass(frozen=True)
class AnswerCount:
    value: AnswerValue
    count: int
    names: tuple[str, ...]
    expected: bool  # the model answer


@dataclass(frozen=True)
class Divergence:
    question: Question
    answered: int
    counts: tuple[AnswerCount, ...]  # most frequent first
    agreement: float  # share of the most frequent answer, 0..1

    @property
    def matching_expected(self) -> int:
        return sum(c.count for c in self.counts if c.expected)


@dataclass(frozen=True)
class CaseSummary:
    case: LibraryCase
    participants: tuple[Participant, ...]
    verdicts: tuple[tuple[str, int], ...]  # every verdict, with how many finished groups reached it
    divergent: tuple[Divergence, ...]
    expected_verdict: str
    expected_ratings: dict[str, str]
    expected_answers: dict[str, AnswerValue]

    @property
    def complete(self) -> int:
        return sum(1 for p in self.participants if p.complete)


@dataclass(frozen=True)
class WorkshopSummary:
    workshop: WorkshopRecord
    checks: tuple[str, ...]
    participants: tuple[Participant, ...]
    cases: tuple[CaseSummary, ...]

    @property
    def complete(self) -> int:
        return sum(1 for p in self.participants if p.complete)

    @property
    def started(self) -> int:
        return sum(1 for p in self.participants if p.started)


ScoreCache = MutableMapping[tuple[str, int], Result]


def build(
    library: CaseLibrary,
    workshop: WorkshopRecord,
    records: Sequence[Record],
    cache: ScoreCache | None = None,
) -> WorkshopSummary:
    """`cache` (keyed by screening and revision: every change moves the revision) spares a live
    dashboard from scoring again the groups that have not changed since its last refresh."""
    cache = {} if cache is None else cache
    participants: list[Participant] = []
    answers_of: dict[int, dict[str, AnswerValue]] = {}
    for number, record in enumerate(records, start=1):
        case = library.get(record.case_id)
        if case is None:  # a case removed from this installation: nothing to compare it with
            continue
        key = (record.token, record.revision)
        result = cache.get(key)
        if result is None:
            result = cache[key] = score(case.definition, record.answers)
        participants.append(
            Participant(
                number=number,
                name=record.participant or "",
                case_id=case.id,
                answered=result.answered,
                total=result.total,
                verdict=result.verdict,
                ratings={cid: c.inherent for cid, c in result.checks.items()},
                updated_at=record.updated_at,
            )
        )
        answers_of[number] = dict(visibility(case.definition, record.answers).answers)
    checks: tuple[str, ...] = ()
    cases = []
    for case_id in workshop.cases:
        case = library.get(case_id)
        if case is None:
            continue
        checks = tuple(c.id for c in case.definition.checks)
        group = tuple(p for p in participants if p.case_id == case_id)
        spread = Counter(p.verdict for p in group if p.complete)
        cases.append(
            CaseSummary(
                case=case,
                participants=group,
                verdicts=tuple((v, spread.get(v, 0)) for v in VERDICTS),
                divergent=_divergent(case, [(p.name, answers_of[p.number]) for p in group]),
                expected_verdict=case.expected.verdict,
                expected_ratings={cid: c.inherent for cid, c in case.expected.checks.items()},
                expected_answers=dict(case.reference.answers),
            )
        )
    return WorkshopSummary(workshop, checks, tuple(participants), tuple(cases))


def _key(value: AnswerValue) -> str:
    return json.dumps(sorted(value) if isinstance(value, list) else value)


def _divergent(
    case: LibraryCase, groups: Iterable[tuple[str, dict[str, AnswerValue]]]
) -> tuple[Divergence, ...]:
    """The choice questions that at least two groups answered, least agreement first; among equals,
    those where fewer groups gave the model answer first."""
    answered: dict[str, list[tuple[str, AnswerValue]]] = {}
    for name, answers in groups:
        for question_id, value in answers.items():
            answered.setdefault(question_id, []).append((name, value))
    expected = case.reference.answers
    found = []
    for question in case.definition.questions.values():
        given = answered.get(question.id, [])
        if question.type == "text" or len(given) < 2:
            continue
        by_key: dict[str, list[tuple[str, AnswerValue]]] = {}
        for name, value in given:
            by_key.setdefault(_key(value), []).append((name, value))
        if len(by_key) < 2:
            continue
        model = _key(expected[question.id]) if question.id in expected else None
        counts = tuple(
            AnswerCount(
                value=entries[0][1],
                count=len(entries),
                names=tuple(n for n, _v in entries),
                expected=key == model,
            )
            for key, entries in sorted(by_key.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        )
        found.append(Divergence(question, len(given), counts, counts[0].count / len(given)))
    found.sort(key=lambda d: (d.agreement, d.matching_expected / d.answered, d.question.id))
    return tuple(found[:DIVERGENT_SHOWN])
