"""The answer file: one JSON format for export, import, the command line and the tests.

```
{"questionnaire": ID, "version": V, "locale": "en", "title": "...", "assessor": "...",
 "answers": {QUESTION_ID: OPTION_ID | [OPTION_IDS] | TEXT},
 "notes": {QUESTION_ID: TEXT},
 "mitigations": {MITIGATION_ID: {"owner": "...", "due": "YYYY-MM-DD",
                                "status": "planned" | "done"}},
 "own_findings": [{"id": "own-1", "check": CHECK_ID, "severity": "low" | "medium" | "high" |
                   "critical", "title": "...", "risk": "...", "mitigation": "..."}]}
```
`own_findings` (the assessor's own findings, whose mitigation ids are their own ids) and
`partner_answers` / `partner_notes` (the invited partner's side, shaped as `answers` / `notes`)
are written only when there are some, so that files without them keep their exact form and
fingerprint.
:func:`parse` checks a file completely and either returns it or raises :class:`AnswerFileError`
listing every problem, so nothing is ever half-imported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assess.questionnaire import SEVERITIES, AnswerValue, Definition, Question, Registry
from assess.scoring import (
    DISAGREE_PREFIX,
    OWN_PREFIX,
    STATUSES,
    Commitment,
    OwnFinding,
    Result,
    score,
)

FORMAT_KEYS = {
    "questionnaire",
    "version",
    "locale",
    "title",
    "assessor",
    "answers",
    "notes",
    "mitigations",
    "own_findings",
    "partner_answers",
    "partner_notes",
}
MAX_NOTE = 4000
MAX_OWNER = 200
MAX_TITLE = 200


class AnswerFileError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class AnswerFile:
    questionnaire: str
    version: int
    locale: str = "en"
    title: str = ""
    assessor: str = ""
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    mitigations: dict[str, Commitment] = field(default_factory=dict)
    own_findings: tuple[OwnFinding, ...] = ()
    partner_answers: dict[str, AnswerValue] = field(default_factory=dict)
    partner_notes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "questionnaire": self.questionnaire,
            "version": self.version,
            "locale": self.locale,
            "title": self.title,
            "assessor": self.assessor,
            "answers": dict(self.answers),
            "notes": dict(self.notes),
            "mitigations": {m: c.to_dict() for m, c in self.mitigations.items()},
        }
        if self.own_findings:
            data["own_findings"] = [o.to_dict() for o in self.own_findings]
        if self.partner_answers:
            data["partner_answers"] = dict(self.partner_answers)
        if self.partner_notes:
            data["partner_notes"] = dict(self.partner_notes)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def sha256(self) -> str:
        """Fingerprint of the canonical export, printed on reports to match them to their record."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    def score(self, definition: Definition) -> Result:
        """Everything in the file that counts: both sides' answers, the plan, own findings."""
        return score(
            definition, self.answers, self.mitigations, self.own_findings, self.partner_answers
        )


def loads(text: str | bytes, registry: Registry) -> AnswerFile:
    try:
        raw = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AnswerFileError([f"the file is not valid JSON: {exc}"]) from exc
    return parse(raw, registry)


