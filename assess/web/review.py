"""Review and sign-off, the audit trail, and re-assessment: the author submits a draft (or
withdraws it), a reviewer with a third link comments and decides, a decided version is frozen, and
"Review this partnership" starts the next version from it, with a comparison of the two."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from assess import token_guessing
from assess.report.model import audit_views, comparison_view
from assess.store import DECISIONS, MAX_COMMENT, Actor, Locked, Record
from assess.web import definition_of, localized_blueprint, store
from assess.web.access import author, fetch
from assess.web.main import remember
from assess.web.report import comparison_for, paper_size, pdf_response, report_language

bp = localized_blueprint("review")
token_guessing(bp)

MAX_NAME = 200


# --- the author's side -------------------------------------------------------------------------


@bp.post("/a/<token>/submit")
def submit(token: str) -> BaseResponse:
    record = fetch(token)
    definition = definition_of(record)
    name = request.form.get("name", "").strip()[:MAX_NAME]
    if not name:
        flash(_("Please give your name: the audit trail and the reviewer need it."))
        return redirect(url_for("wizard.summary", token=token) + "#review")
    if not record.answer_file().score(definition).complete:
        flash(_("Please answer every question before submitting this screening for review."))
        return redirect(url_for("wizard.summary", token=token) + "#review")
    if not record.assessor:
        store().set_assessor(token, name, Actor("author", name))
    store().submit(token, Actor("author", name))
    flash(_("Submitted for review. Send the reviewer link (Links and passphrase) to the reviewer."))
    return redirect(url_for("wizard.summary", token=token) + "#review")


@bp.post("/a/<token>/withdraw")
def withdraw(token: str) -> BaseResponse:
    record = fetch(token)
    store().withdraw(token, author(record))
    flash(_("The submission is withdrawn: the screening is a draft again and can be changed."))
    return redirect(url_for("wizard.summary", token=token) + "#review")


@bp.post("/a/<token>/new-version")
def new_version(token: str) -> BaseResponse:
    """Re-assessment: the next version starts from this decided one."""
    record = fetch(token)
    new = store().new_version(token, author(record))
    flash(
        _(
            "Version %(n)d is ready, with the answers and action plan of version %(m)d. Version "
            "%(m)d stays as it was decided.",
            n=record.version_number + 1,
            m=record.version_number,
        )
    )
    return remember(redirect(url_for("wizard.summary", token=new)), new)


@bp.get("/a/<token>/history")
def history(token: str) -> str:
    """The audit trail: who changed what, and when."""
    record = fetch(token)
    definition = definition_of(record)
    result = record.answer_file().score(definition)
    numbers = {m.id: f"M{i}" for i, m in enumerate(result.mitigations, start=1)}
    entries = [
        (e.at, e.role, e.name, e.action, e.target, e.before, e.after) for e in store().audit(token)
    ]
    return render_template(
        "history.html",
        record=record,
        entries=audit_views(definition, tuple(entries), numbers, result.own_findings),
    )


@bp.get("/a/<token>/compare")
def compare_page(token: str) -> str:
    """What changed since the version this one started from."""
    record = fetch(token)
    definition = definition_of(record)
    result = record.answer_file().score(definition)
    comparison = comparison_for(record, result)
    if comparison is None:
        abort(404)
    numbers = {m.id: f"M{i}" for i, m in enumerate(result.mitigations, start=1)}
    return render_template(
        "compare.html",
        record=record,
        comparison=comparison_view(definition, comparison, numbers, result.own_findings),
    )


# --- the reviewer's side -------------------------------------------------------------------------


def _reviewed(reviewer: str) -> Record:
    return fetch(reviewer, link="reviewer")


def _review_page(record: Record, reviewer: str, errors: dict[str, str] | None = None) -> str:
    from assess.web.report import model_for

    report = model_for(record, str(report_language()))
    definition = definition_of(record)
    questions = [
        (s, [q for q in s.questions if q.id in record.answers]) for s in definition.sections
    ]
    return render_template(
        "review.html",
        record=record,
        reviewer=reviewer,
        report=report,
        questions=[(s, qs) for s, qs in questions if qs],
        decisions=DECISIONS,
        errors=errors or {},
        form=request.form if request.method == "POST" else {},
        max_comment=MAX_COMMENT,
    )


@bp.get("/r/<reviewer>/")
def reviewer_page(reviewer: str) -> str:
    return _review_page(_reviewed(reviewer), reviewer)


@bp.post("/r/<reviewer>/comment")
def comment(reviewer: str) -> BaseResponse | tuple[str, int]:
    record = _reviewed(reviewer)
    name = request.form.get("name", "").strip()[:MAX_NAME]
    text = request.form.get("text", "").strip()
    question = request.form.get("question") or None
    definition = definition_of(record)
    errors = {}
    if not name:
        errors["name"] = _("Please give your name.")
    if not text or len(text) > MAX_COMMENT:
        errors["text"] = _("Please write a comment of at most %(n)d characters.", n=MAX_COMMENT)
    if question is not None and question not in definition.questions:
        errors["question"] = _("Please choose a question from the list.")
    if errors:
        return _review_page(record, reviewer, errors), 422
    if record.status == "submitted":
        store().start_review(reviewer, Actor("reviewer", name))
    store().comment(reviewer, question, name, text)
    flash(_("Your comment is saved. The author sees it beside the question."))
    return redirect(url_for("review.reviewer_page", reviewer=reviewer))


@bp.post("/r/<reviewer>/decision")
def decision(reviewer: str) -> BaseResponse | tuple[str, int]:
    record = _reviewed(reviewer)
    decided = request.form.get("decision", "")
    name = request.form.get("name", "").strip()[:MAX_NAME]
    role = request.form.get("role", "").strip()[:MAX_NAME]
    reason = request.form.get("reason", "").strip()
    errors = {}
    if decided not in DECISIONS:
        errors["decision"] = _("Please choose a decision.")
    if not name:
        errors["decision_name"] = _("Please give your name.")
    if not role:
        errors["role"] = _("Please give your role or function.")
    if not reason or len(reason) > MAX_COMMENT:
        errors["reason"] = _(
            "Please give the reasons for the decision (at most %(n)d characters).", n=MAX_COMMENT
        )
    if record.status not in ("submitted", "under_review"):
        raise Locked(record.status)
    if errors:
        return _review_page(record, reviewer, errors), 422
    store().decide(reviewer, decided, name, role, reason)
    flash(_("The decision is recorded. This version is now frozen as signed."))
    return redirect(url_for("review.reviewer_page", reviewer=reviewer))


@bp.get("/r/<reviewer>/report.pdf")
def reviewer_pdf(reviewer: str) -> BaseResponse | tuple[str, int]:
    return pdf_response(_reviewed(reviewer), report_language(), paper_size())
