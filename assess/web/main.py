"""Start page, new assessment, import, health check, and the language redirect."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime, format_decimal, format_time
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from assess import answers as answer_file
from assess import labels
from assess.i18n import (
    DEFAULT_LOCALE,
    direction,
    format_citation,
    join_citation,
    list_separator,
    qt,
    text_direction,
)
from assess.questionnaire import same_answer
from assess.web import localized_blueprint, registry, store

bp = localized_blueprint("main")
root = Blueprint("root", __name__)

MINE_COOKIE = "assess_mine"
WORKSHOPS_COOKIE = "assess_workshops"
MINE_MAX = 30


@root.get("/")
def index() -> BaseResponse:
    languages = list(current_app.config["LANGUAGES"])
    lang = request.accept_languages.best_match(languages) or DEFAULT_LOCALE
    return redirect(url_for("main.start", lang=lang))


@root.get("/healthz")
def healthz() -> Response:
    try:
        store().ping()
        next(iter(registry()))
    except Exception:  # any failure means "not ready"
        current_app.logger.exception("health check failed")
        return Response("unavailable\n", status=503, mimetype="text/plain")
    return Response("ok\n", mimetype="text/plain")


def mine(cookie: str = MINE_COOKIE) -> list[str]:
    """The assessments (or workshops) created or opened in this browser (a cookie; no server-side
    list)."""
    raw = request.cookies.get(cookie, "")
    return [t for t in raw.split(".") if t][:MINE_MAX]


def remember(
    response: BaseResponse,
    token: str,
    replacing: str | None = None,
    cookie: str = MINE_COOKIE,
) -> BaseResponse:
    """Put a screening first in this browser's list (dropping the link it replaces, if any)."""
    tokens = [token, *[t for t in mine(cookie) if t not in (token, replacing)]]
    response.set_cookie(
        cookie,
        ".".join(tokens[:MINE_MAX]),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def remember_workshop(response: BaseResponse, trainer_token: str) -> BaseResponse:
    """The trainer's link, kept in this browser's list of workshops."""
    return remember(response, trainer_token, cookie=WORKSHOPS_COOKIE)


@bp.get("/")
def start() -> str:
    definition = registry().latest()
    known = store().titles(mine())
    workshops = store().workshops(mine(WORKSHOPS_COOKIE))
    return render_template("start.html", definition=definition, mine=known, workshops=workshops)


@bp.post("/new")
def new() -> BaseResponse:
    definition = registry().latest()
    token = store().create(definition, title="", locale=g.lang)
    first = definition.sections[0].id
    return remember(redirect(url_for("wizard.section", token=token, section_id=first)), token)


@bp.post("/import")
def import_file() -> BaseResponse | tuple[str, int]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template(
            "import_error.html", problems=[_("Choose an answer file (.json) to import.")]
        ), 400
    try:
        data = answer_file.loads(upload.read(), registry())
    except answer_file.AnswerFileError as exc:
        return render_template("import_error.html", problems=exc.problems), 400
    definition = registry().get(data.questionnaire, data.version)
    title_from = definition.title_question if definition else None
    token = store().import_file(data, title_from=title_from)
    return remember(redirect(url_for("wizard.summary", token=token)), token)


def register_globals(app: Flask) -> None:
    app.register_blueprint(root)

    @app.context_processor
    def inject() -> dict[str, Any]:
        lang = getattr(g, "lang", DEFAULT_LOCALE)
        return {"lang": lang, "dir": direction(lang), "languages": app.config["LANGUAGES"]}

    # Globals (not context) so that imported macros see them too.
    app.jinja_env.globals.update(
        qt=qt,
        switch_url=_switch_url,
        rating_label=lambda r: str(labels.RATINGS[r]),
        verdict_label=lambda v: str(labels.VERDICTS[v]),
        verdict_reason=lambda v: str(labels.VERDICT_REASONS[v]),
        status_label=lambda s: str(labels.STATUSES[s]),
        review_status_label=lambda s: str(labels.REVIEW_STATUSES[s]),
        audience_label=lambda a: str(labels.AUDIENCES[a]),
        same_answer=same_answer,
        answer_text=labels.answer_text,
        source_label=lambda d, s: d.source_label(s, qt, format_citation, join_citation),
        list_separator=list_separator,
        notice_by_id=lambda d, i: next(n for n in d.notices if n.id == i),
        case_of=lambda record: app.extensions["assess.cases"].get(record.case_id),
        next_version=lambda record: app.extensions["assess.store"].next_version(record),
    )
    app.jinja_env.filters["datetime"] = lambda value: format_datetime(value, "medium")
    app.jinja_env.filters["time"] = lambda value: format_time(value, "short")
    app.jinja_env.filters["date"] = lambda value: format_date(value, "medium")
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["textdir"] = text_direction


def _switch_url(code: str) -> str:
    """The same page in another language (GET), keeping the user where they are."""
    endpoint = request.endpoint
    args = dict(request.view_args or {})
    if not endpoint or endpoint.startswith("root.") or endpoint == "static":
        return url_for("main.start", lang=code)
    if request.method != "GET" and endpoint in ("main.new", "main.import_file"):
        return url_for("main.start", lang=code)
    args["lang"] = code
    return url_for(endpoint, **args)
