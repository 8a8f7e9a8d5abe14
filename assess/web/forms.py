"""Forms built from the questionnaire definition: one field per question, named after its id,
plus an optional notes field. Validation is WTForms'; CSRF is Flask-WTF's."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from assess.answers import MAX_NOTE
from assess.i18n import qt
from assess.labels import option_label
from assess.questionnaire import AnswerValue, Question
from assess.store import NOTES

NOTES_SUFFIX = NOTES  # a question's notes field: "<question id>__notes"


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SectionForm(FlaskForm):  # type: ignore[misc]
    """Fields are added per section by :func:`section_form`. `base` carries what the page showed
    when it was loaded, so that a save never silently overwrites someone else's change."""

    base = HiddenField()

    def base_values(self) -> dict[str, Any] | None:
        try:
            value = json.loads(self.base.data or "")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def tampered(self) -> bool:
        """True when an error comes from input a normal browser cannot send (an option that is not
        offered, text longer than the field allows), as opposed to a question left empty or options
        that cannot go together."""
        return any(field.errors and _impossible(field) for field in self)


def _impossible(field: Field) -> bool:
    raw = [str(v) for v in (field.raw_data or [])]
    if isinstance(field, RadioField | SelectMultipleField):
        offered = {str(c.value) for c in field.choices}
        return any(v not in offered for v in raw)
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max >= 0]
    return any(len(v) > limit for v in raw for limit in limits)


def _exclusive(question: Question) -> Any:
    exclusive = {o.id for o in question.choices if o.exclusive}

    def check(_form: Any, field: Field) -> None:
        chosen = set(field.data or [])
        clash = chosen & exclusive
        if clash and len(chosen) > 1:
            option = question.option(sorted(clash)[0])
            label = qt(option.label) if option else ""
            raise ValidationError(
                str(_l("“%(option)s” cannot be combined with other choices.", option=label))
            )

    return check


def field_for(question: Question, strict: bool) -> Field:
    required = question.required and strict
    presence = (
        [InputRequired(message=str(_l("Please answer this question.")))]
        if required
        else [Optional()]
    )
    if question.type == "text":
        length = Length(
            max=question.max_length,
            message=str(_l("Please keep this under %(n)d characters.", n=question.max_length)),
        )
        cls = StringField if question.max_length <= 200 else TextAreaField
        return cls(qt(question.label), validators=[*presence, length])
    choices = [SelectChoice(o.id, option_label(question, o.id)) for o in question.choices]
    if question.type == "multi":
        validators = [*presence, _exclusive(question)]
        return MultiCheckboxField(qt(question.label), choices=choices, validators=validators)
    return RadioField(qt(question.label), choices=choices, validators=presence)


def section_form(
    questions: Sequence[Question],
    answers: Mapping[str, AnswerValue],
    notes: Mapping[str, str],
    formdata: Any = None,
    strict: bool = True,
) -> SectionForm:
    """A form for the visible questions of one section, pre-filled with stored answers.

    `strict=False` (used by "Back") lets required questions stay empty.
    """

    class Form(SectionForm):
        pass

    note_length = Length(
        max=MAX_NOTE, message=str(_l("Please keep notes under %(n)d characters.", n=MAX_NOTE))
    )
    for question in questions:
        setattr(Form, question.id, field_for(question, strict))
        setattr(
            Form,
            question.id + NOTES_SUFFIX,
            TextAreaField(_l("Evidence or notes"), validators=[Optional(), note_length]),
        )
    data: dict[str, Any] = {}
    for question in questions:
        if question.id in answers:
            data[question.id] = answers[question.id]
        if question.id in notes:
            data[question.id + NOTES_SUFFIX] = notes[question.id]
    data["base"] = json.dumps(shown_values(questions, answers, notes), ensure_ascii=False)
    return Form(formdata=formdata, data=data)


def shown_values(
    questions: Sequence[Question], answers: Mapping[str, AnswerValue], notes: Mapping[str, str]
) -> dict[str, Any]:
    """The answers and notes of a page as stored, keyed as the store's merge expects."""
    values: dict[str, Any] = {}
    for question in questions:
        values[question.id] = answers.get(question.id)
        values[question.id + NOTES_SUFFIX] = notes.get(question.id)
    return values


def submitted(
    form: SectionForm, questions: Sequence[Question]
) -> tuple[dict[str, AnswerValue | None], dict[str, str | None]]:
    """The answers and notes a valid form carries; an empty field clears its stored answer."""
    answers: dict[str, AnswerValue | None] = {}
    notes: dict[str, str | None] = {}
    for question in questions:
        value = form[question.id].data
        if question.type == "multi":
            chosen = set(value or ())
            ordered = [o.id for o in question.choices if o.id in chosen]
            answers[question.id] = ordered or None
        elif question.type == "text":
            answers[question.id] = value if value and value.strip() else None
        else:
            answers[question.id] = value or None
        note = form[question.id + NOTES_SUFFIX].data
        notes[question.id] = note if note and note.strip() else None
    return answers, notes
