"""The report model: plain values, in the report's language, built from a definition, an answer file
and its scoring result. The HTML page, the PDF and the JSON output are all rendered from it, so they
cannot disagree. Nothing here reads the database or the request."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime, lazy_pgettext
from flask_babel import gettext as _

from assess import labels
from assess.answers import AnswerFile
from assess.compare import Comparison
from assess.i18n import KNOWN, direction, format_citation, join_citation, qt
from assess.questionnaire import (
    SEVERITIES,
    AnswerValue,
    Definition,
    Question,
    parse_source,
    same_answer,
    visibility,
)
from assess.scoring import DISAGREE_PREFIX, OwnFinding, Result, is_disagreement, is_own


@dataclass(frozen=True)
class Source:
    number: int
    label: str  # "Smuggling of Migrants Protocol art. 5"


@dataclass(frozen=True)
class Instrument:
    short: str
    title: str


@dataclass(frozen=True)
class FindingView:
    id: str
    title: str
    severity: str
    severity_label: str
    residual: str
    residual_label: str
    red_line: bool
    gap: bool
    risk: str
    question: str
    answer: str
    raised: tuple[str, ...]
    mitigations: tuple[str, ...]  # mitigation numbers, "M3"
    refs: tuple[int, ...]
    own: bool = False  # added by the assessor, not raised by the questionnaire


@dataclass(frozen=True)
class MitigationView:
    id: str
    number: str
    text: str
    owner_hint: str
    owner: str
    due: str
    due_iso: str
    status: str
    status_label: str
    overdue: bool
    severity: str
    severity_label: str
    addresses: tuple[str, ...]  # finding titles
    refs: tuple[int, ...]
    own: bool = False


@dataclass(frozen=True)
class CheckView:
    id: str
    title: str
    applicable: bool
    rating: str
    rating_label: str
    inherent: str
    inherent_label: str
    counts: dict[str, int]
    red_line_open: bool
    standard: str
    standard_refs: tuple[int, ...]
    findings: tuple[FindingView, ...]
    not_applicable: str


@dataclass(frozen=True)
class AppendixItem:
    question: str
    answer: str
    notes: str
    comments: tuple[str, ...] = ()
    partner: str = ""  # the partner's answer, where it differs from the author's


@dataclass(frozen=True)
class ReviewView:
    status: str
    status_label: str
    version_number: int
    decided: bool
    decision_name: str
    decision_role: str
    decision_date: str
    decision_reason: str
    frozen_sha256: str
    verified: bool  # the answers still hash to the signed snapshot


@dataclass(frozen=True)
class AuditView:
    when: str
    who: str
    action: str
    target: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeView:
    question: str
    before: str
    after: str


@dataclass(frozen=True)
class ComparisonView:
    before_version: int
    after_version: int
    verdict_before: str
    verdict_after: str
    ratings: tuple[tuple[str, str, str], ...]  # check title, rating before, rating after
    answers: tuple[ChangeView, ...]
    plan: tuple[tuple[str, str, str], ...]  # "M3 text", state before, state after
    done: int
    late: int
    open: int


@dataclass(frozen=True)
class Governance:
    """The review record of a screening, as plain values from the store: status, decision,
    comments and audit trail, and the comparison with the previous version."""

    status: str = "draft"
    version_number: int = 1
    decision_name: str = ""
    decision_role: str = ""
    decision_at: datetime | None = None
    decision_reason: str = ""
    frozen_sha256: str = ""
    # (question id or None, name, text, when)
    comments: tuple[tuple[str | None, str, str, datetime], ...] = ()
    # (when, role, name, action, target, before, after)
    audit: tuple[tuple[datetime, str, str, str, str | None, Any, Any], ...] = ()
    comparison: Comparison | None = None


@dataclass(frozen=True)
class AppendixSection:
    title: str
    items: tuple[AppendixItem, ...]


@dataclass(frozen=True)
class ReportModel:
    reference: str
    sha256: str
    generated: str
    generated_iso: str
    language: str
    language_name: str
    dir: str
    questionnaire: str
    version: int
    questionnaire_title: str
    title: str
    partners: str
    assessor: str
    verdict: str
    verdict_label: str
    verdict_reason: str
    verdict_findings: tuple[str, ...]
    complete: bool
    missing: int
    answers_language: str  # set when free text was written in another language
    notices: tuple[str, ...]
    checks: tuple[CheckView, ...]
    mitigations: tuple[MitigationView, ...]
    appendix: tuple[AppendixSection, ...]
    sources: tuple[Source, ...]
    instruments: tuple[Instrument, ...]
    severities: tuple[tuple[str, str], ...] = field(default=())
    review: ReviewView | None = None
    general_comments: tuple[str, ...] = ()
    audit: tuple[AuditView, ...] = ()
    comparison: ComparisonView | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # The JSON form keeps the documented shape of the scoring output: checks.<id>.rating.
        data["checks"] = {c["id"]: c for c in data["checks"]}
        return data


def reference_for(seed: str) -> str:
    """A short reference that names a record without revealing its secret link."""
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:12].upper()
    return f"PPS-{digest[:4]}-{digest[4:8]}-{digest[8:]}"


class _Sources:
    """Numbers each distinct source in order of first citation."""

    def __init__(self, definition: Definition):
        self.definition = definition
        self.numbers: dict[str, int] = {}

    def refs(self, sources: tuple[str, ...]) -> tuple[int, ...]:
        out = []
        for source in sources:
            if source not in self.numbers:
                self.numbers[source] = len(self.numbers) + 1
            out.append(self.numbers[source])
        return tuple(dict.fromkeys(out))

    def listing(self) -> tuple[Source, ...]:
        return tuple(
            Source(
                number=n,
                label=self.definition.source_label(s, qt, format_citation, join_citation),
            )
            for s, n in self.numbers.items()
        )

    def instruments(self) -> tuple[Instrument, ...]:
        """Each instrument cited, once, in order of first citation."""
        keys = dict.fromkeys(parse_source(s)[0] for s in self.numbers)
        return tuple(
            Instrument(
                short=qt(self.definition.instruments[k].short),
                title=qt(self.definition.instruments[k].title),
            )
            for k in keys
        )


def build(
    definition: Definition,
    data: AnswerFile,
    result: Result,
    language: str,
    reference: str,
    now: datetime,
    today: date | None = None,
    governance: Governance | None = None,
) -> ReportModel:
    """Call inside `flask_babel.force_locale(language)` so that every text is in that language."""
    today = today or now.date()
    view = visibility(definition, data.answers)
    sources = _Sources(definition)
    answers = view.answers

    def answer_of(question_id: str) -> str:
        return labels.answer_text(definition.questions[question_id], answers.get(question_id))

    mitigation_numbers = {m.id: f"M{i}" for i, m in enumerate(result.mitigations, start=1)}
    finding_titles: dict[str, str] = {}
    checks = []
    for check in definition.checks:
        outcome = result.checks[check.id]
        standard_refs = sources.refs(check.sources) if outcome.applicable else ()
        findings = []
        for f in outcome.findings:
            if is_disagreement(f.id):
                d = result.disagreements[f.id]
                q = definition.questions[d.question]
                title = _("The partners disagree: %(question)s", question=qt(q.label))
                finding_titles[f.id] = title
                findings.append(
                    FindingView(
                        id=f.id,
                        title=title,
                        severity=f.severity,
                        severity_label=str(labels.RATINGS[f.severity]),
                        residual=f.residual,
                        residual_label=str(labels.RATINGS[f.residual]),
                        red_line=False,
                        gap=False,
                        risk=disagreement_text(q, d.author, d.partner, d.used),
                        question=qt(q.label),
                        answer=labels.answer_text(q, d.author if d.used == "author" else d.partner),
                        raised=(),
                        mitigations=(mitigation_numbers[f.id],),
                        refs=(),
                    )
                )
                continue
            if is_own(f.id):
                o = result.own_findings[f.id]
                finding_titles[f.id] = o.title
                findings.append(
                    FindingView(
                        id=f.id,
                        title=o.title,
                        severity=f.severity,
                        severity_label=str(labels.RATINGS[f.severity]),
                        residual=f.residual,
                        residual_label=str(labels.RATINGS[f.residual]),
                        red_line=False,
                        gap=False,
                        risk=o.risk,
                        question="",
                        answer="",
                        raised=(),
                        mitigations=(mitigation_numbers[f.id],),
                        refs=(),
                        own=True,
                    )
                )
                continue
            question, finding = definition.findings[f.id]
            finding_titles[f.id] = qt(finding.title)
            raised = []
            if "severity_if" in f.raised_by:
                raised.append(_("Severity raised by the partnership's profile."))
            if "escalate_if" in f.raised_by:
                raised.append(
                    _("Severity raised one level: people at heightened risk are affected.")
                )
            findings.append(
                FindingView(
                    id=f.id,
                    title=qt(finding.title),
                    severity=f.severity,
                    severity_label=str(labels.RATINGS[f.severity]),
                    residual=f.residual,
                    residual_label=str(labels.RATINGS[f.residual]),
                    red_line=f.red_line,
                    gap=f.gap,
                    risk=qt(finding.risk),
                    question=qt(question.label),
                    answer=answer_of(question.id),
                    raised=tuple(raised),
                    mitigations=tuple(mitigation_numbers[m] for m in f.mitigations),
                    refs=sources.refs(f.sources),
                )
            )
        counts: dict[str, int] = {s: outcome.count(s) for s in SEVERITIES}
        checks.append(
            CheckView(
                id=check.id,
                title=qt(check.title),
                applicable=outcome.applicable,
                rating=outcome.rating,
                rating_label=str(labels.RATINGS[outcome.rating]),
                inherent=outcome.inherent,
                inherent_label=str(labels.RATINGS[outcome.inherent]),
                counts=counts,
                red_line_open=outcome.red_line_open,
                standard=qt(check.standard),
                standard_refs=standard_refs,
                findings=tuple(findings),
                not_applicable="" if outcome.applicable else qt(check.not_applicable),
            )
        )

    mitigations = []
    for m in result.mitigations:
        own = result.own_findings.get(m.id)
        spec = definition.mitigation_by_id.get(m.id)
        c = m.commitment
        mitigations.append(
            MitigationView(
                id=m.id,
                number=mitigation_numbers[m.id],
                text=mitigation_text(definition, m.id, result.own_findings),
                owner_hint=qt(spec.owner) if spec else (_("Both partners") if not own else ""),
                owner=c.owner,
                due=format_date(c.due, "medium") if c.due else "",
                due_iso=c.due.isoformat() if c.due else "",
                status=c.status,
                status_label=str(labels.STATUSES[c.status]),
                overdue=bool(c.due and c.status != "done" and c.due < today),
                severity=m.severity,
                severity_label=str(labels.RATINGS[m.severity]),
                addresses=tuple(finding_titles[f] for f in m.addresses),
                refs=sources.refs(spec.sources) if spec else (),
                own=own is not None,
            )
        )

    gov = governance or Governance()
    comments: dict[str | None, list[str]] = {}
    for question_id, name, text, when in gov.comments:
        comments.setdefault(question_id, []).append(
            _(
                "%(name)s (%(when)s): %(text)s",
                name=name,
                when=format_date(when, "medium"),
                text=text,
            )
        )
    appendix = []
    for section in view.sections:
        items = tuple(
            AppendixItem(
                question=qt(q.label),
                answer=answer_of(q.id) or _("Not answered"),
                notes=data.notes.get(q.id, ""),
                comments=tuple(comments.get(q.id, ())),
                partner=_partner_answer(q, answers.get(q.id), data.partner_answers.get(q.id)),
            )
            for q in view.shown_in(section)
        )
        appendix.append(AppendixSection(title=qt(section.title), items=items))

    notices = []
    for notice in definition.notices:
        if notice.id in result.notices:
            notices.append(qt(notice.text))
            sources.refs(notice.sources)

    partners_question = definition.questions.get("partners")
    title_question = definition.title_question
    title = str(answers.get(title_question, "")) if title_question else ""
    sha256 = data.sha256()
    review = None
    if governance is not None:
        decided = gov.status in ("approved", "approved_with_conditions", "refused")
        review = ReviewView(
            status=gov.status,
            status_label=str(labels.REVIEW_STATUSES[gov.status]),
            version_number=gov.version_number,
            decided=decided,
            decision_name=gov.decision_name,
            decision_role=gov.decision_role,
            decision_date=format_date(gov.decision_at, "long") if gov.decision_at else "",
            decision_reason=gov.decision_reason,
            frozen_sha256=gov.frozen_sha256,
            verified=bool(gov.frozen_sha256) and gov.frozen_sha256 == sha256,
        )
    return ReportModel(
        reference=reference,
        sha256=sha256,
        generated=format_datetime(now, "long"),
        generated_iso=now.isoformat(timespec="seconds"),
        language=language,
        language_name=KNOWN.get(language, language),
        dir=direction(language),
        questionnaire=definition.id,
        version=definition.version,
        questionnaire_title=qt(definition.title),
        title=title or data.title or _("Untitled screening"),
        partners=str(answers.get("partners", "")) if partners_question else "",
        assessor=data.assessor,
        verdict=result.verdict,
        verdict_label=str(labels.VERDICTS[result.verdict]),
        verdict_reason=str(labels.VERDICT_REASONS[result.verdict]),
        verdict_findings=tuple(finding_titles[f] for f in result.reasons[:5]),
        complete=result.complete,
        missing=len(result.required_missing),
        answers_language=KNOWN.get(data.locale, data.locale) if data.locale != language else "",
        notices=tuple(notices),
        checks=tuple(checks),
        mitigations=tuple(mitigations),
        appendix=tuple(appendix),
        sources=sources.listing(),
        instruments=sources.instruments(),
        severities=tuple((s, str(labels.RATINGS[s])) for s in SEVERITIES),
        review=review,
        general_comments=tuple(comments.get(None, ())),
        audit=tuple(audit_views(definition, gov.audit, mitigation_numbers, result.own_findings)),
        comparison=comparison_view(
            definition, gov.comparison, mitigation_numbers, result.own_findings
        ),
    )


def _value_text(definition: Definition, action: str, target: str | None, value: Any) -> str:
    """An audit entry's before or after value, as the person reading the trail would read it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_("set") if value else _("removed"))
    if action in ("answer", "partner_answer") and target in definition.questions:
        return labels.answer_text(definition.questions[target], value)
    if action == "status" and value in labels.REVIEW_STATUSES:
        return str(labels.REVIEW_STATUSES[value])
    if action == "plan" and isinstance(value, dict):
        status = labels.STATUSES.get(value.get("status", ""), "")
        parts = (value.get("owner"), value.get("due"), status)
        return " · ".join(str(v) for v in parts if v)
    return str(value)


