"""Workshops for trainers and the case library: cases to read and to practise on alone, a workshop
with a join code and a QR code, participants without accounts, the trainer's dashboard with its
live refresh, exports, closing and deleting."""

from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from ipaddress import ip_address

import segno
from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, Length

from assess import limiter, token_guessing
from assess.cases import CaseLibrary, LibraryCase
from assess.i18n import qt
from assess.labels import answer_text
from assess.report import RenderError
from assess.report.render import render_document
from assess.scoring import Result
from assess.store import MAX_NAME, Closed, NameTaken, NotFound, WorkshopFull, WorkshopRecord
from assess.store import normalize_code as _normalize
from assess.web import localized_blueprint, store
from assess.web.forms import MultiCheckboxField
from assess.web.main import remember, remember_workshop
from assess.workshop import WorkshopSummary, build

bp = localized_blueprint("workshop")
token_guessing(bp)  # unknown trainer links and join codes count as guesses, per address


def library() -> CaseLibrary:
    cases: CaseLibrary = current_app.extensions["assess.cases"]
    return cases


def _case(case_id: str) -> LibraryCase:
    case = library().get(case_id)
    if case is None:
        abort(404)
    return case


# --- the case library, and self-study -----------------------------------------------------------


@bp.get("/cases/")
def cases() -> str:
    return render_template("cases.html", cases=list(library()))


@bp.get("/cases/<case_id>")
def case(case_id: str) -> str:
    """The case as participants read it: never the trainer notes."""
    return render_template("case.html", case=_case(case_id))


@bp.post("/cases/<case_id>/start")
def study(case_id: str) -> BaseResponse:
    """A screening of one case for self-study, outside any workshop."""
    found = _case(case_id)
    token = store().create(found.definition, qt(found.case.title), g.lang, case_id=found.id)
    first = found.definition.sections[0].id
    return remember(redirect(url_for("wizard.section", token=token, section_id=first)), token)


# --- creating a workshop -----------------------------------------------------------------------


class WorkshopForm(FlaskForm):  # type: ignore[misc]
    title = StringField(_l("Name of the workshop"), [Length(max=200)])
    language = RadioField(
        _l("Language of the questionnaire for participants"),
        [InputRequired(_l("Please choose the participants' language."))],
    )
    cases = MultiCheckboxField(_l("Cases"), [InputRequired(_l("Please choose at least one case."))])


@bp.route("/workshops/new", methods=["GET", "POST"])
def new() -> BaseResponse | tuple[str, int] | str:
    form = WorkshopForm()
    form.language.choices = list(current_app.config["LANGUAGES"].items())
    form.cases.choices = [(c.id, qt(c.case.title)) for c in library()]
    if request.method == "GET":
        form.language.data = g.lang
        form.cases.data = [c.id for c in library()]
        return render_template("workshop_new.html", form=form)
    if not form.validate():
        return render_template("workshop_new.html", form=form), 422
    picked = [c for c in library() if c.id in form.cases.data]
    workshop = store().create_workshop(
        picked[0].definition,
        title=(form.title.data or "").strip(),
        locale=form.language.data,
        cases=[c.id for c in picked],
    )
    response = redirect(url_for("workshop.dashboard", trainer=workshop.trainer_token))
    return remember_workshop(response, workshop.trainer_token)


# --- joining -----------------------------------------------------------------------------------


class JoinForm(FlaskForm):  # type: ignore[misc]
    code = StringField(
        _l("Workshop code"),
        [InputRequired(_l("Please type the code shown by the trainer.")), Length(max=16)],
    )
    name = StringField(
        _l("Your name, or your group's name"),
        [
            InputRequired(_l("Please give a name, so that the trainer can tell the groups apart.")),
            Length(max=MAX_NAME, message=_l("Please keep the name under %(max)d characters.")),
        ],
    )


def _join_key() -> str:
    """Joins are limited per workshop (a whole room may share one address)."""
    return "join:" + _normalize(request.form.get("code", ""))


@bp.get("/join/<code>")
def join_code(code: str) -> str:
    """Where the QR code leads: the join form with the code filled in."""
    form = JoinForm(data={"code": _normalize(code)})
    return render_template("join.html", form=form)


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(
    lambda: str(current_app.config["WORKSHOP_JOIN_RATE"]), key_func=_join_key, methods=["POST"]
)
def join() -> BaseResponse | tuple[str, int] | str:
    form = JoinForm()
    if request.method == "GET":
        return render_template("join.html", form=form)
    if not form.validate():
        return render_template("join.html", form=form), 422
    code = _normalize(form.code.data)
    try:
        workshop = store().workshop_by_code(code)
        token = store().join(code, form.name.data, current_app.config["WORKSHOP_MAX_PARTICIPANTS"])
    except NotFound:
        form.code.errors = [_("No workshop has this code. Please check it with the trainer.")]
        return render_template("join.html", form=form), 404
    except Closed:
        form.code.errors = [_("This workshop is closed: it takes no more participants.")]
        return render_template("join.html", form=form), 409
    except WorkshopFull:
        form.code.errors = [
            _(
                "This workshop is full (%(n)d participants). Please join as a group with others.",
                n=current_app.config["WORKSHOP_MAX_PARTICIPANTS"],
            )
        ]
        return render_template("join.html", form=form), 409
    except NameTaken:
        form.name.errors = [
            _(
                "Someone in this workshop already uses this name. Please add something to it, "
                "for example your table number."
            )
        ]
        return render_template("join.html", form=form), 422
    definition = library().get(workshop.cases[0])
    first = definition.definition.sections[0].id if definition else "partnership"
    target = url_for("wizard.section", lang=workshop.locale, token=token, section_id=first)
    return remember(redirect(target), token)