def parse(raw: Any, registry: Registry) -> AnswerFile:
    if not isinstance(raw, dict):
        raise AnswerFileError(["the file must hold a JSON object"])
    problems: list[str] = []
    unknown_keys = sorted(set(raw) - FORMAT_KEYS)
    if unknown_keys:
        problems.append(f"unknown keys: {', '.join(unknown_keys)}")
    qid, version = raw.get("questionnaire"), raw.get("version")
    if not isinstance(qid, str) or not isinstance(version, int) or isinstance(version, bool):
        raise AnswerFileError(
            [*problems, "'questionnaire' (text) and 'version' (whole number) are required"]
        )
    definition = registry.get(qid, version)
    if definition is None:
        known = ", ".join(f"{d.id} version {d.version}" for d in registry)
        raise AnswerFileError(
            [*problems, f"unknown questionnaire {qid!r} version {version}; this app knows {known}"]
        )
    locale = raw.get("locale", "en")
    title = raw.get("title", "")
    assessor = raw.get("assessor", "")
    if not isinstance(locale, str) or not 2 <= len(locale) <= 10:
        problems.append("'locale' must be a language code such as 'en'")
    if not isinstance(title, str) or len(title) > MAX_TITLE:
        problems.append(f"'title' must be text of at most {MAX_TITLE} characters")
    if not isinstance(assessor, str) or len(assessor) > MAX_OWNER:
        problems.append(f"'assessor' must be text of at most {MAX_OWNER} characters")
    answers = _mapping(raw, "answers", problems)
    notes = _mapping(raw, "notes", problems)
    mitigations = _mapping(raw, "mitigations", problems)

    clean_answers, clean_notes = _answers_and_notes(definition, answers, notes, "", problems)
    partner_answers, partner_notes = _answers_and_notes(
        definition,
        _mapping(raw, "partner_answers", problems),
        _mapping(raw, "partner_notes", problems),
        "partner ",
        problems,
    )
    own = _own_findings(raw.get("own_findings", []), definition, problems)
    known_mitigations = (
        set(definition.mitigation_by_id)
        | {o.id for o in own}
        | {DISAGREE_PREFIX + q for q in definition.questions}  # settling a disagreement
    )
    clean_mitigations: dict[str, Commitment] = {}
    unknown_mitigations = sorted(set(mitigations) - known_mitigations)
    if unknown_mitigations:
        problems.append(f"unknown mitigation ids: {', '.join(unknown_mitigations)}")
    for mitigation_id, entry in mitigations.items():
        if mitigation_id not in known_mitigations:
            continue
        try:
            clean_mitigations[mitigation_id] = commitment_from(entry)
        except ValueError as exc:
            problems.append(f"mitigation {mitigation_id!r}: {exc}")
    if problems:
        raise AnswerFileError(problems)
    return AnswerFile(
        questionnaire=qid,
        version=version,
        locale=locale,
        title=title,
        assessor=assessor,
        answers=clean_answers,
        notes=clean_notes,
        mitigations=clean_mitigations,
        own_findings=own,
        partner_answers=partner_answers,
        partner_notes=partner_notes,
    )


def _answers_and_notes(
    definition: Definition,
    answers: dict[str, Any],
    notes: dict[str, Any],
    who: str,
    problems: list[str],
) -> tuple[dict[str, AnswerValue], dict[str, str]]:
    """One side's answers and notes, checked against the questionnaire."""
    clean_answers: dict[str, AnswerValue] = {}
    unknown_questions = sorted(set(answers) - set(definition.questions))
    if unknown_questions:
        problems.append(f"{who}unknown question ids: {', '.join(unknown_questions)}")
    for question_id, value in answers.items():
        question = definition.questions.get(question_id)
        if question is None:
            continue
        error = answer_problem(question, value)
        if error:
            problems.append(f"{who}answer to {question_id!r}: {error}")
        else:
            clean_answers[question_id] = value
    clean_notes: dict[str, str] = {}
    unknown_notes = sorted(set(notes) - set(definition.questions))
    if unknown_notes:
        problems.append(f"notes for {who}unknown question ids: {', '.join(unknown_notes)}")
    for question_id, text in notes.items():
        if question_id not in definition.questions:
            continue
        if not isinstance(text, str) or len(text) > MAX_NOTE:
            problems.append(
                f"note on {question_id!r} must be text of at most {MAX_NOTE} characters"
            )
        elif text:
            clean_notes[question_id] = text
    return clean_answers, clean_notes