def audit_views(
    definition: Definition,
    entries: tuple[tuple[datetime, str, str, str, str | None, Any, Any], ...],
    numbers: dict[str, str],
    own: Mapping[str, OwnFinding] | None = None,
) -> list[AuditView]:
    views = []
    for when, role, name, action, target, before, after in entries:
        if action in ("answer", "notes", "comment", "partner_answer", "partner_notes") and (
            target in definition.questions
        ):
            what = qt(definition.questions[target].label)
        elif action in ("plan", "own_finding") and target:
            what = f"{numbers.get(target, '')} {mitigation_text(definition, target, own or {})}"
        else:
            what = ""
        role_label = str(labels.ROLES.get(role, role))
        views.append(
            AuditView(
                when=format_datetime(when, "medium"),
                who=f"{role_label}: {name}" if name else role_label,
                action=str(labels.AUDIT_ACTIONS.get(action, action)),
                target=what.strip(),
                before=_value_text(definition, action, target, before),
                after=_value_text(definition, action, target, after),
            )
        )
    return views


PROGRESS = {
    "done": lazy_pgettext("progress", "Done"),
    "late": lazy_pgettext("progress", "Late"),
    "open": lazy_pgettext("progress", "Open"),
    "": lazy_pgettext("progress", "Not in the plan"),
}