# --- the trainer's pages -----------------------------------------------------------------------


def _workshop(trainer: str) -> WorkshopRecord:
    if len(trainer) > 64:
        abort(404)
    try:
        return store().workshop(trainer)
    except NotFound:
        abort(404)


class _Scores(OrderedDict[tuple[str, int], Result]):
    """The last results scored in this process, for the live dashboards (bounded)."""

    limit = 2000

    def __setitem__(self, key: tuple[str, int], value: Result) -> None:
        with _scores_lock:
            super().__setitem__(key, value)
            while len(self) > self.limit:
                self.popitem(last=False)


_scores = _Scores()
_scores_lock = threading.Lock()


def _summary(workshop: WorkshopRecord) -> WorkshopSummary:
    return build(library(), workshop, store().participants(workshop.id), _scores)


def _join_url(workshop: WorkshopRecord) -> str:
    return url_for("workshop.join_code", lang=workshop.locale, code=workshop.code, _external=True)


def _local_only() -> bool:
    """The dashboard was opened on a loopback address: participants' devices cannot reach it."""
    host = request.host.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _qr(url: str) -> str:
    """The join link as a QR code, drawn here as SVG (a data: URL: no request leaves the page)."""
    qr = segno.make(url, error="m")
    return str(qr.svg_data_uri(scale=1, border=4, dark="#000", light="#fff"))


def _dashboard_context(workshop: WorkshopRecord) -> dict[str, object]:
    return {
        "workshop": workshop,
        "summary": _summary(workshop),
        "join_url": _join_url(workshop),
        "updated": datetime.now(UTC),
    }


@bp.get("/w/<trainer>/")
def dashboard(trainer: str) -> BaseResponse:
    workshop = _workshop(trainer)
    page = render_template(
        "workshop.html",
        qr=_qr(_join_url(workshop)),
        local_only=_local_only(),
        **_dashboard_context(workshop),
    )
    return remember_workshop(Response(page), trainer)


@bp.get("/w/<trainer>/live")
def live(trainer: str) -> str:
    """The dashboard's changing part, which its script fetches every few seconds."""
    return render_template("workshop/_live.html", **_dashboard_context(_workshop(trainer)))


@bp.get("/w/<trainer>/screen")
def screen(trainer: str) -> str:
    """For the projector: the code, the QR code and the address, as large as they go."""
    workshop = _workshop(trainer)
    url = _join_url(workshop)
    return render_template("workshop_screen.html", workshop=workshop, join_url=url, qr=_qr(url))


@bp.post("/w/<trainer>/close")
def close(trainer: str) -> BaseResponse:
    _workshop(trainer)
    closing = request.form.get("action") != "reopen"
    store().close_workshop(trainer, closing)
    flash(
        _("The workshop is closed: participants can read their answers but not change them.")
        if closing
        else _("The workshop is open again: participants can change their answers.")
    )
    return redirect(url_for("workshop.dashboard", trainer=trainer))


@bp.route("/w/<trainer>/delete", methods=["GET", "POST"])
def delete(trainer: str) -> BaseResponse | str:
    workshop = _workshop(trainer)
    if request.method == "GET":
        return render_template("workshop_delete.html", workshop=workshop)
    store().delete_workshop(trainer)
    flash(_("The workshop and all its participants' answers have been deleted."))
    return redirect(url_for("main.start"))


CSV_FIELDS = (
    "workshop",
    "participant",
    "case",
    "section",
    "question_id",
    "question",
    "answer",
    "answer_ids",
    "notes",
    "last_saved",
)


def _cell(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: make them plain text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.get("/w/<trainer>/answers.csv")
def answers_csv(trainer: str) -> Response:
    """Every answer and note of every participant, one row each, in the workshop's language."""
    workshop = _workshop(trainer)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    with force_locale(workshop.locale):
        for record in store().participants(workshop.id):
            found = library().get(record.case_id)
            if found is None:
                continue
            definition = found.definition
            for question_id, section in definition.section_of.items():
                value = record.answers.get(question_id)
                note = record.notes.get(question_id, "")
                if value is None and not note:
                    continue
                question = definition.questions[question_id]
                ids = "" if question.type == "text" or value is None else _ids(value)
                row = [
                    workshop.title or workshop.code,
                    record.participant or "",
                    found.id,
                    section.id,
                    question_id,
                    qt(question.label),
                    answer_text(question, value),
                    ids,
                    note,
                    record.updated_at.isoformat(timespec="seconds"),
                ]
                writer.writerow([_cell(str(c)) for c in row])
    name = f"workshop-{workshop.code}-answers.csv"
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so that spreadsheet programs read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _ids(value: object) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


@bp.get("/w/<trainer>/summary.pdf")
def summary_pdf(trainer: str) -> BaseResponse | tuple[str, int]:
    """Per case: the spread of verdicts, the most divergent questions, the expected outcome."""
    workshop = _workshop(trainer)
    context = _dashboard_context(workshop)
    try:
        pdf = render_document("report/workshop.html", context, lang=g.lang)
    except RenderError:
        current_app.logger.exception("workshop summary PDF failed")
        message = _("The PDF could not be produced. Nothing was changed; please try again.")
        return render_template("error.html", code=503, title=_("Error"), message=message), 503
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="workshop-{workshop.code}.pdf"',
        },
    )