def own_finding_problems(
    definition: Definition, check: Any, severity: Any, title: Any, risk: Any, mitigation: Any
) -> list[str]:
    """What is wrong with an own finding (empty when it is fine): one rule for files and forms."""
    problems = []
    if check not in definition.check_by_id:
        problems.append("check")
    if severity not in SEVERITIES:
        problems.append("severity")
    if not isinstance(title, str) or not 0 < len(title.strip()) <= MAX_TITLE:
        problems.append("title")
    for key, text in (("risk", risk), ("mitigation", mitigation)):
        if not isinstance(text, str) or not 0 < len(text.strip()) <= MAX_NOTE:
            problems.append(key)
    return problems


def _own_findings(raw: Any, definition: Definition, problems: list[str]) -> tuple[OwnFinding, ...]:
    if not isinstance(raw, list):
        problems.append("'own_findings' must be a list")
        return ()
    out: list[OwnFinding] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            problems.append(f"own finding {index + 1} must be an object")
            continue
        ident = entry.get("id")
        wrong = own_finding_problems(
            definition,
            entry.get("check"),
            entry.get("severity"),
            entry.get("title"),
            entry.get("risk"),
            entry.get("mitigation"),
        )
        number = ident[len(OWN_PREFIX) :] if isinstance(ident, str) else ""
        if not isinstance(ident, str) or not ident.startswith(OWN_PREFIX) or not number.isdigit():
            wrong.append("id")
        elif any(o.id == ident for o in out):
            wrong.append("id (twice)")
        if wrong:
            problems.append(f"own finding {index + 1}: wrong or missing {', '.join(wrong)}")
            continue
        out.append(
            OwnFinding(
                id=entry["id"],
                check=entry["check"],
                severity=entry["severity"],
                title=entry["title"].strip(),
                risk=entry["risk"].strip(),
                mitigation=entry["mitigation"].strip(),
            )
        )
    return tuple(out)


def _mapping(raw: Mapping[str, Any], key: str, problems: list[str]) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"'{key}' must be an object")
        return {}
    return value


def answer_problem(question: Question, value: Any) -> str | None:
    """Why a value is not a valid answer to a question, or None."""
    if question.type == "text":
        if not isinstance(value, str):
            return "must be text"
        if len(value) > question.max_length:
            return f"is longer than {question.max_length} characters"
        return None
    if question.type == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of option ids"
        bad = [v for v in value if v not in question.option_ids]
        if bad:
            return f"unknown options {', '.join(map(repr, bad))}"
        if len(set(value)) != len(value):
            return "lists an option twice"
        exclusive = [o.id for o in question.choices if o.exclusive and o.id in value]
        if exclusive and len(value) > 1:
            return f"option {exclusive[0]!r} cannot be combined with others"
        return None
    if not isinstance(value, str):
        return "must be one option id"
    if value not in question.option_ids:
        return f"unknown option {value!r}"
    return None


def commitment_from(entry: Any) -> Commitment:
    if not isinstance(entry, dict):
        raise ValueError("must be an object with owner, due and status")
    extra = sorted(set(entry) - {"owner", "due", "status"})
    if extra:
        raise ValueError(f"unknown keys {', '.join(extra)}")
    owner = entry.get("owner", "")
    due = entry.get("due", "")
    status = entry.get("status", "planned")
    if not isinstance(owner, str) or len(owner) > MAX_OWNER:
        raise ValueError(f"owner must be text of at most {MAX_OWNER} characters")
    if status not in STATUSES:
        raise ValueError("status must be 'planned' or 'done'")
    if due in ("", None):
        due_date = None
    elif isinstance(due, str):
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            raise ValueError(f"due date {due!r} is not YYYY-MM-DD") from None
    else:
        raise ValueError("due must be a date as YYYY-MM-DD")
    return Commitment(owner=owner.strip(), due=due_date, status=status)


def of(definition: Definition) -> AnswerFile:
    """An empty answer file for a definition."""
    return AnswerFile(questionnaire=definition.id, version=definition.version)
