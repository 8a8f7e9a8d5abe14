"""The report page, its PDF, and who assessed it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from assess import token_guessing
from assess.answers import MAX_OWNER
from assess.compare import Comparison, compare
from assess.report import RenderError, ReportModel, build, reference_for, render_pdf
from assess.report.model import Governance
from assess.report.render import PAPERS
from assess.scoring import Result
from assess.store import Actor, NotFound, Record
from assess.web import definition_of, localized_blueprint, store
from assess.web.wizard import load

bp = localized_blueprint("report")
token_guessing(bp)


def report_language() -> str:
    """The report can be in another language than the screen (`report_lang`)."""
    wanted = str(request.args.get("report_lang", g.lang))
    return wanted if wanted in current_app.config["LANGUAGES"] else str(g.lang)


def paper_size() -> str:
    paper = request.args.get("paper", "a4")
    return paper if paper in PAPERS else "a4"


def model_for(record: Record, language: str) -> ReportModel:
    definition = definition_of(record)
    data = record.answer_file()
    result = data.score(definition)
    with force_locale(language):
        return build(
            definition,
            data,
            result,
            language,
            reference_for(record.token),
            datetime.now(UTC),
            governance=governance_for(record, result),
        )


def comparison_for(record: Record, result: Result) -> Comparison | None:
    """This version against the one it started from, if any."""
    if record.previous_id is None:
        return None
    try:
        previous = store().by_id(record.previous_id)
    except NotFound:
        return None
    definition = definition_of(record)
    old = previous.answer_file()
    old_result = old.score(definition_of(previous))
    return compare(
        definition,
        (previous.version_number, old, old_result),
        (record.version_number, record.answer_file(), result),
        datetime.now(UTC).date(),
    )


def governance_for(record: Record, result: Result) -> Governance:
    """The review record, as plain values for the report model."""
    return Governance(
        status=record.status,
        version_number=record.version_number,
        decision_name=record.decision_name or "",
        decision_role=record.decision_role or "",
        decision_at=record.decision_at,
        decision_reason=record.decision_reason or "",
        frozen_sha256=record.frozen_sha256 or "",
        comments=tuple((c.question_id, c.name, c.text, c.created_at) for c in record.comments),
        audit=tuple(
            (e.at, e.role, e.name, e.action, e.target, e.before, e.after)
            for e in store().audit(record.token)
        ),
        comparison=comparison_for(record, result),
    )


@bp.get("/a/<token>/report")
def page(token: str) -> str:
    record, _definition = load(token)
    return report_page(record)


def report_page(record: Record, share: str | None = None) -> str:
    """The report as a web page, for the owner or (with `share`) for a read-only visitor."""
    language = report_language()
    report = model_for(record, language)
    with force_locale(language):
        return render_template(
            "report/report.html",
            report=report,
            record=record,
            share=share,
            paper=PAPERS[paper_size()],
            for_pdf=False,
        )


@bp.get("/a/<token>/report.json")
def as_json(token: str) -> Response:
    """The report model itself: what the page and the PDF are rendered from."""
    record, _definition = load(token)
    report = model_for(record, report_language())
    body = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json")


@bp.get("/a/<token>/report.pdf")
def pdf(token: str) -> BaseResponse | tuple[str, int]:
    record, _definition = load(token)
    return pdf_response(record, report_language(), paper_size())


def pdf_response(record: Record, language: str, paper: str) -> BaseResponse | tuple[str, int]:
    """The PDF as a download, or a clear message (and nothing changed) when it cannot be made."""
    report = model_for(record, language)
    try:
        with force_locale(language):
            body = render_pdf(report, paper)
    except RenderError:
        current_app.logger.exception("report rendering failed")
        message = _(
            "The PDF could not be produced this time. Your screening is unchanged; try again, "
            "or use the report page and its answer file meanwhile."
        )
        return render_template("error.html", code=500, title=_("No PDF"), message=message), 500
    filename = f"{report.reference}-{language}.pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/a/<token>/assessor")
def assessor(token: str) -> BaseResponse | tuple[str, int]:
    load(token)
    name = request.form.get("assessor", "")
    if len(name) > MAX_OWNER:
        message = _("Please keep the name under %(n)d characters.", n=MAX_OWNER)
        return render_template("error.html", code=400, title=_("Bad request"), message=message), 400
    store().set_assessor(token, name.strip(), Actor("author", name.strip()))
    return redirect(url_for("report.page", token=token))
