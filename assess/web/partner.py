"""The other side of the partnership: the partner invited through its own secret link answers the
questions it can answer (its own and the shared ones), on its own side, without seeing the author's
answers or notes. Where both sides answered differently, scoring takes the more severe answer and
raises a disagreement to settle before signature."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from assess import token_guessing
from assess.questionnaire import Definition, Question, Section, visibility
from assess.scoring import merge_sides
from assess.store import Actor, Conflict, Record
from assess.web import definition_of, localized_blueprint, store
from assess.web.access import fetch
from assess.web.forms import section_form, submitted

bp = localized_blueprint("partner")
token_guessing(bp)

PARTNER_AUDIENCES = ("private", "both")


def _load(partner: str) -> tuple[Record, Definition]:
    record = fetch(partner, link="partner")
    return record, definition_of(record)


def _pages(record: Record, definition: Definition) -> list[tuple[Section, list[Question]]]:
    """The sections with questions for the partner: its own and the shared choice questions that
    the partnership's profile (both sides' answers together) makes applicable. Free text stays the
    author's: the partner's notes carry its remarks."""
    merged, _disagreements = merge_sides(definition, record.answers, record.partner_answers)
    view = visibility(definition, merged)
    pages = []
    for section in view.sections:
        questions = [
            q
            for q in view.shown_in(section)
            if q.audience in PARTNER_AUDIENCES and q.type != "text"
        ]
        if questions:
            pages.append((section, questions))
    return pages


@bp.get("/p/<partner>/")
def start(partner: str) -> str:
    record, definition = _load(partner)
    pages = _pages(record, definition)
    return render_template(
        "partner_start.html", record=record, partner=partner, pages=pages, definition=definition
    )


@bp.route("/p/<partner>/s/<section_id>", methods=["GET", "POST"])
def section(partner: str, section_id: str) -> BaseResponse | tuple[str, int] | str:
    record, definition = _load(partner)
    pages = _pages(record, definition)
    order = [s.id for s, _qs in pages]
    if section_id not in order:
        abort(404)
    current, questions = pages[order.index(section_id)]
    if request.method == "GET":
        form = section_form(questions, record.partner_answers, record.partner_notes)
        return _render(record, partner, definition, pages, current, questions, form)
    form = section_form(
        questions,
        record.partner_answers,
        record.partner_notes,
        formdata=request.form,
        strict=False,  # the partner answers what it can; the author answers the rest
    )
    base = form.base_values()
    if not form.validate() or base is None:
        return _render(record, partner, definition, pages, current, questions, form), 400
    answers, notes = submitted(form, questions)
    try:
        store().save_answers(
            record.token,
            answers,
            notes,
            base=base,
            actor=Actor("partner", record.partner_name),
            side="partner",
        )
    except Conflict:
        flash(
            _(
                "These answers were changed meanwhile by someone else with this link. Nothing on "
                "this page was saved: the page now shows the saved answers."
            )
        )
        return redirect(url_for("partner.section", partner=partner, section_id=section_id))
    action = request.form.get("action", "next")
    index = order.index(section_id)
    if action == "save":
        flash(_("Your answers are saved."))
        return redirect(url_for("partner.section", partner=partner, section_id=section_id))
    if action == "back" and index > 0:
        return redirect(url_for("partner.section", partner=partner, section_id=order[index - 1]))
    if action == "next" and index < len(order) - 1:
        return redirect(url_for("partner.section", partner=partner, section_id=order[index + 1]))
    return redirect(url_for("partner.done", partner=partner))


def _render(
    record: Record,
    partner: str,
    definition: Definition,
    pages: list[tuple[Section, list[Question]]],
    current: Section,
    questions: list[Question],
    form: object,
) -> str:
    number = next(i for i, (s, _qs) in enumerate(pages, start=1) if s.id == current.id)
    return render_template(
        "partner_section.html",
        record=record,
        partner=partner,
        definition=definition,
        pages=pages,
        section=current,
        questions=questions,
        form=form,
        number=number,
    )


@bp.get("/p/<partner>/done")
def done(partner: str) -> str:
    record, definition = _load(partner)
    return render_template(
        "partner_done.html",
        record=record,
        partner=partner,
        pages=_pages(record, definition),
        definition=definition,
    )