def disagreement_text(
    question: Question, author: AnswerValue, partner: AnswerValue, used: str
) -> str:
    return str(
        _(
            "The public authority's side answered “%(author)s”; the private partner answered "
            "“%(partner)s”. Until the partners settle it before signature, the more severe answer "
            "(“%(used)s”) is scored.",
            author=labels.answer_text(question, author),
            partner=labels.answer_text(question, partner),
            used=labels.answer_text(question, author if used == "author" else partner),
        )
    )


def _partner_answer(question: Question, mine: Any, theirs: Any) -> str:
    if theirs is None or same_answer(mine, theirs):
        return ""
    return labels.answer_text(question, theirs)


def mitigation_text(definition: Definition, mitigation: str, own: Mapping[str, OwnFinding]) -> str:
    """A mitigation's text, from the questionnaire, the assessor's own finding, or a disagreement
    to settle."""
    if mitigation in own:
        return own[mitigation].mitigation
    if is_disagreement(mitigation):
        question = definition.questions.get(mitigation[len(DISAGREE_PREFIX) :])
        label = qt(question.label) if question else ""
        return str(
            _(
                "Settle the answer to “%(question)s” between the partners, and record the agreed "
                "answer, before signature.",
                question=label,
            )
        )
    spec = definition.mitigation_by_id.get(mitigation)
    return qt(spec.text) if spec else ""


