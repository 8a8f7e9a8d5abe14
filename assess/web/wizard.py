"""The guided wizard: one page per visible section, answers saved on every move, a summary, the
result with its action plan, and the answer-file export."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from assess import token_guessing
from assess.answers import MAX_OWNER, commitment_from, own_finding_problems
from assess.labels import answer_text
from assess.questionnaire import (
    AnswerValue,
    Definition,
    Question,
    Section,
    Visibility,
    is_answered,
    visibility,
)
from assess.scoring import Commitment, Result
from assess.store import Closed, Conflict, Locked, NotFound, Record
from assess.web import definition_of, localized_blueprint, store
from assess.web.access import author, fetch
from assess.web.forms import NOTES_SUFFIX, SectionForm, section_form, shown_values, submitted
from assess.web.main import remember

bp = localized_blueprint("wizard")
token_guessing(bp)


@dataclass(frozen=True)
class Step:
    section: Section
    number: int
    done: bool
    current: bool


def load(token: str) -> tuple[Record, Definition]:
    record = fetch(token)
    return record, definition_of(record)


def _steps(view: Visibility, current: str | None) -> list[Step]:
    steps = []
    for number, section in enumerate(view.sections, start=1):
        shown = [q for q in view.shown_in(section) if q.required]
        done = all(is_answered(q, view.answers.get(q.id)) for q in shown)
        steps.append(Step(section, number, done, section.id == current))
    return steps


@bp.get("/a/<token>/")
def resume(token: str) -> BaseResponse:
    record, definition = load(token)
    view = visibility(definition, record.answers)
    for step in _steps(view, None):
        if not step.done:
            target = url_for("wizard.section", token=token, section_id=step.section.id)
            return remember(redirect(target), token)
    return remember(redirect(url_for("wizard.summary", token=token)), token)


@bp.route("/a/<token>/s/<section_id>", methods=["GET", "POST"])
def section(token: str, section_id: str) -> BaseResponse | tuple[str, int] | str:
    record, definition = load(token)
    view = visibility(definition, record.answers)
    current = next((s for s in view.sections if s.id == section_id), None)
    if current is None:
        if any(s.id == section_id for s in definition.sections):
            # Not applicable to this profile (any more): carry on from where the user can.
            flash(_("That page does not apply to this partnership, given its profile."))
            return redirect(url_for("wizard.resume", token=token))
        abort(404)
    questions = list(view.shown_in(current))

    if request.method == "GET":
        form = section_form(questions, record.answers, record.notes)
        return remember(Response(_render(record, definition, view, current, form)), token)

    if record.workshop_closed:
        raise Closed()  # before checking the page: whatever it holds, nothing can change now
    if record.status != "draft":
        raise Locked(record.status)
    action = request.form.get("action", "next")
    form = section_form(
        questions, record.answers, record.notes, formdata=request.form, strict=action != "back"
    )
    if not form.validate():
        status = 400 if form.tampered() else 422
        page = _render(record, definition, view, current, form, status=status)
        return page, status
    answers, notes = submitted(form, questions)
    base = form.base_values()
    if base is None:
        abort(400)
    if action == "resolve":
        # Back from the conflict page: for each clash, keep mine or take what was saved meanwhile.
        for question in questions:
            if request.form.get(f"choice-{question.id}") == "theirs":
                answers[question.id] = record.answers.get(question.id)
            if request.form.get(f"choice-{question.id}{NOTES_SUFFIX}") == "theirs":
                notes[question.id] = record.notes.get(question.id)
    try:
        record = store().save_answers(
            token,
            answers,
            notes,
            title_from=definition.title_question,
            base=base,
            actor=author(record),
        )
    except Conflict as conflict:
        return _conflict(record, definition, current, questions, answers, notes, conflict), 409
    view = visibility(definition, record.answers)
    order = [s.id for s in view.sections]
    if action == "save":
        flash(_("Your answers are saved."))
        return redirect(url_for("wizard.section", token=token, section_id=section_id))
    if action == "summary":
        return redirect(url_for("wizard.summary", token=token))
    index = order.index(section_id) if section_id in order else -1
    if action == "back":
        target = order[index - 1] if index > 0 else None
        if target is None:
            return redirect(url_for("main.start"))
        return redirect(url_for("wizard.section", token=token, section_id=target))
    if 0 <= index < len(order) - 1:
        return redirect(url_for("wizard.section", token=token, section_id=order[index + 1]))
    return redirect(url_for("wizard.summary", token=token))


def _conflict(
    record: Record,
    definition: Definition,
    current: Section,
    questions: list[Question],
    answers: dict[str, AnswerValue | None],
    notes: dict[str, str | None],
    conflict: Conflict,
) -> str:
    """Both values side by side; the user chooses. Nothing has been saved from this page."""
    now = store().get(record.token)
    clashes = []
    for clash in conflict.clashes:
        is_note = clash.key.endswith(NOTES_SUFFIX)
        question = definition.questions[clash.key.removesuffix(NOTES_SUFFIX)]
        mine = _shown(question, is_note, clash.mine)
        clashes.append(
            (clash.key, question, is_note, mine, _shown(question, is_note, clash.theirs))
        )
    return render_template(
        "conflict.html",
        record=record,
        section=current,
        questions=questions,
        answers=answers,
        notes=notes,
        clashes=clashes,
        base=json.dumps(shown_values(questions, now.answers, now.notes), ensure_ascii=False),
    )


def _shown(question: Question, is_note: bool, value: object) -> str:
    if value in (None, "", []):
        return ""
    if is_note or not isinstance(value, str | list):
        return str(value)
    return answer_text(question, value)


def _render(
    record: Record,
    definition: Definition,
    view: Visibility,
    current: Section,
    form: SectionForm,
    status: int = 200,
) -> str:
    steps = _steps(view, current.id)
    number = next(s.number for s in steps if s.current)
    return render_template(
        "section.html",
        record=record,
        definition=definition,
        section=current,
        questions=list(view.shown_in(current)),
        form=form,
        steps=steps,
        number=number,
        first=number == 1,
        last=number == len(steps),
        result=record.answer_file().score(definition),
        error_status=status,
    )


@bp.get("/a/<token>/summary")
def summary(token: str) -> BaseResponse:
    record, definition = load(token)
    view = visibility(definition, record.answers)
    result = record.answer_file().score(definition)
    page = render_template(
        "summary.html",
        record=record,
        definition=definition,
        view=view,
        steps=_steps(view, None),
        result=result,
    )
    return remember(Response(page), token)


@bp.get("/a/<token>/result")
def result(token: str) -> BaseResponse:
    record, definition = load(token)
    outcome = record.answer_file().score(definition)
    page = render_template(
        "result.html",
        record=record,
        definition=definition,
        result=outcome,
        plan_errors={},
        own_errors=[],
    )
    return remember(Response(page), token)


@bp.post("/a/<token>/plan")
def plan(token: str) -> BaseResponse | tuple[str, int]:
    """Save who will carry out which mitigation, by when, and whether it is done."""
    record, definition = load(token)
    outcome: Result = record.answer_file().score(definition)
    commitments: dict[str, Commitment] = {}
    errors: dict[str, str] = {}
    for mitigation in outcome.mitigations:
        prefix = f"m-{mitigation.id}-"
        entry = {
            "owner": request.form.get(prefix + "owner", ""),
            "due": request.form.get(prefix + "due", ""),
            "status": request.form.get(prefix + "status", "planned"),
        }
        if len(entry["owner"]) > MAX_OWNER:
            errors[mitigation.id] = _("Please keep the owner under %(n)d characters.", n=MAX_OWNER)
            continue
        try:
            commitments[mitigation.id] = commitment_from(entry)
        except ValueError:
            errors[mitigation.id] = _(
                "Please give the due date as a date (YYYY-MM-DD) and the status as planned or done."
            )
    if errors:
        page = render_template(
            "result.html",
            record=record,
            definition=definition,
            result=outcome,
            plan_errors=errors,
            own_errors=[],
        )
        return page, 400
    store().save_commitments(token, commitments, author(record))
    flash(_("The action plan is saved."))
    return redirect(url_for("wizard.result", token=token) + "#plan")


@bp.post("/a/<token>/own")
def add_own(token: str) -> BaseResponse | tuple[str, int]:
    """A finding of the assessor's own, where the questionnaire misses a risk."""
    record, definition = load(token)
    if record.status != "draft":
        raise Locked(record.status)
    outcome = record.answer_file().score(definition)
    form = {
        k: request.form.get(k, "") for k in ("check", "severity", "title", "risk", "mitigation")
    }
    problems = own_finding_problems(definition, **form)
    if not problems and not outcome.checks[form["check"]].applicable:
        problems.append("check")
    if problems:
        page = render_template(
            "result.html",
            record=record,
            definition=definition,
            result=outcome,
            plan_errors={},
            own_errors=problems,
        )
        return page, 422
    store().add_own_finding(
        token,
        form["check"],
        form["severity"],
        form["title"].strip(),
        form["risk"].strip(),
        form["mitigation"].strip(),
        author(record),
    )
    flash(_("Your finding is added. Give its mitigation an owner and a due date in the plan."))
    return redirect(url_for("wizard.result", token=token) + "#plan")


@bp.post("/a/<token>/own/<own_id>/remove")
def remove_own(token: str, own_id: str) -> BaseResponse:
    record, _definition = load(token)
    try:
        store().remove_own_finding(token, own_id, author(record))
    except NotFound:
        abort(404)
    flash(_("The finding and its mitigation are removed."))
    return redirect(url_for("wizard.result", token=token))


@bp.route("/a/<token>/delete", methods=["GET", "POST"])
def delete(token: str) -> BaseResponse | str:
    """Ask first; then delete the screening with all its answers, for good."""
    record, _definition = load(token)
    if request.method == "GET":
        return render_template("delete.html", record=record)
    store().delete(token)
    flash(_("The screening and all its answers have been deleted."))
    return redirect(url_for("main.start"))


@bp.get("/a/<token>/export.json")
def export(token: str) -> Response:
    record, _definition = load(token)
    body = record.answer_file().to_json()
    safe = "".join(c if c.isalnum() else "-" for c in (record.title or "assessment"))[:60]
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{safe or "assessment"}.json"'},
    )
