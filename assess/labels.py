"""Human words for the values scoring produces, in the current language. Shared by pages and
reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from assess.i18n import qt
from assess.questionnaire import AnswerValue, Question

RATINGS = {
    "not_applicable": _l("Not applicable"),
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
    "critical": _l("Critical"),
}

VERDICTS = {
    "proceed": _l("Proceed"),
    "proceed_with_conditions": _l("Proceed with conditions"),
    "redesign": _l("Redesign before signing"),
    "do_not_proceed": _l("Do not proceed as designed"),
}

# Where a screening stands in its review (pgettext: "Approved" etc. are short and ambiguous).
REVIEW_STATUSES = {
    "draft": lazy_pgettext("review", "Draft"),
    "submitted": lazy_pgettext("review", "Submitted for review"),
    "under_review": lazy_pgettext("review", "Under review"),
    "approved": lazy_pgettext("review", "Approved"),
    "approved_with_conditions": lazy_pgettext("review", "Approved with conditions"),
    "refused": lazy_pgettext("review", "Refused"),
}

# Who can answer a question from their own knowledge.
AUDIENCES = {
    "authority": _l("For the public authority"),
    "private": _l("For the private partner"),
    "both": _l("For both partners"),
}

ROLES = {
    "author": lazy_pgettext("role", "Author"),
    "reviewer": lazy_pgettext("role", "Reviewer"),
    "participant": lazy_pgettext("role", "Participant"),
    "partner": lazy_pgettext("role", "Private partner"),
}

# What an audit trail entry records.
AUDIT_ACTIONS = {
    "answer": _l("Answer changed"),
    "notes": _l("Notes changed"),
    "plan": _l("Action plan changed"),
    "status": _l("Status changed"),
    "comment": _l("Comment"),
    "assessor": _l("Assessor's name changed"),
    "read_only_link": _l("Read-only link changed"),
    "reviewer_link": _l("Reviewer link changed"),
    "edit_link": _l("Edit link replaced"),
    "passphrase": _l("Passphrase changed"),
    "new_version": _l("New version started"),
    "own_finding": _l("Assessor's own finding"),
    "partner_answer": _l("Partner's answer changed"),
    "partner_notes": _l("Partner's notes changed"),
    "partner_link": _l("Partner link changed"),
    "imported": _l("Imported from an answer file"),
}

VERDICT_REASONS = {
    "proceed": _l("No finding above low severity is open."),
    "proceed_with_conditions": _l(
        "High or medium findings are open: the partnership may go ahead only once the mitigations "
        "below are in place (high) or in place and monitored (medium)."
    ),
    "redesign": _l(
        "A critical design flaw is open: change the design, or commit to its mitigations, before "
        "signing."
    ),
    "do_not_proceed": _l(
        "A red line is crossed: something that must never happen whatever the safeguards. Only "
        "changing the partnership's design clears it."
    ),
}

STATUSES = {"planned": _l("Planned"), "done": _l("Done")}

# Short answer labels carry a context so that translators can tell "Yes" the answer from other uses.
YES_NO = {
    "yes": lazy_pgettext("answer", "Yes"),
    "partly": lazy_pgettext("answer", "Partly"),
    "no": lazy_pgettext("answer", "No"),
    "dont_know": lazy_pgettext("answer", "Don't know"),
}


def option_label(question: Question, option_id: str) -> str:
    if question.type == "yes_no":
        return str(YES_NO[option_id])
    option = question.option(option_id)
    return qt(option.label) if option else option_id


def answer_text(question: Question, value: AnswerValue | None) -> str:
    """An answer as the person who gave it would read it; free text stays exactly as typed."""
    if value is None:
        return ""
    if question.type == "text":
        return str(value)
    ids = [value] if isinstance(value, str) else list(value)
    return "; ".join(option_label(question, i) for i in ids)