def comparison_view(
    definition: Definition,
    comparison: Comparison | None,
    numbers: dict[str, str],
    own: Mapping[str, OwnFinding] | None = None,
) -> ComparisonView | None:
    if comparison is None:
        return None
    return ComparisonView(
        before_version=comparison.before_version,
        after_version=comparison.after_version,
        verdict_before=str(labels.VERDICTS[comparison.verdict_before]),
        verdict_after=str(labels.VERDICTS[comparison.verdict_after]),
        ratings=tuple(
            (
                qt(definition.check_by_id[r.check].title),
                str(labels.RATINGS[r.before]),
                str(labels.RATINGS[r.after]),
            )
            for r in comparison.ratings
        ),
        answers=tuple(
            ChangeView(
                question=qt(c.question.label),
                before=labels.answer_text(c.question, c.before) or "–",
                after=labels.answer_text(c.question, c.after) or "–",
            )
            for c in comparison.answers
        ),
        plan=tuple(
            (
                f"{numbers.get(p.mitigation, '')} "
                f"{mitigation_text(definition, p.mitigation, own or {})}".strip(),
                str(PROGRESS[p.before]),
                str(PROGRESS[p.after]),
            )
            for p in comparison.plan
            if p.worth_showing
        ),
        done=comparison.count("done"),
        late=comparison.count("late"),
        open=comparison.count("open"),
    )
